//! A phone line with spandsp's own T.31 Class 1 modem on it, in process,
//! for tests and benches: the modem inside iaxmodem ([`fax_t30::soft_modem`])
//! with a fax machine (a [`FaxSession`] on audio), a busy line or nobody at
//! the far end, and knobs for the faults a real device has (silent,
//! babbling, unplugged). Driven on a simulated clock: [`Pstn::tick`] every
//! 20 ms, next to the line's own tick. spandsp's
//! `t31_pseudo_terminal_tests.c` is the model.

use std::cell::RefCell;
use std::collections::VecDeque;
use std::io;
use std::rc::Rc;
use std::time::{Duration, Instant};

use fax_t30::soft_modem::{CallEvent, ModemControl, SoftModem};
use fax_t30::{Document, FaxEvent, FaxOptions, FaxSession, PageSource, Transport};

use super::{ModemLine, ModemLineConfig, ModemPort};

/// What the far end of the phone line is.
pub enum Far {
    /// A fax machine that answers and receives into the file.
    Receiver(std::path::PathBuf),
    /// A fax machine that calls us and sends the document.
    Sender(PageSource),
    /// The line is busy.
    Busy,
    /// Nobody answers.
    NoAnswer,
}

/// spandsp's t31 modem and the phone line behind it (see the module docs).
pub struct Pstn {
    pub modem: SoftModem,
    pub far: Far,
    /// The far fax machine, once the call is up.
    pub fax: Option<FaxSession>,
    /// Octets from our driver not yet taken by the modem (it takes what
    /// fits its buffer, like a pty with flow control).
    pub to_modem: VecDeque<u8>,
    pub dialled: Option<String>,
    pub answer_at: Option<Instant>,
    pub next_ring: Option<Instant>,
    /// The modem hung up (ATH, or the end of the call).
    pub hung_up: bool,
    /// The modem went silent (a test cuts it off).
    pub dead: bool,
    /// Off hook: audio flows (iaxmodem feeds its t31 only in a call).
    pub in_call: bool,
    /// The device sends noise instead of answers.
    pub garbage: bool,
    /// The device is gone (USB unplugged): reads fail, it cannot be opened.
    pub unplugged: bool,
    /// Times the line opened the device.
    pub opened: u32,
    /// The far end hangs up 3 s into this page.
    pub cut_at_page: Option<u32>,
    pub cut_at: Option<Instant>,
    /// The far machine finished T.30 and hangs up at this time.
    pub far_hangup_at: Option<Instant>,
    /// Print what passes the port.
    pub trace: bool,
}

/// How long a far fax machine takes to hang up after its T.30 ended (a
/// fax program closing the call: HylaFAX's faxgetty, about a second).
const FAR_HANGUP_DELAY: Duration = Duration::from_millis(500);

impl Pstn {
    /// A modem whose line leads to `far`.
    pub fn new(far: Far) -> Rc<RefCell<Pstn>> {
        Rc::new(RefCell::new(Pstn {
            modem: SoftModem::new().expect("t31"),
            far,
            fax: None,
            to_modem: VecDeque::new(),
            dialled: None,
            answer_at: None,
            next_ring: None,
            hung_up: false,
            dead: false,
            in_call: false,
            garbage: false,
            unplugged: false,
            opened: 0,
            cut_at_page: None,
            cut_at: None,
            far_hangup_at: None,
            trace: false,
        }))
    }

    fn far_session(&self, role: bool) -> FaxSession {
        let options = FaxOptions {
            calling_party: role,
            ecm: true,
            ident: "FAR END".into(),
            ..Default::default()
        };
        let document = match &self.far {
            Far::Receiver(file) => Document::Receive(file.clone()),
            Far::Sender(source) => Document::Send(source.clone()),
            _ => unreachable!(),
        };
        FaxSession::new(&options, Transport::Audio, document).expect("far session")
    }

    /// 20 ms: the modem takes what the DTE wrote, the line's events, audio.
    pub fn tick(&mut self, now: Instant) {
        if self.dead {
            self.to_modem.clear();
            return;
        }
        let n = self.modem.free_space().min(self.to_modem.len());
        let bytes: Vec<u8> = self.to_modem.drain(..n).collect();
        self.modem.write(&bytes);
        while let Some(c) = self.modem.poll_control() {
            match c {
                ModemControl::Call(number) => {
                    self.in_call = true;
                    self.dialled = Some(number);
                    match self.far {
                        Far::Receiver(_) => self.answer_at = Some(now + Duration::from_secs(3)),
                        Far::Busy => self.modem.call_event(CallEvent::Busy),
                        _ => {}
                    }
                }
                ModemControl::Answer => {
                    self.in_call = true;
                    self.next_ring = None;
                    self.modem.call_event(CallEvent::Answered);
                    self.fax = Some(self.far_session(true));
                }
                ModemControl::Hangup | ModemControl::OnHook => {
                    self.in_call = false;
                    self.hung_up = true;
                    if let Some(f) = self.fax.as_mut() {
                        f.handle_hangup();
                    }
                    self.next_ring = None;
                }
                ModemControl::OffHook => {}
            }
        }
        if self.answer_at.is_some_and(|t| t <= now) {
            self.answer_at = None;
            self.modem.call_event(CallEvent::Connected);
            self.fax = Some(self.far_session(false));
        }
        if self.dialled.is_some() && matches!(self.far, Far::NoAnswer) {
            // The network gives up after 60 s of ringing.
            if self.answer_at.is_none() {
                self.answer_at = Some(now + Duration::from_secs(3600));
                self.next_ring = Some(now + Duration::from_secs(60));
            }
            if self.next_ring.is_some_and(|t| t <= now) {
                self.next_ring = None;
                self.answer_at = None;
                self.dialled = None;
                self.modem.call_event(CallEvent::NoAnswer);
            }
        } else if self.next_ring.is_some_and(|t| t <= now) {
            self.modem.call_event(CallEvent::Alerting);
            self.next_ring = Some(now + Duration::from_secs(5));
        }
        if self.far_hangup_at.is_some_and(|t| t <= now) {
            self.far_hangup_at = None;
            // No more audio on the line from here: a `+FTS` under way
            // never ends (iaxmodem feeds its t31 only in a call).
            self.modem.call_event(CallEvent::Hangup);
            self.in_call = false;
        }
        if !self.in_call {
            return;
        }
        let far_audio = match self.fax.as_mut() {
            Some(f) if !f.is_finished() => f.poll_audio(),
            _ => [0; fax_t30::media::FRAME_SAMPLES],
        };
        self.modem.rx_audio(&far_audio);
        let audio = self.modem.tx_audio();
        if let Some(f) = self.fax.as_mut() {
            if !f.is_finished() {
                f.handle_audio(&audio);
                let page_starts = std::iter::from_fn(|| f.poll_event()).any(|e| {
                    matches!(e, FaxEvent::PageStarted { page } if Some(page) == self.cut_at_page)
                });
                if page_starts {
                    self.cut_at = Some(now + Duration::from_secs(3));
                }
                if self.cut_at.is_some_and(|t| t <= now) {
                    self.cut_at = None;
                    // The far end hangs up in the middle of the page.
                    f.handle_hangup();
                    self.in_call = false;
                    self.modem.call_event(CallEvent::Hangup);
                } else if f.is_finished() && self.far_hangup_at.is_none() {
                    // The far machine hangs up a moment after T.30 is done.
                    self.far_hangup_at = Some(now + FAR_HANGUP_DELAY);
                }
            }
        }
    }

    /// A caller rings: RING now and every 5 s, with caller ID.
    pub fn ring(&mut self, now: Instant, caller: &str) {
        self.modem.set_call_info(&[("NMBR", caller)]);
        self.next_ring = Some(now);
    }
}

/// With `trace` set, print what passes the port (stderr).
fn trace(p: &Pstn, dir: &str, bytes: &[u8]) {
    if !bytes.is_empty() && p.trace {
        let shown: String = bytes
            .iter()
            .take(48)
            .map(|&b| match b {
                b' '..=b'~' => (b as char).to_string(),
                b'\r' => "\\r".into(),
                b'\n' => "\\n".into(),
                _ => format!("<{b:02x}>"),
            })
            .collect();
        eprintln!(
            "{dir} {shown}{}",
            if bytes.len() > 48 {
                format!(" …({})", bytes.len())
            } else {
                String::new()
            }
        );
    }
}

/// The modem's DTE side as a [`ModemPort`].
pub struct SoftPort(pub Rc<RefCell<Pstn>>);

impl ModemPort for SoftPort {
    fn read_available(&mut self, into: &mut Vec<u8>) -> io::Result<()> {
        let mut p = self.0.borrow_mut();
        if p.unplugged {
            return Err(io::Error::from(io::ErrorKind::BrokenPipe));
        }
        if p.garbage {
            let _ = p.modem.take_output();
            into.extend((0..40u8).map(|i| i.wrapping_mul(37) | 0x80));
            return Ok(());
        }
        if p.dead {
            return Ok(());
        }
        let got = p.modem.take_output();
        trace(&p, "<-", &got);
        into.extend(got);
        Ok(())
    }

    fn write_all(&mut self, bytes: &[u8]) -> io::Result<()> {
        let mut p = self.0.borrow_mut();
        trace(&p, "->", bytes);
        p.to_modem.extend(bytes);
        Ok(())
    }
}

/// A line on this modem; it can open the device again and again (unless
/// it is `unplugged`).
pub fn line(pstn: &Rc<RefCell<Pstn>>, cfg: ModemLineConfig, now: Instant) -> ModemLine {
    let p = pstn.clone();
    let opener = move || {
        if p.borrow().unplugged {
            return Err(io::Error::from(io::ErrorKind::NotFound));
        }
        p.borrow_mut().opened += 1;
        Ok(Box::new(SoftPort(p.clone())) as Box<dyn ModemPort>)
    };
    ModemLine::open(cfg, Box::new(opener), now)
}
