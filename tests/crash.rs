//! Nothing accepted is lost, and nobody hears twice, across a crash
//! (issues 3 and 12).
//!
//! `crash_harness` is the gateway's kernel as the daemon runs it: the
//! `MediaLoop` (loopback lines on the simulated network, the runner, the
//! store), the work pool building notices and incoming mails, outbound
//! delivery to a real Postfix, on a simulated clock. It sends outgoing
//! faxes (each from its own sender) and the network sends it faxes and
//! SMS. The tests stop it with `abort()` at a failpoint before and after
//! every write on the outgoing path (accept, call start, page confirmed,
//! call end, the notice's hand-over, the mail leaving the outbox) and on
//! the incoming path (received document kept, message stored, its mail
//! queued, the mail leaving the outbox), and with `kill -9` at random
//! moments under load (200 faxes out, 50 faxes and 50 SMS in), then
//! restart it until it is done and Postfix has delivered. Afterwards:
//!
//! * every message it reported as accepted was sent, and its sender's
//!   Maildir holds exactly one confirmation (RFC 3464 DSN, delivered);
//! * every incoming fax (as PDF, every page) and SMS is in its mailbox's
//!   Maildir exactly once, and stored once;
//! * a mail arrived twice only where docs/architecture.md ("When a mail
//!   can arrive twice") allows it: a crash interrupted its delivery (its
//!   attempt had begun, its removal from the outbox was not written), at
//!   most one per crash;
//! * the fax machines got every page; a page arrived twice only where
//!   "When a page can be sent twice" allows it: its call was in progress at
//!   a crash (the restart found the job active), at most once per crash;
//! * no delivery was deferred or bounced, no fax a caller saw through was
//!   left unstored, nothing is left marked or in the outbox, and no
//!   reception a crash cut short is left in the spool.
//!
//! The failpoint tests share one Postfix; each scenario's gateway has its
//! own host name in the Message-IDs, so its mails are told apart. A
//! scenario's data directory is kept under `target/test-scratch/` only
//! when a check failed.

use std::collections::{BTreeMap, HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use kernel::job::{Final, JobState};
use kernel::message::{Direction, Service, Status};
use kernel::store::Store;
use mail_parser::{MessageParser, MimeHeaders};
use rand::{Rng, SeedableRng};
use system_tests::crash_load::{
    fax_caller, mailboxes, site_plan, sms_text, stored_number, DOMAIN, FAX_MAILBOX, POSTMASTER,
    SMS_MAILBOX,
};
use test_kit::Postfix;

/// Postfix's port (each test has a network namespace of its own).
const SMTP_PORT: u16 = 2525;

/// What the harness is given to do.
#[derive(Debug, Clone, Copy)]
struct Load {
    out: usize,
    fax_in: usize,
    sms_in: usize,
    pages: u32,
}

/// A data directory the harness is run on until it is done.
struct Scenario {
    name: String,
    dir: PathBuf,
    load: Load,
    runs: usize,
    crashes: usize,
}

/// What a finished scenario came to.
#[derive(Debug, Default)]
struct Figures {
    runs: usize,
    crashes: usize,
    /// Pages a fax machine got twice (each allowed by a crash mid-call).
    duplicate_pages: usize,
    /// Mails a Maildir got twice (each allowed by a crash mid-delivery).
    duplicate_mails: usize,
}

/// A scenario's data directory under the target dir, emptied at start;
/// removed by the test when every check passed, kept for inspection when
/// one failed.
fn scratch_dir(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../target/test-scratch")
        .join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("create scratch dir");
    dir
}

impl Scenario {
    fn new(name: &str, load: Load) -> Scenario {
        let name: String = (name.chars())
            .map(|c| if c.is_ascii_alphanumeric() { c } else { '-' })
            .collect();
        Scenario {
            dir: scratch_dir(&format!("crash-{name}")),
            name,
            load,
            runs: 0,
            crashes: 0,
        }
    }

    /// The gateway's name in this scenario's Message-IDs.
    fn host(&self) -> String {
        format!("{}.crash.test", self.name)
    }

    /// Run the harness once with `failpoint`, killed (SIGKILL) after
    /// `kill_after`. True when it finished.
    fn run(&mut self, failpoint: Option<&str>, kill_after: Option<Duration>) -> bool {
        let l = self.load;
        let stderr = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(self.dir.join("stderr.log"))
            .expect("stderr.log");
        let mut cmd = Command::new(env!("CARGO_BIN_EXE_crash_harness"));
        cmd.arg(&self.dir)
            .args([l.out, l.fax_in, l.sms_in, l.pages as usize].map(|n| n.to_string()))
            .arg(SMTP_PORT.to_string())
            .arg(self.host())
            .stdout(Stdio::null())
            .stderr(stderr);
        match failpoint {
            Some(f) => cmd.env("UMS_FAILPOINT", f),
            None => cmd.env_remove("UMS_FAILPOINT"),
        };
        let mut child = cmd.spawn().expect("harness starts");
        #[allow(clippy::disallowed_methods)] // test: real time for the kill
        let start = Instant::now();
        let status = loop {
            if let Some(status) = child.try_wait().expect("wait") {
                break status;
            }
            let late = kill_after.is_some_and(|d| start.elapsed() >= d);
            if late || start.elapsed() > Duration::from_secs(600) {
                let _ = child.kill(); // SIGKILL
                assert!(late, "{}: the harness hangs", self.name);
                break child.wait().expect("wait");
            }
            std::thread::sleep(Duration::from_millis(5));
        };
        self.runs += 1;
        if !status.success() {
            self.crashes += 1;
        }
        status.success()
    }

    /// Restart until it finishes.
    fn finish(&mut self) {
        for _ in 0..20 {
            if self.run(None, None) {
                return;
            }
        }
        panic!("{}: the harness never finished", self.name);
    }
}

/// One run of the harness, from its `events.log`.
#[derive(Debug, Default)]
struct RunLog {
    /// Calls in progress at the crash before it (`INFLIGHT`).
    inflight: Vec<u64>,
    accepted: Vec<(u64, String)>,
    /// Message-IDs whose delivery began, and those that left the outbox.
    sending: Vec<String>,
    sent: HashSet<String>,
    done: bool,
    /// `DEFERRED`, `BOUNCED`, `UNSTORED` lines.
    trouble: Vec<String>,
}

fn read_events(dir: &Path) -> Vec<RunLog> {
    let text = std::fs::read_to_string(dir.join("events.log")).expect("events.log");
    let mut runs: Vec<RunLog> = Vec::new();
    for line in text.lines() {
        let (word, rest) = line.split_once(' ').unwrap_or((line, ""));
        if word == "START" {
            runs.push(RunLog::default());
            continue;
        }
        let run = runs.last_mut().expect("START first");
        match word {
            "INFLIGHT" => run.inflight.push(rest.parse().expect("id")),
            "ACCEPTED" => {
                let (id, sender) = rest.split_once(' ').expect("id sender");
                run.accepted.push((id.parse().expect("id"), sender.into()));
            }
            "SENDING" => run.sending.push(bare(rest)),
            "SENT" => {
                run.sent.insert(bare(rest));
            }
            "DONE" => run.done = true,
            // A line cut by a kill is closed by the next run.
            "" => {}
            _ => run.trouble.push(line.into()),
        }
    }
    runs
}

/// A Message-ID without its angle brackets.
fn bare(id: &str) -> String {
    id.trim()
        .trim_start_matches('<')
        .trim_end_matches('>')
        .into()
}

/// Every check of the module docs, once Postfix has delivered.
fn verify(s: &Scenario, pf: &Postfix) -> Figures {
    let l = s.load;
    let host = s.host();
    let runs = read_events(&s.dir);
    let (last, crashed) = runs.split_last().expect("a run");
    assert!(last.done, "{}: the last run did not finish", s.name);
    assert!(crashed.iter().all(|r| !r.done));
    let trouble: Vec<&String> = runs.iter().flat_map(|r| &r.trouble).collect();
    assert!(trouble.is_empty(), "{}: {trouble:?}", s.name);

    // A mail may arrive twice for each crashed run whose delivery of it
    // had begun and not ended (one mail at a time is being delivered).
    let mut may_repeat: HashMap<String, usize> = HashMap::new();
    for r in crashed {
        let cut: Vec<&String> = r
            .sending
            .iter()
            .filter(|id| !r.sent.contains(*id))
            .collect();
        assert!(cut.len() <= 1, "{}: {cut:?} all cut at one crash", s.name);
        for id in cut {
            *may_repeat.entry(id.clone()).or_default() += 1;
        }
    }
    // A page may arrive twice for each restart that found its call active.
    let mut inflight: HashMap<u64, usize> = HashMap::new();
    for id in runs.iter().flat_map(|r| &r.inflight) {
        *inflight.entry(*id).or_default() += 1;
    }

    // The store: every job final and sent, every incoming message once,
    // nothing marked, the outbox empty.
    let store = Store::open(&s.dir.join("store")).expect("store opens");
    let plan = site_plan();
    let mut outgoing: BTreeMap<String, kernel::store::Record> = BTreeMap::new();
    let mut faxes: HashMap<String, u32> = HashMap::new();
    let mut texts: HashMap<String, u32> = HashMap::new();
    for rec in store.all() {
        let rec = rec.expect("record readable");
        let m = &rec.message;
        assert!(m.pending.is_empty(), "{}: still marked: {m:?}", s.name);
        match (m.direction, m.service) {
            (Direction::Outgoing, _) => {
                let job = rec.job.as_ref().expect("job");
                assert_eq!(job.state, JobState::Done(Final::Sent), "{}: {m:?}", s.name);
                assert_eq!(job.pages_confirmed, l.pages);
                let sender = m.envelope_sender.clone().expect("sender");
                assert!(
                    outgoing.insert(sender, rec.clone()).is_none(),
                    "{}: sender twice",
                    s.name
                );
            }
            (Direction::Incoming, Service::Fax) => {
                assert_eq!(m.status, Status::Delivered, "{}: {m:?}", s.name);
                assert_eq!(m.pages, l.pages, "{}: {m:?}", s.name);
                *faxes
                    .entry(m.caller_number.clone().expect("caller"))
                    .or_default() += 1;
            }
            (Direction::Incoming, Service::Sms) => {
                assert_eq!(m.status, Status::Delivered, "{}: {m:?}", s.name);
                *texts.entry(m.text.clone().expect("text")).or_default() += 1;
            }
            _ => panic!("{}: unexpected record {m:?}", s.name),
        }
    }
    let left: Vec<_> = (store.pending_mail().expect("outbox").iter())
        .map(|m| m.message_id())
        .collect();
    assert!(left.is_empty(), "{}: left in the outbox: {left:?}", s.name);
    // Receptions a crash cut short are not left in the spool.
    let stray: Vec<String> = std::fs::read_dir(s.dir.join("spool"))
        .expect("spool")
        .filter_map(Result::ok)
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with("rx-"))
        .collect();
    assert!(stray.is_empty(), "{}: left in the spool: {stray:?}", s.name);
    // A message stored but killed before "ACCEPTED" was written is one the
    // client never heard about: kept and sent anyway (its retry would be a
    // duplicate message, as with any MTA).
    assert_eq!(outgoing.len(), l.out, "{}", s.name);
    for (id, sender) in runs.iter().flat_map(|r| &r.accepted) {
        let rec = outgoing
            .get(sender)
            .unwrap_or_else(|| panic!("{sender}: accepted, lost"));
        assert_eq!(rec.message.id.0, *id, "{}: {sender}", s.name);
    }
    for i in 0..l.fax_in {
        let caller = stored_number(&plan, &fax_caller(i));
        assert_eq!(
            faxes.get(&caller),
            Some(&1),
            "{}: fax from {caller}",
            s.name
        );
    }
    for i in 0..l.sms_in {
        let text = sms_text(i);
        assert_eq!(texts.get(&text), Some(&1), "{}: {text}", s.name);
    }
    assert_eq!(faxes.len(), l.fax_in);
    assert_eq!(texts.len(), l.sms_in);

    let mut figures = Figures {
        runs: runs.len(),
        crashes: crashed.len(),
        ..Figures::default()
    };
    // The fax machines: every page, twice only after a crash mid-call.
    for rec in outgoing.values() {
        let number = rec.message.dial_string.as_deref().expect("dial string");
        let got = pages_at(&s.dir.join("net").join(number));
        let id = rec.message.id.0;
        assert!(got >= l.pages, "{}: {number} got {got} pages", s.name);
        let twice = (got - l.pages) as usize;
        let allowed = inflight.get(&id).copied().unwrap_or(0);
        assert!(
            twice <= allowed,
            "{}: {number} got {twice} pages twice, {allowed} crash(es) in its calls",
            s.name
        );
        figures.duplicate_pages += twice;
    }

    // The Maildirs: each mail of this scenario once, or again where a
    // crash interrupted its delivery.
    let mut seen: HashMap<String, usize> = HashMap::new();
    let mut mails_of = |user: &str| -> Vec<mail_parser::Message<'static>> {
        let mut out = Vec::new();
        for (path, bytes) in pf.mails(user) {
            let m = MessageParser::default()
                .parse(&bytes[..])
                .unwrap_or_else(|| panic!("{}: not a mail", path.display()))
                .into_owned();
            let id = m.message_id().unwrap_or_default().to_string();
            if !id.ends_with(&format!("@{host}")) {
                continue; // another scenario's
            }
            let n = seen.entry(id.clone()).or_default();
            *n += 1;
            if *n > 1 {
                figures.duplicate_mails += 1;
                continue;
            }
            out.push(m);
        }
        out
    };
    for (sender, rec) in &outgoing {
        let user = (sender.strip_suffix(&format!("@{DOMAIN}"))).expect("our sender");
        let mails = mails_of(user);
        assert_eq!(
            mails.len(),
            1,
            "{}: {sender} has {} notices",
            s.name,
            mails.len()
        );
        let id = mails[0].message_id().unwrap_or_default();
        let want = format!("{}.delivered.", rec.message.id);
        assert!(id.starts_with(&want), "{}: {sender} got {id}", s.name);
    }
    let fax_mails = mails_of(FAX_MAILBOX);
    assert_eq!(fax_mails.len(), l.fax_in, "{}: fax mails", s.name);
    let mut callers = HashSet::new();
    for m in &fax_mails {
        let from = m.from().and_then(|a| a.first()).and_then(|a| a.name());
        callers.insert(from.expect("caller as the From name").to_string());
        let pdf = (m.attachments())
            .find(|a| a.content_type().is_some_and(|c| c.subtype() == Some("pdf")))
            .expect("the fax as PDF");
        let pdf = pdf.contents();
        assert!(pdf.starts_with(b"%PDF-"));
        let pages = pdf.windows(12).filter(|w| w == b"/Type /Page ").count();
        assert_eq!(pages, l.pages as usize, "{}: PDF pages", s.name);
    }
    assert_eq!(callers.len(), l.fax_in, "{}: {callers:?}", s.name);
    let sms_mails = mails_of(SMS_MAILBOX);
    assert_eq!(sms_mails.len(), l.sms_in, "{}: SMS mails", s.name);
    let mut got_texts = HashSet::new();
    for m in &sms_mails {
        let body = m.body_text(0).expect("text").to_string();
        let text = (0..l.sms_in)
            .map(sms_text)
            .find(|t| body.contains(t.as_str()))
            .expect("an SMS text in the mail");
        got_texts.insert(text);
    }
    assert_eq!(got_texts.len(), l.sms_in);
    assert!(mails_of(POSTMASTER).is_empty(), "{}: error notices", s.name);
    for (id, n) in &seen {
        let allowed = may_repeat.get(id).copied().unwrap_or(0);
        assert!(
            n - 1 <= allowed,
            "{}: {id} arrived {n} times, its delivery cut by {allowed} crash(es)",
            s.name
        );
    }
    figures
}

/// Pages a virtual fax machine kept, over all its calls (a file a crash
/// cut short counts the pages it holds).
fn pages_at(dir: &Path) -> u32 {
    let Ok(entries) = std::fs::read_dir(dir) else {
        return 0;
    };
    entries
        .filter_map(Result::ok)
        .filter(|e| e.file_name().to_string_lossy().starts_with("fax-"))
        .map(|e| fax_t30::tiff::read_tiff_file(e.path()).map_or(0, |p| p.len() as u32))
        .sum()
}

/// Each scenario: its failpoints, one per run, then runs until done.
fn crash_at_each(test: &str, load: Load, scenarios: &[&[&str]]) {
    // Nothing is relayed to a gateway here (port 9: discard).
    let pf = Postfix::start_with_users(test, SMTP_PORT, 9, &mailboxes(load.out));
    let mut done = Vec::new();
    for points in scenarios {
        let mut s = Scenario::new(&format!("{test}-{}", points.join("+")), load);
        for point in *points {
            assert!(!s.run(Some(point), None), "{point} must stop the process");
        }
        s.finish();
        done.push(s);
    }
    pf.wait_delivered(Duration::from_secs(120));
    let mut total = Figures::default();
    for s in &done {
        let f = verify(s, &pf);
        eprintln!("{}: {f:?}", s.name);
        // Kept only when a check failed.
        let _ = std::fs::remove_dir_all(&s.dir);
        total.runs += f.runs;
        total.crashes += f.crashes;
        total.duplicate_pages += f.duplicate_pages;
        total.duplicate_mails += f.duplicate_mails;
        // The mail the server took just before the crash is sent again.
        if s.name.starts_with(&format!("{test}-before-outbox-remove")) {
            assert_eq!(f.duplicate_mails, 1, "{}", s.name);
        }
    }
    eprintln!("{test}: {} scenarios, {total:?}", done.len());
}

/// `before:x@n` and `after:x@n` for each of `nths`.
fn both(name: &str, nths: &[u32]) -> Vec<String> {
    let mut out = Vec::new();
    for n in nths {
        out.push(format!("before:{name}@{n}"));
        out.push(format!("after:{name}@{n}"));
    }
    out
}

#[test]
fn a_crash_at_each_write_of_the_outgoing_path_loses_nothing() {
    // 12 faxes of 2 pages: 2 group commits, 12 calls (5 at once), 24
    // pages, 12 notices queued and delivered.
    let load = Load {
        out: 12,
        fax_in: 0,
        sms_in: 0,
        pages: 2,
    };
    let mut points = Vec::new();
    points.extend(both("insert", &[1, 2]));
    points.extend(both("Start", &[1, 7]));
    points.extend(both("PageConfirmed", &[1, 2, 9, 20]));
    points.extend(both("AttemptEnded", &[1, 12]));
    points.extend(both("Delivered", &[1, 6, 12]));
    points.extend(both("outbox-remove", &[1, 6, 12]));
    let mut scenarios: Vec<Vec<&str>> = points.iter().map(|p| vec![p.as_str()]).collect();
    // Crash mid-call, then again while the restart resolves those calls.
    scenarios.push(vec!["before:PageConfirmed@3", "before:Recover@1"]);
    scenarios.push(vec!["after:PageConfirmed@3", "after:Recover@2"]);
    let scenarios: Vec<&[&str]> = scenarios.iter().map(Vec::as_slice).collect();
    crash_at_each("out", load, &scenarios);
}

#[test]
fn a_crash_at_each_write_of_the_incoming_path_loses_nothing() {
    // 4 faxes of 2 pages and 4 SMS: 4 documents kept, 8 messages stored,
    // 8 mails queued and delivered.
    let load = Load {
        out: 0,
        fax_in: 4,
        sms_in: 4,
        pages: 2,
    };
    let mut points = Vec::new();
    points.extend(both("received-document", &[1, 4]));
    points.extend(both("Received", &[1, 5, 8]));
    points.extend(both("Delivered", &[1, 4, 8]));
    points.extend(both("outbox-remove", &[1, 5, 8]));
    let scenarios: Vec<Vec<&str>> = points.iter().map(|p| vec![p.as_str()]).collect();
    let scenarios: Vec<&[&str]> = scenarios.iter().map(Vec::as_slice).collect();
    crash_at_each("in", load, &scenarios);
}

#[test]
fn random_kill_9_under_load_loses_nothing() {
    let load = Load {
        out: 200,
        fax_in: 50,
        sms_in: 50,
        pages: 1,
    };
    let pf = Postfix::start_with_users("load", SMTP_PORT, 9, &mailboxes(load.out));
    let mut s = Scenario::new("random-kill-9", load);
    let mut rng = rand::rngs::SmallRng::seed_from_u64(0x5eed);
    #[allow(clippy::disallowed_methods)] // test: the figure for the report
    let start = Instant::now();
    let mut done = false;
    // A clean run takes about 12 s of CPU here: kill early and often.
    for _ in 0..80 {
        let after = Duration::from_millis(rng.gen_range(100..1200));
        if s.run(None, Some(after)) {
            done = true;
            break;
        }
    }
    // 14 to 22 here; fewer on a much faster machine.
    assert!(
        s.crashes >= 5,
        "the test must crash the gateway ({})",
        s.crashes
    );
    if !done {
        s.finish();
    }
    pf.wait_delivered(Duration::from_secs(120));
    let f = verify(&s, &pf);
    eprintln!("{}: {f:?} in {:?}", s.name, start.elapsed());
    let _ = std::fs::remove_dir_all(&s.dir);
}
