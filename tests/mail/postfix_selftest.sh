#!/usr/bin/env bash
# Self-test of the real-Postfix test infrastructure in scripts/postfix/:
# starts a private instance in a temp dir on free loopback ports, with
# Postfix's smtp-sink playing the gateway, and checks
#   - start.sh is idempotent (second call, with UMS_POSTFIX_TLS=1, reloads),
#   - swaks --tls -> anna@example.test lands in DIR/mail/anna/new (wait-mail.sh),
#   - an unknown mailbox is refused at RCPT (swaks exit 24),
#   - swaks -> 123@fax.test and 456@sms.test are relayed to the gateway port,
#   - sendmail -C / postqueue -c work (alternate_config_directories),
#   - bench-postfix.sh prints a postfix_rate (N=BENCH_N, default 300),
#   - stop.sh stops the instance (port closed) and is idempotent.
# Run as root. KEEP=1 keeps the temp dir. Exit 0 on success.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/../.." && pwd)
PF=$ROOT/scripts/postfix
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
BENCH_N=${BENCH_N:-300}

fail() { echo "postfix_selftest: FAIL: $*" >&2; exit 1; }
ok() { echo "postfix_selftest: ok: $*"; }
port_busy() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() {
    local p=$1
    while port_busy "$p"; do p=$((p + 1)); done
    echo "$p"
}

[[ $(id -u) -eq 0 ]] || fail "run as root"
T=$(mktemp -d /tmp/ums-pf.XXXXXX)
chmod 755 "$T"
SINK_PID=
cleanup() {
    local rc=$?
    "$PF/stop.sh" "$T/pf" || rc=1
    if [[ -n $SINK_PID ]]; then
        kill "$SINK_PID" 2>/dev/null || true
        wait "$SINK_PID" 2>/dev/null || true
    fi
    if [[ ${KEEP:-0} == 1 || $rc -ne 0 ]]; then
        echo "postfix_selftest: kept $T" >&2
    else
        rm -rf "$T"
    fi
    exit $rc
}
trap cleanup EXIT

SMTP_PORT=$(free_port 2526)
GW_PORT=$(free_port $((SMTP_PORT + 1)))
echo "postfix_selftest: dir $T, postfix 127.0.0.1:$SMTP_PORT, gateway sink 127.0.0.1:$GW_PORT"

# Install (if needed) and start; start twice to check idempotence.
root=$("$PF/start.sh" "$T/pf" "$SMTP_PORT" "$GW_PORT") || fail "start.sh failed"
[[ $root == "$T/pf/mail" ]] || fail "start.sh printed '$root', expected $T/pf/mail"
root2=$(UMS_POSTFIX_TLS=1 "$PF/start.sh" "$T/pf" "$SMTP_PORT" "$GW_PORT") \
    || fail "second start.sh (UMS_POSTFIX_TLS=1) failed"
[[ $root2 == "$root" ]] || fail "second start.sh printed '$root2'"
postfix -c "$T/pf/etc" status 2>/dev/null || fail "instance not running"
ok "start.sh (twice, second with STARTTLS): Maildir root $root"

# The gateway: Postfix's smtp-sink dumping each transaction to a file.
mkdir -p "$T/sink"
chown nobody "$T/sink"
smtp-sink -u nobody -d "$T/sink/msg." "127.0.0.1:$GW_PORT" 50 &
SINK_PID=$!
for _ in $(seq 1 50); do port_busy "$GW_PORT" && break; sleep 0.1; done
port_busy "$GW_PORT" || fail "smtp-sink does not listen on $GW_PORT"

SWAKS=(swaks --server "127.0.0.1:$SMTP_PORT" --from tester@example.test --helo client.example.test)

# 1. Local mailbox, over STARTTLS.
"${SWAKS[@]}" --tls --to anna@example.test --header "Subject: selftest-anna" >"$T/swaks1.log" 2>&1 \
    || fail "swaks to anna@example.test failed (see $T/swaks1.log)"
files=$("$PF/wait-mail.sh" "$T/pf" anna 1 20) || fail "no mail for anna"
grep -q '^Subject: selftest-anna' "$files" || fail "anna's message lacks the subject: $files"
grep -q 'with ESMTPS' "$files" || fail "anna's message was not received over TLS: $files"
ok "anna@example.test (STARTTLS) delivered to $files"

# 2. Unknown mailbox refused at RCPT.
set +e
"${SWAKS[@]}" --to nosuchuser@example.test >"$T/swaks2.log" 2>&1
rc=$?
set -e
[[ $rc -eq 24 ]] || fail "nosuchuser@example.test: swaks exit $rc, expected 24 (see $T/swaks2.log)"
ok "unknown mailbox refused (swaks exit 24)"

# 3. Fax and SMS domains relayed to the gateway port.
"${SWAKS[@]}" --to 123@fax.test --header "Subject: selftest-fax" >"$T/swaks3.log" 2>&1 \
    || fail "swaks to 123@fax.test failed (see $T/swaks3.log)"
"${SWAKS[@]}" --to 456@sms.test --header "Subject: selftest-sms" >"$T/swaks4.log" 2>&1 \
    || fail "swaks to 456@sms.test failed (see $T/swaks4.log)"
for _ in $(seq 1 200); do
    n=$(grep -l '^X-Rcpt-Args: <\(123@fax\|456@sms\)\.test>' "$T"/sink/msg.* 2>/dev/null | wc -l)
    ((n >= 2)) && break
    sleep 0.1
done
((n >= 2)) || { tail -n 20 "$T/pf/log/postfix.log" >&2; fail "gateway sink got $n of 2 relayed messages"; }
grep -q '^Subject: selftest-fax' $(grep -l '^X-Rcpt-Args: <123@fax.test>' "$T"/sink/msg.*) \
    || fail "fax message content not found at the sink"
ok "123@fax.test and 456@sms.test relayed to 127.0.0.1:$GW_PORT"

# 4. Local submission tools against the private instance.
printf 'From: tester@example.test\nTo: bob@example.test\nSubject: selftest-sendmail\n\nhello\n' \
    | sendmail -C "$T/pf/etc" -f tester@example.test bob@example.test \
    || fail "sendmail -C $T/pf/etc failed"
files=$("$PF/wait-mail.sh" "$T/pf" bob 1 20) || fail "no mail for bob via sendmail"
grep -q '^Subject: selftest-sendmail' "$files" || fail "bob's message lacks the subject"
postqueue -c "$T/pf/etc" -p >/dev/null || fail "postqueue -c failed"
ok "sendmail -C / postqueue -c work"

# 5. Benchmark anchor (small N).
out=$("$PF/bench-postfix.sh" "$T/pf" "$SMTP_PORT" "$BENCH_N" 20 10 2>"$T/bench.log") \
    || { cat "$T/bench.log" >&2; fail "bench-postfix.sh failed"; }
[[ $out =~ ^postfix_rate\ [0-9.]+$ ]] || fail "bench-postfix.sh printed '$out'"
echo "postfix_selftest: $out (N=$BENCH_N, 20 kB, 10 sessions)"
out=$("$PF/smtp-source-rate.sh" 127.0.0.1 "$GW_PORT" 50 4 2 789@fax.test 2>"$T/rate.log") \
    || { cat "$T/rate.log" >&2; fail "smtp-source-rate.sh failed"; }
[[ $out =~ ^rate\ [0-9.]+$ ]] || fail "smtp-source-rate.sh printed '$out'"
ok "smtp-source-rate.sh against the sink: $out"

# 6. Stop (twice) and check the port is closed.
"$PF/stop.sh" "$T/pf" || fail "stop.sh failed"
"$PF/stop.sh" "$T/pf" || fail "second stop.sh failed"
! port_busy "$SMTP_PORT" || fail "port $SMTP_PORT still open after stop.sh"
ok "stop.sh (twice), port $SMTP_PORT closed"
echo "postfix_selftest: PASS"
