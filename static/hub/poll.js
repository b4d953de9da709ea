// Shows a long job's progress: asks the job's API every second and hands the answer to
// render(), until render() says the job has finished (returns true) or the page may no
// longer see it (401, 403, 404). Throttling and network hiccups just mean asking again.
window.hubPoll = function (url, render) {
  "use strict";
  function poll() {
    fetch(url, { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (response) {
        if (response.status === 401 || response.status === 403 || response.status === 404) { return true; }
        if (!response.ok) { return false; }
        return response.json().then(render);
      })
      .catch(function () { return false; })
      .then(function (stop) { if (!stop) { window.setTimeout(poll, 1000); } });
  }
  window.setTimeout(poll, 1000);
};
