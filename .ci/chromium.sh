#!/usr/bin/env bash
# Debian's Chromium for the browser tests (Playwright launches it; nothing is downloaded).
# Installs the package when it is missing; fails with the reason when it cannot.
set -euo pipefail
CHROMIUM="${TIERDESK_CHROMIUM:-/usr/bin/chromium}"
[ -x "$CHROMIUM" ] && exit 0
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
    echo "chromium: $CHROMIUM is missing; install Debian's chromium package (apt-get install chromium)" >&2
    exit 1
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "chromium: installing Debian's chromium package for the browser tests"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null
[ -x "$CHROMIUM" ] || { echo "chromium: still missing at $CHROMIUM" >&2; exit 1; }
