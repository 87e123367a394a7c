#!/usr/bin/env bash
# Installs what the tests need beyond the Rust toolchain: Debian's Chromium for the real-browser
# report test. Idempotent; needs root (or sudo) when Chromium is missing.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || command -v chromium-browser >/dev/null 2>&1; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "tests/setup.sh: installing chromium (Debian package) for the browser test" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
