#!/usr/bin/env bash
# Installs what ums needs to build and to test, on Debian 12, as root.
# Idempotent: packages already present are left alone.
set -euo pipefail

# Build: spandsp-sys compiles the vendored spandsp 3.0 with cc and runs
# bindgen (libclang); spandsp links libtiff and libjpeg.
BUILD_PKGS=(build-essential pkg-config clang libclang-dev libtiff-dev libjpeg-dev fonts-dejavu-core)
# Tests: independent decoders of what we produce (libtiff's tools, poppler)
# and Ghostscript to make test documents.
TEST_PKGS=(libtiff-tools poppler-utils ghostscript postfix swaks libnet-ssleay-perl dnsmasq-base tesseract-ocr tesseract-ocr-eng imagemagick udev python3-prometheus-client debootstrap lintian libcapi20-dev libcapi20-3)
# The API client generated from the OpenAPI document (gateway/tests/web_api_client.rs): a venv of its own.
TEST_PKGS+=(python3-venv)
# Render corpus and PDF tests: groff, qpdf, img2pdf, pngcheck make and check documents; LibreOffice
# renders Office attachments (and makes the corpus's Office files).
TEST_PKGS+=(groff-base groff qpdf img2pdf pngcheck libreoffice-writer-nogui libreoffice-calc-nogui libreoffice-impress-nogui)
# SIP peers: SIPp (registrar/trunk scenarios) and tshark (independent SIP/SDP/RTP/UDPTL dissector).
TEST_PKGS+=(sip-tester tshark)
# What a person sees: headless Chromium renders the incoming-fax mail's HTML (an MHTML document),
# and drives the web journal over WebDriver (chromedriver) in gateway/tests/web_browser.rs.
TEST_PKGS+=(chromium chromium-driver)
# Voicemail tests: espeak-ng speaks the callers' messages, sox converts and measures WAVs.
TEST_PKGS+=(espeak-ng sox)
# SIP line tests: baresip calls our voicemail and sends DTMF (peers/sip scripts).
TEST_PKGS+=(baresip-core)
# SIP NAT test and SIP over TLS (issue 17): Kamailio as the registrar/proxy outside a NAT that
# nftables makes between network namespaces (sip_nat), and as TLS registrar/proxy (sip_tls_peers).
TEST_PKGS+=(kamailio kamailio-tls-modules nftables)
# Fax modem tests (issue 13): two iaxmodem soft modems back to back over IAX2 on loopback, with
# HylaFAX (faxgetty, sendfax, faxq, hfaxd) or efax on the far one (tests/peers/fax).
TEST_PKGS+=(iaxmodem hylafax-server hylafax-client efax)
# GSM modem tests (issue 15): python3-gammu is the independent reference for SMS PDUs
# (tests/peers/gsm/gammu_pdu.py); gammu and smstools' smsd drive the GSM modem simulator.
TEST_PKGS+=(python3-gammu gammu smstools)
# The test runner gives each test process its own network namespace (scripts/netns-run).
TEST_PKGS+=(iproute2 util-linux)

want=("${BUILD_PKGS[@]}")
if [[ "${1:-}" == "--test" ]]; then
    want+=("${TEST_PKGS[@]}")
fi

missing=()
for p in "${want[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$p")
    fi
done
if ((${#missing[@]})); then
    echo "setup: installing ${missing[*]}" >&2
    if [[ $(id -u) -ne 0 ]]; then
        echo "setup: run as root (apt-get install needs it)" >&2
        exit 1
    fi
    export DEBIAN_FRONTEND=noninteractive
    # Postfix is the tests' private mail server, started from its own config
    # directory by scripts/postfix/start.sh: the system instance stays unconfigured.
    echo "postfix postfix/main_mailer_type select No configuration" | debconf-set-selections
    # tshark (media tests decode our RTP/RTCP/UDPTL): no setuid dumpcap.
    echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections
    apt-get -o DPkg::Lock::Timeout=600 update -qq
    apt-get -o DPkg::Lock::Timeout=600 install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

if ! command -v cargo >/dev/null; then
    # shellcheck disable=SC1091
    [[ -f "$HOME/.cargo/env" ]] && . "$HOME/.cargo/env"
fi
if ! command -v cargo >/dev/null; then
    echo "setup: no Rust toolchain found. Install Rust 1.92 or newer with rustup, then run this again." >&2
    exit 1
fi

# The API client generated from the served OpenAPI document (gateway/tests/web_api_client.rs):
# openapi-python-client (and the document's validator) in a venv of their own, pinned.
API_VENV=/opt/ums-test-python
if [[ "${1:-}" == "--test" ]] && ! "$API_VENV/bin/python" -c 'import openapi_python_client, openapi_spec_validator' 2>/dev/null; then
    echo "setup: installing openapi-python-client in $API_VENV" >&2
    python3 -m venv "$API_VENV"
    "$API_VENV/bin/pip" install -q --disable-pip-version-check openapi-python-client==0.29.1 openapi-spec-validator==0.9.0
fi

# The test suite runs under cargo-nextest: one process per test, many in
# flight (most system tests wait on real time, not on the CPU).
if [[ "${1:-}" == "--test" ]] && ! cargo nextest --version >/dev/null 2>&1; then
    echo "setup: installing cargo-nextest" >&2
    cargo install --locked cargo-nextest --version 0.9.143
fi
