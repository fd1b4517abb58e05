#!/usr/bin/env bash
# Starts a private Postfix instance that plays the customer's mail server.
#
#   scripts/postfix/start.sh DIR SMTP_PORT GATEWAY_PORT [FAX_DOMAIN]
#
#   DIR           instance directory (created); holds etc/ (main.cf, master.cf,
#                 maps), spool/ (queue), lib/ (data), log/postfix.log, mail/
#   SMTP_PORT     Postfix's smtpd listens on 127.0.0.1:SMTP_PORT only
#   GATEWAY_PORT  mail for FAX_DOMAIN and sms.test is relayed to
#                 smtp:[127.0.0.1]:GATEWAY_PORT (our connector)
#   FAX_DOMAIN    default fax.test
#
# Mailboxes: virtual domain example.test, users anna bob postmaster default
# (override with UMS_POSTFIX_USERS="anna bob ..."), Maildirs at DIR/mail/<user>/
# (new mail in DIR/mail/<user>/new/). Mail to anything@bench.test is queued
# durably and then discarded (for bench-postfix.sh).
# Mailbox files belong to UMS_POSTFIX_VMAIL_USER (default nobody).
#
# Idempotent: installs postfix and swaks if missing, rewrites the config (only
# files whose content changed), reloads a running instance if anything changed
# or starts a stopped one, then waits until
# the port answers. Prints the Maildir root (DIR/mail) on stdout.
set -euo pipefail

die() { echo "postfix/start.sh: $*" >&2; exit 1; }
# Postfix refuses to read a main.cf modified within the current second and
# sleeps until it is older (up to ~2 s per command). Our files are replaced
# atomically, so give them an mtime in the past.
backdate() { touch -d "@$(($(date +%s) - 10))" "$@"; }
# Replaces FILE by FILE.new only if the content changed (keeps mtimes stable).
CHANGED=0
install_file() {
    if [[ -f $1 ]] && cmp -s "$1.new" "$1"; then
        rm -f "$1.new"
    else
        backdate "$1.new"
        mv "$1.new" "$1"
        CHANGED=1
    fi
}

[[ $# -ge 3 && $# -le 4 ]] || die "usage: $0 DIR SMTP_PORT GATEWAY_PORT [FAX_DOMAIN=fax.test]"
DIR=$1 SMTP_PORT=$2 GATEWAY_PORT=$3 FAX_DOMAIN=${4:-fax.test}
for p in "$SMTP_PORT" "$GATEWAY_PORT"; do
    [[ $p =~ ^[0-9]+$ ]] && ((p > 0 && p < 65536)) || die "bad port '$p'"
done
[[ $FAX_DOMAIN =~ ^[A-Za-z0-9.-]+$ ]] || die "bad domain '$FAX_DOMAIN'"
[[ $(id -u) -eq 0 ]] || die "must run as root (postfix start needs it)"
USERS=${UMS_POSTFIX_USERS:-anna bob postmaster default}
VMAIL_USER=${UMS_POSTFIX_VMAIL_USER:-nobody}

# --- install -------------------------------------------------------------
# (swaks needs libnet-ssleay-perl for --tls; it is only a Recommends.)
PKGS=(postfix swaks libnet-ssleay-perl)
missing=()
for p in "${PKGS[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if ((${#missing[@]})); then
    echo "postfix/start.sh: installing ${missing[*]}" >&2
    # No default mail system: we never run or configure the default instance.
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "${missing[@]}" >&2 \
        || die "apt-get install ${missing[*]} failed"
fi
PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH

mkdir -p "$DIR"
DIR=$(cd "$DIR" && pwd -P)
ETC=$DIR/etc
# Unix-domain socket paths (DIR/spool/private/proxywrite etc.) must fit in
# sun_path (108 bytes).
((${#DIR} <= 70)) || die "DIR path too long (${#DIR} > 70 chars; Unix socket names would overflow): $DIR"
[[ $DIR != *[[:space:],=]* ]] || die "DIR must not contain spaces, commas or '=': $DIR"

VMAIL_UID=$(id -u "$VMAIL_USER") || die "no user $VMAIL_USER"
VMAIL_GID=$(id -g "$VMAIL_USER")
((VMAIL_UID != 0)) || die "UMS_POSTFIX_VMAIL_USER must not be root"

# The postfix user and the mailbox owner must be able to walk into DIR.
chmod a+rx "$DIR"
p=$(dirname "$DIR")
while [[ $p != / ]]; do
    perms=$(stat -c %A "$p")
    [[ ${perms:9:1} == [xt] ]] || die "$p is not world-searchable; postfix cannot reach $DIR"
    p=$(dirname "$p")
done
mkdir -p "$ETC" "$DIR/spool" "$DIR/lib" "$DIR/log" "$DIR/mail"
chown root:root "$ETC" "$DIR/spool"
chmod 755 "$ETC" "$DIR/spool"
chown postfix:postfix "$DIR/lib"
chown "$VMAIL_UID:$VMAIL_GID" "$DIR/mail"
chmod 755 "$DIR/mail"

# --- register DIR/etc with the default instance ----------------------------
# Set-gid tools (postdrop, postqueue, postlog) only accept a non-default
# config directory listed in alternate_config_directories of the DEFAULT
# main.cf. We edit it (under a lock, dropping entries whose directory is
# gone) but never start the default instance.
mkdir -p /etc/postfix
[[ -e /etc/postfix/main.cf ]] || { : >/etc/postfix/main.cf; backdate /etc/postfix/main.cf; }
exec 9>/etc/postfix/.ums-alternate.lock
flock 9
current=$(postconf -c /etc/postfix -h alternate_config_directories 2>/dev/null || true)
new=()
for d in ${current//,/ }; do
    [[ -d $d && $d != "$ETC" ]] && new+=("$d")
done
new+=("$ETC")
want=$(IFS=' '; echo "${new[*]}")
if [[ $want != "$current" ]]; then
    postconf -c /etc/postfix -e "alternate_config_directories = $want"
    backdate /etc/postfix/main.cf
fi
flock -u 9
exec 9>&-

# --- optional STARTTLS on smtpd (UMS_POSTFIX_TLS=1), self-signed ------------
SMTPD_TLS="smtpd_tls_security_level = none"
if [[ ${UMS_POSTFIX_TLS:-0} == 1 ]]; then
    if [[ ! -s $ETC/tls/key.pem || ! -s $ETC/tls/cert.pem ]]; then
        command -v openssl >/dev/null || die "UMS_POSTFIX_TLS=1 needs openssl"
        mkdir -p "$ETC/tls"
        openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj /CN=mail.example.test \
            -addext subjectAltName=DNS:mail.example.test,IP:127.0.0.1 \
            -keyout "$ETC/tls/key.pem" -out "$ETC/tls/cert.pem" 2>/dev/null \
            || die "openssl could not make a certificate"
        chmod 600 "$ETC/tls/key.pem"
    fi
    SMTPD_TLS="smtpd_tls_security_level = may
smtpd_tls_chain_files = $ETC/tls/key.pem, $ETC/tls/cert.pem"
fi

# --- main.cf ---------------------------------------------------------------
NAME=$(basename "$DIR" | tr -c 'A-Za-z0-9_\n-' _)
cat >"$ETC/main.cf.new" <<CF
# Private Postfix instance for ums tests, written by scripts/postfix/start.sh.
compatibility_level = 3.6
config_directory = $ETC
queue_directory = $DIR/spool
data_directory = $DIR/lib
syslog_name = postfix-ums-$NAME
maillog_file_prefixes = $DIR/log
maillog_file = $DIR/log/postfix.log
mail_owner = postfix
setgid_group = postdrop

myhostname = mail.example.test
mydomain = example.test
myorigin = example.test
mydestination =
local_recipient_maps =
alias_maps =
alias_database =
inet_interfaces = loopback-only
inet_protocols = ipv4
mynetworks = 127.0.0.0/8
mynetworks_style = host
smtp_bind_address = 127.0.0.1
biff = no
smtputf8_enable = yes
smtpd_peername_lookup = no
smtp_dns_support_level = disabled
smtp_host_lookup = native

# Mailboxes: Maildirs under DIR/mail/<user>/
virtual_mailbox_domains = example.test
virtual_mailbox_base = $DIR/mail
virtual_mailbox_maps = hash:$ETC/vmailbox
virtual_uid_maps = static:$VMAIL_UID
virtual_gid_maps = static:$VMAIL_GID
virtual_minimum_uid = 1
virtual_mailbox_limit = 0
mailbox_size_limit = 0
message_size_limit = 52428800

# Service domains relayed to the gateway; bench.test is queued then discarded.
relay_domains = $FAX_DOMAIN, sms.test, bench.test
relay_recipient_maps =
transport_maps = hash:$ETC/transport
smtpd_relay_restrictions = permit_mynetworks, reject_unauth_destination
smtpd_recipient_restrictions =
smtp_tls_security_level = may
smtp_tls_loglevel = 1
$SMTPD_TLS
smtp_connect_timeout = 5s

# Retry quickly in tests.
queue_run_delay = 1s
minimal_backoff_time = 1s
maximal_backoff_time = 5s
delay_warning_time = 0
CF
install_file "$ETC/main.cf"

# --- master.cf: no chroot, one smtpd on 127.0.0.1:SMTP_PORT ---------------
cat >"$ETC/master.cf.new" <<CF
# service type  private unpriv  chroot  wakeup  maxproc command + args
127.0.0.1:$SMTP_PORT inet n  -       n       -       -       smtpd
pickup    unix  n       -       n       60      1       pickup
cleanup   unix  n       -       n       -       0       cleanup
qmgr      unix  n       -       n       300     1       qmgr
tlsmgr    unix  -       -       n       1000?   1       tlsmgr
rewrite   unix  -       -       n       -       -       trivial-rewrite
bounce    unix  -       -       n       -       0       bounce
defer     unix  -       -       n       -       0       bounce
trace     unix  -       -       n       -       0       bounce
verify    unix  -       -       n       -       1       verify
flush     unix  n       -       n       1000?   0       flush
proxymap  unix  -       -       n       -       -       proxymap
proxywrite unix -       -       n       -       1       proxymap
smtp      unix  -       -       n       -       -       smtp
relay     unix  -       -       n       -       -       smtp
showq     unix  n       -       n       -       -       showq
error     unix  -       -       n       -       -       error
retry     unix  -       -       n       -       -       error
discard   unix  -       -       n       -       -       discard
virtual   unix  -       n       n       -       -       virtual
anvil     unix  -       -       n       -       1       anvil
scache    unix  -       -       n       -       1       scache
postlog   unix-dgram n  -       n       -       1       postlogd
CF
install_file "$ETC/master.cf"

# --- maps ------------------------------------------------------------------
: >"$ETC/vmailbox.new"
for u in $USERS; do
    [[ $u =~ ^[A-Za-z0-9._+-]+$ ]] || die "bad user name '$u'"
    echo "$u@example.test $u/" >>"$ETC/vmailbox.new"
done
install_file "$ETC/vmailbox"
cat >"$ETC/transport.new" <<CF
$FAX_DOMAIN smtp:[127.0.0.1]:$GATEWAY_PORT
sms.test smtp:[127.0.0.1]:$GATEWAY_PORT
bench.test discard:bench
CF
install_file "$ETC/transport"
postmap -c "$ETC" "$ETC/vmailbox"
postmap -c "$ETC" "$ETC/transport"

# First run: create the queue tree with the right owners.
if [[ ! -d $DIR/spool/pid ]]; then
    postfix -c "$ETC" set-permissions >/dev/null 2>&1 \
        || die "postfix set-permissions failed for $ETC (see $DIR/log/postfix.log)"
fi

# --- start or reload ---------------------------------------------------------
if postfix -c "$ETC" status >/dev/null 2>&1; then
    if ((CHANGED)); then
        postfix -c "$ETC" reload >/dev/null 2>&1 || die "postfix reload failed"
        # Let idle daemons of the old configuration exit before we probe.
        sleep 1
    fi
else
    if ! postfix -c "$ETC" start >/dev/null 2>&1; then
        grep -E 'fatal|error|panic' "$DIR/log/postfix.log" 2>/dev/null | tail -n 5 >&2 || true
        die "postfix start failed; see $DIR/log/postfix.log"
    fi
fi

# --- wait until smtpd answers with a 220 banner ------------------------------
probe() {
    local line
    exec 8<>"/dev/tcp/127.0.0.1/$SMTP_PORT" 2>/dev/null || return 1
    IFS= read -r -t 2 line <&8 || { exec 8<&- 8>&-; return 1; }
    printf 'QUIT\r\n' >&8 2>/dev/null || true
    exec 8<&- 8>&-
    [[ $line == "220 mail.example.test"* ]]
}
for _ in $(seq 1 100); do
    if probe; then
        echo "$DIR/mail"
        exit 0
    fi
    sleep 0.1
done
tail -n 20 "$DIR/log/postfix.log" >&2 2>/dev/null || true
"$(dirname "$0")/stop.sh" "$DIR" || true
die "Postfix does not answer on 127.0.0.1:$SMTP_PORT (port taken? see $DIR/log/postfix.log)"
