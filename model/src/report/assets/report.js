// cowtrie check report: draws the violation's timeline from the JSON data in
// #report-data. Time is ordinal: one column per distinct call or return tick.
"use strict";
(function () {
  const node = document.getElementById("report-data");
  if (!node) return;
  const data = JSON.parse(node.textContent);
  const NS = "http://www.w3.org/2000/svg";
  const svg = document.getElementById("timeline");
  const details = document.getElementById("details");
  const events = data.events;
  const ROLE = {
    context: ["context", "an earlier operation the explanation cites (outside the window)"],
    window: ["window", "in the window"],
    culprit: ["cannot be ordered", "blamed: no order of the window explains every result, and its return is where that first happens"],
    elsewhere: ["other key", "a write to another key that overlapped the erased write"],
  };

  // The legend.
  const legend = document.getElementById("legend");
  const roles = new Set(events.map((e) => e.role));
  const swatch = { context: "#d9d9d9", window: "#9cc2ee", culprit: "#ef8a84", elsewhere: "#f6d98f" };
  for (const role of ["window", "culprit", "context", "elsewhere"]) {
    if (!roles.has(role)) continue;
    const item = document.createElement("span");
    item.innerHTML = '<span class="swatch"></span>';
    item.firstChild.style.background = swatch[role];
    item.append(ROLE[role][0] + ": " + ROLE[role][1]);
    legend.append(item);
  }
  if (events.some((e) => e.ret === null)) {
    const item = document.createElement("span");
    item.innerHTML = '<span class="swatch" style="border-style:dashed"></span>never returned';
    legend.append(item);
  }

  // Columns: every distinct tick, in order; open operations run one column past the end.
  const ticks = [...new Set(events.flatMap((e) => (e.ret === null ? [e.call] : [e.call, e.ret])))]
    .sort((a, b) => a - b);
  const col = new Map(ticks.map((t, i) => [t, i]));
  const axisName = new Map();
  for (const e of events) {
    axisName.set(e.call, e.at[0]);
    if (e.ret !== null) axisName.set(e.ret, e.at[1]);
  }
  const openCol = ticks.length;
  // Columns share the visible width (within limits); a long window scrolls sideways.
  const LEFT = 110, TOP = 34, BAR = 18, LINE = 15, PAD = 10;
  const avail = document.getElementById("timeline-wrap").clientWidth || 1000;
  const STEP = Math.max(44, Math.min(110, Math.floor((avail - LEFT - 24) / (ticks.length + 1))));
  const x = (c) => LEFT + c * STEP + STEP / 2;

  // Rows: the key's threads, then (if any) the other keys' threads.
  const groups = [
    { label: data.key, events: events.filter((e) => e.role !== "elsewhere") },
    { label: "other keys", events: events.filter((e) => e.role === "elsewhere") },
  ].filter((g) => g.events.length > 0);

  const el = (name, attrs, parent) => {
    const n = document.createElementNS(NS, name);
    for (const [k, v] of Object.entries(attrs)) n.setAttribute(k, v);
    if (parent) parent.append(n);
    return n;
  };
  const measure = el("text", { x: -1000, y: -1000 }, svg);
  const width = (text) => { measure.textContent = text; return measure.getComputedTextLength(); };

  const grid = el("g", {}, svg);
  const bars = el("g", {}, svg);
  let y = TOP;
  let rightmost = 0;
  const labelOf = (e) => (e.key ? e.key + " " : "") + e.op + " \u2192 " + e.result;
  for (const group of groups) {
    el("text", { x: 6, y: y + 12, class: "group-label" }, svg).textContent = group.label;
    y += 18;
    const threads = [...new Set(group.events.map((e) => e.thread))].sort((a, b) => a - b);
    for (const thread of threads) {
      const mine = group.events.filter((e) => e.thread === thread)
        .sort((a, b) => a.call - b.call);
      // Labels that do not fit in their bar go below it, in the first free lane.
      const lanes = [];
      const placed = mine.map((e) => {
        const x1 = x(col.get(e.call)) , x2 = e.ret === null ? x(openCol) + STEP / 2 : x(col.get(e.ret));
        const text = labelOf(e), w = width(text);
        if (w + 8 <= x2 - x1) return { e, x1, x2, text, lane: -1, lx: x1 + 4 };
        let lane = lanes.findIndex((end) => end + 8 <= x1);
        if (lane < 0) { lane = lanes.length; lanes.push(0); }
        lanes[lane] = x1 + w;
        rightmost = Math.max(rightmost, x1 + w);
        return { e, x1, x2, text, lane, lx: x1 };
      });
      const rowTop = y;
      el("text", { x: 6, y: rowTop + BAR - 4, class: "row-label" }, svg).textContent =
        data.who + " " + thread;
      for (const p of placed) {
        const e = p.e, id = events.indexOf(e);
        const g = el("g", {
          class: "op " + e.role + (e.ret === null ? " open" : ""),
          "data-id": id, "data-thread": e.thread, "data-call": e.call,
          "data-ret": e.ret === null ? "" : e.ret, tabindex: 0,
        }, bars);
        el("title", {}, g).textContent = data.who + " " + e.thread + ", " + e.span + ": " + p.text;
        el("rect", { class: "bar", x: p.x1, y: rowTop, width: p.x2 - p.x1, height: BAR, rx: 3 }, g);
        const ly = p.lane < 0 ? rowTop + BAR - 5 : rowTop + BAR + LINE * (p.lane + 1) - 3;
        el("text", { class: p.lane < 0 ? "label inside" : "label", x: p.lx, y: ly }, g)
          .textContent = p.text;
      }
      y = rowTop + BAR + LINE * lanes.length + PAD;
    }
    y += 6;
  }
  measure.remove();
  const anyOpen = events.some((e) => e.ret === null);
  const right = Math.ceil(Math.max(x(anyOpen ? openCol : ticks.length - 1) + STEP / 2, rightmost + 8));
  // The axis: one column per tick, its number on top.
  ticks.forEach((t, i) => {
    el("line", { class: "grid", x1: x(i), x2: x(i), y1: TOP - 6, y2: y }, grid);
    const label = el("text", { class: "tick", x: x(i), y: TOP - 10, "text-anchor": "middle" }, grid);
    label.textContent = axisName.get(t);
  });
  el("text", { class: "tick", x: 6, y: 12 }, grid).textContent =
    data.unit + " (one column per call or return)";
  svg.setAttribute("width", right);
  svg.setAttribute("height", y + 4);
  const guides = el("g", {}, svg);

  // Details: hover shows, click pins.
  let pinned = null;
  const states = (list) =>
    list === null ? "not tracked (outside the window)"
      : list.length === 0 ? "none: its result fits no state it may start from"
        : "the " + data.subject + " may be " + list.join(" or ");
  const show = (id) => {
    const e = events[id];
    guides.replaceChildren();
    for (const t of e.ret === null ? [e.call] : [e.call, e.ret]) {
      el("line", { class: "guide", x1: x(col.get(t)), x2: x(col.get(t)), y1: TOP - 6, y2: y }, guides);
    }
    const rows = [
      [data.who, String(e.thread)],
      ["when", e.span],
      ["operation", (e.key ? e.key + " " : "") + e.op],
      ["result", e.result],
      ["role", ROLE[e.role][1]],
    ];
    if (e.role === "window" || e.role === "culprit") {
      rows.push(["before it", states(e.before)]);
      rows.push(["after it", states(e.after)]);
    }
    details.className = pinned === null ? "" : "pinned";
    details.replaceChildren();
    const dl = document.createElement("dl");
    for (const [k, v] of rows) {
      const dt = document.createElement("dt"), dd = document.createElement("dd");
      dt.textContent = k; dd.textContent = v;
      dl.append(dt, dd);
    }
    if (pinned !== null) {
      const p = document.createElement("p");
      p.className = "hint";
      p.textContent = "pinned: click it again or press Escape to unpin";
      details.append(p);
    }
    details.prepend(dl);
  };
  const clear = () => {
    guides.replaceChildren();
    details.className = "empty";
    details.textContent = "Hover or click an operation.";
  };
  const unpin = () => {
    for (const n of svg.querySelectorAll(".op.pinned")) n.classList.remove("pinned");
    pinned = null;
    clear();
  };
  for (const g of svg.querySelectorAll(".op")) {
    const id = Number(g.dataset.id);
    g.addEventListener("mouseenter", () => { if (pinned === null) show(id); });
    g.addEventListener("mouseleave", () => { if (pinned === null) clear(); });
    g.addEventListener("click", () => {
      if (pinned === id) { unpin(); return; }
      for (const n of svg.querySelectorAll(".op.pinned")) n.classList.remove("pinned");
      pinned = id;
      g.classList.add("pinned");
      show(id);
    });
  }
  document.addEventListener("keydown", (ev) => { if (ev.key === "Escape" && pinned !== null) unpin(); });

  // The erased-write note and the values' origins.
  const values = document.getElementById("values");
  if (data.elsewhere) {
    const p = document.createElement("p");
    p.id = "elsewhere";
    p.textContent = data.elsewhere;
    values.append(p);
  }
  if (data.values.length > 0) {
    const h = document.createElement("h2");
    h.textContent = "Where the values came from";
    const p = document.createElement("p");
    p.className = "hint";
    p.textContent = "Each write of the workload writes (thread << 40) | n, from its thread's n-th operation.";
    const table = document.createElement("table");
    for (const [v, origin] of data.values) {
      const tr = table.insertRow();
      tr.insertCell().textContent = v;
      tr.insertCell().textContent = "= " + origin;
    }
    values.append(h, p, table);
  }
})();
