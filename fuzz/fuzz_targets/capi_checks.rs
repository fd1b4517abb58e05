//! Checks of the `capi_message` fuzz target (CAPI 2.0 messages from a
//! controller: `line_drivers::capi::msg` and `::structs`), shared with
//! line-drivers/tests/capi_fuzz_seeds.rs (the seed replay on a stable
//! toolchain). Each panics on a finding.
//!
//! Input: what a controller sends, messages back to back (a DATA_B3_IND's
//! data behind it). Besides "never panics":
//! - a message read is written back to octets that read as the same
//!   message, no longer than [`MAX_MESSAGE`], whose length field is its
//!   size;
//! - what follows a message is the input's tail (never more than there);
//! - an error other than "need more" is reported once and the reader
//!   stops (a stream cannot be resynchronised without framing);
//! - the same octets as a remote-CAPI stream (`rcapi::FrameReader`, fed
//!   in pieces of 1 to 64 octets): every frame read is written back to
//!   octets that read as the same frame, no frame is longer than
//!   [`rcapi::MAX_FRAME`], the reader holds no more than one frame's worth,
//!   and nothing comes after a framing error;
//! - the structs' own readers (numbers, B protocol, additional info,
//!   DTMF) round-trip whatever they accept of the same octets.

use line_drivers::capi::msg::{Message, Params, MAX_MESSAGE};
use line_drivers::capi::rcapi::{self, Frame, FrameReader};
use line_drivers::capi::structs::{
    AdditionalInfo, BProtocol, CalledNumber, CallingNumber, DtmfRequest, Writer,
};
use line_drivers::capi::WireError;

/// What the reader made of an input.
#[derive(Debug, Default)]
pub struct Transcript {
    pub messages: Vec<(Message, usize)>,
    pub error: Option<WireError>,
}

/// Reads `data` as a controller's stream: each message with the length of
/// the DATA_B3 data behind it.
pub fn read(data: &[u8]) -> Transcript {
    let mut t = Transcript::default();
    let mut rest = data;
    while !rest.is_empty() {
        match Message::decode(rest) {
            Ok((m, tail)) => {
                assert!(tail.len() < rest.len(), "no progress");
                assert!(rest.ends_with(tail));
                let data_len = match &m.params {
                    Params::DataB3Ind(d) | Params::DataB3Req(d) => usize::from(d.length),
                    _ => 0,
                };
                let take = data_len.min(tail.len());
                rest = &tail[take..];
                t.messages.push((m, data_len));
            }
            Err(WireError::NeedMore(n)) => {
                assert!(n > 0);
                break;
            }
            Err(e) => {
                t.error = Some(e);
                break;
            }
        }
    }
    t
}

fn check_message(m: &Message) {
    let b = m.encode();
    assert!(b.len() <= MAX_MESSAGE, "{} octets", b.len());
    assert_eq!(usize::from(u16::from_le_bytes([b[0], b[1]])), b.len());
    let (again, rest) = Message::decode(&b).expect("our own octets read back");
    assert_eq!(&again, m);
    assert!(rest.is_empty());
}

fn check_structs(data: &[u8]) {
    if let Ok(n) = CalledNumber::parse(data) {
        assert_eq!(CalledNumber::content(&n), data);
    }
    if let Ok(n) = CallingNumber::parse(data, "fuzz") {
        assert_eq!(CallingNumber::content(&n), data);
    }
    if let Ok(b) = BProtocol::parse(data) {
        let mut w = Writer::default();
        BProtocol::write(&b, &mut w);
        let mut r = line_drivers::capi::structs::Reader::new(&w.buf);
        let content = r.cstruct("B protocol").unwrap();
        assert_eq!(BProtocol::parse(content).unwrap(), b);
    }
    if let Ok(a) = AdditionalInfo::parse(data) {
        let mut w = Writer::default();
        AdditionalInfo::write(&a, &mut w);
        let mut r = line_drivers::capi::structs::Reader::new(&w.buf);
        let content = r.cstruct("additional info").unwrap();
        assert_eq!(AdditionalInfo::parse(content).unwrap(), a);
    }
    if let Ok(q) = DtmfRequest::parse(data) {
        assert_eq!(DtmfRequest::parse(&q.content()).unwrap(), q);
    }
}

/// Reads `data` as a remote-CAPI stream, cut in pieces of `step` octets.
pub fn read_frames(data: &[u8], step: usize) -> (Vec<Result<Frame, WireError>>, bool) {
    let mut r = FrameReader::new();
    let mut out = Vec::new();
    for chunk in data.chunks(step.max(1)) {
        r.push(chunk);
        while let Some(f) = r.next_frame() {
            out.push(f);
        }
        assert!(r.buffered() <= rcapi::MAX_FRAME + 64, "{}", r.buffered());
    }
    (out, r.failed())
}

fn check_frames(data: &[u8]) {
    let step = usize::from(data.first().copied().unwrap_or(1) % 64) + 1;
    let (frames, failed) = read_frames(data, step);
    let (whole, _) = read_frames(data, data.len().max(1));
    assert_eq!(frames, whole, "cut in pieces of {step}");
    if failed {
        assert!(matches!(frames.last(), Some(Err(WireError::BadLength(_)))));
    }
    for f in frames.iter().flatten() {
        let b = f.encode();
        assert!(b.len() <= rcapi::MAX_FRAME + 64);
        assert_eq!(usize::from(u16::from_be_bytes([b[0], b[1]])), b.len());
        assert_eq!(&Frame::decode(&b[2..]).expect("our own frame"), f);
    }
}

/// The target: never panics, and the properties above hold.
pub fn check_capi(data: &[u8]) {
    check_frames(data);
    let t = read(data);
    for (m, _) in &t.messages {
        check_message(m);
    }
    check_structs(data);
}
