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

# pip's notes about this machine's unused local indexes say nothing about the project;
# drop them, keep everything else, and keep pip's exit status (bash pipefail).
.SHELLFLAGS := -o pipefail -c
QUIET_PIP := { grep -v "^WARNING: Location '.*' is ignored" || true; }

.PHONY: help setup run test train eval eval-dev bench check-compose lint-scripts browser-deps erase-buyer apply-retention import-catalogue clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F ':.*## ' '{printf "  make %-17s %s\n", $$1, $$2}'
	@echo "  Settings: PORT (gateway, default 8000), REDIS_URL, PYTHON310 (path to a Python 3.10)"

setup: $(VENV)/.installed $(RASA_VENV)/.installed ## build both environments (skipped when nothing changed)

# The gateway's environment: the machine's current Python.
$(VENV)/.installed: requirements/gateway.txt requirements/test.txt
	@[ -x $(VENV)/bin/python ] || $(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install --disable-pip-version-check -q -r requirements/test.txt 2>&1 | $(QUIET_PIP)
	@touch $@

# Rasa's environment: Python 3.10, found by tools/find-python310.sh (or PYTHON310=...).
$(RASA_VENV)/.installed: requirements/rasa.txt
	@[ -x $(RASA_VENV)/bin/python ] || { py=$$(tools/find-python310.sh) && $$py -m venv $(RASA_VENV); }
	$(RASA_VENV)/bin/pip install --disable-pip-version-check -q -r requirements/rasa.txt 2>&1 | $(QUIET_PIP)
	@touch $@

# The shop vocabulary (jieba user dictionary) from the catalog; copied into every model.
# The file is rewritten only when its content changes, so the model is not retrained for nothing.
VOCAB := vocab/shop.txt
$(VOCAB): shop/catalog.yml tools/build_vocab.py $(RASA_VENV)/.installed
	@$(RASA_VENV)/bin/python tools/build_vocab.py shop $(VOCAB)

eval: $(RASA_VENV)/.installed $(VOCAB) ## train the NLU on data/nlu, score it on eval/ (written and real held-out), write results/
	$(RASA_VENV)/bin/python tools/eval_nlu.py

eval-dev: $(RASA_VENV)/.installed $(VOCAB) ## the same on the dev splits only (choosing models and thresholds)
	$(RASA_VENV)/bin/python tools/eval_nlu.py --dev-only

train: $(MODEL) ## train the Rasa model (only when data, domain or config changed)

$(MODEL): $(MODEL_INPUTS) $(RASA_VENV)/.installed $(VOCAB) $(wildcard components/*.py)
	@echo "Training the model (data, domain or config changed)..."
	@mkdir -p results
	@started=$$(date +%s); SQLALCHEMY_SILENCE_UBER_WARNING=1 $(RASA_VENV)/bin/rasa train --quiet \
		--fixed-model-name xiaoer --out models >results/train.log 2>&1 \
		|| { tail -40 results/train.log; echo "training failed (full log: results/train.log)"; exit 1; }; \
		echo "Trained $(MODEL) in $$(( $$(date +%s) - started )) s (log: results/train.log)"
	@touch $@

run: setup $(MODEL) ## set up what is missing, then run Rasa, actions and the gateway
	@tools/run.sh

test: setup $(MODEL) check-compose lint-scripts browser-deps ## set up what is missing, then run every test
	@tools/ensure-redis.sh || { echo "make test needs Redis at $(REDIS_URL)"; exit 1; }
	$(RASA_VENV)/bin/python -m pytest -q tests/actions
	@mkdir -p results
	SQLALCHEMY_SILENCE_UBER_WARNING=1 $(RASA_VENV)/bin/rasa test core --stories tests/stories \
		--fail-on-prediction-errors --model $(MODEL) --out results/stories >results/stories.log 2>&1 \
		|| { tail -40 results/stories.log; echo "story tests failed (full log: results/stories.log)"; exit 1; }
	@echo "story tests: every scenario's dialogue predicted as written (tests/stories)"
	$(VENV)/bin/python -m pytest -q tests/unit tests/gateway tests/e2e tests/browser

# The browser tests drive Debian's Chromium through Debian's ChromeDriver; nothing
# downloads a browser. Installed with apt-get when one is missing (sudo when not root), with
# a Chinese font: without one the screenshots show boxes for every character.
browser-deps: ## install Debian's chromium, chromium-driver and a Chinese font when missing
	@if [ ! -x /usr/bin/chromium ] || [ ! -x /usr/bin/chromedriver ] || [ ! -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc ]; then \
		echo "Installing Debian's chromium, chromium-driver and fonts-wqy-microhei (the screenshots' Chinese) for the browser tests..."; \
		sudo=$$([ "$$(id -u)" = 0 ] || echo sudo); \
		$$sudo apt-get update -q && DEBIAN_FRONTEND=noninteractive $$sudo apt-get install -y -q chromium chromium-driver fonts-wqy-microhei; \
	fi

bench: setup $(MODEL) ## latency, throughput, memory of the whole bot, and at 4/300/3,000 catalogue items (results/bench.json; ~20 min on busy cores, the first run also trains a model per catalogue)
	@tools/ensure-redis.sh || { echo "make bench needs Redis at $(REDIS_URL)"; exit 1; }
	$(VENV)/bin/python -m tools.bench

lint-scripts: $(VENV)/.installed ## check the reply scripts
	@$(VENV)/bin/python -m tools.lint_scripts

check-compose: ## validate docker-compose.yml with docker-compose's own parser (no engine needed)
	@tools/check-compose.sh

erase-buyer: $(VENV)/.installed ## erase one buyer's data from Redis (and Rasa's tracker): ID=<conversation id>
	@[ -n "$(ID)" ] || { echo "usage: make erase-buyer ID=<conversation id>"; exit 2; }
	@$(VENV)/bin/python -m tools.erase_buyer "$(ID)"

apply-retention: $(VENV)/.installed ## once after upgrading: give old keys without expiry the retention (DRY_RUN=1: only show)
	@$(VENV)/bin/python -m tools.apply_retention $(if $(DRY_RUN),--dry-run)

# A shop's product export (Taobao/JD, CSV or xlsx) merged into shop/catalog.yml; see README.
import-catalogue: $(VENV)/.installed ## import a product export into shop/catalog.yml: FILE=<csv|xlsx> [MAPPING=<yml>]
	@[ -n "$(FILE)" ] || { echo "usage: make import-catalogue FILE=<export.csv|.xlsx> [MAPPING=<mapping.yml>]"; exit 2; }
	@$(VENV)/bin/python -m tools.import_catalogue "$(FILE)" $(if $(MAPPING),--mapping "$(MAPPING)")

clean: ## remove the environments and trained models
	rm -rf $(VENV) $(RASA_VENV) models .pytest_cache
