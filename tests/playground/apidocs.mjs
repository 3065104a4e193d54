// Opens the HTTP API's docs page in Debian's headless Chromium with every
// request off 127.0.0.1 refused, as on a machine with no internet, and
// checks that Swagger UI draws every operation of the served document.
//
//   node tests/playground/apidocs.mjs <api base url, e.g. http://127.0.0.1:8080/api/v1> <artifact dir>
//
// Exits non-zero with a sentence on the first thing that does not happen.

import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [base, artifacts] = process.argv.slice(2);
if (!base || !artifacts) {
  console.error("usage: node apidocs.mjs <api base url> <artifact dir>");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });

const fail = async (browser, page, why) => {
  if (page) await page.screenshot({ path: join(artifacts, "apidocs-failed.png") }).catch(() => {});
  console.error(`API docs test failed: ${why}`);
  await browser.close();
  process.exit(1);
};

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});
const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
const offsite = [];
await page.route("**/*", (route) => {
  const host = new URL(route.request().url()).hostname;
  if (host === "127.0.0.1" || host === "localhost") return route.continue();
  offsite.push(route.request().url());
  return route.abort();
});
page.on("pageerror", (e) => console.error("page error:", e.message));

const spec = await (await fetch(`${base}/openapi.json`)).json();
let operations = 0;
for (const item of Object.values(spec.paths)) {
  operations += Object.keys(item).filter((k) => ["get", "post", "put", "delete", "patch"].includes(k)).length;
}
if (operations < 15) await fail(browser, null, `the document lists only ${operations} operations`);

try {
  await page.goto(`${base}/docs/`);
  await page.locator(".swagger-ui .info .title").waitFor({ timeout: 30_000 });
  const title = await page.locator(".swagger-ui .info .title").innerText();
  if (!title.includes(spec.info.title)) await fail(browser, page, `the page's title is "${title}"`);
  await page.waitForFunction((n) => document.querySelectorAll(".opblock").length >= n, operations, { timeout: 30_000 });
} catch (e) {
  await fail(browser, page, `the page did not draw the operations (${e.message})`);
}
const drawn = await page.locator(".opblock").count();
await page.screenshot({ path: join(artifacts, "apidocs.png"), fullPage: false });
if (offsite.length > 0) await fail(browser, page, `the page asked for ${offsite.join(", ")}`);
console.log(`API docs page: ${drawn} operations drawn of ${operations}, nothing fetched off this machine`);
await browser.close();
