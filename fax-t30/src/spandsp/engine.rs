//! Safe owner of one spandsp T.30 terminal: `fax_state_t` (T.30 over audio,
//! with the V.21/V.27ter/V.29/V.17 modems), `t38_terminal_state_t` (T.30
//! over T.38 IFP packets) or a bare `t30_state_t` whose front end is a modem
//! that modulates itself (Class 1; the hooks are in [`super::front_end`]).
//!
//! spandsp reports what happens through C callbacks while it runs inside
//! `fax_rx`, `fax_tx`, `t38_core_rx_ifp_packet` and
//! `t38_terminal_send_timeout`. Each trampoline below only appends to a
//! heap-allocated [`Shared`] queue that this wrapper owns; the session drains
//! it afterwards. No global state: every engine has its own queue.

use std::ffi::{c_char, c_int, c_void, CStr, CString};
use std::path::Path;

use spandsp_sys as sys;

use crate::Error;

/// Something spandsp told us from inside a call.
#[derive(Debug, Clone)]
pub(crate) enum RawEvent {
    /// Phase B (pre-message procedure) handler ran.
    PhaseB,
    /// Phase D (post-message procedure) handler ran.
    PhaseD,
    /// Phase E: the call finished with this T.30 completion code.
    PhaseE(i32),
    /// An HDLC control frame went out or came in (the meaning of a T.30
    /// frame does not depend on the direction for our purposes).
    /// `fcf2` is the octet after the FCF: for PPS, the post-page message
    /// it carries (PPS-NULL, PPS-MPS, PPS-EOP, ...).
    Frame { fcf: u8, fcf2: Option<u8> },
}

/// A copy of `t30_stats_t` with the fields the session uses.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct Stats {
    pub bit_rate: u32,
    pub ecm: bool,
    pub pages_tx: u32,
    pub pages_rx: u32,
    pub pages_in_file: Option<u32>,
    pub length: u32,
    pub bad_rows: u32,
}

/// One entry of spandsp's receive-recovery inventory (`t4_rx_recovery_page_t`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct RecoveredPage {
    pub partial: bool,
    pub rows: u32,
    pub bad_rows: u32,
    pub missing_tail: bool,
}

/// The page header of a sender: our text and the numbering.
#[derive(Debug, Clone)]
pub(crate) struct PageHeader {
    pub text: String,
    /// 1-based number of the file's first page sent in this call.
    pub first_page: u32,
    /// Pages of the whole document.
    pub pages: u32,
}

/// T.38 options that map onto `t38_core` settings.
#[derive(Debug, Clone, Copy)]
pub(crate) struct T38Config {
    pub version: i32,
    pub max_datagram: i32,
    pub fill_bit_removal: bool,
    /// Data rate management: 1 = local TCF, 2 = transferred TCF.
    pub rate_management: i32,
    /// How often indicator/control/image packets are repeated by spandsp.
    pub redundancy: [i32; 3],
}

/// Queue shared with the trampolines. Lives on the heap at a fixed address
/// (`Box::into_raw`) for as long as the spandsp state that points at it.
#[derive(Default)]
pub(super) struct Shared {
    /// The T.30 state, for the header update from the phase handlers (null
    /// until the terminal is set up).
    t30: Option<std::ptr::NonNull<sys::t30_state_t>>,
    /// The page header to set before each sent page, if any.
    page_header: Option<PageHeader>,
    events: Vec<RawEvent>,
    /// T.38 packets to send: (IFP octets, repeat count).
    ifp_out: Vec<(Vec<u8>, u32)>,
    /// Requests of T.30 to its modem (modem terminals only).
    pub(super) modem_out: Vec<crate::modem::ModemRequest>,
    log: Option<Vec<String>>,
}

enum Terminal {
    Audio(*mut sys::fax_state_t),
    T38 {
        term: *mut sys::t38_terminal_state_t,
        core: *mut sys::t38_core_state_t,
    },
    /// A bare T.30 state (`t30_init`) whose front end is a Class 1 modem.
    Modem,
}

/// One T.30 terminal. Not `Send`-shared: one thread drives it at a time,
/// but it may move between threads (the C state is plain memory).
pub(crate) struct Engine {
    terminal: Terminal,
    t30: *mut sys::t30_state_t,
    shared: *mut Shared,
}

// SAFETY: the spandsp state and the Shared queue are plain heap memory owned
// exclusively by this value; nothing in them is tied to a thread.
unsafe impl Send for Engine {}

impl Engine {
    /// A terminal for T.30 over 8 kHz audio.
    pub fn new_audio(calling_party: bool) -> Result<Self, Error> {
        // SAFETY: fax_init with NULL allocates a new state; we own it and
        // free it in Drop.
        let fax = unsafe { sys::fax_init(std::ptr::null_mut(), calling_party) };
        if fax.is_null() {
            return Err(Error::Engine("fax_init failed (out of memory)".into()));
        }
        // SAFETY: fax is a valid state; the T.30 state lives inside it.
        let t30 = unsafe { sys::fax_get_t30_state(fax) };
        // SAFETY: fax is valid. Keep sending silence when T.30 is idle, so
        // the line always gets a frame; no TEP (talker echo protection).
        unsafe {
            sys::fax_set_transmit_on_idle(fax, 1);
            sys::fax_set_tep_mode(fax, 0);
        }
        let mut engine = Engine {
            terminal: Terminal::Audio(fax),
            t30,
            shared: Box::into_raw(Box::default()),
        };
        engine.install_handlers();
        Ok(engine)
    }

    /// A terminal for T.30 over T.38 (IFP packets).
    pub fn new_t38(calling_party: bool, config: T38Config) -> Result<Self, Error> {
        let shared: *mut Shared = Box::into_raw(Box::default());
        // SAFETY: NULL asks spandsp to allocate; the packet trampoline gets
        // `shared` as user data, which outlives the state (freed after it in Drop).
        let term = unsafe {
            sys::t38_terminal_init(
                std::ptr::null_mut(),
                calling_party,
                Some(tx_packet_trampoline),
                shared.cast(),
            )
        };
        if term.is_null() {
            // SAFETY: shared came from Box::into_raw above and was not shared.
            drop(unsafe { Box::from_raw(shared) });
            return Err(Error::Engine("t38_terminal_init failed".into()));
        }
        // SAFETY: term is a valid terminal; both pointers live inside it.
        let (t30, core) = unsafe {
            (
                sys::t38_terminal_get_t30_state(term),
                sys::t38_terminal_get_t38_core_state(term),
            )
        };
        // SAFETY: term and core are valid for the calls below.
        unsafe {
            sys::t38_terminal_set_config(term, 0);
            sys::t38_terminal_set_tep_mode(term, false);
            sys::t38_terminal_set_fill_bit_removal(term, config.fill_bit_removal);
            sys::t38_set_t38_version(core, config.version);
            sys::t38_set_max_datagram_size(core, config.max_datagram);
            sys::t38_set_data_rate_management_method(core, config.rate_management);
            for (category, setting) in config.redundancy.iter().enumerate() {
                sys::t38_set_redundancy_control(core, category as c_int, *setting);
            }
        }
        let mut engine = Engine {
            terminal: Terminal::T38 { term, core },
            t30,
            shared,
        };
        engine.install_handlers();
        Ok(engine)
    }

    /// A terminal for T.30 over a modem that modulates itself: T.30's
    /// front-end hooks become [`crate::modem::ModemRequest`]s.
    pub fn new_modem(calling_party: bool) -> Result<Self, Error> {
        let shared: *mut Shared = Box::into_raw(Box::default());
        // SAFETY: t30_init with NULL allocates a state we own (t30_free in
        // Drop). It calls the handlers at once (t30_restart sets phase A),
        // so `shared` must be live now: it is, and it outlives the state.
        let t30 = unsafe { super::front_end::init(calling_party, shared) };
        if t30.is_null() {
            // SAFETY: shared came from Box::into_raw above and was not shared.
            drop(unsafe { Box::from_raw(shared) });
            return Err(Error::Engine("t30_init failed (out of memory)".into()));
        }
        let mut engine = Engine {
            terminal: Terminal::Modem,
            t30,
            shared,
        };
        engine.install_handlers();
        Ok(engine)
    }

    /// Pass a modem's report to T.30 (modem terminals; ignored otherwise).
    /// An [`crate::modem::ModemReport::ImageWanted`] is answered with an
    /// `ImageData` request.
    pub fn modem_report(&mut self, report: &crate::modem::ModemReport) {
        if matches!(self.terminal, Terminal::Modem) {
            // SAFETY: t30 is our live state; its handlers' user data (shared)
            // is live and not borrowed while spandsp runs.
            unsafe { super::front_end::report(self.t30, self.shared, report) };
        }
    }

    /// Let `samples` of time pass for T.30's timers (modem terminals).
    pub fn timer_update(&mut self, samples: u32) {
        if matches!(self.terminal, Terminal::Modem) {
            // SAFETY: t30 valid; timers may call handlers whose user data is live.
            unsafe { sys::t30_timer_update(self.t30, samples as c_int) };
        }
    }

    pub fn drain_modem(&mut self) -> std::vec::Drain<'_, crate::modem::ModemRequest> {
        self.shared().modem_out.drain(..)
    }

    fn install_handlers(&mut self) {
        self.shared().t30 = std::ptr::NonNull::new(self.t30);
        let user = self.shared.cast::<c_void>();
        // SAFETY: t30 is valid; `user` points to our Shared, which lives
        // until Drop, after the state that calls back into it is freed.
        unsafe {
            sys::t30_set_phase_b_handler(self.t30, Some(phase_b_trampoline), user);
            sys::t30_set_phase_d_handler(self.t30, Some(phase_d_trampoline), user);
            sys::t30_set_phase_e_handler(self.t30, Some(phase_e_trampoline), user);
            sys::t30_set_real_time_frame_handler(self.t30, Some(frame_trampoline), user);
        }
    }

    fn shared(&mut self) -> &mut Shared {
        // SAFETY: shared is valid and uniquely ours; no spandsp call is in
        // progress while this borrow lives (we hold &mut self).
        unsafe { &mut *self.shared }
    }

    /// Collect spandsp's log lines (at FLOW level) for diagnostics.
    pub fn enable_log(&mut self) {
        self.shared().log = Some(Vec::new());
        let user = self.shared.cast::<c_void>();
        let states = self.logging_states();
        for log in states {
            // SAFETY: log belongs to our live state; user outlives it.
            unsafe {
                sys::span_log_set_level(
                    log,
                    (sys::SPAN_LOG_FLOW
                        | sys::SPAN_LOG_SHOW_PROTOCOL
                        | sys::SPAN_LOG_SHOW_SAMPLE_TIME) as c_int,
                );
                sys::span_log_set_message_handler(log, Some(log_trampoline), user);
            }
        }
    }

    fn logging_states(&self) -> Vec<*mut sys::logging_state_t> {
        // SAFETY: all pointers belong to our live state.
        unsafe {
            let mut v = vec![sys::t30_get_logging_state(self.t30)];
            match self.terminal {
                Terminal::Audio(fax) => v.push(sys::fax_get_logging_state(fax)),
                Terminal::T38 { term, core } => {
                    v.push(sys::t38_terminal_get_logging_state(term));
                    v.push(sys::t38_core_get_logging_state(core));
                }
                Terminal::Modem => {}
            }
            v
        }
    }

    pub fn take_log(&mut self) -> Vec<String> {
        self.shared()
            .log
            .as_mut()
            .map(std::mem::take)
            .unwrap_or_default()
    }

    // ---- configuration (before media flows) ----

    pub fn set_ident(&mut self, ident: &str) {
        let c = cstring(ident);
        // SAFETY: t30 valid; spandsp copies the string.
        unsafe { sys::t30_set_tx_ident(self.t30, c.as_ptr()) };
    }

    /// Print `header` on top of each sent page: spandsp's date and time,
    /// then our text and page n/m (set anew before every page from the
    /// phase B and D handlers, see [`crate::header`]).
    pub fn set_page_header(&mut self, header: PageHeader) {
        let info = crate::header::header_info(&header.text, header.first_page, header.pages);
        self.shared().page_header = Some(header);
        set_header_bytes(self.t30, &info);
    }

    /// The time zone of the header's date and time (a POSIX TZ string such
    /// as `CET-1CEST,M3.5.0,M10.5.0/3`); without it spandsp uses the
    /// process's local time.
    pub fn set_header_tz(&mut self, tz: &str) -> Result<(), Error> {
        let c = cstring(tz);
        // SAFETY: t30 valid; spandsp parses the string into its own state.
        let rc = unsafe { sys::t30_set_tx_page_header_tz(self.t30, c.as_ptr()) };
        if rc == 0 {
            Ok(())
        } else {
            Err(Error::Engine(format!(
                "header time zone {tz:?} not understood"
            )))
        }
    }

    pub fn set_ecm(&mut self, enabled: bool) {
        // SAFETY: t30 valid.
        unsafe { sys::t30_set_ecm_capability(self.t30, enabled) };
    }

    pub fn set_supported_modems(&mut self, bits: u32) {
        // SAFETY: t30 valid.
        unsafe { sys::t30_set_supported_modems(self.t30, bits as c_int) };
    }

    pub fn set_supported_compressions(&mut self, bits: u32) {
        // SAFETY: t30 valid.
        unsafe { sys::t30_set_supported_compressions(self.t30, bits as c_int) };
    }

    pub fn set_output_compressions(&mut self, bits: u32) {
        // SAFETY: t30 valid.
        unsafe { sys::t30_set_supported_output_compressions(self.t30, bits as c_int) };
    }

    pub fn set_supported_resolutions(&mut self, bits: u32) {
        // SAFETY: t30 valid.
        unsafe { sys::t30_set_supported_bilevel_resolutions(self.t30, bits as c_int) };
    }

    pub fn set_supported_image_sizes(&mut self, bits: u32) {
        // SAFETY: t30 valid.
        unsafe { sys::t30_set_supported_image_sizes(self.t30, bits as c_int) };
    }

    /// Send `path` from page `first_page` (0-based) to its end.
    pub fn set_tx_file(&mut self, path: &Path, first_page: u32) -> Result<(), Error> {
        let c = path_cstring(path)?;
        let start = if first_page == 0 {
            -1
        } else {
            first_page as c_int
        };
        // SAFETY: t30 valid; spandsp copies the file name.
        unsafe { sys::t30_set_tx_file(self.t30, c.as_ptr(), start, -1) };
        Ok(())
    }

    pub fn set_rx_file(&mut self, path: &Path) -> Result<(), Error> {
        let c = path_cstring(path)?;
        // SAFETY: t30 valid; spandsp copies the file name.
        unsafe { sys::t30_set_rx_file(self.t30, c.as_ptr(), -1) };
        Ok(())
    }

    /// Keep completed (and the trustworthy prefix of partial) pages when a
    /// call drops. Must be set before any media.
    pub fn set_receive_recovery(&mut self, preserve: bool) -> Result<(), Error> {
        // SAFETY: t30 valid.
        let rc = unsafe { sys::t30_set_receive_recovery(self.t30, preserve as c_int) };
        if rc != 0 {
            return Err(Error::Engine(
                "receive recovery must be set before the call starts".into(),
            ));
        }
        Ok(())
    }

    // ---- media ----

    /// Feed received audio (any length; normally one 20 ms frame).
    pub fn rx_audio(&mut self, samples: &mut [i16]) {
        if let Terminal::Audio(fax) = self.terminal {
            // SAFETY: fax valid; the buffer is valid for len samples (spandsp
            // may scale it in place, hence &mut).
            unsafe { sys::fax_rx(fax, samples.as_mut_ptr(), samples.len() as c_int) };
        }
    }

    /// Produce audio to send. Returns the samples written (the rest of the
    /// buffer is left as silence by the caller).
    pub fn tx_audio(&mut self, out: &mut [i16]) -> usize {
        match self.terminal {
            // SAFETY: fax valid; out is valid for out.len() samples.
            Terminal::Audio(fax) => {
                unsafe { sys::fax_tx(fax, out.as_mut_ptr(), out.len() as c_int) }.max(0) as usize
            }
            Terminal::T38 { .. } | Terminal::Modem => 0,
        }
    }

    /// Feed one received IFP packet with its sequence number.
    pub fn rx_ifp(&mut self, data: &[u8], seq: u16) {
        if let Terminal::T38 { core, .. } = self.terminal {
            // SAFETY: core valid; data valid for its length; spandsp only reads it.
            unsafe { sys::t38_core_rx_ifp_packet(core, data.as_ptr(), data.len() as c_int, seq) };
        }
    }

    /// Advance the T.38 terminal's clock by `samples` (1/8000 s each).
    pub fn t38_timeout(&mut self, samples: u32) {
        if let Terminal::T38 { term, .. } = self.terminal {
            // SAFETY: term valid.
            unsafe { sys::t38_terminal_send_timeout(term, samples as c_int) };
        }
    }

    pub fn drain_events(&mut self, out: &mut Vec<RawEvent>) {
        out.append(&mut self.shared().events);
    }

    pub fn drain_ifp(&mut self) -> std::vec::Drain<'_, (Vec<u8>, u32)> {
        self.shared().ifp_out.drain(..)
    }

    // ---- state ----

    pub fn stats(&self) -> Stats {
        let mut t = std::mem::MaybeUninit::<sys::t30_stats_t>::zeroed();
        // SAFETY: t30 valid; t is a properly sized out-parameter (zeroed, so
        // any field spandsp does not write is a valid integer).
        let t = unsafe {
            sys::t30_get_transfer_statistics(self.t30, t.as_mut_ptr());
            t.assume_init()
        };
        Stats {
            bit_rate: t.bit_rate.max(0) as u32,
            ecm: t.error_correcting_mode != 0,
            pages_tx: t.pages_tx.max(0) as u32,
            pages_rx: t.pages_rx.max(0) as u32,
            pages_in_file: (t.pages_in_file >= 0).then_some(t.pages_in_file as u32),
            length: t.length.max(0) as u32,
            bad_rows: t.bad_rows.max(0) as u32,
        }
    }

    /// The far end's ident (CSI for a sender, TSI for a receiver), if sent.
    pub fn remote_ident(&self) -> Option<String> {
        // SAFETY: t30 valid; returns a pointer into the state or NULL.
        let p = unsafe { sys::t30_get_rx_ident(self.t30) };
        c_str(p)
            .filter(|s| !s.trim().is_empty())
            .map(|s| s.trim().to_string())
    }

    /// The line went away: let T.30 conclude (phase E with the right code).
    pub fn terminate(&mut self) {
        // SAFETY: t30 valid; may call the phase E trampoline, whose user
        // data is live.
        unsafe { sys::t30_terminate(self.t30) };
    }

    /// Close the receive file and freeze the recovery inventory. Terminal:
    /// no callbacks after this.
    pub fn receive_finalize(&mut self) {
        // SAFETY: t30 valid; idempotent in spandsp.
        unsafe { sys::t30_receive_finalize(self.t30) };
    }

    pub fn receive_output_error(&self) -> i32 {
        // SAFETY: t30 valid.
        unsafe { sys::t30_receive_output_error(self.t30) }
    }

    pub fn recovered_pages(&self) -> Vec<RecoveredPage> {
        // SAFETY: t30 valid.
        let n = unsafe { sys::t30_receive_page_count(self.t30) }.max(0);
        (0..n)
            .filter_map(|i| {
                let mut p = std::mem::MaybeUninit::<sys::t4_rx_recovery_page_t>::zeroed();
                // SAFETY: i is in range; p is a valid out-parameter.
                let rc = unsafe { sys::t30_receive_page(self.t30, i, p.as_mut_ptr()) };
                (rc == 0).then(|| {
                    // SAFETY: spandsp filled p (and it was zeroed before).
                    let p = unsafe { p.assume_init() };
                    RecoveredPage {
                        partial: p.partial != 0,
                        rows: p.rows.max(0) as u32,
                        bad_rows: p.bad_rows.max(0) as u32,
                        missing_tail: p.missing_tail != 0,
                    }
                })
            })
            .collect()
    }
}

/// spandsp's own sentence for a T.30 completion code.
#[cfg(test)]
pub(crate) fn completion_code_text(code: i32) -> Option<String> {
    // SAFETY: returns a static string (or NULL) for any int.
    c_str(unsafe { sys::t30_completion_code_to_str(code) })
}

impl Drop for Engine {
    fn drop(&mut self) {
        // SAFETY: the states were allocated by spandsp's *_init with NULL and
        // are freed exactly once here; callbacks cannot fire after free, so
        // Shared is released last.
        unsafe {
            match self.terminal {
                Terminal::Audio(fax) => {
                    sys::fax_free(fax);
                }
                Terminal::T38 { term, .. } => {
                    sys::t38_terminal_free(term);
                }
                Terminal::Modem => {
                    sys::t30_free(self.t30);
                }
            }
            drop(Box::from_raw(self.shared));
        }
    }
}

fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).expect("NULs replaced")
}

fn path_cstring(path: &Path) -> Result<CString, Error> {
    use std::os::unix::ffi::OsStrExt;
    CString::new(path.as_os_str().as_bytes()).map_err(|_| {
        Error::io(
            path,
            std::io::Error::new(std::io::ErrorKind::InvalidInput, "NUL in path"),
        )
    })
}

fn c_str(p: *const c_char) -> Option<String> {
    if p.is_null() {
        return None;
    }
    // SAFETY: spandsp returns NUL-terminated strings that live at least as
    // long as this call; we copy immediately.
    Some(unsafe { CStr::from_ptr(p) }.to_string_lossy().into_owned())
}

/// # Safety
/// `user` must be the `*mut Shared` installed by `Engine`, live and not
/// otherwise borrowed (spandsp calls back only while we are inside a call
/// that holds no borrow of it).
pub(super) unsafe fn shared_from<'a>(user: *mut c_void) -> &'a mut Shared {
    // SAFETY: guaranteed by the caller.
    unsafe { &mut *user.cast::<Shared>() }
}

/// Copy `info` (Latin-1, no NUL) into spandsp's header info.
fn set_header_bytes(t30: *mut sys::t30_state_t, info: &[u8]) {
    let bytes: Vec<u8> = info
        .iter()
        .map(|&b| if b == 0 { b' ' } else { b })
        .collect();
    let c = CString::new(bytes).expect("NULs replaced");
    // SAFETY: t30 valid; spandsp copies the string (at most 50 characters
    // are kept, more than the 30 we give).
    unsafe { sys::t30_set_tx_page_header_info(t30, c.as_ptr()) };
}

/// Set the header for the page spandsp starts next. Called from the phase
/// B handler (before the first page) and the phase D handler (after MCF,
/// before the next page; after RTN the same page again): the page is the
/// first one plus the pages confirmed so far.
fn refresh_page_header(shared: &mut Shared) {
    let (Some(t30), Some(h)) = (shared.t30, shared.page_header.as_ref()) else {
        return;
    };
    let mut t = std::mem::MaybeUninit::<sys::t30_stats_t>::zeroed();
    // SAFETY: t30 is valid while its handlers run; t is a zeroed out-parameter.
    let t = unsafe {
        sys::t30_get_transfer_statistics(t30.as_ptr(), t.as_mut_ptr());
        t.assume_init()
    };
    let page = (h.first_page + t.pages_tx.max(0) as u32).min(h.pages.max(1));
    let info = crate::header::header_info(&h.text, page, h.pages);
    set_header_bytes(t30.as_ptr(), &info);
}

unsafe extern "C" fn phase_b_trampoline(user: *mut c_void, _result: c_int) -> c_int {
    // SAFETY: user is our Shared (see install_handlers).
    let shared = unsafe { shared_from(user) };
    refresh_page_header(shared);
    shared.events.push(RawEvent::PhaseB);
    0 // T30_ERR_OK: keep the status
}

unsafe extern "C" fn phase_d_trampoline(user: *mut c_void, _result: c_int) -> c_int {
    // SAFETY: user is our Shared.
    let shared = unsafe { shared_from(user) };
    refresh_page_header(shared);
    shared.events.push(RawEvent::PhaseD);
    0 // T30_ERR_OK: keep the status
}

unsafe extern "C" fn phase_e_trampoline(user: *mut c_void, code: c_int) {
    // SAFETY: user is our Shared.
    unsafe { shared_from(user) }
        .events
        .push(RawEvent::PhaseE(code));
}

unsafe extern "C" fn frame_trampoline(
    user: *mut c_void,
    _incoming: bool,
    msg: *const u8,
    len: c_int,
) {
    if msg.is_null() || len < 3 {
        return;
    }
    // SAFETY: spandsp passes a frame of `len` bytes; byte 2 is the FCF,
    // byte 3 (if any) the first octet of its information field.
    let (fcf, fcf2) = unsafe { (*msg.add(2), (len > 3).then(|| *msg.add(3))) };
    // SAFETY: user is our Shared.
    unsafe { shared_from(user) }
        .events
        .push(RawEvent::Frame { fcf, fcf2 });
}

unsafe extern "C" fn tx_packet_trampoline(
    _core: *mut sys::t38_core_state_t,
    user: *mut c_void,
    buf: *const u8,
    len: c_int,
    count: c_int,
) -> c_int {
    if buf.is_null() || len < 0 {
        return -1;
    }
    // SAFETY: spandsp passes `len` valid bytes; we copy them.
    let data = unsafe { std::slice::from_raw_parts(buf, len as usize) }.to_vec();
    // SAFETY: user is our Shared (given to t38_terminal_init).
    unsafe { shared_from(user) }
        .ifp_out
        .push((data, count.max(1) as u32));
    0
}

unsafe extern "C" fn log_trampoline(user: *mut c_void, _level: c_int, text: *const c_char) {
    if let Some(line) = c_str(text) {
        // SAFETY: user is our Shared.
        if let Some(log) = unsafe { shared_from(user) }.log.as_mut() {
            log.push(line.trim_end().to_string());
        }
    }
}
