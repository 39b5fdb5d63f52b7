# Every target bootstraps its own .venv from nothing.
PY ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
export HF_HUB_OFFLINE := 1
export TRANSFORMERS_OFFLINE := 1

.PHONY: setup demo test fuzz bench-report bench bench-extract eval-attribution eval-time eval-claims bench-claims-scale bench-serve bench-scale bench-corpus-blocks clean

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
	nice $(BIN)/python bench/fuzz_inputs.py --inputs 10000 --runs 20 --no-long --write-docs

bench-report: setup
	$(BIN)/python bench/bench_report_render.py --write-docs

bench-serve: setup
	$(BIN)/python bench/bench_serve_load.py

bench-extract: setup
	$(BIN)/python bench/bench_extract.py

eval-attribution: setup
	$(BIN)/python -m storyline.eval_attribution --write-docs

eval-time: setup
	$(BIN)/python -m storyline.eval_time --write-docs

eval-claims: setup
	$(BIN)/python -m storyline.eval_claims --write-docs

bench-claims-scale: setup
	$(BIN)/python bench/bench_claims_scale.py --write-docs

bench-scale: setup
	$(BIN)/python bench/bench_scale.py
	$(BIN)/python bench/bench_corpus_blocks.py

bench-corpus-blocks: setup
	$(BIN)/python bench/bench_corpus_blocks.py

clean:
	rm -rf $(VENV) out
