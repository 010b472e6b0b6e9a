#!/bin/sh
# Installs what the real-browser suite needs: Debian's chromium and firefox-esr (only when
# missing), and the npm packages of package-lock.json (only when node_modules is missing or
# older than the lock file). Idempotent, and quick when everything is there.
set -eu
cd "$(dirname "$0")"

if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/firefox-esr ]; then
	apt-get update
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends chromium firefox-esr
fi

# npm ci writes node_modules/.package-lock.json; a lock file newer than it means stale modules.
if [ ! -f node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
	npm ci --no-audit --no-fund
fi
