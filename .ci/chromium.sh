#!/usr/bin/env bash
# Debian's packages the tests need beyond Python: Chromium for the browser tests (Playwright
# launches it; nothing is downloaded) and GNU gettext, whose xgettext the catalogue test uses to
# extract every message. Installs what is missing; fails with the reason when it cannot.
set -euo pipefail
CHROMIUM="${TIERDESK_CHROMIUM:-/usr/bin/chromium}"
missing=()
[ -x "$CHROMIUM" ] || missing+=(chromium)
command -v xgettext >/dev/null || missing+=(gettext)
[ "${#missing[@]}" -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ] && ! command -v sudo >/dev/null; then
    echo "test packages missing: ${missing[*]}; install Debian's packages (apt-get install ${missing[*]})" >&2
    exit 1
fi
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
echo "installing Debian's ${missing[*]} for the tests"
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get update -q >/dev/null
$SUDO env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${missing[@]}" >/dev/null
[ -x "$CHROMIUM" ] || { echo "chromium: still missing at $CHROMIUM" >&2; exit 1; }
command -v xgettext >/dev/null || { echo "gettext: xgettext still missing" >&2; exit 1; }
