// Keeps every acceptance countdown on the page (.sla[data-due]) current, once a minute, in the
// page's language (the texts come from the page's "sla-texts" JSON block).
(function () {
  "use strict";
  var texts = JSON.parse(document.getElementById("sla-texts").textContent);
  function fill(template, values) {
    return template.replace(/%\((\w+)\)[ds]/g, function (all, name) { return String(values[name]); });
  }
  function duration(seconds) {
    var days = Math.floor(seconds / 86400), hours = Math.floor((seconds % 86400) / 3600);
    var minutes = Math.floor((seconds % 3600) / 60);
    return days ? fill(texts.days, { days: days, hours: hours }) : fill(texts.hours, { hours: hours, minutes: minutes });
  }
  function tick() {
    var now = Date.now();
    document.querySelectorAll(".sla[data-due]").forEach(function (element) {
      var seconds = Math.round((Date.parse(element.dataset.due) - now) / 1000);
      var overdue = seconds < 0;
      element.textContent = fill(overdue ? texts.overdue : texts.left, { duration: duration(Math.abs(seconds)) });
      element.classList.toggle("sla-overdue", overdue);
    });
  }
  window.setInterval(tick, 60000);
})();
