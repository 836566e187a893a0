# Tuneboard: `make run` serves the app on 127.0.0.1:8501; `make test` runs every test.
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
PORT   ?= 8501

.PHONY: run test lint mutation bench bench-long clean

run: $(VENV)/.installed
	$(PY) -m streamlit run app.py --server.address 127.0.0.1 --server.port $(PORT)

test: $(VENV)/.dev-installed
	$(PY) -m pytest

lint: $(VENV)/.dev-installed
	$(VENV)/bin/ruff check .

# Mutation testing of the core modules that compute answers (writes MUTATION.md). MUTATION_ARGS=--reuse keeps the
# verdicts in mutants/ and retests only new and surviving mutants.
mutation: $(VENV)/.dev-installed
	$(PY) tools/mutation.py $(MUTATION_ARGS)

bench: $(VENV)/.installed
	$(PY) -m bench

bench-long: $(VENV)/.installed
	$(PY) -m bench --long

$(VENV)/.installed: requirements.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.dev-installed: $(VENV)/.installed requirements-dev.txt requirements-cluster.txt
	$(PY) -m pip install --quiet -r requirements-dev.txt
	$(PY) -m pip install --quiet -r requirements-cluster.txt
	touch $@

clean:
	rm -rf $(VENV) .pytest_cache
