//! The V.250 / T.31 wire: what the DTE (us) writes to a fax modem and how
//! its answers are read (ITU-T V.250 §5, T.31 §8).
//!
//! * Command lines: `AT…<CR>` ([`command`]).
//! * DCE → DTE in command state: lines between `<CR><LF>`: final result
//!   codes (`OK`, `ERROR`, `NO CARRIER`, `BUSY`, …), the intermediate
//!   `CONNECT`, unsolicited `RING` and caller-ID lines, information text
//!   (`0,1,1.0`, `+FCERROR`) — all [`DceLine`]s. XON/XOFF (in-band flow
//!   control, as iaxmodem uses on its pty) are taken out and reported.
//! * GSM modems (3GPP TS 27.005/27.007) add the final results
//!   `+CMS ERROR: <err>` and `+CME ERROR: <err>`, and the `> ` prompt after
//!   `AT+CMGS=<length>` that ends no line ([`DceReader::set_prompt`] turns
//!   its recognition on; a fax modem never sees it).
//! * DCE → DTE in a receive data state (after `CONNECT` to `+FRH`/`+FRM`):
//!   octets with `<DLE>` doubled, ended by `<DLE><ETX>`; Class 1.0 also
//!   sends `<DLE><SUB>` for two DLEs. [`DceReader::set_data_mode`] switches
//!   the reader there; it leaves by itself at `<DLE><ETX>`.
//! * DTE → DCE data ([`stuff`]): the same doubling, `<DLE><ETX>` at the end.
//!
//! The reader takes partial input and returns "need more" (`None`); a line
//! longer than [`MAX_LINE`] is cut and flagged, so a modem that babbles
//! cannot make us buffer without end.

use std::collections::VecDeque;

/// Data link escape.
pub const DLE: u8 = 0x10;
/// End of text (after DLE: end of data).
pub const ETX: u8 = 0x03;
/// Class 1.0: `<DLE><SUB>` stands for `<DLE><DLE>`.
pub const SUB: u8 = 0x1a;
/// In-band flow control from the DCE: go on.
pub const XON: u8 = 0x11;
/// In-band flow control from the DCE: stop sending.
pub const XOFF: u8 = 0x13;
/// The longest response line kept; the rest of a longer one is dropped
/// (a GSM line allows more, see [`DceReader::set_max_line`]).
pub const MAX_LINE: usize = 256;
/// The most received data handed out in one [`DceInput::Data`].
pub const MAX_DATA_CHUNK: usize = 4096;

/// A command line: `AT` + `body` + `<CR>`.
pub fn command(body: &str) -> Vec<u8> {
    let mut v = Vec::with_capacity(body.len() + 3);
    v.extend_from_slice(b"AT");
    v.extend_from_slice(body.as_bytes());
    v.push(b'\r');
    v
}

/// Data for the DCE: every DLE doubled; with `end`, `<DLE><ETX>` after it.
pub fn stuff(data: &[u8], end: bool) -> Vec<u8> {
    let mut v = Vec::with_capacity(data.len() + data.len() / 64 + 2);
    for &b in data {
        v.push(b);
        if b == DLE {
            v.push(DLE);
        }
    }
    if end {
        v.extend_from_slice(&[DLE, ETX]);
    }
    v
}

/// One response line of the DCE, classified.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DceLine {
    Ok,
    /// Intermediate: a data state begins.
    Connect,
    Error,
    NoCarrier,
    Busy,
    NoDialtone,
    NoAnswer,
    /// An incoming call rings (unsolicited).
    Ring,
    /// T.31: the carrier found is not the one asked for (`+FCERROR`).
    FcError,
    /// TS 27.005 §3.2.5: a message service failed (a final result);
    /// the code or, after `AT+CMEE=2`, the text.
    CmsError(String),
    /// TS 27.007 §9.2: the mobile equipment failed (a final result);
    /// the code or the text.
    CmeError(String),
    /// Caller ID (`NMBR = 123`, `NAME = …`, or `#CID`-style): field, value.
    CallerId {
        field: String,
        value: String,
    },
    /// Anything else: information text (answers to `?` queries, `ATI`).
    Info(String),
}

impl DceLine {
    /// Classify one line (without its `<CR><LF>`).
    pub fn parse(line: &str) -> DceLine {
        let t = line.trim();
        match t.to_ascii_uppercase().as_str() {
            "OK" | "0" => return DceLine::Ok,
            "CONNECT" | "1" => return DceLine::Connect,
            "RING" | "2" => return DceLine::Ring,
            "NO CARRIER" | "3" => return DceLine::NoCarrier,
            "ERROR" | "4" => return DceLine::Error,
            "NO DIALTONE" | "NO DIAL TONE" | "6" => return DceLine::NoDialtone,
            "BUSY" | "7" => return DceLine::Busy,
            "NO ANSWER" | "8" => return DceLine::NoAnswer,
            "+FCERROR" | "+F4" => return DceLine::FcError,
            _ => {}
        }
        if let Some(rest) = strip_prefix_ignore_case(t, "+CMS ERROR:") {
            return DceLine::CmsError(rest.trim().to_string());
        }
        if let Some(rest) = strip_prefix_ignore_case(t, "+CME ERROR:") {
            return DceLine::CmeError(rest.trim().to_string());
        }
        if let Some((field, value)) = t.split_once('=') {
            let field = field.trim().to_ascii_uppercase();
            if matches!(
                field.as_str(),
                "NMBR" | "NAME" | "DATE" | "TIME" | "MESG" | "NDID"
            ) {
                return DceLine::CallerId {
                    field,
                    value: value.trim().to_string(),
                };
            }
        }
        if let Some(rest) = t.strip_prefix("CONNECT ") {
            // A data modem's "CONNECT 14400": still the intermediate result.
            if rest.chars().all(|c| c.is_ascii_alphanumeric() || c == '/') {
                return DceLine::Connect;
            }
        }
        DceLine::Info(t.to_string())
    }

    /// True for a final result code (the command is over).
    pub fn is_final(&self) -> bool {
        matches!(
            self,
            DceLine::Ok
                | DceLine::Error
                | DceLine::NoCarrier
                | DceLine::Busy
                | DceLine::NoDialtone
                | DceLine::NoAnswer
                | DceLine::FcError
                | DceLine::CmsError(_)
                | DceLine::CmeError(_)
        )
    }
}

fn strip_prefix_ignore_case<'a>(t: &'a str, prefix: &str) -> Option<&'a str> {
    let head = t.get(..prefix.len())?;
    head.eq_ignore_ascii_case(prefix)
        .then(|| &t[prefix.len()..])
}

/// What the reader found in the DCE's output.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DceInput {
    /// A response line.
    Line(DceLine),
    /// A response line longer than [`MAX_LINE`], cut (the DCE is babbling
    /// or not a modem).
    Overlong,
    /// Received data, DLE escapes undone.
    Data(Vec<u8>),
    /// `<DLE><ETX>`: the data ends; the reader is back in command state.
    DataEnd,
    /// A `<DLE>` escape other than the ones above (Class 1.0 signals,
    /// garbage); the reader stays in data state.
    DataEscape(u8),
    /// XON/XOFF: the DCE lets us send (true) or asks us to stop (false).
    Flow(bool),
    /// TS 27.005 §3.5.1: `> ` at the start of a line, the DCE waits for the
    /// PDU (only with [`DceReader::set_prompt`]).
    Prompt,
}

/// Reads the DCE's octets, in command or data state (see the module docs).
#[derive(Debug, Default)]
pub struct DceReader {
    input: VecDeque<u8>,
    line: Vec<u8>,
    overlong: bool,
    data_mode: bool,
    /// A DLE was the last octet of the input so far (data state).
    dle: bool,
    /// The data state just began: a LF here ends the CONNECT line.
    skip_lf: bool,
    /// `>` at the start of a line is the PDU prompt.
    prompt: bool,
    /// A prompt was just read: the space after it is part of it.
    skip_space: bool,
    /// The longest line kept; 0 means [`MAX_LINE`].
    max_line: usize,
}

impl DceReader {
    pub fn new() -> DceReader {
        DceReader::default()
    }

    /// Append octets read from the device.
    pub fn push(&mut self, bytes: &[u8]) {
        self.input.extend(bytes);
    }

    /// Read received data from the next octet on (after a `CONNECT` that
    /// starts a receive), or go back to lines.
    pub fn set_data_mode(&mut self, on: bool) {
        self.data_mode = on;
        self.dle = false;
        self.skip_lf = on;
    }

    /// Read `>` at the start of a line as [`DceInput::Prompt`] (GSM
    /// modems, TS 27.005 §3.5.1).
    pub fn set_prompt(&mut self, on: bool) {
        self.prompt = on;
    }

    /// Keep lines up to `max` octets (a GSM modem's PDU line is up to 352
    /// hex digits).
    pub fn set_max_line(&mut self, max: usize) {
        self.max_line = max;
    }

    /// True while reading data.
    pub fn in_data_mode(&self) -> bool {
        self.data_mode
    }

    /// Octets read and not yet parsed.
    pub fn buffered(&self) -> usize {
        self.input.len() + self.line.len()
    }

    /// The octets not parsed yet, as they came (the rest of a read after
    /// a CONNECT, for whoever reads the data state).
    pub fn take_raw(&mut self) -> Vec<u8> {
        self.input.drain(..).collect()
    }

    /// Forget everything buffered (after a reset, or on opening a device
    /// whose modem had things to say before we listened).
    pub fn clear(&mut self) {
        self.input.clear();
        self.line.clear();
        self.overlong = false;
        self.dle = false;
    }

    /// The next complete item, or `None` until more input comes.
    pub fn next_input(&mut self) -> Option<DceInput> {
        if self.data_mode {
            self.next_data()
        } else {
            self.next_line()
        }
    }

    fn next_line(&mut self) -> Option<DceInput> {
        while let Some(b) = self.input.pop_front() {
            if std::mem::take(&mut self.skip_space) && b == b' ' {
                continue;
            }
            match b {
                b'>' if self.prompt && self.line.is_empty() && !self.overlong => {
                    self.skip_space = true;
                    return Some(DceInput::Prompt);
                }
                XON => return Some(DceInput::Flow(true)),
                XOFF => return Some(DceInput::Flow(false)),
                b'\r' | b'\n' => {
                    if self.overlong {
                        // The rest of the overlong line ends here.
                        self.overlong = false;
                        self.line.clear();
                        continue;
                    }
                    if self.line.is_empty() {
                        continue;
                    }
                    let text = String::from_utf8_lossy(&self.line).into_owned();
                    self.line.clear();
                    if text.trim().is_empty() {
                        continue;
                    }
                    return Some(DceInput::Line(DceLine::parse(&text)));
                }
                _ if self.overlong => {}
                _ if self.line.len() >= self.max_line.max(MAX_LINE) => {
                    self.overlong = true;
                    return Some(DceInput::Overlong);
                }
                _ => self.line.push(b),
            }
        }
        None
    }

    fn next_data(&mut self) -> Option<DceInput> {
        let mut out = Vec::new();
        if self.skip_lf {
            match self.input.front() {
                None => return None,
                Some(b'\n') => {
                    self.input.pop_front();
                }
                Some(_) => {}
            }
            self.skip_lf = false;
        }
        while let Some(&b) = self.input.front() {
            if self.dle {
                self.dle = false;
                self.input.pop_front();
                match b {
                    DLE => out.push(DLE),
                    SUB => out.extend_from_slice(&[DLE, DLE]),
                    ETX => {
                        if !out.is_empty() {
                            // Hand the data out first; the end comes next.
                            self.input.push_front(ETX);
                            self.dle = true;
                            return Some(DceInput::Data(out));
                        }
                        self.data_mode = false;
                        return Some(DceInput::DataEnd);
                    }
                    other => {
                        if !out.is_empty() {
                            self.input.push_front(other);
                            self.dle = true;
                            return Some(DceInput::Data(out));
                        }
                        return Some(DceInput::DataEscape(other));
                    }
                }
            } else {
                self.input.pop_front();
                if b == DLE {
                    self.dle = true;
                } else {
                    out.push(b);
                }
            }
            if out.len() >= MAX_DATA_CHUNK {
                break;
            }
        }
        (!out.is_empty()).then_some(DceInput::Data(out))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn all(r: &mut DceReader) -> Vec<DceInput> {
        std::iter::from_fn(|| r.next_input()).collect()
    }

    #[test]
    fn result_codes_and_info_lines() {
        let mut r = DceReader::new();
        r.push(b"\r\n0,1,1.0\r\n\r\nOK\r\n\r\nNO CAR");
        assert_eq!(
            all(&mut r),
            vec![
                DceInput::Line(DceLine::Info("0,1,1.0".into())),
                DceInput::Line(DceLine::Ok)
            ]
        );
        r.push(b"RIER\r\n\x13RING\r\nNMBR = 4930123\r\n+FCERROR\r\n\x11");
        assert_eq!(
            all(&mut r),
            vec![
                DceInput::Line(DceLine::NoCarrier),
                DceInput::Flow(false),
                DceInput::Line(DceLine::Ring),
                DceInput::Line(DceLine::CallerId {
                    field: "NMBR".into(),
                    value: "4930123".into()
                }),
                DceInput::Line(DceLine::FcError),
                DceInput::Flow(true),
            ]
        );
        assert!(DceLine::NoCarrier.is_final() && !DceLine::Connect.is_final());
        assert_eq!(DceLine::parse("CONNECT 14400"), DceLine::Connect);
    }

    #[test]
    fn gsm_errors_are_final_and_the_prompt_ends_no_line() {
        let mut r = DceReader::new();
        r.set_prompt(true);
        r.push(b"\r\n+CMS ERROR: 330\r\n\r\n+cme error: SIM PIN required\r\n\r\n> ");
        assert_eq!(
            all(&mut r),
            vec![
                DceInput::Line(DceLine::CmsError("330".into())),
                DceInput::Line(DceLine::CmeError("SIM PIN required".into())),
                DceInput::Prompt,
            ]
        );
        assert!(DceLine::CmsError(String::new()).is_final());
        r.push(b"\r\n+CMGS: 7\r\n\r\nOK\r\n");
        assert_eq!(
            all(&mut r),
            vec![
                DceInput::Line(DceLine::Info("+CMGS: 7".into())),
                DceInput::Line(DceLine::Ok)
            ]
        );
        // Without prompts on (a fax modem), '>' is text.
        let mut r = DceReader::new();
        r.push(b"> \r\n");
        assert_eq!(all(&mut r), vec![DceInput::Line(DceLine::Info(">".into()))]);
    }

    #[test]
    fn overlong_lines_are_cut() {
        let mut r = DceReader::new();
        r.push(&vec![b'x'; MAX_LINE * 3]);
        assert_eq!(r.next_input(), Some(DceInput::Overlong));
        assert_eq!(r.next_input(), None);
        assert!(r.buffered() <= MAX_LINE);
        r.push(b"xx\r\nOK\r\n");
        assert_eq!(all(&mut r), vec![DceInput::Line(DceLine::Ok)]);
    }

    #[test]
    fn data_state_undoes_dle_stuffing_across_reads() {
        let mut r = DceReader::new();
        r.push(b"CONNECT\r");
        assert_eq!(r.next_input(), Some(DceInput::Line(DceLine::Connect)));
        r.set_data_mode(true);
        assert_eq!(r.next_input(), None);
        r.push(b"\n\xff");
        r.push(&[0x13, DLE]);
        assert_eq!(r.next_input(), Some(DceInput::Data(vec![0xff, 0x13])));
        assert_eq!(r.next_input(), None);
        r.push(&[DLE, 1, DLE, SUB, 2, DLE]);
        assert_eq!(
            r.next_input(),
            Some(DceInput::Data(vec![DLE, 1, DLE, DLE, 2]))
        );
        r.push(&[ETX, b'\r', b'\n', b'O', b'K', b'\r', b'\n']);
        assert_eq!(r.next_input(), Some(DceInput::DataEnd));
        assert!(!r.in_data_mode());
        assert_eq!(r.next_input(), Some(DceInput::Line(DceLine::Ok)));
    }

    #[test]
    fn data_before_an_escape_comes_first() {
        let mut r = DceReader::new();
        r.set_data_mode(true);
        r.push(&[1, 2, DLE, b'u', 3, DLE, ETX]);
        assert_eq!(
            all(&mut r),
            vec![
                DceInput::Data(vec![1, 2]),
                DceInput::DataEscape(b'u'),
                DceInput::Data(vec![3]),
                DceInput::DataEnd
            ]
        );
    }

    #[test]
    fn stuffing_round_trips() {
        let data: Vec<u8> = (0..=255).chain([DLE, DLE, ETX]).collect();
        let wire = stuff(&data, true);
        assert_eq!(wire.len(), data.len() + 3 + 2);
        let mut r = DceReader::new();
        r.set_data_mode(true);
        r.push(&wire);
        let got = all(&mut r);
        assert_eq!(got, vec![DceInput::Data(data), DceInput::DataEnd]);
        assert_eq!(command("+FRH=3"), b"AT+FRH=3\r");
    }
}
