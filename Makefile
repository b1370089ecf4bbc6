# Two entry points for a fresh machine (see README, Quickstart):
#   make demo   installs Coffee in .venv and starts a local federation of 5 nodes
#   make test   installs Coffee with its test tools and runs the whole test suite
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin

.PHONY: demo test install install-test messages

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

# UI translations (see node/i18n.py): extract every UI string into
# node/locale/messages.pot, then merge it into the fr, nl and en catalogues
# (created on first run). Translate the new entries in the .po files and drop
# their "fuzzy" flag: fuzzy entries are ignored at runtime, and
# tests/test_i18n.py fails on untranslated or fuzzy entries.
# The error constructors are keywords: their English template is the msgid.
LANGUAGES := fr nl en
BABEL_KEYWORDS := -k _ -k N_ -k gettext -k ngettext:1,2 -k translate:2 \
	-k InvalidInput -k NotFound -k Gone -k Conflict -k PermissionDenied -k NotAuthenticated -k TooLarge

messages:
	$(BIN)/pybabel extract -F babel.cfg $(BABEL_KEYWORDS) --no-default-keywords \
		--project=Coffee --copyright-holder="Coffee contributors" \
		-o node/locale/messages.pot .
	@for lang in $(LANGUAGES); do \
		if [ -f node/locale/$$lang/LC_MESSAGES/messages.po ]; then \
			$(BIN)/pybabel update -i node/locale/messages.pot -d node/locale -l $$lang || exit 1; \
		else \
			$(BIN)/pybabel init -i node/locale/messages.pot -d node/locale -l $$lang || exit 1; \
		fi; \
	done
