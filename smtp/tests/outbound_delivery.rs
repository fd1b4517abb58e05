//! Outbound delivery against a real Postfix (the customer's mail server,
//! a private instance on loopback from `test_kit`): the outbox reaches Maildirs;
//! a permanent failure becomes a notice to the default recipient; a notice
//! that cannot be delivered lands in the dead-letter directory; an
//! unreachable server is retried with backoff.

use std::path::PathBuf;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kernel::message::Timestamp;
use kernel::notify::{DeliveryMode, Notifier};
use kernel::report::{error_notice, ErrorReport, Language, OutgoingMail, ReportConfig};
use kernel::store::Store;
use smtp::outbound::{Delivery, DeliveryEvent, OutboundConfig, SmartHost, TlsMode};
use test_kit::{Postfix, Scratch};

fn notice(cfg: &ReportConfig, to: &str, summary: &str) -> OutgoingMail {
    let mut m = error_notice(
        cfg,
        &ErrorReport {
            message: None,
            summary,
            detail: Some("details"),
            language: Language::En,
            now: Timestamp(1_800_000_000_000),
        },
    );
    m.recipients = vec![to.to_string()];
    m.kind = kernel::report::MailKind::Confirmation;
    m
}

fn setup(
    name: &str,
    port: u16,
    default_recipient: &str,
) -> (Scratch, Store, Delivery, PathBuf, ReportConfig) {
    let dir = Scratch::new(name);
    let store = Store::open(&dir.join("store")).unwrap();
    let mut cfg = ReportConfig::new("ums.example.test", "example.test");
    cfg.default_recipient = default_recipient.to_string();
    let dead = dir.join("dead-letter");
    let delivery = Delivery::new(
        store.clone(),
        OutboundConfig {
            smart_host: Some(SmartHost {
                host: "127.0.0.1".into(),
                port,
                tls: TlsMode::None,
                auth: None,
            }),
            resolver: None,
            mx_port: 25,
            dead_letter_dir: dead.clone(),
            backoff_secs: vec![10, 60],
            max_attempts: 3,
            hello_name: "ums.example.test".into(),
            timeout: Duration::from_secs(10),
        },
        Notifier::new(cfg.clone(), DeliveryMode::Mail),
    );
    (dir, store, delivery, dead, cfg)
}

/// What the delivery reports, as `<event> <Message-ID>` lines.
fn record_events(delivery: &mut Delivery) -> Arc<Mutex<Vec<String>>> {
    let seen = Arc::new(Mutex::new(Vec::new()));
    let log = Arc::clone(&seen);
    delivery.on_event(Box::new(move |e| {
        let (what, mail) = match e {
            DeliveryEvent::Attempt(m) => ("attempt", m),
            DeliveryEvent::Delivered(m) => ("delivered", m),
            DeliveryEvent::Deferred { mail, .. } => ("deferred", mail),
            DeliveryEvent::Bounced { mail, .. } => ("bounced", mail),
        };
        let id = mail.message_id().unwrap_or_default();
        log.lock().unwrap().push(format!("{what} {id}"));
    }));
    seen
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn mail_reaches_the_maildir_and_leaves_the_outbox() {
    let pf = Postfix::start("ob-ok", 2631, 2632);
    let (_dir, store, mut delivery, dead, cfg) =
        setup("ob_ok", pf.smtp_port(), "postmaster@example.test");
    let events = record_events(&mut delivery);
    store
        .enqueue_mail(&notice(&cfg, "anna@example.test", "hello anna"))
        .unwrap();
    let n = rt().block_on(delivery.deliver_due(Timestamp(0))).unwrap();
    assert_eq!(n, 1);
    assert!(store.pending_mail().unwrap().is_empty());
    let files = pf.wait_mail("anna", 1, Duration::from_secs(20));
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(text.contains("hello anna"));
    // Logged by the Message-ID the Maildir copy has.
    let id = kernel::report::message_id(text.as_bytes()).expect("a Message-ID");
    assert_eq!(
        *events.lock().unwrap(),
        [format!("attempt {id}"), format!("delivered {id}")]
    );
    assert!(!dead.exists() || std::fs::read_dir(&dead).unwrap().next().is_none());
    assert_eq!(delivery.metrics.delivered, 1);
}

#[test]
fn a_permanent_failure_notifies_the_default_recipient_and_keeps_the_mail() {
    let pf = Postfix::start("ob-perm", 2641, 2642);
    let (_dir, store, mut delivery, dead, cfg) =
        setup("ob_perm", pf.smtp_port(), "postmaster@example.test");
    let events = record_events(&mut delivery);
    store
        .enqueue_mail(&notice(
            &cfg,
            "nobody@example.test",
            "for a missing mailbox",
        ))
        .unwrap();
    let rt = rt();
    rt.block_on(delivery.deliver_due(Timestamp(0))).unwrap();
    // The original is kept as a dead letter; a notice is queued and delivered.
    let kept: Vec<_> = std::fs::read_dir(&dead).unwrap().collect();
    assert_eq!(kept.len(), 1);
    rt.block_on(delivery.deliver_due(Timestamp(1000))).unwrap();
    let files = pf.wait_mail("postmaster", 1, Duration::from_secs(20));
    let text = std::fs::read_to_string(&files[0]).unwrap();
    assert!(
        text.contains("nobody@example.test"),
        "the notice names the recipient"
    );
    assert!(store.pending_mail().unwrap().is_empty());
    assert_eq!(delivery.metrics.bounced, 1);
    let events = events.lock().unwrap();
    let kinds: Vec<&str> = events
        .iter()
        .map(|e| e.split(' ').next().unwrap())
        .collect();
    assert_eq!(
        kinds,
        ["attempt", "bounced", "attempt", "delivered"],
        "{events:?}"
    );
}

#[test]
fn an_undeliverable_notice_is_written_to_the_dead_letter_directory() {
    let pf = Postfix::start("ob-dead", 2651, 2652);
    // The default recipient itself does not exist.
    let (_dir, store, mut delivery, dead, cfg) =
        setup("ob_dead", pf.smtp_port(), "nobody@example.test");
    let mut m = notice(&cfg, "nobody@example.test", "a notice nobody can read");
    m.kind = kernel::report::MailKind::ErrorNotice;
    store.enqueue_mail(&m).unwrap();
    rt().block_on(delivery.deliver_due(Timestamp(0))).unwrap();
    let files: Vec<_> = std::fs::read_dir(&dead)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    assert_eq!(files.len(), 1);
    assert_eq!(files[0].extension().unwrap(), "eml");
    let eml = std::fs::read_to_string(&files[0]).unwrap();
    assert!(eml.starts_with("X-UMS-Dead-Letter: "));
    assert!(
        eml.contains("a notice nobody can read"),
        "the complete mail"
    );
    assert!(store.pending_mail().unwrap().is_empty());
    assert_eq!(delivery.metrics.dead_letters, 1);
    // No temporary files are left behind.
    assert!(std::fs::read_dir(&dead).unwrap().all(|e| !e
        .unwrap()
        .file_name()
        .to_string_lossy()
        .starts_with('.')));
}

#[test]
fn an_unreachable_server_is_retried_with_backoff_then_given_up() {
    // Nothing listens on this port.
    let (_dir, store, mut delivery, dead, cfg) = setup("ob_retry", 2699, "postmaster@example.test");
    store
        .enqueue_mail(&notice(&cfg, "anna@example.test", "retry me"))
        .unwrap();
    let rt = rt();
    let t = Timestamp(1_000_000);
    assert_eq!(rt.block_on(delivery.deliver_due(t)).unwrap(), 0);
    assert_eq!(delivery.metrics.deferred, 1);
    // Not due yet: no new attempt.
    rt.block_on(delivery.deliver_due(t.plus_secs(5))).unwrap();
    assert_eq!(delivery.metrics.deferred, 1);
    rt.block_on(delivery.deliver_due(t.plus_secs(10))).unwrap();
    assert_eq!(delivery.metrics.deferred, 2);
    // Third attempt: gives up, keeps the mail, queues a notice.
    rt.block_on(delivery.deliver_due(t.plus_secs(80))).unwrap();
    assert_eq!(delivery.metrics.bounced, 1);
    assert_eq!(std::fs::read_dir(&dead).unwrap().count(), 1);
    let pending = store.pending_mail().unwrap();
    assert_eq!(
        pending.len(),
        1,
        "the notice to the default recipient waits"
    );
    assert_eq!(
        pending[0].recipients,
        vec!["postmaster@example.test".to_string()]
    );
}
