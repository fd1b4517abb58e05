//! The kernel end to end on loopback lines and the simulated clock:
//! incoming faxes routed and mailed (or kept, in local-store mode),
//! confirmations as DSNs in the outbox, priorities, line-group limits, the
//! low-priority window, cancel and delete with their notices.

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::time::Instant;

use fax_t30::media::FRAME_DURATION;
use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use kernel::directory::Directory;
use kernel::job::{Effect, RetryPolicy};
use kernel::message::{Direction, MessageId, Status, Timestamp};
use kernel::notify::{DeliveryMode, Notifier};
use kernel::numbering::NumberingPlan;
use kernel::report::{Language, ReportConfig};
use kernel::routing::{Router, Rule};
use kernel::runner::{outgoing_fax, Handoff, InboundConfig, LineSpec, Runner, RunnerConfig};
use kernel::store::Store;
use line_drivers::fax_machine::{FaxMachineScript, VirtualFaxMachine};
use line_drivers::loopback::{ExchangeConfig, SharedExchange};
use line_drivers::{Line, LineCaps};
use mail_parser::{MessageParser, MimeHeaders};
use test_kit::{origin, Scratch};

fn document(dir: &Path, name: &str, pages: u32) -> PathBuf {
    let res = Resolution::Standard;
    let tiff: Vec<_> = (0..pages)
        .map(|i| {
            let p = BilevelPage::test_pattern(
                PaperSize::A4.width(),
                PaperSize::A4.rows(res),
                res,
                90 + i as u64,
            );
            fax_t30::tiff::TiffPage::from_page(&p, fax_t30::codec::Compression::T6)
        })
        .collect();
    let path = dir.join(name);
    fax_t30::tiff::write_tiff_file(&path, &tiff, &Default::default()).unwrap();
    path
}

fn line(ex: &SharedExchange, number: &str) -> Box<dyn Line> {
    Box::new(ex.add_line(number, LineCaps::FAX).unwrap())
}

const T0: Timestamp = Timestamp(1_800_000_000_000);

fn runner(dir: &Path, lines: Vec<LineSpec>, config: RunnerConfig) -> Runner {
    Runner::new(Store::open(&dir.join("store")).unwrap(), config, lines, T0).unwrap()
}

fn report_config() -> ReportConfig {
    ReportConfig::new("ums.example.com", "example.com")
}

/// Tick everything until `done` or a simulated hour passes.
fn run(
    ex: &SharedExchange,
    runners: &mut [&mut Runner],
    machines: &mut [&mut VirtualFaxMachine],
    media: &mut Instant,
    now: &mut Timestamp,
    mut done: impl FnMut(&mut [&mut Runner], &[Vec<Handoff>]) -> bool,
) -> Vec<(MessageId, Effect)> {
    // What each runner handed out so far.
    let mut handoffs = vec![Vec::new(); runners.len()];
    for _ in 0..(3600 * 50) {
        ex.tick(*media);
        for m in machines.iter_mut() {
            m.tick(*media);
        }
        for (r, h) in runners.iter_mut().zip(&mut handoffs) {
            r.tick(*media, *now).unwrap();
            h.extend(r.take_handoffs());
        }
        if done(runners, &handoffs) {
            return (handoffs.into_iter().flatten())
                .filter_map(Handoff::notice)
                .collect();
        }
        *media += FRAME_DURATION;
        *now = Timestamp(now.0 + 20);
    }
    panic!("not done after a simulated hour");
}

fn inbound(dir: &Path) -> InboundConfig {
    let plan = NumberingPlan::germany("89", "1234");
    let directory = Directory {
        users: Vec::new(),
        groups: Vec::new(),
        default_recipient: "postmaster@example.com".into(),
    };
    let rules = vec![Rule::new("100", None, "fax-team@example.com").unwrap()];
    let spool = dir.join("spool");
    std::fs::create_dir_all(&spool).unwrap();
    InboundConfig {
        router: Router::new(plan.clone(), directory, rules).unwrap(),
        plan,
        spool,
        ident: "+49 89 1234 100".into(),
    }
}

#[test]
fn an_incoming_fax_is_routed_stored_and_mailed_as_pdf() {
    let dir = Scratch::new("flow_incoming");
    let ex = SharedExchange::new(ExchangeConfig::default());
    // Our gateway on 100 (routed) and 101 (no rule); a remote gateway on 300.
    let mut ours = runner(
        &dir,
        vec![line(&ex, "100").into(), line(&ex, "101").into()],
        RunnerConfig::default(),
    )
    .with_inbound(inbound(&dir));
    let remote_dir = dir.join("remote");
    std::fs::create_dir_all(&remote_dir).unwrap();
    let mut remote = runner(
        &remote_dir,
        vec![line(&ex, "300").into()],
        RunnerConfig::default(),
    );
    for (to, pages) in [("100", 2), ("101", 1)] {
        let id = remote.store().next_id().unwrap();
        let doc = document(&remote_dir, &format!("to-{to}.tif"), pages);
        remote
            .submit(vec![outgoing_fax(id, to, doc, pages, T0)])
            .unwrap();
    }
    let (mut media, mut now) = (origin(), T0);
    let mut received = Vec::new();
    run(
        &ex,
        &mut [&mut ours, &mut remote],
        &mut [],
        &mut media,
        &mut now,
        |rs, h| {
            received = (h[0].iter().cloned())
                .filter_map(Handoff::received)
                .collect();
            rs[1].open_jobs() == 0 && received.len() == 2
        },
    );

    let store = ours.store().clone();
    let recs: Vec<_> = received
        .iter()
        .map(|id| store.get(*id).unwrap().unwrap())
        .collect();
    let routed = recs
        .iter()
        .find(|r| r.message.pages == 2)
        .expect("the 2-page fax");
    assert_eq!(routed.message.direction, Direction::Incoming);
    assert_eq!(routed.message.status, Status::Received);
    assert_eq!(
        routed.message.recipient_address.as_deref(),
        Some("fax-team@example.com")
    );
    assert_eq!(
        routed.message.recipient_number.as_deref(),
        Some("+49891234100")
    );
    assert!(!routed.message.unrouted);
    assert!(routed.message.caller_number.is_some());
    assert_eq!(routed.message.transmit_speed, 14400);
    let unrouted = recs
        .iter()
        .find(|r| r.message.pages == 1)
        .expect("the 1-page fax");
    assert!(unrouted.message.unrouted);
    assert_eq!(
        unrouted.message.recipient_address.as_deref(),
        Some("postmaster@example.com")
    );

    // Mail mode: a mail with the PDF goes to the outbox.
    let mut notifier = Notifier::new(report_config(), DeliveryMode::Mail);
    notifier.attach_tiff = true;
    assert!(notifier
        .deliver_incoming(&store, routed.message.id, Language::En, now)
        .unwrap());
    let queued = store.pending_mail().unwrap();
    assert_eq!(queued.len(), 1);
    assert_eq!(
        queued[0].recipients,
        vec!["fax-team@example.com".to_string()]
    );
    let mail = MessageParser::default()
        .parse(&queued[0].data)
        .expect("parses");
    assert_eq!(
        mail.header("Message-Context").and_then(|h| h.as_text()),
        Some("fax-message")
    );
    let pdf = mail
        .attachments()
        .find(|a| a.attachment_name().is_some_and(|n| n.ends_with(".pdf")))
        .expect("PDF attached");
    let bytes = pdf.contents();
    assert!(bytes.starts_with(b"%PDF-"));
    assert!(
        bytes.windows(15).any(|w| w == b"/CCITTFaxDecode"),
        "CCITT data embedded as received"
    );
    let tif = mail
        .attachments()
        .find(|a| a.attachment_name().is_some_and(|n| n.ends_with(".tif")))
        .expect("TIFF-F attached too");
    let kept = std::fs::read(routed.message.document.as_ref().unwrap()).unwrap();
    assert!(tif.contents() == kept.as_slice());
    // The first page as an inline PNG preview, read back by ImageMagick.
    let png = mail
        .attachments()
        .find(|a| {
            a.content_type()
                .is_some_and(|t| t.ctype() == "image" && t.subtype() == Some("png"))
        })
        .expect("PNG preview");
    assert!(png
        .content_disposition()
        .is_some_and(|d| d.ctype() == "inline"));
    let png_path = dir.join("preview.png");
    std::fs::write(&png_path, png.contents()).unwrap();
    let identify = std::process::Command::new("identify")
        .args(["-format", "%m %w %h"])
        .arg(&png_path)
        .output()
        .expect("identify (imagemagick, scripts/setup.sh --test)");
    assert_eq!(
        String::from_utf8_lossy(&identify.stdout),
        format!("PNG {} {}", kernel::render::PREVIEW_WIDTH, 828),
        "{}",
        String::from_utf8_lossy(&identify.stderr)
    );
    assert_eq!(
        store
            .get(routed.message.id)
            .unwrap()
            .unwrap()
            .message
            .status,
        Status::Delivered
    );

    // Local-store mode: it stays in the journal.
    let local = Notifier::new(report_config(), DeliveryMode::LocalStore);
    assert!(!local
        .deliver_incoming(&store, unrouted.message.id, Language::En, now)
        .unwrap());
    assert_eq!(store.pending_mail().unwrap().len(), 1);
    assert_eq!(
        store
            .get(unrouted.message.id)
            .unwrap()
            .unwrap()
            .message
            .status,
        Status::Received
    );
}

struct Outgoing {
    ex: SharedExchange,
    runner: Runner,
    machines: Vec<VirtualFaxMachine>,
    dir: Scratch,
    media: Instant,
    now: Timestamp,
}

fn outgoing(
    name: &str,
    kernel_lines: &[(&str, &str)],
    remotes: &[(&str, FaxMachineScript)],
    config: RunnerConfig,
) -> Outgoing {
    let dir = Scratch::new(name);
    let ex = SharedExchange::new(ExchangeConfig::default());
    let lines = kernel_lines
        .iter()
        .map(|(n, g)| LineSpec {
            line: line(&ex, n),
            group: g.to_string(),
        })
        .collect();
    let machines = remotes
        .iter()
        .map(|(n, script)| {
            let d = dir.join(format!("remote-{n}"));
            std::fs::create_dir_all(&d).unwrap();
            VirtualFaxMachine::new(line(&ex, n), d, "REMOTE").with_script(script.clone())
        })
        .collect();
    let runner = runner(&dir, lines, config);
    Outgoing {
        ex,
        runner,
        machines,
        dir,
        media: origin(),
        now: T0,
    }
}

impl Outgoing {
    fn submit(&mut self, to: &str, pages: u32, priority: u8) -> MessageId {
        let id = self.runner.store().next_id().unwrap();
        let doc = document(&self.dir, &format!("doc-{}.tif", id.0), pages);
        let mut rec = outgoing_fax(id, to, doc, pages, self.now);
        rec.message.priority = priority;
        rec.message.sender_address = Some("anna@example.com".into());
        rec.message.envelope_sender = Some("anna@example.com".into());
        rec.message.recipient_number = Some(format!("+4989{to}"));
        rec.job.as_mut().unwrap().priority = priority;
        self.runner.submit(vec![rec]).unwrap();
        id
    }

    fn run_until_idle(&mut self, mut each: impl FnMut(&Runner)) -> Vec<(MessageId, Effect)> {
        let mut machines: Vec<&mut VirtualFaxMachine> = self.machines.iter_mut().collect();
        run(
            &self.ex,
            &mut [&mut self.runner],
            &mut machines,
            &mut self.media,
            &mut self.now,
            |rs, _| {
                each(rs[0]);
                rs[0].open_jobs() == 0
            },
        )
    }
}

#[test]
fn confirmations_reach_the_outbox_as_dsns_and_local_store_keeps_them() {
    let script = FaxMachineScript {
        busy_first: 1,
        ..Default::default()
    };
    let config = RunnerConfig {
        policy: RetryPolicy {
            retries: 0,
            intervals_secs: vec![60],
        },
        ..RunnerConfig::default()
    };
    let mut o = outgoing(
        "flow_dsn",
        &[("100", "default")],
        &[("200", script)],
        config,
    );
    let failed = o.submit("200", 1, 5); // meets the busy line, no retries
    let effects = o.run_until_idle(|_| {});
    let sent = o.submit("200", 1, 5);
    let effects2 = o.run_until_idle(|_| {});
    let store = o.runner.store().clone();
    let mail_mode = Notifier::new(report_config(), DeliveryMode::Mail);
    let local = Notifier::new(report_config(), DeliveryMode::LocalStore);
    let mut mails = Vec::new();
    let mut local_mails = Vec::new();
    for (id, effect) in effects.iter().chain(&effects2) {
        let rec = store.get(*id).unwrap().unwrap();
        mails.extend(mail_mode.mails_for(&rec, effect, Language::En, o.now));
        local_mails.extend(local.mails_for(&rec, effect, Language::En, o.now));
    }
    assert_eq!(mails.len(), 2, "one confirmation per message");
    mail_mode.enqueue(&store, &mails).unwrap();
    let queued = store.pending_mail().unwrap();
    for (q, (id, action, status)) in queued
        .iter()
        .zip([(failed, "failed", "4.4.1"), (sent, "delivered", "2.0.0")])
    {
        assert_eq!(
            q.recipients,
            vec!["anna@example.com".to_string()],
            "to the sender"
        );
        assert!(q.envelope_from.is_empty(), "null reverse path");
        let mail = MessageParser::default().parse(&q.data).unwrap();
        let ct = mail.content_type().unwrap();
        assert_eq!(
            (ct.c_type.as_ref(), ct.c_subtype.as_deref()),
            ("multipart", Some("report"))
        );
        let text = String::from_utf8_lossy(&q.data);
        assert!(text.contains(&format!("Action: {action}")), "{id}: {text}");
        assert!(text.contains(&format!("Status: {status}")), "{id}");
    }
    // Local-store mode: the success stays in the journal; the failure goes
    // to the default recipient as an error notice.
    assert_eq!(local_mails.len(), 1);
    assert_eq!(
        local_mails[0].recipients,
        vec!["postmaster@example.com".to_string()]
    );
}

#[test]
fn urgent_jobs_go_first_and_a_line_group_limit_holds() {
    let config = RunnerConfig {
        group_limits: BTreeMap::from([("isdn".to_string(), 1)]),
        ..RunnerConfig::default()
    };
    let mut o = outgoing(
        "flow_priority",
        &[("100", "isdn"), ("101", "isdn")],
        &[
            ("200", FaxMachineScript::default()),
            ("201", FaxMachineScript::default()),
        ],
        config,
    );
    let bulk = o.submit("200", 1, 9);
    let urgent = o.submit("201", 1, 0);
    let mut most_at_once = 0;
    o.run_until_idle(|r| {
        let sending = r
            .store()
            .all()
            .filter(|rec| rec.as_ref().unwrap().message.status == Status::Sending)
            .count();
        most_at_once = most_at_once.max(sending);
    });
    assert_eq!(most_at_once, 1, "the group allows one call at a time");
    let done = |id| {
        o.runner
            .store()
            .get(id)
            .unwrap()
            .unwrap()
            .message
            .completed_at
            .unwrap()
    };
    assert!(done(urgent) < done(bulk), "priority 0 before priority 9");
}

#[test]
fn low_priority_waits_for_its_window_and_send_at_is_honoured() {
    // T0 is 08:00 UTC; the window for bulk faxes opens at 08:05.
    let minute = ((T0.0 / 60_000) % 1440) as u32;
    let config = RunnerConfig {
        low_priority_window: Some((minute + 5, minute + 120)),
        ..RunnerConfig::default()
    };
    let mut o = outgoing(
        "flow_window",
        &[("100", "default")],
        &[("200", FaxMachineScript::default())],
        config,
    );
    let bulk = o.submit("200", 1, 9);
    let later = o.submit("200", 1, 5);
    {
        // send-at: two minutes from now.
        let mut rec = o.runner.store().get(later).unwrap().unwrap();
        let job = rec.job.as_mut().unwrap();
        job.state = kernel::job::JobState::Waiting {
            not_before: T0.plus_secs(120),
        };
        o.runner.store().update(&rec, "SendAt").unwrap();
    }
    // Reload so the runner sees the send-at time.
    let dir = o.dir.to_path_buf();
    let ex = o.ex.clone();
    drop(std::mem::replace(
        &mut o.runner,
        runner(
            &dir.join("b"),
            vec![line(&ex, "102").into()],
            RunnerConfig::default(),
        ),
    ));
    o.runner = Runner::new(
        Store::open(&dir.join("store")).unwrap(),
        RunnerConfig {
            low_priority_window: Some((minute + 5, minute + 120)),
            ..RunnerConfig::default()
        },
        vec![line(&ex, "103").into()],
        T0,
    )
    .unwrap();
    o.run_until_idle(|_| {});
    let started = |id| {
        let m = o.runner.store().get(id).unwrap().unwrap().message;
        m.completed_at.unwrap().0 - m.duration_secs as u64 * 1000
    };
    assert!(
        started(later) >= T0.plus_secs(120).0,
        "not before its send-at time"
    );
    assert!(
        started(bulk) >= T0.plus_secs(300).0,
        "bulk waits for the window"
    );
}

#[test]
fn cancel_tells_the_sender_and_delete_tells_the_default_recipient() {
    let script = FaxMachineScript {
        busy_first: 100,
        ..Default::default()
    };
    let mut o = outgoing(
        "flow_cancel",
        &[("100", "default")],
        &[("200", script)],
        RunnerConfig::default(),
    );
    let a = o.submit("200", 1, 5);
    let b = o.submit("200", 1, 5);
    // Let both meet the busy line once and wait for their retry.
    for _ in 0..(30 * 50) {
        o.ex.tick(o.media);
        o.machines[0].tick(o.media);
        o.runner.tick(o.media, o.now).unwrap();
        o.media += FRAME_DURATION;
        o.now = Timestamp(o.now.0 + 20);
    }
    assert!(o
        .runner
        .remove(a, "operator", false, o.media, o.now)
        .unwrap());
    assert!(o
        .runner
        .remove(b, "operator", true, o.media, o.now)
        .unwrap());
    let effects: Vec<_> = (o.runner.take_handoffs().into_iter())
        .filter_map(Handoff::notice)
        .collect();
    assert!(effects.contains(&(a, Effect::CancelNotice)));
    assert!(effects.contains(&(b, Effect::DeletionNotice)));
    let store = o.runner.store().clone();
    assert_eq!(
        store.get(a).unwrap().unwrap().message.status,
        Status::Cancelled
    );
    assert_eq!(
        store.get(b).unwrap().unwrap().message.status,
        Status::Deleted
    );
    let notifier = Notifier::new(report_config(), DeliveryMode::LocalStore);
    let rec_b = store.get(b).unwrap().unwrap();
    let mails = notifier.mails_for(&rec_b, &Effect::DeletionNotice, Language::De, o.now);
    assert_eq!(mails.len(), 1);
    assert_eq!(
        mails[0].recipients,
        vec!["postmaster@example.com".to_string()]
    );
    let parsed = MessageParser::default().parse(&mails[0].data).unwrap();
    assert!(
        parsed.subject().unwrap().contains("gelöscht")
            || parsed.body_text(0).unwrap().contains("gelöscht")
    );
    assert_eq!(o.runner.open_jobs(), 0);
}

/// What people must hear about is written with the change that calls for
/// it: a received fax is stored marked "to deliver" with its TIFF already
/// durable under the message's id, a finished job carries its notice; a
/// start finds both ([`Store::recovery`]); the hand-over queues each mail
/// once, clears the marks in the same write, and does nothing a second time.
#[test]
fn hand_overs_are_marked_with_the_change_and_done_exactly_once() {
    use kernel::message::Pending;
    let dir = Scratch::new("flow_handoff");
    let ex = SharedExchange::new(ExchangeConfig::default());
    let mut ours = runner(&dir, vec![line(&ex, "100").into()], RunnerConfig::default())
        .with_inbound(inbound(&dir));
    let remote_dir = dir.join("remote");
    std::fs::create_dir_all(&remote_dir).unwrap();
    let mut remote = runner(
        &remote_dir,
        vec![line(&ex, "300").into()],
        RunnerConfig::default(),
    );
    let sent = remote.store().next_id().unwrap();
    let doc = document(&remote_dir, "to-100.tif", 2);
    remote
        .submit(vec![outgoing_fax(sent, "100", doc, 2, T0)])
        .unwrap();
    let (mut media, mut now) = (origin(), T0);
    let mut handoffs = Vec::new();
    let mut notices = Vec::new();
    run(
        &ex,
        &mut [&mut ours, &mut remote],
        &mut [],
        &mut media,
        &mut now,
        |rs, h| {
            handoffs = h[0].clone();
            notices = h[1].clone();
            rs[1].open_jobs() == 0 && !handoffs.is_empty()
        },
    );
    let [Handoff::Received(got)] = handoffs[..] else {
        panic!("one received fax: {handoffs:?}");
    };
    assert_eq!(notices, vec![Handoff::Notice(sent, Effect::Confirmation)]);

    // The records carry the work, and a start finds it.
    let store = ours.store().clone();
    let rec = store.get(got).unwrap().unwrap();
    assert_eq!(rec.message.pending, vec![Pending::Deliver]);
    let doc = rec.message.document.clone().expect("the pages are kept");
    assert!(doc.ends_with(&format!("{got}.tif")), "{doc}");
    assert_eq!(fax_t30::tiff::read_tiff_file(&doc).unwrap().len(), 2);
    assert_eq!(store.recovery().unwrap().handoffs, vec![got]);
    let remote_store = remote.store().clone();
    let job = remote_store.get(sent).unwrap().unwrap();
    assert_eq!(
        job.message.pending,
        vec![Pending::Notice(Effect::Confirmation, Status::Sent)]
    );
    assert_eq!(remote_store.recovery().unwrap().handoffs, vec![sent]);
    assert!(remote_store.pending_mail().unwrap().is_empty());

    // Done once: the mail queued and the mark cleared together.
    let notifier = Notifier::new(report_config(), DeliveryMode::Mail);
    assert_eq!(notifier.handoff(&store, got, Language::En, now).unwrap(), 1);
    assert_eq!(notifier.handoff(&store, got, Language::En, now).unwrap(), 0);
    let rec = store.get(got).unwrap().unwrap();
    assert!(rec.message.pending.is_empty());
    assert_eq!(rec.message.status, Status::Delivered);
    assert_eq!(store.pending_mail().unwrap().len(), 1);
    assert!(store.recovery().unwrap().handoffs.is_empty());
    assert_eq!(
        notifier
            .handoff(&remote_store, sent, Language::En, now)
            .unwrap(),
        1
    );
    assert_eq!(
        notifier
            .handoff(&remote_store, sent, Language::En, now)
            .unwrap(),
        0
    );
    let dsn = &remote_store.pending_mail().unwrap()[0];
    assert_eq!(dsn.kind, "Confirmation", "{dsn:?}");
    assert!(remote_store
        .get(sent)
        .unwrap()
        .unwrap()
        .message
        .pending
        .is_empty());

    // Local-store mode: the mark is cleared, nothing is mailed, the fax
    // stays in the journal as received.
    let local_dir = Scratch::new("flow_handoff_local");
    let local = Store::open(&local_dir.join("store")).unwrap();
    let mut m = rec.message.clone();
    m.status = Status::Received;
    m.pending = vec![Pending::Deliver];
    local
        .insert_batch(&[kernel::store::Record {
            message: m,
            job: None,
        }])
        .unwrap();
    let keep = Notifier::new(report_config(), DeliveryMode::LocalStore);
    assert_eq!(keep.handoff(&local, got, Language::En, now).unwrap(), 0);
    let kept = local.get(got).unwrap().unwrap().message;
    assert!(kept.pending.is_empty());
    assert_eq!(kept.status, Status::Received);
}
