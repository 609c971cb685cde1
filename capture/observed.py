"""What the real producers did in the recordings, scenario by scenario (rendered into each README).

These are observations from reading the recorded files, with the lines that show them; several of them
differ from what the documentation suggests, and the parsers and rules must take them as they are.
"""

from __future__ import annotations

COMMON = (
    "Console exports: Chromium 156 reports failed XHRs as `:PORT/socket.io/?EIO=4&transport=polling&t=…:1 "
    "Failed to load resource: the server responded with a status of 404 (Not Found)` (a network-source "
    "message anchored on the URL itself), not as `GET http://… 404 (Not Found)`; `console.error` / "
    "`console.warn` messages carry their stack, one `fn @ file.js:LINE` frame per line (13 frames through "
    "`socket.io.min.js:6` for a connect_error).",
    "`browser/chrome_debug.log` writes every console message as `INFO:CONSOLE:LINE` whatever its level "
    "(`console.error` too), carries none of the network-source messages (`Failed to load resource`, "
    "`WebSocket connection to … failed`), and all same-site tabs share one renderer PID.",
    "Playwright's HAR: long-polls still pending when the capture ended are `status: -1`, `time: -1` with no "
    "`_failureText` (not failures); a CORS-blocked XHR is `status: -1`, `_failureText: net::ERR_FAILED`; a "
    "refused WebSocket is `status: -1`, `_failureText: Error during WebSocket handshake: Unexpected response "
    "code: 400` with no frames; a WebSocket entry's `time` runs to its last frame, not to its close "
    "(5.7 s in the HAR for a connection Traefik logged at 9.9 s in backend-unreachable); frame times are "
    "epoch milliseconds.",
    "Playwright's HAR embeds a response body again for every memory-cache hit (`_transferSize: 0`), so the "
    "47 kB socket.io client bundle is in the HAR once per tab load — most of each HAR's size.",
)

OBSERVED: dict[str, tuple[str, ...]] = {
    "traefik-priority-conflict": (
        "The WebSocket opened before the change kept talking to engine.io on `socketio@file`: its line "
        '`"GET /socket.io/?EIO=4&transport=websocket&sid=… HTTP/1.1" 0 0 … "socketio@file" …` is written at '
        "the end of the capture, after the `web@file` 404s, stamped with its start time.",
        'After the change every handshake is `"GET /socket.io/?EIO=4&transport=polling&t=… HTTP/1.1" 404 149 '
        '… "web@file"` — Express\'s `Cannot GET /socket.io/` page; the reloaded and the new tab never reach '
        "engine.io, so `backend/chat.log` has no line for them at all.",
        "Traefik logged `Configuration received` twice for the one rename (2 s apart, same content).",
    ),
    "sticky-session-missing": (
        "Not every session fails: with other traffic interleaved, weighted round robin sometimes sends a "
        "session's requests to the same replica, and those sessions upgrade (`… 0 0 …` WebSocket lines) "
        "among the `400`s.",
        "The client reports the failing POST as `connect_error: xhr post error (status 400)` (not only "
        "`xhr poll error`), and sessions that did connect end with `disconnected: transport error (status 400)`.",
        'WebSocket upgrades on the wrong replica are `400` with `engine unknown sid "…"` on that replica; '
        "upgrades abandoned before the 101 are `499`.",
    ),
    "backend-unreachable": (
        "`traefik/traefik.log`: `DBG github.com/traefik/traefik/v3/pkg/proxy/httputil/proxy.go:199 > 502 Bad "
        'Gateway error="dial tcp 127.0.0.1:PORT: connect: connection refused"` for each handshake; the access '
        "line is `502 11`.",
        "Both backend processes write to `backend/chat.log` (the old one until its SIGTERM, the new one "
        "after), as one service's log would.",
    ),
    "upgrade-headers-stripped": (
        "Each session tries the WebSocket exactly once (`400`, engine.io `bad request: unexpected transport "
        "without upgrade` + `connection_error code=3 message=Bad request`) and then long-polls for good: no "
        "storm, just steady 25 s GETs and the chat POSTs.",
        "The console shows `socket.io.min.js:6 WebSocket connection to 'ws://…&sid=…' failed: Error during "
        "WebSocket handshake: Unexpected response code: 400` (a network-source message, absent from "
        "chrome_debug.log); the app itself never sees an error — the client hides the failed probe.",
    ),
    "cors-blocked": (
        "Traefik and engine.io see a perfectly good handshake (`200 118`, `engine handshaking client`), "
        "repeated every 1–5 s, never followed by a POST; the block is only in the browser: `(index):1 Access "
        "to XMLHttpRequest at 'http://api.localhost:PORT/socket.io/?EIO=4&transport=polling&t=…' from origin "
        "'http://chat.localhost:PORT' has been blocked by CORS policy: No 'Access-Control-Allow-Origin' header "
        "is present on the requested resource.` then `Failed to load resource: net::ERR_FAILED` and "
        "`connect_error: xhr poll error (status 0)`.",
        "This CORS message does reach chrome_debug.log, as `INFO:CONSOLE:0` with the page as its source.",
    ),
    "origin-rejected": (
        '`403 32` on every handshake (`{"code":4,"message":"Forbidden"}`), readable by the page because '
        "the cors middleware runs before `allowRequest`; engine.io itself writes no debug line for the refusal "
        "(the `chat:app` lines are the application's own `connection_error` handler).",
    ),
    "ping-timeout": (
        "While the backend is stopped, the browsers log `disconnected: ping timeout` after pingInterval + "
        "pingTimeout, but the server, when it resumes, processes the clients' closes before its own timers "
        "and logs `reason=transport error` / `transport close` — not `ping timeout`.",
        "Reconnect handshakes sent during the freeze wait in Traefik and are answered when the process "
        "resumes: `GET /socket.io/?EIO=4&transport=polling&t=…` `200` with durations of 8–10 s. The old "
        "WebSockets' lines last until the resume too (Traefik holds both sides).",
        "The busy tab answers no ping: the server logs `reason=ping timeout`, and closes the WebSocket "
        "with a close frame without a code, which the tab reports as `transport close … code=1005`.",
    ),
    "idle-timeout": (
        'Every WebSocket line has a Duration of 12.2–12.4 s (e.g. `"Duration":12297684116`); the cut is a plain FIN '
        "from the hop: the tabs log `disconnected: transport close (websocket connection closed) code=1006`, "
        "the server `reason=transport close`, and nobody logs the cause.",
        "Traefik keeps `request_Upgrade: websocket` and `request_Connection: Upgrade` on these lines (no "
        "middleware touched them).",
    ),
    "payload-too-large": (
        "Polling: `POST … 413` with `RequestContentSize` 40037 and nothing in engine.io's debug output about "
        "the size — only `got xhr close packet` and `reason=transport close`; the tab logs `disconnected: "
        "transport error (status 413)`. (In a trial run with 300 kB messages, `RequestContentSize` was "
        "101724 or 229376: the bytes Traefik had read when the 413 came back, not the body's length.)",
        "WebSocket: `ws` closes with 1009 — the tab's CloseEvent has `code=1009`, but Chromium logs no "
        "console error, the HAR has the 40 kB `send` frame as the last message and no close code, and the "
        "Traefik line is a `0 0` of about 3 s.",
    ),
    "path-mismatch": (
        'The 404s come from the Socket.IO service\'s own Express app (`"socketio@file"` in the access log), '
        "which writes no log line; engine.io, mounted on `/realtime`, writes nothing either: the backend log "
        "only has its start-up lines.",
    ),
    "socketio-js-captured": (
        "Chromium adds a message the documentation never mentions: `(index):1 Refused to execute script from "
        "'http://chat.localhost:PORT/socket.io.js' because its MIME type ('text/html') is not executable, and "
        "strict MIME type checking is enabled.`, before `Uncaught ReferenceError: io is not defined`.",
        "The only proxy evidence is `/socket.io.js` answered `404` on `socketio@file`; no `/socket.io/` request "
        "is ever made and the Socket.IO backend's log is its start-up lines only.",
    ),
    "python-origin-ws-proto": (
        "python-engineio logs the first refusal as `http://chat.localhost:PORT is not an accepted origin. "
        "(further occurrences of this error will be logged with level INFO)` and the next ones without the "
        "parenthesis; neither line has a timestamp or level.",
        'uvicorn 0.54 with `--ws wsproto` logs `INFO:     127.0.0.1:0 - "WebSocket /socket.io/?EIO=4&'
        'transport=websocket&sid=…" 403` but no `connection rejected (403 Forbidden)` line (that one comes '
        "from the `websockets` implementation).",
        "Traefik logs the refused upgrade as `403` (not `0`) with `request_Upgrade: websocket`.",
    ),
    "healthy-websocket": (
        "A closed tab's WebSocket is a normal `0 0` line whose Duration ends at the close; nothing else marks it.",
    ),
    "healthy-deploy-noise": (
        "After the config switch the blue backend's WebSockets stay open until blue is stopped 4 s later; "
        "its `io.close()` sends close frames without a code, so the tabs log `disconnected: transport close "
        "(websocket connection closed) code=1005`, then reconnect through the new route; no 5xx anywhere.",
        "The skew is visible between the two browser files: the same message is `21:30:02.310` in the "
        "console export and `1125/213009.309825` in chrome_debug.log.",
        "The REST app's `restPaths` make real 404s: `GET /api/v1/rooms 404` in Traefik and pino, `[rest] "
        "/api/v1/rooms -> 404` in the console.",
    ),
    "healthy-python": (
        "python-engineio and uvicorn lines carry no timestamp, and uvicorn prints every client as "
        "`127.0.0.1:0` (it trusts `X-Forwarded-For`, which has no port); python-socketio logs nothing when a "
        "tab closes.",
    ),
}
