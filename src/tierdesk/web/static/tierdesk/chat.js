// The portal's chat window (bottom-right): start a chat, send messages through the API, and see
// the engineer's answers, "has joined" and typing over the ticket's WebSocket. Keyboard: the
// button opens it and moves focus to the message, Escape closes it, Enter sends
// (Shift+Enter for a new line).
(function () {
  "use strict";
  var root = document.getElementById("chat");
  if (!root || !window.WebSocket || !window.fetch) { return; }
  var toggle = root.querySelector(".chat-toggle");
  var panel = root.querySelector(".chat-panel");
  var closer = root.querySelector(".chat-close");
  var log = root.querySelector(".chat-log");
  var status = root.querySelector(".chat-status");
  var typing = root.querySelector(".chat-typing");
  var form = root.querySelector(".chat-form");
  var text = root.querySelector("#chat-text");
  var number = root.dataset.number || "";
  var after = 0, socket = null, delay = 1000, beat = null, hideTyping = null, lastTyping = 0;
  var shown = {};

  function t(key, values) {
    var s = root.dataset[key] || "";
    Object.keys(values || {}).forEach(function (k) { s = s.replace("%(" + k + ")s", values[k]); });
    return s;
  }

  function setOpen(open) {
    panel.hidden = !open;
    toggle.setAttribute("aria-expanded", open ? "true" : "false");
    if (open) { text.focus(); connect(); } else { toggle.focus(); }
    try { sessionStorage.setItem("tierdesk.chat.open", open ? "1" : "0"); } catch (err) { /* private mode */ }
  }

  function add(who, body, mine, kind, seq) {
    if (seq && shown[seq]) { return; }
    if (seq) { shown[seq] = true; }
    var li = document.createElement("li");
    li.className = "chat-message " + (kind === "joined" ? "chat-joined" : mine ? "chat-mine" : "chat-theirs");
    if (kind === "joined") {
      li.textContent = who;
    } else {
      var name = document.createElement("span");
      name.className = "chat-who";
      name.textContent = mine ? t("tYou") : who;
      var words = document.createElement("span");
      words.className = "chat-text";
      words.textContent = body;
      li.appendChild(name);
      li.appendChild(words);
    }
    log.appendChild(li);
    log.scrollTop = log.scrollHeight;
  }

  function onMessage(m) {
    if (m.type === "events") {
      m.events.forEach(function (ev) {
        if (ev.kind === "joined") { add(ev.what, "", false, "joined", "j" + ev.seq); }
        else if (ev.message) { add(ev.who, ev.text, ev.mine, ev.kind, ev.seq); }
      });
      after = Math.max(after, m.head);
      typing.textContent = "";
    } else if (m.type === "typing") {
      typing.textContent = t("tTyping", { name: m.who });
      clearTimeout(hideTyping);
      hideTyping = setTimeout(function () { typing.textContent = ""; }, 6000);
    }
  }

  function connect() {
    if (!number || socket) { return; }
    var scheme = location.protocol === "https:" ? "wss://" : "ws://";
    socket = new WebSocket(scheme + location.host + "/live/tickets/" + number + "/?after=" + after);
    socket.onopen = function () {
      delay = 1000;
      beat = setInterval(function () { send({ type: "sync" }); }, 30000);
      if (status.dataset.lost) { status.textContent = ""; delete status.dataset.lost; }
    };
    socket.onmessage = function (e) { onMessage(JSON.parse(e.data)); };
    socket.onclose = function (e) {
      clearInterval(beat);
      socket = null;
      if (e.code === 4403) { return; }
      status.textContent = t("tReconnecting");
      status.dataset.lost = "1";
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 30000);
    };
  }

  function send(message) {
    if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(message)); }
  }

  function post(url, body) {
    return fetch(url, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRFToken": root.dataset.csrf },
      body: JSON.stringify({ body: body })
    }).then(function (r) {
      if (!r.ok) { throw new Error(String(r.status)); }
      return r.json();
    });
  }

  form.addEventListener("submit", function (e) {
    e.preventDefault();
    var body = text.value.trim();
    if (!body) { return; }
    var button = form.querySelector("button");
    button.disabled = true;
    var sent = number
      ? post("/api/v1/tickets/" + number + "/chat", body).then(function (m) {
          add("", body, true, "reply", m.seq);
        })
      : post("/api/v1/chats", body).then(function (started) {
          if (started.live) {
            number = started.ticket;
            root.dataset.number = number;
            status.textContent = t("tWaiting");
            connect();
          } else {
            add("", body, true, "created");
            status.textContent = t("tTicket", { number: started.ticket });
            form.hidden = true;
          }
        });
    sent.then(function () { text.value = ""; })
      .catch(function () { status.textContent = t("tError"); })
      .then(function () { button.disabled = false; text.focus(); });
  });

  text.addEventListener("keydown", function (e) {
    if (e.key === "Enter" && !e.shiftKey) { e.preventDefault(); form.requestSubmit(); }
  });
  text.addEventListener("input", function () {
    var now = Date.now();
    if (number && now - lastTyping > 3000) { lastTyping = now; send({ type: "typing", public: true }); }
  });
  toggle.addEventListener("click", function () { setOpen(panel.hidden); });
  closer.addEventListener("click", function () { setOpen(false); });
  panel.addEventListener("keydown", function (e) { if (e.key === "Escape") { setOpen(false); } });
  var wasOpen = false;
  try { wasOpen = sessionStorage.getItem("tierdesk.chat.open") === "1"; } catch (err) { /* private mode */ }
  if (number && wasOpen) { panel.hidden = false; toggle.setAttribute("aria-expanded", "true"); connect(); }
})();
