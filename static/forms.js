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
  // A roster chosen as a file is read into the roster field (the field alone works
  // without JavaScript: paste the CSV into it).
  for (const box of document.querySelectorAll("[data-roster-file]")) {
    const input = box.querySelector("input[type=file]");
    const target = document.getElementById("roster");
    if (!input || !target) continue;
    box.hidden = false;
    input.addEventListener("change", async () => {
      const file = input.files && input.files[0];
      if (file) target.value = await file.text();
    });
  }
})();
