// Drives the playground in Debian's headless Chromium, as a person would:
// orders by typing in the customer chat, checks out with the buttons, accepts
// the order on the owner board, and sees the customer told. Screenshots of
// each step go to the artifact directory.
//
//   node tests/playground/playground.mjs <playground url> <artifact dir>
//
// Playwright gives the browser a fresh, empty profile of its own.
// Exits non-zero with a sentence on the first step that does not happen.

import { chromium } from "playwright-core";
import { mkdirSync } from "node:fs";
import { join } from "node:path";

const [url, artifacts] = process.argv.slice(2);
if (!url || !artifacts) {
  console.error("usage: node playground.mjs <playground url> <artifact dir>");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });
const STEP = 30_000;

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});
let shot = 0;
const page = await browser.newPage({ viewport: { width: 1280, height: 820 } });
page.on("pageerror", (e) => console.error("page error:", e.message));
async function snap(name) {
  const path = join(artifacts, `${String(++shot).padStart(2, "0")}-${name}.png`);
  await page.screenshot({ path });
  console.log("screenshot:", path);
}
async function step(what, fn) {
  try {
    await fn();
  } catch (e) {
    await snap("failed").catch(() => {});
    console.error(`playground test failed at: ${what}\n${e.message}`);
    await browser.close();
    process.exit(1);
  }
}
const bubble = (text) => page.locator("#tg-log .bubble.bot", { hasText: text }).last();

await step("opening the page", async () => {
  await page.goto(url);
  await page.locator("#tg-text").waitFor({ timeout: STEP });
  await page.fill("#tg-name", "Ada");
  await snap("empty");
});

await step("typing an order", async () => {
  await page.fill("#tg-text", "2 large hawaiian and a medium classic deluxe");
  await page.press("#tg-text", "Enter");
  await bubble("Added to your cart").waitFor({ timeout: STEP });
  await snap("added-to-cart");
});

await step("checking out for pickup", async () => {
  await page.fill("#tg-text", "/checkout");
  await page.press("#tg-text", "Enter");
  const ask = bubble("Pickup or delivery");
  await ask.waitFor({ timeout: STEP });
  await ask.getByRole("button", { name: /pickup/i }).click();
  const summary = bubble("Please check");
  await summary.waitFor({ timeout: STEP });
  await snap("summary");
  await summary.getByRole("button", { name: /confirm/i }).first().click();
  await bubble("received").waitFor({ timeout: STEP });
  await snap("received");
});

let number;
await step("seeing the order's card on the owner board", async () => {
  const received = await bubble("received").innerText();
  const m = received.match(/#(\d+)/);
  if (!m) throw new Error(`no order number in "${received}"`);
  number = m[1];
  const card = page.locator("#dc-log .msg", { hasText: `#${number}` }).first();
  await card.waitFor({ timeout: STEP });
  await card.getByRole("button", { name: "Accept" }).waitFor({ timeout: STEP });
  await snap("card-on-board");
});

await step("accepting the order as the owner", async () => {
  const card = page.locator("#dc-log .msg", { hasText: `#${number}` }).first();
  await card.getByRole("button", { name: "Accept" }).click();
  await page.locator("#dc-log .msg", { hasText: `#${number}` }).filter({ hasText: /accepted/i }).first().waitFor({ timeout: STEP });
});

await step("the customer hearing that the order was accepted", async () => {
  await page.locator("#tg-log .bubble.bot", { hasText: /accepted/i }).last().waitFor({ timeout: STEP });
  await snap("accepted");
});

console.log(`order #${number}: placed by typing, accepted on the board, customer told`);
await browser.close();
