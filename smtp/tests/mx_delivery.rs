//! Direct delivery without a smart host: the MX of each recipient's domain,
//! looked up in a private dnsmasq (on a loopback port, with its own zone
//! `.test`), and Postfix's `smtp-sink` as the MX hosts on 127.0.0.1 and
//! 127.0.0.2. Every process a test starts is stopped when it ends.
//!
//! Checked: MX found and used; MX preference order with fall-back to the
//! next host; the implicit MX (A record, no MX); a null MX and NXDOMAIN
//! are permanent and produce the notice to the default recipient; an MX
//! host that does not listen and a dead name server are temporary; a mail
//! for two domains is one transaction per domain, and a domain that took
//! it is not sent it again when the other is retried.

use std::net::{SocketAddr, TcpStream};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use kernel::message::Timestamp;
use kernel::notify::{DeliveryMode, Notifier};
use kernel::report::{error_notice, ErrorReport, Language, OutgoingMail, ReportConfig};
use kernel::store::Store;
use smtp::outbound::{Attempt, Delivery, OutboundConfig};
use test_kit::Scratch;

fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("..")
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
        .unwrap_or(false)
}

/// Wait until something accepts TCP connections on `addr`.
fn wait_listening(addr: &str, what: &str) {
    let addr: SocketAddr = addr.parse().unwrap();
    for _ in 0..200 {
        if TcpStream::connect_timeout(&addr, Duration::from_millis(100)).is_ok() {
            return;
        }
        std::thread::sleep(Duration::from_millis(25));
    }
    panic!("{what} does not listen on {addr}");
}

fn dnsmasq_path() -> PathBuf {
    let find = || {
        ["/usr/sbin/dnsmasq", "/usr/bin/dnsmasq"]
            .iter()
            .map(PathBuf::from)
            .find(|p| p.exists())
    };
    if let Some(p) = find() {
        return p;
    }
    // Installs the test packages (dnsmasq-base among them) when root.
    let _ = Command::new("bash")
        .arg(root().join("scripts/setup.sh"))
        .arg("--test")
        .status();
    find().expect("dnsmasq not found: run scripts/setup.sh --test as root")
}

/// A dnsmasq answering for `.test` from its command line only: unknown
/// names get NXDOMAIN, nothing is forwarded.
struct Dns {
    child: Child,
    addr: SocketAddr,
}

impl Dns {
    fn start(port: u16, records: &[&str]) -> Dns {
        let mut cmd = Command::new(dnsmasq_path());
        cmd.args([
            "--keep-in-foreground",
            &format!("--port={port}"),
            "--listen-address=127.0.0.1",
            "--bind-interfaces",
            "--no-resolv",
            "--no-hosts",
            "--conf-file=/dev/null",
            "--pid-file=",
            "--local=/test/",
        ]);
        cmd.args(records)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit());
        let child = cmd.spawn().expect("start dnsmasq");
        let dns = Dns {
            child,
            addr: format!("127.0.0.1:{port}").parse().unwrap(),
        };
        // dnsmasq answers on TCP too: ready when that port is.
        wait_listening(&dns.addr.to_string(), "dnsmasq");
        dns
    }
}

impl Drop for Dns {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Postfix's smtp-sink: every transaction to one file in `dir`, with
/// `X-Rcpt-Args:` lines for the envelope.
struct Sink {
    child: Child,
    dir: PathBuf,
}

impl Sink {
    fn start(ip: &str, port: u16, dir: &Path) -> Sink {
        let _ = std::fs::remove_dir_all(dir);
        std::fs::create_dir_all(dir).unwrap();
        let mut cmd = Command::new("smtp-sink");
        if is_root() {
            // smtp-sink insists on dropping privileges when run as root.
            cmd.args(["-u", "root"]);
        }
        let child = cmd
            .arg("-d")
            .arg(format!("{}/%M.", dir.display()))
            .arg(format!("{ip}:{port}"))
            .arg("10")
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .expect("start smtp-sink (package postfix)");
        let sink = Sink {
            child,
            dir: dir.to_path_buf(),
        };
        wait_listening(&format!("{ip}:{port}"), "smtp-sink");
        sink
    }

    /// The complete transactions so far (a file is complete once the
    /// message's last line is in it).
    fn mails(&self) -> Vec<String> {
        let mut out: Vec<String> = std::fs::read_dir(&self.dir)
            .unwrap()
            .filter_map(|e| std::fs::read_to_string(e.unwrap().path()).ok())
            .collect();
        out.sort();
        out
    }

    /// Wait for `count` mails, each complete when `done` says so.
    fn wait_mails(&self, count: usize, done: impl Fn(&str) -> bool) -> Vec<String> {
        for _ in 0..200 {
            let m = self.mails();
            if m.len() >= count && m.iter().all(|t| done(t)) {
                return m;
            }
            std::thread::sleep(Duration::from_millis(25));
        }
        panic!(
            "expected {count} mails in {}, have {:?}",
            self.dir.display(),
            self.mails()
        );
    }
}

impl Drop for Sink {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// Every mail the tests send ends with this line.
const END: &str = "end-of-test-mail";

fn mail(cfg: &ReportConfig, to: &[&str], summary: &str) -> OutgoingMail {
    let mut m = error_notice(
        cfg,
        &ErrorReport {
            message: None,
            summary,
            detail: Some(END),
            language: Language::En,
            now: Timestamp(1_800_000_000_000),
        },
    );
    m.recipients = to.iter().map(|s| s.to_string()).collect();
    m.kind = kernel::report::MailKind::Confirmation;
    m
}

/// A test mail is complete once its last line arrived.
fn ends(mail: &str) -> bool {
    mail.contains(END)
}

fn rcpts(mail: &str) -> Vec<String> {
    mail.lines()
        .filter_map(|l| l.strip_prefix("X-Rcpt-Args: "))
        .map(|a| a.trim().trim_matches(['<', '>']).to_ascii_lowercase())
        .collect()
}

fn body_text(mail: &str) -> String {
    let parsed = mail_parser::MessageParser::default()
        .parse(mail.as_bytes())
        .expect("a mail");
    parsed
        .body_text(0)
        .map(|t| t.into_owned())
        .unwrap_or_default()
}

struct Setup {
    store: Store,
    delivery: Delivery,
    dead: PathBuf,
    cfg: ReportConfig,
    dir: Scratch,
}

fn setup(name: &str, resolver: SocketAddr, mx_port: u16, timeout_secs: u64) -> Setup {
    let dir = Scratch::new(name);
    let store = Store::open(&dir.join("store")).unwrap();
    let mut cfg = ReportConfig::new("ums.example.test", "example.test");
    cfg.default_recipient = "postmaster@notices.test".to_string();
    let dead = dir.join("dead-letter");
    let delivery = delivery(&store, &cfg, &dead, resolver, mx_port, timeout_secs);
    Setup {
        store,
        delivery,
        dead,
        cfg,
        dir,
    }
}

/// A delivery on `store`, as a (re)started gateway makes it.
fn delivery(
    store: &Store,
    cfg: &ReportConfig,
    dead: &std::path::Path,
    resolver: SocketAddr,
    mx_port: u16,
    timeout_secs: u64,
) -> Delivery {
    Delivery::new(
        store.clone(),
        OutboundConfig {
            smart_host: None,
            resolver: Some(vec![resolver]),
            mx_port,
            dead_letter_dir: dead.to_path_buf(),
            backoff_secs: vec![10, 60],
            max_attempts: 3,
            hello_name: "ums.example.test".into(),
            timeout: Duration::from_secs(timeout_secs),
        },
        Notifier::new(cfg.clone(), DeliveryMode::Mail),
    )
}

fn rt() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
}

#[test]
fn mail_goes_to_the_mx_hosts_found_in_dns() {
    const SINK: u16 = 2861;
    let dns = Dns::start(
        5391,
        &[
            "--mx-host=mx.test,mail1.mx.test,10",
            "--host-record=mail1.mx.test,127.0.0.1",
            // The preferred host does not listen; the next one does.
            "--mx-host=pref.test,good.pref.test,20",
            "--mx-host=pref.test,bad.pref.test,5",
            "--host-record=bad.pref.test,127.0.0.2",
            "--host-record=good.pref.test,127.0.0.1",
            // No MX at all: the domain's own address.
            "--host-record=amx.test,127.0.0.1",
        ],
    );
    let mut s = setup("mx_ok", dns.addr, SINK, 3);
    let sink = Sink::start("127.0.0.1", SINK, &s.dir.join("sink"));
    let rt = rt();

    s.store
        .enqueue_mail(&mail(&s.cfg, &["anna@mx.test"], "hello anna"))
        .unwrap();
    assert_eq!(
        rt.block_on(s.delivery.deliver_due(Timestamp(0))).unwrap(),
        1
    );
    assert!(s.store.pending_mail().unwrap().is_empty());
    let got = sink.wait_mails(1, ends);
    assert_eq!(rcpts(&got[0]), vec!["anna@mx.test"]);
    assert!(got[0].contains("hello anna"));

    s.store
        .enqueue_mail(&mail(&s.cfg, &["bob@pref.test"], "hello bob"))
        .unwrap();
    s.store
        .enqueue_mail(&mail(&s.cfg, &["carl@AMX.test"], "hello carl"))
        .unwrap();
    assert_eq!(
        rt.block_on(s.delivery.deliver_due(Timestamp(1))).unwrap(),
        2
    );
    assert!(s.store.pending_mail().unwrap().is_empty());
    let got = sink.wait_mails(3, ends);
    let mut all: Vec<String> = got.iter().flat_map(|m| rcpts(m)).collect();
    all.sort();
    assert_eq!(all, vec!["anna@mx.test", "bob@pref.test", "carl@amx.test"]);
    assert_eq!(s.delivery.metrics.delivered, 3);
    assert_eq!(s.delivery.metrics.deferred, 0);
    assert!(!s.dead.exists());
}

#[test]
fn null_mx_and_nxdomain_fail_permanently_with_a_notice() {
    const SINK: u16 = 2862;
    let dns = Dns::start(
        5392,
        &[
            "--mx-host=nullmx.test,.,0",
            "--mx-host=notices.test,mx.notices.test,10",
            "--host-record=mx.notices.test,127.0.0.1",
        ],
    );
    let mut s = setup("mx_perm", dns.addr, SINK, 3);
    let sink = Sink::start("127.0.0.1", SINK, &s.dir.join("sink"));
    let rt = rt();

    s.store
        .enqueue_mail(&mail(&s.cfg, &["anna@nullmx.test"], "to a null MX"))
        .unwrap();
    s.store
        .enqueue_mail(&mail(&s.cfg, &["bob@nowhere.test"], "to nowhere"))
        .unwrap();
    // Both fail for good at once: no retry, the originals become dead
    // letters and two notices for the default recipient are queued.
    assert_eq!(
        rt.block_on(s.delivery.deliver_due(Timestamp(0))).unwrap(),
        2
    );
    assert_eq!(s.delivery.metrics.bounced, 2);
    assert_eq!(s.delivery.metrics.deferred, 0);
    let reasons: Vec<String> = std::fs::read_dir(&s.dead)
        .unwrap()
        .map(|e| std::fs::read_to_string(e.unwrap().path()).unwrap())
        .map(|t| t.lines().next().unwrap().to_string())
        .collect();
    assert_eq!(reasons.len(), 2);
    assert!(reasons.iter().any(|r| r.contains("null MX")), "{reasons:?}");
    assert!(
        reasons
            .iter()
            .any(|r| r.contains("nowhere.test does not exist")),
        "{reasons:?}"
    );
    let pending = s.store.pending_mail().unwrap();
    assert_eq!(pending.len(), 2);
    assert!(pending
        .iter()
        .all(|m| m.recipients == vec!["postmaster@notices.test".to_string()]));

    // The notices go out by MX like any mail.
    assert_eq!(
        rt.block_on(s.delivery.deliver_due(Timestamp(1))).unwrap(),
        2
    );
    let got = sink.wait_mails(2, |m| body_text(m).contains("dead-letter directory"));
    let texts: Vec<String> = got.iter().map(|m| body_text(m)).collect();
    for m in &got {
        assert_eq!(rcpts(m), vec!["postmaster@notices.test"]);
    }
    assert!(
        texts
            .iter()
            .any(|t| t.contains("anna@nullmx.test") && t.contains("accepts no mail")),
        "{texts:?}"
    );
    assert!(
        texts
            .iter()
            .any(|t| t.contains("bob@nowhere.test") && t.contains("does not exist")),
        "{texts:?}"
    );
    assert!(s.store.pending_mail().unwrap().is_empty());
}

#[test]
fn a_silent_mx_host_or_name_server_is_a_temporary_failure() {
    let dns = Dns::start(
        5393,
        &[
            "--mx-host=dead.test,mail.dead.test,10",
            "--host-record=mail.dead.test,127.0.0.2",
        ],
    );
    // Nothing listens on 127.0.0.2:2863.
    let mut s = setup("mx_temp", dns.addr, 2863, 3);
    let rt = rt();
    s.store
        .enqueue_mail(&mail(&s.cfg, &["anna@dead.test"], "nobody home"))
        .unwrap();
    assert_eq!(
        rt.block_on(s.delivery.deliver_due(Timestamp(0))).unwrap(),
        0
    );
    assert_eq!(s.delivery.metrics.deferred, 1);
    assert_eq!(s.delivery.metrics.bounced, 0);
    let pending = s.store.pending_mail().unwrap();
    assert_eq!(pending.len(), 1);
    assert!(!s.dead.exists());
    match rt.block_on(s.delivery.send(&pending[0])) {
        Attempt::Temporary(r) => assert!(r.contains("mail.dead.test [127.0.0.2]:2863"), "{r}"),
        other => panic!("{other:?}"),
    }

    // A name server that does not answer: temporary too (1 s per query).
    drop(dns);
    let mut s = setup("mx_nodns", "127.0.0.1:5390".parse().unwrap(), 2863, 1);
    s.store
        .enqueue_mail(&mail(&s.cfg, &["anna@mx.test"], "no DNS"))
        .unwrap();
    assert_eq!(
        rt.block_on(s.delivery.deliver_due(Timestamp(0))).unwrap(),
        0
    );
    assert_eq!(s.delivery.metrics.deferred, 1);
    assert_eq!(s.delivery.metrics.bounced, 0);
    let pending = s.store.pending_mail().unwrap();
    assert_eq!(pending.len(), 1);
    match rt.block_on(s.delivery.send(&pending[0])) {
        Attempt::Temporary(r) => assert!(r.contains("DNS lookup for mx.test failed"), "{r}"),
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_mail_for_two_domains_is_sent_per_domain_and_only_retried_where_it_failed() {
    const PORT: u16 = 2864;
    let dns = Dns::start(
        5394,
        &[
            "--mx-host=one.test,mx.one.test,10",
            "--host-record=mx.one.test,127.0.0.1",
            "--mx-host=two.test,mx.two.test,10",
            "--host-record=mx.two.test,127.0.0.2",
        ],
    );
    let mut s = setup("mx_split", dns.addr, PORT, 3);
    let one = Sink::start("127.0.0.1", PORT, &s.dir.join("sink-one"));
    let rt = rt();
    let mail_id = s
        .store
        .enqueue_mail(&mail(
            &s.cfg,
            &["anna@one.test", "bob@two.test", "anne@ONE.test"],
            "for two domains",
        ))
        .unwrap();
    let t = Timestamp(1_000_000);
    // one.test takes it (both recipients in one transaction); two.test
    // does not listen yet.
    assert_eq!(rt.block_on(s.delivery.deliver_due(t)).unwrap(), 0);
    assert_eq!(s.delivery.metrics.deferred, 1);
    assert_eq!(s.store.pending_mail().unwrap().len(), 1);
    let got = one.wait_mails(1, ends);
    assert_eq!(got.len(), 1);
    assert_eq!(rcpts(&got[0]), vec!["anna@one.test", "anne@one.test"]);
    let progress = s.store.mail_progress(mail_id).unwrap().expect("kept");
    assert_eq!(progress.attempts, 1);
    assert!(progress.accepted.contains("one.test"), "{progress:?}");

    // The gateway restarts: the store is reopened, the delivery made anew.
    // How far the mail got (one attempt, one.test done) is in the store.
    let Setup {
        store,
        delivery: d,
        dead,
        cfg,
        dir,
    } = s;
    drop(d);
    drop(store);
    let store = Store::open(&dir.join("store")).unwrap();
    let delivery = delivery(&store, &cfg, &dead, dns.addr, PORT, 3);
    let mut s = Setup {
        store,
        delivery,
        dead,
        cfg,
        dir,
    };
    let two = Sink::start("127.0.0.2", PORT, &s.dir.join("sink-two"));
    // The backoff goes on where it was: not yet due.
    assert_eq!(
        rt.block_on(s.delivery.deliver_due(t.plus_secs(5))).unwrap(),
        0
    );
    std::thread::sleep(Duration::from_millis(300));
    assert!(
        two.mails().is_empty(),
        "retried before its backoff was over"
    );
    assert_eq!(
        rt.block_on(s.delivery.deliver_due(t.plus_secs(10)))
            .unwrap(),
        1
    );
    assert!(s.store.pending_mail().unwrap().is_empty());
    let got = two.wait_mails(1, ends);
    assert_eq!(rcpts(&got[0]), vec!["bob@two.test"]);
    // one.test was not sent it again.
    std::thread::sleep(Duration::from_millis(200));
    assert_eq!(one.mails().len(), 1);
    assert_eq!(s.delivery.metrics.delivered, 1);
    assert_eq!(s.delivery.metrics.bounced, 0);
    assert_eq!(s.store.mail_progress(mail_id).unwrap(), None);
}
