//! Replays the seed corpus of the modem_codec fuzz target
//! (fuzz/corpus/modem_codec, written by fuzz/make_modem_corpus.py, the
//! t31-* seeds captured from spandsp's T.31 modem) through the target's
//! own checks on a stable toolchain, pins what the named seeds give (the
//! broken ones: an escape, a bad FCS, a cut line), and runs random
//! mutations of the seeds through the same checks.

#[allow(dead_code)]
#[path = "../../fuzz/fuzz_targets/modem_checks.rs"]
mod modem_checks;

use line_drivers::modem::codec::{DceInput, DceLine, DceReader, DLE, ETX, MAX_LINE};
use line_drivers::modem::hdlc::RxFrame;
use modem_checks::{parts, read, Transcript};
use test_kit::fuzz::{mutate_seeds, rounds, seeds};

fn caller_id(field: &str, value: &str) -> DceLine {
    DceLine::CallerId {
        field: field.into(),
        value: value.into(),
    }
}

fn data_len(t: &Transcript) -> usize {
    t.items
        .iter()
        .map(|i| match i {
            DceInput::Data(d) => d.len(),
            _ => 0,
        })
        .sum()
}

/// What the named seeds must give; the others only pass the checks.
fn expect(name: &str, t: &Transcript) {
    let lines = t.lines();
    let good = |t: &Transcript| t.frames().filter(|f| f.fcs_ok).count();
    match name {
        "results-verbose" => {
            use DceLine::*;
            let want = [
                Ok, Ring, NoCarrier, Error, NoDialtone, NoDialtone, Busy, NoAnswer, FcError,
                FcError, Connect,
            ];
            assert_eq!(lines, want.iter().collect::<Vec<_>>());
        }
        "results-numeric" => {
            use DceLine::*;
            let want = [
                Ok, Ring, NoCarrier, Error, NoDialtone, Busy, NoAnswer, Connect,
            ];
            assert_eq!(lines, want.iter().collect::<Vec<_>>());
        }
        "ring-vcid" => {
            assert_eq!(lines[3], &caller_id("NMBR", "08912345678"));
            assert_eq!(lines[4], &caller_id("NAME", "Muster GmbH"));
        }
        "ring-cid-compact" => {
            assert_eq!(lines[3], &caller_id("NMBR", "P"));
            assert_eq!(lines[6], &caller_id("NDID", "4930100"));
        }
        "frh-csi-dis" => {
            // The DIS's DLE is doubled on the wire and single in the data;
            // the third frame the modem found bad: ERROR.
            let dis = &t.items[5];
            assert!(
                matches!(dis, DceInput::Data(d) if d[..8] == [0xff, 0x13, 0x80, 0, 0xee, 0xf8, 0x80, 0x80] && d[8] == DLE && d.len() == 14),
                "{dis:?}"
            );
            assert_eq!(lines.last(), Some(&&DceLine::Error));
        }
        "class10-dle-sub" => {
            let want = DceInput::Data(vec![1, 2, DLE, DLE, 3, DLE]);
            assert_eq!(t.items[1], want);
        }
        "xon-xoff" => assert!(t.items.contains(&DceInput::Flow(false))),
        "connect-cr-only" => {
            assert_eq!(t.items[1], DceInput::Data(vec![0xff, 0x13, 0x84]));
            assert_eq!(lines, [&DceLine::Connect, &DceLine::Ok]);
        }
        "frm-ecm-frames" => {
            // Framed by the corpus script: three FCDs and an RCP, all good.
            let frames: Vec<&RxFrame> = t.frames().collect();
            assert_eq!(frames.len(), 4, "{frames:?}");
            assert!(frames.iter().all(|f| f.fcs_ok));
            assert_eq!(frames[1].frame[..4], [0xff, 0x03, 0x06, 1]);
            assert_eq!(frames[1].frame[66..], [DLE, 0x7e]);
            assert_eq!(frames[3].frame, [0xff, 0x03, 0x86]);
        }
        // DLE and a letter that is no escape of T.31: reported, not data.
        "bad-dle-escape" => {
            let want = [
                DceInput::Line(DceLine::Connect),
                DceInput::Data(vec![1, 2]),
                DceInput::DataEscape(b'u'),
                DceInput::Data(vec![3]),
                DceInput::DataEnd,
                DceInput::Line(DceLine::Ok),
            ];
            assert_eq!(t.items, want);
        }
        "bad-fcs" => {
            let fcs: Vec<bool> = t.frames().map(|f| f.fcs_ok).collect();
            assert_eq!(fcs, [true, false, true, true]);
        }
        "bad-abort-in-frame" => {
            // The start of FCD 2, aborted, is no frame; FCD 2 sent again
            // after it comes through with the others.
            let fcf: Vec<&[u8]> = t
                .frames()
                .map(|f| &f.frame[2..f.frame.len().min(4)])
                .collect();
            assert_eq!(fcf, [&[0x06, 0][..], &[0x06, 1], &[0x06, 2], &[0x86]]);
            assert_eq!(good(t), 4);
        }
        "bad-overlong-frame" => {
            let frames: Vec<&RxFrame> = t.frames().collect();
            assert_eq!(frames.len(), 1);
            assert_eq!(frames[0].frame, [0xff, 0x03, 0x86]);
        }
        "bad-overlong-line" => {
            assert_eq!(t.items, [DceInput::Overlong, DceInput::Line(DceLine::Ok)]);
        }
        "bad-endless-line" => assert_eq!(t.items, [DceInput::Overlong]),
        "bad-endless-data" => {
            assert_eq!(t.items.len(), 1);
            assert_eq!(data_len(t), 5000);
        }
        "bad-not-utf8" => {
            assert_eq!(lines[0], &DceLine::Info("\u{fffd}\u{fffd}OK".into()));
            assert_eq!(lines[1], &caller_id("NMBR", "\u{fffd}("));
        }
        "truncated-after-dle" => {
            assert_eq!(t.items[1], DceInput::Data(vec![1, 2]));
            assert_eq!(t.items.len(), 2);
        }
        "truncated-mid-result" => assert_eq!(lines, [&DceLine::Ok]),
        // spandsp's T.31 modem.
        "t31-answer-dcs-tcf" => {
            assert!(lines.contains(&&caller_id("NMBR", "4930999")));
            assert!(lines.contains(&&DceLine::Ring));
            // CSI, DIS as HDLC data after +FRH=3; the TCF's zeros after
            // +FRM=145, ended by NO CARRIER.
            assert!(t.items.contains(&DceInput::Line(DceLine::NoCarrier)));
            assert!(data_len(t) > 2000);
            assert_eq!(lines.last(), Some(&&DceLine::Ok));
        }
        "t31-frm-ecm-head" | "t31-frm-ecm-tail" => {
            // spandsp's own HDLC framing of ECM, read by our deframer: every
            // frame whole has a good FCS.
            let frames: Vec<&RxFrame> = t.frames().collect();
            assert!(frames.len() >= 8, "{name}: {} frames", frames.len());
            let bad = frames.iter().filter(|f| !f.fcs_ok).count();
            assert_eq!(bad, 0, "{name}");
            if name == "t31-frm-ecm-tail" {
                // RCP ends the block; then PPS on V.21.
                assert!(frames.iter().any(|f| f.frame == [0xff, 0x03, 0x86]));
                use DceLine::*;
                assert_eq!(lines, [&NoCarrier, &Connect, &Ok, &Connect, &Ok]);
            }
        }
        "t31-frm-image-tail" => {
            assert_eq!(lines[0], &DceLine::NoCarrier);
            assert_eq!(lines.last(), Some(&&DceLine::Ok));
        }
        "t31-send-ecm" => {
            // ATD, then +FRH=3 (DIS), +FTH=3, +FTM=145 (TCF), +FRH=3 (CFR),
            // +FTM=146 (ECM): seven CONNECTs, three of them receives whose
            // data are HDLC frames (address 0xff) ended by <DLE><ETX>.
            assert_eq!(lines.iter().filter(|l| ***l == DceLine::Connect).count(), 7);
            assert!(!lines.iter().any(|l| matches!(l, DceLine::Error)));
            let frames: Vec<&DceInput> = t
                .items
                .iter()
                .filter(|i| matches!(i, DceInput::Data(d) if d[0] == 0xff))
                .collect();
            assert!(frames.len() >= 3, "{frames:?}");
            assert_eq!(t.receives.len(), 3);
        }
        _ => {}
    }
}

#[test]
fn modem_seeds_pass_the_fuzz_checks_and_broken_ones_say_what_broke() {
    let all = seeds("modem_codec", 20);
    for (name, data) in &all {
        modem_checks::check_modem(data);
        let (mode, _, octets) = parts(data);
        expect(name, &read(octets, mode, None));
    }
    for required in ["bad-dle-escape", "bad-fcs", "t31-frm-ecm-head"] {
        assert!(all.iter().any(|(n, _)| n == required), "{required} missing");
    }
}

#[test]
fn mutated_modem_seeds_pass_the_fuzz_checks() {
    let tokens: &[&[u8]] = &[
        &[DLE, ETX],
        &[DLE, DLE],
        &[DLE],
        b"\r\n",
        b"\r\nCONNECT\r\n",
        b"NMBR=",
        &[0x7e],
        &[0xff; 2],
    ];
    mutate_seeds(&seeds("modem_codec", 20), rounds(40), tokens, |b| {
        modem_checks::check_modem(b)
    });
}

#[test]
fn endless_input_keeps_the_reader_bounded() {
    // A megabyte without a line end, then without <DLE><ETX>: the reader
    // never holds more than a line.
    let mut r = DceReader::new();
    let mut items = 0;
    for _ in 0..1024 {
        r.push(&[b'7'; 1024]);
        items += std::iter::from_fn(|| r.next_input()).count();
        assert!(r.buffered() <= MAX_LINE);
    }
    assert_eq!(items, 1, "one Overlong");
    r.push(b"\r\nCONNECT\r\n");
    assert_eq!(r.next_input(), Some(DceInput::Line(DceLine::Connect)));
    r.set_data_mode(true);
    for _ in 0..1024 {
        r.push(&[0x55; 1024]);
        while let Some(i) = r.next_input() {
            assert!(matches!(i, DceInput::Data(_)));
        }
        assert_eq!(r.buffered(), 0);
    }
}

#[test]
fn frames_up_to_the_cap_round_trip_and_longer_ones_are_dropped() {
    // check_hdlc wants frames of 3 to MAX_FRAME - 2 octets back, none
    // other; at the edges, with and without zero insertion.
    use line_drivers::modem::hdlc::MAX_FRAME;
    for fill in [0x55, 0xff] {
        for n in [0, 2, 3, MAX_FRAME - 2, MAX_FRAME - 1, MAX_FRAME + 1] {
            let mut payload = vec![fill; n];
            payload.extend_from_slice(&[0x7e, 1, 2, 3]);
            modem_checks::check_hdlc(&payload, 1);
        }
    }
}
