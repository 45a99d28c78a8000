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
// The ticket page's composer: without this script its reply, note and question forms are plain
// sections one under another; with it they become tabs (arrow keys move between them).
(function () {
  "use strict";
  var box = document.querySelector("[data-tabs]");
  if (!box) { return; }
  var list = box.querySelector("[role='tablist']");
  var tabs = list ? Array.prototype.slice.call(list.querySelectorAll("[role='tab']")) : [];
  if (tabs.length < 2) { return; }
  function show(tab, focus) {
    tabs.forEach(function (t) {
      var on = t === tab;
      t.setAttribute("aria-selected", on ? "true" : "false");
      t.tabIndex = on ? 0 : -1;
      var pane = document.getElementById(t.getAttribute("aria-controls"));
      if (pane) { pane.hidden = !on; }
    });
    if (focus) { tab.focus(); }
  }
  list.hidden = false;
  box.classList.add("tabbed");
  // A form that came back with an error opens on its own tab.
  var start = tabs[0];
  tabs.forEach(function (t) {
    var pane = document.getElementById(t.getAttribute("aria-controls"));
    if (pane && pane.querySelector(".error")) { start = t; }
  });
  show(start, false);
  tabs.forEach(function (t, i) {
    t.addEventListener("click", function () { show(t, false); });
    t.addEventListener("keydown", function (e) {
      var n = null;
      if (e.key === "ArrowRight") { n = tabs[(i + 1) % tabs.length]; }
      if (e.key === "ArrowLeft") { n = tabs[(i - 1 + tabs.length) % tabs.length]; }
      if (e.key === "Home") { n = tabs[0]; }
      if (e.key === "End") { n = tabs[tabs.length - 1]; }
      if (n) { e.preventDefault(); show(n, true); }
    });
  });
  // The r and n shortcuts open their tab before the field takes the focus.
  document.addEventListener("keydown", function (e) {
    if (e.ctrlKey || e.metaKey || e.altKey) { return; }
    var t = e.target;
    if (t && (t.isContentEditable || /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName))) { return; }
    var id = e.key === "r" ? "tab-reply" : e.key === "n" ? "tab-note" : null;
    var tab = id && document.getElementById(id);
    if (tab) { show(tab, false); }
  }, true);
})();
// The top bar's menu button: shown with scripts on narrow screens, it opens and closes the menu;
// Escape closes it and gives the focus back to the button.
(function () {
  "use strict";
  function ready() {
    var bar = document.querySelector("header.bar");
    var button = bar && bar.querySelector(".menu-button");
    if (!button) { return; }
    bar.classList.add("js");
    button.hidden = false;
    function set(open) {
      bar.classList.toggle("open", open);
      button.setAttribute("aria-expanded", open ? "true" : "false");
    }
    button.addEventListener("click", function () { set(button.getAttribute("aria-expanded") !== "true"); });
    bar.addEventListener("keydown", function (e) {
      if (e.key === "Escape" && bar.classList.contains("open")) { set(false); button.focus(); }
    });
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
})();

// A table or card that scrolls sideways (a narrow screen) can be scrolled from the keyboard: it
// takes focus when it overflows, and is checked again when the page changes or is resized.
(function () {
  "use strict";
  var SELECTOR = "main table:not(.grid), main .scroll, main .table-scroll";
  var pending = false;
  function mark() {
    pending = false;
    Array.prototype.forEach.call(document.querySelectorAll(SELECTOR), function (el) {
      if (el.scrollWidth > el.clientWidth + 1) {
        if (!el.hasAttribute("tabindex")) { el.setAttribute("tabindex", "0"); el.setAttribute("data-scroll-focus", ""); }
      } else if (el.hasAttribute("data-scroll-focus")) {
        el.removeAttribute("tabindex"); el.removeAttribute("data-scroll-focus");
      }
    });
  }
  function later() { if (!pending) { pending = true; window.requestAnimationFrame(mark); } }
  function ready() {
    mark();
    window.addEventListener("resize", later);
    var main = document.querySelector("main");
    if (main && window.MutationObserver) {
      new MutationObserver(later).observe(main, { childList: true, subtree: true });
    }
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", ready); } else { ready(); }
})();
