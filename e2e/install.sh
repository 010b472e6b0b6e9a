#!/bin/sh
# Installs what the real-browser suite needs, only what is missing: Debian's chromium and
# firefox-esr; WebKitGTK's WebDriver and a virtual X server for WebKit (webkit2gtk-driver,
# xvfb); PyGObject and WebKitGTK's introspection data for the suite's own small WebKit browser
# that keeps console messages (python3-gi, gir1.2-webkit2-4.1); then the npm packages of
# package-lock.json when node_modules is missing or older than the lock file. Idempotent, and
# quick when everything is there.
set -eu
cd "$(dirname "$0")"

missing=""
for pkg in chromium firefox-esr webkit2gtk-driver xvfb python3-gi gir1.2-webkit2-4.1; do
	if [ "$(dpkg-query -W -f '${db:Status-Status}' "$pkg" 2>/dev/null)" != installed ]; then
		missing="$missing $pkg"
	fi
done
if [ -n "$missing" ]; then
	apt-get update
	# shellcheck disable=SC2086 # one word per package
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
fi

# npm ci writes node_modules/.package-lock.json; a lock file newer than it means stale modules.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --no-audit --no-fund
fi
