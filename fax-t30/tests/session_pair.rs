//! Two sessions wired back to back (no exchange): the engine on its own.

use fax_t30::media::{IfpPacket, FRAME_SAMPLES};
use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::{Document, FaxEvent, FaxOptions, FaxSession, PageSource, T38Options, Transport};
use std::path::PathBuf;
use test_kit::Scratch;

fn pages(n: u32, res: Resolution) -> Vec<BilevelPage> {
    let w = PaperSize::A4.width();
    let rows = PaperSize::A4.rows(res);
    (0..n)
        .map(|i| BilevelPage::test_pattern(w, rows, res, 40 + i as u64))
        .collect()
}

/// The two sessions, the pages sent, the receiver's file, and the directory
/// the files are in (removed when dropped).
fn pair(
    transport: Transport,
    ecm: bool,
    n: u32,
    name: &str,
) -> (FaxSession, FaxSession, Vec<BilevelPage>, PathBuf, Scratch) {
    let d = Scratch::new(name);
    let src = pages(n, Resolution::Fine);
    let tx_opts = FaxOptions {
        ecm,
        ident: "SENDER".into(),
        ..Default::default()
    };
    let rx_opts = FaxOptions {
        ecm,
        calling_party: false,
        ident: "RECEIVER".into(),
        ..Default::default()
    };
    let tx = FaxSession::new(
        &tx_opts,
        transport,
        Document::Send(PageSource::Pages {
            pages: src.clone(),
            spool: d.join("tx.tif"),
        }),
    )
    .unwrap();
    let rx_file = d.join("rx.tif");
    let rx = FaxSession::new(&rx_opts, transport, Document::Receive(rx_file.clone())).unwrap();
    (tx, rx, src, rx_file, d)
}

#[test]
fn audio_back_to_back_sends_every_page() {
    let (mut tx, mut rx, src, rx_file, _dir) = pair(Transport::Audio, true, 2, "audio_b2b");
    let mut events = Vec::new();
    for _ in 0..(10 * 60 * 50) {
        let a = tx.poll_audio();
        let b = rx.poll_audio();
        rx.handle_audio(&a);
        tx.handle_audio(&b);
        while let Some(e) = tx.poll_event() {
            events.push(("tx", e));
        }
        while let Some(e) = rx.poll_event() {
            events.push(("rx", e));
        }
        if tx.is_finished() && rx.is_finished() {
            break;
        }
    }
    for e in &events {
        eprintln!("{e:?}");
    }
    let out = tx.outcome().expect("sender finished");
    assert!(out.success, "{}", out.summary());
    assert_eq!(out.pages_confirmed, 2);
    assert_eq!(out.remote_ident.as_deref(), Some("RECEIVER"));
    let rxo = rx.outcome().expect("receiver finished");
    assert!(rxo.success, "{}", rxo.summary());
    assert_eq!(rxo.received_pages.len(), 2);
    let got = fax_t30::tiff::read_tiff_file(&rx_file).unwrap();
    assert_eq!(got.len(), 2);
    for (g, s) in got.iter().zip(&src) {
        let p = g.decode().unwrap();
        assert_eq!(p.data(), s.data(), "received page differs");
    }
    assert!(events.iter().any(|(s, e)| *s == "tx"
        && matches!(
            e,
            FaxEvent::Negotiated {
                bit_rate: 14400,
                ecm: true
            }
        )));
    assert_eq!(FRAME_SAMPLES, 160);
}

#[test]
fn t38_back_to_back_sends_every_page() {
    let (mut tx, mut rx, src, rx_file, _dir) =
        pair(Transport::T38(T38Options::default()), false, 2, "t38_b2b");
    for _ in 0..(10 * 60 * 50) {
        tx.handle_tick();
        rx.handle_tick();
        let a: Vec<IfpPacket> = std::iter::from_fn(|| tx.poll_ifp()).collect();
        let b: Vec<IfpPacket> = std::iter::from_fn(|| rx.poll_ifp()).collect();
        for p in &a {
            rx.handle_ifp(p);
        }
        for p in &b {
            tx.handle_ifp(p);
        }
        while tx.poll_event().is_some() {}
        while rx.poll_event().is_some() {}
        if tx.is_finished() && rx.is_finished() {
            break;
        }
    }
    let out = tx.outcome().expect("sender finished");
    assert!(out.success, "{}", out.summary());
    let got = fax_t30::tiff::read_tiff_file(&rx_file).unwrap();
    assert_eq!(got.len(), src.len());
    for (g, s) in got.iter().zip(&src) {
        assert_eq!(g.decode().unwrap().data(), s.data());
    }
}

#[test]
fn a_resumed_send_starts_at_the_first_unconfirmed_page() {
    let d = Scratch::new("resume");
    let src = pages(3, Resolution::Fine);
    let doc = d.join("doc.tif");
    let tiff: Vec<_> = src
        .iter()
        .map(|p| fax_t30::tiff::TiffPage::from_page(p, fax_t30::codec::Compression::T6))
        .collect();
    fax_t30::tiff::write_tiff_file(&doc, &tiff, &Default::default()).unwrap();
    let tx_opts = FaxOptions::default();
    let rx_opts = FaxOptions {
        calling_party: false,
        ..Default::default()
    };
    let mut tx = FaxSession::new(
        &tx_opts,
        Transport::Audio,
        Document::Send(PageSource::TiffFrom {
            path: doc,
            first_page: 2,
        }),
    )
    .unwrap();
    let rx_file = d.join("rx.tif");
    let mut rx = FaxSession::new(
        &rx_opts,
        Transport::Audio,
        Document::Receive(rx_file.clone()),
    )
    .unwrap();
    while !(tx.is_finished() && rx.is_finished()) {
        let a = tx.poll_audio();
        let b = rx.poll_audio();
        rx.handle_audio(&a);
        tx.handle_audio(&b);
        assert!(tx.elapsed_samples() < 8000 * 600, "stuck");
    }
    let out = tx.outcome().unwrap();
    assert!(out.success, "{}", out.summary());
    assert_eq!((out.pages_confirmed, out.pages_total), (2, Some(2)));
    let got = fax_t30::tiff::read_tiff_file(&rx_file).unwrap();
    assert_eq!(got.len(), 2);
    assert!(got[0].decode().unwrap().data() == src[1].data());
    assert!(got[1].decode().unwrap().data() == src[2].data());
}
