"""A Flask-SocketIO chat backend on werkzeug's development server, as `socketio.run(app)` runs it.

Flask-SocketIO picks the `threading` async mode (simple-websocket carries the WebSockets) and, with
``allow_unsafe_werkzeug=True``, serves on werkzeug's dev server, whose request log is on by default.
Both Socket.IO loggers are on (``logger=True, engineio_logger=True``).

Run: WSDIAG_SERVER='{"cors": "*"}' python flask_sio_server.py PORT
Options (JSON in WSDIAG_SERVER): cors (``"*"``, a list of origins, or null for the same-origin default),
log_format (a Python logging format given to ``logging.basicConfig``, as applications configure it; without
it every logger keeps its library default: werkzeug's and engineio's bare messages).
"""

from __future__ import annotations

import json
import logging
import os
import sys

from flask import Flask, jsonify
from flask_socketio import SocketIO, emit, join_room

_opts = json.loads(os.environ.get("WSDIAG_SERVER", "{}"))
if _opts.get("log_format"):
    logging.basicConfig(level=logging.INFO, format=_opts["log_format"])

app = Flask(__name__)
socketio = SocketIO(
    app,
    cors_allowed_origins=_opts.get("cors"),
    logger=True,
    engineio_logger=True,
    async_mode="threading",
)
log = logging.getLogger("chat")


@app.get("/api/rooms")
def rooms() -> object:
    return jsonify([{"id": 1, "name": "general"}, {"id": 2, "name": "random"}])


@socketio.on("connect")
def connect(auth: object = None) -> None:
    join_room("lobby")
    log.info("client joined the lobby")


@socketio.on("chat")
def chat(msg: object) -> None:
    emit("chat", msg, to="lobby", include_self=False)


if __name__ == "__main__":
    socketio.run(app, host="127.0.0.1", port=int(sys.argv[1]), allow_unsafe_werkzeug=True)
