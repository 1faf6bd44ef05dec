#!/usr/bin/env bash
# Measures WASI preview 1 conformance: runs the 72 wasm32-wasip1 tests of WebAssembly/wasi-testsuite
# (kept outside this repository) through `bin/terrarium run` and prints PASS/FAIL per test and
# `passed N of M`. See docs/wasi-conformance.md.
#
#   scripts/wasi-testsuite.sh [SUITE] [--json FILE] [--filter REGEX] [--run-options OPTIONS]
#                             [--timeout SECONDS] [--keep] [-v]
#
# SUITE is a checkout of the suite's prod/testsuite-base branch (or set WASI_TESTSUITE).
# TERRARIUM names the runtime command (default: this repository's bin/terrarium); the script calls
# `$TERRARIUM run [OPTIONS] [--env N=V]... [--dir HOST::GUEST]... MODULE ARGS...`, so e.g. TERRARIUM=wasmtime
# measures wasmtime. Failing tests do not fail the script: it exits non-zero only when it could not
# measure (2: usage, 3: no suite, runtime not startable, unreadable spec).
set -euo pipefail

root="$(cd -P "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"

if ! command -v python3 >/dev/null 2>&1; then
  echo "wasi-testsuite: python3 is needed (standard library only)" >&2
  exit 3
fi

if [ -z "${TERRARIUM:-}" ] && [ ! -f "$root/plugin-cli/target/terrarium.jar" ]; then
  echo "wasi-testsuite: build the CLI first: (cd '$root' && mvn -B -ntp -q package -DskipTests -pl plugin-cli -am)" >&2
  exit 3
fi

exec python3 "$root/scripts/wasi-testsuite.py" "$@"
