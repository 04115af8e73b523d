// What every browser test needs: a server of its own on a fresh database, the mail it
// sent, a clock the test can move, Debian's Chromium, and axe-core on every page.
import { spawn, execFileSync } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import net from "node:net";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
export const ROOT = new URL("../..", import.meta.url).pathname;
export const ARTIFACTS = join(ROOT, "tests/browser/artifacts");
export const PASSWORD = "correct horse battery staple";

function freePort() {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
    server.on("error", reject);
  });
}

/// Starts `invigilator serve` on `engine` ("sqlite" or a PostgreSQL server URL) with a
/// fresh database, mail written to files, and a clock moved by a file.
export async function startServer(engine, binary) {
  const dir = mkdtempSync(join(tmpdir(), "invigilator-browser-"));
  const port = await freePort();
  let database;
  if (engine === "sqlite") {
    database = `sqlite://${dir}/invigilator.db?mode=rwc`;
  } else {
    const name = `invigilator_browser_${Date.now()}_${Math.floor(Math.random() * 1e6)}`;
    execFileSync("psql", [`${engine}/postgres`, "-qc", `create database ${name}`]);
    database = `${engine}/${name}`;
  }
  mkdirSync(join(dir, "mail"));
  const clockFile = join(dir, "clock");
  writeFileSync(clockFile, "0");
  const env = {
    ...process.env,
    APP_ENVIRONMENT: "test",
    APP_SERVER__PORT: String(port),
    APP_DATABASE__URL: database,
    APP_EMAIL__TRANSPORT: "file",
    APP_EMAIL__FILE_DIR: join(dir, "mail"),
    APP_EMAIL__DELIVER_INTERVAL_SECONDS: "1",
    APP_EMAIL__PUBLIC_BASE_URL: `http://127.0.0.1:${port}`,
    APP_SITTINGS__TEST_CLOCK_FILE: clockFile,
    APP_SITTINGS__SWEEP_INTERVAL_SECONDS: "1",
    RUST_LOG: process.env.RUST_LOG || "warn",
    INVIGILATOR_ADMIN_PASSWORD: PASSWORD,
  };
  execFileSync(binary, ["admin", "create", "--email", "admin@example.test", "--name", "Ada Admin"], { env, cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] });
  const child = spawn(binary, ["serve"], { env, cwd: ROOT, stdio: ["ignore", "inherit", "inherit"] });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i++) {
    try {
      const res = await fetch(`${base}/health`);
      if (res.ok) break;
    } catch (e) {
      if (i > 300) throw new Error("the server did not start");
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  let offset = 0;
  return {
    base,
    dir,
    engine,
    /// Moves the server's clock forward.
    advance(seconds) {
      offset += seconds;
      writeFileSync(clockFile, String(offset));
    },
    /// The newest e-mail to `to` whose text contains `needle`, waiting for the outbox.
    async mailTo(to, needle) {
      for (let i = 0; i < 100; i++) {
        const found = readdirSync(join(dir, "mail"))
          .map((f) => decodeMail(readFileSync(join(dir, "mail", f), "utf8")))
          .filter((m) => m.toLowerCase().includes(to.toLowerCase()) && m.includes(needle));
        if (found.length) return found[found.length - 1];
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`no mail to ${to} containing ${needle}`);
    },
    /// A JSON API call, as an outside client would make it.
    async api(method, path, body, token) {
      const res = await fetch(base + path, {
        method,
        headers: { "content-type": "application/json", ...(token ? { authorization: `Bearer ${token}` } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let json = null;
      try { json = JSON.parse(text); } catch (e) { json = text; }
      return { status: res.status, body: json };
    },
    async login(email) {
      const r = await this.api("POST", "/api/v1/auth/login", { email, password: PASSWORD });
      if (r.status !== 200) throw new Error(`login ${email}: ${r.status} ${JSON.stringify(r.body)}`);
      return r.body.access_token;
    },
    stop() {
      child.kill("SIGTERM");
    },
  };
}

/// The text of an .eml file with quoted-printable soft breaks and escapes undone.
function decodeMail(raw) {
  return raw.replace(/=\r?\n/g, "").replace(/=([0-9A-F]{2})/g, (_, h) => String.fromCharCode(parseInt(h, 16)));
}

/// The first link in `mail` whose path starts with `path`.
export function linkIn(mail, path) {
  const match = mail.match(new RegExp(`https?://[^\\s"<>]*${path.replace(/[/]/g, "\\/")}[^\\s"<>]*`));
  if (!match) throw new Error(`no ${path} link in the mail`);
  return match[0];
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
    headless: true,
    args: ["--no-sandbox"],
  });
}

/// A fresh browser context whose pages fail the test on a script error or a refused CSP.
export async function newPage(browser, options = {}) {
  const context = await browser.newContext({ acceptDownloads: true, ...options });
  const page = await context.newPage();
  page.problems = [];
  page.on("pageerror", (e) => page.problems.push(`script error: ${e.message}`));
  page.on("console", (m) => {
    if (m.type() === "error" && !/Failed to load resource|net::ERR_INTERNET_DISCONNECTED|Failed to fetch/.test(m.text())) {
      page.problems.push(`console: ${m.text()}`);
    }
  });
  return { context, page };
}

export const axeResults = [];

/// Runs axe-core on the page (WCAG 2.0/2.1 A and AA) and fails on any serious or
/// critical violation. axe is evaluated through the DevTools protocol, so the page's
/// strict CSP stays on.
export async function checkAccessibility(page, name) {
  await page.evaluate(AXE_SOURCE + "\n;0");
  const result = await page.evaluate(async () => {
    // eslint-disable-next-line no-undef
    const r = await axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] } });
    return r.violations.map((v) => ({ id: v.id, impact: v.impact, help: v.help, nodes: v.nodes.length, target: v.nodes[0]?.target }));
  });
  const serious = result.filter((v) => v.impact === "serious" || v.impact === "critical");
  axeResults.push({ page: name, url: page.url(), violations: result.length, serious: serious.length });
  if (serious.length) {
    throw new Error(`axe: ${name}: ${JSON.stringify(serious, null, 1)}`);
  }
  if (page.problems.length) throw new Error(`${name}: ${page.problems.join("; ")}`);
}

/// A screenshot at desktop width and at 390 px wide, kept as a test artefact.
export async function screenshots(page, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const size = page.viewportSize();
  await page.screenshot({ path: join(ARTIFACTS, `${name}-desktop.png`), fullPage: false });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.screenshot({ path: join(ARTIFACTS, `${name}-390.png`), fullPage: false });
  await page.setViewportSize(size);
}

export function assert(condition, message) {
  if (!condition) throw new Error(`assertion failed: ${message}`);
}

export async function expectText(locator, pattern, what, timeout = 10000) {
  const until = Date.now() + timeout;
  let text = "";
  while (Date.now() < until) {
    text = (await locator.textContent().catch(() => "")) || "";
    if (pattern.test(text)) return text;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${what}: expected ${pattern}, got ${JSON.stringify(text)}`);
}
