//! Replays the seed corpus of the capi_message fuzz target
//! (fuzz/corpus/capi_message, written by fuzz/make_capi_corpus.py from the
//! CAPI 2.0 specification) through the target's own checks on a stable
//! toolchain, pins what the named seeds give (the broken ones: a clean
//! error naming what broke), and runs random mutations of the seeds
//! through the same checks.

#[allow(dead_code)]
#[path = "../../fuzz/fuzz_targets/capi_checks.rs"]
mod capi_checks;

use capi_checks::{read, Transcript};
use line_drivers::capi::msg::{cmd, Params, IND};
use line_drivers::capi::WireError;
use test_kit::fuzz::{mutate_seeds, rounds, seeds};

fn commands(t: &Transcript) -> Vec<(u8, u8)> {
    t.messages.iter().map(|(m, _)| m.command()).collect()
}

/// What the named seeds must give; the others only pass the checks.
fn expect(name: &str, t: &Transcript) {
    match name {
        "connect-ind" => {
            let Params::ConnectInd(c) = &t.messages[0].0.params else {
                panic!("{t:?}")
            };
            assert_eq!(c.cip, 16);
            assert_eq!(c.called.as_ref().unwrap().digits_str(), "4712");
            let calling = c.calling.as_ref().unwrap();
            assert_eq!(calling.digits_str(), "3098765");
            assert_eq!((calling.type_plan, calling.presentation), (0x21, 0x83));
            assert_eq!(c.additional.as_ref().unwrap().b_channel, [0, 0]);
            assert!(t.error.is_none());
        }
        "incoming-call" => {
            assert_eq!(t.messages.len(), 10, "{:?}", commands(t));
            assert!(t.error.is_none());
            // The data of both DATA_B3_INDs was stepped over.
            let data: Vec<usize> = t.messages.iter().map(|(_, d)| *d).collect();
            assert_eq!(data.iter().sum::<usize>(), 320);
            assert_eq!(commands(t)[9], (cmd::DISCONNECT, IND));
            assert!(matches!(
                t.messages[9].0.params,
                Params::DisconnectInd { reason: 0x3490 }
            ));
        }
        "outgoing-call" => {
            assert_eq!(t.messages.len(), 7);
            assert!(t.error.is_none());
        }
        "data-b3-ind-32bit" => {
            let Params::DataB3Ind(d) = &t.messages[0].0.params else {
                panic!("{t:?}")
            };
            assert_eq!((d.length, d.handle, d.data64), (160, 4, None));
        }
        "long-struct" => {
            let Params::DisconnectB3Ind { ncpi, .. } = &t.messages[0].0.params else {
                panic!("{t:?}")
            };
            assert_eq!(ncpi.len(), 300);
        }
        "bad-struct-overrun" => assert_eq!(t.error, Some(WireError::Truncated("NCPI"))),
        "bad-length-short" => assert_eq!(t.error, Some(WireError::BadLength(6))),
        "bad-length-huge" => assert_eq!(t.error, Some(WireError::BadLength(0xfff0))),
        "bad-unknown-command" => {
            assert_eq!(t.error, Some(WireError::UnknownCommand(0x41, 0x81)))
        }
        "bad-number-control-char" => {
            assert_eq!(t.error, Some(WireError::BadStruct("called party number")))
        }
        "bad-calling-one-octet" => {
            assert_eq!(t.error, Some(WireError::BadStruct("calling party number")))
        }
        "bad-bprotocol-cut" => {
            assert_eq!(t.error, Some(WireError::Truncated("B3 protocol")))
        }
        "truncated-header" | "truncated-data-ind" => {
            assert!(t.messages.is_empty() && t.error.is_none(), "{t:?}")
        }
        _ => {}
    }
}

#[test]
fn capi_seeds_pass_the_fuzz_checks_and_broken_ones_say_what_broke() {
    let all = seeds("capi_message", 15);
    for (name, data) in &all {
        capi_checks::check_capi(data);
        expect(name, &read(data));
    }
    for required in ["incoming-call", "bad-struct-overrun", "bad-length-huge"] {
        assert!(all.iter().any(|(n, _)| n == required), "{required} missing");
    }
}

#[test]
fn mutated_capi_seeds_pass_the_fuzz_checks() {
    let tokens: &[&[u8]] = &[&[0xff], &[0xff, 0xff], &[0, 0], &[0x82], &[0x86, 0x82]];
    mutate_seeds(&seeds("capi_message", 15), rounds(200), tokens, |b| {
        capi_checks::check_capi(b)
    });
}

#[test]
fn rcapi_seeds_read_as_frames() {
    use line_drivers::capi::rcapi::Frame;
    for (name, data) in seeds("capi_message", 15) {
        let (frames, failed) = capi_checks::read_frames(&data, 5);
        match name.as_str() {
            "rcapi-session" => {
                assert!(!failed);
                let frames: Vec<Frame> = frames.into_iter().map(Result::unwrap).collect();
                assert_eq!(frames.len(), 6);
                assert!(matches!(
                    frames[0],
                    Frame::RegisterReq {
                        max_b_blocks: 7,
                        version: 2,
                        ..
                    }
                ));
                assert!(matches!(frames[1], Frame::RegisterConf { info: 0, .. }));
                assert!(frames[5].is_data());
            }
            "bad-rcapi-length" => {
                assert!(failed);
                assert_eq!(frames, [Err(WireError::BadLength(0xffff))]);
            }
            _ => {}
        }
    }
}
