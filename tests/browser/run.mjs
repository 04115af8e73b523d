// The browser tests: `node run.mjs BINARY ENGINE…` where ENGINE is `sqlite` or a
// PostgreSQL server URL (postgres://user@host:port). Each engine gets its own server on a
// fresh database; every test runs on each. Screenshots go to tests/browser/artifacts/.
import { writeFileSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import { ARTIFACTS, axeResults, launch, startServer } from "./lib.mjs";
import { tests } from "./tests.mjs";

const [binary, ...engines] = process.argv.slice(2);
if (!binary || engines.length === 0) {
  console.error("usage: node run.mjs path/to/invigilator sqlite [postgres://…]");
  process.exit(2);
}
const only = process.env.BROWSER_TESTS ? new RegExp(process.env.BROWSER_TESTS) : null;

const browser = await launch();
let passed = 0;
const failures = [];
for (const engine of engines) {
  const label = engine === "sqlite" ? "sqlite" : "postgres";
  const server = await startServer(engine, binary);
  try {
    for (const [name, test] of Object.entries(tests)) {
      if (only && !only.test(name)) continue;
      const started = Date.now();
      const contexts = [];
      try {
        await test({ server, browser, contexts, engine: label });
        passed += 1;
        console.log(`ok   ${label} ${name} (${((Date.now() - started) / 1000).toFixed(1)} s)`);
      } catch (e) {
        failures.push(`${label} ${name}: ${e.stack || e}`);
        console.log(`FAIL ${label} ${name}: ${e.message}`);
        for (const c of contexts) {
          for (const [i, p] of c.pages().entries()) {
            mkdirSync(ARTIFACTS, { recursive: true });
            await p.screenshot({ path: join(ARTIFACTS, `failure-${label}-${name}-${i}.png`), fullPage: true }).catch(() => {});
          }
        }
      } finally {
        for (const c of contexts) await c.close().catch(() => {});
      }
    }
  } finally {
    server.stop();
  }
}
await browser.close();
mkdirSync(ARTIFACTS, { recursive: true });
writeFileSync(join(ARTIFACTS, "axe.json"), JSON.stringify(axeResults, null, 1));
const pages = new Set(axeResults.map((r) => r.page)).size;
const serious = axeResults.reduce((n, r) => n + r.serious, 0);
const minor = axeResults.reduce((n, r) => n + r.violations - r.serious, 0);
console.log(`axe-core: ${axeResults.length} checks on ${pages} distinct pages: ${serious} serious or critical, ${minor} minor or moderate`);
for (const f of failures) console.error(`\n${f}`);
console.log(`browser tests: ${passed} passed, ${failures.length} failed`);
process.exit(failures.length ? 1 : 0);
