.PHONY: run down test bench lint

run:  ## install everything, start the stack, worker, simulator and dashboard
	./scripts/run.sh $(ARGS)

down:  ## stop everything `make run` started
	.venv/bin/svcstd down

test:  ## the whole test suite: lint, unit, integration (real Kafka + chDB), e2e (headless Chromium)
	./scripts/test.sh

bench:  ## benchmarks: print numbers and write them to var/bench/
	./scripts/bootstrap.sh
	.venv/bin/python bench/bench_events.py
	.venv/bin/python bench/bench_evaluate.py
	.venv/bin/python bench/bench_recovery.py

lint:
	.venv/bin/ruff check . && .venv/bin/ruff format --check . && .venv/bin/mypy
