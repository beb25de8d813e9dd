# Set-up and entry points. `make demo` and `make test` work on a fresh clone:
# they create .venv and install what they need first.

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
INSTALLED := $(VENV)/.installed
PORT ?= 8000
# Optional path to the survey CSV (either published layout) for demo and bench.
DATA ?=

.DEFAULT_GOAL := help
.PHONY: help install demo test lint predict serve bench bundle synth clean

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-10s %s\n", $$1, $$2}'

$(INSTALLED): requirements.txt requirements-lambda.txt requirements-dev.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	$(BIN)/python -m pip install --quiet --no-deps --config-settings editable_mode=compat -e .
	touch $@

install: $(INSTALLED)  ## Create .venv and install the project with its dependencies

demo: $(INSTALLED)  ## Run the whole lifecycle locally (DATA=path/to/train.csv, else synthetic)
	$(BIN)/python scripts/demo.py $(if $(DATA),--data "$(DATA)") --port $(PORT)

test: $(INSTALLED)  ## Run the whole test suite offline
	$(BIN)/python -m pytest

lint: $(INSTALLED)  ## Check formatting and lint rules
	$(BIN)/ruff format --check .
	$(BIN)/ruff check .

predict: $(INSTALLED)  ## Score a CSV: make predict INPUT=in.csv OUTPUT=out.csv
	@test -n "$(INPUT)" || { echo "Set INPUT=path/to/input.csv"; exit 2; }
	@test -n "$(OUTPUT)" || { echo "Set OUTPUT=path/to/output.csv"; exit 2; }
	$(BIN)/satisfaction predict --input "$(INPUT)" --output "$(OUTPUT)"

serve: $(INSTALLED)  ## Run the API under uvicorn on PORT (default 8000)
	$(BIN)/satisfaction serve --port $(PORT)

bench: $(INSTALLED)  ## Print benchmark figures (DATA=path/to/train.csv for real data)
	$(BIN)/python benchmarks/run.py $(if $(DATA),--data "$(DATA)")

bundle: $(INSTALLED)  ## Build the API Lambda bundle for arm64 and Python 3.12
	$(BIN)/python -m lambdas.api.bundle

synth: $(INSTALLED)  ## Synthesize the CDK app with the pinned CDK CLI and cdk-nag
	bash scripts/cdk_synth.sh

clean:  ## Remove local outputs (artifacts, DVC cache, CDK output); keeps .venv
	rm -rf artifacts cdk.out build .dvc/cache .dvc/tmp data/raw
