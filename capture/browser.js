// Drives a Chromium started by record.py (over CDP) and records what an engineer would collect from it:
//   * a HAR written by Playwright (recordHar, mode full, content embed) for the whole browser context;
//   * one console export per tab, in the layout of Chrome DevTools' Console "Save as…" with
//     "Show timestamps" on (`HH:MM:SS.mmm file.js:LINE message`, local time, stack frames as
//     `fn @ file.js:LINE`), file named `<host>-<epoch ms>.log`. DevTools' button cannot be clicked
//     headless, so the file is rendered from the CDP events DevTools itself consumes
//     (Runtime.consoleAPICalled, Runtime.exceptionThrown, Log.entryAdded).
// The browser's own log (chrome_debug.log) is Chromium's stderr, kept by record.py.
//
// Usage: node browser.js --cdp http://127.0.0.1:PORT --har FILE --console-dir DIR [--clock-offset-ms N]
// Then JSON commands on stdin, one per line:
//   {"cmd":"open","id":"p1","url":"http://chat.localhost:18080/?page=1"}
//   {"cmd":"reload","id":"p1"}   {"cmd":"close","id":"p1"}   {"cmd":"finish"}
//   {"cmd":"block","id":"p1","ms":14000}   (keep the tab's main thread busy, as a long synchronous task would)
// Each command is acknowledged on stdout with {"ok":cmd,"id":...}.
"use strict";
const fs = require("node:fs");
const path = require("node:path");
const readline = require("node:readline");
const { chromium } = require("playwright-core");

function arg(name, dflt) {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : dflt;
}
const cdpUrl = arg("--cdp");
const harPath = arg("--har");
const consoleDir = arg("--console-dir");
// A browser whose clock runs `offset` ms off: console timestamps are rendered from event time + offset.
const clockOffset = Number(arg("--clock-offset-ms", "0"));

const pad = (n, w = 2) => String(n).padStart(w, "0");
function hhmmss(epochMs) {
  const d = new Date(epochMs + clockOffset);
  return `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}.${pad(d.getMilliseconds(), 3)}`;
}

// DevTools' ParsedURL.displayName: the last path component, else host + "/".
function displayName(url) {
  if (!url) return "";
  try {
    const u = new URL(url);
    const last = u.pathname.substring(u.pathname.lastIndexOf("/") + 1);
    return last || `${u.hostname}/`;
  } catch {
    return url;
  }
}

function remoteText(obj) {
  if (obj.type === "string") return obj.value;
  if ("value" in obj) return String(obj.value);
  if (obj.unserializableValue) return obj.unserializableValue;
  return obj.description || obj.type;
}

function frames(stackTrace) {
  if (!stackTrace || !stackTrace.callFrames) return [];
  return stackTrace.callFrames.map(
    (f) => `${f.functionName || "(anonymous)"} @ ${displayName(f.url)}:${f.lineNumber + 1}`,
  );
}

// DevTools' ResourceUtils.displayNameForURL for a URL that is not a script: the URL without its scheme
// and without the inspected page's host name (so the port and path stay: ":18080/socket.io/?EIO=4…").
function trimURL(url, pageHost) {
  let out = url.replace(/^(https|http|file):\/\//i, "");
  if (pageHost && out.toLowerCase().startsWith(pageHost.toLowerCase())) out = out.substring(pageHost.length);
  return out === "/" ? `${pageHost}/` : out;
}

class Tab {
  constructor(id, page) {
    this.id = id;
    this.page = page;
    this.lines = [];
    this.host = "console";
    this.navigations = 0;
  }

  render(ts, anchor, text, stack = []) {
    return [`${hhmmss(ts)} ${anchor ? `${anchor} ` : ""}${text}`, ...stack].join("\n");
  }

  add(ts, anchor, text, stack = []) {
    this.lines.push(this.render(ts, anchor, text, stack));
  }

  // Playwright reports the navigation after the new document's first messages: place DevTools'
  // "Navigated to" line ("Preserve log" on) where the reload began, stamped with that moment.
  reloading() {
    this.pendingNav = { index: this.lines.length, ts: Date.now() };
  }

  async attach(context) {
    const cdp = await context.newCDPSession(this.page);
    this.cdp = cdp;
    cdp.on("Runtime.consoleAPICalled", (e) => {
      const text = e.args.map(remoteText).join(" ");
      const top = e.stackTrace && e.stackTrace.callFrames[0];
      const anchor = top ? `${displayName(top.url)}:${top.lineNumber + 1}` : "";
      const withStack = ["error", "warning", "trace", "assert"].includes(e.type);
      this.add(e.timestamp, anchor, text, withStack ? frames(e.stackTrace) : []);
    });
    cdp.on("Runtime.exceptionThrown", (e) => {
      const d = e.exceptionDetails;
      const desc = (d.exception && d.exception.description) || d.text;
      const [first, ...rest] = desc.split("\n");
      const anchor = d.url ? `${displayName(d.url)}:${d.lineNumber + 1}` : "";
      // DevTools shows stack URLs by their display name (the link text is what an export keeps)
      const stack = rest.map((l) => l.replace(/\(?(https?:\/\/[^\s)]+?):(\d+):(\d+)\)?$/, (m, u, ln, col) =>
        m.startsWith("(") ? `(${displayName(u)}:${ln}:${col})` : `${displayName(u)}:${ln}:${col}`));
      this.add(e.timestamp, anchor, `Uncaught ${first}`, stack);
    });
    cdp.on("Log.entryAdded", ({ entry }) => {
      let anchor = "";
      const top = entry.stackTrace && entry.stackTrace.callFrames[0];
      if (top) anchor = `${displayName(top.url)}:${top.lineNumber + 1}`;
      else if (entry.url) anchor = `${this.urlName(entry.url)}:${(entry.lineNumber || 0) + 1}`;
      this.add(entry.timestamp, anchor, entry.text, frames(entry.stackTrace));
    });
    await cdp.send("Runtime.enable");
    await cdp.send("Log.enable");
    this.page.on("framenavigated", (frame) => {
      if (frame !== this.page.mainFrame()) return;
      this.navigations += 1;
      if (this.navigations < 2) return;
      const at = this.pendingNav || { index: this.lines.length, ts: Date.now() };
      this.pendingNav = null;
      this.lines.splice(at.index, 0, this.render(at.ts, "", `Navigated to ${frame.url()}`));
    });
  }

  // the page itself shows as "(index)" in DevTools; other resources by their trimmed URL
  urlName(url) {
    if (url === this.page.url() && /\/(\?.*)?$/.test(new URL(url).pathname + new URL(url).search)) return "(index)";
    return trimURL(url, this.host);
  }

  save() {
    let saved = Date.now();
    let file = path.join(consoleDir, `${this.host}-${saved}.log`);
    while (fs.existsSync(file)) file = path.join(consoleDir, `${this.host}-${++saved}.log`);
    // DevTools joins messages with "\n" (and ends each chunk of 350 messages with one)
    fs.writeFileSync(file, this.lines.length ? `${this.lines.join("\n")}\n` : "");
    return file;
  }
}

async function main() {
  fs.mkdirSync(consoleDir, { recursive: true });
  const browser = await chromium.connectOverCDP(cdpUrl);
  const context = await browser.newContext({
    recordHar: { path: harPath, mode: "full", content: "embed" },
    viewport: { width: 1024, height: 700 },
  });
  const tabs = new Map();
  const out = (obj) => process.stdout.write(`${JSON.stringify(obj)}\n`);
  out({ ready: true, version: browser.version() });

  const rl = readline.createInterface({ input: process.stdin });
  for await (const line of rl) {
    if (!line.trim()) continue;
    const c = JSON.parse(line);
    try {
      if (c.cmd === "open") {
        const page = await context.newPage();
        const tab = new Tab(c.id, page);
        tab.host = new URL(c.url).hostname;
        await tab.attach(context);
        tabs.set(c.id, tab);
        page.goto(c.url).catch((e) => out({ warn: `goto ${c.url}: ${e.message}` }));
      } else if (c.cmd === "reload") {
        tabs.get(c.id).reloading();
        tabs.get(c.id).page.reload().catch((e) => out({ warn: `reload: ${e.message}` }));
      } else if (c.cmd === "block") {
        // the tab's main thread busy for c.ms (as a long synchronous render would): no JavaScript event
        // runs, so no pong is sent. Not awaited: the evaluation returns when the loop ends.
        const expression = `{ const end = Date.now() + ${Number(c.ms)}; while (Date.now() < end) {} }`;
        tabs.get(c.id).cdp.send("Runtime.evaluate", { expression }).catch(() => {});
      } else if (c.cmd === "close") {
        const tab = tabs.get(c.id);
        tabs.delete(c.id);
        const file = tab.save();
        await tab.page.close();
        out({ ok: "close", id: c.id, console: file });
        continue;
      } else if (c.cmd === "finish") {
        const files = [];
        for (const tab of tabs.values()) files.push(tab.save());
        for (const tab of tabs.values()) await tab.page.close();
        await context.close(); // writes the HAR
        await browser.close().catch(() => {});
        out({ ok: "finish", console: files });
        process.exit(0);
      }
      out({ ok: c.cmd, id: c.id });
    } catch (e) {
      out({ error: `${c.cmd}: ${e.stack || e}` });
    }
  }
}

main().catch((e) => {
  process.stderr.write(`${e.stack || e}\n`);
  process.exit(1);
});
