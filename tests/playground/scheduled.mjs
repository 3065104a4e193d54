// A closed shop in Debian's headless Chromium: a customer's checkout says
// when the shop opens and offers times in that opening; the order placed for
// one of them shows that time on its page.
//
//   node tests/playground/scheduled.mjs <origin, e.g. http://127.0.0.1:8080> <artifact dir>
//
// Any page error or Content-Security-Policy violation fails the run. Prints
// `RESULT {json}` on success; exits non-zero with a sentence and a
// screenshot on the first thing that does not happen.

import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [origin, artifacts] = process.argv.slice(2);
if (!origin || !artifacts) {
  console.error("usage: node scheduled.mjs <origin> <artifact dir>");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });
const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--no-first-run"],
});
const context = await browser.newContext({ viewport: { width: 390, height: 844 }, locale: "en-GB", timezoneId: "Europe/London" });
const page = await context.newPage();
const problems = [];
page.on("pageerror", (e) => problems.push(`page error: ${e.message}`));
page.on("console", (m) => {
  if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(m.text());
});

try {
  await page.goto(`${origin}/`);
  await page.getByRole("link", { name: "Log in" }).click();
  await page.getByRole("link", { name: "Make an account" }).click();
  await page.getByLabel("Your name").fill("Ada");
  await page.getByLabel("E-mail").fill(`ada-${Date.now()}@example.com`);
  await page.getByLabel("Password").fill("a long enough password");
  await page.getByRole("button", { name: "Make my account" }).click();
  await page.getByRole("button", { name: "Log out" }).waitFor({ timeout: 20_000 });
  await page.getByRole("link", { name: "Menu" }).click();
  await page.locator(".sizes button:not([disabled])").first().click();
  await page.getByRole("link", { name: /Cart \(1\)/ }).click();
  await page.getByRole("link", { name: "Checkout" }).click();
  const hint = await page.locator("#when-hint").innerText({ timeout: 20_000 });
  if (!hint.startsWith("We're closed now; we open again")) throw new Error(`the checkout says "${hint}"`);
  const when = page.getByLabel("When should it be ready?");
  const options = await when.locator("option").allInnerTexts();
  if (options.length < 2 || options.some((o) => /soon as possible/.test(o))) {
    throw new Error(`the times offered: ${JSON.stringify(options)}`);
  }
  const chosen = await when.locator("option").nth(1).getAttribute("value");
  await when.selectOption(chosen);
  await page.screenshot({ path: join(artifacts, "shop-checkout-closed.png") });
  await page.getByRole("button", { name: /Place order/ }).click();
  await page.waitForURL(/#\/orders\/\d+$/, { timeout: 30_000 });
  const number = Number(page.url().split("/").pop());
  const ready = await page.locator("#ready-for").innerText();
  if (problems.length) throw new Error(problems.join("; "));
  console.log(`RESULT ${JSON.stringify({ order: number, chosen, options, ready })}`);
} catch (e) {
  console.error(`scheduled order test failed: ${e.message}`);
  await page.screenshot({ path: join(artifacts, "failed.png"), fullPage: true }).catch(() => {});
  process.exitCode = 1;
} finally {
  await browser.close();
}
