# Two entry points for a fresh machine (see README, Quickstart):
#   make demo   installs Coffee in .venv and starts a local federation of 5 nodes
#   make test   installs Coffee with its test tools and runs the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test install install-test

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

install: $(BIN)/python
	$(BIN)/pip install --quiet -e .

install-test: $(BIN)/python
	$(BIN)/pip install --quiet -e '.[test]'
	bash tests/setup_tools.sh

demo: install
	$(BIN)/coffee-node demo

test: install-test
	$(BIN)/python -m pytest -q -p no:cacheprovider; code=$$?; \
	if [ $$code -eq 5 ]; then echo 'pytest ran no tests: failing' >&2; exit 1; fi; exit $$code
