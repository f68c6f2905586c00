#!/usr/bin/env bash
# The whole test suite, from a clean clone: install, lint, start a real Kafka
# broker on a free port (jars resolved from Maven Central once), run unit,
# integration and e2e tests, stop the broker.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
./scripts/bootstrap.sh
./scripts/ensure-chromium.sh

echo "==> lint and types"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
.venv/bin/mypy

export SVC_VAR_DIR="$root/var/test"
rm -rf "$SVC_VAR_DIR"
SVC_KAFKA_PORT="$(.venv/bin/python -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
export SVC_KAFKA_PORT
stop_stack() { .venv/bin/svcstd stack down || true; }
trap stop_stack EXIT
.venv/bin/svcstd stack up

echo "==> tests"
.venv/bin/pytest tests "$@"
