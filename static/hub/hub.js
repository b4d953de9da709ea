// Behaviour every page shares, wired by data attributes (the content security policy allows
// no inline script and no on… handler):
//   <select data-submit-on-change>  submits its form when the choice changes (the language menu);
//   <form data-confirm="question">  asks the question before it is sent, and stays if refused.
(function () {
  "use strict";
  document.addEventListener("change", function (event) {
    var control = event.target;
    if (control.matches && control.matches("select[data-submit-on-change]") && control.form) {
      control.form.submit();
    }
  });
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (form.dataset && form.dataset.confirm !== undefined && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
})();
