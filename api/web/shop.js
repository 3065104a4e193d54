// The shop for customers: menu, cart, checkout, live order page, messages,
// order history with "order again". Pages are addressed by the URL's
// fragment (#/cart, #/orders/12), so the server serves one page.

import {
  h, fill, api, setCsrf, newKey, money, sum, time, dateTime, statusText,
  badge, listen, announce, conversation,
} from "./common.js";

const main = document.getElementById("main");
const nav = document.getElementById("nav");

const CART_KEY = "chatorder.cart";

const state = {
  me: null,
  catalog: [],
  cart: loadCart(),
  stopListening: null,
  // The order page on screen, if any: its number and a redraw function.
  showing: null,
};

function loadCart() {
  try {
    const raw = JSON.parse(localStorage.getItem(CART_KEY) || "{}");
    return new Map(Object.entries(raw).filter(([, q]) => Number.isInteger(q) && q > 0));
  } catch {
    return new Map();
  }
}

function saveCart() {
  localStorage.setItem(CART_KEY, JSON.stringify(Object.fromEntries(state.cart)));
  drawNav();
}

function item(sku) {
  return state.catalog.find((i) => i.sku === sku);
}

function itemName(i) {
  return i.size ? `${i.name} (${i.size})` : i.name;
}

function cartLines() {
  return [...state.cart]
    .map(([sku, quantity]) => ({ item: item(sku), sku, quantity }))
    .filter((l) => l.item);
}

function cartCount() {
  return cartLines().reduce((n, l) => n + l.quantity, 0);
}

function cartTotal() {
  const lines = cartLines();
  const currency = lines[0]?.item.price.currency || state.catalog[0]?.price.currency || "USD";
  return sum(lines.map((l) => ({ amount_minor: l.item.price.amount_minor * l.quantity })), currency);
}

function route() {
  const [path, query] = (location.hash.replace(/^#/, "") || "/").split("?");
  return { parts: path.split("/").filter(Boolean), params: new URLSearchParams(query || "") };
}

function drawNav() {
  const here = route().parts[0] || "";
  const link = (href, text, name) =>
    h("a", { href, "aria-current": here === name ? "page" : false }, text);
  const count = cartCount();
  fill(
    nav,
    link("#/", "Menu", ""),
    link("#/cart", count ? `Cart (${count})` : "Cart", "cart"),
    state.me ? link("#/orders", "My orders", "orders") : null,
    state.me
      ? h("button", { type: "button", onclick: logout }, "Log out")
      : link("#/login", "Log in", "login"),
  );
}

function page(title, ...content) {
  document.title = `${title} · ${document.querySelector(".brand span").textContent}`;
  fill(main, h("h1", { text: title }), ...content);
  main.focus({ preventScroll: true });
}

function alertBox() {
  return h("div", { class: "alert", role: "alert" });
}

// ---- Menu -----------------------------------------------------------------

function drawMenu() {
  const byCategory = new Map();
  for (const i of state.catalog) {
    if (!byCategory.has(i.category)) byCategory.set(i.category, new Map());
    const names = byCategory.get(i.category);
    if (!names.has(i.name)) names.set(i.name, []);
    names.get(i.name).push(i);
  }
  const sections = [...byCategory].map(([category, names], n) =>
    h("section", { "aria-labelledby": `cat-${n}` },
      h("h2", { id: `cat-${n}`, class: "menu-category", text: category }),
      h("ul", { class: "grid", role: "list" },
        [...names].map(([name, sizes]) => {
          const off = sizes.every((s) => !s.available);
          return h("li", { class: `card item${off ? " off" : ""}` },
            h("h3", { text: name }),
            h("div", { class: "sizes" },
              sizes.map((s) => h("button", {
                type: "button",
                class: "small",
                disabled: !s.available,
                onclick: () => add(s.sku),
              },
              h("span", { class: "visually-hidden", text: s.available ? `Add ${name} ` : `${name} ` }),
              s.available ? `${s.size ? `${s.size} · ` : ""}${money(s.price)}` : `${s.size ? `${s.size} ` : ""}sold out`))));
        }))));
  const count = cartCount();
  page("Menu",
    state.catalog.length ? sections : h("p", { class: "muted", text: "The menu is empty right now." }),
    count ? h("div", { class: "cart-bar" },
      h("span", {}, `${count} in your cart · `, h("strong", { text: money(cartTotal()) })),
      h("a", { class: "button primary", href: "#/cart" }, "View cart")) : null);
}

function add(sku) {
  state.cart.set(sku, (state.cart.get(sku) || 0) + 1);
  saveCart();
  const i = item(sku);
  announce(`Added ${itemName(i)}. ${cartCount()} in your cart.`);
  if (route().parts.length === 0) {
    const y = window.scrollY;
    drawMenu();
    window.scrollTo(0, y);
  }
}

// ---- Cart -----------------------------------------------------------------

function drawCart() {
  const lines = cartLines();
  if (!lines.length) {
    page("Your cart", h("p", {}, "Your cart is empty. ", h("a", { href: "#/" }, "See the menu"), "."));
    return;
  }
  const setQty = (sku, qty) => {
    if (qty <= 0) state.cart.delete(sku);
    else state.cart.set(sku, Math.min(qty, 99));
    saveCart();
    drawCart();
    announce(qty <= 0 ? "Removed." : `Quantity ${qty}.`);
  };
  page("Your cart",
    h("div", { class: "card" },
      h("table", {},
        h("caption", { class: "visually-hidden", text: "Items in your cart" }),
        h("thead", {}, h("tr", {},
          h("th", { scope: "col", text: "Item" }),
          h("th", { scope: "col", text: "Quantity" }),
          h("th", { scope: "col", class: "num", text: "Price" }))),
        h("tbody", {}, lines.map((l) => h("tr", {},
          h("td", {}, itemName(l.item), l.item.available ? null : h("div", { class: "hint", text: "Sold out: remove it to order" })),
          h("td", {}, h("span", { class: "qty" },
            h("button", { type: "button", "aria-label": `One fewer ${itemName(l.item)}`, onclick: () => setQty(l.sku, l.quantity - 1) }, "−"),
            h("output", { "aria-label": `Quantity of ${itemName(l.item)}`, text: l.quantity }),
            h("button", { type: "button", "aria-label": `One more ${itemName(l.item)}`, onclick: () => setQty(l.sku, l.quantity + 1) }, "+"))),
          h("td", { class: "num", text: money({ amount_minor: l.item.price.amount_minor * l.quantity, currency: l.item.price.currency }) })))),
        h("tfoot", {}, h("tr", {},
          h("td", { colspan: 2, text: "Total" }),
          h("td", { class: "num", text: money(cartTotal()) }))))),
    h("div", { class: "row spread" },
      h("a", { href: "#/" }, "Add more"),
      h("a", { class: "button primary", href: state.me ? "#/checkout" : "#/login?next=checkout" },
        state.me ? "Checkout" : "Log in to check out")));
}

// ---- Checkout -------------------------------------------------------------

/// "Sat 5 Dec, 12:30" in the shop's zone.
function shopTime(iso, zone) {
  return new Intl.DateTimeFormat(undefined, {
    weekday: "short", day: "numeric", month: "short", hour: "2-digit", minute: "2-digit", timeZone: zone,
  }).format(new Date(iso));
}

/// The "when" field: as soon as possible while open, or a time in the
/// next opening (the shop's hours; the order worker checks the time).
function whenField(hours) {
  const select = h("select", { id: "when", name: "when" });
  if (hours.open) select.append(h("option", { value: "", text: "As soon as possible" }));
  for (const t of hours.times) select.append(h("option", { value: t, text: shopTime(t, hours.time_zone) }));
  let hint = "";
  if (!hours.open) {
    hint = hours.opens_at
      ? `We're closed now; we open again ${shopTime(hours.opens_at, hours.time_zone)}. You can order now for a time then.`
      : "We're closed, and no opening is planned yet.";
  }
  return {
    select,
    row: h("div", {},
      h("label", { for: "when", text: "When should it be ready?" }), select,
      hint ? h("div", { class: "hint", id: "when-hint", text: hint }) : null),
  };
}

async function drawCheckout() {
  if (!state.me) return go("#/login?next=checkout");
  const lines = cartLines();
  if (!lines.length) return go("#/cart");
  const hours = (await api("GET", "/shop/hours")).data;
  const when = whenField(hours);
  const key = newKey();
  const error = alertBox();
  const address = h("input", { id: "address", name: "address", autocomplete: "street-address" });
  const addressRow = h("div", { hidden: true },
    h("label", { for: "address", text: "Delivery address" }), address);
  const choose = (e) => {
    const delivery = e.target.value === "delivery";
    addressRow.hidden = !delivery;
    address.required = delivery;
  };
  const phone = h("input", { id: "phone", name: "phone", type: "tel", autocomplete: "tel", value: state.me.phone || "" });
  const note = h("textarea", { id: "note", name: "note", maxlength: 500 });
  const submit = h("button", { type: "submit", class: "primary" }, `Place order · ${money(cartTotal())}`);
  const form = h("form", { class: "stack", novalidate: true, onsubmit: async (e) => {
    e.preventDefault();
    error.textContent = "";
    const delivery = form.elements.how.value === "delivery";
    if (delivery && !address.value.trim()) {
      error.textContent = "Please give the delivery address.";
      address.focus();
      return;
    }
    submit.disabled = true;
    try {
      const body = {
        lines: cartLines().map((l) => ({ sku: l.sku, quantity: l.quantity })),
        fulfilment: delivery ? { type: "delivery", address: address.value.trim() } : { type: "pickup" },
        phone: phone.value.trim() || undefined,
        note: note.value.trim() || undefined,
        scheduled_for: when.select.value || undefined,
      };
      const { status, data } = await api("POST", "/orders", body, { idempotencyKey: key });
      state.cart.clear();
      saveCart();
      if (status === 201) go(`#/orders/${data.number}`);
      else {
        announce("Your order is queued; it appears in your orders in a moment.");
        go("#/orders");
      }
    } catch (err) {
      error.textContent = err.message;
      submit.disabled = false;
    }
  } },
    h("fieldset", {},
      h("legend", { text: "How do you get it?" }),
      h("label", { class: "choice" }, h("input", { type: "radio", name: "how", value: "pickup", checked: true, onchange: choose }), "Pickup at the shop"),
      h("label", { class: "choice" }, h("input", { type: "radio", name: "how", value: "delivery", onchange: choose }), "Delivery")),
    addressRow,
    when.row,
    h("div", {}, h("label", { for: "phone", text: "Phone" }), phone,
      h("div", { class: "hint", text: "Needed for a delivery, so the courier can call." })),
    h("div", {}, h("label", { for: "note", text: "Note for the shop (optional)" }), note),
    error,
    submit);
  page("Checkout",
    h("div", { class: "card" },
      h("h2", { text: "Your order" }),
      h("ul", {}, lines.map((l) => h("li", {}, `${l.quantity} × ${itemName(l.item)}`))),
      h("p", {}, "Total: ", h("strong", { text: money(cartTotal()) }),
        h("span", { class: "muted small", text: " (prices from the menu; pay at pickup or delivery)" }))),
    form);
}

// ---- Orders ---------------------------------------------------------------

async function drawOrders() {
  if (!state.me) return go("#/login?next=orders");
  const { data } = await api("GET", "/orders?limit=50");
  if (!data.orders.length) {
    page("My orders", h("p", {}, "No orders yet. ", h("a", { href: "#/" }, "See the menu"), "."));
    return;
  }
  page("My orders", h("ul", { class: "stack", role: "list" }, data.orders.map((o) =>
    h("li", { class: "card" },
      h("div", { class: "row spread" },
        h("a", { href: `#/orders/${o.number}` }, h("strong", { text: `Order #${o.number}` })),
        badge(o.status)),
      h("p", { class: "muted small", text: `${dateTime(o.placed_at)} · ${o.lines.map((l) => `${l.quantity} × ${l.name}`).join(", ")}` }),
      h("div", { class: "row spread" },
        h("strong", { text: money(o.total) }),
        h("button", { type: "button", class: "small", onclick: () => orderAgain(o) }, `Order #${o.number} again`))))));
}

function orderAgain(order) {
  let skipped = 0;
  for (const line of order.lines) {
    const i = item(line.sku);
    if (i && i.available) state.cart.set(line.sku, (state.cart.get(line.sku) || 0) + line.quantity);
    else skipped += 1;
  }
  saveCart();
  go("#/cart");
  announce(skipped ? `Added to your cart; ${skipped} item(s) are no longer on the menu.` : "Added to your cart.");
}

const STEPS = ["pending", "accepted", "preparing", "ready", "completed"];

async function drawOrder(number) {
  if (!state.me) return go(`#/login?next=orders/${number}`);
  let order;
  try {
    ({ data: order } = await api("GET", `/orders/${number}`));
  } catch (err) {
    page("Order not found", h("p", { text: err.message }), h("a", { href: "#/orders" }, "Your orders"));
    return;
  }
  const { data: talk } = await api("GET", `/orders/${number}/messages`);
  const statusBox = h("div", { id: "order-status" });
  const drawStatus = () => {
    const delivery = order.fulfilment.type === "delivery";
    const steps = delivery ? [...STEPS.slice(0, 4), "out_for_delivery", "completed"] : STEPS;
    const at = steps.indexOf(order.status);
    fill(statusBox,
      h("p", {}, "Status: ", h("strong", { class: `badge ${order.status}`, "data-status": order.status, text: statusText(order.status) })),
      at >= 0 ? h("ol", { class: "steps", "aria-label": "Progress" }, steps.map((s, i) =>
        h("li", { class: `${i <= at ? "done" : ""}${i === at ? " now" : ""}`, "aria-current": i === at ? "step" : false, text: statusText(s) }))) : null,
      order.customer_may_cancel ? h("button", { type: "button", class: "danger", onclick: cancel }, "Cancel this order") : null);
  };
  const cancel = async () => {
    if (!confirm(`Cancel order #${number}?`)) return;
    try {
      const { data } = await api("DELETE", `/orders/${number}`, undefined, { ifMatch: order.version, idempotencyKey: newKey() });
      if (data && data.number) order = data;
      drawStatus();
    } catch (err) {
      announce(err.message);
      alert(err.message);
    }
  };
  const talkBox = conversation({
    number,
    messages: talk.messages,
    me: "customer",
    fieldId: "message",
    label: "Write to the shop",
    listLabel: "Messages with the shop",
  });
  drawStatus();
  page(`Order #${order.number}`,
    h("div", { class: "card" }, statusBox),
    h("div", { class: "card" },
      h("table", {},
        h("caption", { class: "visually-hidden", text: "What you ordered" }),
        h("tbody", {}, order.lines.map((l) => h("tr", {},
          h("td", { text: `${l.quantity} × ${l.name}` }),
          h("td", { class: "num", text: money(l.line_total) })))),
        h("tfoot", {}, h("tr", {}, h("td", { text: "Total" }), h("td", { class: "num", text: money(order.total) })))),
      h("p", { class: "muted small", text: order.fulfilment.type === "delivery" ? `Delivery to ${order.fulfilment.address}` : "Pickup at the shop" }),
      order.scheduled_for ? h("p", { id: "ready-for", text: `Ready for ${dateTime(order.scheduled_for)}` }) : null,
      order.note ? h("p", { class: "note-text" }, h("span", { class: "muted", text: "Your note: " }), order.note) : null),
    h("section", { class: "card", "aria-labelledby": "talk" },
      h("h2", { id: "talk", text: "Messages" }), talkBox.list, talkBox.form));
  state.showing = {
    number: order.number,
    onOrder(o) {
      if (o.version < order.version) return;
      const changed = o.status !== order.status;
      order = o;
      drawStatus();
      if (changed) announce(`Order #${o.number}: ${statusText(o.status)}`);
    },
    onMessage(m) {
      talkBox.add(m);
      if (m.from === "owner") announce("New message from the shop.");
    },
  };
}

// ---- Accounts -------------------------------------------------------------

function drawLogin(params) {
  const error = alertBox();
  const email = h("input", { id: "email", type: "email", autocomplete: "email", required: true });
  const password = h("input", { id: "password", type: "password", autocomplete: "current-password", required: true });
  const form = h("form", { class: "stack", onsubmit: async (e) => {
    e.preventDefault();
    error.textContent = "";
    try {
      await logIn(email.value.trim(), password.value, params.get("next"), params.has("owner"));
    } catch (err) {
      error.textContent = err.message;
    }
  } },
    h("div", {}, h("label", { for: "email", text: "E-mail" }), email),
    h("div", {}, h("label", { for: "password", text: "Password" }), password),
    error,
    h("button", { type: "submit", class: "primary" }, "Log in"),
    h("p", {}, "New here? ", h("a", { href: `#/register${params.get("next") ? `?next=${params.get("next")}` : ""}` }, "Make an account"), "."));
  page(params.has("owner") ? "Log in to run the shop" : "Log in", form);
}

async function logIn(email, password, next, owner) {
  const { data } = await api("POST", "/auth/login", { email, password, cookie: true });
  setCsrf(data.csrf_token);
  state.me = data.account;
  if (state.me.role === "owner") {
    location.assign("/owner/");
    return;
  }
  if (owner) announce("This login is a customer's; the dashboard is for the shop's owners.");
  startListening();
  go(next ? `#/${next}` : "#/");
}

function drawRegister(params) {
  const error = alertBox();
  const field = (id, label, props, hint) => h("div", {},
    h("label", { for: id, text: label }), h("input", { id, name: id, ...props }),
    hint ? h("div", { class: "hint", id: `${id}-hint`, text: hint }) : null);
  const form = h("form", { class: "stack", onsubmit: async (e) => {
    e.preventDefault();
    error.textContent = "";
    const v = (id) => form.elements[id].value.trim();
    try {
      await api("POST", "/auth/register", {
        name: v("name"), email: v("email"), password: form.elements.password.value,
        phone: v("phone") || undefined,
      }, { idempotencyKey: newKey() });
      await logIn(v("email"), form.elements.password.value, params.get("next"), false);
    } catch (err) {
      error.textContent = err.message;
    }
  } },
    field("name", "Your name", { autocomplete: "name", required: true }),
    field("email", "E-mail", { type: "email", autocomplete: "email", required: true }),
    field("password", "Password", { type: "password", autocomplete: "new-password", required: true, minlength: 10, "aria-describedby": "password-hint" }, "At least 10 characters."),
    field("phone", "Phone (optional)", { type: "tel", autocomplete: "tel" }),
    error,
    h("button", { type: "submit", class: "primary" }, "Make my account"));
  page("Make an account", form);
}

async function logout() {
  try {
    await api("POST", "/auth/logout");
  } catch {
    // Logged out already.
  }
  state.me = null;
  setCsrf(null);
  if (state.stopListening) state.stopListening();
  state.stopListening = null;
  go("#/");
}

// ---- Live updates ---------------------------------------------------------

function startListening() {
  if (state.stopListening) return;
  const onOrder = (e) => {
    if (e.order && state.showing?.number === e.order.number) state.showing.onOrder(e.order);
    if (e.order && route().parts[0] === "orders" && route().parts.length === 1) render();
  };
  state.stopListening = listen({
    "order.placed": onOrder,
    "order.updated": onOrder,
    "order.status_changed": onOrder,
    "order.cancelled": onOrder,
    "order.message": (e) => {
      if (e.message && state.showing?.number === e.message.order_number && e.message.from === "owner") {
        state.showing.onMessage(e.message);
      }
    },
    "catalog.changed": () => loadCatalog().then(() => route().parts.length === 0 && render()),
  }, () => render());
}

// ---- Start ----------------------------------------------------------------

function go(hash) {
  if (location.hash === hash) render();
  else location.hash = hash;
}

async function loadCatalog() {
  const { data } = await api("GET", "/catalog");
  state.catalog = data.items;
}

async function render() {
  state.showing = null;
  drawNav();
  const { parts, params } = route();
  try {
    switch (parts[0]) {
      case undefined: return drawMenu();
      case "cart": return drawCart();
      case "checkout": return drawCheckout();
      case "orders": return parts[1] ? await drawOrder(parts[1]) : await drawOrders();
      case "login": return drawLogin(params);
      case "register": return drawRegister(params);
      default: return page("Not found", h("p", {}, "There is no such page. ", h("a", { href: "#/" }, "See the menu"), "."));
    }
  } catch (err) {
    if (err.status === 401) {
      state.me = null;
      return go(`#/login?next=${parts.join("/")}`);
    }
    page("Something went wrong", h("p", { class: "alert", role: "alert", text: err.message }),
      h("button", { type: "button", onclick: render }, "Try again"));
  }
}

async function start() {
  try {
    const { data } = await api("GET", "/me");
    state.me = data;
    const { data: c } = await api("GET", "/auth/csrf");
    setCsrf(c.csrf_token);
  } catch {
    state.me = null;
  }
  try {
    await loadCatalog();
  } catch (err) {
    fill(main, h("p", { class: "alert", role: "alert", text: err.message }));
    return;
  }
  if (state.me?.role === "customer") startListening();
  window.addEventListener("hashchange", render);
  render();
}

start();
