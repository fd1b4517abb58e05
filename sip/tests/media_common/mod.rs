//! Shared by the media tests: a simulated network (delay, jitter, loss,
//! duplication) on a simulated clock, and fax documents.
#![allow(dead_code)]

use std::cmp::Reverse;
use std::collections::BinaryHeap;
use std::path::PathBuf;
use std::time::{Duration, Instant};

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::{Document, FaxOptions, FaxSession, PageSource, Transport};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};

/// A one-way network: each datagram is delayed by `base` plus a uniform
/// jitter in `±jitter` (which reorders packets sent closer together than the
/// jitter range), lost with probability `loss`, duplicated with `dup`.
pub struct Net {
    rng: SmallRng,
    pub base: Duration,
    pub jitter: Duration,
    pub loss: f64,
    pub dup: f64,
    queue: BinaryHeap<Reverse<(u64, u64, Vec<u8>)>>,
    order: u64,
    pub sent: u64,
    pub lost: u64,
    pub duplicated: u64,
    /// Datagrams that arrived before one sent earlier.
    pub reordered: u64,
    max_order: u64,
}

impl Net {
    pub fn new(seed: u64, base: Duration, jitter: Duration, loss: f64, dup: f64) -> Net {
        Net {
            rng: SmallRng::seed_from_u64(seed),
            base,
            jitter,
            loss,
            dup,
            queue: BinaryHeap::new(),
            order: 0,
            sent: 0,
            lost: 0,
            duplicated: 0,
            reordered: 0,
            max_order: 0,
        }
    }

    fn delay_us(&mut self) -> u64 {
        let j = self.jitter.as_micros() as i64;
        let d = self.base.as_micros() as i64 + if j > 0 { self.rng.gen_range(-j..=j) } else { 0 };
        d.max(0) as u64
    }

    /// Send at global time `now_us`.
    pub fn send(&mut self, now_us: u64, pkt: Vec<u8>) {
        self.sent += 1;
        if self.rng.gen_bool(self.loss) {
            self.lost += 1;
            return;
        }
        if self.rng.gen_bool(self.dup) {
            self.duplicated += 1;
            let d = self.delay_us();
            self.order += 1;
            self.queue
                .push(Reverse((now_us + d, self.order, pkt.clone())));
        }
        let d = self.delay_us();
        self.order += 1;
        self.queue.push(Reverse((now_us + d, self.order, pkt)));
    }

    /// The next datagram due at or before `now_us`.
    pub fn recv(&mut self, now_us: u64) -> Option<Vec<u8>> {
        match self.queue.peek() {
            Some(Reverse((at, _, _))) if *at <= now_us => {
                let Reverse((_, order, pkt)) = self.queue.pop().expect("peeked");
                if order < self.max_order {
                    self.reordered += 1;
                }
                self.max_order = self.max_order.max(order);
                Some(pkt)
            }
            _ => None,
        }
    }

    /// Global time of the next arrival.
    pub fn next_arrival(&self) -> Option<u64> {
        self.queue.peek().map(|Reverse((at, _, _))| *at)
    }
}

/// A local clock that runs `1 + ppm/1e6` times as fast as global time.
#[derive(Clone, Copy)]
pub struct Clock {
    pub epoch: Instant,
    pub ppm: f64,
}

impl Clock {
    pub fn local(&self, global_us: u64) -> Instant {
        self.epoch
            + Duration::from_nanos((global_us as f64 * 1000.0 * (1.0 + self.ppm * 1e-6)) as u64)
    }

    /// Global time of local tick `k` (every 20 ms of local time).
    pub fn tick_global_us(&self, k: u64) -> u64 {
        (k as f64 * 20_000.0 / (1.0 + self.ppm * 1e-6)).round() as u64
    }
}

pub fn pages(n: u32) -> Vec<BilevelPage> {
    let res = Resolution::Fine;
    (0..n)
        .map(|i| {
            BilevelPage::test_pattern(
                PaperSize::A4.width(),
                PaperSize::A4.rows(res),
                res,
                70 + i as u64,
            )
        })
        .collect()
}

/// A sender and a receiver session; returns them with the pages sent and
/// the receiver's file.
pub fn fax_pair(
    transport: Transport,
    ecm: bool,
    n: u32,
    dir: &std::path::Path,
) -> (FaxSession, FaxSession, Vec<BilevelPage>, PathBuf) {
    let src = pages(n);
    let tx = FaxSession::new(
        &FaxOptions {
            ecm,
            ident: "MEDIA TX".into(),
            ..Default::default()
        },
        transport,
        Document::Send(PageSource::Pages {
            pages: src.clone(),
            spool: dir.join("tx.tif"),
        }),
    )
    .unwrap();
    let rx_file = dir.join("rx.tif");
    let rx = FaxSession::new(
        &FaxOptions {
            ecm,
            calling_party: false,
            ident: "MEDIA RX".into(),
            ..Default::default()
        },
        transport,
        Document::Receive(rx_file.clone()),
    )
    .unwrap();
    (tx, rx, src, rx_file)
}

/// The receiver's file holds exactly the pages sent.
pub fn assert_pages_equal(rx_file: &std::path::Path, src: &[BilevelPage]) {
    let got = fax_t30::tiff::read_tiff_file(rx_file).unwrap();
    assert_eq!(got.len(), src.len(), "pages in the received file");
    for (i, (g, s)) in got.iter().zip(src).enumerate() {
        assert_eq!(
            g.decode().unwrap().data(),
            s.data(),
            "page {} differs",
            i + 1
        );
    }
}
