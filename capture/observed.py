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
    "tls-failure": (
        "Traefik's only trace is in its DEBUG log: `tlsmanager.go:290 > Serving default certificate for "
        'request: "api.localhost"` then `log/log.go:244 > http: TLS handshake error from 127.0.0.1:PORT: remote '
        "error: tls: unknown certificate` (Go's http.Server error log, routed to DEBUG), one pair per "
        "attempt; the access log has no `/socket.io/` line at all.",
        "The console shows `api.localhost:PORT/socket.io/?EIO=4&transport=polling&t=…:1 Failed to load "
        "resource: net::ERR_CERT_AUTHORITY_INVALID` (DevTools keeps the host in the anchor when it is not "
        "the page's) and `WebSocket connection to 'wss://api.localhost:PORT/socket.io/?EIO=4&transport="
        "websocket' failed: Error in connection establishment: net::ERR_CERT_AUTHORITY_INVALID`; the app "
        "sees only `xhr poll error (status 0)` / `websocket error (error)`.",
        "`chrome_debug.log` does carry this network failure, unlike HTTP errors: `ERROR:net/socket/"
        "ssl_client_socket_impl.cc:949] handshake failed; returned -1, SSL error code 1, net_error -202` "
        "(-202 = ERR_CERT_AUTHORITY_INVALID), with no URL.",
        "The HAR has the XHRs as `status -1`, `_failureText: net::ERR_CERT_AUTHORITY_INVALID` and the "
        "WebSockets as `Error in connection establishment: net::ERR_CERT_AUTHORITY_INVALID`.",
        "Over TLS Chromium speaks HTTP/2 to Traefik (`RequestProtocol: HTTP/2.0`), and a 404 then reads "
        "`the server responded with a status of 404 ()` — HTTP/2 has no reason phrase.",
    ),
    "mixed-content-blocked": (
        "`ws://api.localhost:PORT` from the https page was not blocked in a trial (Chromium treats "
        "`*.localhost` as potentially trustworthy): mixed content needs a host that is not localhost.",
        "Polling: `socket.io.min.js:6 Mixed Content: The page at 'https://chat.localhost:PORT/?page=1' was "
        "loaded over HTTPS, but requested an insecure XMLHttpRequest endpoint 'http://realtime.example.test:"
        "PORT/socket.io/?EIO=4&transport=polling&t=…'. This request has been blocked; the content must be "
        "served over HTTPS.` then `connect_error: xhr poll error (status 0)`; in the HAR `status -1`, "
        "`_failureText: mixed-content`.",
        "WebSocket-only: `… attempted to connect to the insecure WebSocket endpoint 'ws://…'. This request "
        "has been blocked; this endpoint must be available over WSS.` — and nothing else: engine.io-client "
        "emits the error before its listener is attached, so the client waits for its 20 s connect timeout "
        "(`connect_error: timeout`) and tries again. The HAR has no entry for the blocked WebSocket.",
        "Unlike network-source messages, Mixed Content reaches `chrome_debug.log` (`INFO:CONSOLE:6`, source "
        "`socket.io.min.js`). Traefik's access log has only the page, its assets and the REST script.",
    ),
    "dns-failure": (
        "The console shows `chat-api.invalid:PORT/socket.io/?EIO=4&transport=polling&t=…:1 Failed to load "
        "resource: net::ERR_NAME_NOT_RESOLVED` and `WebSocket connection to 'ws://chat-api.invalid:PORT/…' "
        "failed: Error in connection establishment: net::ERR_NAME_NOT_RESOLVED`; the HAR the same as "
        "`_failureText`; `chrome_debug.log` nothing. Traefik and the backend never see a Socket.IO request.",
    ),
    "protocol-version-mismatch": (
        "socket.io-client 2.5 asks `GET /socket.io/?EIO=3&transport=polling&t=Q8KklJO` (a 7-character yeast "
        "`t`, where 4.x sends 8 base-36 characters) and gets `400` with 51 bytes; engine.io logs `engine "
        "unsupported protocol version` and the app's handler `connection_error code=5 message=Unsupported "
        "protocol version`.",
        "The old client reports it as `connect_error: xhr poll error (status 400)` — the same words as a 400 "
        "for any other reason; its stack frames run through `socket.io-v2.js`. Nothing in the browser says "
        "'version'.",
    ),
    "session-id-unknown": (
        "Traefik shows one upstream URL for every request: the workers are invisible to it. Polling requests "
        "on a sid get `400 41` (`Session ID unknown`), WebSocket upgrades `400 18`, upgrades abandoned "
        'before the answer `499 21`; engine.io logs `unknown sid "…"` and the app\'s handler '
        "`connection_error code=1 message=Session ID unknown url=…transport=websocket…`.",
        "Not every session fails: requests that ride Traefik's kept-alive connection to the right worker "
        "succeed, so some sessions poll for the whole capture, some upgrade, and the others start over.",
        "Session ids of different workers can share a suffix (`…AAAA` from both): each worker counts its own.",
    ),
    "upgrade-never-completes": (
        "Chromium keeps **one WebSocket handshake per host in progress at a time**: the second and third "
        "tabs' upgrades did not start until the previous one failed — the HAR's WebSocket "
        "`startedDateTime`s are 12 s apart (22:03:16.5, 22:03:28.6, 22:03:40.6), each right after the "
        "previous `failed: Connection closed before receiving a handshake response`.",
        "No WebSocket request ever reaches Traefik (no `transport=websocket` line) and engine.io logs no "
        "upgrade attempt; the sessions poll for the whole capture with no error in the app.",
    ),
    "stuck-on-polling": (
        'The handshake answer says it: `{"sid":"…","upgrades":[],"pingInterval":25000,"pingTimeout":20000,'
        '"maxPayload":1000000}` (in the HAR). No `transport=websocket` request anywhere, no error anywhere.',
        "With the tabs chatting every 5 s, the long-polls return after ~5 s (a broadcast), not after the 25 s "
        "ping interval; the only non-200 lines are the three `499 21` long-polls cut when the tabs closed.",
    ),
    "reconnect-storm": (
        "Each kick leaves a `400 41` (`Session ID unknown`) in Traefik: the client's last long-poll GET or "
        "its goodbye POST on the session the server had just closed (engine.io logs `unknown sid`); an "
        "upgrade in flight gets `400 18`, or Chromium logs `WebSocket connection to '…' failed: WebSocket is "
        "closed before the connection is established.`",
        "Upgrades that did open were closed by the server within ~0.1 s: `0 0` lines of a few ms to 200 ms.",
        "The server's side is plain: `[chat] socket=… session token s-2026-11-18-77e2 is no longer valid, "
        "disconnecting` (the app's own line), the client's `disconnected: io server disconnect` then "
        "`connected` again 3 s later.",
    ),
    "router-priority-conflict": (
        "The tie really flips at reloads: new handshakes went to `web@file` (`404 149`, Express's `Cannot "
        "GET /socket.io/`) at first, to `socketio@file` after the first reload and still after the second, "
        "back to `web@file` after the third and to `socketio@file` after the fourth — each reload adds the "
        "routers again in Go map order.",
        "Tabs that connected in a good period keep their WebSocket through the bad ones (hijacked "
        "connections); only new handshakes show which router currently wins.",
    ),
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
    "healthy-flask-socketio": (
        'werkzeug 3.1 writes its request lines as `127.0.0.1 - - [02/Dec/2026 18:16:22] "GET /socket.io/?EIO=4&'
        'transport=polling&t=… HTTP/1.1" 200 -` (local time, no zone, no size) and **no line at all for a '
        "WebSocket request** (the handler never returns while the socket lives); its start-up banner has ANSI "
        "colour escapes even in a file (`\\x1b[31m\\x1b[1mWARNING: This is a development server…`).",
        "python-engineio/socketio lines carry no time and no level (`<sid>: Sending packet OPEN data {…}`, "
        '`<sid> is entering room lobby [/]`, `received event "chat" from <sid> [/]`); a closed tab leaves no '
        "line.",
    ),
    "flask-wrong-router": (
        "With `logging.basicConfig(format=…)` every python-engineio/socketio message is written **twice**: "
        "once bare by the handler python-engineio adds to its own logger, once with the root format "
        "(`[2026-12-02 18:17:09,135] INFO in socket: <sid>: Sending packet OPEN …`), because that logger "
        "also propagates; werkzeug's request lines get the prefix around their own CLF-like text "
        '(`[…,225] INFO in _internal: 127.0.0.1 - - [02/Dec/2026 18:17:09] "GET /socket.io/… HTTP/1.1" '
        "200 -`).",
        "After the priority change the Flask log simply stops: the 404s are Express's (`web@file` in "
        "Traefik, `statusCode: 404` in pino).",
    ),
    "healthy-django-daphne": (
        "daphne's access log (stdout) writes WebSockets as `127.0.0.1:47776 - - [02/Dec/2026:18:17:53] "
        '"WSCONNECTING /ws/chat/" - -`, then `WSCONNECT` when accepted and `WSDISCONNECT` at the close: no '
        "status, no size; HTTP as `\"GET /rooms/\" 200 59` (no protocol). daphne's own lines use its CLI's "
        "`%(asctime)-15s %(levelname)-8s %(message)s`; the app's `chat` logger Django's `verbose` format "
        "(`INFO 2026-12-02 18:17:53,962 consumers 25876 140272652508032 client […] joined lobby`).",
        "A reloaded or closed tab closes with 1001 (`left lobby (close code 1001)`).",
    ),
    "django-origin-rejected": (
        "daphne's `runserver` logs through `django.channels.server`, printed only with DEBUG on, as bare "
        "messages with **no time**: `WebSocket HANDSHAKING /ws/chat/ [127.0.0.1:48924]`, `WebSocket REJECT "
        "…`, `WebSocket DISCONNECT …` for every refused attempt, and `HTTP GET /rooms/ 200 [0.01, "
        "127.0.0.1:40870]` for HTTP.",
        "Traefik logs the refusal as `403 0` on `api@file`; Chromium's console: `Error during WebSocket "
        "handshake: Unexpected response code: 403`.",
    ),
    "django-wsgi-runserver": (
        "Django's WSGI runserver writes `Not Found: /ws/chat/` (django.request, no time) and then "
        '`[02/Dec/2026 18:22:05] "GET /ws/chat/ HTTP/1.1" 404 2205` (django.server\'s `[%(server_time)s]` '
        "prefix, local time, no zone) per handshake; Traefik logs `404` on the socketio router.",
    ),
    "healthy-go-gin": (
        "Gin logs a hijacked WebSocket when its handler returns, as `[GIN] 2026/12/02 - 18:15:53 | 200 | "
        '18.184699405s | 127.0.0.1 | GET "/ws"`: status **200** (not 101: Gin\'s writer never saw the '
        "101 gorilla wrote on the hijacked connection) and the connection's lifetime as latency.",
        "Debug mode prints `[GIN-debug]` lines and multi-line warnings at start (`- using env:\texport "
        "GIN_MODE=release`, blank lines); the standard `log` package writes `2026/12/02 18:15:53 client "
        "disconnected remote 127.0.0.1:41400 reason websocket: close 1001 (going away) clients 2`.",
        "The socketio router's `PathPrefix(/api/rooms)` also sends the REST script's POSTs to Gin, which "
        "answers `404` (only GET is routed there).",
    ),
    "go-upgrade-headers-stripped": (
        "gorilla/websocket 1.5.0 answers `400 12` (`Bad Request`) and the app's slog TextHandler line is "
        '`time=2026-12-02T18:19:17.628Z level=ERROR msg="upgrade failed" remote=127.0.0.1:54156 '
        "err=\"websocket: the client is not using the websocket protocol: 'upgrade' token not found in "
        "'Connection' header\"`.",
        "Traefik logs these requests with no `Upgrade` header (the hop removed it before Traefik); all of them "
        "came over one kept-alive connection from Traefik (the same remote port).",
    ),
    "go-origin-rejected": (
        "gorilla/websocket answers `403 10` (`Forbidden`), the app's slog JSONHandler writes "
        '`{"time":"2026-12-02T18:20:01.465224965Z","level":"ERROR","msg":"upgrade failed",…,'
        '"err":"websocket: request origin not allowed by Upgrader.CheckOrigin"}` (nanosecond times, '
        "trailing zeros dropped).",
    ),
    "nginx-healthy": (
        "nginx writes a WebSocket's access line once, when it closes, with status `101` and the bytes sent "
        "over the whole connection; `$time_local` is that closing second (the line is stamped with the end, "
        "not the start as Traefik's is), and the Docker `main` format has no `$request_time`, so the line "
        "alone does not say how long the connection lived.",
        "The error log stays empty at nginx's default level (`error`): closing WebSockets writes nothing there.",
    ),
    "nginx-upgrade-headers-missing": (
        "Without `proxy_http_version 1.1` nginx talks HTTP/1.0 upstream and drops the hop-by-hop `Upgrade`: "
        'engine.io answers the WebSocket request `400` with `{"code":3,"message":"Bad request"}` (34 bytes, '
        '`ul="34"` in `main_ext`), which nginx passes on as 45 bytes; `us="400"` shows the answer is the '
        "server's, not nginx's. The error log stays empty.",
    ),
    "nginx-idle-timeout": (
        "`proxy_read_timeout 20s` cuts every quiet WebSocket at 20.000–20.005 s (`$request_time` and "
        "`$upstream_response_time` in the 101 line, `upstreaminfo` format); nothing reaches the error log "
        "at its default level (`error`) — the cut is logged below it, if at all — so the access log's "
        "lifetimes are the evidence.",
    ),
    "nginx-payload-too-large": (
        "nginx answers the 40 kB polling POST `413` itself in a few milliseconds (`rt=0.004`, "
        '`ua="-" us="-"`: no upstream was asked), writes `client intended to send too large body: 40037 '
        "bytes` to the error log at `error`, and the Socket.IO server never sees the request.",
    ),
    "nginx-sticky-session-missing": (
        "`upstreaminfo`'s `$upstream_addr` alternates between the two servers request by request "
        "(round-robin); the second server answers the session's POSTs `400` (52 bytes, `Session ID unknown`).",
    ),
    "haproxy-healthy": (
        "HAProxy writes a WebSocket's line once, when it closes: status `101`, the accept date (the start, to "
        "the millisecond) and the last timer the whole lifetime (`0/0/0/2/42639`), termination state `----` "
        "for a close by either side after the browser went away.",
        'The harness\'s TCP readiness probe (connect, then close without a request) is logged as `CR-- 400 "<BADREQ>"` '
        "at the start of every HAProxy capture: real noise of any TCP health check.",
    ),
    "haproxy-idle-timeout": (
        "`timeout tunnel 15s` ends every quiet WebSocket at 15.06–15.15 s with termination state `cD--` (the "
        "client side's timeout, during the data phase); connections with traffic before the cut end `----`.",
    ),
    "haproxy-sticky-session-missing": (
        "`balance roundrobin` alternates `socketio/sio1` and `socketio/sio2` request by request; the server "
        "that did not create a session answers its requests `400` (`Session ID unknown`).",
    ),
    "caddy-healthy": (
        'Caddy 2.6.2 logs a proxied WebSocket once, when it closes, with `"status":0` and `"size":0` (the '
        "response was hijacked before its recorder saw a status) and its lifetime as `duration` in seconds; "
        "`ts` is the moment of logging (the end), unlike Traefik's start.",
    ),
    "caddy-sticky-session-missing": (
        "With two upstreams and no `lb_policy`, Caddy picks one at random for every request; the access log "
        "does not name the upstream (only `http.handlers.reverse_proxy` at DEBUG does), so the spread shows "
        "in the two servers' logs.",
    ),
    "caddy-backend-unreachable": (
        'Each refused request is two lines: an access entry `"level":"error"` with `"status":502` and, in '
        "Caddy's own log, `http.log.error` with `dial tcp 127.0.0.1:PORT: connect: connection refused`.",
    ),
}
