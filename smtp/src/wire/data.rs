//! Message data after DATA (RFC 5321 §4.1.1.4, §4.5.2): dot-unstuffing and
//! the end-of-data mark, with the SMTP smuggling defence.
//!
//! # Line endings
//!
//! Only `CRLF . CRLF` ends the data, where the first CRLF may be the one that
//! ended the DATA command. `LF . LF`, `CR . CR`, `LF . CRLF`, `CRLF . LF` and
//! the like are *not* an end: they stay in the message. A bare LF or bare CR
//! anywhere in the data (one not part of a CRLF pair) marks the message, and
//! the engine refuses it after the real end with
//! [`ReplyCode::BareLineEnding`] (550 5.6.0). This is the policy of Postfix's
//! `smtpd_forbid_bare_newline`, chosen over "normalise to CRLF" because the
//! gateway must never accept a message that another server on the path could
//! split into two (CVE-2023-51764 and relatives). The session stays in sync:
//! what the smuggler meant as a second message is still inside the first.
//!
//! # Size
//!
//! Octets are counted as they arrive; past the cap nothing more is stored, the
//! rest is read to the end and the message refused with 552 5.3.4.
//!
//! [`ReplyCode::BareLineEnding`]: crate::wire::reply::ReplyCode::BareLineEnding

/// Where the reader is within the current line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum DotState {
    /// Right after CRLF (or after the DATA command).
    LineStart,
    /// The line so far is a single `.`.
    Dot,
    /// The line so far is `.` CR.
    DotCr,
    /// Inside a line.
    Mid,
    /// Inside a line, after a CR that may start CRLF.
    Cr,
}

/// Incremental reader of one message's data.
#[derive(Debug)]
pub struct DotReader {
    state: DotState,
    body: Vec<u8>,
    cap: usize,
    received: u64,
    bare_line_ending: bool,
    done: bool,
}

impl DotReader {
    /// A reader that stores at most `cap` octets of unstuffed message.
    pub fn new(cap: usize) -> Self {
        Self {
            state: DotState::LineStart,
            body: Vec::new(),
            cap,
            received: 0,
            bare_line_ending: false,
            done: false,
        }
    }

    /// Consumes input up to and including the end-of-data mark; returns how
    /// many octets were used. After the mark, [`is_done`](Self::is_done) is
    /// true and the rest of `input` is the next command.
    pub fn feed(&mut self, input: &[u8]) -> usize {
        let mut i = 0;
        while i < input.len() && !self.done {
            if self.state == DotState::Mid {
                // Fast path: copy up to the next CR or LF in one go.
                let run = input[i..]
                    .iter()
                    .position(|&b| b == b'\r' || b == b'\n')
                    .unwrap_or(input.len() - i);
                if run > 0 {
                    self.push(&input[i..i + run]);
                    i += run;
                    continue;
                }
            }
            self.step(input[i]);
            i += 1;
        }
        i
    }

    fn step(&mut self, b: u8) {
        use DotState::*;
        match (self.state, b) {
            (LineStart, b'.') => self.state = Dot,
            (LineStart | Mid, _) => self.mid(b),
            (Dot, b'\r') => self.state = DotCr,
            // ".x": the stuffed dot goes (RFC 5321 §4.5.2), x stays.
            (Dot, _) => self.mid(b),
            (DotCr, b'\n') => self.done = true,
            // ". CR x": the dot goes, the CR was bare.
            (DotCr, _) => {
                self.bare_line_ending = true;
                self.push(b"\r");
                self.state = Mid;
                self.mid(b);
            }
            (Cr, b'\n') => {
                self.push(b"\r\n");
                self.state = LineStart;
            }
            (Cr, _) => {
                self.bare_line_ending = true;
                self.push(b"\r");
                self.state = Mid;
                self.mid(b);
            }
        }
    }

    /// One octet inside a line.
    fn mid(&mut self, b: u8) {
        match b {
            b'\r' => self.state = DotState::Cr,
            b'\n' => {
                self.bare_line_ending = true;
                self.push(b"\n");
                self.state = DotState::Mid;
            }
            _ => {
                self.push(&[b]);
                self.state = DotState::Mid;
            }
        }
    }

    fn push(&mut self, bytes: &[u8]) {
        self.received = self.received.saturating_add(bytes.len() as u64);
        let room = self.cap.saturating_sub(self.body.len());
        self.body.extend_from_slice(&bytes[..bytes.len().min(room)]);
    }

    /// The end-of-data mark has been read.
    pub fn is_done(&self) -> bool {
        self.done
    }

    /// Unstuffed octets received so far (stored or not).
    pub fn received(&self) -> u64 {
        self.received
    }

    /// More octets arrived than the cap allows.
    pub fn is_oversize(&self) -> bool {
        self.received > self.cap as u64
    }

    /// A bare CR or LF was seen.
    pub fn has_bare_line_ending(&self) -> bool {
        self.bare_line_ending
    }

    /// The stored message (complete unless oversize).
    pub fn into_body(self) -> Vec<u8> {
        self.body
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn read(input: &[u8]) -> (DotReader, usize) {
        let mut r = DotReader::new(1000);
        let n = r.feed(input);
        (r, n)
    }

    #[test]
    fn unstuffing_and_end() {
        let (r, n) = read(b"a\r\n..b\r\n.\r\nQUIT\r\n");
        assert!(r.is_done() && !r.has_bare_line_ending());
        assert_eq!(n, 11);
        assert_eq!(r.into_body(), b"a\r\n.b\r\n");
        let (r, n) = read(b".\r\n");
        assert!(r.is_done());
        assert_eq!((n, r.into_body().len()), (3, 0));
    }

    #[test]
    fn smuggling_marks_are_data() {
        for input in [
            &b"a\n.\nb"[..],
            b"a\r.\rb",
            b"a\r\n.\nb",
            b"a\n.\r\nb",
            b"a\r.\r\nb",
            b"a\r\n.\rb",
        ] {
            let (r, n) = read(input);
            assert!(!r.is_done(), "{input:?}");
            assert!(r.has_bare_line_ending(), "{input:?}");
            assert_eq!(n, input.len());
        }
    }

    #[test]
    fn cap_stops_storing() {
        let mut r = DotReader::new(4);
        r.feed(b"123456789\r\n.\r\n");
        assert!(r.is_done() && r.is_oversize());
        assert_eq!(r.received(), 11);
        assert_eq!(r.into_body(), b"1234");
    }
}
