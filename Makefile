# The two commands of the README: `make run` and `make test`. Both create the
# virtual environment and install the project first when needed.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-dev
# The benchmarks' own environment: their `bench` extra (eventsourcing-sqlalchemy,
# measured against the native recorders) holds SQLAlchemy below 2.1, which must not
# leak into the environment `make test` and `make run` use (a fresh install's 2.1).
BENCH_VENV ?= .venv-bench
BENCH := $(BENCH_VENV)/bin
BENCH_STAMP := $(BENCH_VENV)/.installed-bench

.PHONY: run test lint bench bench-http bench-scale chaos install clean translations

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else 1)' || \
		{ echo "tsunagu needs Python 3.11 or newer (found: $$($(PYTHON) --version)); set PYTHON=python3.11"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

$(BENCH_STAMP): pyproject.toml
	@$(MAKE) --no-print-directory VENV=$(BENCH_VENV) install
	$(BENCH)/python -m pip install --quiet -e '.[dev,bench]'
	@touch $(BENCH_STAMP)

# The demo is asked for here, never by the server: `tsunagu demo` loads it into an
# empty database (and prints its accounts once); `tsunagu serve` only serves.
run: $(STAMP)
	$(BIN)/tsunagu demo
	TSUNAGU_MUNICIPALITY="$${TSUNAGU_MUNICIPALITY:-つなぐ市（架空・デモ）}" $(BIN)/tsunagu serve

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/mypy

test: lint
	@test -x "$${TSUNAGU_CHROMIUM:-/usr/bin/chromium}" || echo "NOTE: no Chromium at $${TSUNAGU_CHROMIUM:-/usr/bin/chromium}: the browser tests (tests/browser) will be SKIPPED. Install it with: apt-get install chromium chromium-driver"
	$(BIN)/python -m pytest -n auto --dist loadfile

# Re-extract the screens' text and update both catalogues; new English entries are
# filled in (en shows its msgids), new Japanese ones must be translated by hand:
# tests/ui/test_i18n.py fails until every msgid has a translation.
I18N := interfaces/translations
translations: $(STAMP)
	$(BIN)/pybabel extract -F $(I18N)/babel.cfg -k _l -k lazy_gettext --no-location \
		--sort-output --project tsunagu --copyright-holder tsunagu -o $(I18N)/messages.pot .
	$(BIN)/pybabel update -i $(I18N)/messages.pot -d $(I18N) --no-fuzzy-matching --ignore-obsolete
	$(BIN)/python -c 'from babel.messages.pofile import read_po, write_po; \
		p = "$(I18N)/en/LC_MESSAGES/messages.po"; c = read_po(open(p, "rb")); \
		[setattr(m, "string", m.id) for m in c if m.id and not m.string]; \
		write_po(open(p, "wb"), c, width=100, no_location=True, sort_output=True)'
	$(BIN)/pybabel compile -d $(I18N) --statistics

bench: $(BENCH_STAMP)
	$(BENCH)/python -m bench --markdown --json bench/results.json
	$(BENCH)/python -m bench.ledger
	$(BENCH)/python -m bench.privacy

# A served instance (gunicorn, 3 workers, and the projection worker) under 8 clients
# doing 90 % reads and 10 % commands, on SQLite and, when TSUNAGU_TEST_POSTGRES_URL
# is set, PostgreSQL: 1-2 minutes per backend. Not part of `make bench`, whose
# `python -m bench --needs 50` alone took 10-12 minutes (docs/benchmarks.md).
# Exits non-zero on any 5xx or lost write. Figures: docs/benchmarks.md, "HTTP load".
bench-http: $(STAMP)
	$(BIN)/python -m bench.http --backend all --clients 8 --seconds 30

# A municipality of a million needs (python -m bench.scale, a throw-away SQLite file;
# BENCH_SCALE_ARGS="--backend postgres" for PostgreSQL): written through the event
# store, every view rebuilt, read paths timed over HTTP. Long: the view rebuild takes
# hours at today's rates. Figures: docs/benchmarks.md, "Scale".
bench-scale: $(BENCH_STAMP)
	$(BENCH)/python -m bench.scale --needs 1000000 --measure $(BENCH_SCALE_ARGS)

# Minutes of load while web workers, the projection worker and the database are
# knocked over (PostgreSQL at TSUNAGU_BENCH_POSTGRES_URL, then SQLite); exits
# non-zero when an invariant broke. Figures: docs/reliability.md.
chaos: $(STAMP)
	$(BIN)/python -m bench.chaos --backend postgres --seconds 120
	$(BIN)/python -m bench.chaos --backend sqlite --seconds 60

clean:
	rm -rf $(VENV) $(BENCH_VENV) build *.egg-info .pytest_cache .mypy_cache .ruff_cache
