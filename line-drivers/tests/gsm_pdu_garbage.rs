//! The PDU codec never panics on what a modem may hand over: random
//! flips, cuts, splices and header-ish tokens in valid PDUs, and plain
//! random bytes, each through `Tpdu::decode_with_smsc` (and the hex reader).
//! What decodes must stay within one SMS, and encoding it again may
//! refuse but must not panic.

use line_drivers::gsm::{
    from_hex, split, to_hex, with_smsc, Address, Deliver, Reference, StatusReport, Submit,
    Timestamp, Tpdu,
};
use test_kit::fuzz::{mutate_seeds, rounds};

fn stamp() -> Timestamp {
    Timestamp {
        year: 26,
        month: 2,
        day: 28,
        hour: 23,
        minute: 59,
        second: 0,
        tz_quarters: -8,
    }
}

fn seeds() -> Vec<(String, Vec<u8>)> {
    let to = Address::number("+491701234567").expect("number");
    let smsc = Address::number("+4917").expect("number");
    let mut out = Vec::new();
    for (i, text) in [
        "hi",
        "€[]{} and more",
        "Grüße 😀",
        &"x".repeat(200),
        &"ł".repeat(80),
    ]
    .iter()
    .enumerate()
    {
        for ud in split(text, Reference::Wide(0x1234), 9).expect("splits") {
            let s = Submit {
                reference: i as u8,
                to: to.clone(),
                status_report: true,
                reject_duplicates: true,
                validity: Some(line_drivers::gsm::Validity(167)),
                user_data: ud.clone(),
            };
            let d = Deliver {
                from: Address {
                    kind: line_drivers::gsm::AddressKind::Alphanumeric,
                    value: "ACME".into(),
                },
                sent: stamp(),
                status_report: true,
                more_to_send: true,
                user_data: ud,
            };
            let tpdus = [s.encode().expect("submit"), d.encode().expect("deliver")];
            for (j, t) in tpdus.iter().enumerate() {
                out.push((format!("{i}-{j}"), with_smsc(Some(&smsc), t).expect("pdu")));
            }
        }
    }
    let r = StatusReport {
        reference: 9,
        recipient: to,
        submitted: stamp(),
        discharged: stamp(),
        status: 0x46,
    };
    out.push((
        "sr".into(),
        with_smsc(None, &r.encode().expect("sr")).expect("pdu"),
    ));
    out
}

/// The checks every input goes through.
fn check(bytes: &[u8]) {
    if let Ok((_, tpdu)) = Tpdu::decode_with_smsc(bytes) {
        let (ud, again) = match &tpdu {
            Tpdu::Submit(s) => (Some(&s.user_data), s.encode().map(|_| ())),
            Tpdu::Deliver(d) => (Some(&d.user_data), d.encode().map(|_| ())),
            Tpdu::StatusReport(r) => (None, r.encode().map(|_| ())),
        };
        if let Some(ud) = ud {
            assert!(ud.text.chars().count() <= 160, "{}", to_hex(bytes));
        }
        // An unknown alphabet or address type may make it refuse.
        let _ = again;
    }
    let _ = from_hex(&String::from_utf8_lossy(bytes));
}

#[test]
fn mutated_pdus_never_panic() {
    let seeds = seeds();
    for (name, s) in &seeds {
        assert!(Tpdu::decode_with_smsc(s).is_ok(), "seed {name} decodes");
    }
    let tokens: &[&[u8]] = &[
        &[0x00],
        &[0xff],
        &[0x05, 0x00, 0x03],
        &[0x06, 0x08, 0x04],
        &[0xa0],
        &[0x8c],
    ];
    let mut n = 0;
    mutate_seeds(&seeds, rounds(2000), tokens, |b| {
        check(b);
        n += 1;
    });
    assert!(n >= seeds.len() * 100);
}

#[test]
fn random_bytes_never_panic() {
    let mut state = 0x9e37_79b9_7f4a_7c15_u64;
    let mut rand = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let mut decoded = 0;
    for _ in 0..rounds(2000) * 20 {
        let len = (rand() % 200) as usize;
        let mut b: Vec<u8> = (0..len).map(|_| rand() as u8).collect();
        // Half of them with a plausible start, so the parser goes deeper.
        if rand() % 2 == 0 && b.len() > 2 {
            b[0] = 0;
            b[1] &= 0x43;
        }
        check(&b);
        decoded += usize::from(Tpdu::decode_with_smsc(&b).is_ok());
    }
    eprintln!("{decoded} random inputs decoded");
}
