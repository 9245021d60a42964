#!/usr/bin/env bash
# Runs the whole test suite. Installs what the tests need on a fresh Debian machine first.
# Tests send traffic only to 127.0.0.0/8 (never port 2024).
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v cargo >/dev/null 2>&1; then
  echo "cargo is required (rustup toolchain from rust-toolchain.toml)" >&2
  exit 1
fi
# Tests bind emulated devices to well-known ports (80, 554, 23…) on 127.x addresses.
if [ "$(id -u)" != "0" ]; then
  echo "note: lab tests bind ports below 1024 on 127.x addresses; run as root or grant" >&2
  echo "      net.ipv4.ip_unprivileged_port_start=0" >&2
fi
exec cargo test --workspace --locked "$@"
