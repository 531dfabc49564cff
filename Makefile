# rmsuite — one command to run, one to test.
#   make run     build and start the whole suite (etcd, four services, gateway on :8080)
#   make test    unit, storage (SQLite + PostgreSQL), component and end-to-end tests
#   make lint    go vet, gofmt, buf lint/format/breaking, generated-code drift, deploy-check
#   make bench   benchmarks and a load profile of the suite as processes, written to gateway/perf/PERFORMANCE.md
#   make web     rebuild the web console (gateway/web/dist, committed) from its TypeScript sources (needs Node 20)
#   make test-browser  the web console in headless Chromium (also part of make test); screenshots in .tmp/browser
#   make drills  failure drills on real processes: kill -9, hung instance, etcd and PostgreSQL outages
#   make images  container images, one per binary (needs a Docker engine; says so when none runs)
# Tools are installed at pinned versions into .bin by `make tools`.

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

BIN     := $(CURDIR)/.bin
export PATH := $(BIN):$(PATH)
export GOFLAGS := -buildvcs=false

MODULES  := pkg proto services/roster services/assessment services/compensation services/visits gateway
PACKAGES := $(MODULES:%=./%/...)
VERSION  ?= $(shell git describe --tags --always --dirty 2>/dev/null || echo dev)
LDFLAGS  := -s -w -X github.com/rmsuite/rmsuite/pkg/server.Version=$(VERSION)

BUF_VERSION                := v1.75.0
PROTOC_GEN_GO_VERSION      := v1.36.12
PROTOC_GEN_GO_GRPC_VERSION := v1.6.2
GRPC_GATEWAY_VERSION       := v2.33.0
GRPCURL_VERSION            := v1.9.4
# kustomize v5.8.3 needs Go 1.27; v5.8.2 is the newest that builds with Go 1.26.
KUSTOMIZE_VERSION          := v5.8.2
KUBECONFORM_VERSION        := v0.8.0
GHZ_VERSION                := v0.121.0

TOOLS := \
	buf@github.com/bufbuild/buf/cmd/buf@$(BUF_VERSION) \
	protoc-gen-go@google.golang.org/protobuf/cmd/protoc-gen-go@$(PROTOC_GEN_GO_VERSION) \
	protoc-gen-go-grpc@google.golang.org/grpc/cmd/protoc-gen-go-grpc@$(PROTOC_GEN_GO_GRPC_VERSION) \
	protoc-gen-grpc-gateway@github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-grpc-gateway@$(GRPC_GATEWAY_VERSION) \
	protoc-gen-openapiv2@github.com/grpc-ecosystem/grpc-gateway/v2/protoc-gen-openapiv2@$(GRPC_GATEWAY_VERSION) \
	grpcurl@github.com/fullstorydev/grpcurl/cmd/grpcurl@$(GRPCURL_VERSION) \
	kustomize@sigs.k8s.io/kustomize/kustomize/v5@$(KUSTOMIZE_VERSION) \
	kubeconform@github.com/yannh/kubeconform/cmd/kubeconform@$(KUBECONFORM_VERSION) \
	ghz@github.com/bojand/ghz/cmd/ghz@$(GHZ_VERSION)

SERVICES := roster assessment compensation visits
WEB      := gateway/web

.PHONY: help
help:
	@grep -E '^#   make' Makefile | sed 's/^#   //'

## tools: install every pinned tool into .bin (each is reinstalled only when its pin changes)
.PHONY: tools
tools:
	@mkdir -p $(BIN)
	@for t in $(TOOLS); do \
		name=$${t%%@*}; pkg=$${t#*@}; stamp=$(BIN)/.$$name-$${pkg##*@}; \
		if [ ! -x $(BIN)/$$name ] || [ ! -f $$stamp ]; then \
			echo "installing $$pkg"; \
			GOWORK=off GOBIN=$(BIN) go install $$pkg; \
			rm -f $(BIN)/.$$name-*; touch $$stamp; \
		fi; \
	done

## generate: regenerate Go code and the OpenAPI document from proto/
.PHONY: generate
generate: tools
	rm -rf proto/gen
	buf generate --path proto/rmsuite
	buf format -w --path proto/rmsuite

## build: build every binary into .bin
.PHONY: build
build:
	@mkdir -p $(BIN)
	go build -ldflags '$(LDFLAGS)' -o $(BIN)/ $(foreach s,$(SERVICES),./services/$(s)/cmd/$(s)) ./gateway/cmd/gateway ./gateway/cmd/rmsuite

## run: start the whole suite with seed data; data persists in .data; Ctrl-C stops it
.PHONY: run
run: build
	$(BIN)/rmsuite dev --data .data --bin $(BIN)

## test: every test tier; PostgreSQL is started when possible (and required when CI=true)
.PHONY: test
test: tools
	@if [ "$${CI:-}" = "true" ]; then deploy/local/postgres.sh --must; else deploy/local/postgres.sh; fi
	@if [ "$${CI:-}" = "true" ]; then $(MAKE) --no-print-directory browser-deps; fi
	go test -count=1 -timeout 15m $(PACKAGES)
	@echo "benchmarks, once each, so that they keep working (make bench measures):"
	go test -count=1 -run '^$$' -bench . -benchtime 1x ./gateway/e2e/ ./services/roster/internal/adapters/sqlstore/ \
		./services/visits/internal/service/ ./services/compensation/internal/service/ ./services/assessment/internal/service/

## lint: vet, formatting, contracts (lint, format, breaking) and generated-code drift
.PHONY: lint
lint: tools
	go vet $(PACKAGES)
	@unformatted=$$(gofmt -l $(MODULES) deploy); if [ -n "$$unformatted" ]; then echo "gofmt needed:"; echo "$$unformatted"; exit 1; fi
	buf lint
	buf format -d --exit-code --path proto/rmsuite
	@mkdir -p .tmp && buf build --exclude-source-info --path proto/rmsuite -o .tmp/current.json
	buf breaking .tmp/current.json --against proto/published.json
	$(MAKE) --no-print-directory generate
	@git diff --exit-code --stat -- proto/ || { echo "generated code is out of date: run make generate and commit"; exit 1; }
	@untracked=$$(git status --porcelain --untracked-files=all -- proto/gen proto/openapi | grep '^??' || true); \
		test -z "$$untracked" || { echo "make generate created files git does not track (add and commit them):"; echo "$$untracked"; exit 1; }
	$(MAKE) --no-print-directory deploy-check
	@if command -v npm >/dev/null || [ "$${CI:-}" = "true" ]; then $(MAKE) --no-print-directory web-check; \
		else echo "web-check skipped: npm not found (Node.js 20 checks that gateway/web/dist matches its sources)"; fi

## web: rebuild the console's committed assets (gateway/web/dist) from gateway/web/src: type check, then vite build
.PHONY: web
web: web-deps
	cd $(WEB) && npm run --silent build

## web-deps: the console's npm packages as package-lock.json pins them, no install scripts. (npm install
##           --no-save rather than npm ci: the registry mirror here lacks other systems' esbuild/rollup
##           binaries, so the lock file leaves them out and npm ci would call it out of sync.)
.PHONY: web-deps
web-deps:
	@command -v npm >/dev/null || { echo "npm not found: install Node.js 20 and npm (Debian: apt-get install -y nodejs npm)"; exit 1; }
	@if [ ! -f $(WEB)/node_modules/.package-lock.json ] || [ $(WEB)/package-lock.json -nt $(WEB)/node_modules/.package-lock.json ]; then \
		cd $(WEB) && npm install --ignore-scripts --no-save --no-audit --no-fund; fi

## web-check: the committed console build matches its sources (rebuilds it, then asks git)
.PHONY: web-check
web-check: web
	@git diff --exit-code --stat -- $(WEB)/dist || { echo "gateway/web/dist is out of date: run make web and commit it"; exit 1; }
	@untracked=$$(git status --porcelain --untracked-files=all -- $(WEB)/dist | grep '^??' || true); \
		test -z "$$untracked" || { echo "make web created files git does not track (add and commit them):"; echo "$$untracked"; exit 1; }

## browser-deps: what the browser tests need: Debian's chromium with its translations (chromium-l10n: date inputs in Chinese)
##               and a CJK font (installed when missing, as root) and web-deps
.PHONY: browser-deps
browser-deps: web-deps
	@if [ ! -x /usr/bin/chromium ] || [ ! -f /usr/lib/chromium/locales/zh-CN.pak ] || ! fc-list :lang=zh 2>/dev/null | grep -q .; then \
		if [ "$$(id -u)" = 0 ]; then \
			apt-get install -y chromium chromium-l10n fonts-wqy-microhei || { apt-get update && apt-get install -y chromium chromium-l10n fonts-wqy-microhei; }; \
		else echo "install chromium: sudo apt-get install -y chromium chromium-l10n fonts-wqy-microhei"; [ "$${CI:-}" != "true" ] || exit 1; fi; \
	fi

## test-browser: the console in headless Chromium against the suite on random ports (gateway/browser, about a minute)
.PHONY: test-browser
test-browser: browser-deps
	go test -count=1 -v ./gateway/browser/

## deploy-check: render the Kubernetes overlays (kustomize) and validate every manifest strictly
##               (kubeconform, offline schemas in deploy/k8s/schemas); broken manifests must be rejected
.PHONY: deploy-check
deploy-check: tools
	deploy/k8s/check.sh

## publish-contracts: record the current contracts as published; buf breaking guards them from now on
.PHONY: publish-contracts
publish-contracts: tools
	buf build --exclude-source-info --path proto/rmsuite -o proto/published.json

## bench: the performance report, gateway/perf/PERFORMANCE.{md,json} (about 15 minutes; heavy): a load profile of the
##        suite as processes (gateway/drills TestLoadProfile: the main reads over REST and gRPC against a trivial call,
##        memory per process), the gateway and roster benchmarks, plan generation for 165,000 customers and payroll
##        runs for 10,000 and 100,000 managers on SQLite and PostgreSQL
.PHONY: bench
bench: tools
	@mkdir -p .tmp
	@deploy/local/postgres.sh
	RMSUITE_DRILLS=1 RMSUITE_LOAD_OUT=$(CURDIR)/.tmp/load.json go test -count=1 -timeout 20m -run '^TestLoadProfile$$' -v ./gateway/drills/ \
		2>&1 | grep -v '^=== RUN' | tee .tmp/bench-load.txt
	go test -run '^$$' -bench . -benchtime 3s -count 5 ./gateway/e2e/ ./services/roster/internal/adapters/sqlstore/ | tee .tmp/bench.txt
	go test -run '^$$' -bench GeneratePlans -benchtime 3x -count 1 -v ./services/visits/internal/service/ | tee .tmp/bench-visits.txt
	go test -run '^$$' -bench GetDayList -benchtime 2s -count 1 -v ./services/visits/internal/service/ | tee -a .tmp/bench-visits.txt
	go test -run '^$$' -bench 'PayrollRun$$' -benchtime 3x -count 1 -v ./services/compensation/internal/service/ | tee .tmp/bench-compensation.txt
	RMSUITE_BENCH_LARGE=1 go test -run '^$$' -bench PayrollRunLarge -benchtime 1x -count 1 -timeout 30m -v ./services/compensation/internal/service/ \
		| tee -a .tmp/bench-compensation.txt
	go run ./gateway/perf/report -command "make bench" -bench .tmp/bench.txt,.tmp/bench-visits.txt,.tmp/bench-compensation.txt \
		-load .tmp/load.json -md gateway/perf/PERFORMANCE.md -json gateway/perf/PERFORMANCE.json

## drills: failure drills on real processes (gateway/drills, about 4 minutes): two instances of each service
##         on a private PostgreSQL cluster (SQLite when its binaries are absent; required when CI=true)
.PHONY: drills
drills:
	@mkdir -p .tmp
	RMSUITE_DRILLS=1 go test -count=1 -timeout 20m -v ./gateway/drills/ 2>&1 | grep -v '^=== RUN' | tee .tmp/drills.txt

## images: one container image per binary (deploy/docker); without a Docker engine it says so and only checks
.PHONY: images
images:
	deploy/docker/images.sh $(VERSION)

## clean: remove build output and local run data
.PHONY: clean
clean:
	rm -rf $(BIN) .data
