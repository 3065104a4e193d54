// Shared by the shop and the dashboard: building the page (always as text,
// never as HTML), calling the API with the login cookie and its CSRF token,
// and formatting money, times and statuses.

/** Makes an element. `props`: attributes, `text`, `class`, and `on<event>`
 * handlers; children: nodes, strings (as text) or arrays of them. */
export function h(tag, props = {}, ...children) {
  const el = document.createElement(tag);
  for (const [key, value] of Object.entries(props || {})) {
    if (value === undefined || value === null || value === false) continue;
    if (key === "text") el.textContent = String(value);
    else if (key === "class") el.className = value;
    else if (key.startsWith("on") && typeof value === "function") {
      el.addEventListener(key.slice(2), value);
    } else if (value === true) el.setAttribute(key, "");
    else el.setAttribute(key, String(value));
  }
  append(el, children);
  return el;
}

function append(el, children) {
  for (const child of children) {
    if (child === undefined || child === null || child === false) continue;
    if (Array.isArray(child)) append(el, child);
    else if (child instanceof Node) el.appendChild(child);
    else el.appendChild(document.createTextNode(String(child)));
  }
}

/** Replaces everything inside `el`. */
export function fill(el, ...children) {
  el.replaceChildren();
  append(el, children);
  return el;
}

let csrf = null;

/** Remembers the login's CSRF token (from log-in or GET /auth/csrf). */
export function setCsrf(token) {
  csrf = token;
}

/** An error the API answered, with its human detail. */
export class ApiError extends Error {
  constructor(status, problem) {
    super(problem?.detail || problem?.title || `The shop answered ${status}.`);
    this.status = status;
    this.problem = problem || {};
  }
}

/** Calls the API at the same origin; answers the parsed body. Changes carry
 * the CSRF token; `idempotencyKey` makes a retried change safe. */
export async function api(method, path, body, { idempotencyKey, ifMatch } = {}) {
  const headers = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (method !== "GET" && csrf) headers["X-CSRF-Token"] = csrf;
  if (idempotencyKey) headers["Idempotency-Key"] = idempotencyKey;
  if (ifMatch !== undefined) headers["If-Match"] = `"${ifMatch}"`;
  let response;
  try {
    response = await fetch(`/api/v1${path}`, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: "same-origin",
    });
  } catch {
    throw new ApiError(0, { detail: "The shop can't be reached. Check your connection and try again." });
  }
  const type = response.headers.get("Content-Type") || "";
  const data = type.includes("json") ? await response.json().catch(() => null) : null;
  if (!response.ok) throw new ApiError(response.status, data);
  return { status: response.status, data, headers: response.headers };
}

/** A fresh id for an Idempotency-Key. */
export function newKey() {
  return crypto.randomUUID();
}

const digitsOf = new Map();

/** Money from minor units, in the page's language. */
export function money(m) {
  if (!m) return "";
  let digits = digitsOf.get(m.currency);
  if (digits === undefined) {
    digits = new Intl.NumberFormat("en", { style: "currency", currency: m.currency })
      .resolvedOptions().maximumFractionDigits;
    digitsOf.set(m.currency, digits);
  }
  return new Intl.NumberFormat(undefined, { style: "currency", currency: m.currency })
    .format(m.amount_minor / 10 ** digits);
}

/** Sums money of one currency. */
export function sum(amounts, currency) {
  return { amount_minor: amounts.reduce((a, m) => a + m.amount_minor, 0), currency };
}

export function time(iso) {
  return new Date(iso).toLocaleTimeString(undefined, { hour: "2-digit", minute: "2-digit" });
}

export function dateTime(iso) {
  return new Date(iso).toLocaleString(undefined, {
    day: "numeric", month: "short", hour: "2-digit", minute: "2-digit",
  });
}

const STATUS = {
  pending: "Waiting for the shop",
  accepted: "Accepted",
  rejected: "Rejected",
  preparing: "Being prepared",
  ready: "Ready",
  out_for_delivery: "Out for delivery",
  completed: "Completed",
  cancelled: "Cancelled",
};

/** A status in words. */
export function statusText(status) {
  return STATUS[status] || status;
}

/** What an owner's button says for a move to `status`. */
export function moveText(status) {
  return {
    accepted: "Accept",
    rejected: "Reject",
    preparing: "Preparing",
    ready: "Ready",
    out_for_delivery: "Out for delivery",
    completed: "Complete",
    cancelled: "Cancel",
  }[status] || status;
}

export function badge(status) {
  return h("span", { class: `badge ${status}`, text: statusText(status) });
}

export const FINAL = ["rejected", "completed", "cancelled"];

/** Listens to the live event stream; reconnects with a growing pause, and
 * calls `onReconnect` so the page can catch up on what it missed. */
export function listen(handlers, onReconnect) {
  let source;
  let pause = 1000;
  let opened = false;
  const open = () => {
    source = new EventSource("/api/v1/events");
    source.addEventListener("ready", () => {
      if (opened && onReconnect) onReconnect();
      opened = true;
      pause = 1000;
    });
    for (const [name, handle] of Object.entries(handlers)) {
      source.addEventListener(name, (e) => {
        try {
          handle(JSON.parse(e.data));
        } catch (err) {
          console.warn("could not read an event", err);
        }
      });
    }
    source.addEventListener("lagged", () => onReconnect && onReconnect());
    source.onerror = () => {
      source.close();
      setTimeout(open, pause);
      pause = Math.min(pause * 2, 30000);
    };
  };
  open();
  return () => source.close();
}

/** The messages about an order and a box to write one, as `me`
 * ("customer" or "owner") sees them. Answers the list, the form and
 * `add(message)` for messages that arrive on the event stream. */
export function conversation({ number, messages, me, fieldId, label, listLabel, buttons = [] }) {
  const them = me === "owner" ? "Customer" : "Shop";
  const list = h("ul", { class: "messages", "aria-label": listLabel });
  const draw = () => fill(list, messages.length ? messages.map((m) =>
    h("li", { class: m.from === me ? "mine" : "" },
      h("span", { class: "visually-hidden", text: m.from === me ? "You: " : `${them}: ` }),
      m.text,
      h("span", { class: "when", text: `${m.from === me ? "You" : them} · ${time(m.sent_at)}` })))
    : [h("li", { class: "muted", text: "No messages yet." })]);
  const text = h("textarea", { id: fieldId, name: fieldId, maxlength: 1000, required: true });
  const error = h("div", { class: "alert", role: "alert" });
  const form = h("form", { class: "stack", onsubmit: async (e) => {
    e.preventDefault();
    const body = text.value.trim();
    if (!body) return;
    error.textContent = "";
    try {
      await api("POST", `/orders/${number}/messages`, { text: body }, { idempotencyKey: newKey() });
      text.value = "";
      messages.push({ from: me, text: body, sent_at: new Date().toISOString() });
      draw();
    } catch (err) {
      error.textContent = err.message;
    }
  } },
  h("label", { for: fieldId, text: label }), text, error,
  h("div", { class: "row" }, h("button", { type: "submit", class: "primary" }, "Send"), buttons));
  draw();
  return {
    list,
    form,
    add(m) {
      messages.push(m);
      draw();
    },
  };
}

/** Tells screen-reader users (and everyone, briefly) what just happened. */
export function announce(text) {
  const live = document.getElementById("live");
  if (live) live.textContent = text;
}
