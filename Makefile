PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run serve test lint format install migrate demo worker beat clean bench bench-pairs bench-growth

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

migrate: install
	$(BIN)/python manage.py migrate --noinput

demo: migrate
	$(BIN)/python manage.py load_demo

run: demo
	@echo ""
	@echo "PDCA Tracker is starting at http://$(HOST):$(PORT)/  (Ctrl+C stops it)"
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

# Served as in production: hashed, pre-compressed static files cached for a year (config/settings.py).
serve: export DJANGO_DEBUG ?= false
serve: export DJANGO_STATIC_HASHED ?= true
serve: migrate
	$(BIN)/python manage.py collectstatic --noinput --verbosity 0
	PORT=$(PORT) $(BIN)/gunicorn -c config/gunicorn.py config.wsgi:application --bind $(HOST):$(PORT)

# In parallel, one worker per core (pytest-xdist); PYTEST_WORKERS=0 runs in one process.
PYTEST_WORKERS ?= auto
test: install
	$(BIN)/python -m pytest -n $(PYTEST_WORKERS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

worker: install
	$(BIN)/celery -A config worker -Q celery,webhooks --beat --loglevel=info

beat: install
	$(BIN)/celery -A config beat --loglevel=info

# Benchmarks at scale against PostgreSQL (docs/performance.md): SIZE=small|large|xlarge|both (default
# both: small then large; xlarge, 10× large, is run on its own).
# The load run needs wrk (`apt-get install wrk`, see docs/performance.md); without it, it is skipped.
SIZE ?= both
bench: install
	$(BIN)/python -m bench.run --size $(SIZE)

# App ÷ raw baseline, interleaved, on a kept bench database: BENCH_DATABASE=name make bench-pairs
bench-pairs: install
	$(BIN)/python -m bench.interleave

# xlarge ÷ large, both sizes timed request by request in one process, on the two kept bench databases
# (pdca_bench and pdca_bench_xlarge by default; docs/performance.md): make bench-growth
bench-growth: install
	$(BIN)/python -m bench.growth

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache
