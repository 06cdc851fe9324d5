# The series in two commands: `make lab` to read it, `make test` to check it.
# Everything lives in .venv/ inside the checkout; nothing is registered outside it.

PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
# The venv is stamped with the interpreter that made it: another PYTHON (or another version of it)
# rebuilds it instead of silently reusing the old one.
PY_ID  := $(shell $(PYTHON) tools/venv_python.py id 2>/dev/null)
STAMP  := $(VENV)/.installed-$(or $(PY_ID),missing-python)
QUICK  := AEHELPERS_QUICK=1 AEHELPERS_OFFLINE=1 MPLBACKEND=Agg
PORT   ?= 8888
# Jupyter refuses to run as root without this (containers, CI); users never need it.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: help venv lab test unit notebooks run screenshot bench bench-smoke strip clean

help:
	@echo "make lab    - set up .venv and open the series in JupyterLab"
	@echo "make test   - set up .venv, run unit tests and every notebook (quick mode)"
	@echo "make run    - execute every notebook in full mode and refresh figures/"
	@echo "make screenshot - refresh figures/slider_screenshot.png (notebook 04's slider in JupyterLab + Chromium)"
	@echo "make bench  - measure speed and quality; writes bench/results.json and bench/RESULTS.md"
	@echo "make strip  - remove outputs and execution counts from notebooks/"
	@echo "make site   - the executed series as offline web pages in build/site/ (sliders work without a kernel)"

# Re-installs only when pyproject.toml changes or PYTHON is another interpreter: a second run does nothing.
$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "PYTHON=$(PYTHON) not found: install Python 3.11-3.13 or pass PYTHON=/path/to/python3.x"; exit 1; }
	@$(PYTHON) tools/venv_python.py check $(VENV)
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@rm -f $(VENV)/.installed*
	@touch $(STAMP)

venv: $(STAMP)

lab: $(STAMP)
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks --ServerApp.port=$(PORT) --ServerApp.ip=127.0.0.1 \
		$(ROOT_FLAG) notebooks/00_start_here.ipynb

test: $(STAMP)
	$(QUICK) $(BIN)/python -m pytest tests notebooks --nbval-lax \
		--nbval-cell-timeout=900 --durations=15

unit: $(STAMP)
	$(QUICK) $(BIN)/python -m pytest tests --ignore=tests/e2e

NOTEBOOKS ?= notebooks
notebooks: $(STAMP)
	$(QUICK) $(BIN)/python -m pytest $(NOTEBOOKS) --nbval-lax --nbval-cell-timeout=900

# Full mode: real data sizes and epochs; refreshes the committed figures/.
run: $(STAMP)
	MPLBACKEND=Agg $(BIN)/python -m jupyter nbconvert --to notebook --execute --output-dir build/executed \
		--ExecutePreprocessor.timeout=-1 notebooks/*.ipynb
	$(BIN)/python tests/e2e/readme_screenshot.py --if-chromium

# Chromium as the browser tests find it: AEHELPERS_CHROMIUM, else chromium, chromium-browser,
# google-chrome or google-chrome-stable on PATH. Full mode unless AEHELPERS_QUICK=1.
screenshot: $(STAMP)
	$(BIN)/python tests/e2e/readme_screenshot.py

bench: $(STAMP)
	$(BIN)/python bench/run.py

bench-smoke: $(STAMP)
	$(QUICK) $(BIN)/python bench/run.py --smoke --out build/bench-smoke

strip: $(STAMP)
	$(BIN)/python -m jupyter nbconvert --clear-output --inplace --log-level=WARN \
		--ClearMetadataPreprocessor.enabled=True --ClearMetadataPreprocessor.clear_notebook_metadata=False \
		--ClearMetadataPreprocessor.preserve_cell_metadata_mask=tags notebooks/*.ipynb

clean:
	rm -rf build test-output .cache .pytest_cache

# The executed series as static web pages (issue 17): build/site/index.html, fully offline, sliders
# without a kernel. Full mode by default; AEHELPERS_QUICK=1 make site for a quick build (CI).
.PHONY: site
site: $(STAMP)
	$(BIN)/python tools/build_site.py
