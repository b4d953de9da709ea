// The pull page: redraws the pull's progress from its API (see hub/poll.js).
(function () {
  "use strict";
  var card = document.querySelector('[data-testid="pull"]');
  var labels = JSON.parse(document.getElementById("pull-status-labels").textContent);
  var finished = JSON.parse(document.getElementById("pull-finished-statuses").textContent);
  var progressTemplate = JSON.parse(document.getElementById("pull-progress-template").textContent);

  function isFinished(status) { return finished.indexOf(status) !== -1; }

  function setBadge(badge, status) {
    badge.textContent = labels[status] || status;
    badge.className = "badge badge-" + status;
    badge.dataset.status = status;
  }

  function setText(row, column, value) {
    var cell = row.querySelector('[data-col="' + column + '"]');
    if (cell) { cell.textContent = value === null || value === undefined ? "" : String(value); }
  }

  // Returns true once the pull has finished: then polling stops.
  function render(pull) {
    var done = 0;
    pull.sources.forEach(function (source) {
      if (isFinished(source.status)) { done += 1; }
      var row = card.querySelector('tr[data-connector="' + source.connector + '"]');
      if (!row) { return; }
      setBadge(row.querySelector('[data-col="status"] .badge'), source.status);
      setText(row, "records", source.records);
      setText(row, "skipped", source.skipped);
      setText(row, "error", source.error);
    });
    var total = pull.sources.length;
    var over = isFinished(pull.status);
    var bar = card.querySelector('[data-testid="pull-progress"]');
    bar.max = Math.max(total, 1);
    bar.value = total ? done : (over ? 1 : 0);
    card.querySelector('[data-testid="pull-progress-text"]').textContent =
      progressTemplate.replace("%(done)s", done).replace("%(total)s", total);
    setBadge(card.querySelector('[data-testid="pull-status"]'), pull.status);
    card.dataset.status = pull.status;
    var error = card.querySelector('[data-testid="pull-error"]');
    error.textContent = pull.error || "";
    error.hidden = !pull.error;
    if (over) {
      card.querySelector('[data-testid="pull-live-hint"]').hidden = true;
      card.querySelector('[data-testid="pull-done"]').hidden = false;
    }
    return over;
  }

  if (!isFinished(card.dataset.status)) { window.hubPoll(card.dataset.api, render); }
})();
