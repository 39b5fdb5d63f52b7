# Every target bootstraps its own .venv from nothing.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup demo test fuzz soak bench-report train-claims-model train-events-model eval-pairmodel bench bench-extract eval-attribution eval-time eval-claims bench-claims-scale bench-pairmodel bench-serve bench-scale bench-corpus-blocks bench-corpus-local clean

$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PY) -m venv $(VENV) || python3 -m venv $(VENV)
	# torch first, pinned: the CPU build on this machine's disk. Anything
	# resolved later sees it satisfied and never pulls a CUDA build.
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -r requirements.lock
	$(BIN)/pip install --quiet --no-deps -e .
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/storyline analyze examples --manifest examples/manifest.csv --out out/demo
	@echo "Report: $(CURDIR)/out/demo/report.html"

test: setup
	$(BIN)/python -m pytest -q

bench: setup
	$(BIN)/python bench/bench_throughput.py

fuzz: setup
	nice $(BIN)/python bench/fuzz_inputs.py --inputs 10000 --runs 20 --write-docs

# kill -9 at 20 random points of a 500-article run (store mode and parts mode), rerun, check
# nothing lost or duplicated and the dossier equal to an uninterrupted run's.
soak: setup
	nice $(BIN)/python bench/soak.py --articles 500 --kills 20

bench-report: setup
	$(BIN)/python bench/bench_report_render.py --write-docs

bench-serve: setup
	$(BIN)/python bench/bench_serve_load.py

bench-extract: setup
	$(BIN)/python bench/bench_extract.py

eval-attribution: setup
	$(BIN)/python -m storyline.eval.attribution --write-docs

eval-time: setup
	$(BIN)/python -m storyline.eval.time --write-docs

eval-claims: setup
	$(BIN)/python -m storyline.eval.claims --write-docs

# Rebuilds src/storyline/corpus/pairmodel.{safetensors,json} from the train splits of
# ../shared/datasets/pairs on CPU (fixed seeds; see docs/claims-model.md). Not part of test.
train-claims-model: setup
	nice -n 10 $(BIN)/python -m storyline.corpus.train_pairmodel

# Rebuilds src/storyline/article/events_model.json from the ECB+ tuning (even) topics only
# (../shared/datasets/ecbplus-train; deterministic; see docs/benchmarks.md). Not part of test.
train-events-model: setup
	nice -n 10 $(BIN)/python -m storyline.eval.train_events

eval-pairmodel: setup
	nice -n 10 $(BIN)/python -m storyline.eval.pairmodel --write-docs

bench-claims-scale: setup
	$(BIN)/python bench/bench_claims_scale.py --write-docs
	$(BIN)/python bench/bench_claims_scale.py --real --write-docs

bench-pairmodel: setup
	$(BIN)/python bench/bench_pairmodel_precision.py --write-docs

bench-scale: setup
	$(BIN)/python bench/bench_scale.py
	$(BIN)/python bench/bench_corpus_blocks.py

bench-corpus-blocks: setup
	$(BIN)/python bench/bench_corpus_blocks.py

bench-corpus-local: setup
	$(BIN)/python bench/bench_corpus_local.py demo
	$(BIN)/python bench/bench_corpus_local.py seeds
	$(BIN)/python bench/bench_corpus_local.py polnear --articles 1000

clean:
	rm -rf $(VENV) out
