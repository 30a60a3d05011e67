# Two commands do all the set-up: `make test` and `make book`.
# Both create .venv (if missing) and install requirements.txt into it first.

PYTHON ?= python3
# The book's matrices are small: BLAS threads only add overhead, and on a busy machine
# (or a 2-core CI runner) they made the digits chapter five times slower. One thread each.
export OPENBLAS_NUM_THREADS ?= 1
export OMP_NUM_THREADS ?= 1
export MKL_NUM_THREADS ?= 1
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
BOOK_HTML := _build/html/index.html
# JupyterLab's settings for this .venv (a user's own settings still win): no prompt about
# "official Jupyter news" and no update check, as the book fetches nothing at run time.
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings/overrides.json
# JupyterLab refuses to start as root (the usual user in a container) unless told it may.
LAB_AS_ROOT = $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: help install test book check-book check-lab check-cpus bench bench-budgets lab clean clean-all

help:
	@echo "make test   set up .venv, run the unit tests and every notebook (nbval)"
	@echo "make book   set up .venv, build the HTML book into _build/html"
	@echo "make check-book  build the book, then test it in headless Chromium (needs apt's chromium)"
	@echo "make check-lab   run every chapter in JupyterLab in headless Chromium and check what a reader sees"
	@echo "make check-cpus  run every notebook with other CPUs' matrix kernels (about 10 minutes)"
	@echo "make bench  measure nnlib against plain numpy, PyTorch and scikit-learn (ratios)"
	@echo "make bench-budgets  time every notebook, make test and make book again (keeps bench's ratios)"
	@echo "make lab    open JupyterLab on notebooks/"
	@echo "make clean  remove build outputs (keeps .venv; 'make clean-all' removes it too)"

install: $(STAMP) $(LAB_SETTINGS)

$(STAMP): requirements.txt pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 10) else "Python 3.10 or newer is needed, found " + sys.version.split()[0] + ". Run e.g. make PYTHON=python3.11 test")'
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $(STAMP)

# One worker per core (pytest-xdist); --dist loadscope keeps each notebook's cells in order in
# one worker and one kernel.
test: $(STAMP)
	$(BIN)/python -m pytest -n auto tests --ignore=tests/book
	$(BIN)/python -m pytest -n auto --dist loadscope --nbval-lax -p no:cacheprovider notebooks

book: $(STAMP)
	NNLIB_STATIC_EXPLORERS=1 $(BIN)/jupyter-book build . --builder html -W -n --keep-going
	@echo "The book is at: $(CURDIR)/$(BOOK_HTML)"

# The rendered book in a real browser, plus checks that the build fails when it should.
check-book: book
	$(BIN)/python -m pytest tests/book

# Every chapter run in JupyterLab (Run All Cells) in headless Chromium, then checked as a reader
# sees it: no errors, live explorers, folded solutions, library code, no raw MyST. Also writes
# screenshots for review (_build/screenshots/lab) and slider latencies (_build/lab/latency.json).
check-lab: install
	$(BIN)/python -m pytest tests/lab

# Every notebook with the OpenBLAS kernels of other CPUs: asserts must not depend on one machine's
# rounding (see tools/check_other_cpus.py).
check-cpus: $(STAMP)
	$(BIN)/python tools/check_other_cpus.py

# PyTorch and scikit-learn are optional references, installed one at a time: one that cannot
# be installed is left out (the benchmark says so) without stopping the other. Then the
# ratios against them, the explorers, every notebook, `make test` and `make book` from clean
# (in a temporary copy of the tree; _build is left alone). About 15 minutes.
bench: $(STAMP)
	@grep -v '^[[:space:]]*\(#\|$$\)' requirements-bench.txt | while read -r requirement; do \
	  $(BIN)/python -m pip install --quiet "$$requirement" \
	    || echo "make bench: could not install $$requirement; measuring without it"; \
	done
	$(BIN)/python bench/run.py --with-make-test --with-make-book

# The book's time budgets are absolute times: measure them again on a quiet machine, keeping the
# ratios of the last `make bench` (bench/results.json). Run `make check-lab` first for its latency.
bench-budgets: $(STAMP)
	$(BIN)/python bench/run.py --budgets-only

lab: $(STAMP) $(LAB_SETTINGS)
	$(BIN)/jupyter lab $(LAB_AS_ROOT) notebooks/

$(LAB_SETTINGS): $(STAMP) Makefile
	mkdir -p $(dir $@)
	printf '%s\n' '{' '  "@jupyterlab/apputils-extension:notification": {' \
	  '    "fetchNews": "false",' '    "checkForUpdates": false' '  }' '}' > $@

clean:
	rm -rf _build .pytest_cache .hypothesis .jupyter_cache
	find . -name __pycache__ -not -path './$(VENV)/*' -prune -exec rm -rf {} +

clean-all: clean
	rm -rf $(VENV)
