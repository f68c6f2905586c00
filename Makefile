.PHONY: help run down test check unit bench bench-pages lint

help:  ## this list
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-11s %s\n", $$1, $$2}'

run:  ## install everything, start the stack, worker, simulator and dashboard
	./scripts/run.sh $(ARGS)

down:  ## stop everything `make run` started
	.venv/bin/svcstd down

test:  ## the whole test suite: lint, unit, integration (real Kafka + chDB), e2e (headless Chromium)
	./scripts/test.sh

check:  ## the quick loop, part 1: ruff, format check, mypy (installs first if needed)
	./scripts/bootstrap.sh
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy

unit:  ## the quick loop, part 2: unit tests only, no broker, no browser
	./scripts/bootstrap.sh
	.venv/bin/pytest tests/unit -q

bench:  ## benchmarks: print numbers and write them to var/bench/ (pages at 1/100 scale)
	./scripts/bootstrap.sh
	.venv/bin/python bench/bench_events.py
	.venv/bin/python bench/bench_evaluate.py
	.venv/bin/python bench/bench_replay.py
	.venv/bin/python bench/bench_recovery.py
	.venv/bin/python bench/bench_sink.py
	.venv/bin/python bench/bench_stream.py
	.venv/bin/python bench/bench_pipeline.py
	.venv/bin/python bench/bench_pages.py --scale 1/100

bench-pages:  ## the page benchmark at full size: 10M violations, 100M events (about 15 min to load once)
	./scripts/bootstrap.sh
	.venv/bin/python bench/bench_pages.py $(ARGS)

lint: check
