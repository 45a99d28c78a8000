// Pages that update themselves: the ticket page's new events, who is writing, and the desk's
// queues and waiting chats, over the desk's own WebSocket (no library). A lost connection is
// opened again and catches up from the last event seen.
(function () {
  "use strict";

  function socketUrl(path) {
    return (location.protocol === "https:" ? "wss://" : "ws://") + location.host + path;
  }

  // A socket that reconnects with backoff and sends a heartbeat; `path()` is asked each time.
  // While it is open, `el` carries data-connected (what the page and its tests can rely on).
  function follow(path, onMessage, el) {
    var delay = 1000, socket = null, beat = null;
    function open() {
      socket = new WebSocket(socketUrl(path()));
      socket.onopen = function () {
        delay = 1000;
        if (el) { el.dataset.connected = "1"; }
        beat = setInterval(function () { send({ type: "sync" }); }, 30000);
      };
      socket.onmessage = function (e) { onMessage(JSON.parse(e.data)); };
      socket.onclose = function (e) {
        clearInterval(beat);
        if (el) { delete el.dataset.connected; }
        if (e.code === 4403) { return; } // not (or no longer) this viewer's to follow
        setTimeout(open, delay);
        delay = Math.min(delay * 2, 30000);
      };
    }
    function send(message) {
      if (socket && socket.readyState === WebSocket.OPEN) { socket.send(JSON.stringify(message)); }
    }
    function isOpen() { return !!socket && socket.readyState === WebSocket.OPEN; }
    open();
    return { send: send, isOpen: isOpen };
  }

  // A chat's reply (or note) is sent without leaving the page: the answer comes back through the
  // socket like everyone else's, and the writer stays in the composer. Without an open socket,
  // or for "send and set a status", the form is posted as usual.
  function inPlace(form, live) {
    var sending = false;
    form.addEventListener("submit", function (e) {
      var button = e.submitter;
      if (!live.isOpen() || (button && button.value)) { return; }
      e.preventDefault();
      if (sending) { return; }
      sending = true;
      var box = form.querySelector("textarea");
      var data = new FormData(form);
      if (button && button.name) { data.append(button.name, button.value); }
      fetch(form.action, {
        method: "POST",
        body: data,
        credentials: "same-origin",
        headers: { "X-Tierdesk-In-Place": "1" }
      }).then(function (r) {
        if (r.status === 204) {
          if (box) { box.value = ""; box.focus(); }
          return;
        }
        // Refused: the page's answer shows the message next to the field; its form takes this
        // one's place with what was typed, and the writer stays in it.
        return r.text().then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          var fresh = doc.getElementById(form.id);
          if (!fresh) { location.reload(); return; } // no longer this writer's to answer
          form.replaceChildren.apply(form, Array.prototype.slice.call(fresh.childNodes));
          var again = form.querySelector("textarea");
          if (again) { again.focus(); }
        });
      }).catch(function () {
        // No answer (the network failed): the text stays in the box to be sent again; posting
        // it here could record it twice if the first request did arrive.
      }).then(function () { sending = false; });
    });
  }

  // What new events change beside the conversation: the status in the header, the service
  // levels and the details on the side, read again from the page once the events have settled.
  // A details form the viewer is using (focus inside it, or changed and not yet sent) is left
  // as it is until they are done with it.
  function sideRefresher() {
    var pending = null, dirty = false;
    var side = document.querySelector(".ticket-side");
    if (side) {
      side.addEventListener("input", function () { dirty = true; });
      side.addEventListener("change", function () { dirty = true; });
      side.addEventListener("submit", function () { dirty = false; });
    }
    function swap(doc, selector, keepIfBusy) {
      var old = document.querySelector(selector), fresh = doc.querySelector(selector);
      if (!old || !fresh) { return; }
      if (keepIfBusy && (dirty || old.contains(document.activeElement))) { return; }
      old.replaceWith(fresh);
    }
    function refresh() {
      fetch(location.pathname, { credentials: "same-origin" }).then(function (r) {
        return r.ok ? r.text() : null;
      }).then(function (html) {
        if (!html) { return; }
        var doc = new DOMParser().parseFromString(html, "text/html");
        swap(doc, ".ticket-head .meta", false);
        swap(doc, ".ticket-side .card.sla", false);
        swap(doc, ".ticket-side .card.props", true);
      }).catch(function () { /* the next events try again */ });
    }
    return function () {
      clearTimeout(pending);
      pending = setTimeout(refresh, 700);
    };
  }

  function ticketPage(el) {
    var after = parseInt(el.dataset.after || "0", 10);
    var list = document.querySelector("ol.conversation");
    var presence = document.getElementById("presence");
    var said = document.getElementById("live-said");
    var hideTyping = null;
    var refreshSide = sideRefresher();
    var live = follow(function () { return el.dataset.socket + "?after=" + after; }, function (m) {
      if (m.type === "events") {
        var added = false;
        m.events.forEach(function (ev) {
          if (ev.html && list && !list.querySelector('[data-seq="' + ev.seq + '"]')) {
            list.insertAdjacentHTML("beforeend", ev.html);
            added = true;
            if (said) { said.textContent = ev.who + " " + ev.what; }
          }
        });
        if (added) { refreshSide(); }
        after = Math.max(after, m.head);
      } else if (m.type === "typing" && presence) {
        presence.textContent = el.dataset.tTyping.replace("%(name)s", m.who);
        presence.classList.add("notice");
        clearTimeout(hideTyping);
        hideTyping = setTimeout(function () { presence.textContent = ""; presence.classList.remove("notice"); }, 6000);
      }
    }, el);
    if (el.dataset.inPlace) {
      ["pane-reply", "pane-note"].forEach(function (id) {
        var form = document.getElementById(id);
        if (form) { inPlace(form, live); }
      });
    }
    var lastTyping = 0;
    document.addEventListener("input", function (e) {
      var box = e.target;
      if (!(box instanceof HTMLTextAreaElement) || !box.closest(".composer")) { return; }
      var now = Date.now();
      if (now - lastTyping < 3000) { return; }
      lastTyping = now;
      live.send({ type: "typing", public: !box.closest("#pane-note") });
    });
  }

  function deskPage(el) {
    var pending = null;
    var count = document.getElementById("chat-count");
    var sound = document.getElementById("chat-sound");
    var badge = document.getElementById("chat-badge");
    var title = document.title;
    var known = -1;
    var pendingQueue = false;
    document.addEventListener("change", function (e) {
      var box = e.target;
      var queue = document.getElementById("queue");
      if (pendingQueue && queue && queue.contains(box) && !queue.querySelector("input[type=checkbox]:checked")) {
        pendingQueue = false;
        refreshQueue();
      }
    });
    [sound, badge].forEach(function (box) {
      if (!box) { return; }
      var stored = localStorage.getItem("tierdesk." + box.id);
      if (stored !== null) { box.checked = stored === "1"; }
      box.addEventListener("change", function () {
        localStorage.setItem("tierdesk." + box.id, box.checked ? "1" : "0");
        showCount(known);
      });
    });
    function beep() {
      try {
        var ctx = new (window.AudioContext || window.webkitAudioContext)();
        var osc = ctx.createOscillator();
        osc.frequency.value = 880;
        osc.connect(ctx.destination);
        osc.start();
        osc.stop(ctx.currentTime + 0.15);
      } catch (err) { /* no audio: the badge still shows */ }
    }
    function showCount(n) {
      if (n < 0) { return; }
      if (count) { count.textContent = String(n); }
      document.title = (badge && badge.checked && n > 0 ? "(" + n + ") " : "") + title;
    }
    document.body.addEventListener("htmx:afterSwap", function (e) {
      var box = e.target.querySelector && e.target.querySelector(".waiting-chats");
      if (!box) { return; }
      var n = parseInt(box.dataset.count || "0", 10);
      if (known >= 0 && n > known && sound && sound.checked) { beep(); }
      known = n;
      showCount(n);
    });
    function refreshQueue() {
      var queue = document.getElementById("queue");
      if (!queue) { return; }
      // Tickets picked for a bulk change stay picked: the queue waits until they are used.
      if (queue.querySelector("input[type=checkbox]:checked")) { pendingQueue = true; return; }
      fetch(location.href, { credentials: "same-origin" }).then(function (r) { return r.text(); }).then(function (html) {
        var doc = new DOMParser().parseFromString(html, "text/html");
        var fresh = doc.getElementById("queue");
        if (fresh) { queue.replaceWith(fresh); }
        var tabs = document.querySelector("nav.tabs"), freshTabs = doc.querySelector("nav.tabs");
        if (tabs && freshTabs) { tabs.replaceWith(freshTabs); } // the counts per queue
      });
    }
    follow(function () { return el.dataset.socket; }, function (m) {
      if (m.type !== "desk") { return; }
      if (pending) { return; } // many changes at once: one refresh
      pending = setTimeout(function () {
        pending = null;
        document.body.dispatchEvent(new CustomEvent("desk-changed"));
        refreshQueue();
      }, 1000);
    });
  }

  function start() {
    var ticket = document.getElementById("live-ticket");
    if (ticket && window.WebSocket) { ticketPage(ticket); }
    var desk = document.getElementById("live-desk");
    if (desk && window.WebSocket) { deskPage(desk); }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", start); } else { start(); }
})();
