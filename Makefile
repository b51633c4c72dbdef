# Two commands for a newcomer: `make run` and `make test` (see README.md).
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
HOST ?= 127.0.0.1
PORT ?= 8000
# A laptop runs with DEBUG on unless the environment or .env says otherwise.
ifeq ($(origin DEBUG),undefined)
ifeq ($(shell grep -sE '^[[:space:]]*DEBUG[[:space:]]*=' .env),)
export DEBUG := true
endif
endif

.PHONY: run test install migrate demo worker bench load messages lint clean

# `make bench` loads the demo data into its own database (a throwaway SQLite file unless
# BENCH_DATABASE_URL names another) and prints timings; BENCH_LISTENERS scales it.
BENCH_DATABASE_URL ?= sqlite:///$(CURDIR)/bench.sqlite3
BENCH_LISTENERS ?= 5000

$(VENV)/.installed: pyproject.toml
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	touch $@

install: $(VENV)/.installed

migrate: install
	$(PY) manage.py migrate --no-input

demo: migrate
	$(PY) manage.py demo_data

# The QR codes and e-mailed links name the address `make run` serves on (PORT=8001 too),
# unless the environment or .env names another.
ifeq ($(origin PUBLIC_BASE_URL),undefined)
ifeq ($(shell grep -sE '^[[:space:]]*PUBLIC_BASE_URL[[:space:]]*=' .env),)
run: export PUBLIC_BASE_URL := http://$(HOST):$(PORT)
endif
endif

# Web server and background worker together; Ctrl-C stops both.
run: demo
	@echo
	@echo "  Institute register: http://$(HOST):$(PORT)/   (back-office: http://$(HOST):$(PORT)/admin/)"
	@$(PY) manage.py demo_data --accounts
	@$(PY) manage.py advance_intakes
	@echo
	@trap 'kill 0' EXIT INT TERM; \
	  $(PY) manage.py db_worker & \
	  $(PY) manage.py runserver $(HOST):$(PORT)

bench: install
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py migrate --no-input -v0
	DATABASE_URL=$(BENCH_DATABASE_URL) $(PY) manage.py bench --listeners $(BENCH_LISTENERS)

# `make load LOAD_DATABASE_URL=postgres://…` drives gunicorn with production settings on
# 127.0.0.1 with locust (tests/load/run.py; README, Measured). The database must hold
# `manage.py demo_data --listeners 100000`. Locust comes in the `load` extra, only here.
LOAD_DATABASE_URL ?=
LOAD_USERS ?= 32
LOAD_TIME ?= 2m

load: install
	$(PY) -m pip install --quiet -e ".[load]"
	$(PY) tests/load/run.py --database-url "$(LOAD_DATABASE_URL)" --users $(LOAD_USERS) --run-time $(LOAD_TIME)

worker: install
	$(PY) manage.py db_worker

# The suite runs on every core (pytest-xdist, one database per worker); TEST_WORKERS=0 runs it
# in this process alone, e.g. to read a failure's output in order.
TEST_WORKERS ?= auto
test: install
	$(PY) -m pytest -n $(TEST_WORKERS) $(PYTEST_ARGS)

lint: install
	$(VENV)/bin/ruff check .
	$(PY) manage.py makemigrations --check --dry-run

# Kazakh and Russian catalogues: extract, then compile (the .mo files are committed).
messages: install
	$(PY) manage.py makemessages --locale kk --locale ru --no-obsolete \
	  --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'tests/*' \
	  --ignore 'institute/locale'
	$(PY) manage.py compilemessages --ignore '.venv/*'

clean:
	rm -rf $(VENV) staticfiles .pytest_cache
