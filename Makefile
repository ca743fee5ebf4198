# Xiaoer (店小二). `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
RASA_VENV := .venv-rasa
PORT ?= 8000
RASA_PORT ?= 5005
ACTIONS_PORT ?= 5055
REDIS_URL ?= redis://127.0.0.1:6379/0
MODEL := models/xiaoer.tar.gz
# The model is retrained when any of these change.
MODEL_INPUTS := config.yml domain.yml $(shell find data -name '*.yml' 2>/dev/null)

export REDIS_URL PORT RASA_PORT ACTIONS_PORT

.PHONY: help setup run test train check-compose lint-scripts clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-14s %s\n", $$1, $$2}'
	@echo "  Settings: PORT (gateway, default 8000), REDIS_URL, PYTHON310 (path to a Python 3.10)"

setup: $(VENV)/.installed $(RASA_VENV)/.installed ## build both environments (skipped when nothing changed)

# The gateway's environment: the machine's current Python.
$(VENV)/.installed: requirements/gateway.txt requirements/test.txt
	@[ -x $(VENV)/bin/python ] || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -q -r requirements/test.txt
	@touch $@

# Rasa's environment: Python 3.10, found by tools/find-python310.sh (or PYTHON310=...).
$(RASA_VENV)/.installed: requirements/rasa.txt
	@[ -x $(RASA_VENV)/bin/python ] || { py=$$(tools/find-python310.sh) && $$py -m venv $(RASA_VENV); }
	$(RASA_VENV)/bin/pip install --disable-pip-version-check -q -r requirements/rasa.txt
	@touch $@

train: $(MODEL) ## train the Rasa model (only when data, domain or config changed)

$(MODEL): $(MODEL_INPUTS) $(RASA_VENV)/.installed
	@echo "Training the model (data, domain or config changed)..."
	$(RASA_VENV)/bin/rasa train --quiet --fixed-model-name xiaoer --out models
	@touch $@

run: setup $(MODEL) ## set up what is missing, then run Rasa, actions and the gateway
	@tools/run.sh

test: setup $(MODEL) check-compose lint-scripts ## set up what is missing, then run every test
	@tools/ensure-redis.sh || { echo "make test needs Redis at $(REDIS_URL)"; exit 1; }
	$(RASA_VENV)/bin/python -m pytest -q tests/actions
	$(VENV)/bin/python -m pytest -q tests/unit tests/gateway tests/e2e

lint-scripts: $(VENV)/.installed ## check the reply scripts
	@$(VENV)/bin/python -m bot.lint_scripts

check-compose: ## validate docker-compose.yml with docker-compose's own parser (no engine needed)
	@tools/check-compose.sh

clean: ## remove the environments and trained models
	rm -rf $(VENV) $(RASA_VENV) models .pytest_cache
