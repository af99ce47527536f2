# The two commands: `make run` (the whole platform) and `make test` (every test). Both set up what they
# need on a fresh machine with Python 3.11+, a Rust toolchain and Node 20+.
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PYTHON ?= python3
VENV := $(CURDIR)/.venv
BIN := $(VENV)/bin
export PATH := $(BIN):$(CURDIR)/node_modules/.bin:$(PATH)
export VIRTUAL_ENV := $(VENV)
GENERATED := services/playmesh/core/v1 services/playmesh/matchmaking/v1 services/playmesh/lobby/v1 \
	services/playmesh/session/v1 services/playmesh/scoreboard/v1 services/playmesh/telemetry/v1 \
	services/playmesh/options/v1 services/playmesh/gateway/playmesh.binpb \
	clients/python/src/playmesh_sdk/_generated clients/typescript/src/gen clients/cpp/gen
# What check-generated compares: the generated trees plus the settings table in the docs.
CHECKED := $(GENERATED) docs/configuration.md
# buf breaking compares the contracts with this ref (the landed main by default).
BREAKING_AGAINST ?= .git\#branch=main

.PHONY: help setup run test generate check-generated lint test-rust test-python test-typescript test-cpp \
	bench bench-auth bench-matchmaker bench-scoreboard bench-watchers stubtest clean

help:
	@echo "make run    start Playmesh (embedded PostgreSQL and Redis unless PLAYMESH_DATABASE_URL/PLAYMESH_REDIS_URL are set)"
	@echo "make test   lint, contract checks, generated-code check, Rust, Python, TypeScript and C++ tests"
	@echo "make generate | make bench | make bench-auth | make clean"

setup: $(VENV)/.ready node_modules/.ready clients/typescript/node_modules/.ready $(VENV)/.matchmaker

$(VENV)/.ready: requirements.lock services/pyproject.toml clients/python/pyproject.toml
	@echo "== Python environment (.venv)"
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.lock
	$(BIN)/python -m pip install -q --no-deps -e services -e clients/python
	touch $@

node_modules/.ready: package.json package-lock.json
	@echo "== Node tools (buf, protoc-gen-es)"
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

clients/typescript/node_modules/.ready: clients/typescript/package.json clients/typescript/package-lock.json
	cd clients/typescript && npm ci --no-audit --no-fund --loglevel=error
	touch $@

$(VENV)/.matchmaker: $(VENV)/.ready $(shell find matchmaker_rs/src matchmaker_rs/python -type f) matchmaker_rs/Cargo.toml matchmaker_rs/pyproject.toml
	@echo "== Rust matchmaker extension (maturin, release)"
	cd matchmaker_rs && $(BIN)/maturin develop --release -q
	touch $@

run: setup
	$(BIN)/playmesh up

generate: setup
	@tools/ensure-system-packages
	rm -rf $(GENERATED)
	buf generate
	buf build -o services/playmesh/gateway/playmesh.binpb
	$(BIN)/python tools/update-config-doc

# Fails when the committed generated code differs from what `make generate` writes.
check-generated: generate
	@git add -N $(CHECKED) >/dev/null 2>&1 || true
	@if ! git diff --quiet -- $(CHECKED); then \
		echo "generated code is stale; run 'make generate' and commit:"; git diff --stat -- $(CHECKED); exit 1; fi
	@echo "generated code is up to date"

lint: setup
	buf lint
	@if git rev-parse --verify -q main >/dev/null && git cat-file -e main:buf.yaml 2>/dev/null; then \
		buf breaking --against '$(BREAKING_AGAINST)' && echo "buf breaking: no breaking change against $(BREAKING_AGAINST)"; \
	else echo "buf breaking: no contracts on main yet, nothing to compare"; fi
	$(BIN)/ruff check services/playmesh tests bench clients/python/src/playmesh_sdk/client.py tools matchmaker_rs/python
	$(BIN)/ruff format --check services/playmesh tests bench clients/python/src/playmesh_sdk/client.py matchmaker_rs/python
	$(BIN)/lint-imports  # service boundaries: contracts in pyproject.toml

stubtest: setup
	cd matchmaker_rs && $(BIN)/python -m mypy.stubtest matchmaker_rs._native

test-rust:
	cd matchmaker_rs && cargo fmt --check && cargo clippy --quiet --all-targets -- -D warnings && cargo test --quiet

test-python: setup
	$(BIN)/python -m pytest tests

test-cpp: setup
	@tools/ensure-system-packages
	$(MAKE) -C clients/cpp -j2 -s

test: lint check-generated stubtest test-rust test-cpp test-python

bench: bench-auth bench-matchmaker bench-scoreboard bench-watchers

bench-auth: setup
	$(BIN)/python bench/auth.py

bench-matchmaker: setup
	$(BIN)/python bench/matchmaker.py

bench-scoreboard: setup
	$(BIN)/python bench/scoreboard.py

# WatchTicket streams held by one matchmaking process (N=10,000; STREAMS=2000 for the floor).
bench-watchers: setup
	$(BIN)/python bench/watchers.py --streams $(or $(STREAMS),10000)

clean:
	rm -rf .venv node_modules clients/typescript/node_modules clients/typescript/dist clients/cpp/build matchmaker_rs/target
