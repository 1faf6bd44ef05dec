#!/usr/bin/env bash
# Runs the whole test suite: builds every module (guest plugins from source included) and runs all tests.
# Installs the guest toolchains first if they are missing (Debian packages; needs root or sudo).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/install-toolchains.sh
exec mvn -B -ntp install "$@"
