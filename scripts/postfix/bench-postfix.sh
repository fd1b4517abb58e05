#!/usr/bin/env bash
# Anchor for the SMTP benchmark: how many messages per second the private
# Postfix instance in DIR (listening on 127.0.0.1:PORT, see start.sh) accepts
# into its durable queue, fed by smtp-source. The recipient is
# bench@bench.test, a relay domain whose transport is discard:, so every
# message is written and fsynced to the queue before the 250, then discarded.
#
#   scripts/postfix/bench-postfix.sh DIR PORT N SIZE_KB SESSIONS
#
# Prints `postfix_rate <messages per second>` on stdout. Before measuring it
# waits for the queue to be empty, and afterwards until all N were discarded
# (so back-to-back runs do not overlap). PERSIST / SMTP_SOURCE_OPTS as for
# smtp-source-rate.sh.
set -euo pipefail

die() { echo "postfix/bench-postfix.sh: $*" >&2; exit 1; }
[[ $# -eq 5 ]] || die "usage: $0 DIR PORT N SIZE_KB SESSIONS"
DIR=$1 PORT=$2 N=$3 SIZE_KB=$4 SESSIONS=$5
HERE=$(cd "$(dirname "$0")" && pwd)
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
DIR=$(cd "$DIR" 2>/dev/null && pwd -P) || die "no instance directory $1"
ETC=$DIR/etc
postfix -c "$ETC" status >/dev/null 2>&1 || die "the Postfix instance in $DIR is not running"
grep -q '^bench\.test[[:space:]]\+discard:' "$ETC/transport" \
    || die "$ETC/transport has no bench.test discard route (start it with start.sh)"

queue_count() {
    # Messages in the instance's queue (incoming, active, deferred, hold...).
    find "$DIR/spool/incoming" "$DIR/spool/active" "$DIR/spool/deferred" \
        "$DIR/spool/hold" "$DIR/spool/maildrop" -type f 2>/dev/null | wc -l
}
wait_empty() {
    local i
    for i in $(seq 1 "$1"); do
        (($(queue_count) == 0)) && return 0
        sleep 0.1
    done
    return 1
}

wait_empty 300 || die "queue of $DIR not empty before the run ($(queue_count) messages)"
out=$("$HERE/smtp-source-rate.sh" 127.0.0.1 "$PORT" "$N" "$SIZE_KB" "$SESSIONS" bench@bench.test)
rate=${out#rate }
wait_empty 600 || echo "postfix/bench-postfix.sh: warning: $(queue_count) messages still queued after 60 s" >&2
echo "postfix_rate $rate"
