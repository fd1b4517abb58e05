//! Replays the fuzz corpora (fuzz/corpus/sip_message, fuzz/corpus/sdp,
//! written by fuzz/make_sip_corpus.py) through the fuzz targets' own
//! checks, and pins which seeds are readable and which are refused.

use std::path::Path;

use sip::sdp::SessionDescription;
use sip::wire;

fn seeds(target: &str) -> Vec<(String, Vec<u8>)> {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR"))
        .join("../fuzz/corpus")
        .join(target);
    let mut out: Vec<(String, Vec<u8>)> = std::fs::read_dir(&dir)
        .expect("fuzz corpus")
        .map(|e| {
            let e = e.unwrap();
            (
                e.file_name().to_string_lossy().into_owned(),
                std::fs::read(e.path()).unwrap(),
            )
        })
        .collect();
    out.sort();
    assert!(out.len() >= 8, "corpus {target} is there");
    out
}

#[test]
fn sip_message_seeds_pass_the_fuzz_checks() {
    for (name, data) in seeds("sip_message") {
        sip::fuzzing::check_message(&data);
        let parsed = wire::parse_datagram(&data);
        let refused = [
            "binary",
            "huge-header",
            "lying-content-length",
            "two-content-lengths",
            "missing-cseq",
            "bad-cseq",
            "unknown-method",
            "nul-in-header",
            "crash-error-text-utf8",
        ];
        match parsed {
            Ok(Some(_)) => assert!(!refused.contains(&name.as_str()), "{name} must be refused"),
            Ok(None) => assert_eq!(name, "keepalive"),
            Err(e) => assert!(refused.contains(&name.as_str()), "{name}: {e}"),
        }
    }
}

#[test]
fn sdp_seeds_pass_the_fuzz_checks() {
    for (name, data) in seeds("sdp") {
        sip::fuzzing::check_sdp(&data);
        let bad = ["binary", "no-origin", "bad-port"];
        assert_eq!(
            SessionDescription::parse(&data).is_ok(),
            !bad.contains(&name.as_str()),
            "{name}"
        );
    }
}

/// A stable-toolchain stand-in for the fuzzers: random byte flips,
/// truncations and splices of every seed through the same checks
/// (`SIP_MUTATIONS` per seed, 200 by default).
#[test]
fn mutated_seeds_pass_the_fuzz_checks() {
    let rounds: usize = std::env::var("SIP_MUTATIONS")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(200);
    let mut state = 0x5eed_u64;
    let mut rand = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    for (target, check) in [
        ("sip_message", sip::fuzzing::check_message as fn(&[u8])),
        ("sdp", sip::fuzzing::check_sdp as fn(&[u8])),
    ] {
        let all = seeds(target);
        for (_, seed) in &all {
            for _ in 0..rounds {
                let mut b = seed.clone();
                match rand() % 4 {
                    0 => {
                        for _ in 0..1 + rand() % 4 {
                            if !b.is_empty() {
                                let i = rand() as usize % b.len();
                                b[i] = rand() as u8;
                            }
                        }
                    }
                    1 => b.truncate(rand() as usize % (b.len() + 1)),
                    2 => {
                        let other = &all[rand() as usize % all.len()].1;
                        let cut = rand() as usize % (b.len() + 1);
                        let from = rand() as usize % (other.len() + 1);
                        b.truncate(cut);
                        b.extend_from_slice(&other[from..]);
                    }
                    _ => {
                        // Insert a delimiter that parsers care about.
                        let tokens: [&[u8]; 8] =
                            [b"\r\n", b":", b";", b",", b"\"", b"<", b"\r\n ", b"="];
                        let t = tokens[rand() as usize % tokens.len()];
                        let at = rand() as usize % (b.len() + 1);
                        b.splice(at..at, t.iter().copied());
                    }
                }
                check(&b);
            }
        }
    }
}
