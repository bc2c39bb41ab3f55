# Wraps the npm scripts and docker compose. `make help` lists every target.
# Compose v2's plugin when the docker client has it, otherwise Compose v1 (Debian 12's docker-compose).
COMPOSE ?= $(shell docker compose version >/dev/null 2>&1 && echo 'docker compose' || echo docker-compose)
IMAGE ?= pgtask:latest

.DEFAULT_GOAL := help
.PHONY: help install build run test test-faults lint typecheck bench db up down logs docker-build

help: ## list the targets with one line each
	@awk 'BEGIN { FS = ":.*## " } /^[a-z][a-z-]*:.*## / { printf "  %-14s %s\n", $$1, $$2 }' $(MAKEFILE_LIST)

install: ## install dependencies exactly as package-lock.json pins them (npm ci)
	npm ci

build: ## compile src/ into dist/ with tsc (npm start does it by itself when dist/ is stale)
	npm run build

run: ## start the service on :8080 (embedded PostgreSQL unless DATABASE_URL is set)
	npm start

test: ## run the test suite (embedded PostgreSQL, or DATABASE_URL when set)
	npm test

test-faults: ## run the fault-injection suite (kills, network cuts, database restarts)
	npm run test:faults

lint: ## check formatting and lint rules with Biome
	npm run lint

typecheck: ## type-check everything with tsc
	npm run typecheck

bench: ## run the benchmarks against a raw-SQL baseline
	npm run bench

db: ## start only PostgreSQL via docker compose (127.0.0.1:5433)
	$(COMPOSE) up -d db

up: ## build and start the whole stack via docker compose (app on :8080)
	$(COMPOSE) up -d --build

down: ## stop the stack (data stays in the pgdata volume)
	$(COMPOSE) down

logs: ## follow the app's logs
	$(COMPOSE) logs -f app

docker-build: ## build the service image
	docker build -t $(IMAGE) .
