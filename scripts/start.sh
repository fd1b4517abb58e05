#!/usr/bin/env bash
# Builds ums and starts it. Until the daemon (`ums serve`, issue 6) exists,
# "starting the gateway" means running its fax engine on the built-in line
# test bench: a generated 3-page document is faxed across two loopback lines
# of the virtual exchange and the outcome is printed.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck disable=SC1091
[[ -f "$HOME/.cargo/env" ]] && . "$HOME/.cargo/env"
cargo build --release --locked -p gateway
exec ./target/release/ums fax-loop --demo "$@"
