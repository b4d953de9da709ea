// The import page: redraws the import's progress from its API (see hub/poll.js).
(function () {
  "use strict";
  var card = document.querySelector('[data-testid="import"]');
  var done = document.querySelector('[data-testid="import-done"]');
  var labels = JSON.parse(document.getElementById("import-status-labels").textContent);
  var finished = JSON.parse(document.getElementById("import-finished-statuses").textContent);
  var progressTemplate = JSON.parse(document.getElementById("import-progress-template").textContent);
  var errorsTemplate = JSON.parse(document.getElementById("import-errors-template").textContent);
  var errorsShown = JSON.parse(document.getElementById("import-errors-shown").textContent);

  function isFinished(status) { return finished.indexOf(status) !== -1; }
  function byTestId(root, id) { return root.querySelector('[data-testid="' + id + '"]'); }
  function show(value) { return value === null || value === undefined ? "…" : String(value); }

  function renderErrors(item) {
    var rows = (item.errors || []).slice(0, errorsShown);
    var body = byTestId(done, "import-errors").querySelector("tbody");
    body.textContent = "";
    rows.forEach(function (error) {
      var tr = document.createElement("tr");
      [error.row, error.field, error.message].forEach(function (value, index) {
        var td = document.createElement("td");
        if (index === 0) { td.className = "num"; }
        td.textContent = String(value);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
    var total = item.errors_total === undefined ? rows.length : item.errors_total;
    byTestId(done, "import-errors-note").textContent =
      errorsTemplate.replace("%(shown)s", rows.length).replace("%(total)s", total);
    byTestId(done, "import-errors-block").hidden = rows.length === 0;
    byTestId(done, "import-no-errors").hidden = rows.length !== 0 || item.status !== "succeeded";
  }

  // Returns true once the import has finished: then polling stops.
  function render(item) {
    var over = isFinished(item.status);
    // The total is an estimate until the import has finished: never below the rows checked.
    var total = item.total_rows === null || item.total_rows === undefined
      ? null : Math.max(item.total_rows, item.processed_rows);
    var bar = byTestId(card, "import-progress");
    if (total === null) {
      bar.max = 1;
      if (over) { bar.value = 1; } else { bar.removeAttribute("value"); }
    } else if (total === 0) {
      bar.max = 1;
      bar.value = over ? 1 : 0;
    } else {
      bar.max = total;
      bar.value = item.processed_rows;
    }
    byTestId(card, "import-progress-text").textContent =
      progressTemplate.replace("%(done)s", item.processed_rows).replace("%(total)s", show(total));
    byTestId(card, "import-total").textContent = show(total);
    byTestId(card, "import-processed").textContent = String(item.processed_rows);
    byTestId(card, "import-accepted").textContent = String(item.accepted);
    byTestId(card, "import-rejected").textContent = String(item.rejected);
    byTestId(card, "import-rejected-tile").classList.toggle("tile-alert", item.rejected > 0);
    var badge = byTestId(card, "import-status");
    badge.textContent = labels[item.status] || item.status;
    badge.className = "badge badge-" + item.status;
    badge.dataset.status = item.status;
    card.dataset.status = item.status;
    var error = byTestId(card, "import-error");
    error.textContent = item.error || "";
    error.hidden = !item.error;
    if (over) {
      renderErrors(item);
      byTestId(card, "import-live-hint").hidden = true;
      done.hidden = false;
    }
    return over;
  }

  if (!isFinished(card.dataset.status)) { window.hubPoll(card.dataset.api, render); }
})();
