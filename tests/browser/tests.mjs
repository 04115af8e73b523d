// Each test is what one kind of user does in the browser, start to end.
import { readFileSync } from "node:fs";
import { PASSWORD, assert, checkAccessibility, expectText, linkIn, newPage, screenshots } from "./lib.mjs";
import { allSaved, answerWithKeyboard, keysOf, passPaper, registerAndVerify, signIn, startPaper, titleOf } from "./flows.mjs";

const FOUNDATION = "iso20000-foundation";
const PRACTITIONER = "iso20000-practitioner";

async function fresh(browser, contexts, options) {
  const { context, page } = await newPage(browser, options);
  contexts.push(context);
  return { context, page };
}

async function pressedFlags(page) {
  return page.locator('button.flag[aria-pressed="true"]').count();
}

export const tests = {
  async "a candidate registers, sits Foundation with the keyboard through a reload and an outage, passes and downloads the certificate"({ server, browser, contexts }) {
    const { context, page } = await fresh(browser, contexts);
    await registerAndVerify(server, page);
    await checkAccessibility(page, "dashboard");
    await screenshots(page, "dashboard");
    const id = await startPaper(server, page, FOUNDATION);
    await checkAccessibility(page, "exam");
    const items = await keysOf(server, id);
    assert(items.length === 40, `40 questions, got ${items.length}`);
    // The first half with the keyboard, then two flags.
    for (const item of items.slice(0, 20)) await answerWithKeyboard(page, item);
    for (const n of [3, 7]) {
      await page.getByRole("group", { name: `Question ${n}`, exact: true }).getByRole("button", { name: "Flag for review" }).focus();
      await page.keyboard.press("Enter");
    }
    await allSaved(page);
    await screenshots(page, "exam");
    // At 320 px wide (what 200% zoom gives on a small laptop) the timer stays in view
    // while answers scroll, and nothing needs sideways scrolling.
    const size = page.viewportSize();
    await page.setViewportSize({ width: 320, height: 640 });
    await page.getByRole("group", { name: "Question 30", exact: true }).scrollIntoViewIfNeeded();
    const timer = await page.getByRole("timer", { name: "Time remaining" }).boundingBox();
    assert(timer && timer.y >= 0 && timer.y < 640, `the timer stays in view: ${JSON.stringify(timer)}`);
    assert(!(await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1)), "the exam page fits 320 px");
    await page.setViewportSize(size);
    const before = await page.getByRole("timer", { name: "Time remaining" }).textContent();

    // A reload shows the same answers, flags and time.
    await page.reload();
    for (const item of items.slice(0, 20)) {
      const checked = await page.getByRole("group", { name: `Question ${item.number}`, exact: true }).locator("input:checked").count();
      assert(checked >= 1, `question ${item.number} still answered after the reload`);
    }
    assert((await pressedFlags(page)) === 2, "two flags after the reload");
    const after = await page.getByRole("timer", { name: "Time remaining" }).textContent();
    const seconds = (t) => t.split(":").reduce((s, x) => s * 60 + Number(x), 0);
    assert(Math.abs(seconds(before) - seconds(after)) <= 5, `time kept across the reload: ${before} then ${after}`);

    // Offline: answers queue on the page and are saved when the connection returns.
    await context.setOffline(true);
    for (const item of items.slice(20, 30)) await answerWithKeyboard(page, item);
    await expectText(page.locator("#connection"), /offline/, "offline notice");
    await expectText(page.locator(`#state-${items[25].number}`), /Not saved yet/, "queued state");
    await screenshots(page, "exam-offline");
    await context.setOffline(false);
    await allSaved(page);
    for (const item of items.slice(30)) await answerWithKeyboard(page, item);
    await allSaved(page);
    // Everything is on the server: a second device sees all 40 answers.
    const { page: other } = await fresh(browser, contexts);
    await other.context().addCookies(await context.cookies());
    await other.goto(`${server.base}/sittings/${id}`);
    assert((await other.locator("fieldset.question input:checked").count()) >= 40, "every answer on the server");
    await other.close();

    await page.getByRole("button", { name: "Review and submit" }).click();
    await page.waitForURL(/\/review$/);
    await expectText(page.locator("main"), /answered 40 of 40 questions and flagged 2/, "review counts");
    await checkAccessibility(page, "review");
    await screenshots(page, "review");
    await page.getByRole("button", { name: "Submit paper" }).click();
    await page.waitForURL(/\/result$/);
    const heading = await page.getByRole("heading", { level: 1 }).textContent();
    assert(/Passed/.test(heading) && !/Not passed/.test(heading), `passed: ${heading}`);
    await checkAccessibility(page, "result");
    await screenshots(page, "result");
    const [download] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("link", { name: /Download your certificate/ }).click(),
    ]);
    const pdf = readFileSync(await download.path());
    assert(pdf.subarray(0, 5).toString() === "%PDF-", "the certificate is a PDF");
  },

  async "a candidate answers a Practitioner paper in every style with the keyboard"({ server, browser, contexts }) {
    const { page } = await fresh(browser, contexts);
    await registerAndVerify(server, page);
    // Foundation first (the prerequisite), answered correctly.
    await passPaper(server, page, FOUNDATION);

    const id = await startPaper(server, page, PRACTITIONER);
    await checkAccessibility(page, "exam-practitioner");
    const items = await keysOf(server, id);
    const styles = new Set(items.map((i) => i.style));
    for (const style of ["classic", "multiple_response", "matching", "assertion_reason", "sequencing"]) {
      assert(styles.has(style), `the paper has a ${style} item (styles: ${[...styles]})`);
    }
    // "Choose two" stops a third choice and says so.
    const multiple = items.find((i) => i.style === "multiple_response");
    const group = page.getByRole("group", { name: `Question ${multiple.number}`, exact: true });
    const extra = multiple.options.map((o) => o.label).filter((l) => !multiple.key.includes(l));
    for (const label of [...multiple.key, extra[0]]) {
      await group.locator(`input[type=checkbox][value="${label}"]`).focus();
      await page.keyboard.press("Space");
    }
    await expectText(group.getByRole("alert"), /You can choose only/, "the limit message");
    assert((await group.locator("input:checked").count()) === multiple.key.length, "no more than the limit is chosen");
    for (const item of items.filter((i) => i.number !== multiple.number)) await answerWithKeyboard(page, item);
    await allSaved(page);
    await screenshots(page, "exam-practitioner");
    await page.getByRole("button", { name: "Review and submit" }).click();
    await expectText(page.locator("main"), new RegExp(`answered ${items.length} of ${items.length}`), "all answered");
    await page.getByRole("button", { name: "Submit paper" }).click();
    await page.waitForURL(/\/result$/);
    const heading = await page.getByRole("heading", { level: 1 }).textContent();
    assert(/Passed/.test(heading) && !/Not passed/.test(heading), `every style scored: ${heading}`);
  },

  async "the deadline passes with the page open: the page closes the paper and nothing is accepted after"({ server, browser, contexts }) {
    const { page } = await fresh(browser, contexts);
    await registerAndVerify(server, page);
    const id = await startPaper(server, page, FOUNDATION);
    const items = await keysOf(server, id);
    await answerWithKeyboard(page, items[0]);
    await allSaved(page);
    server.advance(61 * 60);
    // The next check finds the time gone; the page closes the paper itself.
    await page.waitForURL(/\/result$/, { timeout: 30000 });
    await expectText(page.locator("main"), /time ran out/, "what happened");
    await checkAccessibility(page, "result-expired");
    const heading = await page.getByRole("heading", { level: 1 }).textContent();
    assert(/Not passed/.test(heading), `one answer does not pass: ${heading}`);
    // A late save from the page is refused.
    const late = await page.evaluate(async ([sitting, csrf]) => {
      const r = await fetch(`/sittings/${sitting}/answers/2`, {
        method: "POST",
        headers: { "content-type": "application/json", "x-csrf-token": csrf },
        body: JSON.stringify({ response: { choice: "A" }, client: "late", seq: 1 }),
      });
      return r.status;
    }, [id, await page.locator("meta[name=csrf-token]").getAttribute("content")]);
    assert(late === 409, `a late save is refused: ${late}`);
  },

  async "extra time granted while the page is open reaches it within seconds"({ server, browser, contexts }) {
    const { page } = await fresh(browser, contexts);
    await registerAndVerify(server, page);
    const id = await startPaper(server, page, FOUNDATION);
    await expectText(page.locator("#total"), /of 60 minutes/, "the time before");
    // The invigilator's administrator adds the time on the sitting's page.
    const { page: admin } = await fresh(browser, contexts);
    await signIn(server, admin, "admin@example.test");
    await admin.goto(`${server.base}/admin/sittings/${id}`);
    await checkAccessibility(admin, "admin-sitting");
    await admin.getByLabel("Minutes to add").fill("15");
    await admin.getByLabel("Reason").fill("Fire alarm in the exam room");
    await admin.getByRole("button", { name: "Add the time" }).click();
    await expectText(admin.getByRole("status").first(), /The time is added/, "the time added");
    await expectText(page.locator("#total"), /of 75 minutes/, "the new total", 15000);
    await expectText(page.locator("#time-allowed"), /75 minutes \(60 \+ 15 minutes added\)/, "the parts of the time");
    await expectText(page.locator("#announcer"), /Extra time added/, "the announcement");
    const left = await page.getByRole("timer", { name: "Time remaining" }).textContent();
    assert(/^1:1[45]:/.test(left), `about 1:15 left: ${left}`);
  },

  async "the public verification page of a revoked certificate says Revoked"({ server, browser, contexts }) {
    const { page } = await fresh(browser, contexts);
    await registerAndVerify(server, page, "Lindqvist");
    await passPaper(server, page, FOUNDATION);
    await page.goto(server.base + "/dashboard");
    const verify = await page.getByRole("link", { name: /Public check/ }).first().getAttribute("href");
    const { page: visitor } = await fresh(browser, contexts, { viewport: { width: 390, height: 844 } });
    await visitor.goto(server.base + verify);
    await expectText(visitor.getByRole("heading", { level: 1 }), /Valid/, "valid before");
    await checkAccessibility(visitor, "verification");
    await screenshots(visitor, "verification");
    const number = (await page.locator("#certificates td").first().textContent()).trim();
    // An administrator revokes it on the administration pages.
    const { page: admin } = await fresh(browser, contexts);
    await signIn(server, admin, "admin@example.test");
    await admin.goto(server.base + "/admin/certificates");
    await admin.getByLabel("Certificate number").fill(number);
    await admin.getByRole("button", { name: "Find the certificate" }).click();
    await expectText(admin.getByRole("heading", { level: 1 }), /Valid/, "the certificate found");
    await checkAccessibility(admin, "admin-certificate");
    await admin.locator("#revoke_reason").fill("Identity fraud confirmed");
    admin.once("dialog", (d) => d.accept());
    await admin.getByRole("button", { name: "Revoke the certificate" }).click();
    await expectText(admin.getByRole("heading", { level: 1 }), /Revoked/, "revoked on the admin page");
    await screenshots(admin, "admin-certificate-revoked");
    await visitor.reload();
    await expectText(visitor.getByRole("heading", { level: 1 }), /Revoked/, "revoked after");
    assert(!/Identity fraud/.test(await visitor.locator("main").textContent()), "the private reason stays private");
  },

  async "a candidate downloads their data, an administrator erases it, and the certificate still verifies without the name"({ server, browser, contexts }) {
    const { page } = await fresh(browser, contexts);
    const email = await registerAndVerify(server, page, "Achterberg");
    await passPaper(server, page, FOUNDATION);
    await page.goto(server.base + "/dashboard");
    await checkAccessibility(page, "dashboard-with-data-link");
    // The download, with the keyboard alone: focus the link and press Enter.
    const link = page.getByRole("link", { name: "Download all the data we hold about you" });
    await link.focus();
    await screenshots(page, "dashboard-data");
    const [download] = await Promise.all([page.waitForEvent("download"), page.keyboard.press("Enter")]);
    assert(/^invigilator-data-\d{4}-\d{2}-\d{2}\.json$/.test(download.suggestedFilename()), `file name ${download.suggestedFilename()}`);
    const data = JSON.parse(readFileSync(await download.path(), "utf8"));
    assert(data.account.email === email, "the document is the candidate's");
    assert(data.sittings.length === 1 && data.certificates.length === 1, "the sitting and the certificate are in it");
    const verify = await page.getByRole("link", { name: /Public check/ }).first().getAttribute("href");
    // An administrator erases the account from its page, with the keyboard alone.
    const { page: admin } = await fresh(browser, contexts);
    await signIn(server, admin, "admin@example.test");
    await admin.goto(server.base + "/admin/candidates");
    await admin.getByLabel("Email").fill(email);
    await admin.keyboard.press("Enter");
    await admin.getByRole("heading", { name: "Erase personal data" }).waitFor();
    await checkAccessibility(admin, "admin-account-erasure");
    await admin.getByLabel("Request reference").scrollIntoViewIfNeeded();
    await screenshots(admin, "admin-account-erasure");
    // Without a reference the field says what is missing.
    admin.once("dialog", (d) => d.accept());
    await admin.getByRole("button", { name: "Erase the personal data" }).focus();
    await admin.keyboard.press("Enter");
    await expectText(admin.locator("main"), /reference/i, "the missing reference named");
    await admin.getByLabel("Request reference").fill("DSR-2026-0042");
    admin.once("dialog", (d) => d.accept());
    await admin.getByLabel("Request reference").press("Enter");
    await expectText(admin.locator("main"), /Erased person/, "the pseudonym on the account page");
    assert((await admin.getByRole("button", { name: "Erase the personal data" }).count()) === 0, "no second erasure form");
    await checkAccessibility(admin, "admin-account-erased");
    await screenshots(admin, "admin-account-erased");
    // The public check still answers, without the name.
    const { page: visitor } = await fresh(browser, contexts);
    await visitor.goto(server.base + verify);
    await expectText(visitor.getByRole("heading", { level: 1 }), /Valid/, "still valid");
    await expectText(visitor.locator("main"), /erased at their request/, "the name erased");
    assert(!/Achterberg/.test(await visitor.locator("main").textContent()), "the old name is gone");
    await checkAccessibility(visitor, "verification-erased");
    await screenshots(visitor, "verification-erased");
  },

  async "an administrator approves declared evidence on the pages and the candidate may sit Practitioner"({ server, browser, contexts }) {
    const { page } = await fresh(browser, contexts);
    await registerAndVerify(server, page, "Haddad");
    const practitioner = await titleOf(server, PRACTITIONER);
    assert((await page.getByRole("button", { name: `Start ${practitioner}` }).count()) === 0, "not eligible before");
    await page.getByRole("link", { name: /Declare a credential/ }).click();
    await checkAccessibility(page, "declare-evidence");
    await page.getByLabel("Credential").selectOption({ index: 0 });
    await page.getByLabel("Issuer").fill("BCS, The Chartered Institute for IT");
    await page.getByLabel("Certificate number").fill("BCS-20000-884211");
    await page.getByLabel("Date on the certificate").fill("2024-05-17");
    await page.getByRole("button", { name: "Declare the credential" }).click();
    await expectText(page.getByRole("status").first(), /waits for a decision/, "declared");
    const { page: admin } = await fresh(browser, contexts);
    await signIn(server, admin, "admin@example.test");
    await admin.goto(server.base + "/admin/evidence");
    await checkAccessibility(admin, "admin-evidence");
    await screenshots(admin, "admin-evidence");
    await admin.getByRole("button", { name: /Approve the declaration of Ngozi Haddad/ }).click();
    await expectText(admin.getByRole("status").first(), /.+/, "the decision confirmed");
    await page.goto(server.base + "/dashboard");
    await page.getByRole("button", { name: `Start ${practitioner}` }).waitFor();
    await expectText(page.locator("main"), /Approved/, "the candidate sees the decision");
  },

  async "a training organization accepts its invitation, announces a course and uploads a CSV roster"({ server, browser, contexts }) {
    const token = await server.login("admin@example.test");
    const day = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
    const ato = await server.api("POST", "/api/v1/admin/atos", { name: `Northern Training ${Date.now()}`, country: "GB", contact_email: "office@northern.example" }, token);
    assert(ato.status === 201, `ato ${ato.status}`);
    const accredited = await server.api("POST", `/api/v1/admin/atos/${ato.body.id}/accreditations`, { qualification: FOUNDATION, valid_from: day(-30), valid_until: day(365) }, token);
    assert(accredited.status === 201, `accreditation ${accredited.status} ${JSON.stringify(accredited.body)}`);
    const staff = `trainer${Date.now()}@northern.example`;
    await server.api("POST", `/api/v1/admin/atos/${ato.body.id}/invitations`, { email: staff }, token);
    const { page } = await fresh(browser, contexts);
    const mail = await server.mailTo(staff, "/invitations/accept");
    await page.goto(linkIn(mail, "/invitations/accept"));
    await checkAccessibility(page, "invitation");
    await page.getByLabel("Given name").fill("Tomasz");
    await page.getByLabel("Family name").fill("Kowal");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Set the password" }).click();
    await page.waitForURL(/\/sign-in/);
    await page.getByLabel("Email").fill(staff);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.goto(server.base + "/ato");
    await checkAccessibility(page, "ato-home");
    await page.getByLabel("Title").fill("ISO/IEC 20000 Foundation, spring intake");
    await page.getByLabel("Qualification").selectOption({ index: 0 });
    await page.getByLabel("Starts on").fill(day(10));
    await page.getByLabel("Ends on").fill(day(12));
    await page.getByLabel("Trainer").fill("Maria Nowak");
    await page.getByRole("button", { name: "Announce the course" }).click();
    await page.waitForURL(/\/ato\/courses\/[0-9a-f-]+/);
    await checkAccessibility(page, "ato-course");
    const csv = "given_name,family_name,email\nAda,Lovelace,ada@example.org\nAda,Lovelace,ada@example.org\nGrace,Hopper,not-an-address\n";
    await page.getByLabel("CSV file").setInputFiles({ name: "roster.csv", mimeType: "text/csv", buffer: Buffer.from(csv) });
    await page.waitForFunction(() => document.getElementById("roster").value.includes("ada@example.org"));
    await page.getByRole("button", { name: "Enrol the roster" }).click();
    const report = page.getByRole("table", { name: "Each row of the roster and what happened to it" });
    await report.waitFor();
    const rows = await report.locator("tbody tr").count();
    assert(rows === 3, `one report row per roster row, got ${rows}`);
    const text = await report.textContent();
    assert(/ada@example.org/.test(text), `the report names the enrolled row: ${text}`);
    assert((text.match(/Refused/g) || []).length === 2, `the duplicate and the bad address refused: ${text}`);
    await checkAccessibility(page, "ato-roster-report");
    await screenshots(page, "ato-roster-report");
    // Course materials: a PDF uploaded with the form is listed; a javascript: link is refused next to its field.
    await page.getByLabel("File title").fill("Week 1 slides");
    await page.getByLabel("File", { exact: true }).setInputFiles({ name: "week1.pdf", mimeType: "application/pdf", buffer: Buffer.from("%PDF-1.4\n%%EOF\n") });
    await page.getByRole("button", { name: "Upload the file" }).click();
    await page.getByRole("link", { name: "Week 1 slides" }).waitFor();
    await page.getByLabel("Link title").fill("Bad link");
    await page.getByLabel("Address").fill("javascript:alert(1)");
    await page.getByRole("button", { name: "Add the link" }).click();
    await page.locator("#url-error").waitFor();
    await checkAccessibility(page, "ato-course-materials");
    // Lodging a case for a delegate: an empty form names its fields, and passes axe.
    await page.goto(server.base + "/ato/cases");
    await checkAccessibility(page, "ato-cases");
    await page.getByRole("button", { name: "Lodge" }).click();
    await expectText(page.locator("#email-error"), /e-mail address/, "the missing address is named next to its field");
    await checkAccessibility(page, "ato-cases-errors");
    await screenshots(page, "ato-cases-errors");
  },

  async "a certification body recorded on the admin pages keeps its register on the staff pages"({ server, browser, contexts }) {
    const day = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
    const { page: admin } = await fresh(browser, contexts);
    await signIn(server, admin, "admin@example.test");
    await admin.goto(server.base + "/admin/certification-bodies");
    await checkAccessibility(admin, "admin-certification-bodies");
    const name = `Northern Certification ${Date.now()}`;
    await admin.getByLabel("Name", { exact: true }).fill(name);
    await admin.getByLabel("Country", { exact: true }).fill("UK");
    await admin.getByLabel("Accreditation body", { exact: true }).fill("UKAS");
    await admin.getByRole("button", { name: "Record the certification body" }).click();
    await expectText(admin.locator("#country-error"), /Country/, "the unassigned country named next to its field");
    await checkAccessibility(admin, "admin-certification-bodies-errors");
    await admin.getByLabel("Country", { exact: true }).fill("GB");
    await admin.getByRole("button", { name: "Record the certification body" }).click();
    await admin.waitForURL(/\/admin\/certification-bodies\/[0-9a-f-]+/);
    await expectText(admin.getByRole("heading", { level: 1 }), new RegExp(name), "the body's page");
    const staff = `auditor${Date.now()}@northern-cert.example`;
    await admin.getByLabel("Email", { exact: true }).fill(staff);
    await admin.getByRole("button", { name: "Send the invitation" }).click();
    await expectText(admin.getByRole("status").first(), /invitation is on its way/, "the invitation sent");
    await checkAccessibility(admin, "admin-certification-body");
    await screenshots(admin, "admin-certification-body");
    const { page } = await fresh(browser, contexts, { viewport: { width: 320, height: 700 } });
    const mail = await server.mailTo(staff, "/invitations/accept");
    await page.goto(linkIn(mail, "/invitations/accept"));
    await page.getByLabel("Given name").fill("Ines");
    await page.getByLabel("Family name").fill("Duarte");
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Set the password" }).click();
    await page.waitForURL(/\/sign-in/);
    await page.getByLabel("Email").fill(staff);
    await page.getByLabel("Password").fill(PASSWORD);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/rcb$/);
    await checkAccessibility(page, "rcb-home-320");
    await page.getByLabel("Organization", { exact: true }).fill("Acme Hosting Ltd");
    await page.getByLabel("Country", { exact: true }).fill("GB");
    await page.getByLabel("Scope", { exact: true }).fill("Managed hosting services");
    await page.getByLabel("Edition", { exact: true }).selectOption("ISO/IEC 20000-1:2018");
    await page.getByLabel("Certificate number", { exact: true }).fill("ITSM-001");
    await page.getByLabel("Issued on", { exact: true }).fill(day(-30));
    await page.getByLabel("Expires on", { exact: true }).fill(day(-60));
    await page.getByRole("button", { name: "Record the organization" }).click();
    await expectText(page.locator("#expires_on-error"), /Expires on/, "the expiry before the issue named next to its field");
    await checkAccessibility(page, "rcb-home-errors-320");
    await screenshots(page, "rcb-home-errors");
    await page.getByLabel("Expires on", { exact: true }).fill(day(3 * 365));
    await page.getByRole("button", { name: "Record the organization" }).click();
    await page.waitForURL(/\/rcb\/organizations\/[0-9a-f-]+/);
    await expectText(page.getByRole("status").first(), /recorded/, "the record confirmed");
    await checkAccessibility(page, "rcb-record-320");
    await screenshots(page, "rcb-record");
  },

  async "every public page is usable at 320 px and passes axe"({ server, browser, contexts }) {
    const { page } = await fresh(browser, contexts, { viewport: { width: 320, height: 700 } });
    for (const [path, name] of [["/", "home-320"], ["/sign-in", "sign-in"], ["/register", "register-320"], ["/account/forgot", "forgot"], ["/account/reset", "reset"], ["/certificates", "register-search"], ["/scheme", "scheme-320"], ["/scheme/frameworks", "frameworks-320"], ["/faq", "faq-320"], ["/contact", "contact-320"], ["/training-organizations", "training-organizations-320"], ["/certified-organizations", "certified-organizations-320"]]) {
      await page.goto(server.base + path);
      await checkAccessibility(page, name);
      const overflow = await page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
      assert(!overflow, `${path} fits 320 px without sideways scrolling`);
    }
    await titleOf(server, FOUNDATION);
  },

  async "the back office pages (vouchers, sessions, the live view, appeals, regrading, results, item statistics) pass axe"({ server, browser, contexts }) {
    const admin = await server.login("admin@example.test");
    const stamp = `${Date.now()}${Math.floor(Math.random() * 1000)}`;
    const day = (n) => new Date(Date.now() + n * 86400000).toISOString().slice(0, 10);
    // A training organization with vouchers, a candidate, an invigilator and a session.
    const ato = await server.api("POST", "/api/v1/admin/atos", { name: `Back Office Training ${stamp}`, country: "GB", contact_email: "office@backoffice.example" }, admin);
    assert(ato.status === 201, `ato ${ato.status}`);
    const accredited = await server.api("POST", `/api/v1/admin/atos/${ato.body.id}/accreditations`, { qualification: FOUNDATION, valid_from: day(-30), valid_until: day(365) }, admin);
    assert(accredited.status === 201, `accreditation ${accredited.status}`);
    const batch = await server.api("POST", `/api/v1/admin/atos/${ato.body.id}/vouchers`, { qualification: FOUNDATION, count: 3, valid_from: day(0), expires_on: day(90) }, admin);
    assert(batch.status === 201, `vouchers ${batch.status} ${JSON.stringify(batch.body)}`);
    const register = async (given) => {
      const email = `${given.toLowerCase()}${stamp}@example.test`;
      const r = await server.api("POST", "/api/v1/auth/register", { email, password: PASSWORD, given_name: given, family_name: "Mensah" });
      assert(r.status === 201, `register ${r.status}`);
      return { email, id: r.body.id };
    };
    const candidate = await register("Kofi");
    const proctor = await register("Ines");
    const granted = await server.api("POST", `/api/v1/admin/accounts/${proctor.id}/roles`, { role: "invigilator", granted: true }, admin);
    assert(granted.status === 200, `role ${granted.status} ${JSON.stringify(granted.body)}`);
    const opens = new Date(Date.now() + 2 * 86400000);
    const session = await server.api("POST", "/api/v1/admin/sessions", {
      qualification: FOUNDATION, opens_at: opens.toISOString().replace(/\.\d+Z$/, "Z"),
      closes_at: new Date(opens.getTime() + 3 * 3600000).toISOString().replace(/\.\d+Z$/, "Z"),
      mode: "venue", venue: "Room 2, 1 High Street, Leeds", capacity: 12, invigilator_id: proctor.id, requires_admission: true,
    }, admin);
    assert(session.status === 201, `session ${session.status} ${JSON.stringify(session.body)}`);
    const token = await server.login(candidate.email);
    const booked = await server.api("POST", `/api/v1/sessions/${session.body.id}/book`, {}, token);
    assert(booked.status === 201, `booking ${booked.status} ${JSON.stringify(booked.body)}`);
    const complaint = await server.api("POST", "/api/v1/me/cases", { kind: "complaint", about: "The venue", statement: "The room was too cold to concentrate." }, token);
    assert(complaint.status === 201, `complaint ${complaint.status} ${JSON.stringify(complaint.body)}`);

    const { page } = await fresh(browser, contexts);
    await signIn(server, page, "admin@example.test");
    for (const [path, name] of [
      [`/admin/atos/${ato.body.id}/vouchers`, "admin-vouchers"],
      ["/admin/sessions", "admin-sessions"],
      ["/admin/cases", "admin-cases"],
      [`/admin/cases/${complaint.body.id}`, "admin-case"],
      ["/admin/key-corrections", "admin-key-corrections"],
      ["/admin/results", "admin-results"],
      [`/admin/statistics/${FOUNDATION}`, "admin-item-statistics"],
    ]) {
      const res = await page.goto(server.base + path);
      assert(res.status() === 200, `${path} answers ${res.status()}`);
      await checkAccessibility(page, name);
    }

    const { page: desk } = await fresh(browser, contexts);
    await signIn(server, desk, proctor.email);
    await desk.goto(server.base + "/invigilation");
    await checkAccessibility(desk, "invigilation");
    await desk.goto(server.base + `/invigilation/sessions/${session.body.id}`);
    await expectText(desk.locator("main"), /Kofi/, "the live view lists the booked candidate");
    // The page refreshes itself: the state request runs and nothing breaks.
    await desk.waitForResponse((r) => r.url().includes(`/invigilation/sessions/${session.body.id}/state`), { timeout: 15000 });
    await checkAccessibility(desk, "invigilation-live");
    await screenshots(desk, "invigilation-live");
    // Keyboard alone: Tab to the candidate's action (Admit comes first), give a reason
    // with the arrow keys, Tab to Apply, press Enter; every stop shows where focus is.
    const tabTo = async (selector) => {
      for (let i = 0; i < 80; i++) {
        await desk.keyboard.press("Tab");
        if (await desk.evaluate((s) => document.activeElement?.matches(s), selector)) return;
      }
      throw new Error(`Tab never reached ${selector}`);
    };
    await tabTo('#live select[name="action"]');
    assert(await desk.evaluate(() => document.activeElement.value) === "admit", "Admit is the first action");
    await tabTo('#live select[name="reason"]');
    await desk.keyboard.press("ArrowDown");
    assert(await desk.evaluate(() => document.activeElement.value) === "technical", "the arrow key picks a reason");
    await tabTo('#live button[type="submit"]');
    const ring = await desk.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
    assert(ring !== "none", `the focused Apply button shows a focus ring (outline ${ring})`);
    await Promise.all([desk.waitForURL(/done=1/), desk.keyboard.press("Enter")]);
    await expectText(desk.locator("main"), /Done and recorded\./, "the keyboard-applied action is recorded");
    await expectText(desk.locator('#live td[data-cell="state"]'), /Admitted/, "the candidate is admitted");

    const { page: mine } = await fresh(browser, contexts, { viewport: { width: 390, height: 844 } });
    await signIn(server, mine, candidate.email);
    for (const [path, name] of [["/my/vouchers", "my-vouchers"], ["/my/sessions", "my-sessions"], ["/my/cases", "my-cases"]]) {
      const res = await mine.goto(server.base + path);
      assert(res.status() === 200, `${path} answers ${res.status()}`);
      await checkAccessibility(mine, name);
      const overflow = await mine.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1);
      assert(!overflow, `${path} fits 390 px without sideways scrolling`);
    }
  },
};
