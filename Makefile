# Carrefour — everything a fresh machine needs, in two commands: `make run` and `make test`.
SHELL := /bin/bash
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
HOST ?= 127.0.0.1
PORT ?= 8000
# The absolute address of the site in e-mails and background jobs: where `make run` serves it.
BASE_URL ?= http://$(HOST):$(PORT)
DEMO_ADMIN_USERNAME ?= admin
DEMO_ADMIN_EMAIL ?= admin@carrefour.local
DEMO_ADMIN_PASSWORD ?= carrefour-demo
export BASE_URL DEMO_ADMIN_USERNAME DEMO_ADMIN_EMAIL DEMO_ADMIN_PASSWORD
# pytest-xdist workers (0: none), each with its own databases and media; the slowest tests are
# listed at the end of every run. `--dist load` (not loadfile): it keeps pytest-django's order on
# each worker, transactional tests last, whose flush would empty the database of the tests after
# them. None by default: on 2 cores, with .ci/run's two engines side by side, 2 workers each took
# 35 min against 23 min without (each module's sample is loaded again on each worker).
PYTEST_WORKERS ?= 0
PYTEST_ARGS ?= -n $(PYTEST_WORKERS) --dist load --durations=25

.PHONY: run test venv assets static browser-deps sample-data demo-admin lint format bench messages clean

## run: install everything, migrate, load the real sample data, create the demo admin, serve.
run: venv assets
	DJANGO_DEBUG=1 $(MANAGE) migrate --noinput
	DJANGO_DEBUG=1 $(MANAGE) load_sample_data
	DJANGO_DEBUG=1 $(MANAGE) create_demo_admin
	@# Map, search index and open-data dumps in step with the pages: says loudly what is not (a
	@# database made by an older version, a write around the services), mends it, then serves.
	DJANGO_DEBUG=1 $(MANAGE) check_catalogue || DJANGO_DEBUG=1 $(MANAGE) check_catalogue --repair
	DJANGO_DEBUG=1 $(MANAGE) compilemessages --ignore=.venv --ignore=node_modules -v0 || true
	@echo "Carrefour: $(BASE_URL)/"
	@echo "  Wagtail admin: $(BASE_URL)/admin/  user name $(DEMO_ADMIN_USERNAME), password $(DEMO_ADMIN_PASSWORD)"
	@echo "  Site log-in:   $(BASE_URL)/comptes/login/  e-mail $(DEMO_ADMIN_EMAIL), password $(DEMO_ADMIN_PASSWORD)"
	@# The django-q2 cluster (harvest schedules, digests) runs beside the web server.
	trap 'kill 0' EXIT; DJANGO_DEBUG=1 $(MANAGE) qcluster & DJANGO_DEBUG=1 $(MANAGE) runserver $(HOST):$(PORT)

## test: lint, migration check, then the whole suite (browser journeys included; among them
## tests/test_delivered_state.py builds `make run`'s state in a fresh database and runs
## check_catalogue on it).
test: venv assets browser-deps
	$(BIN)/ruff check .
	DJANGO_DEBUG=1 $(MANAGE) makemigrations --check --dry-run -v0
	$(BIN)/pytest $(PYTEST_ARGS)

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt
	@# a venv left half-made by an interrupted run (no pip) is made again
	$(BIN)/python -m pip --version >/dev/null 2>&1 || $(PYTHON) -m venv --clear $(VENV)
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -r requirements.txt
	touch $@

assets:
	sh bin/assets.sh

## browser-deps: Debian's chromium for the Playwright journeys (installed when missing and root).
browser-deps:
	@if [ ! -x /usr/bin/chromium ]; then \
		if [ "$$(id -u)" = "0" ] && command -v apt-get >/dev/null; then \
			(apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null) \
			|| echo "browser-deps: could not install chromium; browser tests will be skipped"; \
		else \
			echo "browser-deps: install Debian's chromium (apt-get install chromium) to run browser tests"; \
		fi; \
	fi

static: venv assets
	$(MANAGE) collectstatic --noinput -v0

sample-data: venv
	DJANGO_DEBUG=1 $(MANAGE) migrate --noinput
	DJANGO_DEBUG=1 $(MANAGE) load_sample_data

demo-admin: venv
	DJANGO_DEBUG=1 $(MANAGE) create_demo_admin

lint: venv
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: venv
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

## messages: extract the strings, fill the catalogues from locale/*/dictionary.py, compile.
## New strings are listed as missing: add them to locale/en/dictionary.py and run it again.
messages: venv
	DJANGO_DEBUG=1 $(MANAGE) makemessages -l fr -l en --ignore=.venv --ignore=node_modules --ignore=static --ignore=var
	$(BIN)/python bin/po_fill.py --identity locale/fr/LC_MESSAGES/django.po locale/fr/dictionary.py
	$(BIN)/python bin/po_fill.py locale/en/LC_MESSAGES/django.po locale/en/dictionary.py
	DJANGO_DEBUG=1 $(MANAGE) compilemessages --ignore=.venv --ignore=node_modules

bench: venv
	@echo "Benchmarks are run by hand: $(BIN)/python bench/<name>.py (see README)"

clean:
	rm -rf var/test static
