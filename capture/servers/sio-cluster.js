// sio-server.js run as a Node `cluster` (what `pm2 start sio-server.js -i N` does): one primary process
// listens on the port and hands each new TCP connection to one of N workers in turn (round robin), with no
// sticky-session layer (@socket.io/sticky) in between. Each worker is a full Socket.IO server with its
// own, in-memory Engine.IO sessions. All processes write to the same stdout/stderr, as under pm2.
//
// Usage: node sio-cluster.js '<json options>'   (sio-server.js's options, plus `workers`, default 2)
"use strict";
const cluster = require("node:cluster");

const opts = JSON.parse(process.argv[2] || "{}");

if (cluster.isPrimary) {
  const log = require("debug")("chat:cluster");
  const n = opts.workers || 2;
  log("primary pid=%d forking %d workers (round robin, no sticky sessions)", process.pid, n);
  for (let i = 1; i <= n; i += 1) {
    const worker = cluster.fork({ WSDIAG_REPLICA: `${opts.name || "chat"}#${i}` });
    worker.on("online", () => log("worker %d online pid=%d", i, worker.process.pid));
  }
  process.on("SIGTERM", () => {
    log("SIGTERM received, stopping workers");
    for (const worker of Object.values(cluster.workers)) worker.process.kill("SIGTERM");
    setTimeout(() => process.exit(0), 3500).unref();
    cluster.on("exit", () => {
      if (Object.keys(cluster.workers).length === 0) process.exit(0);
    });
  });
} else {
  require("./sio-server.js");
}
