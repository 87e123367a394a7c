#!/usr/bin/env bash
# Installs what the tests need beyond the Rust toolchain: Debian's Chromium for the real-browser
# report test, and GNU parallel (Debian package `parallel`) for the sharded-sweep test.
# Idempotent; needs root (or sudo) when a package is missing.
set -euo pipefail
need=()
if ! command -v chromium >/dev/null 2>&1 && ! command -v chromium-browser >/dev/null 2>&1; then
  need+=(chromium)
fi
# moreutils also ships a `parallel`; the test needs GNU's.
if ! parallel --version 2>/dev/null | grep -q "GNU parallel"; then
  need+=(parallel)
fi
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
echo "tests/setup.sh: installing ${need[*]} (Debian packages) for the tests" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
