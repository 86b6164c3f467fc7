# `make test` is the one command that runs the tests (CI runs it through .ci/run).
# It starts the local services the integration tests talk to, then checks
# formatting, vets and runs every test with the race detector.
GO ?= go

.PHONY: test build dist bench bench-compare services lint ui

test: services lint
	$(GO) test -race -count=1 ./...

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go' 2>/dev/null || find . -name '*.go')); \
	  if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...

services:
	bash .ci/services.sh

build:
	$(GO) build -o eventum .

# dist stamps the version, commit and build date that `eventum --version` prints.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo 0.1.0-dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
PKG     := github.com/eventum-go/eventum/cli
dist:
	CGO_ENABLED=0 $(GO) build -trimpath -ldflags "-s -w -X $(PKG).Version=$(VERSION) -X $(PKG).Commit=$(COMMIT) -X $(PKG).BuildDate=$(DATE)" -o eventum .

bench:
	$(GO) run ./bench --stages --runs 0 --path bench/configs/access-log-file.yml
	$(GO) run ./bench --runs 3 --path bench/configs/access-log-file.yml
	$(GO) test -run '^$$' -bench . -benchmem ./...
	$(GO) run ./bench --path bench/configs/tracing-file.yml

# The Studio's bundle (server/ui/dist, committed and embedded in the binary):
# rebuild it after editing server/ui/src. Needs Node and npm; users need neither.
ui:
	cd server/ui && npm ci && npm run build
# Side by side with the baselines of bench/baselines (Python Jinja2, the Go
# ceiling, raw pgx, raw kafka-go): interleaved runs, medians, ratios.
bench-compare:
	$(GO) run ./bench/compare --runs 3
