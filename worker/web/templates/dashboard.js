// Countdowns on the dashboard (served as a file: the page's CSP forbids inline script).
(function () {
  function fmt(s) {
    var neg = s < 0, t = Math.floor(Math.abs(s)), d = Math.floor(t / 86400), h = Math.floor(t % 86400 / 3600),
        m = Math.floor(t % 3600 / 60), sec = t % 60, p = function (n) { return (n < 10 ? "0" : "") + n; };
    var text = d ? d + "d " + h + "h" : h ? h + "h " + p(m) + "m" : m ? m + "m " + p(sec) + "s" : sec + "s";
    return neg ? "breached " + text + " ago" : text;
  }
  var skew = Date.parse(document.getElementById("asof").dataset.now) - Date.now();
  function tick() {
    var now = Date.now() + skew;
    document.querySelectorAll("[data-breach-at]").forEach(function (el) {
      var left = (Date.parse(el.dataset.breachAt) - now) / 1000;
      el.textContent = fmt(left);
      el.className = "num countdown " + (left < 0 ? "bad" : "warn");
    });
  }
  tick();
  setInterval(tick, 1000);
})();
