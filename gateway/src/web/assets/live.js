// Live journal: every 5 s, ask the API for the rows shown and update
// their status in place (no reload). Pages work without it.
(function () {
  var rows = document.querySelectorAll("tr[data-id]");
  if (!rows.length) return;
  function tick() {
    var ids = Array.prototype.map.call(rows, function (r) { return r.dataset.id; }).join(",");
    fetch("/journal/status?ids=" + ids, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) {
        if (!j) return;
        rows.forEach(function (r) {
          var s = j[r.dataset.id];
          if (!s) return;
          var cell = r.querySelector(".status");
          if (cell && cell.textContent !== s) {
            cell.textContent = s;
            cell.className = "status status-" + s.split(" ")[0];
          }
        });
      })
      .catch(function () {});
  }
  setInterval(tick, 5000);
})();
