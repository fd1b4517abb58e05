//! The SMTP connector as mail clients and the customer's mail server see it
//! (issue 4): real Postfix, real swaks, Python's smtplib; the gateway runs
//! in-process with its loopback lines and a virtual fax machine.

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};
use std::sync::Arc;
use std::time::Duration;

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use gateway::daemon::{start, GatewaySetup, Running};
use kernel::directory::{Directory, User};
use kernel::job::RetryPolicy;
use kernel::message::Service;
use kernel::notify::DeliveryMode;
use kernel::numbering::NumberingPlan;
use kernel::report::ReportConfig;
use smtp::outbound::{SmartHost, TlsMode};
use smtp::policy::Network;
use test_kit::{Postfix, Scratch};

fn user(id: &str) -> User {
    User {
        id: id.into(),
        name: id.into(),
        email: format!("{id}@example.test"),
        ..User::default()
    }
}

struct Gateway {
    rt: tokio::runtime::Runtime,
    running: Option<Running>,
    dir: Scratch,
    addr: SocketAddr,
}

impl Drop for Gateway {
    fn drop(&mut self) {
        if let Some(r) = self.running.take() {
            r.stop();
        }
        let _ = &self.rt;
    }
}

fn gateway(name: &str, port: u16, smart_host_port: Option<u16>) -> Gateway {
    let dir = Scratch::new(name);
    let (cert, key) = smtp::tls::self_signed(&dir, "ums.example.test").unwrap();
    let tls = smtp::tls::server_config(&cert, &key).unwrap();
    let mut report = ReportConfig::new("ums.example.test", "example.test");
    report.default_recipient = "postmaster@example.test".into();
    let setup = GatewaySetup {
        data_dir: dir.to_path_buf(),
        smtp_listen: format!("127.0.0.1:{port}").parse().unwrap(),
        hostname: "ums.example.test".into(),
        plan: NumberingPlan::germany("89", "1234"),
        directory: Directory {
            users: vec![user("anna"), user("bob")],
            groups: Vec::new(),
            default_recipient: "postmaster@example.test".into(),
        },
        rules: Vec::new(),
        service_domains: vec![
            ("fax.test".into(), Service::Fax),
            ("sms.test".into(), Service::Sms),
        ],
        // Only 127.0.0.1 is "the customer's mail server"; 127.0.0.2 is the internet.
        allowed_networks: vec![Network::parse("127.0.0.1/32").unwrap()],
        auth_users: vec![("bob".into(), "secret".into())],
        smart_host: smart_host_port.map(|port| SmartHost {
            host: "127.0.0.1".into(),
            port,
            tls: TlsMode::None,
            auth: None,
        }),
        mode: DeliveryMode::Mail,
        report,
        lines: vec!["100".into(), "101".into()],
        virtual_fax_numbers: vec!["089555".into()],
        retry: RetryPolicy::default(),
        ident: "+49 89 1234".into(),
        tls: Some(Arc::clone(&tls)),
        rate_limit: (100, 60),
        metrics_listen: None,
        options: Default::default(),
    };
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let running = rt.block_on(start(setup)).expect("gateway starts");
    let addr = running.smtp_addr;
    Gateway {
        rt,
        running: Some(running),
        dir,
        addr,
    }
}

fn swaks(gw: &SocketAddr, args: &[&str]) -> Output {
    Command::new("swaks")
        .args([
            "--server",
            &gw.ip().to_string(),
            "--port",
            &gw.port().to_string(),
            "--timeout",
            "20",
        ])
        .args(args)
        .output()
        .expect("swaks (scripts/setup.sh --test installs it)")
}

fn tiff(dir: &Path) -> PathBuf {
    let res = Resolution::Standard;
    let page = BilevelPage::test_pattern(PaperSize::A4.width(), PaperSize::A4.rows(res), res, 5);
    let path = dir.join("doc.tif");
    gateway::document::write_pages(&path, &[page]).unwrap();
    path
}

#[test]
fn never_an_open_relay() {
    let gw = gateway("smtp_relay", 2721, None);
    let tricks = [
        "123@example.com",
        "123%example.com@fax.test",
        "example.com!123@fax.test",
        "@fax.test:123@example.com",
        "\"123\"@fax.test",
        "123@[127.0.0.1]",
        "123@fax.test.example.com",
        "postmaster@fax.test",
    ];
    for to in tricks {
        let out = swaks(
            &gw.addr,
            &[
                "--from",
                "anna@example.test",
                "--to",
                to,
                "--quit-after",
                "RCPT",
            ],
        );
        let text = String::from_utf8_lossy(&out.stdout);
        assert_eq!(out.status.code(), Some(24), "{to} must be refused:\n{text}");
        assert!(text.contains("<** 5"), "{to}: a permanent refusal:\n{text}");
    }
    // The real thing is accepted at RCPT.
    let out = swaks(
        &gw.addr,
        &[
            "--from",
            "anna@example.test",
            "--to",
            "0049-89-555@fax.test",
            "--quit-after",
            "RCPT",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

#[test]
fn outside_clients_need_starttls_and_auth() {
    let gw = gateway("smtp_auth", 2731, None);
    let from_outside = ["--local-interface", "127.0.0.2"];
    // No AUTH: MAIL FROM refused.
    let out = swaks(
        &gw.addr,
        &[
            &from_outside[..],
            &[
                "--from",
                "bob@example.test",
                "--to",
                "555@fax.test",
                "--quit-after",
                "RCPT",
            ],
        ]
        .concat(),
    );
    assert_eq!(
        out.status.code(),
        Some(23),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    assert!(String::from_utf8_lossy(&out.stdout).contains("530"));
    // AUTH is not offered in plaintext.
    let out = swaks(
        &gw.addr,
        &[
            &from_outside[..],
            &[
                "--from",
                "bob@example.test",
                "--to",
                "555@fax.test",
                "--auth",
                "PLAIN",
                "--auth-user",
                "bob",
                "--auth-password",
                "secret",
                "--quit-after",
                "AUTH",
            ],
        ]
        .concat(),
    );
    assert_eq!(
        out.status.code(),
        Some(28),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // A wrong password under TLS fails.
    let out = swaks(
        &gw.addr,
        &[
            &from_outside[..],
            &[
                "--tls",
                "--from",
                "bob@example.test",
                "--to",
                "555@fax.test",
                "--auth",
                "PLAIN",
                "--auth-user",
                "bob",
                "--auth-password",
                "wrong",
                "--quit-after",
                "AUTH",
            ],
        ]
        .concat(),
    );
    assert_eq!(
        out.status.code(),
        Some(28),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // STARTTLS + AUTH: the message is accepted and stored.
    let doc = tiff(&gw.dir);
    let out = swaks(
        &gw.addr,
        &[
            &from_outside[..],
            &[
                "--tls",
                "--auth",
                "LOGIN",
                "--auth-user",
                "bob",
                "--auth-password",
                "secret",
                "--from",
                "bob@example.test",
                "--to",
                "555@fax.test",
                "--attach-type",
                "image/tiff",
                "--attach",
            ],
            &[doc.to_str().unwrap()],
        ]
        .concat(),
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("250 2.0.0"), "{text}");
    let store = &gw.running.as_ref().unwrap().store;
    let rec = store
        .all()
        .map(|r| r.unwrap())
        .find(|r| r.message.sender_address.as_deref() == Some("bob@example.test"));
    assert!(rec.is_some(), "stored before the 250");
}

#[test]
fn an_unknown_sender_from_the_mail_server_is_answered_with_a_notice() {
    let gw = gateway("smtp_notice", 2741, None);
    let doc = tiff(&gw.dir);
    let out = swaks(
        &gw.addr,
        &[
            "--from",
            "mallory@example.test",
            "--to",
            "555@fax.test",
            "--attach-type",
            "image/tiff",
            "--attach",
            doc.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "accepted: {}",
        String::from_utf8_lossy(&out.stdout)
    );
    let store = &gw.running.as_ref().unwrap().store;
    let queued = store.pending_mail().unwrap();
    assert_eq!(queued.len(), 1, "one failure notice");
    assert_eq!(
        queued[0].recipients,
        vec!["mallory@example.test".to_string()]
    );
    let text = String::from_utf8_lossy(&queued[0].data);
    assert!(
        text.contains("Action: failed") && text.contains("5.7.1"),
        "{text}"
    );
}

#[test]
fn a_client_that_disconnects_inside_data_leaves_nothing_half_stored() {
    let gw = gateway("smtp_disconnect", 2751, None);
    let script = format!(
        "import smtplib,socket\ns=smtplib.SMTP('127.0.0.1',{})\ns.ehlo()\ns.mail('anna@example.test')\ns.rcpt('555@fax.test')\ns.putcmd('DATA')\nprint(s.getreply())\ns.send(b'Subject: half\\r\\n\\r\\nonly part of it')\ns.sock.close()\n",
        gw.addr.port()
    );
    let out = Command::new("python3")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).contains("354"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    std::thread::sleep(Duration::from_millis(300));
    let store = &gw.running.as_ref().unwrap().store;
    assert_eq!(store.all().count(), 0);
    assert!(store.pending_mail().unwrap().is_empty());
}

#[test]
fn a_message_over_the_size_limit_is_refused() {
    let gw = gateway("smtp_size", 2761, None);
    let big = gw.dir.join("big.bin");
    std::fs::write(&big, vec![b'x'; 34 * 1024 * 1024]).unwrap();
    let out = swaks(
        &gw.addr,
        &[
            "--from",
            "anna@example.test",
            "--to",
            "555@fax.test",
            "--attach",
            big.to_str().unwrap(),
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_ne!(out.status.code(), Some(0));
    assert!(
        text.contains("552"),
        "{}",
        &text[text.len().saturating_sub(2000)..]
    );
    assert_eq!(gw.running.as_ref().unwrap().store.all().count(), 0);
}

#[test]
fn a_fax_by_mail_through_postfix_comes_back_as_a_confirmation() {
    // Postfix on 2771 relays fax.test to the gateway on 2772; the gateway
    // delivers its confirmation to Postfix, which puts it in anna's Maildir.
    let pf = Postfix::start("e2e", 2771, 2772);
    let gw = gateway("smtp_e2e", 2772, Some(2771));

    let doc = tiff(&gw.dir);
    let pf_addr: SocketAddr = "127.0.0.1:2771".parse().unwrap();
    let out = swaks(
        &pf_addr,
        &[
            "--from",
            "anna@example.test",
            "--to",
            "555@fax.test",
            "--header",
            "Subject: fax test",
            "--attach-type",
            "image/tiff",
            "--attach",
            doc.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "Postfix took it: {}",
        String::from_utf8_lossy(&out.stdout)
    );

    // The fax takes real line time (one standard page at 14400).
    let files = pf.wait_mail("anna", 1, Duration::from_secs(120));
    let dsn = std::fs::read_to_string(&files[0]).unwrap();
    assert!(dsn.contains("multipart/report"), "{dsn}");
    assert!(dsn.contains("Action: delivered"), "{dsn}");
    assert!(dsn.contains("Message-Context: fax-message"), "{dsn}");
    // And the virtual fax machine has the pages: swaks's body text, typeset,
    // then the TIFF's page.
    let got = gw.dir.join("virtual-network/089555/fax-0001.tif");
    let pages = fax_t30::tiff::read_tiff_file(&got).expect("the far end kept the fax");
    assert_eq!(pages.len(), 2);
}

#[test]
fn a_20_mb_attachment_and_8bit_utf8_mail_are_accepted() {
    let gw = gateway("smtp_big_utf8", 2811, None);
    // 20 MB attachment (base64 in the mail: about 27 MB, under the 32 MB limit).
    let big = gw.dir.join("big.bin");
    std::fs::write(&big, vec![0x5a; 20 * 1024 * 1024]).unwrap();
    let out = swaks(
        &gw.addr,
        &[
            "--from",
            "anna@example.test",
            "--to",
            "555@fax.test",
            "--attach",
            big.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0), "{}", {
        let t = String::from_utf8_lossy(&out.stdout);
        t[t.len().saturating_sub(1500)..].to_string()
    });
    // SMTPUTF8 and an 8-bit body through Python's smtplib.
    let script = format!(
        "import smtplib\nfrom email.message import EmailMessage\nm=EmailMessage()\nm['From']='Jürgen <anna@example.test>'\nm['To']='0049 89 555@fax.test'\nm['Subject']='Grüße, 5 €'\nm.set_content('Schöne Grüße', charset='utf-8', cte='8bit')\ns=smtplib.SMTP('127.0.0.1',{})\nprint(s.send_message(m, from_addr='jürgen@example.test', to_addrs=['555@fax.test']))\ns.quit()\n",
        gw.addr.port()
    );
    let out = Command::new("python3")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let store = &gw.running.as_ref().unwrap().store;
    let recs: Vec<_> = store.all().map(|r| r.unwrap()).collect();
    assert_eq!(recs.len(), 2, "both stored");
    let utf8 = recs
        .iter()
        .find(|r| r.message.envelope_sender.as_deref() == Some("jürgen@example.test"));
    let utf8 = utf8.expect("the UTF-8 envelope sender is kept");
    assert_eq!(utf8.message.subject.as_deref(), Some("Grüße, 5 €"));
}

#[test]
fn pipelined_sessions_get_their_replies_in_order() {
    let gw = gateway("smtp_pipeline", 2821, None);
    let doc = tiff(&gw.dir);
    let out = swaks(
        &gw.addr,
        &[
            "--pipeline",
            "--from",
            "anna@example.test",
            "--to",
            "555@fax.test,556@fax.test",
            "--attach-type",
            "image/tiff",
            "--attach",
            doc.to_str().unwrap(),
        ],
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("PIPELINING"), "advertised: {text}");
    let store = &gw.running.as_ref().unwrap().store;
    assert_eq!(store.all().count(), 2, "one job per recipient");
}

#[test]
fn one_client_cannot_take_every_connection() {
    let gw = gateway("smtp_connlimit", 2831, None);
    // The gateway allows 20 connections per address; the 21st is turned away.
    let mut held = Vec::new();
    for _ in 0..20 {
        let mut s = std::net::TcpStream::connect(gw.addr).unwrap();
        let mut greeting = [0u8; 64];
        let n = std::io::Read::read(&mut s, &mut greeting).unwrap();
        assert!(
            greeting[..n].starts_with(b"220"),
            "{}",
            String::from_utf8_lossy(&greeting[..n])
        );
        held.push(s);
    }
    let mut s = std::net::TcpStream::connect(gw.addr).unwrap();
    let mut reply = [0u8; 128];
    let n = std::io::Read::read(&mut s, &mut reply).unwrap();
    let text = String::from_utf8_lossy(&reply[..n]);
    assert!(text.starts_with("421 4.7.0"), "{text}");
    // Another address is still served meanwhile.
    let script = format!(
        "import socket\ns=socket.create_connection(('127.0.0.1',{}), source_address=('127.0.0.2',0))\nprint(s.recv(64).decode())",
        gw.addr.port()
    );
    let out = Command::new("python3")
        .args(["-c", &script])
        .output()
        .unwrap();
    assert!(
        String::from_utf8_lossy(&out.stdout).starts_with("220"),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    drop(held);
}

#[test]
fn a_text_mail_and_an_image_become_fax_pages_and_a_pdf_is_refused_by_name() {
    let gw = gateway("smtp_render", 2851, None);
    // A plain text mail: its body is typeset onto a page.
    let out = swaks(
        &gw.addr,
        &[
            "--from",
            "anna@example.test",
            "--to",
            "555@fax.test",
            "--body",
            "Dear Sir, please find our offer below. Grüße",
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // A PNG made by ImageMagick: rendered (text body + image = 2 pages).
    let png = gw.dir.join("logo.png");
    let st = Command::new("convert")
        .args([
            "-size",
            "600x400",
            "xc:white",
            "-fill",
            "black",
            "-draw",
            "rectangle 50,50 550,350",
        ])
        .arg(&png)
        .status()
        .expect("ImageMagick (scripts/setup.sh --test installs it)");
    assert!(st.success());
    let out = swaks(
        &gw.addr,
        &[
            "--from",
            "anna@example.test",
            "--to",
            "556@fax.test",
            "--body",
            "See the picture.",
            "--attach-type",
            "image/png",
            "--attach",
            png.to_str().unwrap(),
        ],
    );
    assert_eq!(
        out.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    // A PDF: accepted by SMTP, answered with a notice naming the file.
    let pdf = gw.dir.join("offer.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n%%EOF\n").unwrap();
    let out = swaks(
        &gw.addr,
        &[
            "--from",
            "anna@example.test",
            "--to",
            "557@fax.test",
            "--attach-type",
            "application/pdf",
            "--attach",
            pdf.to_str().unwrap(),
        ],
    );
    assert_eq!(out.status.code(), Some(0));

    let store = &gw.running.as_ref().unwrap().store;
    // The render pool works after the 250: wait until it has rendered the
    // three mails (or failed them with their notices).
    for _ in 0..1200 {
        if store.unrendered().unwrap().is_empty() {
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert!(store.unrendered().unwrap().is_empty(), "rendered in 120 s");
    let recs: Vec<_> = store.all().map(|r| r.unwrap()).collect();
    let by = |n: &str| {
        recs.iter()
            .find(|r| r.message.recipient_number.as_deref() == Some(n))
            .unwrap_or_else(|| panic!("{n}: {recs:?}"))
    };
    let text = by("+4989555");
    assert_eq!(text.message.pages, 1);
    let doc = std::fs::read(text.message.document.as_ref().unwrap()).unwrap();
    let pages = fax_t30::tiff::read_tiff(&doc, "spooled document").unwrap();
    assert!(
        pages[0].decode().unwrap().black_pixels() > 1000,
        "the text is on the page"
    );
    assert_eq!(by("+4989556").message.pages, 2);
    let refused = by("+4989557");
    assert_eq!(refused.message.status, kernel::message::Status::Failed);
    assert!(
        refused
            .message
            .status_reason
            .as_deref()
            .unwrap_or("")
            .contains("offer.pdf"),
        "{:?}",
        refused.message.status_reason
    );
    let notices = store.pending_mail().unwrap();
    assert!(
        notices
            .iter()
            .any(|m| String::from_utf8_lossy(&m.data).contains("offer.pdf")),
        "the sender is told which file"
    );
}

/// The plain text a mail client shows of `mail` (Python's `email` package
/// undoes the transfer encoding), and its subject.
fn client_view(mail: &[u8]) -> (String, String) {
    use std::io::Write;
    let script = "import email, email.policy, sys\n\
m = email.message_from_bytes(sys.stdin.buffer.read(), policy=email.policy.default)\n\
print(m['Subject'])\n\
print(''.join(p.get_content() for p in m.walk() if p.get_content_type() == 'text/plain'))\n";
    let mut child = Command::new("python3")
        .args(["-c", script])
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .expect("python3");
    child.stdin.take().unwrap().write_all(mail).unwrap();
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    let text = String::from_utf8(out.stdout).unwrap();
    let (subject, body) = text.split_once('\n').unwrap();
    (subject.to_owned(), body.to_owned())
}

/// Issue 12: a damaged PDF and a file whose bytes are not what its name
/// says are refused with a notice that names the file and says it is
/// damaged, and the journal's report says the same (it was `The attachment
/// "?" is of a type the gateway cannot send.`).
#[test]
fn a_damaged_attachment_is_reported_by_name_as_damaged() {
    let gw = gateway("smtp_damaged", 2861, None);
    let pdf = gw.dir.join("offer.pdf");
    std::fs::write(&pdf, b"%PDF-1.4\n%%EOF\n").unwrap();
    let jpg = gw.dir.join("photo.jpg");
    std::fs::write(&jpg, b"Dear Sir, this is a letter, not a photo.\n").unwrap();
    for (to, file, ct) in [
        ("561@fax.test", &pdf, "application/pdf"),
        ("562@fax.test", &jpg, "image/jpeg"),
    ] {
        let out = swaks(
            &gw.addr,
            &[
                "--from",
                "anna@example.test",
                "--to",
                to,
                "--attach-type",
                ct,
                "--attach",
                file.to_str().unwrap(),
            ],
        );
        assert_eq!(
            out.status.code(),
            Some(0),
            "{}",
            String::from_utf8_lossy(&out.stdout)
        );
    }
    let store = &gw.running.as_ref().unwrap().store;
    for _ in 0..1200 {
        if store.unrendered().unwrap().is_empty() {
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    assert!(store.unrendered().unwrap().is_empty(), "rendered in 120 s");
    let recs: Vec<_> = store.all().map(|r| r.unwrap()).collect();
    let notices: Vec<(String, String)> = store
        .pending_mail()
        .unwrap()
        .iter()
        .filter(|m| m.recipients == ["anna@example.test"])
        .map(|m| client_view(&m.data))
        .collect();
    for (number, name) in [("+4989561", "offer.pdf"), ("+4989562", "photo.jpg")] {
        let rec = recs
            .iter()
            .find(|r| r.message.recipient_number.as_deref() == Some(number))
            .unwrap_or_else(|| panic!("{number}: {recs:?}"));
        let m = &rec.message;
        assert_eq!(m.status, kernel::message::Status::Failed);
        assert_eq!(
            m.failure_cause,
            Some(kernel::report::Cause::DamagedAttachment)
        );
        let sentence = format!(
            "The attachment \"{name}\" is damaged or not the kind of file its name or type says."
        );
        // The journal (`ums journal show`, `ums status`, `ums send`).
        let report = gateway::journal::reason_of(m);
        assert!(report.starts_with(&sentence), "{report}");
        let shown = gateway::journal::show(rec);
        assert!(
            shown.contains(&sentence) && !shown.contains("\"?\""),
            "{shown}"
        );
        // The sender's notice, as a mail client shows it.
        let (subject, text) = notices
            .iter()
            .find(|(subject, _)| subject.contains(number))
            .unwrap_or_else(|| panic!("no notice for {number}: {notices:?}"));
        assert!(subject.ends_with("not sent"), "{subject}");
        assert!(
            text.contains(&sentence) && !text.contains("cannot send"),
            "{text}"
        );
    }
}
