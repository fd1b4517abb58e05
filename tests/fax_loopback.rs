//! Faxes across the loopback exchange on the simulated clock (issue 2,
//! "Proof"): page counts, rates, ECM, resolutions, noisy lines, T.38 with
//! loss, a dropped call, a line nobody answers. Received pages are compared
//! with the sent ones bit for bit by our decoder here; the third-party check
//! of the same output is in `third_party_decoders.rs`.

use std::path::Path;

use fax_t30::media::FRAME_DURATION;
use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::{FaxEvent, MaxRate, PageSource, Role, T38Options};
use gateway::faxloop::{run_simulated, CallReport, CallSetup, Side};
use line_drivers::loopback::{Behaviour, Impairments, NumberPattern};
use line_drivers::HangupCause;
use test_kit::Scratch;

fn document(pages: u32, res: Resolution, seed: u64) -> Vec<BilevelPage> {
    let w = PaperSize::A4.width();
    let rows = PaperSize::A4.rows(res);
    (0..pages)
        .map(|i| BilevelPage::test_pattern(w, rows, res, seed + i as u64))
        .collect()
}

struct Case {
    name: &'static str,
    pages: u32,
    rate: MaxRate,
    ecm: bool,
    res: Resolution,
    impairments: Impairments,
}

/// The call for `case`, its files in `dir`.
fn setup(case: &Case, src: &[BilevelPage], dir: &Path) -> CallSetup {
    let mut s = CallSetup::new(
        PageSource::Pages {
            pages: src.to_vec(),
            spool: dir.join("sent.tif"),
        },
        dir.join("received.tif"),
    );
    // No header line here: the received bitmap must equal the sent one.
    s.sender.header = None;
    for o in [&mut s.sender, &mut s.receiver] {
        o.ecm = case.ecm;
        o.max_rate = case.rate;
    }
    s.impairments = case.impairments;
    s
}

fn received_pages(report: &CallReport) -> Vec<BilevelPage> {
    let rx = report.receiver.as_ref().expect("receiver outcome");
    let file = rx.file.as_ref().expect("received file");
    fax_t30::tiff::read_tiff_file(file)
        .expect("received TIFF readable")
        .iter()
        .map(|p| p.decode().expect("received page decodes"))
        .collect()
}

/// Send a document and check: every page confirmed, the rate and ECM asked
/// for, events in order, the received bitmaps identical to the sent ones.
fn clean_transfer(case: Case) {
    let src = document(case.pages, case.res, 100);
    let dir = Scratch::new(case.name);
    let report = run_simulated(setup(&case, &src, &dir)).expect("call runs");
    let tx = report.sender.as_ref().expect("sender outcome");
    assert!(tx.success, "{}: {}", case.name, tx.summary());
    assert_eq!(tx.pages_confirmed, case.pages);
    assert_eq!(tx.pages_total, Some(case.pages));
    assert_eq!(tx.bit_rate, case.rate.bps(), "negotiated rate");
    assert_eq!(tx.ecm, case.ecm);
    assert_eq!(tx.remote_ident.as_deref(), Some("+49 89 2222"));
    let rx = report.receiver.as_ref().expect("receiver outcome");
    assert!(rx.success, "{}", rx.summary());
    assert_eq!(rx.remote_ident.as_deref(), Some("+49 89 1111"));
    assert_eq!(rx.received_pages.len() as u32, case.pages);

    // Events: one PageStarted and one PageConfirmed per page on each side, in order.
    for side in [Side::Sender, Side::Receiver] {
        let confirmed: Vec<u32> = report
            .events
            .iter()
            .filter(|(_, s, _)| *s == side)
            .filter_map(|(_, _, e)| match e {
                FaxEvent::PageConfirmed {
                    page,
                    rows,
                    bad_rows,
                } => {
                    assert_eq!(*rows, src[0].rows, "rows of page {page}");
                    assert_eq!(*bad_rows, 0);
                    Some(*page)
                }
                _ => None,
            })
            .collect();
        assert_eq!(confirmed, (1..=case.pages).collect::<Vec<_>>(), "{side:?}");
        let negotiated = report.events.iter().any(|(_, s, e)| {
            *s == side && matches!(e, FaxEvent::Negotiated { bit_rate, ecm } if *bit_rate == case.rate.bps() && *ecm == case.ecm)
        });
        assert!(negotiated, "{side:?} reports the negotiated rate");
    }

    let got = received_pages(&report);
    assert_eq!(got.len(), src.len());
    for (i, (g, s)) in got.iter().zip(&src).enumerate() {
        assert_eq!((g.width, g.rows), (s.width, s.rows), "page {} size", i + 1);
        assert_eq!(g.resolution, s.resolution, "page {} resolution", i + 1);
        assert!(
            g.data() == s.data(),
            "page {} differs from the sent page",
            i + 1
        );
    }
}

#[test]
fn one_page_14400_ecm_fine() {
    clean_transfer(Case {
        name: "one_page_14400_ecm_fine",
        pages: 1,
        rate: MaxRate::V17,
        ecm: true,
        res: Resolution::Fine,
        impairments: Impairments::CLEAN,
    });
}

#[test]
fn three_pages_9600_no_ecm_standard() {
    clean_transfer(Case {
        name: "three_pages_9600_no_ecm_standard",
        pages: 3,
        rate: MaxRate::V29,
        ecm: false,
        res: Resolution::Standard,
        impairments: Impairments::CLEAN,
    });
}

#[test]
fn ten_pages_14400_no_ecm_fine() {
    clean_transfer(Case {
        name: "ten_pages_14400_no_ecm_fine",
        pages: 10,
        rate: MaxRate::V17,
        ecm: false,
        res: Resolution::Fine,
        impairments: Impairments::CLEAN,
    });
}

#[test]
fn ten_pages_9600_ecm_standard() {
    clean_transfer(Case {
        name: "ten_pages_9600_ecm_standard",
        pages: 10,
        rate: MaxRate::V29,
        ecm: true,
        res: Resolution::Standard,
        impairments: Impairments::CLEAN,
    });
}

#[test]
fn three_pages_4800_ecm_fine() {
    clean_transfer(Case {
        name: "three_pages_4800_ecm_fine",
        pages: 3,
        rate: MaxRate::V27ter,
        ecm: true,
        res: Resolution::Fine,
        impairments: Impairments::CLEAN,
    });
}

#[test]
fn one_page_4800_no_ecm_standard_over_a_pstn_line() {
    // A-law, 6 dB loss, 35 dB SNR, 30 ppm drift: a fair phone line.
    clean_transfer(Case {
        name: "one_page_4800_no_ecm_standard_pstn",
        pages: 1,
        rate: MaxRate::V27ter,
        ecm: false,
        res: Resolution::Standard,
        impairments: Impairments::PSTN,
    });
}

/// A line where V.17 at 14400 still trains but makes bit errors in the
/// page data: the signal arrives 20 dB down and the noise floor is 42 dB
/// below the -13 dBm0 reference, an effective SNR of 22 dB.
///
/// The noise floor stays at -55 dBm0, under spandsp's carrier-detect
/// threshold (-43 dBm0), as on a real line: noise above it makes the
/// modems see a carrier in the silence and training fails outright.
fn noisy(seed: u64) -> Impairments {
    Impairments {
        law: Some(fax_t30::g711::Law::ALaw),
        snr_db: Some(42.0),
        attenuation_db: 20.0,
        seed,
        ..Impairments::CLEAN
    }
}

#[test]
fn noisy_line_with_ecm_delivers_pixel_exact_pages() {
    let case = Case {
        name: "noisy_ecm",
        pages: 3,
        rate: MaxRate::V17,
        ecm: true,
        res: Resolution::Fine,
        impairments: noisy(7),
    };
    let src = document(case.pages, case.res, 300);
    let dir = Scratch::new(case.name);
    let report = run_simulated(setup(&case, &src, &dir)).expect("call runs");
    let tx = report.sender.as_ref().unwrap();
    assert!(tx.success, "{}", tx.summary());
    let got = received_pages(&report);
    assert_eq!(got.len(), 3);
    for (g, s) in got.iter().zip(&src) {
        assert!(g.data() == s.data(), "ECM must repair every error");
    }
    let rx = report.receiver.as_ref().unwrap();
    assert!(rx.received_pages.iter().all(|p| p.bad_rows == 0));
}

#[test]
fn noisy_line_without_ecm_reports_bad_rows() {
    let case = Case {
        name: "noisy_no_ecm",
        pages: 3,
        rate: MaxRate::V17,
        ecm: false,
        res: Resolution::Fine,
        impairments: noisy(7),
    };
    let src = document(case.pages, case.res, 300);
    let dir = Scratch::new(case.name);
    let report = run_simulated(setup(&case, &src, &dir)).expect("call runs");
    let rx = report.receiver.as_ref().expect("receiver outcome");
    let bad: u32 = rx.received_pages.iter().map(|p| p.bad_rows).sum();
    assert!(bad > 0, "noise at 22 dB SNR must damage rows: {rx:?}");
    // The count reported by the session is what the events said, page by page.
    let from_events: u32 = report
        .events
        .iter()
        .filter(|(_, s, _)| *s == Side::Receiver)
        .filter_map(|(_, _, e)| match e {
            FaxEvent::PageConfirmed { bad_rows, .. } => Some(*bad_rows),
            _ => None,
        })
        .sum();
    assert_eq!(from_events, bad);
    // And the received pages really differ from the sent ones.
    let got = received_pages(&report);
    assert!(got.iter().zip(&src).any(|(g, s)| g.data() != s.data()));
}

#[test]
fn t38_with_five_percent_loss_and_redundancy() {
    let case = Case {
        name: "t38_loss",
        pages: 3,
        rate: MaxRate::V17,
        ecm: true,
        res: Resolution::Fine,
        impairments: Impairments {
            t38_loss: 0.05,
            t38_redundancy: 3,
            seed: 11,
            ..Impairments::CLEAN
        },
    };
    let src = document(case.pages, case.res, 500);
    let dir = Scratch::new(case.name);
    let mut s = setup(&case, &src, &dir);
    s.t38 = Some(T38Options::default());
    let report = run_simulated(s).expect("call runs");
    let tx = report.sender.as_ref().unwrap();
    assert!(tx.success, "{}", tx.summary());
    // The network did lose packets, and redundancy brought them back.
    let down = report.paths[0].expect("sender to receiver path");
    assert!(down.t38_sent > 100, "{down:?}");
    let lost_share = (down.t38_recovered + down.t38_lost) as f64 / down.t38_sent as f64;
    assert!(
        (0.03..0.08).contains(&lost_share),
        "about 5 % lost: {down:?}"
    );
    assert!(down.t38_recovered > 0 && down.t38_lost == 0, "{down:?}");
    let got = received_pages(&report);
    assert_eq!(got.len(), 3);
    for (g, s) in got.iter().zip(&src) {
        assert!(g.data() == s.data());
    }
}

#[test]
fn t38_clean_without_ecm() {
    let case = Case {
        name: "t38_clean_no_ecm",
        pages: 1,
        rate: MaxRate::V29,
        ecm: false,
        res: Resolution::Standard,
        impairments: Impairments::CLEAN,
    };
    let src = document(case.pages, case.res, 600);
    let dir = Scratch::new(case.name);
    let mut s = setup(&case, &src, &dir);
    s.t38 = Some(T38Options::default());
    let report = run_simulated(s).expect("call runs");
    let tx = report.sender.as_ref().unwrap();
    assert!(tx.success, "{}", tx.summary());
    assert_eq!(tx.bit_rate, 9600);
    assert!(received_pages(&report)[0].data() == src[0].data());
}

#[test]
fn call_dropped_after_page_two_of_four() {
    for ecm in [true, false] {
        let case = Case {
            name: if ecm { "dropped_ecm" } else { "dropped_no_ecm" },
            pages: 4,
            rate: MaxRate::V17,
            ecm,
            res: Resolution::Fine,
            impairments: Impairments::CLEAN,
        };
        let src = document(case.pages, case.res, 700);
        let dir = Scratch::new(case.name);
        let mut s = setup(&case, &src, &dir);
        s.drop_after_pages = Some(2);
        let report = run_simulated(s).expect("call runs");

        let tx = report.sender.as_ref().expect("sender outcome");
        assert!(!tx.success);
        assert_eq!(tx.role, Role::Sender);
        assert_eq!(tx.pages_confirmed, 2, "ecm={ecm}: {}", tx.summary());
        assert_eq!(tx.pages_total, Some(4));
        assert!(
            tx.summary().contains("failed at page 3"),
            "{}",
            tx.summary()
        );
        assert!(tx.summary().contains("2 of 4"), "{}", tx.summary());

        let rx = report.receiver.as_ref().expect("receiver outcome");
        assert!(!rx.success);
        let complete: Vec<u32> = rx
            .received_pages
            .iter()
            .filter(|p| !p.partial)
            .map(|p| p.number)
            .collect();
        assert_eq!(complete, vec![1, 2], "ecm={ecm}: {:?}", rx.received_pages);
        assert_eq!(rx.pages_confirmed, 2);
        let got = received_pages(&report);
        assert!(got.len() >= 2);
        for (g, s) in got.iter().zip(&src).take(2) {
            assert!(g.data() == s.data(), "kept pages are intact");
        }
    }
}

#[test]
fn caller_reaching_a_line_nobody_answers() {
    let case = Case {
        name: "no_answer",
        pages: 1,
        rate: MaxRate::V17,
        ecm: true,
        res: Resolution::Fine,
        impairments: Impairments::CLEAN,
    };
    let src = document(1, case.res, 800);
    let dir = Scratch::new(case.name);
    let mut s = setup(&case, &src, &dir);
    s.no_answer = true;
    let report = run_simulated(s).expect("call runs");
    assert_eq!(report.line_cause, Some(HangupCause::NoAnswer));
    assert!(
        report.sender.is_none(),
        "no fax session starts on an unanswered call"
    );
    // The exchange's ring timeout (30 s) passed in media time, not wall time.
    assert!(report.media_time >= std::time::Duration::from_secs(30));
    assert!(report.media_time < std::time::Duration::from_secs(31) + FRAME_DURATION * 10);
}

#[test]
fn header_line_is_printed_above_each_page() {
    let case = Case {
        name: "header_line",
        pages: 2,
        rate: MaxRate::V17,
        ecm: true,
        res: Resolution::Fine,
        impairments: Impairments::CLEAN,
    };
    let src = document(2, case.res, 900);
    let dir = Scratch::new(case.name);
    let mut s = setup(&case, &src, &dir);
    s.sender.header = Some("ACME Corp".into());
    let report = run_simulated(s).expect("call runs");
    assert!(report.sender_succeeded());
    let got = received_pages(&report);
    for (g, s) in got.iter().zip(&src) {
        // The header adds rows of text on top; the page below is unchanged.
        let extra = g.rows - s.rows;
        assert!(extra > 0 && extra < 80, "header rows: {extra}");
        let header_black: u64 = (0..extra)
            .map(|y| g.row(y).iter().map(|b| b.count_ones() as u64).sum::<u64>())
            .sum();
        assert!(header_black > 500, "the header line has text");
        for y in 0..s.rows {
            assert_eq!(g.row(y + extra), s.row(y), "row {y} below the header");
        }
    }
}

#[test]
fn a_line_too_poor_for_14400_makes_the_sender_retrain_and_fall_back() {
    let case = Case {
        name: "retrain",
        pages: 1,
        rate: MaxRate::V17,
        ecm: false,
        res: Resolution::Fine,
        // Effective SNR 20 dB: TCF at 14400 fails, 12000 trains.
        impairments: Impairments {
            law: Some(fax_t30::g711::Law::ALaw),
            snr_db: Some(42.0),
            attenuation_db: 22.0,
            seed: 0,
            ..Impairments::CLEAN
        },
    };
    let src = document(1, case.res, 1000);
    let dir = Scratch::new(case.name);
    let report = run_simulated(setup(&case, &src, &dir)).expect("call runs");
    let tx = report.sender.as_ref().unwrap();
    assert!(tx.success, "{}", tx.summary());
    assert!(tx.bit_rate < 14400, "fell back: {}", tx.bit_rate);
    assert!(tx.retrains >= 1);
    for side in [Side::Sender, Side::Receiver] {
        let failed: Vec<u32> = report
            .events
            .iter()
            .filter(|(_, s, _)| *s == side)
            .filter_map(|(_, _, e)| match e {
                FaxEvent::Retrain { failed_rate } => Some(*failed_rate),
                _ => None,
            })
            .collect();
        assert_eq!(
            failed.first(),
            Some(&14400),
            "{side:?} reports the failed training"
        );
    }
}

fn dial_virtual(name: &str, number: &str, behaviour: Behaviour) -> CallReport {
    let case = Case {
        name: "virtual",
        pages: 1,
        rate: MaxRate::V17,
        ecm: true,
        res: Resolution::Fine,
        impairments: Impairments::CLEAN,
    };
    let src = document(1, case.res, 1100);
    let dir = Scratch::new(name);
    let mut s = setup(&case, &src, &dir);
    s.dial = Some(number.to_string());
    s.virtual_parties = vec![(NumberPattern::exact(number), behaviour)];
    run_simulated(s).expect("call runs")
}

#[test]
fn a_person_answering_is_no_fax_machine() {
    let report = dial_virtual("voice_answer", "555", Behaviour::answer_with_voice());
    let tx = report.sender.as_ref().expect("the sender's session ran");
    assert!(!tx.success);
    assert_eq!(tx.pages_confirmed, 0);
    // T.30's T0/T1: no fax handshake from the far end.
    assert!(
        matches!(tx.code.name(), "T0_EXPIRED" | "T1_EXPIRED"),
        "{}",
        tx.code
    );
    assert!(tx.summary().contains("fax"), "{}", tx.summary());
    assert_eq!(tx.code.retry(), fax_t30::Retry::Temporary);
    // spandsp's T0 (60 s after the answer) ends it, not the 30-minute limit.
    assert!(
        report.media_time < std::time::Duration::from_secs(90),
        "{:?}",
        report.media_time
    );
    assert!(!report.timed_out);
}

#[test]
fn a_busy_number_starts_no_fax() {
    let report = dial_virtual("busy", "556", Behaviour::Busy);
    assert_eq!(report.line_cause, Some(HangupCause::UserBusy));
    assert!(report.sender.is_none());
    assert!(HangupCause::UserBusy.is_temporary());
}
