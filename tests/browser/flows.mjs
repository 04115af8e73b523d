// Steps several tests share, done the way a person does them in the browser.
import { PASSWORD, assert, checkAccessibility, expectText, linkIn } from "./lib.mjs";

let counter = 0;

/// Registers through the page, confirms the address from the e-mailed link, and ends on
/// the dashboard. Returns the e-mail address.
export async function registerAndVerify(server, page, family = "Okafor") {
  counter += 1;
  const email = `cand${Date.now()}${counter}@example.test`;
  await page.goto(server.base + "/");
  await checkAccessibility(page, "home");
  await page.getByRole("link", { name: "Create account" }).first().click();
  await page.getByLabel("Given name").fill("Ngozi");
  await page.getByLabel("Family name").fill(family);
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await checkAccessibility(page, "register");
  await page.getByRole("button", { name: "Create account" }).click();
  await page.waitForURL(/\/dashboard/);
  await expectText(page.locator("main"), /Confirm your e-mail address/, "dashboard before verification");
  await checkAccessibility(page, "dashboard-unverified");
  const mail = await server.mailTo(email, "/account/verify");
  await page.goto(linkIn(mail, "/account/verify"));
  await checkAccessibility(page, "verify-email");
  await page.getByRole("button", { name: "Confirm my address" }).click();
  await expectText(page.getByRole("status"), /your address is confirmed/, "verification outcome");
  await page.goto(server.base + "/dashboard");
  return email;
}

export async function signIn(server, page, email) {
  await page.goto(server.base + "/sign-in");
  await page.getByLabel("Email").fill(email);
  await page.getByLabel("Password").fill(PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await page.waitForURL((u) => !u.pathname.startsWith("/sign-in"));
}

/// The paper's title from the public API.
export async function titleOf(server, code) {
  const r = await server.api("GET", "/api/v1/qualifications");
  const q = r.body.find((x) => x.code === code);
  assert(q, `qualification ${code} listed`);
  return q.title;
}

/// Starts a paper from the dashboard's Start button; returns the sitting id.
export async function startPaper(server, page, code) {
  const title = await titleOf(server, code);
  await page.goto(server.base + "/dashboard");
  await page.getByRole("button", { name: `Start ${title}` }).click();
  await page.waitForURL(/\/sittings\/[0-9a-f-]+$/);
  await page.getByRole("timer", { name: "Time remaining" }).waitFor();
  return page.url().split("/").pop().split(/[?#]/)[0];
}

/// The marked paper (keys included) as an examiner reads it through the API.
export async function keysOf(server, sittingId) {
  const token = await server.login("admin@example.test");
  const r = await server.api("GET", `/api/v1/admin/sittings/${sittingId}`, undefined, token);
  assert(r.status === 200, `marked paper ${r.status}`);
  return r.body.items;
}

/// Answers one item with the keyboard alone: focus moves with Tab/arrow keys, choices
/// are made with Space, selects with the arrow keys. `wrong` picks a wrong answer where
/// the style allows it.
export async function answerWithKeyboard(page, item, { wrong = false } = {}) {
  const group = page.getByRole("group", { name: `Question ${item.number}`, exact: true });
  const keyboard = page.keyboard;
  switch (item.style) {
    case "classic": {
      const label = wrong ? item.options.map((o) => o.label).find((l) => l !== item.key[0]) : item.key[0];
      const radio = group.locator(`input[type=radio][value="${label}"]`);
      await radio.focus();
      await keyboard.press("Space");
      break;
    }
    case "multiple_response": {
      for (const label of item.key) {
        await group.locator(`input[type=checkbox][value="${label}"]`).focus();
        await keyboard.press("Space");
      }
      break;
    }
    case "matching":
    case "sequencing": {
      for (let i = 0; i < item.key.length; i++) {
        const select = group.locator(`select[name="q${item.number}-${i}"]`);
        await select.focus();
        // The options are "Choose…", A, B, …: press ArrowDown to the key's place.
        const index = item.key[i].charCodeAt(0) - 64;
        for (let n = 0; n < index; n++) await keyboard.press("ArrowDown");
      }
      // Leaving the last select commits its change.
      await keyboard.press("Tab");
      break;
    }
    case "assertion_reason": {
      for (let i = 0; i < item.key.length; i++) {
        await group.locator(`input[type=radio][name="q${item.number}-${i}"][value="${item.key[i]}"]`).focus();
        await keyboard.press("Space");
      }
      break;
    }
    default:
      throw new Error(`unknown style ${item.style}`);
  }
}

/// Waits until the page says every answer is saved.
export async function allSaved(page) {
  await page.locator('#connection[data-pending="0"]').waitFor({ timeout: 20000 });
  await expectText(page.locator("#connection"), /All answers are saved|Connection back/, "saving", 20000);
}

/// Starts paper `code`, answers every item with its key by the keyboard, submits, and
/// waits for the result page; returns the sitting's id.
export async function passPaper(server, page, code) {
  const id = await startPaper(server, page, code);
  for (const item of await keysOf(server, id)) await answerWithKeyboard(page, item);
  await allSaved(page);
  await page.getByRole("button", { name: "Review and submit" }).click();
  await page.getByRole("button", { name: "Submit paper" }).click();
  await page.waitForURL(/\/result$/);
  return id;
}
