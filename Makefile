# doorman's build, checks and benchmarks. `make test` is what CI runs; it installs what it
# needs (Go modules through the module proxy) and needs nothing else set up.

GO          ?= go
STATICCHECK := honnef.co/go/tools/cmd/staticcheck@v0.8.2
BENCHSTAT   := golang.org/x/perf/cmd/benchstat@v0.0.0-20260908200009-22c9c6c9d4da
PKGS        := ./...
# VERSION is what `doorman version` prints for a binary built here: the nearest tag, the commit
# and "-dirty" for uncommitted changes (a bare commit hash before the first tag).
VERSION     ?= $(shell git describe --tags --always --dirty 2>/dev/null)
LDFLAGS     := -X main.version=$(VERSION)
BENCHCOUNT  ?= 6
FUZZTIME    ?= 30s
# CONSOLE_UI is the console's pages' npm package (Node.js 20 and npm).
CONSOLE_UI  := console/ui

.PHONY: all build install test deps check console-ui console-ui-check unit e2e fuzz mutation bench bench-engine bench-server bench-connections bench-gateway bench-edge bench-scale-out bench-startup clean

all: build

build:
	$(GO) build -ldflags '$(LDFLAGS)' -o bin/doorman ./cmd/doorman

## install: doorman into $(go env GOBIN), or $(go env GOPATH)/bin, with VERSION stamped.
install:
	$(GO) install -ldflags '$(LDFLAGS)' ./cmd/doorman

## test: everything CI checks.
test: check unit e2e

deps:
	$(GO) mod download

check: deps console-ui-check
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); \
	  if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	$(GO) mod tidy -diff
	$(GO) vet $(PKGS)
	$(GO) run $(STATICCHECK) $(PKGS)

## console-ui: build the console's pages, console/ui/src, into console/ui/dist, which is
## committed (the binary embeds it, so a clone serves the console with no build step); commit
## dist/ with the sources it was built from.
console-ui: $(CONSOLE_UI)/node_modules/.package-lock.json
	cd $(CONSOLE_UI) && node build.mjs

## console-ui-check: fail when console/ui/dist is not, byte for byte, what a fresh build of
## console/ui/src makes (part of check).
console-ui-check: $(CONSOLE_UI)/node_modules/.package-lock.json
	cd $(CONSOLE_UI) && node build.mjs --check

# The pages' npm packages, as package-lock.json pins them: installed again when node_modules
# is missing or older than the lock (npm ci fails when the lock does not match package.json).
$(CONSOLE_UI)/node_modules/.package-lock.json: $(CONSOLE_UI)/package-lock.json
	cd $(CONSOLE_UI) && npm ci --no-audit --no-fund
	touch $@

# The lock is committed; only a clone that lost it makes it again, to be committed.
$(CONSOLE_UI)/package-lock.json:
	cd $(CONSOLE_UI) && npm install --package-lock-only --no-audit --no-fund

unit: deps
	integration/testdata/gateway-peers/install.sh
	integration/testdata/minio/install.sh
	@# readme_test.go runs the README's curl samples.
	command -v curl >/dev/null || { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends curl; }
	$(GO) test -race -shuffle=on -count=1 $(PKGS)

## e2e: the real-browser suite: doorman's CORS in headless Chromium, Firefox and WebKit (installs
## them from Debian, with WebKit's WebDriver and Xvfb, and the suite's npm packages when
## missing), then the web console driven end to end in the same three engines, then the S3
## cases again against a scale-out deployment (two nodes over a four-process MinIO behind
## nginx, installed or built first when missing), which must reach the embedded run's verdicts;
## verdicts in e2e/results/ and e2e/results/scale-out/, the console's report, axe-core results
## and screenshots in e2e/results/console/.
e2e: E2E_RUN := $(shell date -u +%Y%m%dT%H%M%SZ)
e2e: build
	e2e/install.sh
	integration/testdata/gateway-peers/install.sh nginx
	integration/testdata/minio/install.sh
	E2E_RUN=$(E2E_RUN) node e2e/run.js
	node e2e/console.js
	E2E_RUN=$(E2E_RUN) E2E_TOPOLOGY=scale-out node e2e/run.js

## fuzz: run every fuzz target for FUZZTIME each.
fuzz:
	@for pkg in $$($(GO) list $(PKGS)); do \
	  for f in $$($(GO) test -list '^Fuzz' $$pkg | grep '^Fuzz'); do \
	    echo "== $$pkg $$f"; \
	    $(GO) test $$pkg -run '^$$' -fuzz "^$$f\$$" -fuzztime $(FUZZTIME) || exit 1; \
	  done; \
	done

## mutation: apply each mutation of internal/mutation/mutants.go to a copy of the module and
## check that the tests named for it fail; fails if one survives or its snippet is out of date.
## Not part of test: it takes several minutes.
mutation:
	$(GO) run ./internal/mutation

## bench: the engine against jub0bs/cors and rs/cors, then the server over loopback against a
## bare net/http ceiling, versitygw and a single-node MinIO (both built outside the repository),
## then the server and the ceiling holding 100 and 1,000 kept-alive connections at once, then
## the gateway against
## nginx and Caddy, then its cache against nginx proxy_cache and Varnish, then a doorman node
## over MinIO against MinIO directly, summarised by benchstat, then the start of the server
## over a store of a million objects and one of 10,000 buckets.
PEERS ?= $(or $(TMPDIR),/tmp)/doorman-peers
VERSITYGW := $(PEERS)/versitygw

# ROUNDS runs the server benchmark command that follows it BENCHCOUNT times, -count 1 each:
# every round measures each server in turn, one after the other. With -count N, go test runs
# one server's N counts back to back, so the machine's drift over minutes (throughput here
# moves by 20 % from one minute to the next) lands on one server's figures and not on the
# others', and the ratios between servers move with it. internal/benchratio then pairs the
# servers' figures round by round.
ROUNDS = (for round in $$(seq $(BENCHCOUNT)); do

bench: bench-engine bench-server bench-connections bench-gateway bench-edge bench-scale-out bench-startup

bench-engine:
	$(GO) test ./cors/ -run '^$$' -bench . -benchmem -count $(BENCHCOUNT) -benchtime 500ms | tee bench-engine.txt
	$(GO) run $(BENCHSTAT) -col /impl bench-engine.txt

bench-server: $(VERSITYGW)
	integration/testdata/minio/install.sh
	$(GO) test ./s3api/ -run '^$$' -bench . -benchmem -count $(BENCHCOUNT) | tee bench-s3.txt
	$(ROUNDS) DOORMAN_BENCH_VERSITYGW=$(VERSITYGW) DOORMAN_BENCH_MINIO=$(PEERS)/minio \
	  $(GO) test ./integration/ -run '^$$' -bench '^BenchmarkS3$$' -benchtime 2s -count 1 || exit 1; done) > bench-server.txt; \
	  status=$$?; cat bench-server.txt; exit $$status
	$(GO) run $(BENCHSTAT) -col /server bench-server.txt
	$(GO) run ./internal/benchratio bench-server.txt

## bench-connections: doorman serve and the ceiling holding 100, then 1,000 kept-alive
## connections at once, a request in flight on each: throughput, p50 and p99 latency, CPU time
## per request and the server's resident set (before, under load, per connection).
bench-connections:
	$(ROUNDS) $(GO) test ./integration/ -run '^$$' -bench '^BenchmarkConnections$$' -benchtime 2s -count 1 || exit 1; done) > bench-connections.txt; \
	  status=$$?; cat bench-connections.txt; exit $$status
	$(GO) run $(BENCHSTAT) -col /server bench-connections.txt
	$(GO) run ./internal/benchratio bench-connections.txt

## bench-gateway: doorman gateway against nginx and Caddy (Debian's, installed when missing),
## each with the same CORS policy from integration/testdata/gateway-peers, and a direct
## connection to the upstream; first checks that all three let the same requests through.
bench-gateway:
	integration/testdata/gateway-peers/install.sh nginx caddy
	$(GO) test ./integration/ -run '^TestGatewayPeersAgree$$' -count 1
	$(ROUNDS) $(GO) test ./integration/ -run '^$$' -bench '^BenchmarkGateway$$' -benchtime 2s -count 1 || exit 1; done) > bench-gateway.txt; \
	  status=$$?; cat bench-gateway.txt; exit $$status
	$(GO) run $(BENCHSTAT) -col '/server@(doorman nginx caddy direct)' bench-gateway.txt
	$(GO) run ./internal/benchratio bench-gateway.txt

## bench-edge: doorman gateway's cache against nginx proxy_cache and Varnish (Debian's,
## installed when missing), configured from integration/testdata/gateway-peers, and the bare
## origin (the ceiling server) they cache a 4 KiB object of; first checks that each serves it
## from its cache.
bench-edge:
	integration/testdata/gateway-peers/install.sh nginx varnish
	$(GO) test ./integration/ -run '^TestEdgePeersHit$$' -count 1
	$(ROUNDS) $(GO) test ./integration/ -run '^$$' -bench '^BenchmarkEdge$$' -benchtime 2s -count 1 || exit 1; done) > bench-edge.txt; \
	  status=$$?; cat bench-edge.txt; exit $$status
	$(GO) run $(BENCHSTAT) -col '/server@(doorman nginx varnish ceiling)' bench-edge.txt
	$(GO) run ./internal/benchratio bench-edge.txt

## bench-scale-out: `doorman serve --backend s3` nodes (--upstream-balance round-robin and
## failover) over a four-process erasure-coded MinIO cluster (built by
## integration/testdata/minio/install.sh) against the same cluster directly (spread over its
## nodes, and its first node), in one run: GET and PUT of 4 KiB and 1 MiB, a preflight and a
## listing.
bench-scale-out:
	integration/testdata/minio/install.sh
	$(ROUNDS) $(GO) test ./integration/ -run '^$$' -bench '^BenchmarkScaleOut$$' -benchtime 2s -count 1 || exit 1; done) > bench-scale-out.txt; \
	  status=$$?; cat bench-scale-out.txt; exit $$status
	$(GO) run $(BENCHSTAT) -col '/server@(doorman minio-spread doorman-failover minio)' bench-scale-out.txt
	$(GO) run ./internal/benchratio bench-scale-out.txt
	$(GO) run ./internal/benchratio -of doorman-failover bench-scale-out.txt

## bench-startup: `doorman serve`'s start over the embedded store, each in a process of its
## own, after a clean stop and after a crash: a million objects in one bucket, then 10,000
## buckets of 100: the time to open the store and to answer the health check, the resident
## memory then, and a page of 1,000 keys from the middle of a bucket, the first and the next
## (time, processor time, page faults). Building each store takes a minute or two, once; one
## start of each kind: the figures are single measurements, not benchstat's. By hand:
##   go test ./storage/disk/ -run '^$' -bench '^BenchmarkStartup$' -benchtime 1x -timeout 30m
bench-startup:
	$(GO) test ./storage/disk/ -run '^$$' -bench '^BenchmarkStartup$$' -benchtime 1x -timeout 30m > bench-startup.txt; \
	  status=$$?; cat bench-startup.txt; exit $$status

$(VERSITYGW):
	GOBIN=$(PEERS) $(GO) install github.com/versity/versitygw/cmd/versitygw@v1.8.0

clean:
	rm -rf bin bench-*.txt
