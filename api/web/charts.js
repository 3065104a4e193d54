// Small SVG charts for the dashboard, drawn from the API's numbers. Each
// chart has a text alternative (a table behind "Show the numbers") and
// marks its bars and points with the values they stand for.

import { h } from "/assets/common.js";

const NS = "http://www.w3.org/2000/svg";

function svg(tag, attrs = {}, ...children) {
  const el = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v !== undefined && v !== null) el.setAttribute(k, String(v));
  }
  for (const c of children) {
    if (c === null || c === undefined) continue;
    el.appendChild(typeof c === "string" ? document.createTextNode(c) : c);
  }
  return el;
}

function niceMax(x) {
  if (x <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(x));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * p >= x) return m * p;
  return 10 * p;
}

function numbers(caption, head, rows) {
  return h("details", { class: "small" },
    h("summary", { text: "Show the numbers" }),
    h("table", {},
      h("caption", { class: "visually-hidden", text: caption }),
      h("thead", {}, h("tr", {}, head.map((t) => h("th", { scope: "col", text: t })))),
      h("tbody", {}, rows.map((r) => h("tr", {}, r.map((c) => h("td", { text: c })))))));
}

/** Items sold per hour today (bars) against the forecast's expected value
 * (line) and its 80% range (band). `hours`: [{hour, actual_units,
 * actual_orders, forecast: {mean, p10, p90} | null}]. */
export function hourChart(box, hours) {
  const shown = hours.filter((x) => x.actual_units > 0 || (x.forecast && x.forecast.p90 > 0));
  const first = shown.length ? Math.min(...shown.map((x) => x.hour)) : 8;
  const last = shown.length ? Math.max(...shown.map((x) => x.hour)) : 22;
  const span = hours.filter((x) => x.hour >= first && x.hour <= last);
  const top = niceMax(Math.max(1, ...span.map((x) => Math.max(x.actual_units, x.forecast ? x.forecast.p90 : 0, x.forecast ? x.forecast.mean : 0))));
  const W = 560, H = 240, L = 36, B = 24, T = 10, R = 8;
  const cw = (W - L - R) / Math.max(1, span.length);
  const y = (v) => T + (H - T - B) * (1 - v / top);
  const x = (i) => L + i * cw;
  const sold = span.reduce((n, s) => n + s.actual_units, 0);
  const expected = span.reduce((n, s) => n + (s.forecast ? s.forecast.mean : 0), 0);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `Items sold per hour today: ${sold} so far, against about ${Math.round(expected)} expected for the whole day.` });
  for (const f of [0, 0.5, 1]) {
    chart.append(svg("line", { class: "axis", x1: L, x2: W - R, y1: y(top * f), y2: y(top * f) }),
      svg("text", { x: L - 6, y: y(top * f) + 4, "text-anchor": "end" }, String(Math.round(top * f))));
  }
  // The band and the line join the hours' centres; an hour the forecast
  // expects nothing of is a zero, not a gap to draw across.
  const withForecast = span.map((s, i) => ({ s, i })).filter(({ s }) => s.forecast);
  const NONE = { mean: 0, p10: 0, p90: 0 };
  const expectedAt = (s) => s.forecast || NONE;
  if (withForecast.length) {
    const upper = span.map((s, i) => `${x(i) + cw / 2},${y(expectedAt(s).p90)}`);
    const lower = span.map((s, i) => `${x(i) + cw / 2},${y(expectedAt(s).p10)}`).reverse();
    chart.append(svg("polygon", { class: "band", points: [...upper, ...lower].join(" ") }));
  }
  span.forEach((s, i) => {
    const bar = svg("rect", {
      class: "bar", x: x(i) + cw * 0.2, width: cw * 0.6, y: y(s.actual_units),
      height: Math.max(0, y(0) - y(s.actual_units)), "data-hour": s.hour, "data-value": s.actual_units,
    }, svg("title", {}, `${String(s.hour).padStart(2, "0")}:00 — ${s.actual_units} sold${s.forecast ? `, ${s.forecast.mean.toFixed(1)} expected (${s.forecast.p10}–${s.forecast.p90})` : ""}`));
    chart.append(bar);
    if (i % 2 === 0 || span.length <= 12) {
      chart.append(svg("text", { x: x(i) + cw / 2, y: H - 6, "text-anchor": "middle" }, String(s.hour).padStart(2, "0")));
    }
  });
  if (withForecast.length) {
    chart.append(svg("polyline", {
      class: "line",
      points: span.map((s, i) => `${x(i) + cw / 2},${y(expectedAt(s).mean)}`).join(" "),
    }));
    withForecast.forEach(({ s, i }) => chart.append(svg("circle", {
      class: "point", cx: x(i) + cw / 2, cy: y(s.forecast.mean), r: 3,
      "data-hour": s.hour, "data-value": s.forecast.mean,
    })));
  }
  box.replaceChildren(
    h("div", { class: "legend" },
      h("span", {}, h("span", { class: "key bar" }), "sold"),
      h("span", {}, h("span", { class: "key line" }), "expected"),
      h("span", {}, h("span", { class: "key band" }), "likely range (80%)")),
    chart,
    numbers("Items per hour", ["Hour", "Sold", "Orders", "Expected", "Likely range"],
      span.map((s) => [`${String(s.hour).padStart(2, "0")}:00`, s.actual_units, s.actual_orders,
        s.forecast ? s.forecast.mean.toFixed(1) : "—", s.forecast ? `${s.forecast.p10}–${s.forecast.p90}` : "—"])));
}

/** Horizontal bars, one per row: `{label, value, low?, high?, done?}`. */
export function barList(box, rows, empty, what) {
  if (!rows.length) {
    box.replaceChildren(h("p", { class: "muted", text: empty }));
    return;
  }
  const shown = rows.slice(0, 12);
  const top = niceMax(Math.max(...shown.map((r) => Math.max(r.value, r.high || 0, r.done || 0))));
  const W = 560, rowH = 26, L = 190, R = 60;
  const H = shown.length * rowH + 6;
  const x = (v) => L + (W - L - R) * (v / top);
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `${shown.map((r) => `${r.label}: ${fmt(r.value)}`).join("; ")}` });
  shown.forEach((r, i) => {
    const yy = i * rowH + 4;
    const label = r.label.length > 28 ? `${r.label.slice(0, 27)}…` : r.label;
    chart.append(svg("text", { x: L - 8, y: yy + rowH / 2 + 2, "text-anchor": "end" }, label));
    chart.append(svg("rect", { class: "bar", x: L, y: yy + 4, height: rowH - 10, width: Math.max(1, x(r.value) - L), "data-label": r.label, "data-value": r.value },
      svg("title", {}, `${r.label}: ${fmt(r.value)} ${what}${r.low !== undefined ? ` (likely ${r.low}–${r.high})` : ""}`)));
    if (r.low !== undefined) {
      chart.append(svg("line", { class: "line", x1: x(r.low), x2: x(r.high), y1: yy + rowH / 2 - 1, y2: yy + rowH / 2 - 1 }));
    }
    chart.append(svg("text", { x: Math.max(x(r.value), r.high !== undefined ? x(r.high) : 0) + 6, y: yy + rowH / 2 + 2 }, fmt(r.value)));
  });
  const head = ["Item", what[0].toUpperCase() + what.slice(1)];
  if (rows[0].low !== undefined) head.push("Likely range", "Sold so far");
  box.replaceChildren(chart, numbers(what, head, rows.map((r) => {
    const cells = [r.label, fmt(r.value)];
    if (r.low !== undefined) cells.push(`${r.low}–${r.high}`, r.done ?? 0);
    return cells;
  })));
}

function fmt(v) {
  return Number.isInteger(v) ? String(v) : v.toFixed(1);
}

/** The item-day error (WAPE) of each settled day: lower is better. */
export function accuracyChart(box, days) {
  if (!days.length) {
    box.replaceChildren(h("p", { class: "muted", text: "No settled forecast yet: a day's error is known the morning after." }));
    return;
  }
  const W = 560, H = 200, L = 40, B = 24, T = 10, R = 8;
  const top = Math.max(0.5, niceMax(Math.max(...days.map((d) => d.item_day_wape))));
  const x = (i) => L + (W - L - R) * (days.length === 1 ? 0.5 : i / (days.length - 1));
  const y = (v) => T + (H - T - B) * (1 - v / top);
  const mean = days.reduce((n, d) => n + d.item_day_wape, 0) / days.length;
  const chart = svg("svg", { viewBox: `0 0 ${W} ${H}`, role: "img", "aria-label": `Forecast error over ${days.length} days: ${Math.round(mean * 100)}% on average.` });
  for (const f of [0, 0.5, 1]) {
    chart.append(svg("line", { class: "axis", x1: L, x2: W - R, y1: y(top * f), y2: y(top * f) }),
      svg("text", { x: L - 6, y: y(top * f) + 4, "text-anchor": "end" }, `${Math.round(top * f * 100)}%`));
  }
  chart.append(svg("polyline", { class: "line", points: days.map((d, i) => `${x(i)},${y(d.item_day_wape)}`).join(" ") }));
  days.forEach((d, i) => chart.append(svg("circle", {
    class: "point", cx: x(i), cy: y(d.item_day_wape), r: 3.5, "data-day": d.day, "data-value": d.item_day_wape,
  }, svg("title", {}, `${d.day}: ${Math.round(d.item_day_wape * 100)}% (${Math.round(d.forecast_units)} expected, ${d.actual_units} sold)`))));
  chart.append(svg("text", { x: L, y: H - 6 }, days[0].day), svg("text", { x: W - R, y: H - 6, "text-anchor": "end" }, days[days.length - 1].day));
  box.replaceChildren(
    h("p", { class: "small muted", text: `Average error ${Math.round(mean * 100)}% of units (item-day WAPE; lower is better).` }),
    chart,
    numbers("Forecast error per day", ["Day", "Error", "Expected", "Sold"],
      days.map((d) => [d.day, `${Math.round(d.item_day_wape * 100)}%`, Math.round(d.forecast_units), d.actual_units])));
}
