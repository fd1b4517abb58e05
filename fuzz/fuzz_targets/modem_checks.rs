//! Checks of the `modem_codec` fuzz target (the Class 1 modem's wire:
//! `line_drivers::modem::codec` and `::hdlc`), shared with
//! line-drivers/tests/fuzz_seeds.rs (the seed replay on a stable
//! toolchain). Each panics on a finding.
//!
//! Input: a mode octet, a split octet (where the port cuts the octets, see
//! [`chunks`]), then what the modem sends. A model DTE reads it as the
//! Class 1 driver does: a `CONNECT` to a receive command starts a data
//! state whose data goes through an HDLC deframer (as an ECM `+FRM`'s
//! does); a `CONNECT` to a transmit command (`+FTH`, `+FTM`, `ATA`) does
//! not. The mode says which is which ([`Mode`]).
//!
//! Besides "never panics":
//! - the same octets fed whole and in chunks give the same items (data
//!   runs joined) and the same HDLC frames;
//! - the reader's buffer stays within [`MAX_LINE`] once drained, however
//!   long the input runs without a line end or `<DLE><ETX>`; data comes in
//!   pieces of at most [`MAX_DATA_CHUNK`], frames of at most
//!   `MAX_FRAME - 2` octets;
//! - items come in the state they belong to (lines in command state,
//!   data and escapes in data state), and `<DLE><ETX>` leaves data state;
//! - a line read parses again to itself from its text;
//! - round trips: the payload DLE-stuffed by `codec::stuff` after a
//!   `CONNECT` reads back as itself and the end; split into frames at
//!   `0x7E` octets, HDLC-framed by `hdlc::Framer` and stuffed, it deframes
//!   to exactly those frames that have 3 to `MAX_FRAME - 2` octets, each
//!   with a good FCS.

use line_drivers::modem::codec::{
    self, DceInput, DceLine, DceReader, DLE, ETX, MAX_DATA_CHUNK, MAX_LINE, SUB, XOFF, XON,
};
use line_drivers::modem::hdlc::{Deframer, Framer, RxFrame, FLAG, MAX_FRAME};

/// The shortest frame the deframer reports, FCS not counted (address,
/// control, one octet).
pub const MIN_FRAME: usize = 3;

/// The mode octet: bit 0, the reader starts in a receive data state (as
/// after a `CONNECT` it was told of); bit `k` (1 to 7), the `k`-th
/// `CONNECT` answers a transmit command. Later `CONNECT`s start receives.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Mode(pub u8);

impl Mode {
    fn data_state(self) -> bool {
        self.0 & 1 != 0
    }

    /// Whether the `n`-th `CONNECT` (from 1) starts a receive.
    fn receives(self, n: u32) -> bool {
        n > 7 || (self.0 >> n) & 1 == 0
    }
}

/// What a receive (one data state) gave the deframer.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Receive {
    pub frames: Vec<RxFrame>,
    pub flags_seen: u64,
}

/// What the model DTE read: the reader's items, runs of data joined, and
/// the frames of each receive.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Transcript {
    pub items: Vec<DceInput>,
    pub receives: Vec<Receive>,
}

impl Transcript {
    /// The lines read, in order.
    pub fn lines(&self) -> Vec<&DceLine> {
        self.items
            .iter()
            .filter_map(|i| match i {
                DceInput::Line(l) => Some(l),
                _ => None,
            })
            .collect()
    }

    /// Every frame of every receive.
    pub fn frames(&self) -> impl Iterator<Item = &RxFrame> {
        self.receives.iter().flat_map(|r| &r.frames)
    }
}

/// A DTE as the Class 1 driver reads: drains the reader after each read,
/// goes to data state at `CONNECT` and deframes what comes there.
struct Dte {
    reader: DceReader,
    mode: Mode,
    connects: u32,
    deframer: Option<Deframer>,
    out: Transcript,
}

impl Dte {
    fn new(mode: Mode) -> Dte {
        let mut dte = Dte {
            reader: DceReader::new(),
            mode,
            connects: 0,
            deframer: None,
            out: Transcript::default(),
        };
        if mode.data_state() {
            dte.start_receive();
        }
        dte
    }

    fn start_receive(&mut self) {
        self.reader.set_data_mode(true);
        self.deframer = Some(Deframer::new());
        self.out.receives.push(Receive::default());
    }

    fn push(&mut self, chunk: &[u8]) {
        self.reader.push(chunk);
        while let Some(input) = self.reader.next_input() {
            self.item(input);
        }
        assert!(
            self.reader.buffered() <= MAX_LINE,
            "{} octets held after a drain",
            self.reader.buffered()
        );
    }

    fn item(&mut self, input: DceInput) {
        let data_state = self.deframer.is_some();
        match &input {
            DceInput::Line(_) | DceInput::Overlong | DceInput::Flow(_) => {
                assert!(!data_state, "{input:?} in data state")
            }
            // Fax modems read no prompts (DceReader::set_prompt is off).
            DceInput::Prompt => panic!("a prompt on a fax modem's reader"),
            DceInput::Data(_) | DceInput::DataEnd | DceInput::DataEscape(_) => {
                assert!(data_state, "{input:?} in command state")
            }
        }
        match &input {
            DceInput::Line(line) => {
                check_line(line);
                if *line == DceLine::Connect {
                    self.connects += 1;
                    if self.mode.receives(self.connects) {
                        self.start_receive();
                    }
                }
            }
            DceInput::Data(d) => {
                assert!(
                    !d.is_empty() && d.len() <= MAX_DATA_CHUNK,
                    "{} octets",
                    d.len()
                );
                let deframer = self.deframer.as_mut().expect("data state");
                deframer.push(d);
                let receive = self.out.receives.last_mut().expect("a receive");
                for f in deframer.take_frames() {
                    assert!(
                        (MIN_FRAME..=MAX_FRAME - 2).contains(&f.frame.len()),
                        "a frame of {} octets",
                        f.frame.len()
                    );
                    receive.frames.push(f);
                }
                receive.flags_seen = deframer.flags_seen();
                if let Some(DceInput::Data(run)) = self.out.items.last_mut() {
                    run.extend_from_slice(d);
                    return;
                }
            }
            DceInput::DataEnd => {
                assert!(!self.reader.in_data_mode(), "still in data state");
                self.deframer = None;
            }
            DceInput::DataEscape(b) => assert!(![DLE, ETX, SUB].contains(b), "escape {b:#04x}"),
            DceInput::Overlong | DceInput::Flow(_) | DceInput::Prompt => {}
        }
        assert_eq!(self.reader.in_data_mode(), self.deframer.is_some());
        self.out.items.push(input);
    }
}

/// A line's text as a modem would send it.
pub fn text(line: &DceLine) -> String {
    match line {
        DceLine::Ok => "OK".into(),
        DceLine::Connect => "CONNECT".into(),
        DceLine::Error => "ERROR".into(),
        DceLine::NoCarrier => "NO CARRIER".into(),
        DceLine::Busy => "BUSY".into(),
        DceLine::NoDialtone => "NO DIALTONE".into(),
        DceLine::NoAnswer => "NO ANSWER".into(),
        DceLine::Ring => "RING".into(),
        DceLine::FcError => "+FCERROR".into(),
        DceLine::CallerId { field, value } => format!("{field} = {value}"),
        DceLine::CmsError(v) => format!("+CMS ERROR: {v}"),
        DceLine::CmeError(v) => format!("+CME ERROR: {v}"),
        DceLine::Info(t) => t.clone(),
    }
}

fn check_line(line: &DceLine) {
    match line {
        DceLine::Info(t) => {
            assert!(!t.is_empty() && t.trim() == t, "info {t:?}");
            assert!(t.chars().count() <= MAX_LINE, "info of {} chars", t.len());
            let control = ['\r', '\n', char::from(XON), char::from(XOFF)];
            assert!(!t.contains(control), "info {t:?}");
        }
        DceLine::CallerId { field, value } => {
            assert!(
                ["NMBR", "NAME", "DATE", "TIME", "MESG", "NDID"].contains(&field.as_str()),
                "field {field:?}"
            );
            assert_eq!(value.trim(), value);
        }
        _ => {}
    }
    assert_eq!(DceLine::parse(&text(line)), *line, "{:?}", text(line));
}

/// Chunk lengths for `len` octets: one octet at a time for `split` 0,
/// else pseudo-random lengths of 1 to 2^(1 + split % 8) from a generator
/// seeded by `split`.
pub fn chunks(len: usize, split: u8) -> Vec<usize> {
    if split == 0 {
        return vec![1; len];
    }
    let max = 1usize << (1 + split % 8);
    let mut x = u32::from(split).wrapping_mul(0x9E37_79B9) | 1;
    let mut out = Vec::new();
    let mut left = len;
    while left > 0 {
        x ^= x << 13;
        x ^= x >> 17;
        x ^= x << 5;
        let n = (1 + x as usize % max).min(left);
        out.push(n);
        left -= n;
    }
    out
}

/// What the model DTE reads from `octets`, given in the chunks of `split`
/// (`None`: all at once).
pub fn read(octets: &[u8], mode: Mode, split: Option<u8>) -> Transcript {
    let mut dte = Dte::new(mode);
    match split {
        None => dte.push(octets),
        Some(s) => {
            let mut rest = octets;
            for n in chunks(octets.len(), s) {
                let (chunk, tail) = rest.split_at(n);
                dte.push(chunk);
                rest = tail;
            }
        }
    }
    dte.out
}

/// The fuzz input's mode, split and modem octets.
pub fn parts(data: &[u8]) -> (Mode, u8, &[u8]) {
    match data {
        [mode, split, octets @ ..] => (Mode(*mode), *split, octets),
        _ => (Mode(0), 0, &[]),
    }
}

pub fn check_modem(data: &[u8]) {
    let (mode, split, octets) = parts(data);
    let whole = read(octets, mode, None);
    let chunked = read(octets, mode, Some(split));
    assert_eq!(whole, chunked, "split {split}");
    check_stuffing(octets, split);
    check_hdlc(octets, split);
}

/// `payload` stuffed after a CONNECT reads back as itself, then the end.
pub fn check_stuffing(payload: &[u8], split: u8) {
    let wire = [
        &b"\r\nCONNECT\r\n"[..],
        &codec::stuff(payload, true),
        b"\r\nOK\r\n",
    ]
    .concat();
    let got = read(&wire, Mode(0), Some(split));
    let mut want = vec![DceInput::Line(DceLine::Connect)];
    if !payload.is_empty() {
        want.push(DceInput::Data(payload.to_vec()));
    }
    want.extend([DceInput::DataEnd, DceInput::Line(DceLine::Ok)]);
    assert_eq!(got.items, want);
}

/// `payload` split into frames at the flag octet, framed, stuffed and read
/// gives back the frames the deframer keeps, each with a good FCS.
pub fn check_hdlc(payload: &[u8], split: u8) {
    let frames: Vec<&[u8]> = payload.split(|&b| b == FLAG).collect();
    let mut framer = Framer::new();
    framer.flags(1 + usize::from(split % 4));
    for f in &frames {
        framer.frame(f);
    }
    framer.finish(1);
    let line = framer.take();
    let wire = [
        &b"CONNECT\r\n"[..],
        &codec::stuff(&line, true),
        b"\r\nNO CARRIER\r\n",
    ]
    .concat();
    let got = read(&wire, Mode(0), Some(split));
    let want: Vec<RxFrame> = frames
        .iter()
        .filter(|f| (MIN_FRAME..=MAX_FRAME - 2).contains(&f.len()))
        .map(|f| RxFrame {
            frame: f.to_vec(),
            fcs_ok: true,
        })
        .collect();
    assert_eq!(got.receives.len(), 1);
    assert_eq!(got.receives[0].frames, want);
    assert!(got.receives[0].flags_seen > frames.len() as u64);
    assert_eq!(got.lines(), [&DceLine::Connect, &DceLine::NoCarrier]);
}
