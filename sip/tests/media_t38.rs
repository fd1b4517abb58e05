//! T.38 over UDPTL: the wire format (checked against hand-built octets of
//! the T.38 ASN.1 PER encoding), recovery from redundancy and FEC, and two
//! fax sessions exchanging multi-page faxes across a lossy, reordering
//! network through our UDPTL encoder and receiver.

mod media_common;

use std::time::Duration;

use fax_t30::media::IfpPacket;
use fax_t30::{FaxSession, T38Options, Transport};
use media_common::{assert_pages_equal, fax_pair, Net};
use rand::rngs::SmallRng;
use rand::{Rng, SeedableRng};
use sip::media::ifp::{self, Ifp};
use sip::media::udptl::{ErrorCorrection, Recovery, UdptlPacket, UdptlReceiver, UdptlSender};
use test_kit::{origin, Scratch};

#[test]
fn udptl_octets_match_the_per_encoding() {
    // seq 0x0102, primary [0x02] (CNG indicator), redundancy with two
    // secondaries [0x00] and [0x04 0x05].
    let p = UdptlPacket {
        seq: 0x0102,
        primary: vec![0x02],
        recovery: Recovery::Redundancy(vec![vec![0x00], vec![0x04, 0x05]]),
    };
    let b = p.encode().unwrap();
    assert_eq!(
        b,
        [0x01, 0x02, 0x01, 0x02, 0x00, 0x02, 0x01, 0x00, 0x02, 0x04, 0x05]
    );
    assert_eq!(UdptlPacket::decode(&b).unwrap(), p);
    // FEC: choice bit set, fec-npackets as a one-octet integer, entries.
    let p = UdptlPacket {
        seq: 7,
        primary: vec![0xC0; 200],
        recovery: Recovery::Fec {
            span: 3,
            entries: vec![vec![1, 2], vec![3]],
        },
    };
    let b = p.encode().unwrap();
    // A 200-octet open type takes a two-octet length determinant.
    assert_eq!(&b[..4], &[0x00, 0x07, 0x80, 200]);
    assert_eq!(&b[204..], &[0x80, 0x01, 0x03, 0x02, 0x02, 1, 2, 0x01, 3]);
    assert_eq!(UdptlPacket::decode(&b).unwrap(), p);
    // IFP: CNG indicator is 0x02, a V.21 HDLC data packet as spandsp
    // builds it.
    assert_eq!(
        Ifp::Indicator(ifp::indicator::CNG).encode(0).unwrap(),
        [0x02]
    );
    let d = Ifp::Data {
        data_type: ifp::data::V21,
        fields: vec![ifp::Field {
            field_type: ifp::field::HDLC_DATA,
            data: vec![0xFF, 0xC8],
        }],
    };
    assert_eq!(
        d.encode(1).unwrap(),
        [0xC0, 0x01, 0x80, 0x00, 0x01, 0xFF, 0xC8]
    );
}

#[test]
fn malformed_datagrams_are_refused_without_panic() {
    let good = UdptlPacket {
        seq: 9,
        primary: vec![0x02],
        recovery: Recovery::Redundancy(vec![vec![0x00]]),
    }
    .encode()
    .unwrap();
    for cut in 0..good.len() {
        assert!(UdptlPacket::decode(&good[..cut]).is_err(), "cut at {cut}");
    }
    let mut long = good.clone();
    long.push(0);
    assert!(UdptlPacket::decode(&long).is_err());
    let mut rng = SmallRng::seed_from_u64(9);
    let mut rx = UdptlReceiver::new(0, Duration::from_millis(100));
    let t = origin();
    for i in 0..20_000u32 {
        let n = rng.gen_range(0..64);
        let mut b: Vec<u8> = (0..n).map(|_| rng.gen()).collect();
        if i % 2 == 0 && !b.is_empty() {
            // Mutate a valid datagram instead of pure noise.
            b = good.clone();
            let k = rng.gen_range(0..b.len());
            b[k] = rng.gen();
        }
        let _ = UdptlPacket::decode(&b);
        let _ = Ifp::decode(&b, (i % 4) as u8);
        rx.receive(&b, t + Duration::from_millis(i as u64));
        while rx.poll_ifp().is_some() {}
    }
}

#[test]
fn redundancy_and_fec_recover_lost_datagrams_in_order() {
    for ec in [
        ErrorCorrection::Redundancy(2),
        ErrorCorrection::Fec {
            span: 3,
            entries: 3,
        },
    ] {
        let mut tx = UdptlSender::new(ec, 400);
        let mut rx = UdptlReceiver::new(1, Duration::from_millis(500));
        let t = origin();
        let ifps: Vec<Vec<u8>> = (0..200u32)
            .map(|i| {
                Ifp::Data {
                    data_type: ifp::data::V17_14400,
                    fields: vec![ifp::Field {
                        field_type: ifp::field::T4_NON_ECM_DATA,
                        data: (0..(1 + i % 37)).map(|k| (k * 7 + i) as u8).collect(),
                    }],
                }
                .encode(1)
                .unwrap()
            })
            .collect();
        let mut got = Vec::new();
        for (i, d) in ifps.iter().enumerate() {
            let dg = tx.encode((i as u16).wrapping_add(65500), d).unwrap();
            // Lose every 5th datagram (isolated losses, recoverable by both).
            if i % 5 != 2 {
                rx.receive(&dg, t + Duration::from_millis(i as u64 * 20));
            }
            while let Some(p) = rx.poll_ifp() {
                got.push(p);
            }
        }
        rx.poll(t + Duration::from_secs(60));
        while let Some(p) = rx.poll_ifp() {
            got.push(p);
        }
        let st = rx.stats();
        // The last datagram's losses can only be recovered by later ones.
        let expect: Vec<(u16, Vec<u8>)> = ifps
            .iter()
            .enumerate()
            .map(|(i, d)| ((i as u16).wrapping_add(65500), d.clone()))
            .collect();
        assert_eq!(got.len() as u64 + st.lost, 200, "{ec:?} {st:?}");
        assert!(st.lost <= 1, "{ec:?} {st:?}");
        let mut e = expect.iter();
        for g in &got {
            // In order, identical octets (FEC-rebuilt ones trimmed).
            let want = e.find(|w| w.0 == g.0).expect("in order");
            assert_eq!(g, want, "{ec:?}");
        }
        match ec {
            ErrorCorrection::Redundancy(_) => assert!(st.recovered_redundancy >= 39, "{st:?}"),
            ErrorCorrection::Fec { .. } => assert!(st.recovered_fec >= 39, "{st:?}"),
        }
    }
}

fn run_t38(ecm: bool, ec: ErrorCorrection, seed: u64, name: &str) {
    let dir = Scratch::new(name);
    let opts = T38Options::default();
    let (tx, rx, src, rx_file) = fax_pair(Transport::T38(opts), ecm, 3, &dir);
    struct Side {
        s: FaxSession,
        enc: UdptlSender,
        dec: UdptlReceiver,
    }
    let mk = |s| Side {
        s,
        enc: UdptlSender::new(ec, opts.max_datagram as usize),
        dec: UdptlReceiver::new(opts.version, Duration::from_millis(150)),
    };
    let mut sides = [mk(tx), mk(rx)];
    // 10 % loss, 15 ms jitter (reorders the bursts of packets of a tick).
    let mut nets = [
        Net::new(
            seed,
            Duration::from_millis(40),
            Duration::from_millis(15),
            0.10,
            0.01,
        ),
        Net::new(
            seed + 1,
            Duration::from_millis(40),
            Duration::from_millis(15),
            0.10,
            0.01,
        ),
    ];
    let t0 = origin();
    let mut tick = 0u64;
    let limit = 900_000_000u64;
    loop {
        let next_tick = tick * 20_000;
        let t = [
            Some(next_tick),
            nets[0].next_arrival(),
            nets[1].next_arrival(),
        ]
        .into_iter()
        .flatten()
        .min()
        .unwrap();
        assert!(t < limit, "fax did not finish");
        let now = t0 + Duration::from_micros(t);
        for (i, net) in nets.iter_mut().enumerate() {
            let to = &mut sides[1 - i];
            while let Some(p) = net.recv(t) {
                to.dec.receive(&p, now);
            }
        }
        for side in sides.iter_mut() {
            side.dec.poll(now);
            while let Some((seq, data)) = side.dec.poll_ifp() {
                side.s.handle_ifp(&IfpPacket { seq, data });
            }
        }
        if t == next_tick {
            for (i, side) in sides.iter_mut().enumerate() {
                side.s.handle_tick();
                while let Some(p) = side.s.poll_ifp() {
                    let dg = side.enc.encode(p.seq, &p.data).unwrap();
                    nets[i].send(t, dg);
                }
                while side.s.poll_event().is_some() {}
            }
            tick += 1;
        }
        if sides.iter().all(|s| s.s.is_finished()) {
            break;
        }
    }
    let out = sides[0].s.outcome().unwrap();
    let rxo = sides[1].s.outcome().unwrap();
    for (i, s) in sides.iter().enumerate() {
        eprintln!(
            "{name} side {i}: {:?}; net lost {} of {}, reordered {}",
            s.dec.stats(),
            nets[1 - i].lost,
            nets[1 - i].sent,
            nets[1 - i].reordered
        );
    }
    assert!(out.success, "sender: {}", out.summary());
    assert!(rxo.success, "receiver: {}", rxo.summary());
    assert_eq!(out.pages_confirmed, 3);
    assert_eq!(out.ecm, ecm);
    assert_pages_equal(&rx_file, &src);
    let st = sides[1].dec.stats();
    assert!(nets[0].lost > 50 && nets[0].reordered > 10);
    match ec {
        ErrorCorrection::Redundancy(_) => assert!(st.recovered_redundancy > 50, "{st:?}"),
        ErrorCorrection::Fec { .. } => assert!(st.recovered_fec > 20, "{st:?}"),
    }
}

#[test]
fn t38_fax_with_redundancy_over_lossy_network_ecm() {
    run_t38(true, ErrorCorrection::Redundancy(3), 11, "t38-red-ecm");
}

#[test]
fn t38_fax_with_redundancy_over_lossy_network_no_ecm() {
    run_t38(false, ErrorCorrection::Redundancy(3), 21, "t38-red-noecm");
}

#[test]
fn t38_fax_with_fec_over_lossy_network_ecm() {
    run_t38(
        true,
        ErrorCorrection::Fec {
            span: 3,
            entries: 3,
        },
        31,
        "t38-fec-ecm",
    );
}

#[test]
fn t38_fax_with_fec_over_lossy_network_no_ecm() {
    run_t38(
        false,
        ErrorCorrection::Fec {
            span: 3,
            entries: 3,
        },
        41,
        "t38-fec-noecm",
    );
}
