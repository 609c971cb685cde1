// The chat page's own code: connects with socket.io-client (or, with `websocket`, a plain WebSocket) and
// logs what a developer would log.
(function () {
  "use strict";
  var cfg = window.CHAT_CONFIG || {};
  if (cfg.websocket) {
    plainWebSocket(cfg);
  } else {
    socketIO(cfg);
  }
  if (cfg.restEveryMs) {
    var paths = cfg.restPaths || ["/api/rooms", "/api/me"];
    var i = 0;
    setInterval(function () {
      var p = paths[i++ % paths.length];
      fetch(p).then(function (r) {
        if (!r.ok) console.warn("[rest] " + p + " -> " + r.status);
      }).catch(function (e) {
        console.error("[rest] " + p + " failed: " + e.message);
      });
    }, cfg.restEveryMs);
  }
})();

// A plain WebSocket client (Go and Django Channels backends): `websocket` is a path on this page's host or a
// full ws:// / wss:// URL. It reconnects after every close with a doubling delay (1 s up to 10 s), as a
// hand-written client does.
function plainWebSocket(cfg) {
  var url = /^wss?:/.test(cfg.websocket)
    ? cfg.websocket
    : (location.protocol === "https:" ? "wss://" : "ws://") + location.host + cfg.websocket;
  var delay = 1000;
  var sent = 0;
  var received = 0;
  var ws = null;
  function connect() {
    console.log("[chat] page " + cfg.page + " opening WebSocket " + url);
    ws = new WebSocket(url);
    ws.onopen = function () {
      delay = 1000;
      console.log("[chat] WebSocket open");
    };
    ws.onmessage = function () {
      received += 1;
    };
    ws.onerror = function () {
      console.error("[chat] WebSocket error");
    };
    ws.onclose = function (ev) {
      console.warn("[chat] WebSocket closed code=" + ev.code + (ev.reason ? " reason=" + ev.reason : "") +
        " clean=" + ev.wasClean + "; reconnecting in " + delay + " ms");
      setTimeout(connect, delay);
      delay = Math.min(delay * 2, 10000);
    };
  }
  connect();
  if (cfg.chatEveryMs) {
    setInterval(function () {
      if (!ws || ws.readyState !== WebSocket.OPEN) return;
      sent += 1;
      ws.send(JSON.stringify({ page: cfg.page, n: sent, text: "hello from page " + cfg.page }));
      if (sent % 10 === 0) console.log("[chat] sent " + sent + " messages, received " + received);
    }, cfg.chatEveryMs);
  }
}

function socketIO(cfg) {
  var opts = cfg.options || {};
  var target = cfg.url || location.origin;
  console.log("[chat] page " + cfg.page + " connecting to " + target + " path=" + (opts.path || "/socket.io/"));
  var socket = cfg.url ? io(cfg.url, opts) : io(opts);
  var manager = socket.io;
  var sent = 0;
  var received = 0;
  var bigSent = false;

  function describe(d) {
    if (d === undefined || d === null) return "";
    if (typeof d === "number") return " (status " + d + ")";
    if (d && typeof d === "object" && "type" in d) return " (" + d.type + ")";
    return " (" + String(d) + ")";
  }

  manager.on("open", function () {
    var engine = manager.engine;
    engine.on("upgrade", function (t) {
      console.log("[chat] transport upgraded to " + t.name);
    });
  });
  socket.on("connect", function () {
    console.log("[chat] connected id=" + socket.id + " transport=" + manager.engine.transport.name);
    if (cfg.bigPayloadBytes && !bigSent) {
      bigSent = true; // once per page load, as a user attaching one file
      setTimeout(function () {
        var big = new Array(cfg.bigPayloadBytes + 1).join("x");
        console.log("[chat] sending attachment of " + cfg.bigPayloadBytes + " bytes");
        socket.emit("chat", { page: cfg.page, attachment: big });
      }, cfg.bigAfterMs || 2000);
    }
  });
  socket.on("connect_error", function (err) {
    console.error("[chat] connect_error: " + err.message + describe(err.description));
  });
  socket.on("disconnect", function (reason, details) {
    var extra = "";
    if (details && details.description) extra = describe(details.description);
    var closeEvent = details && details.context;
    if (closeEvent && typeof closeEvent.code === "number") {
      extra += " code=" + closeEvent.code + (closeEvent.reason ? " reason=" + closeEvent.reason : "");
    }
    console.warn("[chat] disconnected: " + reason + extra);
    if (reason === "io server disconnect" && cfg.reconnectAfterServerDisconnectMs !== undefined) {
      // as the Socket.IO docs show: "the disconnection was initiated by the server, you need to
      // reconnect manually"
      setTimeout(function () {
        socket.connect();
      }, cfg.reconnectAfterServerDisconnectMs);
    }
  });
  socket.on("session_expired", function (info) {
    console.warn("[chat] server says session token " + info.token + " is no longer valid");
  });
  manager.on("reconnect_attempt", function (n) {
    console.log("[chat] reconnect attempt " + n);
  });
  manager.on("reconnect", function (n) {
    console.log("[chat] reconnected after " + n + " attempts");
  });
  socket.on("chat", function () {
    received += 1;
  });

  if (cfg.chatEveryMs) {
    setInterval(function () {
      if (!socket.connected) return;
      sent += 1;
      socket.emit("chat", { page: cfg.page, n: sent, text: "hello from page " + cfg.page });
      if (sent % 10 === 0) console.log("[chat] sent " + sent + " messages, received " + received);
    }, cfg.chatEveryMs);
  }
}
