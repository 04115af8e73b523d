// The exam page's live features. The page works without them (one form, saved with a
// button); with them every answer is saved as it is given, a lost connection queues the
// answers and retries, and the countdown follows the server's time.
//
// - The server owns the time: the countdown starts from the seconds the server gave and
//   is corrected by every save and by a check every 10 seconds; extra time granted while
//   the page is open appears at the next check.
// - Saves go one at a time, in the order the answers were given; a newer answer to the
//   same question replaces a queued older one, and each carries this page's id and a
//   growing sequence number so the server never lets an older save overwrite a newer one.
"use strict";
(function () {
  const csrf = document.querySelector("meta[name=csrf-token]").content;
  const timer = document.getElementById("timer");
  const announcer = document.getElementById("announcer");
  const form = document.getElementById("paper");
  const submitForm = document.getElementById("submit-form");
  const host = form || submitForm;
  if (!timer || !host) return;
  const sitting = host.dataset.sitting;
  const base = "/sittings/" + sitting;
  const connection = document.getElementById("connection");

  // ---- time -------------------------------------------------------------------------
  let remainingAtSync = Number(timer.dataset.remaining);
  let syncedAt = performance.now();
  let totalMinutes = Number((document.getElementById("total").textContent.match(/\d+/) || [0])[0]);
  let previous = remainingAtSync;
  let closing = false;
  // Paused by the invigilator: the countdown stands still until the server says otherwise.
  const pausedNote = document.getElementById("paused");
  let paused = Boolean(pausedNote && !pausedNote.hidden);

  const remaining = () => paused ? Math.max(0, remainingAtSync) :
    Math.max(0, Math.round(remainingAtSync - (performance.now() - syncedAt) / 1000));

  const pad = (n) => String(n).padStart(2, "0");
  const clockText = (s) => Math.floor(s / 3600) + ":" + pad(Math.floor((s % 3600) / 60)) + ":" + pad(s % 60);

  function inWords(s) {
    const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = s % 60;
    const parts = [];
    if (h) parts.push(h + (h === 1 ? " hour" : " hours"));
    if (m) parts.push(m + (m === 1 ? " minute" : " minutes"));
    if (!h && (sec || !m)) parts.push(sec + (sec === 1 ? " second" : " seconds"));
    return parts.join(" ");
  }

  function announce(text) {
    announcer.textContent = "";
    window.setTimeout(() => { announcer.textContent = text; }, 60);
  }

  function tick() {
    const s = remaining();
    timer.textContent = clockText(s);
    timer.classList.toggle("low", s <= 300);
    for (const minutes of [15, 5, 1]) {
      if (previous > minutes * 60 && s <= minutes * 60) {
        announce(minutes + (minutes === 1 ? " minute" : " minutes") + " left.");
      }
    }
    previous = s;
    if (s === 0 && !closing && !paused) timeIsUp();
  }

  // Invigilated and now open on another device: this page stops saving and says why.
  const otherDeviceNote = document.getElementById("other-device");
  let elsewhere = false;
  function movedElsewhere() {
    if (elsewhere) return;
    elsewhere = true;
    closing = true;
    window.onbeforeunload = null;
    if (otherDeviceNote) otherDeviceNote.hidden = false;
    for (const input of document.querySelectorAll("#paper input, #paper select, #paper button")) {
      if (input.type !== "hidden") input.disabled = true;
    }
    setConnection("Open on another device: answers given here are not saved.", true);
    announce("This sitting is now open on another device. Answers given here are no longer saved.");
  }

  function applyClock(view) {
    if (view && view.other_device === true) { movedElsewhere(); return; }
    if (!view || typeof view.remaining_seconds !== "number") return;
    if (view.status && view.status !== "in_progress") { toResult(); return; }
    remainingAtSync = view.remaining_seconds;
    syncedAt = performance.now();
    const nowPaused = view.paused === true;
    if (nowPaused !== paused) {
      paused = nowPaused;
      if (pausedNote) pausedNote.hidden = !paused;
      announce(paused ? "Paused by the invigilator. The clock has stopped." : "The invigilator resumed the sitting. " + inWords(remaining()) + " left.");
    }
    if (view.total_minutes > totalMinutes) {
      announce("Extra time added. You now have " + view.total_minutes + " minutes in total, " + inWords(remaining()) + " left.");
    }
    if (view.total_minutes !== totalMinutes) {
      totalMinutes = view.total_minutes;
      document.getElementById("total").textContent = "of " + totalMinutes + " minutes";
      const allowed = document.getElementById("time-allowed");
      if (allowed && view.time_allowed) allowed.textContent = view.time_allowed;
    }
    tick();
  }

  function toResult() {
    closing = true;
    window.onbeforeunload = null;
    window.location.assign(base + "/result");
  }

  async function checkClock() {
    try {
      const res = await fetch(base + "/clock", { credentials: "same-origin", cache: "no-store" });
      if (res.ok) { setOnline(true); applyClock(await res.json()); }
      else if (res.status === 409) { setOnline(true); applyClock(await res.json().catch(() => null)); }
      return res.ok;
    } catch (e) {
      setOnline(false);
      return false;
    }
  }

  async function timeIsUp() {
    closing = true;
    setConnection("Time is up. Answers saved before the deadline count; the paper is being closed.", false);
    for (const input of document.querySelectorAll("#paper input, #paper select, #paper button")) {
      if (input.type !== "hidden") input.disabled = true;
    }
    // The server closes the paper when it is read after the deadline.
    while (!(await checkClock())) {
      setConnection("Time is up. Reconnect to see your result: answers saved before the deadline count.", true);
      await new Promise((r) => window.setTimeout(r, 3000));
    }
    toResult();
  }

  document.getElementById("say-time")?.addEventListener("click", () => announce(inWords(remaining()) + " left."));
  document.addEventListener("keydown", (e) => {
    if (e.altKey && (e.key === "t" || e.key === "T")) {
      e.preventDefault();
      announce(inWords(remaining()) + " left.");
    }
  });
  window.setInterval(tick, 1000);
  // Every 5 seconds: added time, a pause or a void by the invigilator shows within seconds.
  window.setInterval(() => { if (!closing) checkClock(); }, 5000);
  tick();

  if (!form) {
    // The review screen: one submit is enough.
    submitForm.addEventListener("submit", () => {
      window.setTimeout(() => { submitForm.querySelector("button").disabled = true; }, 0);
    });
    return;
  }

  // ---- connection and saving --------------------------------------------------------
  const client = (window.crypto && crypto.randomUUID) ? crypto.randomUUID() : String(Date.now()) + Math.random().toString(16).slice(2);
  let seq = 0;
  const pending = new Map();
  let sending = false;
  let online = true;
  let retryDelay = 1000;
  let retryTimer = null;

  // How many saves wait or are on their way (tests read it; people read the text).
  function showPending() {
    if (connection) connection.dataset.pending = String(pending.size + (sending ? 1 : 0));
  }

  function setConnection(text, bad) {
    showPending();
    if (!connection) return;
    if (connection.textContent !== text) connection.textContent = text;
    connection.classList.toggle("offline", !!bad);
  }

  function setOnline(up) {
    if (up === online) return;
    online = up;
    if (!up) {
      setConnection("You are offline. Your answers are kept on this page and will be saved when the connection returns.", true);
    } else if (pending.size === 0) {
      setConnection("Connection back. All answers are saved.", false);
    }
  }

  function setState(number, text, kind) {
    const el = document.getElementById("state-" + number);
    if (!el) return;
    el.textContent = text;
    el.className = "save-state " + kind;
  }

  function refreshNavigator() {
    let answered = 0, flagged = 0, total = 0;
    for (const fs of form.querySelectorAll("fieldset.question")) {
      total++;
      const n = fs.dataset.number;
      const isAnswered = fs.dataset.answered === "true";
      const isFlagged = fs.querySelector("button.flag").getAttribute("aria-pressed") === "true";
      if (isAnswered) answered++;
      if (isFlagged) flagged++;
      const link = document.getElementById("nav-" + n);
      if (link) {
        link.classList.toggle("answered", isAnswered);
        link.querySelector(".mark").textContent = (isAnswered ? "✓" : "") + (isFlagged ? "⚑" : "");
        link.querySelector(".state").textContent = (isAnswered ? "answered" : "not answered") + (isFlagged ? ", flagged" : "");
      }
    }
    const summary = document.getElementById("nav-summary");
    const text = answered + " of " + total + " answered, " + flagged + " flagged";
    if (summary.textContent !== text) summary.textContent = text;
  }

  function enqueue(key, job) {
    pending.delete(key);
    pending.set(key, job);
    if (online) setConnection("Saving…", false);
    if (job.kind === "answer") setState(job.number, online ? "Saving…" : "Not saved yet: waiting for the connection", online ? "saving" : "unsaved");
    pump();
  }

  function scheduleRetry() {
    if (retryTimer) return;
    retryTimer = window.setTimeout(() => { retryTimer = null; pump(); }, retryDelay);
    retryDelay = Math.min(retryDelay * 2, 10000);
  }

  async function pump() {
    if (sending || closing) return;
    const next = pending.entries().next();
    if (next.done) {
      if (online) setConnection("All answers are saved.", false);
      return;
    }
    const [key, job] = next.value;
    sending = true;
    showPending();
    let res;
    try {
      res = await fetch(job.url, {
        method: "POST",
        credentials: "same-origin",
        headers: { "content-type": "application/json", "x-csrf-token": csrf },
        body: JSON.stringify(job.body),
      });
    } catch (e) {
      sending = false;
      setOnline(false);
      for (const j of pending.values()) {
        if (j.kind === "answer") setState(j.number, "Not saved yet: waiting for the connection", "unsaved");
      }
      scheduleRetry();
      return;
    }
    sending = false;
    showPending();
    let view = null;
    try { view = await res.json(); } catch (e) { view = null; }
    if (res.ok) {
      setOnline(true);
      retryDelay = 1000;
      if (pending.get(key) === job) {
        pending.delete(key);
        if (job.kind === "answer") setState(job.number, "Saved", "saved");
      }
      applyClock(view);
      pump();
    } else if (res.status === 409 && view && view.other_device) {
      // Kept on this page, never sent: the sitting goes on on its other device.
      if (job.kind === "answer") setState(job.number, "Not saved: the sitting is open on another device", "unsaved");
      movedElsewhere();
    } else if (res.status === 409 && view && view.paused) {
      // Paused: the answer waits on this page and is sent again once the sitting resumes.
      applyClock(view);
      if (job.kind === "answer") setState(job.number, "Not saved yet: paused by the invigilator", "unsaved");
      scheduleRetry();
    } else if (res.status === 409) {
      toResult();
    } else if (res.status === 422) {
      if (pending.get(key) === job) pending.delete(key);
      setState(job.number, "Not saved: " + ((view && view.message) || "this answer does not fit the question"), "unsaved");
      pump();
    } else {
      // Signed out, an expired page or a server error: keep the answer and say so.
      const message = (view && view.message) || "The server did not save this; retrying.";
      setConnection(message, true);
      if (job.kind === "answer") setState(job.number, "Not saved yet", "unsaved");
      scheduleRetry();
    }
  }

  window.addEventListener("online", () => { retryDelay = 1000; pump(); checkClock(); });
  window.addEventListener("offline", () => setOnline(false));
  window.addEventListener("beforeunload", (e) => {
    if (pending.size > 0 && !closing) { e.preventDefault(); e.returnValue = ""; }
  });

  function responseOf(fs) {
    const n = fs.dataset.number;
    const style = fs.dataset.style;
    if (style === "classic") {
      const c = fs.querySelector('input[name="q' + n + '"]:checked');
      return c ? { choice: c.value } : null;
    }
    if (style === "multiple_response") {
      const chosen = Array.from(fs.querySelectorAll('input[name="q' + n + '"]:checked'), (i) => i.value);
      return chosen.length ? { choices: chosen } : null;
    }
    const field = { matching: "matches", assertion_reason: "grades", sequencing: "order" }[style];
    const values = [];
    for (let i = 0; ; i++) {
      const select = fs.querySelector('select[name="q' + n + "-" + i + '"]');
      const radios = fs.querySelectorAll('input[name="q' + n + "-" + i + '"]');
      if (!select && radios.length === 0) break;
      const checked = Array.from(radios).find((r) => r.checked);
      values.push(select ? select.value : (checked ? checked.value : ""));
    }
    if (values.some((v) => !v)) return { incomplete: true };
    if (style === "sequencing" && new Set(values).size !== values.length) return { duplicate: true };
    const response = {};
    response[field] = values;
    return response;
  }

  form.addEventListener("change", (e) => {
    const fs = e.target.closest("fieldset.question");
    if (!fs || closing) return;
    const n = fs.dataset.number;
    if (fs.dataset.style === "multiple_response" && e.target.type === "checkbox") {
      const limit = Number(fs.dataset.choose);
      const message = document.getElementById("choose-message-" + n);
      const count = fs.querySelectorAll('input[type=checkbox]:checked').length;
      if (e.target.checked && count > limit) {
        e.target.checked = false;
        message.textContent = "You can choose only " + limit + ". Clear one of your choices first.";
        return;
      }
      message.textContent = "";
    }
    const response = responseOf(fs);
    if (!response) { setState(n, "Not answered yet", ""); return; }
    if (response.incomplete) { setState(n, "Not saved yet: answer every line", "unsaved"); return; }
    if (response.duplicate) { setState(n, "Not saved yet: use each step once", "unsaved"); return; }
    fs.dataset.answered = "true";
    refreshNavigator();
    seq += 1;
    enqueue("a" + n, {
      kind: "answer",
      number: n,
      url: base + "/answers/" + n,
      body: { response: response, client: client, seq: seq },
    });
  });

  for (const fs of form.querySelectorAll("fieldset.question")) {
    fs.dataset.answered = String(document.getElementById("state-" + fs.dataset.number).classList.contains("saved"));
    const button = fs.querySelector("button.flag");
    button.addEventListener("click", (e) => {
      e.preventDefault();
      if (closing) return;
      const flagged = button.getAttribute("aria-pressed") !== "true";
      button.setAttribute("aria-pressed", String(flagged));
      refreshNavigator();
      enqueue("f" + fs.dataset.number, {
        kind: "flag",
        number: fs.dataset.number,
        url: base + "/flags/" + fs.dataset.number,
        body: { flagged: flagged },
      });
    });
  }

  // Enter in the form would post the whole form: the script saves as answers are given.
  form.addEventListener("submit", (e) => { e.preventDefault(); pump(); });

  async function flushed(timeoutMs) {
    const until = performance.now() + timeoutMs;
    pump();
    while ((pending.size > 0 || sending) && performance.now() < until) {
      await new Promise((r) => window.setTimeout(r, 100));
    }
    return pending.size === 0 && !sending;
  }

  document.getElementById("save-all").addEventListener("click", async (e) => {
    e.preventDefault();
    if (await flushed(5000)) setConnection("All answers are saved.", false);
  });

  document.getElementById("to-review").addEventListener("click", async (e) => {
    e.preventDefault();
    setConnection("Saving your answers before the review…", false);
    if (await flushed(10000)) {
      window.onbeforeunload = null;
      window.location.assign(base + "/review");
    } else {
      setConnection("Some answers are not saved yet because the connection is down. They are kept on this page; go to the review once the connection returns.", true);
    }
  });
})();
