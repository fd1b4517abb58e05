#!/usr/bin/env bash
# Builds ums and starts the gateway on its embedded default:
#   SMTP on 127.0.0.1:2525 for fax.localhost and sms.localhost (mail from
#   loopback only), the store in ~/.local/share/ums, local-store mode, four
#   loopback lines and a simulated far end where +49 89 5550 ... 5559 are
#   fax machines. Stop it with Ctrl-C.
# Extra arguments go to `ums serve` (e.g. --smart-host 127.0.0.1:25).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck disable=SC1091
[[ -f "$HOME/.cargo/env" ]] && . "$HOME/.cargo/env"
cargo build --release --locked -p gateway
exec ./target/release/ums serve "$@"
