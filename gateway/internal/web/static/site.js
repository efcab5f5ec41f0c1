// nastavnik: small improvements over pages that work without JavaScript.
// Confirmations for destructive buttons; nothing else is required to use a page.
(function () {
  "use strict";
  document.addEventListener("submit", function (e) {
    var b = e.submitter;
    var msg = b && b.getAttribute("data-confirm");
    if (msg && !window.confirm(msg)) {
      e.preventDefault();
    }
  });
})();
