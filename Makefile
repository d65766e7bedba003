# One command each: `make demo` (set up + run the CPU demo), `make test` (set up + run the tests).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo smoke paper-dry-run test lint clean

setup: $(STAMP)

$(STAMP): requirements.lock requirements.txt
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	touch $(STAMP)

demo: setup
	PATH=$(CURDIR)/$(BIN):$$PATH snakemake --configfile config/demo.yaml

smoke: setup
	PATH=$(CURDIR)/$(BIN):$$PATH snakemake --configfile config/smoke.yaml

paper-dry-run: setup
	PATH=$(CURDIR)/$(BIN):$$PATH snakemake -n

test: setup
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/python -m pytest -q

lint: setup
	PATH=$(CURDIR)/$(BIN):$$PATH snakemake --lint
	$(BIN)/ruff check pipeline tests || true

clean:
	rm -rf results logs .snakemake resources
