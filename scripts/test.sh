#!/usr/bin/env bash
# The whole test suite: installs what it needs, then runs every test of the
# workspace (unit, integration, whole-system) and the lints.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh --test
# shellcheck disable=SC1091
[[ -f "$HOME/.cargo/env" ]] && . "$HOME/.cargo/env"

# The real mail server the SMTP tests run against: check it works here.
bash tests/mail/postfix_selftest.sh

cargo fmt --all -- --check
cargo clippy --workspace --all-targets --locked -- -D warnings
# Every test is its own process in its own network namespace (scripts/netns-run,
# .config/nextest.toml); doctests are not run by nextest, so cargo runs them.
runner_var="CARGO_TARGET_$(rustc -vV | sed -n 's/^host: //p' | tr 'a-z-' 'A-Z_')_RUNNER"
export "$runner_var=$PWD/scripts/netns-run"
mkdir -p target
cargo nextest run --workspace --locked --no-fail-fast 2>&1 | tee target/test.log
cargo test --workspace --locked --doc 2>&1 | tee -a target/test.log
