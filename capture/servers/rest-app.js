// The front-end / REST app: serves the chat page and a small JSON API, logs with pino-http, and answers
// every unknown path with Express's own 404 (`Cannot GET /socket.io/…` when it is handed Socket.IO traffic).
//
// Usage: node rest-app.js '<json options>'
//   name, port      as for sio-server.js
//   page            what the chat page runs: {url, options, chatEveryMs, restEveryMs, bigPayloadBytes,
//                   bigAfterMs, clientScript, clientBundle}; per-page overrides in page.perPage["<n>"]
//                   clientBundle "v2": the page loads socket.io-client 2.x (Engine.IO 3) instead of 4.x
//   bundleAt        extra path that serves the socket.io client bundle (e.g. "/socket.io.js")
"use strict";
const path = require("node:path");
const express = require("express");
const pino = require("pino");
const pinoHttp = require("pino-http");

const opts = JSON.parse(process.argv[2] || "{}");
const logger = pino({ name: opts.name || "web" });
const app = express();
app.use(pinoHttp({ logger }));

const dist = path.join(__dirname, "..", "node_modules", "socket.io-client", "dist");
// static assets are cacheable, as in production (the HAR then holds the bundle once, not per tab)
const bundle = (_req, res) => res.sendFile(path.join(dist, "socket.io.min.js"), { maxAge: "1h" });
app.get("/static/socket.io.min.js", bundle);
if (opts.bundleAt) app.get(opts.bundleAt, bundle);
app.get("/static/socket.io.min.js.map", (_req, res) => res.sendFile(path.join(dist, "socket.io.min.js.map")));
// an old client build still deployed with the page: socket.io-client 2.x (npm alias socket.io-client-v2)
const distV2 = path.join(__dirname, "..", "node_modules", "socket.io-client-v2", "dist");
app.get("/static/socket.io-v2.js", (_req, res) => res.sendFile(path.join(distV2, "socket.io.js"), { maxAge: "1h" }));
app.get("/static/socket.io.js.map", (_req, res) => res.sendFile(path.join(distV2, "socket.io.js.map")));
app.get("/app.js", (_req, res) => res.sendFile(path.join(__dirname, "..", "web", "app.js"), { maxAge: "1h" }));

function pageConfig(n) {
  const page = opts.page || {};
  const over = (page.perPage || {})[String(n)] || {};
  const merged = { ...page, ...over, page: n };
  delete merged.perPage;
  return merged;
}

app.get("/", (req, res) => {
  const cfg = pageConfig(Number(req.query.page || 0));
  const script = cfg.clientScript || (cfg.clientBundle === "v2" ? "/static/socket.io-v2.js" : "/static/socket.io.min.js");
  res.type("html").send(`<!doctype html>
<html><head><meta charset="utf-8"><title>chat</title>
<script>window.CHAT_CONFIG = ${JSON.stringify(cfg)};</script>
<script src="${script}"></script>
<script src="/app.js"></script>
</head><body><h1>chat</h1><ul id="log"></ul></body></html>`);
});

let items = [
  { id: 1, name: "general" },
  { id: 2, name: "random" },
];
app.get("/api/health", (_req, res) => res.json({ status: "ok" }));
app.get("/api/rooms", (_req, res) => res.json(items));
app.get("/api/me", (_req, res) => res.json({ user: "guest", rooms: items.length }));
app.post("/api/rooms", express.json(), (req, res) => {
  const item = { id: items.length + 1, name: String((req.body && req.body.name) || "room") };
  items = [...items, item];
  res.status(201).json(item);
});

app.listen(opts.port, "127.0.0.1", () => logger.info({ port: opts.port }, "web app listening"));
process.on("SIGTERM", () => {
  logger.info("SIGTERM received, shutting down");
  process.exit(0);
});
