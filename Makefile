# The two commands of the README: `make demo` and `make test`. Both create .venv and install
# the project into it first, so they work on a fresh machine with Python 3.11.
SHELL := /bin/bash
PYTHON_BOOT ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
DEMO_DIR ?= demo_output
DEMO_CLIENTS ?= 30000

.PHONY: demo test check venv gen-protos clean browser system-packages bench bench-quick bench-setup

venv: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || $(PYTHON_BOOT) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	DEMO_DIR=$(DEMO_DIR) DEMO_CLIENTS=$(DEMO_CLIENTS) bash scripts/demo.sh

# The web app's end-to-end tests drive Debian's Chromium (Playwright cannot download a browser
# here); installing it needs root, as on CI and the team's machines.
browser:
	test -x /usr/bin/chromium || (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) \
		|| echo "warning: could not install Debian's chromium (not root?); browser tests will be skipped"

# The decision record's tests run on a real PostgreSQL (Debian's postgresql) as well as SQLite,
# and render the web app's PDF letters with poppler's pdftoppm: both installed when missing.
system-packages:
	(test -x /usr/lib/postgresql/15/bin/postgres || ls /usr/lib/postgresql/*/bin/postgres >/dev/null 2>&1) && command -v pdftoppm >/dev/null \
		|| (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql poppler-utils) \
		|| echo "warning: could not install postgresql / poppler-utils (not root?); the tests that need them say so and are skipped"

test: $(STAMP) browser system-packages
	$(PY) -m pytest

check: $(STAMP)
	$(PY) -m ruff check .
	$(PY) -m ruff format --check .
	$(PY) -m mypy model_build server gradio_ui benchmarks
	$(PY) scripts/gen_protos.py --check
	$(VENV)/bin/buf lint protos

clean:
	rm -rf $(VENV) $(DEMO_DIR) .pytest_cache test-artifacts

gen-protos: $(STAMP)
	$(PY) scripts/gen_protos.py

# Benchmarks (see README): baselines that conflict with our pins live in .venv-bench.
BENCH_ARTIFACTS ?= $(DEMO_DIR)/artifacts
bench-setup:
	bash benchmarks/setup_baselines.sh

bench: $(STAMP)
	$(PY) -m benchmarks run --artifacts $(BENCH_ARTIFACTS) --out benchmark_results $(if $(BENCH_MANY_TREES),--many-trees-artifacts $(BENCH_MANY_TREES))

bench-quick: $(STAMP)
	$(PY) -m benchmarks run --artifacts $(BENCH_ARTIFACTS) --out benchmark_results/quick --quick
