//! What the SIP line tests share: the loopback address and a static-peer
//! trunk on it (the clock and scratch directories come from `test_kit`).
#![allow(dead_code)] // each test file uses part of it

pub mod sim_fax;

use std::net::{IpAddr, Ipv4Addr};

use line_drivers::sip::TrunkConfig;

pub const LO: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A trunk `name` to a static peer on 127.0.0.1:`peer_port`, calling as
/// `user`, without registration or authentication.
pub fn trunk(name: &str, user: &str, peer_port: u16) -> TrunkConfig {
    TrunkConfig::static_peer(name, format!("127.0.0.1:{peer_port}"), user)
}

use std::time::Instant;

use fax_t30::{FaxEvent, FaxOptions, FaxOutcome};
use line_drivers::{
    CallEnd, CallId, FaxCall, FaxCallEvent, FaxRole, HangupCause, Line, LineCaps, LineError,
    LineEvent, LineId, Media, MediaKind,
};

/// One end of a fax call in a SIP test: its line and the workspace's one
/// fax pump ([`FaxCall`]) on it, with what the test looks at afterwards.
pub struct FaxEnd<L> {
    pub line: L,
    pub fax: Option<FaxCall>,
    /// A receiver answers incoming calls with this; without it they are
    /// refused as busy.
    pub answer_with: Option<(FaxRole, FaxOptions)>,
    /// The call's media: the first kind, then each change.
    pub kinds: Vec<MediaKind>,
    /// T.30 events, pages numbered for the call.
    pub events: Vec<FaxEvent>,
    pub end: Option<CallEnd>,
    /// Why the far end hung up, if it did.
    pub remote_cause: Option<HangupCause>,
    /// The number dialled, or the one an incoming call was for.
    pub number: Option<String>,
    /// The caller of an incoming call, as the line presented it.
    pub caller: Option<String>,
    /// Drop this end's T.38 output (a peer that agrees to T.38 and never
    /// sends it).
    pub mute_t38: bool,
    /// Calls that rang while this end had one (refused busy).
    pub refused: u32,
}

impl<L: Line> FaxEnd<L> {
    pub fn new(line: L) -> FaxEnd<L> {
        FaxEnd {
            line,
            fax: None,
            answer_with: None,
            kinds: Vec::new(),
            events: Vec::new(),
            end: None,
            remote_cause: None,
            number: None,
            caller: None,
            mute_t38: false,
            refused: 0,
        }
    }

    /// An end that answers every call as a fax receiver into `file`.
    pub fn receiver(line: L, file: std::path::PathBuf, options: FaxOptions) -> FaxEnd<L> {
        let mut end = FaxEnd::new(line);
        end.answer_with = Some((FaxRole::Receive { file }, options));
        end
    }

    /// Dial `number` and send `role`'s document once it answers.
    pub fn dial(&mut self, number: &str, role: FaxRole, options: FaxOptions, now: Instant) {
        self.reset();
        self.number = Some(number.to_string());
        let fax = FaxCall::dial(&mut self.line, number, role, options, now).expect("dial");
        self.fax = Some(fax);
    }

    /// Forget the last call (before the next one on the same line).
    pub fn reset(&mut self) {
        self.fax = None;
        self.kinds.clear();
        self.events.clear();
        self.end = None;
        self.remote_cause = None;
        self.number = None;
        self.caller = None;
    }

    /// The call on the line, if any.
    pub fn call(&self) -> Option<CallId> {
        self.fax.as_ref().map(FaxCall::call)
    }

    /// One tick (after the line's driver ticked): the pump, an incoming
    /// call answered or refused, and what the fax did.
    pub fn step(&mut self, now: Instant) {
        let mut others = Vec::new();
        match self.fax.as_mut() {
            Some(fax) if self.mute_t38 => {
                fax.step(&mut MuteT38(&mut self.line), now, |e| others.push(e))
            }
            Some(fax) => fax.step(&mut self.line, now, |e| others.push(e)),
            None => {
                while self.line.poll_media_change().is_some() {}
                others.extend(std::iter::from_fn(|| self.line.poll_event()));
            }
        }
        for ev in others {
            match ev {
                LineEvent::Incoming {
                    call,
                    caller,
                    called,
                    media,
                } => match (&self.fax, self.answer_with.clone()) {
                    (None, Some((role, options))) => {
                        self.reset();
                        self.number = Some(called);
                        self.caller = caller;
                        self.kinds.push(media);
                        let fax = FaxCall::answer(&mut self.line, call, media, role, options, now)
                            .expect("answer");
                        self.fax = Some(fax);
                    }
                    _ => {
                        self.refused += 1;
                        self.line.hangup(call, HangupCause::UserBusy, now);
                    }
                },
                LineEvent::Media { call, .. } => {
                    panic!(
                        "media of call {call} reached a line whose call is {:?}",
                        self.call()
                    )
                }
                LineEvent::Progress { .. } | LineEvent::HungUp { .. } => {}
            }
        }
        let Some(fax) = self.fax.as_mut() else {
            return;
        };
        while let Some(ev) = fax.poll_event() {
            match ev {
                FaxCallEvent::Answered => self.kinds.push(fax.media_kind()),
                FaxCallEvent::MediaChanged(k) => self.kinds.push(k),
                FaxCallEvent::Fax(e) => self.events.push(e),
                FaxCallEvent::Ended(e) => {
                    self.remote_cause = fax.remote_cause();
                    self.end = Some(e);
                }
            }
        }
    }

    /// The fax's outcome once the call is over (none if T.30 never ran).
    pub fn outcome(&self) -> Option<&FaxOutcome> {
        match &self.end {
            Some(CallEnd::Fax(o)) => Some(o),
            _ => None,
        }
    }

    /// T.30 has started page `n` in this call.
    pub fn page_started(&self, n: u32) -> bool {
        (self.events.iter()).any(|e| matches!(e, FaxEvent::PageStarted { page } if *page == n))
    }
}

/// A line whose T.38 output is dropped: everything else goes through.
pub struct MuteT38<'a, L>(pub &'a mut L);

impl<L: Line> Line for MuteT38<'_, L> {
    fn id(&self) -> &LineId {
        self.0.id()
    }
    fn caps(&self) -> LineCaps {
        self.0.caps()
    }
    fn dial(&mut self, number: &str, media: MediaKind, now: Instant) -> Result<CallId, LineError> {
        self.0.dial(number, media, now)
    }
    fn answer(&mut self, call: CallId, now: Instant) -> Result<(), LineError> {
        self.0.answer(call, now)
    }
    fn hangup(&mut self, call: CallId, cause: HangupCause, now: Instant) {
        self.0.hangup(call, cause, now)
    }
    fn send(&mut self, call: CallId, media: Media, now: Instant) -> Result<(), LineError> {
        match media {
            Media::T38(_) => Ok(()),
            other => self.0.send(call, other, now),
        }
    }
    fn poll_event(&mut self) -> Option<LineEvent> {
        self.0.poll_event()
    }
    fn is_idle(&self) -> bool {
        self.0.is_idle()
    }
    fn is_available(&self) -> bool {
        self.0.is_available()
    }
    fn poll_media_change(&mut self) -> Option<(CallId, MediaKind)> {
        self.0.poll_media_change()
    }
}

use std::net::SocketAddr;

use line_drivers::sim_net::{NetImpairments, SimNet};
use line_drivers::SimClock;

/// `127.0.0.1:port`, an address on the simulated network.
pub fn addr(port: u16) -> SocketAddr {
    SocketAddr::new(LO, port)
}

/// The simulated network and its clock.
pub struct World {
    pub net: SimNet,
    pub clock: SimClock,
}

impl World {
    pub fn new(imp: NetImpairments) -> World {
        World {
            net: SimNet::new(imp),
            clock: SimClock::new(test_kit::origin()),
        }
    }
}

/// Header `name` of a SIP message text (first occurrence).
pub fn header<'a>(msg: &'a str, name: &str) -> Option<&'a str> {
    msg.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.trim().eq_ignore_ascii_case(name).then(|| v.trim())
    })
}

/// A registrar's 200 to a REGISTER text: the binding for 600 s.
pub fn register_ok(m: &str) -> String {
    let h = |k: &str| header(m, k).unwrap_or_default().to_string();
    format!(
        "SIP/2.0 200 OK\r\nVia: {}\r\nFrom: {}\r\nTo: {};tag=reg1\r\nCall-ID: {}\r\n\
         CSeq: {}\r\nContact: {};expires=600\r\nContent-Length: 0\r\n\r\n",
        h("Via"),
        h("From"),
        h("To"),
        h("Call-ID"),
        h("CSeq"),
        h("Contact"),
    )
}

/// A final answer to a request text, as a scripted far end writes it.
pub fn answer(m: &str, code: &str) -> String {
    let h = |k: &str| header(m, k).unwrap_or_default().to_string();
    format!(
        "SIP/2.0 {code}\r\nVia: {}\r\nFrom: {}\r\nTo: {};tag=peer1\r\nCall-ID: {}\r\n\
         CSeq: {}\r\nContent-Length: 0\r\n\r\n",
        h("Via"),
        h("From"),
        h("To"),
        h("Call-ID"),
        h("CSeq"),
    )
}

/// `frames` 20 ms frames of delay and up to `jitter_ms` of jitter each
/// way, the dice seeded by `seed`.
pub fn delayed(frames: u32, jitter_ms: u64, seed: u64) -> NetImpairments {
    NetImpairments {
        line: line_drivers::loopback::Impairments {
            latency_frames: frames,
            seed,
            ..line_drivers::loopback::Impairments::CLEAN
        },
        jitter: std::time::Duration::from_millis(jitter_ms),
    }
}

/// Two A4 test pages (standard resolution) drawn from `seed`.
pub fn pages(seed: u64) -> Vec<fax_t30::page::BilevelPage> {
    use fax_t30::page::{BilevelPage, PaperSize, Resolution};
    let res = Resolution::Standard;
    (0..2)
        .map(|i| {
            let (w, rows) = (PaperSize::A4.width(), PaperSize::A4.rows(res));
            BilevelPage::test_pattern(w, rows, res, seed + i)
        })
        .collect()
}

/// Line A (4930100) at 127.0.0.1:5060 and line B (4930200) at :5062,
/// each the other's trunk, RTP on 20000 and 20010 (UDPTL two above), B
/// switching to T.38 at once; `tweak` changes either. Engines without
/// sockets: the addresses are the simulated network's.
pub fn line_pair(
    tweak: impl FnOnce(&mut line_drivers::sip::SipLineConfig, &mut line_drivers::sip::SipLineConfig),
) -> (line_drivers::sip::SipLine, line_drivers::sip::SipLine) {
    use line_drivers::sip::{SipLine, SipLineConfig, T38Policy};
    let mut a = SipLineConfig::new("sip/a", trunk("to-b", "4930100", 5062), LO, 5060, 20000);
    let mut b = SipLineConfig::new("sip/b", trunk("to-a", "4930200", 5060), LO, 5062, 20010);
    b.t38_policy = T38Policy::Immediately;
    tweak(&mut a, &mut b);
    let t0 = test_kit::origin();
    (
        SipLine::engine(a, t0).expect("line A"),
        SipLine::engine(b, t0).expect("line B"),
    )
}

/// Fax options of a test call: ECM as given, the sender calling, the
/// ident `"<who> A"` for the sender and `"<who> B"` for the receiver.
pub fn fax_options(ecm: bool, sender: bool, who: &str) -> FaxOptions {
    FaxOptions {
        ecm,
        calling_party: sender,
        ident: format!("{who} {}", if sender { "A" } else { "B" }),
        ..Default::default()
    }
}
