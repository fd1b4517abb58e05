#!/usr/bin/env bash
# Stops the private Postfix instance started by start.sh in DIR (only that
# one). Idempotent: a stopped or never-started instance is fine.
#
#   scripts/postfix/stop.sh DIR
#
# Waits until the instance's master process has exited (its children exit
# with it); falls back to `postfix abort` after 10 s.
set -euo pipefail

die() { echo "postfix/stop.sh: $*" >&2; exit 1; }
[[ $# -eq 1 ]] || die "usage: $0 DIR"
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
[[ -d $1 ]] || exit 0
DIR=$(cd "$1" && pwd -P)
ETC=$DIR/etc
[[ -f $ETC/main.cf ]] || exit 0
command -v postfix >/dev/null || exit 0

running() { postfix -c "$ETC" status >/dev/null 2>&1; }
master_pid() { tr -dc '0-9' <"$DIR/spool/pid/master.pid" 2>/dev/null || true; }

running || exit 0
pid=$(master_pid)
postfix -c "$ETC" stop >/dev/null 2>&1 || true
for _ in $(seq 1 100); do
    if ! running && { [[ -z $pid ]] || ! kill -0 "$pid" 2>/dev/null; }; then
        exit 0
    fi
    sleep 0.1
done
echo "postfix/stop.sh: $ETC did not stop in 10 s; aborting it" >&2
postfix -c "$ETC" abort >/dev/null 2>&1 || true
for _ in $(seq 1 30); do
    running || exit 0
    sleep 0.1
done
die "could not stop the Postfix instance in $DIR (master pid ${pid:-unknown})"
