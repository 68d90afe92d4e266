/* The import page's progress bar: polls the job's status and reloads the page when it finished. */
(function () {
  "use strict";
  var POLL_MS = 700;
  var bar = document.getElementById("import-progress");
  if (!bar) {
    return;
  }
  var text = document.getElementById("import-progress-text");
  var status = document.getElementById("import-status");

  function poll() {
    fetch(bar.getAttribute("data-status-url"), { headers: { Accept: "application/json" } })
      .then(function (response) { return response.json(); })
      .then(function (job) {
        if (job.finished) {
          window.location.reload();
          return;
        }
        var pct = job.rows_total ? Math.round((100 * job.progress) / job.rows_total) : 0;
        bar.setAttribute("aria-valuenow", String(pct));
        bar.firstElementChild.style.width = pct + "%";
        // The sentence comes from the page, in the reader's language ("{progress} of {total} rows.").
        var template = text.getAttribute("data-template") || "{progress} of {total} rows.";
        text.textContent = template.replace("{progress}", job.progress).replace("{total}", job.rows_total);
        status.textContent = job.status_label;
        window.setTimeout(poll, POLL_MS);
      })
      .catch(function () { window.setTimeout(poll, POLL_MS * 4); });
  }
  window.setTimeout(poll, POLL_MS);
})();
