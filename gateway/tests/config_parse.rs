//! What a configuration file becomes: the embedded default is the gateway
//! `ums serve` ran before configuration files existed; each section of a
//! file reaches the setup the daemon starts from.

use gateway::config::Loaded;
use kernel::message::Service;
use kernel::notify::DeliveryMode;
use test_kit::Scratch;

#[test]
fn the_embedded_default_is_loopback_only_and_local_store() {
    let data = Scratch::new("embedded");
    let s = Loaded::embedded().setup(&data).unwrap();
    assert_eq!(s.smtp_listen.to_string(), "127.0.0.1:2525");
    assert_eq!(
        s.service_domains,
        vec![
            ("fax.localhost".to_string(), Service::Fax),
            ("sms.localhost".to_string(), Service::Sms)
        ]
    );
    assert!(s.allowed_networks.iter().all(|n| n.addr.is_loopback()));
    assert!(s.auth_users.is_empty());
    assert!(s.smart_host.is_none());
    assert_eq!(s.mode, DeliveryMode::LocalStore);
    assert_eq!(s.lines, ["100", "101", "102", "103"]);
    assert!(
        s.virtual_fax_numbers.is_empty(),
        "every number is a fax machine"
    );
    assert_eq!(s.plan.base_digits(), "49891234");
    assert_eq!(s.metrics_listen, None);
    assert_eq!(s.options.stop_timeout.as_secs(), 120);
    assert!(s.tls.is_some(), "a self-signed certificate");
}

#[test]
fn every_section_reaches_the_setup() {
    let text = r#"
[numbering]
country_code = "44"
area_code = "20"
subscriber = "7946"
internal_length = { min = 2, max = 4 }

[dial_policy]
deny = ["+44 9*"]
messages_per_sender = 5
window_secs = 600

[directory]
default_recipient = "ops@example.co.uk"

[[group]]
name = "abroad"
permissions = { international = true }

[[user]]
id = "anna"
email = "anna@example.co.uk"
fax_numbers = ["20"]
groups = ["abroad"]
language = "de"

[[route]]
pattern = "3?"
service = "fax"
mailbox = "user:anna"

[lines]
numbers = ["200", "201"]
ident = "ACME"
header = "ACME Ltd"

[smtp]
listen = "127.0.0.1:40330"
hostname = "gw.example.co.uk"
fax_domains = ["fax.example.co.uk"]
sms_domains = []
allowed_networks = ["192.0.2.0/24"]

[[smtp.auth_user]]
name = "scanner"
password = "a long random password"

[smtp.smart_host]
host = "mail.example.co.uk"
user = "ums"
password = "another long password"

[delivery]
backoff_secs = [5]

[reports]
language = "de"

[metrics]
listen = "127.0.0.1:40331"

[daemon]
stop_timeout_secs = 30
"#;
    let loaded = Loaded::parse(text, "t.toml").unwrap();
    let data = Scratch::new("full");
    let s = loaded.setup(&data).unwrap();
    assert_eq!(s.plan.country_code, "44");
    assert_eq!(s.plan.internal_length.map(|r| (r.min, r.max)), Some((2, 4)));
    assert_eq!(s.options.dial_deny.len(), 1);
    assert_eq!(s.rate_limit, (5, 600));
    assert_eq!(s.directory.default_recipient, "ops@example.co.uk");
    assert_eq!(s.directory.users[0].groups, ["abroad"]);
    assert!(s.directory.groups[0].permissions.international);
    assert_eq!(s.rules.len(), 1);
    assert_eq!(s.rules[0].service, Some(Service::Fax));
    assert_eq!(s.lines, ["200", "201"]);
    assert_eq!(s.options.header.as_deref(), Some("ACME Ltd"));
    assert_eq!(s.hostname, "gw.example.co.uk");
    assert_eq!(
        s.service_domains,
        vec![("fax.example.co.uk".to_string(), Service::Fax)]
    );
    assert_eq!(s.allowed_networks[0].prefix, 24);
    assert_eq!(s.auth_users[0].0, "scanner");
    let host = s.smart_host.as_ref().unwrap();
    assert_eq!(host.port, 587, "the submission port by default");
    assert!(matches!(host.tls, smtp::outbound::TlsMode::Required));
    assert_eq!(
        host.auth,
        Some(("ums".into(), "another long password".into()))
    );
    assert_eq!(s.mode, DeliveryMode::Mail, "mailed with a smart host");
    assert_eq!(s.options.delivery_backoff_secs, [5]);
    assert_eq!(s.options.language, kernel::report::Language::De);
    assert_eq!(s.report.notice_sender, "postmaster@gw.example.co.uk");
    assert_eq!(s.metrics_listen.map(|a| a.port()), Some(40331));
    assert_eq!(s.options.stop_timeout.as_secs(), 30);
    assert_eq!(loaded.reload().directory.users.len(), 1);
}

#[test]
fn a_certificate_that_cannot_be_loaded_is_placed_at_its_key() {
    let dir = Scratch::new("cert");
    let cert = dir.join("cert.pem");
    std::fs::write(&cert, "not a certificate").unwrap();
    let text = format!(
        "[smtp]\nhostname = \"gw.example.com\"\n\n[smtp.tls]\ncertificate = \"{}\"\nkey = \"{}\"\n",
        cert.display(),
        dir.join("missing-key.pem").display()
    );
    let e = Loaded::parse(&text, "t.toml").unwrap_err();
    assert_eq!(
        (e.line, e.key.as_deref()),
        (5, Some("smtp.tls.certificate"))
    );
    assert!(e.message.contains("no certificate found"), "{e}");
}

#[test]
fn a_trunks_srtp_policy_reaches_its_lines_and_a_wrong_word_is_placed() {
    let trunk = |srtp: &str| {
        format!(
            "[[trunk]]\nname = \"pbx\"\npeer = \"192.0.2.10\"\nuser = \"100\"\n\
             listen = \"192.0.2.20:5060\"\n{srtp}"
        )
    };
    use line_drivers::sip::SrtpPolicy;
    for (line, want) in [
        ("", SrtpPolicy::Off),
        ("srtp = \"off\"\n", SrtpPolicy::Off),
        ("srtp = \"optional\"\n", SrtpPolicy::Optional),
        ("srtp = \"mandatory\"\n", SrtpPolicy::Mandatory),
    ] {
        let loaded = Loaded::parse(&trunk(line), "t.toml").unwrap();
        let trunks = loaded.sip_trunks();
        assert_eq!(trunks[0].line.media.srtp, want, "{line:?}");
    }
    let e = Loaded::parse(&trunk("srtp = \"always\"\n"), "t.toml").unwrap_err();
    assert_eq!((e.line, e.key.as_deref()), (6, Some("trunk[0].srtp")));
}

#[test]
fn a_tls_trunk_reaches_its_lines_and_a_lone_key_is_placed() {
    let text = "[[trunk]]\nname = \"pbx\"\npeer = \"192.0.2.10:5061\"\nuser = \"100\"\n\
                listen = \"192.0.2.20:5061\"\ntransport = \"tls\"\n\
                tls_ca_file = \"/etc/ums/ca.pem\"\ntls_server_name = \"sip.example.net\"\n";
    let loaded = Loaded::parse(text, "t.toml").unwrap();
    let line = &loaded.sip_trunks()[0].line;
    assert_eq!(line.transport, line_drivers::sip::SipTransport::Tls);
    assert_eq!(
        line.tls,
        line_drivers::sip::SipTlsConfig {
            ca_file: Some("/etc/ums/ca.pem".into()),
            server_name: Some("sip.example.net".into()),
            cert: None,
            key: None,
        }
    );
    // TLS: the RFC 5626 CRLF keep-alive by default; a number sets its
    // period, 0 turns it off.
    let every = |l: &line_drivers::sip::SipLineConfig| l.crlf_keepalive.map(|k| k.every.as_secs());
    assert_eq!(every(line), Some(120));
    for (key, want) in [
        ("crlf_keepalive_secs = 25\n", Some(25)),
        ("crlf_keepalive_secs = 0\n", None),
    ] {
        let loaded = Loaded::parse(&format!("{text}{key}"), "t.toml").unwrap();
        assert_eq!(every(&loaded.sip_trunks()[0].line), want, "{key}");
    }
    let lone = format!("{text}tls_key = \"/etc/ums/key.pem\"\n");
    let e = Loaded::parse(&lone, "t.toml").unwrap_err();
    assert_eq!(e.key.as_deref(), Some("trunk[0].tls_certificate"), "{e}");
    assert!(e.message.contains("go together"), "{e}");
}
