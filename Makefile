# B2B Discovery — `make demo` to try it, `make test` to check it.
VENV   ?= .venv
PYTHON ?= python3
PY      = $(VENV)/bin/python
# torch comes from constraints.txt (the local CPU wheel); the stamp covers both files.
STAMP   = $(VENV)/.installed-$(shell cat pyproject.toml constraints.txt | cksum | cut -d' ' -f1)

.PHONY: install demo test test-fast bench lint clean

$(STAMP): pyproject.toml constraints.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e ".[test,embeddings]"
	rm -f $(VENV)/.installed-*
	touch $(STAMP)

install: $(STAMP)

demo: install
	$(VENV)/bin/discovery demo

test: install
	$(PY) -m pytest -q

test-fast: install
	$(PY) -m pytest -q -m "not slow and not integration"

bench: install
	$(PY) benchmarks/bench_search.py
	$(PY) benchmarks/bench_ingest.py
	$(PY) benchmarks/bench_vectors.py

lint: install
	$(VENV)/bin/ruff check catalog ingestion indexer embeddings ranking evaluation api tests benchmarks
	$(VENV)/bin/mypy

clean:
	rm -rf data .pytest_cache tests/artifacts
