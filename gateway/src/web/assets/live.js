// Live journal: the rows shown change state without a reload. A
// Server-Sent Events stream (/journal/events) sends {id: status} when a
// status changes; without EventSource, /journal/status is asked every 5 s.
// The page works without this script.
(function () {
  var rows = document.querySelectorAll("tr[data-id]");
  if (!rows.length) return;
  var ids = Array.prototype.map.call(rows, function (r) { return r.dataset.id; }).join(",");
  function apply(j) {
    rows.forEach(function (r) {
      var s = j[r.dataset.id];
      if (!s) return;
      var cell = r.querySelector(".status");
      if (cell && cell.textContent !== s) {
        cell.textContent = s;
        cell.className = "status status-" + s.split(" ")[0];
      }
      // Pages confirmed: n-1 of m while page n goes, all of them once sent.
      var pages = r.querySelector(".page-count");
      if (!pages) return;
      var of = pages.textContent.split("/")[1];
      var going = /^sending page (\d+)\/(\d+)$/.exec(s);
      if (going) pages.textContent = (going[1] - 1) + "/" + going[2];
      else if (s === "sent" && of) pages.textContent = of + "/" + of;
    });
  }
  if (window.EventSource) {
    var es = new EventSource("/journal/events?ids=" + ids);
    es.addEventListener("status", function (e) { apply(JSON.parse(e.data)); });
    return;
  }
  setInterval(function () {
    fetch("/journal/status?ids=" + ids, { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (j) { if (j) apply(j); })
      .catch(function () {});
  }, 5000);
})();
