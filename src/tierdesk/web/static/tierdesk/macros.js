// The composer's canned-reply picker: choosing one fills the reply at once (already filled in
// for this ticket and in its language by the page) and marks the Send button it suggests.
// Without this script the picker's Insert button asks for the page again with the reply filled.
(function () {
  "use strict";
  var box = document.querySelector("[data-macro-picker]");
  var data = document.getElementById("macro-texts");
  if (!box || !data) { return; }
  var replies = JSON.parse(data.textContent);
  var select = box.querySelector("select");
  var insert = box.querySelector(".macro-insert");
  var form = document.getElementById("pane-reply");
  var text = form && form.querySelector("textarea");
  if (!select || !text) { return; }
  if (insert) { insert.hidden = true; }
  var THEN = { waiting: "pending", resolved: "resolve" };
  function mark(suggests) {
    var wanted = THEN[suggests] || "";
    var buttons = form.querySelectorAll("button[name='reply-then']");
    var found = false;
    Array.prototype.forEach.call(buttons, function (b) { if (b.value === wanted) { found = true; } });
    Array.prototype.forEach.call(buttons, function (b) {
      var on = found ? b.value === wanted : b.value === "";
      b.classList.toggle("primary", on);
      b.classList.toggle("suggested", on && wanted !== "");
    });
  }
  select.addEventListener("change", function () {
    var chosen = null;
    replies.forEach(function (r) { if (String(r.id) === select.value) { chosen = r; } });
    if (!chosen) { mark(""); return; }
    text.value = text.value.trim() ? text.value.replace(/\s+$/, "") + "\n\n" + chosen.body : chosen.body;
    text.rows = Math.min(16, Math.max(text.rows, text.value.split("\n").length + 1));
    text.dispatchEvent(new Event("input", { bubbles: true }));
    mark(chosen.suggests);
    text.focus();
    text.setSelectionRange(text.value.length, text.value.length);
  });
})();
