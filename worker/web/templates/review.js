// The review queue's keyboard: j/k move between runs, Enter opens one, / goes to the search box.
// Served as /static/review.js (the CSP allows no inline script).
(function () {
  "use strict";
  var rows = Array.prototype.slice.call(document.querySelectorAll("table.queue tbody tr"));
  var current = -1;
  function select(i) {
    if (!rows.length) { return; }
    if (current >= 0) { rows[current].classList.remove("current"); }
    current = Math.max(0, Math.min(rows.length - 1, i));
    rows[current].classList.add("current");
    rows[current].querySelector("a.run-link").focus();
  }
  document.addEventListener("keydown", function (event) {
    var tag = (event.target && event.target.tagName) || "";
    if (/INPUT|SELECT|TEXTAREA/.test(tag) || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "j") { select(current + 1); event.preventDefault(); }
    else if (event.key === "k") { select(current - 1); event.preventDefault(); }
    else if (event.key === "/") {
      var q = document.getElementById("q");
      if (q) { q.focus(); event.preventDefault(); }
    }
  });
})();
