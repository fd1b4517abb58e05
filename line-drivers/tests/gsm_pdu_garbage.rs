//! Replays the seed corpus of the sms_pdu fuzz target (fuzz/corpus/sms_pdu,
//! written by fuzz/make_sms_corpus.py with python3-gammu) through the
//! target's own checks on a stable toolchain, then random flips, cuts,
//! splices and header-ish tokens of the seeds, and plain random bytes: the
//! codec never panics, what it reads stays within one SMS and, written
//! again, reads back the same.

#[path = "../../fuzz/fuzz_targets/sms_pdu_checks.rs"]
mod sms_pdu_checks;

use line_drivers::gsm::Tpdu;
use sms_pdu_checks::check_sms_pdu;
use test_kit::fuzz::{mutate_seeds, rounds, seeds};

#[test]
fn the_seeds_pass_the_checks_and_the_whole_ones_read() {
    let seeds = seeds("sms_pdu", 60);
    let mut read = 0;
    for (name, s) in &seeds {
        check_sms_pdu(s);
        let whole = !name.ends_with("-cut") && !name.ends_with("-flip") && !name.contains("bad");
        if whole {
            let r = Tpdu::decode_with_smsc(s);
            assert!(r.is_ok(), "seed {name}: {r:?}");
            read += 1;
        }
    }
    assert!(read >= 20, "{read} whole seeds");
    let bad = seeds
        .iter()
        .find(|(n, _)| n == "deliver-bad-udh")
        .expect("seed");
    assert!(Tpdu::decode_with_smsc(&bad.1).is_err());
}

#[test]
fn mutated_seeds_pass_the_checks() {
    let seeds = seeds("sms_pdu", 60);
    let tokens: &[&[u8]] = &[
        &[0x00],
        &[0xff],
        &[0x05, 0x00, 0x03],
        &[0x06, 0x08, 0x04],
        &[0xa0],
        &[0x8c],
        &[0xd0],
    ];
    let (mut n, mut read) = (0, 0);
    mutate_seeds(&seeds, rounds(300), tokens, |b| {
        check_sms_pdu(b);
        n += 1;
        read += usize::from(Tpdu::decode_with_smsc(b).is_ok());
    });
    assert!(n >= seeds.len() * 100);
    // Enough of them still read for the write-again check to bite.
    assert!(read >= n / 20, "{read} of {n} read");
}

#[test]
fn random_bytes_pass_the_checks() {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut rand = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for _ in 0..rounds(300) * 100 {
        let len = (rand() % 200) as usize;
        let mut b: Vec<u8> = (0..len).map(|_| rand() as u8).collect();
        // Half of them with a plausible start, so the parser goes deeper.
        if rand() % 2 == 0 && b.len() > 2 {
            b[0] = 0;
            b[1] &= 0x47;
        }
        check_sms_pdu(&b);
    }
}
