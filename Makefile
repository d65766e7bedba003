# One command each: `make demo` (set up + run the CPU demo), `make test` (set up + run the tests).
PY ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: setup demo smoke paper-dry-run paper-cost test lint clean cpu-lowdata cpu-lowdata-report cpu-claims cpu-claims-spread cpu-ablations cpu-extrapolation precision-study precision-report bench gpu-check

setup: $(STAMP)

$(STAMP): requirements.lock requirements.txt pyproject.toml
	$(PY) -m venv $(VENV)
	$(BIN)/pip install -q --upgrade pip
	$(BIN)/pip install -q -r requirements.lock
	# the project itself (editable: the checkout is what runs), its pins from the lock
	$(BIN)/pip install -q --no-deps -e .
	touch $(STAMP)

demo: setup
	PATH=$(CURDIR)/$(BIN):$$PATH snakemake --configfile config/demo.yaml

smoke: setup
	PATH=$(CURDIR)/$(BIN):$$PATH snakemake --configfile config/smoke.yaml

paper-dry-run: setup
	PATH=$(CURDIR)/$(BIN):$$PATH snakemake -n

# GPU-hours per exhibit on one A100-class GPU, and disk (an estimate: pipeline/report/cost.py)
paper-cost: setup
	$(BIN)/python -m pipeline.report.cost --precision tf32
	$(BIN)/python -m pipeline.report.cost --precision bf16

# On a machine with a CUDA GPU (and a CUDA build of torch in .venv): the smoke DAG on the GPU
# in bf16, then the GPU benchmarks. Record the numbers in benchmarks/README.md.
gpu-check: setup
	PATH=$(CURDIR)/$(BIN):$$PATH PY=$(CURDIR)/$(BIN)/python scripts/gpu-check.sh

# The low-data claim on SmolLM2 (issue 9): trains what docs/results/cpu-lowdata/runs does not
# hold yet, archives what finished, and rebuilds the committed table and figure from it.
CPULOW := --configfile config/cpu-lowdata.yaml
cpu-lowdata: setup
	PATH=$(CURDIR)/$(BIN):$$PATH snakemake --cores 2 --keep-going $(CPULOW) || true
	$(BIN)/python -m pipeline.report.archive --results results/cpu-lowdata/runs \
	  --archive docs/results/cpu-lowdata/runs --experiment cpulow
	$(MAKE) cpu-lowdata-report

cpu-lowdata-report: setup
	PATH=$(CURDIR)/$(BIN):$$PATH snakemake --cores 1 results/cpu-lowdata/tables/e2e.md \
	  results/cpu-lowdata/figures/lowdata.png $(CPULOW) --config report_finished_only=True
	cd results/cpu-lowdata && cp tables/e2e.md tables/e2e.csv tables/e2e.significance.json \
	  figures/lowdata.png figures/lowdata.pdf $(CURDIR)/docs/results/cpu-lowdata/

# The paper-protocol low-data and initialisation grids on SmolLM2 (issue 17): one replicate at
# a time, archived into docs/results/cpu-claims/runs as it lands; reruns continue the grid.
cpu-claims: setup
	PATH=$(CURDIR)/$(BIN):$$PATH scripts/cpu-claims.sh $(or $(CORES),1)

# Machine spread without a second machine: archived runs trained again as they were (control)
# and with the CPU kernels capped at AVX2; compared run by run (docs/results/cpu-claims).
cpu-claims-spread: setup
	PATH=$(CURDIR)/$(BIN):$$PATH scripts/cpu-claims-spread.sh $(or $(CORES),1)

# Table 5 and Fig. 4 on SmolLM2 (issue 30): trains what docs/results/cpu-ablations/runs lacks,
# one training subset at a time, archives, rebuilds the committed table and figure.
cpu-ablations: setup
	PATH=$(CURDIR)/$(BIN):$$PATH scripts/cpu-ablations.sh $(or $(CORES),2)

# The WebNLG extrapolation on SmolLM2 (issue 30): the learning-rate choice on seen-category dev
# loss (PHASES=lr), then the grid (PHASES=grid, refused unless it uses the chosen rates).
cpu-extrapolation: setup
	PATH=$(CURDIR)/$(BIN):$$PATH scripts/cpu-extrapolation.sh $(or $(CORES),2)

# The precision study (issue 29): each run in fp32 and bf16 on one machine, paired; trains what
# docs/results/precision/runs lacks (PHASES="claims50 claims100 claims500 random500 control"
# to choose), archives, and rebuilds the committed table and the verdict precision: auto reads.
precision-study: setup
	PATH=$(CURDIR)/$(BIN):$$PATH scripts/precision-study.sh $(or $(CORES),2)
	$(MAKE) precision-report

precision-report: setup
	PATH=$(CURDIR)/$(BIN):$$PATH snakemake --cores 1 results/precision/specs/precision.json \
	  results/precision/data/e2e/test.jsonl \
	  --configfile config/precision.yaml --config report_finished_only=True
	$(BIN)/python -m pipeline.report.precision --spec results/precision/specs/precision.json \
	  --out-prefix docs/results/precision/precision --evidence pipeline/report/bf16_evidence.yaml

bench: setup
	$(BIN)/python benchmarks/train_step.py
	$(BIN)/python benchmarks/decode_throughput.py
	$(BIN)/python benchmarks/decode_precision.py
	$(BIN)/python benchmarks/dag_plan.py
	$(BIN)/python benchmarks/evaluate_speed.py
	$(BIN)/python benchmarks/gpu_train_step.py

test: setup
	PATH=$(CURDIR)/$(BIN):$$PATH $(BIN)/python -m pytest -q

# what CI runs before the tests: any finding fails
lint: setup
	PATH=$(CURDIR)/$(BIN):$$PATH snakemake --lint
	$(BIN)/snakefmt --check Snakefile workflow
	$(BIN)/ruff check pipeline tests benchmarks
	$(BIN)/ruff format --check pipeline tests benchmarks

clean:
	rm -rf results logs .snakemake resources
