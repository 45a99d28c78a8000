// The desk queue's bulk bar: "select all on this page", the count of selected tickets, and only
// the field the chosen change needs (without this script every field shows; the desk ignores
// the ones the change does not use).
(function () {
  "use strict";
  var form = document.getElementById("bulk-form");
  if (!form) { return; }
  var all = document.querySelector("[data-pick-all]");
  var count = form.querySelector("[data-bulk-count]");
  function boxes() { return Array.prototype.slice.call(document.querySelectorAll("input[name='tickets'][form='bulk-form']")); }
  function update() {
    var picked = boxes().filter(function (b) { return b.checked; }).length;
    if (count) { count.textContent = picked ? "(" + picked + ")" : ""; }
    if (all) {
      all.checked = picked > 0 && picked === boxes().length;
      all.indeterminate = picked > 0 && picked < boxes().length;
    }
  }
  if (all) {
    all.addEventListener("change", function () {
      boxes().forEach(function (b) { b.checked = all.checked; });
      update();
    });
  }
  document.addEventListener("change", function (e) {
    if (e.target && e.target.name === "tickets") { update(); }
  });
  var operation = form.querySelector("select[name='bulk-operation']");
  var FIELDS = { assign: ["assignee"], status: ["status"], level: ["level", "note"] };
  function show() {
    var wanted = FIELDS[operation.value] || [];
    ["assignee", "status", "level", "note"].forEach(function (name) {
      var box = form.querySelector("[data-bulk-for='" + name + "']");
      if (box) { box.hidden = wanted.indexOf(name) < 0 && !box.classList.contains("has-error"); }
    });
  }
  if (operation) { operation.addEventListener("change", show); show(); }
  update();
})();
