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

lint:
	gofmt -l $$(git ls-files '*.go') | (! grep .)
	$(GO) vet ./...

clean:
	rm -rf $(BIN)
