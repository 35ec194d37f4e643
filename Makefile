# Asystent Naborów — one command runs the assistant, one runs every test.
#   make run    install what is missing, migrate/seed, train if needed, start everything
#   make test   lint, types, Rasa data validation, unit/integration/e2e/browser tests
SHELL := /bin/bash
.DEFAULT_GOAL := help
export UV_PYTHON_DOWNLOADS := never
APP := .venv/bin
RASA := .venv-rasa/bin
ACTION_SERVER_URL ?= http://127.0.0.1:5055/webhook
export ACTION_SERVER_URL
PYTEST_ARGS ?=
BENCH_LOAD_ARGS ?=

.PHONY: help env run run-production train test check lint format typecheck validate pytest \
        rasa-test nlu-cv eval bench bench-load lock browser-deps clean

help:  ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-15s %s\n", $$1, $$2}'

env:  ## create/refresh both virtual environments from the hashed locks (only when changed)
	@scripts/ensure-venv app
	@scripts/ensure-venv rasa

run: env  ## run the assistant (embedded profile: SQLite, in-memory Rasa stores)
	@$(APP)/python -m bot.launcher run

run-production: env  ## run the production profile on this machine (PostgreSQL, Redis, nginx, 2 Rasa)
	@$(APP)/python -m bot.production run

train: env  ## train the Rasa model if its inputs changed
	@$(APP)/python -m bot.launcher train

test: env browser-deps check train rasa-test pytest  ## everything CI runs

check: lint typecheck validate  ## static checks

lint:  ## ruff lint and format check
	$(APP)/ruff check .
	$(APP)/ruff format --check .

format:  ## apply ruff formatting and safe fixes
	$(APP)/ruff check --fix .
	$(APP)/ruff format .

typecheck:  ## mypy (strict) on the application code
	$(APP)/mypy bot knowledge_base actions

validate:  ## rasa data validate
	$(RASA)/rasa data validate --domain nlu/domain.yml --data nlu/data --config config.yml --fail-on-warnings 2>&1 | tail -n 25; exit $${PIPESTATUS[0]}

rasa-test: env  ## test conversations for every flow (tests/stories) against the trained model
	@mkdir -p var; model=$$($(APP)/python -m bot.launcher train | tail -n 1 | sed 's/^[^:]*: //'); \
	$(RASA)/rasa test core --model "$$model" --stories tests/stories --out var/rasa-test \
	    --no-plot --fail-on-prediction-errors > var/rasa-test.log 2>&1 \
	  && echo "rasa test: every test conversation predicted as written ($$model)" \
	  || { grep -v Warning var/rasa-test.log | tail -n 40; echo "rasa test failed: see var/rasa-test/failed_test_stories.yml"; exit 1; }

nlu-cv:  ## 5-fold cross-validation of the NLU model (report: bench/nlu_cross_validation.md)
	$(RASA)/rasa test nlu --config config.yml --nlu nlu/data --cross-validation --folds 5 \
	    --out var/nlu-cv 2>&1 | grep -E "(train|test) (Accuracy|F1)"

pytest:  ## unit, integration, end-to-end and browser tests
	$(APP)/pytest -q $(PYTEST_ARGS)

eval: env  ## run the labelled conversation set through the running assistant (make run first)
	$(APP)/python -m bench.eval_conversations

bench: env  ## retrieval benchmark (figures go to bench/README.md)
	$(APP)/python bench/retrieval.py

browser-deps:  ## Debian chromium for the Playwright tests (installed once)
	@scripts/ensure-chromium

bench-load: env  ## load test: simulated applicants against plain Rasa, embedded and production
	$(APP)/python bench/load.py $(BENCH_LOAD_ARGS)

lock:  ## re-resolve both hashed locks from requirements/*.in
	$$(scripts/ensure-uv) pip compile requirements/app.in --python-version 3.11 --generate-hashes --no-header -q -o requirements/app.lock
	$$(scripts/ensure-uv) pip compile requirements/rasa.in --python-version 3.10 --generate-hashes --no-header -q -o requirements/rasa.lock

clean:  ## remove environments, models and local data
	rm -rf .venv .venv-rasa .tools models var .mypy_cache .ruff_cache .pytest_cache
