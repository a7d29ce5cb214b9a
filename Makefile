# gradtour: set up, run, test, and manage translations.
#
# PyTorch is installed first, pinned to the 2.13.0 CPU build: the project's
# own requirement is a range, and on a machine without torch a bare
# requirement would pull a multi-GB CUDA build.

PYTHON ?= python3
VENV   ?= .venv
PY     := $(VENV)/bin/python
PYBABEL := $(VENV)/bin/pybabel
TORCH  ?= torch==2.13.0
ZH     := locales/zh_CN/LC_MESSAGES

.PHONY: setup run test test-slow test-browser lint fonts bench extract update compile catalogs clean

setup: $(VENV)/.installed

$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet $(TORCH)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@

run: setup
	$(VENV)/bin/gradtour

test: setup
	$(PY) -m pytest -q

test-slow: setup
	$(PY) -m pytest -q -m slow

# The package layering: import-linter contracts in pyproject.toml
# (docs/ARCHITECTURE.md). `make test` checks them too (tests/test_layering.py).
lint: setup
	$(VENV)/bin/lint-imports

# Web mode in a real browser (Debian's chromium, driven by Playwright): keys,
# languages, copy, export, every request on the origin, the stop. ~1 minute.
test-browser: setup
	$(PY) -m pytest -q -m browser tests/test_serve_browser.py

# Web mode's font subsets (tui/web/static/fonts), remade from Debian's font
# packages after a catalog gained Chinese characters (tests/test_web_fonts.py).
fonts: setup
	$(PY) tools/subset_fonts.py

# Performance figures of issue 6, measured in a real pty against baselines
# taken in the same run; writes bench/RESULTS.md (takes a few minutes).
bench: setup
	$(PY) -m bench

# --- translations -------------------------------------------------------
# extract: sources -> .pot; update: .pot -> .po (new/changed entries become
# untranslated or fuzzy, which the tests refuse); compile: .po -> .mo (the
# .mo files are committed so that a plain `pip install .` needs no Babel step).

extract: setup
	$(PYBABEL) -q extract --no-location --sort-output -F babel-lessons.cfg -o locales/lessons.pot .
	$(PYBABEL) -q extract --no-location --sort-output -k N_ -F babel-tui.cfg -o locales/tui.pot .

update: extract
	$(PYBABEL) -q update --no-wrap -i locales/lessons.pot -d locales -D lessons -l zh_CN
	$(PYBABEL) -q update --no-wrap -i locales/tui.pot -d locales -D tui -l zh_CN

# Lesson prose is compiled without Babel's checks: its python-format check
# takes prose such as "100% of" for a %-placeholder and refuses the catalog.
# tests/test_translations.py checks what matters for prose (code spans,
# placeholders, block shape) instead.
compile: setup
	$(PY) -c "from babel.messages.pofile import read_po; from babel.messages.mofile import write_mo; \
	write_mo(open('$(ZH)/lessons.mo', 'wb'), read_po(open('$(ZH)/lessons.po', 'rb'), locale='zh_CN'))"
	$(PYBABEL) compile --statistics -d locales -D tui -l zh_CN

catalogs: update compile

clean:
	rm -rf build dist *.egg-info locales/*.pot
