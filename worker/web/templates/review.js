// The review queue's keyboard and refresh. Served as /static/review.js (the CSP allows no inline
// script); the page works without it.
// Keys: j/k move between runs, Enter opens the selected one (it is a focused link), / searches.
// Every 60 s the queue's rows are fetched again from the same address (same filters and page)
// and swapped in, keeping the selected run selected, unless the agent is typing in a control.
(function () {
  "use strict";
  var REFRESH_MS = 60000;
  var current = null; // the data-run of the selected row

  function rows() {
    return Array.prototype.slice.call(document.querySelectorAll("table.queue tbody tr"));
  }
  function select(row) {
    rows().forEach(function (r) { r.classList.remove("current"); });
    if (!row) { return; }
    row.classList.add("current");
    current = row.getAttribute("data-run");
    row.querySelector("a.run-link").focus();
  }
  function move(step) {
    var all = rows();
    if (!all.length) { return; }
    var at = all.findIndex(function (r) { return r.getAttribute("data-run") === current; });
    var next = at < 0 ? (step > 0 ? 0 : all.length - 1) : Math.max(0, Math.min(all.length - 1, at + step));
    select(all[next]);
  }
  function typing() {
    var el = document.activeElement;
    return el && /INPUT|SELECT|TEXTAREA/.test(el.tagName);
  }
  document.addEventListener("keydown", function (event) {
    if (typing() || event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (event.key === "j") { move(1); event.preventDefault(); }
    else if (event.key === "k") { move(-1); event.preventDefault(); }
    else if (event.key === "/") {
      var q = document.getElementById("q");
      if (q) { q.focus(); event.preventDefault(); }
    }
  });

  function refresh() {
    var body = document.querySelector("table.queue tbody");
    if (!body || document.hidden || typing()) { return; }
    fetch(window.location.href, { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (answer) { return answer.ok ? answer.text() : null; })
      .then(function (html) {
        if (!html) { return; }
        var fresh = new DOMParser().parseFromString(html, "text/html");
        var freshBody = fresh.querySelector("table.queue tbody");
        var total = fresh.getElementById("queue-total");
        if (!freshBody || typing()) { return; }
        body.replaceWith(document.importNode(freshBody, true));
        if (total) { document.getElementById("queue-total").textContent = total.textContent; }
        var keep = rows().filter(function (r) { return r.getAttribute("data-run") === current; })[0];
        if (keep) { keep.classList.add("current"); }
      })
      .catch(function () { /* the next round tries again */ });
  }
  if (document.querySelector("table.queue")) { window.setInterval(refresh, REFRESH_MS); }
})();
