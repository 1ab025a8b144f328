# Thin wrappers; the work is done by scripts/ and deploy/local/stack.py.
SHELL := /bin/bash
export PATH := $(HOME)/.local/bin:$(PATH)
STACK := uv run python deploy/local/stack.py

.PHONY: help up down status logs reset test test-unit lint token migration bench chaos
.DEFAULT_GOAL := help

help:        ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | sed -E 's/:[^#]*## /\t/' | expand -t 14

up:          ## install everything, start PostgreSQL, Kafka, the five services and demo data (OBS=1: with Prometheus and Jaeger)
	@scripts/bootstrap.sh
	@$(STACK) up $(if $(OBS),--observability)

down:        ## stop the services and the infrastructure (data is kept)
	@$(STACK) down

status:      ## what is running
	@$(STACK) status

logs:        ## the end of a component's log: make logs NAME=ledger
	@$(STACK) logs $(NAME)

reset:       ## stop everything and delete all local data (keeps downloaded jars)
	@$(STACK) reset

test:        ## the whole test suite: unit, integration (real PostgreSQL + Kafka) and e2e
	@scripts/bootstrap.sh --with-browser
	@uv run python -m deploy.local.observability  # Prometheus and Jaeger (built once, cached)
	@uv run pytest

test-unit:   ## the unit tier only: the rules and use cases, no PostgreSQL or Kafka (about a minute)
	@uv run pytest -m unit -q

chaos:       ## the fault suite in full (10,000 operations, every fault; make chaos OPS=2000 for less): prints its table, writes benchmarks/results/chaos-<date>.json
	@set -o pipefail; SOSENKI_CHAOS_OPERATIONS=$${OPS:-10000} SOSENKI_CHAOS_FULL=1 \
		SOSENKI_CHAOS_RESULTS=benchmarks/results uv run pytest tests-e2e/test_chaos.py -s -q \
		-p no:logging 2>&1 | grep --line-buffered -v '^{'

lint:        ## ruff and mypy
	@uv run ruff check .
	@uv run ruff format --check .
	@uv run mypy

token:       ## a token for local use: make token SUB=1 ARGS="--community 1"
	@uv run sosenki-token mint --sub $(SUB) $(ARGS)

migration:   ## autogenerate a migration: make migration SERVICE=ledger MSG="add meters"
	@uv run python scripts/new_migration.py $(SERVICE) "$(MSG)"

bench:       ## issue-15 figures P1-P7 beside this machine's PostgreSQL/Kafka limits (QUICK=1 ONLY=P1,P3 PROFILE=1 ARGS=...): a table, benchmarks/results/<date>.json and latest.json
	@uv run python benchmarks/run.py $(if $(QUICK),--quick) $(if $(ONLY),--only $(ONLY)) $(if $(PROFILE),--profile) $(ARGS)
