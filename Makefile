# `make test` is the one command that runs the tests (CI runs it through .ci/run).
# It starts the local services the integration tests talk to, then checks
# formatting, vets and runs every test with the race detector.
GO ?= go

.PHONY: test build dist image bench bench-compare services lint ui

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

# Release builds: static binaries (CGO_ENABLED=0) for linux and darwin on
# amd64 and arm64 under dist/, stamped with version, commit and date, with
# SHA-256 checksums in dist/SHA256SUMS. VERSION defaults to `git describe`.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
COMMIT  ?= $(shell git rev-parse HEAD 2>/dev/null || echo unknown)
DATE    ?= $(shell date -u +%Y-%m-%dT%H:%M:%SZ)
PLATFORMS ?= linux/amd64 linux/arm64 darwin/amd64 darwin/arm64
LDFLAGS = -s -w -X github.com/eventum-go/eventum/cli.Version=$(VERSION) \
	-X github.com/eventum-go/eventum/cli.Commit=$(COMMIT) \
	-X github.com/eventum-go/eventum/cli.BuildDate=$(DATE)

dist:
	@mkdir -p dist
	@set -e; for p in $(PLATFORMS); do \
	  os=$${p%/*}; arch=$${p#*/}; \
	  echo "dist: eventum-$$os-$$arch"; \
	  CGO_ENABLED=0 GOOS=$$os GOARCH=$$arch $(GO) build -trimpath -ldflags "$(LDFLAGS)" -o dist/eventum-$$os-$$arch . ; \
	done
	@cd dist && sha256sum $(foreach p,$(PLATFORMS),eventum-$(subst /,-,$(p))) > SHA256SUMS && cat SHA256SUMS

# The container image (deploy/Containerfile) from the linux binary of the
# host's architecture; offline, with podman (or docker). IMAGE names the tag.
IMAGE ?= eventum:$(VERSION)
image:
	$(MAKE) dist PLATFORMS=linux/$$($(GO) env GOARCH)
	bash deploy/image.sh $(IMAGE)
