//! The render pool on its own: a stored "accepted, not rendered" record
//! becomes a sendable fax (document, pages, waiting job) or a render
//! failure with the sender's notice naming the attachment; nothing is left
//! waiting, and recovery finds what a crash left.

use std::path::{Path, PathBuf};
use std::sync::mpsc;
use std::time::Duration;

use kernel::message::{Direction, Message, MessageId, Service, Status, Timestamp};
use kernel::notify::{DeliveryMode, Notifier};
use kernel::report::ReportConfig;
use kernel::store::{Record, Store};
use smtp::render::{RenderJob, RenderPool, Renderer};

fn scratch(name: &str) -> PathBuf {
    let dir = std::env::temp_dir().join(format!("ums-smtp250-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("spool")).unwrap();
    dir
}

fn pool(store: &Store, spool: &Path) -> (RenderPool, mpsc::Receiver<Vec<MessageId>>) {
    let (tx, rx) = mpsc::channel();
    let tx = std::sync::Mutex::new(tx);
    let pool = RenderPool::start(
        Renderer {
            options: Default::default(),
            store: store.clone(),
            notifier: Notifier::new(
                ReportConfig::new("ums.test", "example.test"),
                DeliveryMode::Mail,
            ),
            spool: spool.to_path_buf(),
            on_rendered: Box::new(move |ids| {
                let _ = tx.lock().unwrap().send(ids);
            }),
            clock: Box::new(|| Timestamp(1_800_000_000_000)),
        },
        2,
    );
    (pool, rx)
}

/// A record as the connector stores it before the 250.
fn unrendered(store: &Store, raw: &Path, mail: &str) -> MessageId {
    std::fs::write(raw, mail).unwrap();
    let id = store.next_id().unwrap();
    let mut m = Message::new(id, Direction::Outgoing, Service::Fax, Timestamp(1));
    m.recipient_number = Some("+49895550".into());
    m.sender_address = Some("anna@example.test".into());
    m.envelope_sender = Some("anna@example.test".into());
    m.raw_mail = Some(raw.display().to_string());
    store
        .insert_batch(&[Record {
            message: m,
            job: None,
        }])
        .unwrap();
    id
}

fn wait_rendered(store: &Store) {
    for _ in 0..600 {
        if store.unrendered().unwrap().is_empty() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("still unrendered after 30 s");
}

const TEXT_MAIL: &str = "From: anna@example.test\r\nTo: 5550@fax.test\r\nSubject: offer\r\n\r\nDear Sir,\r\nplease find our offer.\r\n";

const PDF_MAIL: &str = "From: anna@example.test\r\nTo: 5551@fax.test\r\nSubject: pdf\r\nMIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\nContent-Type: text/plain\r\n\r\nSee attached.\r\n--b\r\nContent-Type: application/pdf; name=offer.pdf\r\nContent-Disposition: attachment; filename=offer.pdf\r\nContent-Transfer-Encoding: base64\r\n\r\nJVBERi0xLjQKJSVFT0YK\r\n--b--\r\n";

#[test]
fn a_text_mail_becomes_a_sendable_fax_and_its_raw_mail_goes() {
    let dir = scratch("text");
    let spool = dir.join("spool");
    let store = Store::open(&dir.join("store")).unwrap();
    let raw = spool.join("1.eml");
    let id = unrendered(&store, &raw, TEXT_MAIL);
    let (pool, rx) = pool(&store, &spool);
    pool.submit(RenderJob {
        raw: raw.clone(),
        ids: vec![id],
    });
    assert_eq!(
        rx.recv_timeout(Duration::from_secs(60)).unwrap(),
        vec![id],
        "the runner is told"
    );
    let r = store.get(id).unwrap().unwrap();
    assert!(r.message.raw_mail.is_none());
    assert_eq!(r.message.status, Status::Queued);
    assert_eq!(r.message.pages, 1, "the body on the cover page");
    let job = r.job.expect("a job now");
    assert_eq!(job.pages_total, 1);
    assert!(!job.is_done());
    let doc = r.message.document.expect("a document");
    let pages = fax_t30::tiff::read_tiff_file(Path::new(&doc)).unwrap();
    assert_eq!(pages.len(), 1);
    assert!(!raw.exists(), "the raw mail is removed");
    assert!(store.pending_mail().unwrap().is_empty(), "no notice");
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_render_error_fails_the_fax_with_a_notice_naming_the_file() {
    let dir = scratch("pdf");
    let spool = dir.join("spool");
    let store = Store::open(&dir.join("store")).unwrap();
    let raw = spool.join("1.eml");
    let id = unrendered(&store, &raw, PDF_MAIL);
    let (pool, rx) = pool(&store, &spool);
    pool.submit(RenderJob {
        raw: raw.clone(),
        ids: vec![id],
    });
    wait_rendered(&store);
    let r = store.get(id).unwrap().unwrap();
    assert_eq!(r.message.status, Status::Failed);
    assert!(r.job.is_none());
    assert!(
        r.message
            .status_reason
            .as_deref()
            .is_some_and(|s| s.contains("offer.pdf")),
        "{:?}",
        r.message.status_reason
    );
    let notices = store.pending_mail().unwrap();
    assert_eq!(notices.len(), 1, "one notice");
    assert_eq!(notices[0].recipients, vec!["anna@example.test".to_string()]);
    assert!(String::from_utf8_lossy(&notices[0].data).contains("offer.pdf"));
    assert!(rx.try_recv().is_err(), "nothing to send");
    assert!(!raw.exists());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn recovery_renders_what_a_crash_left_and_removes_stray_raw_mails() {
    let dir = scratch("recover");
    let spool = dir.join("spool");
    let store = Store::open(&dir.join("store")).unwrap();
    let a = unrendered(&store, &spool.join("a.eml"), TEXT_MAIL);
    let b = unrendered(&store, &spool.join("b.eml"), TEXT_MAIL);
    // A raw mail no record names (its records were rendered, then a crash).
    let stray = spool.join("stray.eml");
    std::fs::write(&stray, TEXT_MAIL).unwrap();
    let (pool, rx) = pool(&store, &spool);
    assert_eq!(pool.recover(&store, &spool).unwrap(), 2);
    assert!(!stray.exists(), "the stray raw mail is removed");
    let mut told: Vec<MessageId> = Vec::new();
    while told.len() < 2 {
        told.extend(rx.recv_timeout(Duration::from_secs(60)).unwrap());
    }
    told.sort();
    assert_eq!(told, vec![a, b]);
    assert!(store.unrendered().unwrap().is_empty());
    // Submitting again changes nothing: rendering is idempotent.
    let before = store.get(a).unwrap();
    pool.submit(RenderJob {
        raw: spool.join("a.eml"),
        ids: vec![a],
    });
    std::thread::sleep(Duration::from_millis(300));
    assert_eq!(store.get(a).unwrap(), before);
    let _ = std::fs::remove_dir_all(&dir);
}
