// The owner's dashboard: a live board of open orders with the buttons of
// their next moves (from the API's `next_moves`, the lifecycle table the
// worker and the Discord bot use), an order's detail with its history and
// messages, catalog editing, the day's pictures, and the CSV export.

import {
  h, fill, api, setCsrf, newKey, money, time, dateTime, statusText, moveText,
  badge, listen, announce, conversation, FINAL,
} from "/assets/common.js";
import { hourChart, barList, accuracyChart } from "./charts.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");
const dialog = document.getElementById("detail");
const dialogBody = document.getElementById("detail-body");

const COLUMNS = ["pending", "accepted", "preparing", "ready", "out_for_delivery"];

const state = {
  me: null,
  orders: new Map(), // open orders by number
  fresh: new Set(), // numbers that arrived since the board was drawn
  detail: null, // the order number in the dialog, and a redraw
};

function route() {
  return (location.hash.replace(/^#\/?/, "") || "board").split("/");
}

function drawNav() {
  const here = route()[0];
  const link = (name, text) => h("a", { href: `#/${name}`, "aria-current": here === name ? "page" : false }, text);
  fill(nav,
    link("board", "Orders"),
    link("today", "Today"),
    link("catalog", "Menu"),
    link("export", "Export"),
    h("button", { type: "button", onclick: logout }, "Log out"));
}

function page(title, ...content) {
  document.title = `${title} · Dashboard`;
  fill(main, h("h1", { text: title }), ...content);
}

// ---- Board ----------------------------------------------------------------

async function loadOpen() {
  state.orders.clear();
  let cursor = "";
  for (let i = 0; i < 10; i += 1) {
    const { data } = await api("GET", `/orders?status=${COLUMNS.join(",")}&limit=100${cursor}`);
    for (const o of data.orders) state.orders.set(o.number, o);
    if (!data.next_cursor) break;
    cursor = `&cursor=${encodeURIComponent(data.next_cursor)}`;
  }
}

function drawBoard() {
  const byStatus = new Map(COLUMNS.map((s) => [s, []]));
  for (const o of state.orders.values()) byStatus.get(o.status)?.push(o);
  const board = h("div", { class: "board" }, COLUMNS.map((status) => {
    const orders = byStatus.get(status).sort((a, b) => a.number - b.number);
    return h("section", { class: "column", "aria-labelledby": `col-${status}` },
      h("h2", { id: `col-${status}` }, statusText(status), h("span", { class: "muted", text: orders.length })),
      orders.length
        ? h("ol", { "data-column": status }, orders.map(ticket))
        : h("p", { class: "muted small", text: "None" }));
  }));
  page("Orders", board);
  state.fresh.clear();
}

function ticket(o) {
  return h("li", { class: `card ticket${state.fresh.has(o.number) ? " new" : ""}`, "data-order": o.number },
    h("div", { class: "row spread" },
      h("button", { type: "button", class: "small", "aria-haspopup": "dialog", onclick: () => openDetail(o.number) },
        `#${o.number}`),
      h("span", { class: "muted small", text: time(o.placed_at) })),
    h("div", { class: "small" },
      h("strong", { text: o.customer.name || "Customer" }),
      h("span", { class: "muted", text: ` · ${o.customer.channel}` })),
    h("ul", { class: "small" }, o.lines.map((l) => h("li", { text: `${l.quantity} × ${l.name}` }))),
    h("div", { class: "small" },
      h("strong", { text: money(o.total) }),
      h("span", { class: "muted", text: o.fulfilment.type === "delivery" ? ` · delivery: ${o.fulfilment.address}` : " · pickup" })),
    o.scheduled_for ? h("div", { class: "small ready-for", text: `⏰ ready for ${dateTime(o.scheduled_for)}` }) : null,
    o.note ? h("p", { class: "small note-text" }, h("span", { class: "muted", text: "Note: " }), o.note) : null,
    h("div", { class: "moves" }, moves(o)));
}

function moves(o) {
  return o.next_moves.map((to) => h("button", {
    type: "button",
    class: `small${to === "accepted" ? " primary" : ""}${to === "rejected" || to === "cancelled" ? " danger" : ""}`,
    "data-move": to,
    "aria-label": `${moveText(to)} order #${o.number}`,
    onclick: () => move(o, to),
  }, moveText(to)));
}

async function move(o, to) {
  let reason;
  if (to === "rejected" || to === "cancelled") {
    reason = prompt(`Why? The customer is told (order #${o.number}).`);
    if (reason === null) return;
    reason = reason.trim();
    if (!reason) {
      alert("Please give a reason: the customer is told why.");
      return;
    }
  }
  try {
    const path = to === "cancelled" ? `/orders/${o.number}?reason=${encodeURIComponent(reason)}` : `/orders/${o.number}/status`;
    const { status, data } = to === "cancelled"
      ? await api("DELETE", path, undefined, { ifMatch: o.version, idempotencyKey: newKey() })
      : await api("POST", path, { status: to, reason }, { ifMatch: o.version, idempotencyKey: newKey() });
    if (status === 200 && data?.number) upsert(data);
    announce(`Order #${o.number}: ${statusText(to)}.`);
  } catch (err) {
    announce(err.message);
    alert(err.message);
    if (err.status === 412) refresh();
  }
}

function upsert(order) {
  const known = state.orders.get(order.number);
  if (known && known.version > order.version) return;
  if (FINAL.includes(order.status)) state.orders.delete(order.number);
  else {
    if (!known) state.fresh.add(order.number);
    state.orders.set(order.number, order);
  }
  if (route()[0] === "board") redrawBoard();
  if (state.detail?.number === order.number) state.detail.onOrder(order);
}

function redrawBoard() {
  const focused = document.activeElement?.closest?.("[data-order]")?.dataset.order;
  const move = document.activeElement?.dataset?.move;
  const y = window.scrollY;
  drawBoard();
  window.scrollTo(0, y);
  if (focused) {
    const card = main.querySelector(`[data-order="${focused}"]`);
    const again = card?.querySelector(move ? `[data-move="${move}"]` : "button");
    (again || card?.querySelector("button"))?.focus();
  }
}

// ---- Order detail ---------------------------------------------------------

async function openDetail(number) {
  const [{ data: order }, { data: talk }, { data: past }] = await Promise.all([
    api("GET", `/orders/${number}`),
    api("GET", `/orders/${number}/messages`),
    api("GET", `/orders/${number}/history`),
  ]);
  let current = order;
  const head = h("div");
  const history = h("ol", { class: "history" });
  const drawHead = () => fill(head,
    h("div", { class: "row spread" },
      h("h2", { id: "detail-title", text: `Order #${current.number}` }),
      badge(current.status)),
    h("p", { class: "small" },
      h("strong", { text: current.customer.name || "Customer" }),
      h("span", { class: "muted", text: ` · ${current.customer.channel} · placed ${dateTime(current.placed_at)}` })),
    h("table", {},
      h("tbody", {}, current.lines.map((l) => h("tr", {},
        h("td", { text: `${l.quantity} × ${l.name}` }), h("td", { class: "num", text: money(l.line_total) })))),
      h("tfoot", {}, h("tr", {}, h("td", { text: "Total" }), h("td", { class: "num", text: money(current.total) })))),
    h("p", { class: "small muted", text: current.fulfilment.type === "delivery" ? `Delivery to ${current.fulfilment.address}` : "Pickup" }),
    current.scheduled_for ? h("p", { class: "ready-for", text: `⏰ Ready for ${dateTime(current.scheduled_for)}` }) : null,
    current.note ? h("p", { class: "note-text" }, h("span", { class: "muted", text: "Note: " }), current.note) : null,
    h("div", { class: "moves row" }, moves(current)));
  const drawHistory = () => fill(history, past.history.map((c) => h("li", { class: "small" },
    h("strong", { text: statusText(c.to) }),
    ` · ${c.by === "owner" ? "shop" : "customer"} via ${c.via}${c.by_id ? ` (${c.by_id})` : ""} · ${dateTime(c.at)}`,
    c.reason ? h("div", { class: "note-text muted" }, "Reason: ", c.reason) : null)));
  const talkBox = conversation({
    number,
    messages: talk.messages,
    me: "owner",
    fieldId: "reply",
    label: "Reply to the customer",
    listLabel: "Messages with the customer",
    buttons: [h("button", { type: "button", onclick: () => dialog.close() }, "Close")],
  });
  drawHead();
  drawHistory();
  fill(dialogBody, head,
    h("h3", { text: "History" }), history,
    h("h3", { text: "Messages" }), talkBox.list, talkBox.form);
  state.detail = {
    number,
    async onOrder(o) {
      current = o;
      drawHead();
      try {
        ({ data: past } = await api("GET", `/orders/${number}/history`));
        drawHistory();
      } catch {
        // The next change redraws it.
      }
    },
    onMessage(m) {
      talkBox.add(m);
    },
  };
  if (!dialog.open) dialog.showModal();
}

dialog.addEventListener("close", () => {
  state.detail = null;
});

// ---- Today (pictures) -----------------------------------------------------

async function drawToday() {
  page("Today", h("p", { class: "muted", text: "Loading the day's figures…" }));
  let d;
  try {
    ({ data: d } = await api("GET", "/reports/dashboard"));
  } catch (err) {
    page("Today", h("p", { class: "alert", role: "alert", text: err.message }));
    return;
  }
  const hourBox = h("div", { class: "chart", id: "chart-hours" });
  const prepBox = h("div", { class: "chart", id: "chart-prep" });
  const topBox = h("div", { class: "chart", id: "chart-top" });
  const accBox = h("div", { class: "chart", id: "chart-accuracy" });
  page(`Today, ${new Date(`${d.day}T12:00:00`).toLocaleDateString(undefined, { weekday: "long", day: "numeric", month: "long" })}`,
    h("p", { class: "muted small", text: `Forecast by ${d.predictor || "—"} · times in ${d.time_zone} · updated ${time(d.generated_at)}` }),
    h("div", { class: "charts" },
      h("section", { class: "card", "aria-labelledby": "h-hours" },
        h("h2", { id: "h-hours", text: "Items sold per hour, against the forecast" }), hourBox),
      h("section", { class: "card", "aria-labelledby": "h-prep" },
        h("h2", { id: "h-prep", text: "Prep list: expected today" }), prepBox),
      h("section", { class: "card", "aria-labelledby": "h-top" },
        h("h2", { id: "h-top", text: `Yesterday's top items (${d.yesterday.orders} orders, ${money({ amount_minor: d.yesterday.revenue_minor, currency: d.currency })})` }), topBox),
      h("section", { class: "card", "aria-labelledby": "h-acc" },
        h("h2", { id: "h-acc", text: "Forecast error, last 28 days" }), accBox)));
  hourChart(hourBox, d.hours);
  barList(prepBox, d.prep.map((p) => ({ label: p.name, value: p.mean, low: p.p10, high: p.p90, done: p.sold })),
    "No forecast for today yet.", "expected");
  barList(topBox, d.yesterday.top_items.map((t) => ({ label: t.name, value: t.units })), "Nothing sold yesterday.", "sold");
  accuracyChart(accBox, d.accuracy);
}

// ---- Catalog --------------------------------------------------------------

async function drawCatalog() {
  const { data } = await api("GET", "/catalog");
  const rows = data.items.map((i) => {
    const price = h("input", {
      type: "number", min: "0", step: "0.01", inputmode: "decimal",
      value: (i.price.amount_minor / 100).toFixed(2), "aria-label": `Price of ${i.name}${i.size ? ` (${i.size})` : ""}`,
    });
    const available = h("input", { type: "checkbox", checked: i.available, "aria-label": `${i.name}${i.size ? ` (${i.size})` : ""} can be ordered` });
    const status = h("span", { class: "small muted", role: "status" });
    const save = h("button", { type: "button", class: "small", onclick: async () => {
      const minor = Math.round(Number(price.value) * 100);
      if (!Number.isFinite(minor) || minor < 0) {
        status.textContent = "Give a price of 0 or more.";
        return;
      }
      // One change per request, as the API takes them.
      const changes = [];
      if (minor !== i.price.amount_minor) changes.push({ price_minor: minor });
      if (available.checked !== i.available) changes.push({ available: available.checked });
      if (!changes.length) {
        status.textContent = "Nothing to save";
        return;
      }
      save.disabled = true;
      try {
        for (const change of changes) {
          await api("PATCH", `/catalog/items/${encodeURIComponent(i.sku)}`, change, { idempotencyKey: newKey() });
          if ("price_minor" in change) i.price.amount_minor = change.price_minor;
          if ("available" in change) i.available = change.available;
        }
        status.textContent = "Saved";
      } catch (err) {
        status.textContent = err.message;
      }
      save.disabled = false;
    } }, "Save");
    return h("tr", { "data-sku": i.sku },
      h("td", {}, h("strong", { text: i.name }), i.size ? ` (${i.size})` : "", h("div", { class: "muted small", text: `${i.category} · ${i.sku}` })),
      h("td", {}, price),
      h("td", {}, available),
      h("td", {}, save, " ", status));
  });
  page("Menu",
    h("p", { class: "muted", text: "Change a price or take an item off; customers see it at once, on every channel." }),
    h("div", { class: "card" }, h("table", {},
      h("thead", {}, h("tr", {},
        h("th", { scope: "col", text: "Item" }), h("th", { scope: "col", text: "Price" }),
        h("th", { scope: "col", text: "On the menu" }), h("th", { scope: "col", text: "" }))),
      h("tbody", {}, rows))));
}

// ---- Export ---------------------------------------------------------------

function drawExport() {
  const day = (offset) => {
    const d = new Date();
    d.setDate(d.getDate() + offset);
    return d.toISOString().slice(0, 10);
  };
  const from = h("input", { id: "from", type: "date", value: day(-7), required: true });
  const to = h("input", { id: "to", type: "date", value: day(0), required: true });
  const link = h("a", { class: "button primary", download: true }, "Download CSV");
  const update = () => {
    const start = new Date(`${from.value}T00:00:00`);
    const end = new Date(`${to.value}T00:00:00`);
    end.setDate(end.getDate() + 1);
    link.href = `/api/v1/orders/export?placed_from=${encodeURIComponent(start.toISOString())}&placed_before=${encodeURIComponent(end.toISOString())}`;
  };
  from.addEventListener("change", update);
  to.addEventListener("change", update);
  update();
  page("Export orders",
    h("form", { class: "stack", onsubmit: (e) => e.preventDefault() },
      h("div", {}, h("label", { for: "from", text: "From" }), from),
      h("div", {}, h("label", { for: "to", text: "To (included)" }), to),
      h("p", { class: "hint", text: "A CSV file for a spreadsheet: number, times (UTC), customer's first name, lines, total, discount, payment, status; the same file as Discord's /export." }),
      link));
}

// ---- Start ----------------------------------------------------------------

async function logout() {
  try {
    await api("POST", "/auth/logout");
  } finally {
    location.assign("/");
  }
}

async function refresh() {
  await loadOpen();
  if (route()[0] === "board") redrawBoard();
}

async function render() {
  drawNav();
  try {
    switch (route()[0]) {
      case "board": return drawBoard();
      case "today": return await drawToday();
      case "catalog": return await drawCatalog();
      case "export": return drawExport();
      default: return page("Not found", h("p", {}, h("a", { href: "#/board" }, "Back to the orders")));
    }
  } catch (err) {
    if (err.status === 401) return location.assign("/#/login?owner");
    page("Something went wrong", h("p", { class: "alert", role: "alert", text: err.message }));
  }
}

async function start() {
  try {
    ({ data: state.me } = await api("GET", "/me"));
    const { data } = await api("GET", "/auth/csrf");
    setCsrf(data.csrf_token);
    await loadOpen();
  } catch (err) {
    if (err.status === 401) return location.assign("/#/login?owner");
    fill(main, h("p", { class: "alert", role: "alert", text: err.message }));
    return;
  }
  const onOrder = (e) => e.order && upsert(e.order);
  listen({
    "order.placed": (e) => {
      onOrder(e);
      if (e.order) announce(`New order #${e.order.number}.`);
    },
    "order.updated": onOrder,
    "order.status_changed": onOrder,
    "order.cancelled": onOrder,
    "order.message": (e) => {
      if (e.message && state.detail?.number === e.message.order_number && e.message.from === "customer") {
        state.detail.onMessage(e.message);
      }
      if (e.message?.from === "customer") announce(`Message about order #${e.message.order_number}.`);
    },
  }, refresh);
  window.addEventListener("hashchange", render);
  render();
}

start();
