#!/bin/sh
# Builds MinIO, the erasure-coded upstream the scale-out cluster test
# (integration/scaleout_minio_test.go) runs doorman's s3 backend against, into the peers' cache
# directory outside the repository: $PEERS, else $TMPDIR/doorman-peers, else /tmp/doorman-peers,
# the directory the Makefile builds versitygw into and where the test looks for $PEERS/minio.
# MinIO is AGPLv3: it is built on the machine that runs the tests and never committed.
# Community MinIO publishes no tags and its repository is archived, so the module version is
# pinned; the build (about 9 minutes on 2 cores) is skipped when the binary there was built
# from that version.
set -eu

module=github.com/minio/minio
version=v0.0.0-20260212201848-7aac2a2c5b7c
peers=${PEERS:-${TMPDIR:-/tmp}/doorman-peers}
bin=$peers/minio

go=${GO:-go}
if [ -x "$bin" ] && "$go" version -m "$bin" 2>/dev/null | grep -q "^[[:space:]]*mod[[:space:]]*$module[[:space:]]*$version[[:space:]]"; then
	exit 0
fi
mkdir -p "$peers"
echo "building $module@$version into $peers (about 9 minutes)" >&2
GOBIN=$peers "$go" install "$module@$version"
