// The checks of .ci/browser.sh: node .ci/browser.mjs FILE.html:ok|bad ...
// Exits 1 on the first failed check, naming the page and what was wrong.
import { createRequire } from "node:module";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve, basename } from "node:path";

const require = createRequire(import.meta.url);
const { chromium } = require("playwright-core");

let failed = false;
const check = (page, ok, what) => {
  if (!ok) {
    console.error(`FAIL ${page}: ${what}`);
    failed = true;
  }
};

const profile = mkdtempSync(join(tmpdir(), "cowtrie-browser-"));
// A fresh profile each run (playwright passes it as --user-data-dir).
const browser = await chromium.launchPersistentContext(profile, {
  executablePath: "/usr/bin/chromium",
  headless: true,
  viewport: { width: 1280, height: 900 },
  args: [
    "--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
    "--disable-background-networking", "--disable-component-update", "--disable-sync",
  ],
});

for (const arg of process.argv.slice(2)) {
  const [file, expected] = arg.split(":");
  const name = basename(file, ".html");
  const page = await browser.newPage();
  page.setDefaultTimeout(5000);
  const errors = [];
  page.on("console", (m) => { if (m.type() === "error") errors.push(m.text()); });
  page.on("pageerror", (e) => errors.push(String(e)));
  // A self-contained page asks for nothing: any request but the file itself fails.
  const requests = [];
  page.on("request", (r) => { if (!r.url().startsWith("file:")) requests.push(r.url()); });
  await page.goto("file://" + resolve(file));
  check(name, errors.length === 0, "console errors: " + errors.join(" | "));
  check(name, requests.length === 0, "external requests: " + requests.join(" "));

  const verdict = await page.textContent("#verdict");
  check(name, expected === "ok" ? /linearizable$/.test(verdict) && !/NOT/.test(verdict)
    : /NOT linearizable/.test(verdict), `verdict "${verdict}", expected ${expected}`);
  const keyRows = await page.locator("#key-table tbody tr").count();
  check(name, keyRows > 0, "no per-key rows");

  if (expected === "bad") {
    const data = JSON.parse(await page.textContent("#report-data"));
    const ev = data.events;
    // Every event is drawn once, with the data's thread and ticks.
    const bars = await page.$$eval("#timeline .op", (gs) => gs.map((g) => {
      const r = g.querySelector("rect").getBoundingClientRect();
      const t = g.querySelector("text.label").getBoundingClientRect();
      return {
        id: Number(g.dataset.id), thread: Number(g.dataset.thread), call: Number(g.dataset.call),
        ret: g.dataset.ret === "" ? null : Number(g.dataset.ret), cls: g.getAttribute("class"),
        x1: r.left, x2: r.right, y: r.top, h: r.height,
        label: { l: t.left, r: t.right, t: t.top, b: t.bottom },
      };
    }));
    check(name, bars.length === ev.length, `${bars.length} bars for ${ev.length} events`);
    for (const b of bars) {
      const e = ev[b.id];
      check(name, e && e.thread === b.thread && e.call === b.call && e.ret === b.ret,
        `bar ${b.id} does not match its event`);
      check(name, b.cls.includes(e.role), `bar ${b.id} lacks class ${e.role}`);
      check(name, b.x2 > b.x1, `bar ${b.id} has no width`);
    }
    // Positions follow the history: calls and returns in tick order, left to right.
    const byId = new Map(bars.map((b) => [b.id, b]));
    const order = (a, b) => (a < b ? -1 : a > b ? 1 : 0);
    for (const a of bars) for (const b of bars) {
      check(name, order(a.call, b.call) === order(Math.round(a.x1), Math.round(b.x1)),
        `calls of ${a.id} and ${b.id} out of order`);
      if (a.ret !== null && b.ret !== null) {
        check(name, order(a.ret, b.ret) === order(Math.round(a.x2), Math.round(b.x2)),
          `returns of ${a.id} and ${b.id} out of order`);
      }
      if (a.ret !== null) {
        // Real time: a returned before b was called iff a's bar ends left of b's start.
        check(name, (a.ret < b.call) === (a.x2 < b.x1), `real-time order of ${a.id}, ${b.id}`);
      }
      // One row per thread within a group (the key's operations, other keys').
      const group = (x) => ev[x.id].role === "elsewhere";
      if (group(a) === group(b)) {
        check(name, (a.thread === b.thread) === (a.y === b.y), `rows of ${a.id} and ${b.id}`);
        if (a.thread < b.thread) check(name, a.y < b.y, `row order of ${a.id}, ${b.id}`);
      }
      // Labels never overlap.
      if (a.id < b.id) {
        const p = a.label, q = b.label;
        const overlap = p.l < q.r - 0.5 && q.l < p.r - 0.5 && p.t < q.b - 0.5 && q.t < p.b - 0.5;
        check(name, !overlap, `labels of ${a.id} and ${b.id} overlap`);
      }
    }
    // Labels stay inside the drawing.
    const svgBox = await page.$eval("#timeline", (s) => s.getBoundingClientRect().toJSON());
    for (const b of bars) {
      check(name, b.label.l >= svgBox.left && b.label.r <= svgBox.right + 0.5,
        `label of ${b.id} is clipped`);
    }
    // A window of a few columns fits the page without scrolling sideways.
    const columns = new Set(ev.flatMap((e) => [e.call, e.ret])).size;
    const fits = await page.$eval("#timeline-wrap", (w) => w.scrollWidth <= w.clientWidth);
    check(name, columns > 16 || fits, `a timeline of ${columns} columns scrolls sideways`);
    const culprit = ev.findIndex((e) => e.role === "culprit");
    check(name, culprit >= 0 && byId.has(culprit), "no culprit drawn");

    // Hover shows the states before and after.
    const sel = (id) => `#timeline .op[data-id="${id}"] rect`;
    await page.hover(sel(culprit));
    const shown = await page.textContent("#details");
    const states = (l) => (l.length === 0 ? "none" : "may be " + l.join(" or "));
    check(name, shown.includes("before it") && shown.includes(states(ev[culprit].before)),
      `hover shows "${shown}", not the states before ${states(ev[culprit].before)}`);
    check(name, shown.includes("after it") && shown.includes(states(ev[culprit].after)),
      `hover does not show the states after`);
    check(name, shown.includes(ev[culprit].op), "hover does not name the operation");
    // Click pins: hovering another operation leaves the details on the pinned one.
    await page.click(sel(culprit));
    check(name, await page.$eval(`#timeline .op[data-id="${culprit}"]`,
      (g) => g.classList.contains("pinned")), "click did not pin");
    const other = bars.find((b) => b.id !== culprit);
    if (other) {
      await page.hover(sel(other.id), { force: true });
      const still = await page.textContent("#details");
      check(name, still.includes(ev[culprit].span) && still.includes("pinned"),
        "hovering another operation replaced the pinned one");
    }
    await page.screenshot({ path: `target/browser/${name}-pinned.png`, fullPage: true });
    await page.click(sel(culprit));
    check(name, await page.$eval("#details", (d) => d.classList.contains("empty")),
      "a second click did not unpin");
  }
  await page.screenshot({ path: `target/browser/${name}.png`, fullPage: true });
  await page.close();
  console.log(`browser: ${name}: checked`);
}
await browser.close();
rmSync(profile, { recursive: true, force: true });
process.exit(failed ? 1 : 0);
