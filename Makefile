# warren: build, test and demo targets. `make help` lists them.
SHELL := /bin/bash
.DEFAULT_GOAL := build

# Find go even when PATH lacks it (CI and fresh shells).
GO ?= $(shell command -v go 2>/dev/null || echo /usr/local/go/bin/go)
GOFMT ?= $(shell $(GO) env GOROOT)/bin/gofmt
BIN := bin
# What --version says; build info gives the revision when this is empty.
VERSION ?= $(shell git describe --tags --always --dirty 2>/dev/null)
LDFLAGS := -X main.version=$(VERSION)
# Flags for warren-demo, e.g. DEMO_FLAGS="--uri amqp://u:p@host:5672/" (or set WARREN_URI)
DEMO_FLAGS ?=
# What `make demo` runs in the foreground (add flags here, e.g. --read-only).
WARREN_RUN ?= $(GO) run -ldflags '$(LDFLAGS)' ./cmd/warren

.PHONY: help build test vet fmt-check ensure-broker demo seed traffic clean-demo clean bench screenshots

help: ## list targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-14s %s\n", $$1, $$2}'

build: ## build bin/warren
	$(GO) build -ldflags '$(LDFLAGS)' -o $(BIN)/warren ./cmd/warren

ensure-broker: ## install/start RabbitMQ on loopback if needed
	bash scripts/ensure-broker.sh

vet:
	$(GO) vet ./...

fmt-check: ## fail on files gofmt would change
	@files=$$(find . -name '*.go' -not -path './.git/*' -not -path '*/testdata/*' -print0 | xargs -0 -r $(GOFMT) -l); \
	if [ -n "$$files" ]; then echo "gofmt needed on:"; echo "$$files"; exit 1; fi

# Steps in a fixed order, even under make -j.
test: ## start the broker, vet, gofmt check, race tests
	bash scripts/ensure-broker.sh
	$(GO) vet ./...
	@$(MAKE) --no-print-directory fmt-check
	CI=$${CI:-} $(GO) test -race -count=1 -timeout 30m ./...

$(BIN)/warren-demo: FORCE
	$(GO) build -o $@ ./cmd/warren-demo

seed: ensure-broker $(BIN)/warren-demo ## create the demo topology and messages
	$(BIN)/warren-demo $(DEMO_FLAGS) seed

traffic: ensure-broker $(BIN)/warren-demo ## run the demo traffic generator (ctrl+c stops)
	$(BIN)/warren-demo $(DEMO_FLAGS) traffic

clean-demo: $(BIN)/warren-demo ## delete everything the seeder created
	$(BIN)/warren-demo $(DEMO_FLAGS) clean

# Traffic runs in the background with its output in a log file (it would
# scribble over the TUI); the trap stops it however warren exits.
demo: seed ## seed, start traffic, run warren; traffic stops when warren exits
	@$(BIN)/warren-demo $(DEMO_FLAGS) traffic > $(BIN)/warren-demo-traffic.log 2>&1 & tp=$$!; \
	trap 'kill $$tp 2>/dev/null; wait $$tp 2>/dev/null' EXIT; trap 'exit 130' INT TERM HUP; \
	echo "traffic generator running (pid $$tp, log $(BIN)/warren-demo-traffic.log)"; \
	$(WARREN_RUN)

screenshots: ## render the main views from the running program against the demo broker to docs/screenshots/*.svg
	bash scripts/screenshots.sh

bench: ## run the benchmarks (cmd/warren-bench)
	$(GO) run ./cmd/warren-bench

clean: ## remove build output (bin/)
	rm -rf $(BIN)

FORCE:
