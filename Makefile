# The series in two commands: `make lab` to read it, `make test` to check it.
# Everything lives in .venv/ inside the checkout; nothing is registered outside it.

VENV   ?= .venv
BIN    := $(VENV)/bin
# The Python that makes .venv (issue 29): PYTHON=... if it runs; a pythonX.Y that does not (a pyenv shim of
# a version pyenv has not activated) is looked for where .ci/run looks, pyenv's versions/, /usr/local/bin,
# /usr/bin. Without PYTHON: the one that made .venv, else python3 if it is 3.11-3.13, else the newest
# 3.13/3.12/3.11 found so. None: name one, e.g. `make lab PYTHON=/path/to/python3.13`.
override PYTHON := $(shell sh tools/find_python --venv $(VENV) $(PYTHON))
NO_PYTHON := no Python 3.11-3.13 that runs was found ($(PYTHON) does not run or cannot make a venv): install one, or name it: make lab PYTHON=/path/to/python3.13
# The venv is stamped with the interpreter that made it: another PYTHON (or another version of it)
# rebuilds it instead of silently reusing the old one.  Three stamps, one per install: the series
# itself (`make lab`: no test tools), plus the [test,site] extras (`make test`) or the [site] extra
# (`make site`); each extra is added to the same venv without rebuilding it.
PY_ID  := $(shell $(PYTHON) tools/venv_python.py id 2>/dev/null)
STAMP  := $(VENV)/.installed-$(or $(PY_ID),missing-python)
TEST_STAMP := $(STAMP)-test
SITE_STAMP := $(STAMP)-site
QUICK  := AEHELPERS_QUICK=1 AEHELPERS_OFFLINE=1 MPLBACKEND=Agg
PORT   ?= 8888
# Tests run TEST_WORKERS at a time (pytest-xdist); a notebook's cells, and a test file's tests, stay together
# in one worker, in order (--dist loadscope). On the 2-core CI machine make test took 1232 s with 2 workers,
# against 1613 s in one process.
# TEST_WORKERS=0 runs everything in one process, one after the other.
TEST_WORKERS ?= 2
PARALLEL := $(if $(filter 0,$(TEST_WORKERS)),,-n $(TEST_WORKERS) --dist loadscope)
# Jupyter refuses to run as root without this (containers, CI); users never need it.
ROOT_FLAG := $(if $(filter 0,$(shell id -u)),--allow-root)

.PHONY: help venv lab test unit notebooks run screenshot bench bench-smoke strip clean

help:
	@echo "make lab    - set up .venv and open the series in JupyterLab (Python: $(PYTHON);"
	@echo "             another one: make lab PYTHON=python3.13 or PYTHON=/path/to/python3.x)"
	@echo "make test   - set up .venv, run unit tests and every notebook (quick mode)"
	@echo "make unit   - the unit tests only; make notebooks - every notebook only (quick mode)"
	@echo "make run    - execute every notebook in full mode and refresh the committed figures/"
	@echo "             (AEHELPERS_FIGURES=figures; otherwise a notebook saves figures to the ignored build/figures/)"
	@echo "make screenshot - refresh figures/slider_screenshot.png (notebook 04's slider in JupyterLab + Chromium)"
	@echo "make bench  - measure speed and quality; writes bench/results.json and bench/RESULTS.md"
	@echo "make strip  - remove outputs and execution counts from notebooks/"
	@echo "make site   - the executed series as offline web pages in build/site/ (sliders work without a kernel)"

# Re-installs only when pyproject.toml or constraints.txt changes or PYTHON is another interpreter: a second
# run does nothing. Every install is pinned to what CI tested (constraints.txt). pip shows a line and a
# progress bar per download (no --quiet).
PIP_INSTALL := $(BIN)/python -m pip install --progress-bar on -c constraints.txt
$(STAMP): pyproject.toml constraints.txt
	@$(PYTHON) -c 'import venv, ensurepip' >/dev/null 2>&1 || { echo "$(NO_PYTHON)"; exit 1; }
	@$(PYTHON) tools/venv_python.py check $(VENV)
	@echo "Python $$($(PYTHON) -c 'import platform; print(platform.python_version())') ($(PYTHON)) -> $(VENV)/"
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --upgrade --progress-bar on pip
	@echo "Installing the series into $(VENV)/: about 650 MB to download the first time (TensorFlow alone"
	@echo "570 MB), about 3 GB on disk; a few minutes, with a progress bar per file."
	$(PIP_INSTALL) -e .
	@$(BIN)/python tools/venv_python.py configure $(VENV)
	@rm -f $(VENV)/.installed*
	@touch $(STAMP)

# Inside the venv only: no kernel warning about TCP encryption, no JupyterLab news toast (issue 29);
# also for a venv installed before this existed.
VENV_CONFIG := $(VENV)/etc/ipython/ipython_kernel_config.py
$(VENV_CONFIG): tools/venv_python.py | $(STAMP)
	@$(BIN)/python tools/venv_python.py configure $(VENV)

# The extras, on top of the series' own install (pytest, nbval, Playwright...; nbconvert and latex2mathml).
$(TEST_STAMP): $(STAMP) | $(VENV_CONFIG)
	@echo "Adding the test and site tools to $(VENV)/: about 50 MB to download."
	$(PIP_INSTALL) -e '.[test,site]'
	@touch $@

$(SITE_STAMP): $(STAMP) | $(VENV_CONFIG)
	$(PIP_INSTALL) -e '.[site]'
	@touch $@

venv: $(TEST_STAMP)

# The URL JupyterLab prints opens notebook 00 (its default URL), not the file browser.
lab: $(STAMP) $(VENV_CONFIG)
	$(BIN)/jupyter lab --ServerApp.root_dir=notebooks --ServerApp.port=$(PORT) --ServerApp.ip=127.0.0.1 \
		--LabApp.default_url=/lab/tree/00_start_here.ipynb $(ROOT_FLAG)

test: $(TEST_STAMP)
	$(QUICK) $(BIN)/python -m pytest tests notebooks --nbval-lax \
		--nbval-cell-timeout=900 --durations=15 $(PARALLEL)

# UNIT_FLAGS: extra pytest flags (.ci/run leaves the notebook-running invited-edit tests out of its 3.13 pass).
unit: $(TEST_STAMP)
	$(QUICK) $(BIN)/python -m pytest tests --ignore=tests/e2e $(PARALLEL) $(UNIT_FLAGS)

NOTEBOOKS ?= notebooks
notebooks: $(TEST_STAMP)
	$(QUICK) $(BIN)/python -m pytest $(NOTEBOOKS) --nbval-lax --nbval-cell-timeout=900 $(PARALLEL)

# Full mode: real data sizes and epochs; the one target that writes the committed figures/
# (AEHELPERS_FIGURES; everything else, JupyterLab included, saves figures to the ignored build/figures/).
run: $(TEST_STAMP)
	AEHELPERS_FIGURES=$(CURDIR)/figures MPLBACKEND=Agg $(BIN)/python -m jupyter nbconvert --to notebook --execute --output-dir build/executed \
		--ExecutePreprocessor.timeout=-1 notebooks/*.ipynb
	$(BIN)/python tests/e2e/readme_screenshot.py --if-chromium

# Chromium as the browser tests find it: AEHELPERS_CHROMIUM, else chromium, chromium-browser,
# google-chrome or google-chrome-stable on PATH. Full mode unless AEHELPERS_QUICK=1.
screenshot: $(TEST_STAMP)
	$(BIN)/python tests/e2e/readme_screenshot.py

bench: $(TEST_STAMP)
	$(BIN)/python bench/run.py

bench-smoke: $(TEST_STAMP)
	$(QUICK) $(BIN)/python bench/run.py --smoke --out build/bench-smoke

# Keeps each cell's tags (parameters, solution) and its jupyter metadata: source_hidden and outputs_hidden keep
# exercise solutions folded (a mask of two ("jupyter", key) pairs would keep only the last).
strip: $(SITE_STAMP)
	$(BIN)/python -m jupyter nbconvert --clear-output --inplace --log-level=WARN \
		--ClearMetadataPreprocessor.enabled=True --ClearMetadataPreprocessor.clear_notebook_metadata=False \
		'--ClearMetadataPreprocessor.preserve_cell_metadata_mask=["jupyter","tags"]' \
		notebooks/*.ipynb

clean:
	rm -rf build test-output .cache .pytest_cache

# The executed series as static web pages (issue 17): build/site/index.html, fully offline, sliders
# without a kernel; one line per executed cell shows progress. Full mode by default; AEHELPERS_QUICK=1
# make site for a quick build (CI). .github/workflows/pages.yml publishes the full build to GitHub Pages.
.PHONY: site
site: $(SITE_STAMP)
	$(BIN)/python tools/build_site.py
