#!/bin/sh
# Installs what the gateway and edge benchmarks (and their peer tests) compare doorman gateway
# with, only what is missing: Debian's nginx, caddy and varnish. Their packages enable system
# services (nginx on port 80, caddy, varnish on 6081 with its log daemon varnishncsa); the
# benchmarks run instances of their own on loopback ports, so the services are stopped and
# disabled. Idempotent, and quick when all are there. Fails when one is still missing.
# With arguments, installs only those packages (e.g. "nginx caddy").
set -eu

packages=${*:-nginx caddy varnish}
missing=""
for pkg in $packages; do
	if [ "$(dpkg-query -W -f '${db:Status-Status}' "$pkg" 2>/dev/null)" != installed ]; then
		missing="$missing $pkg"
	fi
done
if [ -n "$missing" ]; then
	apt-get update
	# shellcheck disable=SC2086 # one word per package
	DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends $missing
	services="$missing"
	case "$missing" in *varnish*) services="$services varnishncsa" ;; esac
	for svc in $services; do
		if [ -d /run/systemd/system ]; then
			systemctl disable --now "$svc"
		elif [ -x "/etc/init.d/$svc" ]; then
			"/etc/init.d/$svc" stop
			update-rc.d "$svc" disable
		fi
	done
fi

for pkg in $packages; do
	tool=$pkg
	[ "$pkg" = varnish ] && tool=varnishd
	if ! command -v "$tool" >/dev/null; then
		echo "$tool is still missing after installing it" >&2
		exit 1
	fi
done
