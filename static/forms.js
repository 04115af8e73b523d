// Small helps on ordinary forms; every form works without them.
"use strict";
(function () {
  // Move focus to the error summary so a screen reader announces it.
  const summary = document.getElementById("error-summary");
  if (summary) summary.focus();
  // Buttons that ask before they act (revoking a certificate, disabling an account).
  for (const form of document.querySelectorAll("form[data-confirm]")) {
    form.addEventListener("submit", (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
})();
