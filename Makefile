# The two commands a newcomer needs: `make demo` and `make test`.
VENV   ?= .venv
PYTHON := $(VENV)/bin/python
PYTEST_ARGS ?=

.PHONY: demo test test-busy fuzz services venv lock bench bench-ingest bench-ingest-loans bench-geofence bench-api bench-web bench-footprint bench-storage clean

demo: services venv
	$(PYTHON) deploy/demo.py

# Lint, layout and types first (ruff and mypy, their settings in pyproject.toml), then the suite.
test: services venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	$(PYTHON) -m pytest $(PYTEST_ARGS)

# The same suite with `stress --cpu 1` keeping one core busy beside it (deploy/busy.sh).
test-busy: services venv
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy
	bash deploy/busy.sh $(PYTHON) -m pytest $(PYTEST_ARGS)

# The API fuzz test of `make test`, deeper: FUZZ_EXAMPLES cases per operation and
# FUZZ_SCENARIOS chained call sequences (tests/fleet_api/test_fuzz.py).
FUZZ_EXAMPLES ?= 300
FUZZ_SCENARIOS ?= 200
fuzz: services venv
	FLEET_FUZZ_EXAMPLES=$(FUZZ_EXAMPLES) FLEET_FUZZ_SCENARIOS=$(FUZZ_SCENARIOS) \
		$(PYTHON) -m pytest tests/fleet_api/test_fuzz.py --timeout 3600 $(PYTEST_ARGS)

services:
	bash deploy/services.sh

venv: $(VENV)/.installed node_modules/.installed

# The web pages' front-end packages, exactly as package-lock.json says (served from here).
node_modules/.installed: package.json package-lock.json
	npm ci --no-audit --no-fund --loglevel=error
	touch $@

# Python packages at the versions of requirements.lock (those CI tested), then the project itself.
$(VENV)/.installed: pyproject.toml requirements.lock
	python3 -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -r requirements.lock
	$(VENV)/bin/pip install --quiet --no-deps -e .
	touch $@

# After a change to pyproject.toml's dependencies: pin again, newest versions its ranges admit
# (uv, in a throwaway venv under var/; the project never needs it to install).
lock:
	python3 -m venv var/lock-tool
	var/lock-tool/bin/pip install --quiet 'uv>=0.13,<0.14'
	var/lock-tool/bin/uv pip compile pyproject.toml --extra dev --python-version 3.11 --quiet \
		--custom-compile-command 'make lock' -o requirements.lock

clean:
	rm -rf $(VENV) node_modules var .pytest_cache .hypothesis

# Benchmarks print figures beside a baseline measured in the same run (docs/PERFORMANCE.md).
bench: bench-ingest bench-geofence bench-api bench-web

bench-ingest: services venv
	$(PYTHON) bench/ingest_bench.py $(BENCH_ARGS)

# Ingest p99 at 10,000 readings/s alone, then while the API validates and checks out loans.
bench-ingest-loans: services venv
	$(PYTHON) bench/ingest_bench.py --api-loans $(BENCH_ARGS)

bench-geofence: venv
	$(PYTHON) bench/geofence_bench.py

bench-api: services venv
	$(PYTHON) bench/api_bench.py $(BENCH_ARGS)

# The whole stack's memory and idle CPU with the 42 demo vehicles reporting every 10 s.
bench-footprint: services venv
	$(PYTHON) bench/footprint.py $(BENCH_ARGS)

# What one stored reading costs on disk (docs/CAPACITY.md).
bench-storage: services venv
	$(PYTHON) bench/storage_size.py

# The map page in Chromium: weight, first map drawn, 10,000 vehicles at 1,000 changes/s.
bench-web: services venv
	$(PYTHON) bench/web_bench.py $(BENCH_ARGS)
