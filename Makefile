# Reservas: the two commands a new user needs are `make run` and `make test`.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
GO ?= go
BIN := bin
SERVICES := deploy/services.sh
ENV := eval "$$($(SERVICES) env)"

.PHONY: all build test test-short run services services-down migrate seed e2e bench fuzz chaos lint clean

all: build

build:
	$(GO) build -o $(BIN)/reservas ./cmd/reservas
	$(GO) build -o $(BIN)/sandbox ./cmd/sandbox
	$(GO) build -o $(BIN)/sttdemo ./cmd/sttdemo

services:
	$(SERVICES) up

services-down:
	$(SERVICES) down

# Runs every test against a real Postgres and Redis (started here), with the race detector.
test: services
	$(ENV); CI=$${CI:-true} $(GO) test -race -count=1 -timeout 15m ./...

migrate: services build
	$(ENV); $(BIN)/reservas migrate

seed: migrate
	$(ENV); $(BIN)/reservas seed --demo

# The whole system on this machine: Postgres, Redis, the sandbox standing in for WhatsApp and
# Mercado Pago, and `reservas all`. Open the chat page it prints.
run: seed
	$(ENV); deploy/run-local.sh

# The whole system as separate processes (ingress, two workers, a scheduler) against real
# Postgres and Redis, with Meta, Mercado Pago and speech-to-text faked over HTTP. Also part of
# `make test`.
e2e: services
	$(ENV); CI=$${CI:-true} $(GO) test -count=1 -timeout 10m -v ./deploy/e2e

# Ingress webhooks/s (p50/p99) against the raw asynq enqueue rate on the same Redis, and the
# reply latency at a fixed arrival rate. Writes deploy/bench/results-<date>.txt.
bench: services
	$(ENV); deploy/bench/run.sh

# Kills a worker mid-load, restarts Redis and Postgres (private instances on their own ports),
# makes the provider fakes fail and stall, then checks exactly-once processing.
chaos: services
	$(ENV); CI=$${CI:-true} $(GO) test -tags chaos -count=1 -timeout 30m -v ./deploy/chaos

# Every fuzz target for FUZZTIME each (default 10s); CI runs a short pass.
fuzz:
	FUZZTIME=$${FUZZTIME:-10s} deploy/fuzz.sh

lint:
	gofmt -l $$(git ls-files '*.go') | (! grep .)
	$(GO) vet ./...

clean:
	rm -rf $(BIN)
