# Two commands do all set-up on a fresh machine: `make translate LANG=ko` and `make test`.
#
# `make translate LANG=ko` puts LANG=ko into every recipe's environment, where it would replace the
# locale. We copy it into TARGET_LANG and run recipes with a fixed UTF-8 locale instead.
ifeq ($(origin LANG),command line)
TARGET_LANG := $(LANG)
override LANG := C.UTF-8
else
TARGET_LANG ?=
endif
export LANG
export LC_ALL := C.UTF-8
export PYTHONUTF8 := 1

PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# CPU build that installs offline here. GPU users: install the torch you want into .venv first
# (see README); an importable torch is kept.
TORCH_SPEC ?= torch==2.13.0
STAMP := $(VENV)/.installed
RAY_STAMP := $(VENV)/.installed-ray
BENCH_STAMP := $(VENV)/.installed-bench

MODEL ?=
INPUT ?=
OUT ?=
SET ?=
SRC ?=
TGT ?=
SRC_LANG ?= en
TGT_LANG ?= $(TARGET_LANG)
FORMAT ?= beads
ACCURATE ?=
ENGINE ?= local
RAY_ADDRESS ?=

.PHONY: help venv venv-ray translate translate-all translate-corpus segment align bench bench-align bench-segment \
	bench-corpus bench-robust \
	test test-ray lint clean mutate

help:
	@echo "make translate LANG=ko|uk|ru [MODEL=ID_OR_DIR] [INPUT=FILE] [OUT=DIR] [SET='key=value ...']"
	@echo "make align SRC=FILE TGT=FILE SRC_LANG=en TGT_LANG=ko [FORMAT=beads|tmx|jsonl|tsv] [ACCURATE=1]"
	@echo "make bench          translation speed: naive / transformers batched / ctranslate2"
	@echo "make bench-align    dev-set benchmark of the aligner"
	@echo "make bench-segment  segmenter cases passed and MB/s beside pySBD and sentencex (installs the bench extra)"
	@echo "make translate-corpus LANG=ko INPUT=DATA OUT=DIR [ENGINE=local|ray] [RAY_ADDRESS=ADDR] [MODEL=...] [SET=...]"
	@echo "make bench-corpus   translate-corpus sentences/s: local vs ray engine (installs the ray extra)"
	@echo "make bench-robust   injected degenerate outputs: detection P/R, share repaired, the repair ladder's cost"
	@echo "make test           lint, type-check and run the tests (the Ray tests skip without the ray extra)"
	@echo "make test-ray       install the ray extra and run the Ray Data tests (.ci/run runs make test test-ray)"
	@echo "make mutate [MODULE=segment|align_search|cache|batching|qa|apply_review|tmx]  mutation testing (mutmut), share killed"

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --upgrade --quiet pip
	$(PY) -c "import torch" 2>/dev/null || $(PY) -m pip install --quiet "$(TORCH_SPEC)"
	$(PY) -m pip install --quiet -e ".[test]"
	touch $(STAMP)

venv: $(STAMP)

# The optional Ray Data engine (translate-corpus --engine ray): pip install ".[ray]".
$(RAY_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,ray]"
	touch $(RAY_STAMP)

venv-ray: $(RAY_STAMP)

translate: $(STAMP)
	@test -n "$(TARGET_LANG)" || { echo "make translate needs LANG=ko, LANG=uk or LANG=ru" >&2; exit 2; }
	$(PY) -m pipeline translate --lang "$(TARGET_LANG)" \
		$(if $(MODEL),--model "$(MODEL)") $(if $(INPUT),--input "$(INPUT)") $(if $(OUT),--out "$(OUT)") \
		$(foreach s,$(SET),--set "$(s)")

translate-all: $(STAMP)
	for l in ko uk ru; do $(PY) -m pipeline translate --lang $$l $(if $(MODEL),--model "$(MODEL)") || exit $$?; done

translate-corpus: $(if $(filter ray,$(ENGINE)),$(RAY_STAMP),$(STAMP))
	@test -n "$(TARGET_LANG)" -a -n "$(INPUT)" -a -n "$(OUT)" || \
		{ echo "make translate-corpus needs LANG=ko|uk|ru INPUT=DATA OUT=DIR [ENGINE=local|ray]" >&2; exit 2; }
	$(PY) -m pipeline translate-corpus --lang "$(TARGET_LANG)" --input "$(INPUT)" --out "$(OUT)" --engine "$(ENGINE)" \
		$(if $(RAY_ADDRESS),--ray-address "$(RAY_ADDRESS)") $(if $(MODEL),--model "$(MODEL)") \
		$(foreach s,$(SET),--set "$(s)")

segment: $(STAMP)
	$(PY) -m pipeline segment --lang "$(or $(TARGET_LANG),en)" "$(or $(INPUT),seeds/000_d3c0a91caa4d5cc3.txt)"

align: $(STAMP)
	@test -n "$(SRC)" -a -n "$(TGT)" -a -n "$(TGT_LANG)" || { echo "make align needs SRC=FILE TGT=FILE TGT_LANG=xx" >&2; exit 2; }
	$(PY) -m pipeline align --src "$(SRC)" --tgt "$(TGT)" --src-lang "$(SRC_LANG)" --tgt-lang "$(TGT_LANG)" \
		--format "$(FORMAT)" $(if $(OUT),--out "$(OUT)") $(if $(ACCURATE),--accurate)

bench: $(STAMP)
	$(PY) -m pipeline bench

bench-align: $(STAMP)
	$(PY) -m pipeline bench-align

# pySBD and sentencex, the segmenters bench-segment compares ours with: pip install ".[bench]".
$(BENCH_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,bench]"
	touch $(BENCH_STAMP)

bench-segment: $(BENCH_STAMP)
	$(PY) -m pipeline bench-segment

bench-corpus: $(RAY_STAMP)
	$(PY) -m pipeline bench-corpus

bench-robust: $(STAMP)
	$(PY) -m pipeline bench-robust

lint: $(STAMP)
	$(PY) -m ruff check pipeline tests tools
	$(PY) -m ruff format --check pipeline tests tools
	$(PY) -m mypy pipeline tests tools

test: lint
	$(PY) -m pytest -q

# The tests of the Ray Data engine, with the extra installed (in `make test` they skip when ray is missing).
test-ray: $(RAY_STAMP)
	$(PY) -m pytest -q tests/test_corpus_ray.py

# Mutation testing of the core modules (tools/mutate.py, results in docs/mutation.md); long, not part of `make test`.
MUTATE_STAMP := $(VENV)/.installed-mutate
$(MUTATE_STAMP): $(STAMP)
	$(PY) -m pip install --quiet -e ".[test,mutate]"
	touch $(MUTATE_STAMP)

mutate: $(MUTATE_STAMP)
	$(PY) tools/mutate.py $(if $(MODULE),--module "$(MODULE)")

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
	find outputs -mindepth 1 ! -name .gitkeep -exec rm -rf {} +
