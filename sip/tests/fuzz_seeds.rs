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
