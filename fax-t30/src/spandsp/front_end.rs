//! T.30's front-end hooks for a modem that modulates itself (Class 1).
//!
//! `t30_init` takes three handlers (set the receive type, set the transmit
//! type, send an HDLC frame); the trampolines here turn each call into a
//! [`ModemRequest`] on the engine's queue. The other direction,
//! [`report`], is spandsp's `t30_hdlc_accept`, `t30_non_ecm_put`,
//! `t30_non_ecm_get` and `t30_front_end_status`, as `t38_terminal.c` uses
//! them for its own message-oriented front end.

use std::ffi::{c_int, c_void};

use spandsp_sys as sys;

use super::engine::{shared_from, Shared};
use crate::modem::{
    ModemFamily, ModemReport, ModemRequest, Modulation, RxMode, SignalStatus, TxMode,
};

// spandsp's SIG_STATUS_* (async.h; not in the bindings).
const SIG_STATUS_CARRIER_DOWN: c_int = -1;
const SIG_STATUS_CARRIER_UP: c_int = -2;
const SIG_STATUS_TRAINING_SUCCEEDED: c_int = -4;
const SIG_STATUS_TRAINING_FAILED: c_int = -5;
const SIG_STATUS_FRAMING_OK: c_int = -6;

/// The most image data one `ImageWanted` can ask for.
const MAX_IMAGE_CHUNK: usize = 16 * 1024;

/// `t30_init` with our trampolines, `shared` as every handler's user data.
///
/// # Safety
/// `shared` must be a live `Shared` from `Box::into_raw` that outlives the
/// returned state (the handlers run during this call already).
pub(super) unsafe fn init(calling_party: bool, shared: *mut Shared) -> *mut sys::t30_state_t {
    let user = shared.cast::<c_void>();
    // SAFETY: NULL asks spandsp to allocate; the caller guarantees `user`.
    unsafe {
        sys::t30_init(
            std::ptr::null_mut(),
            calling_party,
            Some(set_rx_type_trampoline),
            user,
            Some(set_tx_type_trampoline),
            user,
            Some(send_hdlc_trampoline),
            user,
        )
    }
}

/// Feed one modem report to T.30.
///
/// # Safety
/// `t30` must be the live state made by [`init`] with this `shared`, and
/// no borrow of `shared` may be held (T.30 calls back into it).
pub(super) unsafe fn report(t30: *mut sys::t30_state_t, shared: *mut Shared, report: &ModemReport) {
    let user = t30.cast::<c_void>();
    match report {
        ModemReport::SendStepComplete => {
            // SAFETY: t30 valid (caller).
            unsafe {
                sys::t30_front_end_status(user, sys::T30_FRONT_END_SEND_STEP_COMPLETE as c_int)
            }
        }
        ModemReport::ReceiveComplete => {
            // SAFETY: t30 valid.
            unsafe { sys::t30_front_end_status(user, sys::T30_FRONT_END_RECEIVE_COMPLETE as c_int) }
        }
        ModemReport::HdlcStatus(status) => {
            // SAFETY: a negative length is a status; msg is not read.
            unsafe { sys::t30_hdlc_accept(user, std::ptr::null(), sig_status(*status), 1) }
        }
        ModemReport::HdlcFrame { frame, crc_ok } => {
            // SAFETY: frame is valid for its length; spandsp only reads it.
            unsafe {
                sys::t30_hdlc_accept(user, frame.as_ptr(), frame.len() as c_int, *crc_ok as c_int)
            }
        }
        ModemReport::ImageStatus(status) => {
            // SAFETY: a negative length is a status; buf is not read.
            unsafe { sys::t30_non_ecm_put(user, std::ptr::null(), sig_status(*status)) }
        }
        ModemReport::ImageData(data) => {
            if !data.is_empty() {
                // SAFETY: data valid for its length; spandsp only reads it.
                unsafe { sys::t30_non_ecm_put(user, data.as_ptr(), data.len() as c_int) }
            }
        }
        ModemReport::ImageWanted { max } => {
            let mut buf = vec![0u8; (*max).clamp(1, MAX_IMAGE_CHUNK)];
            // SAFETY: buf is valid for its length; spandsp writes at most that.
            let n = unsafe { sys::t30_non_ecm_get(user, buf.as_mut_ptr(), buf.len() as c_int) };
            // Fewer octets than asked for (or an error): the data ends here.
            let last = n < buf.len() as c_int;
            buf.truncate(n.max(0) as usize);
            // SAFETY: no spandsp call is running; shared is live (caller).
            unsafe { &mut *shared }
                .modem_out
                .push(ModemRequest::ImageData { data: buf, last });
        }
    }
}

fn sig_status(status: SignalStatus) -> c_int {
    match status {
        SignalStatus::CarrierUp => SIG_STATUS_CARRIER_UP,
        SignalStatus::CarrierDown => SIG_STATUS_CARRIER_DOWN,
        SignalStatus::FramingOk => SIG_STATUS_FRAMING_OK,
        SignalStatus::TrainingSucceeded => SIG_STATUS_TRAINING_SUCCEEDED,
        SignalStatus::TrainingFailed => SIG_STATUS_TRAINING_FAILED,
    }
}

/// A T.30 modem type and rate as a modulation.
fn modulation(kind: c_int, bit_rate: c_int, short_train: c_int) -> Option<Modulation> {
    let family = match kind as u32 {
        sys::t30_modem_e_T30_MODEM_V27TER => ModemFamily::V27ter,
        sys::t30_modem_e_T30_MODEM_V29 => ModemFamily::V29,
        sys::t30_modem_e_T30_MODEM_V17 => ModemFamily::V17,
        _ => return None,
    };
    Some(Modulation {
        family,
        bps: bit_rate.max(0) as u32,
        short_train: family == ModemFamily::V17 && short_train != 0,
    })
}

unsafe extern "C" fn set_rx_type_trampoline(
    user: *mut c_void,
    kind: c_int,
    bit_rate: c_int,
    short_train: c_int,
    use_hdlc: c_int,
) {
    // SAFETY: user is our Shared (see init).
    let shared = unsafe { shared_from(user) };
    let request = match kind as u32 {
        sys::t30_modem_e_T30_MODEM_DONE => ModemRequest::Done,
        // The calling and answer tones are the modem's business (ATD/ATA);
        // T.30 listens for V.21 with them.
        sys::t30_modem_e_T30_MODEM_V21
        | sys::t30_modem_e_T30_MODEM_CED
        | sys::t30_modem_e_T30_MODEM_CNG => ModemRequest::Receive(Some(RxMode::V21)),
        _ => match modulation(kind, bit_rate, short_train) {
            Some(m) => ModemRequest::Receive(Some(RxMode::Fast {
                modulation: m,
                hdlc: use_hdlc != 0,
            })),
            None => ModemRequest::Receive(None),
        },
    };
    push_changed(shared, request);
}

unsafe extern "C" fn set_tx_type_trampoline(
    user: *mut c_void,
    kind: c_int,
    bit_rate: c_int,
    short_train: c_int,
    use_hdlc: c_int,
) {
    // SAFETY: user is our Shared (see init).
    let shared = unsafe { shared_from(user) };
    let request = match kind as u32 {
        sys::t30_modem_e_T30_MODEM_DONE => ModemRequest::Done,
        // For a pause, T.30 passes the length in ms as `short_train`.
        sys::t30_modem_e_T30_MODEM_PAUSE => ModemRequest::Transmit(Some(TxMode::Pause {
            ms: short_train.max(0) as u32,
        })),
        sys::t30_modem_e_T30_MODEM_CED => ModemRequest::Transmit(Some(TxMode::Ced)),
        sys::t30_modem_e_T30_MODEM_CNG => ModemRequest::Transmit(Some(TxMode::Cng)),
        sys::t30_modem_e_T30_MODEM_V21 => ModemRequest::Transmit(Some(TxMode::V21)),
        _ => match modulation(kind, bit_rate, short_train) {
            Some(m) => ModemRequest::Transmit(Some(TxMode::Fast {
                modulation: m,
                hdlc: use_hdlc != 0,
            })),
            None => ModemRequest::Transmit(None),
        },
    };
    push_changed(shared, request);
}

/// Queue `request`, dropping a repeat of the same mode (T.30 sets a mode
/// again to restart a modem it owns; a Class 1 modem needs it once) and a
/// second `Done`.
fn push_changed(shared: &mut Shared, request: ModemRequest) {
    let repeat = match &request {
        ModemRequest::Done => shared.modem_out.contains(&ModemRequest::Done),
        _ => false,
    };
    if !repeat {
        shared.modem_out.push(request);
    }
}

unsafe extern "C" fn send_hdlc_trampoline(user: *mut c_void, msg: *const u8, len: c_int) {
    // SAFETY: user is our Shared (see init).
    let shared = unsafe { shared_from(user) };
    let request = match len {
        0 => ModemRequest::HdlcEnd,
        n if n < 0 => ModemRequest::HdlcFlush,
        _ if msg.is_null() => return,
        // SAFETY: spandsp passes `len` valid octets; we copy them.
        n => {
            ModemRequest::SendHdlc(unsafe { std::slice::from_raw_parts(msg, n as usize) }.to_vec())
        }
    };
    shared.modem_out.push(request);
}
