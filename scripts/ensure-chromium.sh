#!/usr/bin/env bash
# Installs Debian's chromium for the HTML report's browser tests (pytest -m browser) when it is missing.
# Safe to run again: does nothing when /usr/bin/chromium exists. Waits and retries while another apt or
# dpkg run holds the lock. Never downloads a browser from anywhere but the Debian archive.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
sudo=""
if [ "$(id -u)" -ne 0 ]; then
  command -v sudo >/dev/null || { echo "ensure-chromium: not root and no sudo; install chromium by hand" >&2; exit 1; }
  sudo="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
apt_get() { $sudo apt-get -o DPkg::Lock::Timeout=300 -qq "$@"; }
for attempt in 1 2 3 4 5 6; do
  if apt_get update && apt_get install -y chromium >/dev/null; then
    /usr/bin/chromium --version
    exit 0
  fi
  echo "ensure-chromium: apt-get failed (attempt $attempt), retrying in 20 s" >&2
  sleep 20
done
echo "ensure-chromium: could not install chromium" >&2
exit 1
