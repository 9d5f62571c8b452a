# Two commands: `make run` serves the app with SQLite; `make test` runs every test.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV := .venv
BIN := $(VENV)/bin
# The font the PDF reports are set in (Debian's fonts-noto-cjk).
CJK_FONT := /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc

.PHONY: run test lint lock clean screenshots bench fuzz

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.app-installed: requirements/app.lock | $(BIN)/python
	$(BIN)/pip install --quiet --require-hashes -r requirements/app.lock
	touch $@

$(VENV)/.test-installed: requirements/test.lock $(VENV)/.app-installed
	$(BIN)/pip install --quiet --require-hashes -r requirements/test.lock
	touch $@

## Install, migrate, create the first organiser, load the demo into a new SQLite database, serve on 127.0.0.1:8000.
run: $(VENV)/.app-installed $(CJK_FONT)
	$(BIN)/python main.py run

# The page tests drive Debian's Chromium; screenshots need a CJK font. Installed once (as root, or through sudo).
SUDO := $(if $(filter 0,$(shell id -u)),,sudo)
/usr/bin/chromium:
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-noto-cjk

# The PDF reports set their text in Debian's Noto Sans CJK (without it Chinese comes out as boxes). Installed once, when missing.
$(CJK_FONT):
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends fonts-noto-cjk

# pdftoppm (poppler-utils) draws a report's PDF pages as PNG for docs/screenshots/.
/usr/bin/pdftoppm:
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends poppler-utils

# Mozilla's ical.js: the second, independent iCal parser the feed tests check against.
tests/icaljs/node_modules/.package-lock.json: tests/icaljs/package-lock.json
	npm ci --prefix tests/icaljs --no-audit --no-fund --silent

# Deque's axe-core: tests/test_accessibility.py injects it into every page.
tests/axe/node_modules/.package-lock.json: tests/axe/package-lock.json
	npm ci --prefix tests/axe --no-audit --no-fund --silent

## Install and run the whole suite on SQLite, then on PostgreSQL when TEST_DATABASE_URL is set.
test: $(VENV)/.test-installed /usr/bin/chromium tests/icaljs/node_modules/.package-lock.json tests/axe/node_modules/.package-lock.json
	$(BIN)/ruff check events tests scripts bench main.py piccolo_conf.py
	env -u DATABASE_URL -u TEST_DATABASE_URL $(BIN)/python -m pytest
	@if [ -n "$$TEST_DATABASE_URL" ]; then \
		echo "== again on PostgreSQL: $$TEST_DATABASE_URL"; \
		$(BIN)/python -m pytest; \
	fi

## Benchmarks (never part of `make test`): the real server under wrk, on SQLite then PostgreSQL (BENCH_DATABASE_URL, wiped);
## prints one table, writes bench/results/latest.json, docs/benchmarks/*.png and docs/benchmarks.md's results. ~20 minutes;
## BENCH_QUICK=1: the same scenarios, small, ~3 minutes, into bench/results/quick.json. BENCH_ARGS="--compare old.json" passes options.
BENCH_DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/bench
## Redis for the scale scenario (4 workers against 2 on PostgreSQL); BENCH_REDIS_URL= leaves that scenario out.
BENCH_REDIS_URL ?= redis://127.0.0.1:6379/14
$(VENV)/.bench-installed: requirements/bench.lock $(VENV)/.test-installed
	$(BIN)/pip install --quiet --require-hashes -r requirements/bench.lock
	touch $@

/usr/bin/wrk:
	$(SUDO) apt-get update -qq
	$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk

bench: $(VENV)/.bench-installed /usr/bin/wrk
	@pg_isready -h 127.0.0.1 -p 5432 -q || { $(SUDO) pg_ctlcluster --skip-systemctl-redirect $$(ls /etc/postgresql) main start; \
		for _ in $$(seq 30); do pg_isready -h 127.0.0.1 -p 5432 -q && break; sleep 1; done; }
	@if [ "$(BENCH_DATABASE_URL)" = "postgresql://postgres@127.0.0.1:5432/bench" ]; then \
		psql -h 127.0.0.1 -U postgres -tAc "SELECT 1 FROM pg_database WHERE datname = 'bench'" | grep -q 1 \
		|| psql -h 127.0.0.1 -U postgres -qc "CREATE DATABASE bench"; \
	fi
	@if [ -n "$(BENCH_REDIS_URL)" ]; then redis-cli -u $(BENCH_REDIS_URL) ping >/dev/null 2>&1 \
		|| redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no; fi
	$(BIN)/python bench/run.py --postgres $(BENCH_DATABASE_URL) $(if $(BENCH_REDIS_URL),--redis $(BENCH_REDIS_URL)) $(if $(BENCH_QUICK),--quick,--docs) $(BENCH_ARGS)

## Fuzz the API with schemathesis, unseeded and longer than the suite's bounded run (a server on FUZZ_PORT, SQLite).
FUZZ_PORT ?= 8765
fuzz: $(VENV)/.test-installed
	rm -rf .fuzz && mkdir .fuzz
	DATA_DIR=.fuzz PORT=$(FUZZ_PORT) ORGANISER_PASSWORD=fuzz-organiser-1 $(BIN)/python main.py run > .fuzz/server.log 2>&1 & echo $$! > .fuzz/pid
	for _ in $$(seq 60); do curl -sf http://127.0.0.1:$(FUZZ_PORT)/health >/dev/null && break; sleep 1; done
	TOKEN=$$(curl -s -X POST http://127.0.0.1:$(FUZZ_PORT)/api/auth/login -H 'content-type: application/json' \
		-d '{"login":"organiser@example.com","password":"fuzz-organiser-1"}' | $(BIN)/python -c 'import json,sys; print(json.load(sys.stdin)["access_token"])'); \
	$(BIN)/schemathesis run http://127.0.0.1:$(FUZZ_PORT)/schema/openapi.json -H "Authorization: Bearer $$TOKEN" \
		--checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,response_headers_conformance \
		--max-examples 200 --exclude-method OPTIONS --exclude-path-regex 'attendance/live'; \
	status=$$?; kill $$(cat .fuzz/pid); exit $$status

## Regenerate docs/screenshots/*.png from the running pages.
screenshots: $(VENV)/.test-installed /usr/bin/chromium /usr/bin/pdftoppm
	$(BIN)/python scripts/screenshots.py
	$(BIN)/python scripts/screenshots_hr.py
	$(BIN)/python scripts/screenshots_report.py

# Lint includes the layers' direction (routes never import the tables), read from the source without a database.
lint: $(VENV)/.test-installed
	$(BIN)/ruff check events tests scripts bench main.py piccolo_conf.py
	$(BIN)/python -m pytest --noconftest -q -p no:cacheprovider tests/test_layers.py

## Re-pin every dependency (needs uv: pip install uv).
lock:
	cd requirements && uv pip compile app.in -o app.lock --python-version 3.11 --generate-hashes -q
	cd requirements && uv pip compile test.in -o test.lock --python-version 3.11 --generate-hashes -q
	cd requirements && uv pip compile bench.in -o bench.lock --python-version 3.11 --generate-hashes -q

clean:
	rm -rf $(VENV) data .pytest_cache .ruff_cache
