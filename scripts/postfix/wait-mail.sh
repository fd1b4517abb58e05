#!/usr/bin/env bash
# Waits until the Maildir of USER in the instance at DIR holds at least COUNT
# delivered messages (files in DIR/mail/USER/new and cur), then prints their
# paths, oldest first. Exit 1 on timeout (prints what is there on stderr).
#
#   scripts/postfix/wait-mail.sh DIR USER COUNT TIMEOUT_SECS
set -euo pipefail

die() { echo "postfix/wait-mail.sh: $*" >&2; exit 1; }
[[ $# -eq 4 ]] || die "usage: $0 DIR USER COUNT TIMEOUT_SECS"
DIR=$1 USER_NAME=$2 COUNT=$3 TIMEOUT=$4
[[ $COUNT =~ ^[0-9]+$ ]] || die "bad COUNT '$COUNT'"
[[ $TIMEOUT =~ ^[0-9]+([.][0-9]+)?$ ]] || die "bad TIMEOUT_SECS '$TIMEOUT'"
MD=$DIR/mail/$USER_NAME

list() {
    # Files only (Maildir's tmp/ holds deliveries in progress: not counted).
    find "$MD/new" "$MD/cur" -maxdepth 1 -type f -printf '%T@ %p\n' 2>/dev/null \
        | sort -n | cut -d' ' -f2-
}

deadline=$(($(date +%s%N) + ${TIMEOUT%.*} * 1000000000))
if [[ $TIMEOUT == *.* ]]; then
    frac=${TIMEOUT#*.}000000000
    deadline=$((deadline + 10#${frac:0:9}))
fi
while :; do
    mapfile -t files < <(list)
    if ((${#files[@]} >= COUNT)); then
        ((${#files[@]} == 0)) || printf '%s\n' "${files[@]}"
        exit 0
    fi
    if (($(date +%s%N) >= deadline)); then
        echo "postfix/wait-mail.sh: timeout after ${TIMEOUT}s: $MD holds ${#files[@]} of $COUNT messages" >&2
        ((${#files[@]} == 0)) || printf '  %s\n' "${files[@]}" >&2
        if [[ -f $DIR/log/postfix.log ]]; then
            echo "postfix/wait-mail.sh: last lines of $DIR/log/postfix.log:" >&2
            tail -n 15 "$DIR/log/postfix.log" >&2
        fi
        exit 1
    fi
    sleep 0.1
done
