#!/usr/bin/env bash
# The e2e tests drive Debian's Chromium headless, and its screenshots show
# Chinese rule texts: install Chromium and a CJK font when either is missing.
set -euo pipefail
has_cjk_font() { command -v fc-list >/dev/null 2>&1 && [ -n "$(fc-list :lang=zh 2>/dev/null)" ]; }
if command -v chromium >/dev/null 2>&1 && has_cjk_font; then exit 0; fi
echo "==> installing Debian's chromium and a CJK font for the browser tests"
if [ "$(id -u)" -eq 0 ]; then sudo=""; elif command -v sudo >/dev/null 2>&1; then sudo="sudo"; else
  echo "chromium or a CJK font is missing and this user cannot install them: apt-get install chromium fonts-noto-cjk" >&2
  exit 2
fi
export DEBIAN_FRONTEND=noninteractive
$sudo apt-get update -qq
$sudo apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
