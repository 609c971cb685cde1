// A Socket.IO v4 chat backend (Express + socket.io), run with DEBUG=engine*,socket.io*,chat:* so its
// stderr carries the engine.io / socket.io debug lines an engineer would collect.
//
// Usage: node sio-server.js '<json options>'
//   name            replica name, shown in the app's own debug lines
//   port            127.0.0.1 port to listen on
//   path            Socket.IO server path (default /socket.io)
//   cors            false | true | [origins]   (Socket.IO's cors.origin; false = no CORS headers at all)
//   allowOrigins    [origins] accepted by allowRequest (anything else: 403 code 4 "Forbidden")
//   maxHttpBufferSize, pingInterval, pingTimeout, transports, allowEIO3   engine.io options
//   acceptTokens    [tokens] accepted in the client's `auth.token`: any other socket is told so and
//                   disconnected by the server right after it connected (an expired-session check)
"use strict";
const http = require("node:http");
const express = require("express");
const { Server } = require("socket.io");
const log = require("debug")("chat:app");

const opts = JSON.parse(process.argv[2] || "{}");
// under sio-cluster.js each worker is a replica of its own: "chat#1", "chat#2"
const name = process.env.WSDIAG_REPLICA || opts.name || "chat";

const app = express();
app.get("/healthz", (_req, res) => res.send("ok"));
const server = http.createServer(app);

const ioOptions = { serveClient: false };
if (opts.path) ioOptions.path = opts.path;
if (opts.cors === true) ioOptions.cors = { origin: true, credentials: true };
else if (Array.isArray(opts.cors)) ioOptions.cors = { origin: opts.cors, credentials: true };
for (const key of ["maxHttpBufferSize", "pingInterval", "pingTimeout", "transports", "allowEIO3"]) {
  if (opts[key] !== undefined) ioOptions[key] = opts[key];
}
if (Array.isArray(opts.allowOrigins)) {
  ioOptions.allowRequest = (req, callback) => {
    const origin = req.headers.origin;
    const ok = opts.allowOrigins.includes(origin);
    if (!ok) log("refusing handshake from origin %s (allowed: %o)", origin, opts.allowOrigins);
    callback(null, ok);
  };
}
const io = new Server(server, ioOptions);

io.engine.on("connection_error", (err) => {
  log("connection_error code=%d message=%s url=%s", err.code, err.message, err.req && err.req.url);
});

io.on("connection", (socket) => {
  const transport = socket.conn.transport.name;
  log("[%s] connected socket=%s eio=%s transport=%s", name, socket.id, socket.conn.id, transport);
  socket.conn.on("upgrade", (t) => log("[%s] socket=%s upgraded to %s", name, socket.id, t.name));
  if (Array.isArray(opts.acceptTokens)) {
    const token = socket.handshake.auth && socket.handshake.auth.token;
    if (!opts.acceptTokens.includes(token)) {
      log("[%s] socket=%s session token %s is no longer valid, disconnecting", name, socket.id, token);
      socket.emit("session_expired", { token });
      socket.disconnect(true);
      return;
    }
  }
  socket.join("lobby");
  socket.on("chat", (msg) => {
    const size = typeof msg === "string" ? msg.length : JSON.stringify(msg).length;
    if (size > 1000) log("[%s] socket=%s chat message of %d bytes", name, socket.id, size);
    socket.to("lobby").emit("chat", msg);
  });
  socket.on("disconnect", (reason) => log("[%s] disconnected socket=%s reason=%s", name, socket.id, reason));
});

server.listen(opts.port, "127.0.0.1", () => {
  log("[%s] listening on 127.0.0.1:%d path=%s pid=%d", name, opts.port, ioOptions.path || "/socket.io", process.pid);
});

process.on("SIGTERM", () => {
  log("[%s] SIGTERM received, closing %d sockets", name, io.engine.clientsCount);
  io.close(() => process.exit(0));
  setTimeout(() => process.exit(0), 3000).unref();
});
