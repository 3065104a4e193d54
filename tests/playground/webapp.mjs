// The web app end to end in Debian's headless Chromium, two browsers at
// once: a customer on a phone-sized screen and an owner on a laptop.
//
//   OWNER_EMAIL=… OWNER_PASSWORD=… node tests/playground/webapp.mjs <origin, e.g. http://127.0.0.1:8080> <artifact dir>
//
// Every request off 127.0.0.1 is refused (no CDN, no internet). Any page
// error, Content-Security-Policy violation or alert() fails the run. Prints
// `RESULT {json}` on success; exits non-zero with a sentence on the first
// thing that does not happen, with a screenshot of the page.

import { chromium } from "playwright-core";
import { mkdirSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";

const [origin, artifacts] = process.argv.slice(2);
const { OWNER_EMAIL: ownerEmail, OWNER_PASSWORD: ownerPassword } = process.env;
if (!origin || !artifacts || !ownerEmail || !ownerPassword) {
  console.error("usage: OWNER_EMAIL=… OWNER_PASSWORD=… node webapp.mjs <origin> <artifact dir>");
  process.exit(2);
}
mkdirSync(artifacts, { recursive: true });
const axeSource = readFileSync(createRequire(import.meta.url).resolve("axe-core/axe.min.js"), "utf8");

const browser = await chromium.launch({
  executablePath: process.env.CHROMIUM || "/usr/bin/chromium",
  args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
         "--disable-background-networking", "--disable-component-update", "--disable-sync"],
});

const problems = [];
let current = null;

async function fail(why) {
  console.error(`web app test failed: ${why}`);
  if (current) await current.screenshot({ path: join(artifacts, "failed.png"), fullPage: true }).catch(() => {});
  await browser.close();
  process.exit(1);
}

async function step(name, fn) {
  try {
    await fn();
    console.log(`ok: ${name}`);
  } catch (e) {
    await fail(`${name}: ${e.message}`);
  }
  if (problems.length) await fail(`${name}: ${problems.join("; ")}`);
}

async function newPage(viewport, who) {
  const context = await browser.newContext({ viewport, locale: "en-GB", timezoneId: "Europe/London" });
  const page = await context.newPage();
  await page.route("**/*", (route) => {
    const host = new URL(route.request().url()).hostname;
    if (host === "127.0.0.1" || host === "localhost") return route.continue();
    problems.push(`${who}'s page asked for ${route.request().url()}`);
    return route.abort();
  });
  page.on("pageerror", (e) => problems.push(`${who}'s page error: ${e.message}`));
  page.on("console", (m) => {
    if (/Content Security Policy|Refused to/i.test(m.text())) problems.push(`${who}: ${m.text()}`);
  });
  page.on("dialog", async (d) => {
    if (d.type() === "alert") problems.push(`${who} saw an alert: ${d.message()}`);
    if (d.type() === "prompt") await d.accept("Out of dough tonight");
    else await d.accept();
  });
  return page;
}

/** axe-core on the page as it is: no serious or critical violation. */
async function accessible(page, name) {
  await page.evaluate(axeSource);
  const result = await page.evaluate(async () =>
    // eslint-disable-next-line no-undef
    axe.run(document, { resultTypes: ["violations"] }));
  const bad = result.violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  if (bad.length) {
    throw new Error(`axe on ${name}: ${bad.map((v) => `${v.id} (${v.impact}): ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(", ")}`).join("; ")}`);
  }
  console.log(`axe: ${name}: no serious violation (${result.violations.length} minor)`);
}

/** Screenshots at both sizes, then back to the page's own size. */
async function shots(page, name) {
  const own = page.viewportSize();
  for (const [w, h] of [[1280, 800], [390, 844]]) {
    await page.setViewportSize({ width: w, height: h });
    await page.waitForTimeout(150);
    await page.screenshot({ path: join(artifacts, `${name}-${w}x${h}.png`) });
  }
  await page.setViewportSize(own);
}

const customer = await newPage({ width: 390, height: 844 }, "the customer");
const owner = await newPage({ width: 1280, height: 800 }, "the owner");
const email = `ada-${Date.now()}@example.com`;
const note = "<script>alert(1)</script>";
let number = 0;

await step("the shop's menu shows sizes and prices", async () => {
  current = customer;
  await customer.goto(`${origin}/`);
  await customer.locator("h1", { hasText: "Menu" }).waitFor({ timeout: 20_000 });
  const buttons = await customer.locator(".sizes button:not([disabled])").count();
  if (buttons < 3) throw new Error(`only ${buttons} items can be added`);
  await accessible(customer, "menu");
  await shots(customer, "shop-menu");
});

await step("a customer makes an account", async () => {
  await customer.getByRole("link", { name: "Log in" }).click();
  await accessible(customer, "log in");
  await shots(customer, "shop-login");
  await customer.getByRole("link", { name: "Make an account" }).click();
  await customer.getByLabel("Your name").fill("Ada <b>Lovelace</b>");
  await customer.getByLabel("E-mail").fill(email);
  await customer.getByLabel("Password").fill("a long enough password");
  await accessible(customer, "register");
  await customer.getByRole("button", { name: "Make my account" }).click();
  await customer.getByRole("button", { name: "Log out" }).waitFor({ timeout: 20_000 });
});

await step("the customer fills a cart by clicking", async () => {
  await customer.getByRole("link", { name: "Menu" }).click();
  const first = customer.locator(".sizes button:not([disabled])").first();
  await first.click();
  await first.click();
  await customer.locator(".sizes button:not([disabled])").nth(2).click();
  await customer.getByRole("link", { name: /Cart \(3\)/ }).click();
  await customer.locator("h1", { hasText: "Your cart" }).waitFor();
  await customer.getByRole("button", { name: /One more/ }).first().click();
  await customer.getByRole("button", { name: /One fewer/ }).first().click();
  await accessible(customer, "cart");
  await shots(customer, "shop-cart");
});

await step("checkout shows the total and places the order", async () => {
  const cartTotal = await customer.locator("tfoot td.num").innerText();
  await customer.getByRole("link", { name: "Checkout" }).click();
  await customer.locator("h1", { hasText: "Checkout" }).waitFor();
  const shown = await customer.locator(".card strong").first().innerText();
  if (shown !== cartTotal) throw new Error(`checkout says ${shown}, the cart ${cartTotal}`);
  await customer.getByLabel("Note for the shop (optional)").fill(note);
  await accessible(customer, "checkout");
  await shots(customer, "shop-checkout");
  await customer.getByRole("button", { name: /Place order/ }).click();
  await customer.waitForURL(/#\/orders\/\d+$/, { timeout: 30_000 });
  number = Number(customer.url().split("/").pop());
  await customer.locator('[data-status="pending"]').waitFor();
  const charged = await customer.locator("tfoot td.num").innerText();
  if (charged !== cartTotal) throw new Error(`the order's total is ${charged}, checkout showed ${cartTotal}`);
  const shownNote = await customer.locator(".note-text").innerText();
  if (!shownNote.includes(note)) throw new Error(`the note shows as "${shownNote}"`);
  await customer.evaluate(() => { window.__sameDocument = true; });
});

await step("the owner logs in and the new order is on the live board", async () => {
  current = owner;
  await owner.goto(`${origin}/owner/`);
  await owner.waitForURL(/#\/login\?owner/);
  await owner.getByLabel("E-mail").fill(ownerEmail);
  await owner.getByLabel("Password").fill(ownerPassword);
  await owner.getByRole("button", { name: "Log in" }).click();
  await owner.waitForURL(/\/owner\//, { timeout: 20_000 });
  const ticket = owner.locator(`[data-order="${number}"]`);
  await ticket.waitFor({ timeout: 20_000 });
  const text = await ticket.innerText();
  if (!text.includes(note)) throw new Error(`the ticket shows the note as: ${text}`);
  await accessible(owner, "board");
  await shots(owner, "owner-board");
});

await step("a second order appears on the open board within a second", async () => {
  current = owner;
  const csrf = await customer.evaluate(async () => (await (await fetch("/api/v1/auth/csrf")).json()).csrf_token);
  const catalog = await customer.evaluate(async () => (await (await fetch("/api/v1/catalog")).json()).items);
  const sku = catalog.find((i) => i.available).sku;
  const placedAt = Date.now();
  const second = await customer.evaluate(async ({ csrf, sku }) => {
    const r = await fetch("/api/v1/orders", {
      method: "POST",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf, "Idempotency-Key": crypto.randomUUID() },
      body: JSON.stringify({ lines: [{ sku, quantity: 1 }], fulfilment: { type: "pickup" } }),
    });
    return (await r.json()).number;
  }, { csrf, sku });
  await owner.locator(`[data-order="${second}"]`).waitFor({ timeout: 10_000 });
  console.log(`board: order #${second} appeared ${Date.now() - placedAt} ms after it was placed`);
});

await step("Accept on the dashboard reaches the customer without a reload", async () => {
  current = owner;
  await owner.locator(`[data-order="${number}"] [data-move="accepted"]`).click();
  current = customer;
  await customer.locator('[data-status="accepted"]').waitFor({ timeout: 15_000 });
  const same = await customer.evaluate(() => window.__sameDocument === true);
  if (!same) throw new Error("the customer's page was reloaded");
  await accessible(customer, "order page");
  await shots(customer, "shop-order");
});

await step("messages go both ways and the history says who did what", async () => {
  current = customer;
  await customer.getByLabel("Write to the shop").fill("Extra napkins, please <i>");
  await customer.getByRole("button", { name: "Send" }).click();
  current = owner;
  await owner.locator(`[data-order="${number}"] button[aria-haspopup="dialog"]`).click();
  const dialog = owner.locator("dialog#detail");
  await dialog.locator(".messages li", { hasText: "Extra napkins, please <i>" }).waitFor({ timeout: 15_000 });
  const history = await dialog.locator(".history").innerText();
  if (!/Waiting for the shop[\s\S]*customer via web/.test(history) || !/Accepted[\s\S]*shop via web/.test(history)) {
    throw new Error(`the history reads: ${history}`);
  }
  await dialog.getByLabel("Reply to the customer").fill("Of course! Ready at 7.");
  await dialog.getByRole("button", { name: "Send" }).click();
  await accessible(owner, "order detail");
  await shots(owner, "owner-order");
  current = customer;
  await customer.locator(".messages li", { hasText: "Of course! Ready at 7." }).waitFor({ timeout: 15_000 });
  current = owner;
  await dialog.getByRole("button", { name: "Close" }).click();
});

let bars = [];
await step("the owner's charts draw the API's numbers", async () => {
  current = owner;
  await owner.getByRole("link", { name: "Today" }).click();
  await owner.locator("#chart-hours rect.bar").first().waitFor({ state: "attached", timeout: 20_000 });
  const api = await owner.evaluate(async () => (await fetch("/api/v1/reports/dashboard")).json());
  bars = await owner.locator("#chart-hours rect.bar").evaluateAll((rs) =>
    rs.map((r) => ({ hour: Number(r.dataset.hour), value: Number(r.dataset.value), height: Number(r.getAttribute("height")) })));
  if (!bars.length) throw new Error("no bars");
  for (const b of bars) {
    const h = api.hours.find((x) => x.hour === b.hour);
    if (!h || h.actual_units !== b.value) throw new Error(`bar ${b.hour}:00 shows ${b.value}, the API says ${h?.actual_units}`);
  }
  const sold = api.hours.reduce((n, x) => n + x.actual_units, 0);
  if (sold < 3) throw new Error(`today's hours hold ${sold} units; the two orders had at least 3`);
  if (!bars.some((b) => b.value > 0 && b.height > 0)) throw new Error("every bar is empty");
  const points = await owner.locator("#chart-hours circle.point").evaluateAll((cs) =>
    cs.map((c) => ({ hour: Number(c.dataset.hour), value: Number(c.dataset.value) })));
  const forecastHours = api.hours.filter((x) => x.forecast && bars.some((b) => b.hour === x.hour));
  if (points.length !== forecastHours.length || forecastHours.length === 0) {
    throw new Error(`${points.length} forecast points for ${forecastHours.length} forecast hours`);
  }
  for (const p of points) {
    const h = api.hours.find((x) => x.hour === p.hour);
    if (Math.abs(h.forecast.mean - p.value) > 1e-9) throw new Error(`point ${p.hour}:00 is ${p.value}, the API says ${h.forecast.mean}`);
  }
  if (!(await owner.locator("#chart-hours polygon.band").count())) throw new Error("no interval band");
  const prep = await owner.locator("#chart-prep rect.bar").evaluateAll((rs) => rs.map((r) => r.dataset.label));
  if (prep.length !== Math.min(12, api.prep.length) || prep[0] !== api.prep[0].name) {
    throw new Error(`prep list bars ${prep.join(", ")}; the API's ${api.prep.map((p) => p.name).join(", ")}`);
  }
  const top = await owner.locator("#chart-top rect.bar").evaluateAll((rs) => rs.map((r) => Number(r.dataset.value)));
  if (top.join(",") !== api.yesterday.top_items.slice(0, 12).map((t) => t.units).join(",") || !top.length) {
    throw new Error(`yesterday's bars ${top}; the API's ${api.yesterday.top_items.map((t) => t.units)}`);
  }
  const acc = await owner.locator("#chart-accuracy circle.point").evaluateAll((cs) => cs.map((c) => Number(c.dataset.value)));
  if (acc.join(",") !== api.accuracy.map((a) => a.item_day_wape).join(",") || acc.length < 3) {
    throw new Error(`accuracy points ${acc}; the API's ${api.accuracy.map((a) => a.item_day_wape)}`);
  }
  await accessible(owner, "today");
  await shots(owner, "owner-today");
});

await step("the owner edits the menu and finds the export", async () => {
  current = owner;
  await owner.getByRole("link", { name: "Menu" }).click();
  const row = owner.locator("tbody tr").first();
  await row.waitFor();
  await row.locator('input[type="checkbox"]').uncheck();
  await row.getByRole("button", { name: "Save" }).click();
  await row.getByText("Saved").waitFor({ timeout: 15_000 });
  await row.locator('input[type="checkbox"]').check();
  await row.getByRole("button", { name: "Save" }).click();
  await accessible(owner, "menu editor");
  await shots(owner, "owner-menu");
  await owner.getByRole("link", { name: "Export" }).click();
  const href = await owner.getByRole("link", { name: "Download CSV" }).getAttribute("href");
  const csv = await owner.evaluate(async (u) => { const r = await fetch(u); return { status: r.status, type: r.headers.get("content-type"), body: await r.text() }; }, href);
  if (csv.status !== 200 || !csv.type.includes("text/csv") || !csv.body.includes(String(number))) {
    throw new Error(`the export answered ${csv.status} ${csv.type}: ${csv.body.slice(0, 200)}`);
  }
  await accessible(owner, "export");
});

await step("order history offers 'order again'", async () => {
  current = customer;
  await customer.getByRole("link", { name: "My orders" }).click();
  await customer.getByRole("button", { name: `Order #${number} again` }).click();
  await customer.locator("h1", { hasText: "Your cart" }).waitFor();
  await accessible(customer, "order history → cart");
});

const denied = {};
await step("a customer's session gets nothing of the owner's", async () => {
  current = customer;
  for (const path of ["/owner/", "/owner", "/owner/assets/owner.js", "/owner/assets/charts.js", "/owner/#/today"]) {
    const r = await customer.request.get(`${origin}${path}`, { maxRedirects: 5 });
    const body = await r.text();
    denied[path] = r.status();
    if (r.status() !== 404 || /Dashboard|drawBoard|hourChart/.test(body)) {
      throw new Error(`${path} answered ${r.status()} with ${body.slice(0, 120)}`);
    }
  }
  for (const path of ["/api/v1/reports/dashboard", "/api/v1/reports/summary", "/api/v1/reports/forecast"]) {
    const r = await customer.request.get(`${origin}${path}`);
    denied[path] = r.status();
    if (r.status() !== 403) throw new Error(`${path} answered ${r.status()} to a customer`);
  }
  await customer.goto(`${origin}/owner/`);
  if (await customer.locator("#nav a", { hasText: "Today" }).count()) throw new Error("a customer sees the dashboard");
  await customer.goto(`${origin}/`);
});

await step("pages say which policy they run under", async () => {
  for (const path of ["/", "/assets/shop.js", "/assets/app.css"]) {
    const r = await customer.request.get(`${origin}${path}`);
    const csp = r.headers()["content-security-policy"] || "";
    if (!csp.includes("script-src 'self'") || csp.includes("unsafe-inline")) throw new Error(`${path}: CSP ${csp}`);
  }
});

console.log(`RESULT ${JSON.stringify({ order: number, bars: bars.length, denied })}`);
await browser.close();
