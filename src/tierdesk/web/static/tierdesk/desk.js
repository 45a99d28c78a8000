// Keyboard shortcuts for the desk, and the "someone is writing" flag for the collision notice.
// Keys are ignored while typing in a field; ? lists them.
(function () {
  "use strict";
  var KEYS = {
    "j": "next ticket in the queue", "k": "previous ticket in the queue", "Enter": "open the selected ticket",
    "/": "search", "r": "reply", "n": "internal note", "s": "change status", "l": "hand over to a level",
    "g": "go to the desk", "?": "show these keys"
  };
  function typing(e) {
    var t = e.target;
    return t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName));
  }
  function focus(selector) {
    var el = document.querySelector(selector);
    if (el) { el.focus(); el.scrollIntoView({ block: "center" }); return true; }
    return false;
  }
  var selected = -1;
  function rows() { return Array.prototype.slice.call(document.querySelectorAll("#queue tbody tr[data-href]")); }
  function select(i) {
    var all = rows();
    if (!all.length) { return; }
    selected = Math.max(0, Math.min(all.length - 1, i));
    all.forEach(function (row, n) { row.classList.toggle("selected", n === selected); row.setAttribute("aria-selected", n === selected ? "true" : "false"); });
    var link = all[selected].querySelector("a");
    if (link) { link.focus(); }
  }
  function help() {
    var box = document.getElementById("keys-help");
    if (box) { box.remove(); return; }
    box = document.createElement("div");
    box.id = "keys-help"; box.className = "card keys"; box.setAttribute("role", "dialog"); box.setAttribute("aria-label", "Keyboard shortcuts");
    var list = document.createElement("dl");
    Object.keys(KEYS).forEach(function (k) {
      var dt = document.createElement("dt"); dt.textContent = k;
      var dd = document.createElement("dd"); dd.textContent = KEYS[k];
      list.appendChild(dt); list.appendChild(dd);
    });
    box.appendChild(list);
    document.body.appendChild(box);
  }
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey || typing(e)) { return; }
    var handled = true;
    switch (e.key) {
      case "j": select(selected + 1); break;
      case "k": select(selected - 1); break;
      case "Enter":
        if (selected >= 0) { window.location = rows()[selected].getAttribute("data-href"); } else { handled = false; }
        break;
      case "/": handled = focus("[data-key='/']"); break;
      case "r": handled = focus("#id_reply-body"); break;
      case "n": handled = focus("#id_note-body"); break;
      case "s": handled = focus("#id_status-status"); break;
      case "l": handled = focus("#id_level-level"); break;
      case "g": window.location = "/desk/"; break;
      case "?": help(); break;
      default: handled = false;
    }
    if (handled) { e.preventDefault(); }
  });
  // While an agent types a reply or note, the presence poll says so to the others.
  document.addEventListener("input", function (e) {
    var poll = document.getElementById("presence");
    if (poll && e.target && /^(TEXTAREA)$/.test(e.target.tagName)) {
      poll.setAttribute("hx-vals", JSON.stringify({ editing: "1" }));
    }
  });
})();
