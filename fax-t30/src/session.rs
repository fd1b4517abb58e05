//! The sans-IO fax session: one T.30 party (sender or receiver) over audio,
//! T.38 or a modem that modulates itself (Class 1). No sockets, no clock:
//! time advances with the audio fed in (20 ms per frame) or with
//! [`FaxSession::handle_tick`] on T.38 and modems.
//!
//! ```text
//!   line driver ──handle_audio / handle_ifp / handle_modem / handle_tick──▶ FaxSession
//!   line driver ◀──poll_audio / poll_ifp / poll_modem───────────────────── FaxSession
//!   kernel      ◀──poll_event (phases, pages, result)───────────────────── FaxSession
//! ```

use std::collections::VecDeque;
use std::path::{Path, PathBuf};

use crate::g711::Law;
use crate::media::{AudioFrame, IfpPacket, FRAME_SAMPLES};
use crate::modem::{ModemReport, ModemRequest};
use crate::outcome::{CompletionCode, FaxOutcome, ReceivedPage, Role};
use crate::page::BilevelPage;
use crate::spandsp::consts::*;
use crate::spandsp::engine::{Engine, PageHeader, RawEvent, T38Config};
use crate::Error;

/// The highest image data rate the session offers or accepts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum MaxRate {
    /// V.17 at 14400 bit/s, falling back through 12000, 9600 and 7200, then
    /// V.29 and V.27ter.
    V17,
    /// V.29 at 9600 bit/s, falling back to 7200, then V.27ter.
    V29,
    /// V.27ter at 4800 bit/s, falling back to 2400.
    V27ter,
}

impl MaxRate {
    /// The rate in bit/s.
    pub fn bps(self) -> u32 {
        match self {
            MaxRate::V17 => 14400,
            MaxRate::V29 => 9600,
            MaxRate::V27ter => 4800,
        }
    }

    /// The setting for a rate. spandsp chooses among modems, not rates, so
    /// only the top rate of each modem can be a cap; lower rates are reached
    /// by fallback when training fails.
    pub fn from_bps(bps: u32) -> Result<MaxRate, Error> {
        match bps {
            14400 => Ok(MaxRate::V17),
            9600 => Ok(MaxRate::V29),
            4800 => Ok(MaxRate::V27ter),
            other => Err(Error::Engine(format!(
                "maximum rate {other} bit/s cannot be set: choose 14400 (V.17), 9600 (V.29) or 4800 (V.27ter); lower rates are reached by fallback"
            ))),
        }
    }

    fn modems(self) -> u32 {
        match self {
            MaxRate::V17 => SUPPORT_V17 | SUPPORT_V29 | SUPPORT_V27TER,
            MaxRate::V29 => SUPPORT_V29 | SUPPORT_V27TER,
            MaxRate::V27ter => SUPPORT_V27TER,
        }
    }
}

/// T.38 settings of a session (the SDP attributes of RFC 3362 / T.38 Annex D
/// that concern the terminal).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct T38Options {
    /// T38FaxVersion (0..=3).
    pub version: u8,
    /// T38FaxMaxDatagram: the largest IFP packet the peer accepts.
    pub max_datagram: u16,
    /// T38FaxFillBitRemoval.
    pub fill_bit_removal: bool,
    /// T38FaxRateManagement: true = transferredTCF (the normal choice over
    /// UDP), false = localTCF.
    pub transferred_tcf: bool,
}

impl Default for T38Options {
    fn default() -> Self {
        T38Options {
            version: 0,
            max_datagram: 400,
            fill_bit_removal: false,
            transferred_tcf: true,
        }
    }
}

/// How the session reaches the far end.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Transport {
    /// 8 kHz audio with the fax modems (G.711 passthrough, analog lines).
    Audio,
    /// T.38 IFP packets.
    T38(T38Options),
    /// A modem that modulates itself (a T.31 Class 1 fax modem): T.30
    /// frames, carrier changes and image data as [`ModemRequest`]s and
    /// [`ModemReport`]s (see [`crate::modem`]).
    Modem,
}

/// Options of a session. `Default` is a sender-agnostic, capable terminal.
#[derive(Debug, Clone)]
pub struct FaxOptions {
    /// The party that placed the call (sends CNG, waits for CED). Usually
    /// the sender, but a receiver can call too (polling is not supported).
    pub calling_party: bool,
    pub ecm: bool,
    pub max_rate: MaxRate,
    /// Our TSI (sender) or CSI (receiver): up to 20 characters, digits,
    /// `+` and space by T.30; longer idents are cut.
    pub ident: String,
    /// Header line printed on top of each sent page (sender only): spandsp
    /// prints the date and time, then this text and the page number out of
    /// the document's pages (`1/3`); see [`crate::header`].
    pub header: Option<String>,
    /// Time zone of the header's date and time, as a POSIX TZ string
    /// (`CET-1CEST,M3.5.0,M10.5.0/3`); `None`: the process's local time.
    pub header_tz: Option<String>,
    /// Receiver: accept superfine pages (standard and fine are always accepted).
    pub accept_superfine: bool,
    /// Receiver: accept B4 width (2048 pixels) as well as A4/Letter (1728).
    pub accept_b4: bool,
}

impl Default for FaxOptions {
    fn default() -> Self {
        FaxOptions {
            calling_party: true,
            ecm: true,
            max_rate: MaxRate::V17,
            ident: String::new(),
            header: None,
            header_tz: None,
            accept_superfine: true,
            accept_b4: true,
        }
    }
}

/// What a sender sends.
#[derive(Debug, Clone)]
pub enum PageSource {
    /// A TIFF-F file (any T.4/T.6 fax TIFF libtiff can read).
    Tiff(PathBuf),
    /// The same, from page `first_page` (1-based) to the end: a retry that
    /// resumes after the pages the remote already confirmed.
    TiffFrom { path: PathBuf, first_page: u32 },
    /// Pages in memory; they are written as T.6 TIFF-F to `spool` first,
    /// the form spandsp's T.4 transmitter reads.
    Pages {
        pages: Vec<BilevelPage>,
        spool: PathBuf,
    },
}

/// What the session does with a document.
#[derive(Debug, Clone)]
pub enum Document {
    Send(PageSource),
    /// Receive into this TIFF-F file (written by spandsp, T.6 where the page
    /// came in with T.6, otherwise as received).
    Receive(PathBuf),
}

/// Progress of T.30 (T.30 clause 2: phases A to E).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Phase {
    /// Call set-up: CNG / CED tones.
    A,
    /// Pre-message procedure: DIS, DCS, training.
    B,
    /// Message transmission: page data.
    C,
    /// Post-message procedure: MPS/EOP and their confirmation.
    D,
    /// Call release.
    E,
}

/// What happens while a session runs.
#[derive(Debug, Clone)]
pub enum FaxEvent {
    Phase(Phase),
    /// Training succeeded: the image data rate and mode for the next pages.
    Negotiated {
        bit_rate: u32,
        ecm: bool,
    },
    RemoteIdent(String),
    /// Training at `failed_rate` failed; the sender falls back.
    Retrain {
        failed_rate: u32,
    },
    PageStarted {
        page: u32,
    },
    /// The remote confirmed a page (sender), or a page was received
    /// (receiver), with its row count and rows that arrived damaged.
    PageConfirmed {
        page: u32,
        rows: u32,
        bad_rows: u32,
    },
    /// The receiver judged the page too poor (RTN).
    PageRejected {
        page: u32,
    },
    Finished(Box<FaxOutcome>),
}

/// One party of a fax call. See the module docs for the run loop.
pub struct FaxSession {
    engine: Engine,
    role: Role,
    transport: Transport,
    events: VecDeque<FaxEvent>,
    raw: Vec<RawEvent>,
    ifp_out: VecDeque<IfpPacket>,
    modem_out: VecDeque<ModemRequest>,
    tx_seq: u16,
    phase: Phase,
    elapsed: u64,
    pages_done: u32,
    last_post_page: Option<u8>,
    page_open: bool,
    negotiated_rate: u32,
    retrains: u32,
    sent_rows: (u32, u32),
    training_rate: u32,
    /// Pages of the file before the first one this session sends.
    skipped_pages: u32,
    remote_ident_sent: bool,
    rx_file: Option<PathBuf>,
    outcome: Option<FaxOutcome>,
    scratch: AudioFrame,
}

impl FaxSession {
    /// Set up a session. For a sender the document must be readable now.
    pub fn new(
        options: &FaxOptions,
        transport: Transport,
        document: Document,
    ) -> Result<Self, Error> {
        let mut engine = match transport {
            Transport::Audio => Engine::new_audio(options.calling_party)?,
            Transport::T38(t) => Engine::new_t38(
                options.calling_party,
                T38Config {
                    version: t.version.min(3) as i32,
                    max_datagram: t.max_datagram.max(48) as i32,
                    fill_bit_removal: t.fill_bit_removal,
                    rate_management: if t.transferred_tcf { 2 } else { 1 },
                    // Indicators, control data, image data: how many copies
                    // spandsp asks us to send (UDPTL redundancy adds more).
                    redundancy: [3, 3, 1],
                },
            )?,
            Transport::Modem => Engine::new_modem(options.calling_party)?,
        };
        if std::env::var_os("UMS_SPANDSP_LOG").is_some() {
            engine.enable_log();
        }
        let ident: String = options.ident.chars().take(20).collect();
        engine.set_ident(&ident);
        if let Some(tz) = &options.header_tz {
            engine.set_header_tz(tz)?;
        }
        // On a Class 1 modem the ECM frames go over +FTM/+FRM with HDLC
        // framing of ours (line-drivers' modem::hdlc).
        engine.set_ecm(options.ecm);
        engine.set_supported_modems(options.max_rate.modems());
        engine.set_supported_compressions(COMPRESSION_T4_1D | COMPRESSION_T4_2D | COMPRESSION_T6);
        let mut res = RES_STANDARD | RES_FINE;
        if options.accept_superfine {
            res |= RES_SUPERFINE;
        }
        engine.set_supported_resolutions(res);
        let mut sizes = WIDTH_215MM
            | LENGTH_A4
            | LENGTH_US_LETTER
            | LENGTH_US_LEGAL
            | LENGTH_B4
            | LENGTH_UNLIMITED;
        if options.accept_b4 {
            sizes |= WIDTH_255MM;
        }
        engine.set_supported_image_sizes(sizes);

        let mut skipped_pages = 0;
        let (role, rx_file) = match document {
            Document::Send(source) => {
                let (path, first_page) = match source {
                    PageSource::Tiff(p) => (p, 1),
                    PageSource::TiffFrom { path, first_page } => (path, first_page.max(1)),
                    PageSource::Pages { pages, spool } => {
                        spool_pages(&pages, &spool)?;
                        (spool, 1)
                    }
                };
                skipped_pages = first_page - 1;
                if !path.is_file() {
                    return Err(Error::io(
                        &path,
                        std::io::Error::new(
                            std::io::ErrorKind::NotFound,
                            "document to send not found",
                        ),
                    ));
                }
                engine.set_tx_file(&path, skipped_pages)?;
                if let Some(text) = &options.header {
                    let pages = crate::tiff::read_tiff_file(&path)
                        .map(|p| p.len() as u32)
                        .unwrap_or(0)
                        .max(first_page);
                    engine.set_page_header(PageHeader {
                        text: text.clone(),
                        first_page,
                        pages,
                    });
                }
                (Role::Sender, None)
            }
            Document::Receive(path) => {
                engine.set_output_compressions(
                    COMPRESSION_T6 | COMPRESSION_T4_2D | COMPRESSION_T4_1D,
                );
                engine.set_receive_recovery(true)?;
                engine.set_rx_file(&path)?;
                (Role::Receiver, Some(path))
            }
        };
        Ok(FaxSession {
            engine,
            role,
            transport,
            events: VecDeque::new(),
            raw: Vec::new(),
            ifp_out: VecDeque::new(),
            modem_out: VecDeque::new(),
            tx_seq: 0,
            phase: Phase::A,
            elapsed: 0,
            pages_done: 0,
            last_post_page: None,
            page_open: false,
            negotiated_rate: 0,
            retrains: 0,
            sent_rows: (0, 0),
            training_rate: 0,
            skipped_pages,
            remote_ident_sent: false,
            rx_file,
            outcome: None,
            scratch: [0; FRAME_SAMPLES],
        })
    }

    pub fn role(&self) -> Role {
        self.role
    }

    pub fn is_t38(&self) -> bool {
        matches!(self.transport, Transport::T38(_))
    }

    /// True on [`Transport::Modem`].
    pub fn is_modem(&self) -> bool {
        self.transport == Transport::Modem
    }

    /// The transport the session runs on.
    pub fn transport(&self) -> Transport {
        self.transport
    }

    /// The session has ended (phase E or hang-up): the outcome is final.
    pub fn is_finished(&self) -> bool {
        self.outcome.is_some()
    }

    pub fn outcome(&self) -> Option<&FaxOutcome> {
        self.outcome.as_ref()
    }

    /// Media time consumed so far, in samples.
    pub fn elapsed_samples(&self) -> u64 {
        self.elapsed
    }

    /// Feed one 20 ms frame of received linear audio. Advances time by 20 ms.
    pub fn handle_audio(&mut self, frame: &AudioFrame) {
        if self.outcome.is_some() {
            return;
        }
        self.scratch.copy_from_slice(frame);
        self.engine.rx_audio(&mut self.scratch);
        self.elapsed += FRAME_SAMPLES as u64;
        self.process();
    }

    /// Feed one frame of G.711 code words (160 octets).
    pub fn handle_g711(&mut self, codes: &[u8], law: Law) {
        let mut frame = [0i16; FRAME_SAMPLES];
        law.decode_into(codes, &mut frame);
        self.handle_audio(&frame);
    }

    /// The next 20 ms frame of audio to send (silence when idle or finished).
    pub fn poll_audio(&mut self) -> AudioFrame {
        let mut out = [0i16; FRAME_SAMPLES];
        if self.outcome.is_none() {
            self.engine.tx_audio(&mut out);
            self.process();
        }
        out
    }

    /// The next frame as G.711 code words.
    pub fn poll_g711(&mut self, law: Law) -> [u8; FRAME_SAMPLES] {
        let frame = self.poll_audio();
        let mut out = [0u8; FRAME_SAMPLES];
        law.encode_into(&frame, &mut out);
        out
    }

    /// Feed one received T.38 IFP packet.
    pub fn handle_ifp(&mut self, packet: &IfpPacket) {
        if self.outcome.is_some() {
            return;
        }
        self.engine.rx_ifp(&packet.data, packet.seq);
        self.process();
    }

    /// Let 20 ms of media time pass on a T.38 or modem session (timers,
    /// paced transmission). Audio sessions count time by the frames fed
    /// instead.
    pub fn handle_tick(&mut self) {
        self.handle_elapsed(FRAME_SAMPLES as u32);
    }

    /// Let `samples` (8 kHz) of media time pass at once on a T.38 or modem
    /// session: a modem line's T.30 needs its timers (seconds long) run
    /// only every so often and before each report, not every 20 ms.
    pub fn handle_elapsed(&mut self, samples: u32) {
        if self.outcome.is_some() || samples == 0 {
            return;
        }
        match self.transport {
            Transport::Audio => return,
            Transport::T38(_) => self.engine.t38_timeout(samples),
            Transport::Modem => self.engine.timer_update(samples),
        }
        self.elapsed += u64::from(samples);
        self.process();
    }

    /// Feed one report of the modem (modem sessions).
    pub fn handle_modem(&mut self, report: &ModemReport) {
        if self.outcome.is_some() || !self.is_modem() {
            return;
        }
        self.engine.modem_report(report);
        self.process();
    }

    /// True if requests, packets or events wait to be polled.
    pub fn has_output(&self) -> bool {
        !(self.modem_out.is_empty() && self.ifp_out.is_empty() && self.events.is_empty())
    }

    /// The next request to the modem (modem sessions).
    pub fn poll_modem(&mut self) -> Option<ModemRequest> {
        self.modem_out.pop_front()
    }

    /// The next T.38 packet to send. Packets spandsp wants repeated (for
    /// loss resilience of indicators) come out several times with the same
    /// sequence number, as UDPTL redundancy expects.
    pub fn poll_ifp(&mut self) -> Option<IfpPacket> {
        self.ifp_out.pop_front()
    }

    pub fn poll_event(&mut self) -> Option<FaxEvent> {
        self.events.pop_front()
    }

    /// The line hung up (or the call was cut). Concludes T.30 with the
    /// right code; a receiver keeps the pages it completed.
    pub fn handle_hangup(&mut self) {
        if self.outcome.is_some() {
            return;
        }
        self.engine.terminate();
        self.process();
        if self.outcome.is_none() {
            // spandsp had already finished the procedure quietly.
            self.finish(CompletionCode::CALL_DROPPED);
        }
    }

    /// Diagnostic log lines from spandsp (only with `UMS_SPANDSP_LOG` set).
    pub fn take_log(&mut self) -> Vec<String> {
        self.engine.take_log()
    }

    fn process(&mut self) {
        if self.is_modem() {
            let requests: Vec<ModemRequest> = self.engine.drain_modem().collect();
            self.modem_out.extend(requests);
        }
        if self.is_t38() {
            for (data, count) in self.engine.drain_ifp().collect::<Vec<_>>() {
                let seq = self.tx_seq;
                self.tx_seq = self.tx_seq.wrapping_add(1);
                for _ in 0..count.min(4) {
                    self.ifp_out.push_back(IfpPacket {
                        seq,
                        data: data.clone(),
                    });
                }
            }
        }
        if self.outcome.is_some() {
            return;
        }
        let mut raw = std::mem::take(&mut self.raw);
        self.engine.drain_events(&mut raw);
        for ev in raw.drain(..) {
            self.handle_raw(ev);
            if self.outcome.is_some() {
                break;
            }
        }
        self.raw = raw;
    }

    /// Rows of the page in flight, as the sender's statistics say when the
    /// page ends (they describe the next page by the time it is confirmed).
    fn note_page_rows(&mut self) {
        if self.role == Role::Sender {
            let st = self.engine.stats();
            self.sent_rows = (st.length, st.bad_rows);
        }
    }

    fn set_phase(&mut self, phase: Phase) {
        if phase != self.phase {
            self.phase = phase;
            self.events.push_back(FaxEvent::Phase(phase));
        }
    }

    fn handle_raw(&mut self, ev: RawEvent) {
        match ev {
            RawEvent::Frame { fcf, fcf2, .. } => {
                self.handle_frame(fcf & 0xFE, fcf2.map(|f| f & 0xFE))
            }
            RawEvent::PhaseB => {
                self.set_phase(Phase::B);
                self.report_remote_ident();
            }
            RawEvent::PhaseD => self.check_pages(),
            RawEvent::PhaseE(code) => {
                self.check_pages();
                self.finish(CompletionCode(code));
            }
        }
    }

    fn handle_frame(&mut self, fcf: u8, fcf2: Option<u8>) {
        // Frames we send and frames we receive mean the same progress; what
        // matters is who sends which (the sender sends DCS, the receiver CFR).
        match fcf {
            FCF_DIS => self.set_phase(Phase::B),
            FCF_DCS => {
                // The sender's statistics move to the fallback rate as soon
                // as training fails; remember the rate this DCS trains at.
                self.training_rate = self.engine.stats().bit_rate;
                self.set_phase(Phase::B);
            }
            FCF_CFR => {
                self.report_remote_ident();
                let st = self.engine.stats();
                self.negotiated_rate = st.bit_rate;
                self.events.push_back(FaxEvent::Negotiated {
                    bit_rate: st.bit_rate,
                    ecm: st.ecm,
                });
                self.set_phase(Phase::C);
                self.open_page();
            }
            FCF_FTT => {
                self.retrains += 1;
                let rate = match self.role {
                    Role::Sender => self.training_rate,
                    Role::Receiver => self.engine.stats().bit_rate,
                };
                self.events
                    .push_back(FaxEvent::Retrain { failed_rate: rate });
            }
            FCF_MPS | FCF_EOP | FCF_EOM | FCF_PRI_EOP => {
                self.note_page_rows();
                self.last_post_page = Some(fcf);
                self.set_phase(Phase::D);
            }
            FCF_PPS => {
                // ECM: PPS carries the real post-page message; PPS-NULL
                // (0) ends a partial page inside the same page.
                self.note_page_rows();
                self.last_post_page = fcf2.filter(|f| *f != 0);
                self.set_phase(Phase::D);
            }
            FCF_RTN => {
                let page = self.pages_done + 1;
                self.events.push_back(FaxEvent::PageRejected { page });
                self.page_open = false;
            }
            FCF_MCF | FCF_RTP | FCF_PPR | FCF_CTC => {
                self.check_pages();
                if fcf == FCF_MCF && !self.page_open {
                    // After MCF to MPS the next page follows without training;
                    // after EOP the call ends; after PPS-NULL the page goes on.
                    if self.last_post_page == Some(FCF_MPS) {
                        self.set_phase(Phase::C);
                        self.open_page();
                    }
                } else if fcf == FCF_PPR || (fcf == FCF_MCF && self.last_post_page.is_none()) {
                    self.set_phase(Phase::C);
                }
            }
            FCF_DCN => self.set_phase(Phase::E),
            _ => {}
        }
    }

    fn open_page(&mut self) {
        if !self.page_open {
            self.page_open = true;
            self.events.push_back(FaxEvent::PageStarted {
                page: self.pages_done + 1,
            });
        }
    }

    fn report_remote_ident(&mut self) {
        if !self.remote_ident_sent {
            if let Some(id) = self.engine.remote_ident() {
                self.remote_ident_sent = true;
                self.events.push_back(FaxEvent::RemoteIdent(id));
            }
        }
    }

    /// Emit a PageConfirmed for every page spandsp counted since last time.
    fn check_pages(&mut self) {
        let st = self.engine.stats();
        let count = match self.role {
            Role::Sender => st.pages_tx,
            Role::Receiver => st.pages_rx,
        };
        if self.pages_done >= count {
            return;
        }
        let inventory = match self.role {
            Role::Receiver => self.engine.recovered_pages(),
            Role::Sender => Vec::new(),
        };
        while self.pages_done < count {
            self.pages_done += 1;
            self.page_open = false;
            // A receiver's statistics are reset for the next page by now;
            // its page inventory keeps each page's rows.
            let (rows, bad_rows) = match self.role {
                Role::Receiver => inventory
                    .get(self.pages_done as usize - 1)
                    .map_or((st.length, st.bad_rows), |p| (p.rows, p.bad_rows)),
                Role::Sender => self.sent_rows,
            };
            self.events.push_back(FaxEvent::PageConfirmed {
                page: self.pages_done,
                rows,
                bad_rows,
            });
        }
    }

    fn finish(&mut self, code: CompletionCode) {
        self.report_remote_ident();
        self.set_phase(Phase::E);
        let st = self.engine.stats();
        let mut received_pages = Vec::new();
        let mut file = None;
        if self.role == Role::Receiver {
            self.engine.receive_finalize();
            for (i, p) in self.engine.recovered_pages().iter().enumerate() {
                received_pages.push(ReceivedPage {
                    number: i as u32 + 1,
                    rows: p.rows,
                    bad_rows: p.bad_rows,
                    partial: p.partial || p.missing_tail,
                });
            }
            file = self
                .rx_file
                .clone()
                .filter(|p| !received_pages.is_empty() && Path::new(p).is_file());
        }
        // The received file could not be written completely (disk full, ...):
        // what was kept is reported, but the transfer is not a success.
        let file_error = self.role == Role::Receiver && self.engine.receive_output_error() != 0;
        let (pages_confirmed, pages_total, success) = match self.role {
            Role::Sender => {
                // spandsp counts the whole file; this session sends the rest.
                let total = st
                    .pages_in_file
                    .map(|t| t.saturating_sub(self.skipped_pages));
                let ok = code.is_ok() && total.is_some_and(|t| st.pages_tx >= t && t > 0);
                (st.pages_tx, total, ok)
            }
            Role::Receiver => {
                let complete = received_pages.iter().filter(|p| !p.partial).count() as u32;
                let complete = complete.max(st.pages_rx.min(received_pages.len() as u32));
                (complete, None, code.is_ok() && complete > 0 && !file_error)
            }
        };
        let outcome = FaxOutcome {
            role: self.role,
            code,
            success,
            pages_confirmed,
            pages_total,
            // The rate of the last successful training; 0 if none succeeded.
            bit_rate: self.negotiated_rate,
            ecm: st.ecm,
            remote_ident: self.engine.remote_ident(),
            received_pages,
            file,
            duration_samples: self.elapsed,
            retrains: self.retrains,
            file_error,
        };
        self.events
            .push_back(FaxEvent::Finished(Box::new(outcome.clone())));
        self.outcome = Some(outcome);
    }
}

fn spool_pages(pages: &[BilevelPage], spool: &Path) -> Result<(), Error> {
    if pages.is_empty() {
        return Err(Error::UnsupportedPage(
            "a fax needs at least one page".into(),
        ));
    }
    let tiff_pages: Vec<_> = pages
        .iter()
        .map(|p| crate::tiff::TiffPage::from_page(p, crate::codec::Compression::T6))
        .collect();
    crate::tiff::write_tiff_file(spool, &tiff_pages, &crate::tiff::TiffMeta::default())
}
