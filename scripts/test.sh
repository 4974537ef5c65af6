#!/usr/bin/env bash
# Install everything the tests need, then lint and run them. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

export DEBIAN_FRONTEND=noninteractive
SUDO=""
if [ "$(id -u)" != 0 ] && command -v sudo >/dev/null; then SUDO="sudo"; fi

# System packages: chromium + CJK fonts (browser tests, Chinese text), rapper (independent parser),
# Virtuoso open source (the remote-backend tests start one on loopback).
APT_PACKAGES=(
  chromium
  fonts-noto-cjk
  raptor2-utils
  virtuoso-opensource-7-bin
)
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends "${APT_PACKAGES[@]}"

# First the newcomer's path: the README's first command in a clean virtualenv, no extras.
bash scripts/newcomer.sh

python -m pip install -q -e '.[test]'

ruff check .

set +e
python -m pytest -q -p no:cacheprovider tests
status=$?
set -e
if [ "$status" -eq 5 ]; then
  echo "pytest collected no tests: failing" >&2
  exit 1
fi
exit "$status"
