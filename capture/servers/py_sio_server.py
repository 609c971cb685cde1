"""A python-socketio chat backend served by uvicorn (ASGI), with engine.io and socket.io logging on.

Run: WSDIAG_SERVER='{"name": "chat-py", "cors": "*"}' python -m uvicorn --app-dir capture/servers \
     py_sio_server:app --host 127.0.0.1 --port PORT --ws wsproto
Options (JSON in WSDIAG_SERVER): cors (``"*"``, a list of origins, or null for python-engineio's
same-origin default), path, ping_interval, ping_timeout, max_http_buffer_size.
"""

from __future__ import annotations

import json
import os

import socketio

_opts = json.loads(os.environ.get("WSDIAG_SERVER", "{}"))
_kwargs = {
    key: _opts[key] for key in ("ping_interval", "ping_timeout", "max_http_buffer_size") if key in _opts
}
sio = socketio.AsyncServer(
    async_mode="asgi",
    cors_allowed_origins=_opts.get("cors"),
    logger=True,
    engineio_logger=True,
    **_kwargs,
)
app = socketio.ASGIApp(sio, socketio_path=_opts.get("path", "socket.io"))


@sio.event
async def connect(sid: str, environ: dict, auth: object = None) -> None:
    await sio.enter_room(sid, "lobby")


@sio.event
async def chat(sid: str, msg: object) -> None:
    await sio.emit("chat", msg, room="lobby", skip_sid=sid)
