# B2B Discovery — `make demo` to try it, `make test` to check it.
VENV   ?= .venv
PYTHON ?= python3
PY      = $(VENV)/bin/python
# torch comes from constraints.txt (the local CPU wheel); the stamp covers both files.
STAMP   = $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

# the front-end (api/web): npm packages from package-lock.json, pages built by Vite
WEB       = api/web
WEB_STAMP = $(WEB)/node_modules/.installed-$(shell cat $(WEB)/package-lock.json | cksum | cut -d' ' -f1)
WEB_SRC   = $(shell find $(WEB)/src $(WEB)/public -type f) $(wildcard $(WEB)/*.html $(WEB)/*.ts $(WEB)/tsconfig.json)

.PHONY: install web demo test test-fast bench lint clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test,embeddings,voice]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

$(WEB_STAMP): $(WEB)/package.json $(WEB)/package-lock.json
	cd $(WEB) && npm ci --no-audit --no-fund --loglevel=error
	rm -f $(WEB)/node_modules/.installed-*
	touch $(WEB_STAMP)

$(WEB)/dist/.built: $(WEB_STAMP) $(WEB_SRC)
	cd $(WEB) && npm run --silent build
	touch $@

web: $(WEB)/dist/.built

demo: install web
	$(VENV)/bin/discovery demo

# one test process per core (TEST_WORKERS=0: one process); a file's tests stay in one process,
# which builds that file's fixtures once
TEST_WORKERS ?= auto

test: install web
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile

test-fast: install
	$(PY) -m pytest -q -n $(TEST_WORKERS) --dist loadfile -m "not slow and not integration and not browser"

bench: install web
	$(PY) benchmarks/bench_search.py
	$(PY) benchmarks/bench_ingest.py
	$(PY) benchmarks/bench_vectors.py
	$(PY) benchmarks/bench_browser.py
	$(PY) benchmarks/bench_documents.py
	$(PY) benchmarks/bench_barcodes.py

lint: install
	$(VENV)/bin/ruff check catalog commerce ingestion indexer embeddings ranking evaluation api tests benchmarks
	$(VENV)/bin/mypy

clean:
	rm -rf data .pytest_cache tests/artifacts $(WEB)/dist $(WEB)/node_modules
