//! A voicemail over TLS and SRTP, end to end (issue 17): `ums serve` with a
//! `[[trunk]]` of `transport = "tls"` and `srtp = "mandatory"` registers at
//! Kamailio (TLS registrar with digest auth that refuses an INVITE without
//! SRTP, its certificate from a CA the test made); baresip calls the
//! gateway's voicemail number through Kamailio over TLS with SRTP (SDES)
//! and speaks an espeak-ng sentence after the greeting; the voicemail
//! reaches anna's Maildir through Postfix as a mail whose WAV attachment
//! carries the speech (its length, energy and envelope against the
//! source). The peers are those of `line-drivers/tests/sip_tls_peers.rs`
//! (the same kit, by `#[path]`), which also checks the wire with tshark.
//!
//! Needs root and Postfix, kamailio (with its TLS modules), baresip,
//! espeak-ng and sox (scripts/setup.sh --test).
//! Ports: SMTP 41290, Postfix 41291, our SIP (TLS) 5070 and RTP
//! 20100-20103, Kamailio 5061, baresip 5082 and RTP 20440-20459.

mod serve_harness;
#[path = "../../line-drivers/tests/sip_tls_kit/mod.rs"]
mod sip_tls_kit;

use std::path::Path;
use std::time::Duration;

use serve_harness::*;
use sip_tls_kit::*;
use test_kit::{Postfix, Proc, Scratch};

const SMTP: u16 = 41290;
const RELAY: u16 = 41291;

fn config(pki: &Pki) -> String {
    format!(
        "[smtp]\nlisten = \"127.0.0.1:{SMTP}\"\nhostname = \"b.example.test\"\n\
         allowed_networks = [\"127.0.0.0/8\"]\n\n\
         [smtp.smart_host]\nhost = \"127.0.0.1\"\nport = {RELAY}\ntls = \"none\"\n\n\
         [delivery]\nmode = \"mail\"\n\n\
         [directory]\ndefault_recipient = \"postmaster@example.test\"\n\n\
         [lines]\nnumbers = []\nident = \"+49 30 100\"\n\n\
         [[user]]\nid = \"anna\"\nemail = \"anna@example.test\"\n\n\
         [[route]]\npattern = \"+*\"\nmailbox = \"user:anna\"\nanswer = \"voice\"\n\n\
         [[trunk]]\nname = \"kamailio\"\nregistrar = \"127.0.0.1:{PROXY_PORT}\"\n\
         user = \"{TRUNK_USER}\"\npassword = \"{PASSWORD}\"\nlisten = \"127.0.0.1:5070\"\n\
         transport = \"tls\"\nsrtp = \"mandatory\"\ntls_ca_file = \"{}\"\n\
         tls_server_name = \"proxy.test\"\nrtp_ports = [20100, 20103]\nchannels = 1\n\
         t38 = false\nt38_preferred = false\nkeepalive_secs = 0\n",
        pki.ca.display()
    )
}

#[test]
fn a_voicemail_left_over_tls_and_srtp_arrives_as_mail_with_the_speech() {
    if !Path::new("/usr/sbin/postfix").exists() {
        eprintln!("skipped: needs root and Postfix (scripts/setup.sh --test)");
        return;
    }
    let dir = Scratch::new("serve-sip-tls-vm");
    let pki = pki(dir.path());
    let kam = Kamailio::start(dir.path(), &pki);
    let postfix = Postfix::start("tls-vm", RELAY, SMTP);
    let file = dir.join("ums.toml");
    std::fs::write(&file, config(&pki)).unwrap();
    let out = run(&["check-config", "--config", file.to_str().unwrap()]);
    assert_eq!(out.status.code(), Some(0), "{}", text(&out));
    let (data, log) = (dir.join("data"), dir.join("ums.log"));
    let _gw = Proc(serve_config(&file, &data, &log, SMTP));
    assert!(
        wait_for(30, || kam
            .log()
            .contains(&format!("REGISTERED {TRUNK_USER}"))),
        "the trunk did not register over TLS\n{}\n{}",
        read(&log),
        kam.log()
    );

    // The speech starts 3 s into the call, after the greeting (about
    // 1.4 s) and the beep; baresip hangs up 2 s after it ends.
    let speech = speech_wav(
        dir.path(),
        "Hello, this is a message left over an encrypted trunk. Please call me back tomorrow morning.",
    );
    let source = read_wav(&speech);
    let secs = source.len() as f64 / 8000.0;
    let play = delayed(dir.path(), &speech, 3.0);
    let baresip = Baresip::call(
        dir.path(),
        &pki,
        &format!("sip:{TRUNK_USER}@127.0.0.1"),
        &play,
        Some("srtp-mand"),
        (3.0 + secs + 2.0).ceil() as u32,
    );
    let mails = postfix.wait_mail("anna", 1, Duration::from_secs(90));
    let baresip_log = baresip.log();
    drop(baresip);

    // The mail: a WAV attachment (RFC 3938 duration) from our voicemail.
    let raw = std::fs::read(&mails[0]).unwrap();
    let mail = String::from_utf8_lossy(&raw).to_ascii_lowercase();
    assert!(mail.contains("content-type: audio/wav"), "{mail}");
    assert!(mail.contains("content-duration:"), "{mail}");
    let m = smtp::mime::parse(&raw).expect("a readable mail");
    let wav = (m.attachments())
        .map(|p| p.contents())
        .find(|c| c.starts_with(b"RIFF"))
        .expect("a WAV attachment")
        .to_vec();
    let file = dir.join("voicemail.wav");
    std::fs::write(&file, wav).unwrap();
    let got = compare_speech(&source, &read_wav(&file));
    eprintln!("voicemail: {got:?}");
    // The recording starts at the beep (~2.1 s into the call, the speech
    // at 3 s) and ends at baresip's hang-up with trailing silence cut.
    assert!(
        got.heard_secs >= secs - 0.3 && got.heard_secs <= secs + 2.5,
        "length: {got:?}\n{}",
        read(&log)
    );
    assert!(
        (0.5..2.0).contains(&got.energy_ratio),
        "energy: {got:?}\n{baresip_log}"
    );
    assert!(got.voiced >= 80 && got.quiet >= 10, "not speech: {got:?}");
    assert!(
        got.envelope > 0.6,
        "the recording is not the speech sent: {got:?}"
    );

    // Through the TLS proxy, with SRTP: Kamailio relayed the INVITE (it
    // refuses one without SRTP), and nothing was refused for its media.
    let invite = format!("REQ INVITE sip:{TRUNK_USER}@127.0.0.1;transport=tls from");
    assert!(
        (kam.log().lines()).any(|l| l.contains(&invite) && l.contains("over tls")),
        "{}",
        kam.log()
    );
    assert!(!kam.log().contains("REFUSED INVITE"), "{}", kam.log());
    let ums_log = read(&log);
    assert!(!ums_log.contains("sip-media-refused"), "{ums_log}");
    let voice: Vec<_> = journal(&data)
        .iter()
        .map(|r| r["message"].clone())
        .filter(|m| m["direction"] == "Incoming" && m["service"] == "Voice")
        .collect();
    assert_eq!(voice.len(), 1, "{voice:#?}");
    assert_eq!(voice[0]["line"], "sip/kamailio", "{:#}", voice[0]);
}
