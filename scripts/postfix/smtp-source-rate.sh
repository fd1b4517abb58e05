#!/usr/bin/env bash
# Measures how many messages per second an SMTP server accepts, using
# Postfix's own load generator smtp-source(1), wall-clock around the run.
#
#   scripts/postfix/smtp-source-rate.sh HOST PORT N SIZE_KB SESSIONS RCPT
#
# Prints `rate <messages per second>` on stdout (details on stderr).
# Environment:
#   SENDER=bench@example.test   envelope sender (MAIL FROM)
#   PERSIST=0                   1: reuse each connection for many messages
#                               (smtp-source -d); 0: one connection per message
#   SMTP_SOURCE_OPTS=           extra smtp-source options
# Exit 1 if smtp-source fails (a refused command aborts it).
set -euo pipefail

die() { echo "postfix/smtp-source-rate.sh: $*" >&2; exit 1; }
[[ $# -eq 6 ]] || die "usage: $0 HOST PORT N SIZE_KB SESSIONS RCPT"
HOST=$1 PORT=$2 N=$3 SIZE_KB=$4 SESSIONS=$5 RCPT=$6
for v in "$PORT" "$N" "$SIZE_KB" "$SESSIONS"; do
    [[ $v =~ ^[0-9]+$ ]] || die "not a number: '$v'"
done
((N > 0 && SESSIONS > 0)) || die "N and SESSIONS must be > 0"
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
command -v smtp-source >/dev/null || die "smtp-source not found (apt-get install postfix)"
SENDER=${SENDER:-bench@example.test}

args=(-s "$SESSIONS" -m "$N" -l "$((SIZE_KB * 1024))" -f "$SENDER" -t "$RCPT"
      -M "[127.0.0.1]" -S "smtp-source bench")
[[ ${PERSIST:-0} == 1 ]] && args+=(-d)
# shellcheck disable=SC2206
[[ -n ${SMTP_SOURCE_OPTS:-} ]] && args+=(${SMTP_SOURCE_OPTS})
[[ $HOST == *:* ]] && target="inet:[$HOST]:$PORT" || target="inet:$HOST:$PORT"

echo "postfix/smtp-source-rate.sh: smtp-source ${args[*]} $target" >&2
t0=$(date +%s%N)
smtp-source "${args[@]}" "$target" >&2 || die "smtp-source failed against $target"
t1=$(date +%s%N)
awk -v n="$N" -v ns="$((t1 - t0))" 'BEGIN {
    s = ns / 1e9
    printf "postfix/smtp-source-rate.sh: %d messages in %.3f s\n", n, s > "/dev/stderr"
    printf "rate %.1f\n", n / s
}'
