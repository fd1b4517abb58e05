//! One sample of every message the codec knows, with every struct filled
//! in somewhere: the seeds of the unit tests, of the libcapi20 check
//! (`line-drivers/tests/capi_libcapi20.rs`) and of the fuzz corpus.

use super::msg::{self, DataB3, Message, Params};
use super::structs::{
    AdditionalInfo, BProtocol, CalledNumber, CallingNumber, DtmfFunction, DtmfRequest,
    FACILITY_DTMF, PLAN_ISDN, PRESENTATION_RESTRICTED, TYPE_NATIONAL,
};

const PLCI: u32 = 0x0101;
const NCCI: u32 = 0x0001_0101;

fn additional() -> Option<AdditionalInfo> {
    Some(AdditionalInfo {
        b_channel: vec![0, 0],
        keypad: b"*31#".to_vec(),
        user_user: Vec::new(),
        facility_data: Vec::new(),
        sending_complete: vec![1, 0],
    })
}

fn fax_b_protocol() -> BProtocol {
    BProtocol {
        b1: 4,
        b2: 4,
        b3: 4,
        // T.30 B1 configuration: maximum rate 14400, transmit level 0,
        // reserved words.
        b1_config: vec![0x40, 0x38, 0, 0, 0, 0, 0, 0],
        b2_config: Vec::new(),
        // B3 T.30: resolution fine, format SFF, station id, head line.
        b3_config: [&[1, 0, 0, 0, 11][..], b"+49 30 1234", &[4], b"ums!"].concat(),
        global_config: Vec::new(),
    }
}

/// Named samples: one per message (and a few variants).
pub fn all() -> Vec<(&'static str, Message)> {
    use Params::*;
    let m = |address: u32, number: u16, params: Params| Message {
        app_id: 1,
        number,
        address,
        params,
    };
    let data = DataB3 {
        data32: 0,
        length: 160,
        handle: 7,
        flags: 0,
        data64: Some(0),
    };
    vec![
        (
            "listen-req",
            m(
                1,
                1,
                ListenReq {
                    info_mask: 0x0000_01ff,
                    cip_mask: 0x0002_0013,
                    cip_mask2: 0,
                    calling: None,
                    calling_subaddress: Vec::new(),
                },
            ),
        ),
        ("listen-conf", m(1, 1, ListenConf { info: 0 })),
        (
            "connect-req",
            m(
                1,
                2,
                ConnectReq(Box::new(msg::ConnectReq {
                    cip: 4,
                    called: Some(CalledNumber::unknown("0301234567")),
                    calling: Some(CallingNumber::msn("4711")),
                    called_subaddress: Vec::new(),
                    calling_subaddress: Vec::new(),
                    b_protocol: Some(BProtocol::transparent()),
                    bc: Vec::new(),
                    llc: Vec::new(),
                    hlc: Vec::new(),
                    additional: None,
                })),
            ),
        ),
        (
            "connect-req-fax",
            m(
                2,
                3,
                ConnectReq(Box::new(msg::ConnectReq {
                    cip: 17,
                    called: Some(CalledNumber::unknown("12")),
                    calling: Some(CallingNumber {
                        type_plan: TYPE_NATIONAL | PLAN_ISDN,
                        presentation: PRESENTATION_RESTRICTED,
                        digits: b"301111".to_vec(),
                    }),
                    called_subaddress: vec![0x80, 0x50, b'1'],
                    calling_subaddress: Vec::new(),
                    b_protocol: Some(fax_b_protocol()),
                    bc: vec![0x80, 0x90, 0xa3],
                    llc: Vec::new(),
                    hlc: vec![0x91, 0x84],
                    additional: additional(),
                })),
            ),
        ),
        ("connect-conf", m(PLCI, 2, ConnectConf { info: 0 })),
        ("connect-conf-error", m(1, 2, ConnectConf { info: 0x2002 })),
        (
            "connect-ind",
            m(
                PLCI,
                0x8001,
                ConnectInd(Box::new(msg::ConnectInd {
                    cip: 16,
                    called: Some(CalledNumber {
                        type_plan: 0xc1,
                        digits: b"4712".to_vec(),
                    }),
                    calling: Some(CallingNumber {
                        type_plan: 0x21,
                        presentation: 0x83,
                        digits: b"3098765".to_vec(),
                    }),
                    called_subaddress: Vec::new(),
                    calling_subaddress: Vec::new(),
                    bc: vec![0x80, 0x90, 0xa3],
                    llc: Vec::new(),
                    hlc: vec![0x91, 0x84],
                    additional: Some(AdditionalInfo {
                        b_channel: vec![0, 0],
                        ..AdditionalInfo::default()
                    }),
                })),
            ),
        ),
        (
            "connect-resp",
            m(
                PLCI,
                0x8001,
                ConnectResp(Box::new(msg::ConnectResp {
                    reject: 0,
                    b_protocol: Some(BProtocol::transparent()),
                    connected: Some(CallingNumber::msn("4712")),
                    connected_subaddress: Vec::new(),
                    llc: Vec::new(),
                    additional: None,
                })),
            ),
        ),
        (
            "connect-resp-busy",
            m(
                PLCI,
                0x8002,
                ConnectResp(Box::new(msg::ConnectResp {
                    reject: 3,
                    b_protocol: None,
                    connected: None,
                    connected_subaddress: Vec::new(),
                    llc: Vec::new(),
                    additional: None,
                })),
            ),
        ),
        (
            "connect-active-ind",
            m(
                PLCI,
                0x8003,
                ConnectActiveInd {
                    connected: Some(CallingNumber::msn("0301234567")),
                    connected_subaddress: Vec::new(),
                    llc: Vec::new(),
                },
            ),
        ),
        ("connect-active-resp", m(PLCI, 0x8003, ConnectActiveResp)),
        ("alert-req", m(PLCI, 4, AlertReq { additional: None })),
        ("alert-conf", m(PLCI, 4, AlertConf { info: 0 })),
        (
            "connect-b3-req",
            m(PLCI, 5, ConnectB3Req { ncpi: Vec::new() }),
        ),
        ("connect-b3-conf", m(NCCI, 5, ConnectB3Conf { info: 0 })),
        (
            "connect-b3-ind",
            m(NCCI, 0x8004, ConnectB3Ind { ncpi: Vec::new() }),
        ),
        (
            "connect-b3-resp",
            m(
                NCCI,
                0x8004,
                ConnectB3Resp {
                    reject: 0,
                    ncpi: Vec::new(),
                },
            ),
        ),
        (
            "connect-b3-active-ind",
            m(
                NCCI,
                0x8005,
                ConnectB3ActiveInd {
                    // T.30 NCPI: rate 14400, options, ident, format, pages.
                    ncpi: [&[0x40, 0x38, 1, 0, 0, 0, 11][..], b"+49 30 9999"].concat(),
                },
            ),
        ),
        (
            "connect-b3-active-resp",
            m(NCCI, 0x8005, ConnectB3ActiveResp),
        ),
        ("data-b3-req", m(NCCI, 6, DataB3Req(data.clone()))),
        (
            "data-b3-req-32bit",
            m(
                NCCI,
                7,
                DataB3Req(DataB3 {
                    data32: 0x1234_5678,
                    data64: None,
                    flags: 4,
                    ..data.clone()
                }),
            ),
        ),
        (
            "data-b3-conf",
            m(NCCI, 6, DataB3Conf { handle: 7, info: 0 }),
        ),
        ("data-b3-ind", m(NCCI, 0x8006, DataB3Ind(data))),
        ("data-b3-resp", m(NCCI, 0x8006, DataB3Resp { handle: 7 })),
        (
            "disconnect-b3-req",
            m(NCCI, 8, DisconnectB3Req { ncpi: Vec::new() }),
        ),
        (
            "disconnect-b3-conf",
            m(NCCI, 8, DisconnectB3Conf { info: 0 }),
        ),
        (
            "disconnect-b3-ind",
            m(
                NCCI,
                0x8007,
                DisconnectB3Ind {
                    reason_b3: 0x3311,
                    ncpi: Vec::new(),
                },
            ),
        ),
        ("disconnect-b3-resp", m(NCCI, 0x8007, DisconnectB3Resp)),
        (
            "disconnect-req",
            m(
                PLCI,
                9,
                DisconnectReq {
                    additional: additional(),
                },
            ),
        ),
        ("disconnect-conf", m(PLCI, 9, DisconnectConf { info: 0 })),
        (
            "disconnect-ind",
            m(PLCI, 0x8008, DisconnectInd { reason: 0x3490 }),
        ),
        ("disconnect-resp", m(PLCI, 0x8008, DisconnectResp)),
        (
            "info-req",
            m(
                PLCI,
                10,
                InfoReq {
                    called: Some(CalledNumber::unknown("5")),
                    additional: None,
                },
            ),
        ),
        ("info-conf", m(PLCI, 10, InfoConf { info: 0 })),
        (
            "info-ind",
            m(
                PLCI,
                0x8009,
                InfoInd {
                    number: 0x0008,
                    element: vec![0x80, 0x90],
                },
            ),
        ),
        ("info-resp", m(PLCI, 0x8009, InfoResp)),
        (
            "facility-req-dtmf",
            m(
                PLCI,
                11,
                FacilityReq {
                    selector: FACILITY_DTMF,
                    parameter: DtmfRequest {
                        function: DtmfFunction::Send,
                        tone_ms: 80,
                        gap_ms: 80,
                        digits: b"123#".to_vec(),
                        characteristics: Vec::new(),
                    }
                    .content(),
                },
            ),
        ),
        (
            "facility-conf-dtmf",
            m(
                PLCI,
                11,
                FacilityConf {
                    info: 0,
                    selector: FACILITY_DTMF,
                    parameter: vec![0, 0],
                },
            ),
        ),
        (
            "facility-ind-dtmf",
            m(
                PLCI,
                0x800a,
                FacilityInd {
                    selector: FACILITY_DTMF,
                    parameter: b"5".to_vec(),
                },
            ),
        ),
        (
            "facility-resp-dtmf",
            m(
                PLCI,
                0x800a,
                FacilityResp {
                    selector: FACILITY_DTMF,
                    parameter: Vec::new(),
                },
            ),
        ),
    ]
}

#[cfg(test)]
mod tests {
    use super::super::msg::{Header, Message, HEADER_LEN};
    use super::super::WireError;
    use super::*;

    #[test]
    fn every_sample_round_trips_and_its_length_is_its_size() {
        let samples = all();
        assert!(samples.len() >= 36);
        for (name, msg) in samples {
            let bytes = msg.encode();
            assert_eq!(
                usize::from(u16::from_le_bytes([bytes[0], bytes[1]])),
                bytes.len(),
                "{name}"
            );
            let (back, rest) = Message::decode(&bytes).expect(name);
            assert_eq!(back, msg, "{name}");
            assert!(rest.is_empty());
        }
    }

    #[test]
    fn listen_req_is_laid_out_as_the_spec_says() {
        let (_, listen) = &all()[0];
        let b = listen.encode();
        assert_eq!(
            b,
            [
                26, 0, 1, 0, 0x05, 0x80, 1, 0, // header
                1, 0, 0, 0, // controller 1
                0xff, 1, 0, 0, // info mask
                0x13, 0, 2, 0, // CIP mask
                0, 0, 0, 0, // CIP mask 2
                0, 0, // calling number, subaddress
            ]
        );
    }

    #[test]
    fn data_b3_data_comes_back_as_the_rest() {
        let (_, data) = all()
            .into_iter()
            .find(|(n, _)| *n == "data-b3-ind")
            .unwrap();
        let mut b = data.encode();
        assert_eq!(b.len(), 30);
        b.extend_from_slice(&[0xd5; 160]);
        let (_, rest) = Message::decode(&b).unwrap();
        assert_eq!(rest, &[0xd5; 160][..]);
    }

    #[test]
    fn every_cut_of_every_sample_is_an_error_not_a_panic() {
        for (name, msg) in all() {
            let b = msg.encode();
            for cut in 0..b.len() {
                let r = Message::decode(&b[..cut]);
                assert!(
                    matches!(r, Err(WireError::NeedMore(_))),
                    "{name} cut at {cut}: {r:?}"
                );
            }
            // The length says less than the parameters need.
            let mut short = b.clone();
            let len = (b.len() - 1) as u16;
            if usize::from(len) >= HEADER_LEN + 4 {
                short[..2].copy_from_slice(&len.to_le_bytes());
                if let Ok((m, _)) = Message::decode(&short) {
                    // Only a message whose last parameter is optional
                    // (the 64-bit data pointer) may still read.
                    assert!(name.starts_with("data-b3"), "{name}: {m:?}");
                }
            }
        }
    }

    #[test]
    fn headers_out_of_range_are_refused() {
        assert_eq!(
            Header::read(&[5, 0, 1, 0, 5, 0x80, 0, 0]),
            Err(WireError::BadLength(5))
        );
        assert_eq!(
            Header::read(&[0xff, 0xff, 1, 0, 5, 0x80, 0, 0]),
            Err(WireError::BadLength(0xffff))
        );
        let mut unknown = all()[0].1.encode();
        unknown[4] = 0x41;
        assert_eq!(
            Message::decode(&unknown),
            Err(WireError::UnknownCommand(0x41, 0x80))
        );
    }
}
