#!/usr/bin/env bash
# Browser tests drive Debian's Chromium; install it when missing (as root), never download one.
set -euo pipefail
CHROMIUM="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ -x "$CHROMIUM" ]; then
  exit 0
fi
if [ "$(id -u)" -eq 0 ] && command -v apt-get >/dev/null; then
  echo "Installing Debian's chromium package (needed for the browser tests)..."
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq || true
  apt-get install -y -qq chromium >/dev/null
fi
if [ ! -x "$CHROMIUM" ]; then
  echo "ERROR: Chromium is not installed at $CHROMIUM and could not be installed." >&2
  echo "       Install Debian's 'chromium' package (apt-get install chromium) or set CHROMIUM_PATH." >&2
  exit 1
fi
