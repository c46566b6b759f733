# The README's two commands: `make demo` runs the app with a demo county on SQLite,
# `make test` runs the checks and the test suite against PostgreSQL.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
TEST_DATABASE_URL := postgres://postgres@127.0.0.1:5432/xinfang
DEMO_PETITIONS ?= 1000
# The tests marked `deadlines` run again as if on these days: a Spring Festival week, a make-up working
# Saturday and New Year's Eve, where counting to a rest day or across a year goes wrong first.
DEADLINE_TEST_DAYS := 2026-02-18 2026-02-14 2026-12-31
# The demo runs on the embedded defaults: SQLite in the work tree, Celery tasks run inline, and the
# notification e-mails written to files in demo-mail/ instead of sent.
DEMO_ENV := env -u DATABASE_URL -u REDIS_URL DEBUG=1 EMAIL_BACKEND=django.core.mail.backends.filebased.EmailBackend EMAIL_FILE_PATH=$(CURDIR)/demo-mail

.PHONY: demo test venv clean

# Each stamp is newer than the requirement files it installed, so a set-up venv costs nothing.
$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

$(VENV)/.installed-runtime: requirements.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements.txt
	touch $@

$(VENV)/.installed-dev: requirements.txt requirements-dev.txt | $(BIN)/python
	$(BIN)/python -m pip install --quiet -r requirements-dev.txt
	touch $@ $(VENV)/.installed-runtime

venv: $(VENV)/.installed-dev

# Translations are compiled when the tools are there (Debian: gettext); compiled files may be committed.
define compile_messages
	@if [ -d locale ] && command -v msgfmt >/dev/null; then $(1) $(BIN)/python manage.py compilemessages --ignore=$(VENV) -v 0; fi
endef

demo: $(VENV)/.installed-runtime
	$(call compile_messages,$(DEMO_ENV))
	$(DEMO_ENV) $(BIN)/python manage.py migrate --noinput
	$(DEMO_ENV) $(BIN)/python manage.py seed_demo --petitions $(DEMO_PETITIONS)
	@# No beat in the demo: one reminder scan, so the bells show what is due.
	$(DEMO_ENV) $(BIN)/python manage.py scan_deadlines
	@$(DEMO_ENV) $(BIN)/python manage.py shell -v 0 -c "import os; \
	from cases.management.commands.seed_demo import DEFAULT_PASSWORD; \
	print(); \
	print('Xinfang demo at http://127.0.0.1:8000/ (Django admin at /admin/, API docs at /api/docs/)'); \
	print('Log in as clerk, handler, leader, supervisor or admin, password:', os.environ.get('DEMO_PASSWORD') or DEFAULT_PASSWORD); \
	print()"
	$(DEMO_ENV) $(BIN)/python manage.py runserver 127.0.0.1:8000

test: $(VENV)/.installed-dev
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	DEBUG=1 $(BIN)/mypy
	DEBUG=1 $(BIN)/python manage.py makemigrations --check --dry-run
	$(call compile_messages,DEBUG=1)
	DEBUG=1 DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(BIN)/pytest -n 2
	for day in $(DEADLINE_TEST_DAYS); do \
		DEBUG=1 DATABASE_URL=$${DATABASE_URL:-$(TEST_DATABASE_URL)} $(BIN)/pytest -n 2 -q -m deadlines --today=$$day || exit 1; \
	done

clean:
	rm -rf $(VENV) staticfiles .hypothesis demo-mail
