// The invigilator's live view: every few seconds the candidates' states, last seen,
// answers and time left are read from the server and written into the table, without
// reloading the page (which works without this script, with its Refresh link). An
// extension asks for confirmation with the old and the new total time.
"use strict";
(function () {
  const table = document.getElementById("live");
  if (!table) return;
  const url = "/invigilation/sessions/" + table.dataset.session + "/state";
  const updated = document.getElementById("updated");

  async function refresh() {
    try {
      const res = await fetch(url, { credentials: "same-origin", cache: "no-store" });
      if (!res.ok) return;
      const view = await res.json();
      for (const c of view.candidates) {
        const row = table.querySelector('tr[data-booking="' + c.booking_id + '"]');
        if (!row) continue;
        for (const cell of row.querySelectorAll("[data-cell]")) {
          const value = String(c[cell.dataset.cell]);
          if (cell.textContent !== value) cell.textContent = value;
        }
        const form = row.querySelector("form");
        if (form) form.dataset.total = c.total_minutes;
      }
      updated.textContent = "Updated " + new Date().toLocaleTimeString();
    } catch (e) {
      updated.textContent = "Not connected; retrying.";
    }
  }

  for (const form of document.querySelectorAll("form.invigilation-action")) {
    form.addEventListener("submit", (e) => {
      const action = form.querySelector("[name=action]").value;
      const minutes = Number(form.querySelector("[name=minutes]").value || 0);
      let question = null;
      if (action === "extend" && form.dataset.total) {
        const total = Number(form.dataset.total);
        question = "Extend by " + minutes + " minutes: total time " + total + " → " + (total + minutes) + " minutes?";
      } else if (action === "extend") {
        question = "Extend every candidate in progress by " + minutes + " minutes?";
      } else if (action === "release") {
        question = "Release this sitting from its device? The next device the candidate opens it on will hold it.";
      } else if (action === "void") {
        question = "Void this sitting? It ends unscored and no certificate can ever be issued for it.";
      }
      if (question && !window.confirm(question)) e.preventDefault();
    });
  }

  window.setInterval(refresh, 3000);
})();
