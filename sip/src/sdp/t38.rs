//! T.38 in SDP (ITU-T T.38 Annex D / RFC 3362 attributes) and the
//! decisions around the switch from audio to T.38: when to send the
//! re-INVITE, what a refusal means (fall back to G.711 and go on), and
//! what to try first on the next call to the same number or trunk.

use std::collections::HashMap;
use std::time::{Duration, Instant};

use super::{Attribute, MediaDescription};

/// T38FaxRateManagement.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RateManagement {
    /// TCF generated locally by each gateway.
    LocalTcf,
    /// TCF transferred end to end (required over UDP).
    TransferredTcf,
}

/// T38FaxUdpEC.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum ErrorCorrection {
    /// No error correction.
    None,
    /// t38UDPRedundancy.
    Redundancy,
    /// t38UDPFEC.
    Fec,
}

/// The T.38 session parameters of one side.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct T38Params {
    /// T38FaxVersion (0..=3).
    pub version: u8,
    /// T38MaxBitRate in bit/s.
    pub max_bit_rate: u32,
    /// T38FaxRateManagement.
    pub rate_management: RateManagement,
    /// T38FaxMaxBuffer (bytes), if declared.
    pub max_buffer: Option<u32>,
    /// T38FaxMaxDatagram (bytes), if declared.
    pub max_datagram: Option<u32>,
    /// T38FaxUdpEC.
    pub error_correction: ErrorCorrection,
    /// T38FaxFillBitRemoval.
    pub fill_bit_removal: bool,
    /// T38FaxTranscodingMMR.
    pub transcoding_mmr: bool,
    /// T38FaxTranscodingJBIG.
    pub transcoding_jbig: bool,
}

impl Default for T38Params {
    /// What we offer: version 0, 14400 bit/s, transferredTCF, redundancy.
    fn default() -> Self {
        Self {
            version: 0,
            max_bit_rate: 14_400,
            rate_management: RateManagement::TransferredTcf,
            max_buffer: Some(200),
            max_datagram: Some(400),
            error_correction: ErrorCorrection::Redundancy,
            fill_bit_removal: false,
            transcoding_mmr: false,
            transcoding_jbig: false,
        }
    }
}

fn flag_value(v: Option<&str>) -> bool {
    // A bare attribute means true; `:0` means false (some gateways write it).
    !matches!(v.map(str::trim), Some("0"))
}

impl T38Params {
    /// Reads the attributes of an `image udptl t38` section. Absent values
    /// take the T.38 defaults (version 0, no EC); unreadable numbers are
    /// ignored rather than fatal.
    pub fn from_media(m: &MediaDescription) -> T38Params {
        let mut p = T38Params {
            version: 0,
            max_bit_rate: 14_400,
            rate_management: RateManagement::TransferredTcf,
            max_buffer: None,
            max_datagram: None,
            error_correction: ErrorCorrection::None,
            fill_bit_removal: false,
            transcoding_mmr: false,
            transcoding_jbig: false,
        };
        for a in &m.attributes {
            let v = a.value.as_deref();
            let num = || v.and_then(|v| v.trim().parse::<u32>().ok());
            match a.name.to_ascii_lowercase().as_str() {
                "t38faxversion" => {
                    if let Some(n) = num().filter(|n| *n <= 3) {
                        p.version = n as u8;
                    }
                }
                "t38maxbitrate" => {
                    if let Some(n) = num().filter(|n| (2400..=33_600).contains(n)) {
                        p.max_bit_rate = n;
                    }
                }
                "t38faxratemanagement"
                    if v.is_some_and(|v| v.trim().eq_ignore_ascii_case("localTCF")) =>
                {
                    p.rate_management = RateManagement::LocalTcf;
                }
                "t38faxmaxbuffer" => p.max_buffer = num(),
                "t38faxmaxdatagram" => p.max_datagram = num(),
                "t38faxudpec" => {
                    p.error_correction = match v.map(str::trim) {
                        Some(e) if e.eq_ignore_ascii_case("t38UDPFEC") => ErrorCorrection::Fec,
                        Some(e) if e.eq_ignore_ascii_case("t38UDPRedundancy") => {
                            ErrorCorrection::Redundancy
                        }
                        _ => ErrorCorrection::None,
                    }
                }
                "t38faxfillbitremoval" => p.fill_bit_removal = flag_value(v),
                "t38faxtranscodingmmr" => p.transcoding_mmr = flag_value(v),
                "t38faxtranscodingjbig" => p.transcoding_jbig = flag_value(v),
                _ => {}
            }
        }
        p
    }

    /// The attributes, in the order common gateways write them.
    pub fn to_attributes(&self) -> Vec<Attribute> {
        let mut a = vec![
            Attribute::new("T38FaxVersion", self.version.to_string()),
            Attribute::new("T38MaxBitRate", self.max_bit_rate.to_string()),
        ];
        if self.fill_bit_removal {
            a.push(Attribute::flag("T38FaxFillBitRemoval"));
        }
        if self.transcoding_mmr {
            a.push(Attribute::flag("T38FaxTranscodingMMR"));
        }
        if self.transcoding_jbig {
            a.push(Attribute::flag("T38FaxTranscodingJBIG"));
        }
        a.push(Attribute::new(
            "T38FaxRateManagement",
            match self.rate_management {
                RateManagement::LocalTcf => "localTCF",
                RateManagement::TransferredTcf => "transferredTCF",
            },
        ));
        if let Some(b) = self.max_buffer {
            a.push(Attribute::new("T38FaxMaxBuffer", b.to_string()));
        }
        if let Some(d) = self.max_datagram {
            a.push(Attribute::new("T38FaxMaxDatagram", d.to_string()));
        }
        match self.error_correction {
            ErrorCorrection::None => {}
            ErrorCorrection::Redundancy => {
                a.push(Attribute::new("T38FaxUdpEC", "t38UDPRedundancy"))
            }
            ErrorCorrection::Fec => a.push(Attribute::new("T38FaxUdpEC", "t38UDPFEC")),
        }
        a
    }

    /// The parameters we answer to `offered` given what we support
    /// (`ours`): the lower version and bit rate, the offer's rate
    /// management (an answer must not change it), our own buffer and
    /// datagram sizes, and the offered error correction if we do it, else
    /// the next weaker one we do (FEC → redundancy → none; T.38 Annex D).
    pub fn answer(offered: &T38Params, ours: &T38Params) -> T38Params {
        T38Params {
            version: offered.version.min(ours.version),
            max_bit_rate: offered.max_bit_rate.min(ours.max_bit_rate),
            rate_management: offered.rate_management,
            max_buffer: ours.max_buffer,
            max_datagram: ours.max_datagram,
            error_correction: offered.error_correction.min(ours.error_correction),
            fill_bit_removal: offered.fill_bit_removal && ours.fill_bit_removal,
            transcoding_mmr: offered.transcoding_mmr && ours.transcoding_mmr,
            transcoding_jbig: offered.transcoding_jbig && ours.transcoding_jbig,
        }
    }
}

/// How a fax call's media travels.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum FaxTransport {
    /// T.38 over UDPTL.
    T38,
    /// Fax tones over G.711.
    G711,
}

/// Whether a final response to our T.38 re-INVITE means "this peer does not
/// do T.38, stay on G.711" (488 Not Acceptable Here, 415 Unsupported Media
/// Type, 606 Not Acceptable, 501 Not Implemented, 403/400 from picky
/// gateways, or no answer at all: `0`). The call itself goes on.
pub fn is_t38_refusal(code: u16) -> bool {
    matches!(
        code,
        0 | 400 | 403 | 405 | 408 | 415 | 420 | 480 | 488 | 500 | 501 | 503 | 606
    )
}

/// Where the audio → T.38 switch of one call stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwitchState {
    /// On G.711, not tried (yet).
    Audio,
    /// Our T.38 re-INVITE is out.
    Offered,
    /// T.38 agreed; waiting for the first packet until the instant.
    AwaitingPackets {
        /// Give up on T.38 after this.
        deadline: Instant,
    },
    /// T.38 packets flow.
    T38,
    /// The peer refused T.38 or never sent it: G.711 for the rest of the call.
    FellBack,
}

/// What the call should do next.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SwitchAction {
    /// Send a re-INVITE offering `image/t38`.
    SendT38Offer,
    /// Start T.38 (the answer accepted the image stream).
    StartT38,
    /// Stay on (or return to) G.711 and go on with the fax there.
    UseG711,
    /// T.38 was agreed but nothing came: re-INVITE back to audio, then G.711.
    SendAudioOffer,
    /// Glare (491): try the re-INVITE again after the delay.
    RetryAfter(Duration),
}

/// The audio → T.38 switch of one call (issue 7, "Switching").
#[derive(Debug, Clone)]
pub struct T38Switch {
    state: SwitchState,
    enabled: bool,
    packet_timeout: Duration,
    glare_retries: u32,
}

impl T38Switch {
    /// A switch; `enabled` false keeps the call on G.711 (the trunk or
    /// number is known not to do T.38). `packet_timeout` is how long to
    /// wait for the first T.38 packet after agreeing.
    pub fn new(enabled: bool, packet_timeout: Duration) -> Self {
        Self {
            state: SwitchState::Audio,
            enabled,
            packet_timeout,
            glare_retries: 0,
        }
    }

    /// The current state.
    pub fn state(&self) -> SwitchState {
        self.state
    }

    /// The transport in use now.
    pub fn transport(&self) -> FaxTransport {
        match self.state {
            SwitchState::AwaitingPackets { .. } | SwitchState::T38 => FaxTransport::T38,
            _ => FaxTransport::G711,
        }
    }

    /// Fax tones heard on the audio path (CED/V.21 preamble on the
    /// receiving side): the receiver asks for T.38.
    pub fn handle_fax_tone(&mut self) -> Option<SwitchAction> {
        if self.enabled && self.state == SwitchState::Audio {
            self.state = SwitchState::Offered;
            Some(SwitchAction::SendT38Offer)
        } else {
            None
        }
    }

    /// The final response to our T.38 re-INVITE. `image_accepted` says
    /// whether a 2xx's SDP answer kept the image stream (port not 0).
    /// `random` in [0, 1) spreads glare retries. Code 0 is a timeout.
    pub fn handle_offer_result(
        &mut self,
        code: u16,
        image_accepted: bool,
        now: Instant,
        random: f64,
    ) -> SwitchAction {
        if self.state != SwitchState::Offered {
            return SwitchAction::UseG711;
        }
        match code {
            200..=299 if image_accepted => {
                self.state = SwitchState::AwaitingPackets {
                    deadline: now + self.packet_timeout,
                };
                SwitchAction::StartT38
            }
            491 if self.glare_retries < 2 => {
                self.glare_retries += 1;
                self.state = SwitchState::Audio;
                // RFC 3261 §14.1's range for the Call-ID owner (2.1–4 s).
                // The switch does not know the dialog's role: the SIP line
                // retries a 491 itself with the delay of its role
                // (`dialog::glare_retry_after`) and ignores this one.
                SwitchAction::RetryAfter(Duration::from_millis(
                    2100 + (random.clamp(0.0, 0.999) * 1900.0) as u64,
                ))
            }
            _ => {
                // 2xx without the image stream, 488/415/..., timeout.
                self.state = SwitchState::FellBack;
                SwitchAction::UseG711
            }
        }
    }

    /// A glare retry delay ran out.
    pub fn handle_retry(&mut self) -> Option<SwitchAction> {
        self.handle_fax_tone()
    }

    /// The peer re-INVITEd to T.38 and we accepted. A re-INVITE that only
    /// refreshes a running T.38 session (a session timer in the middle of
    /// a page) changes nothing.
    pub fn handle_peer_t38(&mut self, now: Instant) {
        if matches!(self.state, SwitchState::Audio | SwitchState::Offered) {
            self.state = SwitchState::AwaitingPackets {
                deadline: now + self.packet_timeout,
            };
        }
    }

    /// A T.38 packet arrived.
    pub fn handle_t38_packet(&mut self) {
        if matches!(self.state, SwitchState::AwaitingPackets { .. }) {
            self.state = SwitchState::T38;
        }
    }

    /// When `handle_timeout` must run.
    pub fn poll_timeout(&self) -> Option<Instant> {
        match self.state {
            SwitchState::AwaitingPackets { deadline } => Some(deadline),
            _ => None,
        }
    }

    /// T.38 was agreed but no packet came in time: back to audio.
    pub fn handle_timeout(&mut self, now: Instant) -> Option<SwitchAction> {
        match self.state {
            SwitchState::AwaitingPackets { deadline } if deadline <= now => {
                self.state = SwitchState::FellBack;
                Some(SwitchAction::SendAudioOffer)
            }
            _ => None,
        }
    }
}

/// What worked, per remote number and per trunk, so the next call starts
/// with it (the most common complaint about fax over IP).
#[derive(Debug, Clone, Default)]
pub struct TransportMemory {
    by_number: HashMap<(String, String), FaxTransport>,
    by_trunk: HashMap<String, FaxTransport>,
    capacity: usize,
}

impl TransportMemory {
    /// Remembers at most `capacity` numbers (oldest forgotten arbitrarily).
    pub fn new(capacity: usize) -> Self {
        Self {
            capacity,
            ..Self::default()
        }
    }

    /// The outcome of a fax call on `trunk` to `number`.
    pub fn record(&mut self, trunk: &str, number: &str, used: FaxTransport) {
        let key = (trunk.to_string(), number.to_string());
        if !self.by_number.contains_key(&key) && self.by_number.len() >= self.capacity {
            if let Some(k) = self.by_number.keys().next().cloned() {
                self.by_number.remove(&k);
            }
        }
        if self.capacity > 0 {
            self.by_number.insert(key, used);
        }
        self.by_trunk.insert(trunk.to_string(), used);
    }

    /// What to try first: what worked for this number, else for this trunk,
    /// else T.38.
    pub fn first_choice(&self, trunk: &str, number: &str) -> FaxTransport {
        self.by_number
            .get(&(trunk.to_string(), number.to_string()))
            .or_else(|| self.by_trunk.get(trunk))
            .copied()
            .unwrap_or(FaxTransport::T38)
    }

    /// Whether recording `used` for `trunk` and `number` would change what
    /// is remembered (so a persisted copy needs writing).
    pub fn would_change(&self, trunk: &str, number: &str, used: FaxTransport) -> bool {
        self.by_trunk.get(trunk) != Some(&used)
            || (self.capacity > 0
                && self.by_number.get(&(trunk.to_string(), number.to_string())) != Some(&used))
    }

    /// The memory as text, to persist it across restarts: one line per
    /// entry, `trunk<TAB>name<TAB>t38|g711` for a trunk and
    /// `number<TAB>trunk<TAB>number<TAB>t38|g711` for a number, sorted.
    /// Entries whose names hold a tab or a line break are left out.
    pub fn to_text(&self) -> String {
        let word = |t: &FaxTransport| match t {
            FaxTransport::T38 => "t38",
            FaxTransport::G711 => "g711",
        };
        let clean = |s: &str| !s.contains(['\t', '\n', '\r']);
        let mut lines: Vec<String> = self
            .by_trunk
            .iter()
            .filter(|(t, _)| clean(t))
            .map(|(t, v)| format!("trunk\t{t}\t{}", word(v)))
            .chain(
                self.by_number
                    .iter()
                    .filter(|((t, n), _)| clean(t) && clean(n))
                    .map(|((t, n), v)| format!("number\t{t}\t{n}\t{}", word(v))),
            )
            .collect();
        lines.sort();
        let mut out = lines.join("\n");
        out.push('\n');
        out
    }

    /// Reads what [`TransportMemory::to_text`] wrote into a memory of
    /// `capacity` numbers. Lines it cannot read are skipped and counted
    /// (the memory is a hint: a damaged file costs a retry, not a call).
    pub fn from_text(text: &str, capacity: usize) -> (TransportMemory, usize) {
        let mut m = TransportMemory::new(capacity);
        let mut bad = 0;
        for line in text.lines().filter(|l| !l.trim().is_empty()) {
            let f: Vec<&str> = line.split('\t').collect();
            let used = |w: &str| match w {
                "t38" => Some(FaxTransport::T38),
                "g711" => Some(FaxTransport::G711),
                _ => None,
            };
            match f.as_slice() {
                ["trunk", t, w] => match used(w) {
                    Some(u) => {
                        m.by_trunk.insert(t.to_string(), u);
                    }
                    None => bad += 1,
                },
                ["number", t, n, w] => match used(w) {
                    Some(u) if capacity > 0 => {
                        let key = (t.to_string(), n.to_string());
                        if m.by_number.contains_key(&key) || m.by_number.len() < capacity {
                            m.by_number.insert(key, u);
                        }
                    }
                    Some(_) => {}
                    None => bad += 1,
                },
                _ => bad += 1,
            }
        }
        (m, bad)
    }
}
