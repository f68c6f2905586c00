#!/usr/bin/env bash
# The e2e tests drive Debian's Chromium headless; install it when it is missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1; then exit 0; fi
echo "==> installing Debian's chromium for the browser tests"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "chromium is missing and this user cannot install it: apt-get install chromium" >&2; exit 2
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq chromium >/dev/null
