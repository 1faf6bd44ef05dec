#!/usr/bin/env bash
# Installs the guest toolchains that sample-plugins builds with, and redis-server, which the tests of
# ledger-redis start (Debian packages only).
# Idempotent: does nothing when every tool is already present.
set -euo pipefail

PACKAGES=(wabt binaryen clang lld wasi-libc libclang-rt-14-dev-wasm32 rustc libstd-rust-dev-wasm32 redis-server)

if ! command -v dpkg-query >/dev/null 2>&1 || ! command -v apt-get >/dev/null 2>&1; then
  echo "install-toolchains: this script needs a Debian-based system (dpkg-query and apt-get);" >&2
  echo "install-toolchains: install the equivalents of these packages by hand: ${PACKAGES[*]}" >&2
  exit 1
fi

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi

echo "Installing guest toolchains: ${missing[*]}" >&2
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if ! command -v sudo >/dev/null 2>&1; then
    echo "install-toolchains: not root and sudo is missing; install as root: apt-get install ${missing[*]}" >&2
    exit 1
  fi
  SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
