# Quarterdeck: `make demo` runs the product, `make test` passes the suite. Both set up what they need.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
PY     := $(BIN)/python
STAMP  := $(VENV)/.installed
ADDR   ?= 127.0.0.1:8000
PYTEST_ARGS ?=

.PHONY: demo test test-quick lint install browser clean

$(PY):
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Quarterdeck needs Python 3.11 or newer (found %s)." % sys.version.split()[0])'
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

# A developer's env file, made once if there is none: debug settings, so that plain
# `manage.py …` works on this machine. Production sets its own (see .env.example).
.env:
	@printf '# Local development settings (see .env.example for every variable).\nDJANGO_DEBUG=true\n' > .env
	@echo "Wrote .env with DJANGO_DEBUG=true for local development."

install: $(STAMP) .env

# Debian's Chromium for the browser tests; Playwright's own browser download is not used.
browser:
	@command -v chromium >/dev/null 2>&1 || bash .ci/install-chromium

demo: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) manage.py run_demo --addr $(ADDR)

test: install browser
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) -m pytest $(PYTEST_ARGS)

test-quick: install
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(PY) -m pytest -m "not browser and not worker and not server" -x -q

lint: install
	$(BIN)/ruff check .

clean:
	rm -rf $(VENV) var
