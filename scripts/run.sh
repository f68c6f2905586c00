#!/usr/bin/env bash
# The main job: install, bring the local stack up, start the worker, publish
# simulated traffic and serve the dashboard. `svcstd down` stops it all.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
./scripts/bootstrap.sh
exec .venv/bin/svcstd up "$@"
