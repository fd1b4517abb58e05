#!/usr/bin/env bash
# Builds ums and starts the gateway on its embedded default:
#   SMTP on 127.0.0.1:2525 for fax.localhost and sms.localhost (mail from
#   loopback only), the store in ~/.local/share/ums, local-store mode, four
#   loopback lines and a simulated phone network where every number is a
#   fax machine but a few special ones (README), and the web journal on
#   http://127.0.0.1:8025/ (on the first start `ums serve` prints the
#   generated password of its `admin` once). When it is ready it prints
#   the next two commands to type. Stop it with Ctrl-C.
# The data directory is $UMS_DATA when set.
# Extra arguments go to `ums serve` (e.g. --smart-host 127.0.0.1:25).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
# shellcheck disable=SC1091
[[ -f "$HOME/.cargo/env" ]] && . "$HOME/.cargo/env"
cargo build --release --locked -p gateway
exec ./target/release/ums serve "$@"
