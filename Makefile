# The two commands of the README: `make run` and `make test`. Both create the environment first.
PY ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
STAMP := $(VENV)/.installed-stamp

.PHONY: run test lint messages bench clean

$(STAMP): pyproject.toml
	@test -x $(VENV)/bin/python || $(PY) -m venv $(VENV)
	$(VENV)/bin/pip install --quiet --upgrade pip
	$(VENV)/bin/pip install --quiet -e '.[dev]'
	@touch $(STAMP)

## Serve the demo county on the embedded default (SQLite, file-system broker, worker + beat) on :8000.
run: $(STAMP)
	scripts/run.sh

## The whole suite: lint, types, migrations check, unit, integration (real workers) and browser tests.
test: $(STAMP)
	scripts/test.sh

lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .

## Re-extract and compile the translations after changing user-facing strings.
messages: $(STAMP)
	$(VENV)/bin/python manage.py makemessages -l zh_Hans --no-obsolete --ignore '.venv/*' --ignore 'var/*'
	$(VENV)/bin/python manage.py compilemessages -l zh_Hans --ignore '.venv/*'

bench: $(STAMP)
	$(VENV)/bin/python bench/run.py

clean:
	rm -rf var $(VENV)
