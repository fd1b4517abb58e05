//! Safe owners of spandsp's tone detectors and generators: the DTMF
//! receiver (`dtmf_rx`) and generator (`dtmf_tx`), and the modem connect
//! tone detector (`modem_connect_tones_rx`, for fax CNG) and generator
//! (`modem_connect_tones_tx`).
//!
//! None of them needs a callback: detected digits wait in spandsp's buffer
//! (`dtmf_rx_get`) and a detected tone in `modem_connect_tones_rx_get`, so
//! there are no trampolines here. Each state is allocated by its `*_init`
//! with NULL and freed by `*_free` in `Drop`.

use std::ffi::c_char;

use spandsp_sys as sys;

/// `MODEM_CONNECT_TONES_FAX_CNG` (an anonymous enum in
/// `modem_connect_tones.h`, not in the bindings).
pub(crate) const TONE_FAX_CNG: i32 = 1;
/// `MODEM_CONNECT_TONES_ANS` (= FAX CED).
pub(crate) const TONE_ANS: i32 = 2;

/// `dtmf_rx_state_t`.
pub(crate) struct DtmfRx {
    state: *mut sys::dtmf_rx_state_t,
}

// SAFETY: the state is plain heap memory owned by this value alone.
unsafe impl Send for DtmfRx {}

impl DtmfRx {
    pub fn new() -> Option<DtmfRx> {
        // SAFETY: NULL asks spandsp to allocate; no callback, so digits
        // are buffered for dtmf_rx_get.
        let state = unsafe { sys::dtmf_rx_init(std::ptr::null_mut(), None, std::ptr::null_mut()) };
        (!state.is_null()).then_some(DtmfRx { state })
    }

    /// Feed samples.
    pub fn rx(&mut self, samples: &[i16]) {
        let len = i32::try_from(samples.len()).unwrap_or(i32::MAX);
        // SAFETY: state is valid; spandsp reads `len` samples from the slice.
        unsafe { sys::dtmf_rx(self.state, samples.as_ptr(), len) };
    }

    /// The detector's view of the last block: 0 (nothing), `'x'` (maybe),
    /// or the digit being heard.
    pub fn status(&mut self) -> u8 {
        // SAFETY: state is valid.
        let s = unsafe { sys::dtmf_rx_status(self.state) };
        u8::try_from(s).unwrap_or(0)
    }

    /// Digits confirmed since the last call.
    pub fn take_digits(&mut self) -> Vec<u8> {
        let mut buf = [0 as c_char; 64];
        // SAFETY: state is valid; spandsp writes at most `max` digits and a
        // NUL into buf, so max is one less than its length.
        let n = unsafe { sys::dtmf_rx_get(self.state, buf.as_mut_ptr(), buf.len() as i32 - 1) };
        buf[..n.min(buf.len() - 1)]
            .iter()
            .map(|&c| c as u8)
            .collect()
    }
}

impl Drop for DtmfRx {
    fn drop(&mut self) {
        // SAFETY: allocated by dtmf_rx_init, freed once.
        unsafe { sys::dtmf_rx_free(self.state) };
    }
}

/// `dtmf_tx_state_t`.
pub(crate) struct DtmfTx {
    state: *mut sys::dtmf_tx_state_t,
}

// SAFETY: as for DtmfRx.
unsafe impl Send for DtmfTx {}

impl DtmfTx {
    pub fn new(level_dbm0: i32, on_ms: i32, off_ms: i32) -> Option<DtmfTx> {
        // SAFETY: NULL asks spandsp to allocate; no refill callback.
        let state = unsafe { sys::dtmf_tx_init(std::ptr::null_mut(), None, std::ptr::null_mut()) };
        if state.is_null() {
            return None;
        }
        // SAFETY: state is valid.
        unsafe {
            sys::dtmf_tx_set_level(state, level_dbm0, 0);
            sys::dtmf_tx_set_timing(state, on_ms, off_ms);
        }
        Some(DtmfTx { state })
    }

    /// Queue digits (only `0-9*#A-D` reach here), all or none: spandsp
    /// loads the string only if it fits. Returns whether it did.
    pub fn put(&mut self, digits: &[u8]) -> bool {
        if digits.is_empty() {
            return true;
        }
        let Ok(len) = i32::try_from(digits.len()) else {
            return false;
        };
        // SAFETY: state is valid; spandsp copies `len` octets from digits
        // (a positive length: it does not look for a NUL).
        let left = unsafe { sys::dtmf_tx_put(self.state, digits.as_ptr().cast(), len) };
        left == 0
    }

    /// Fill `out`; returns how many samples were tones (the rest is zeroed).
    pub fn tx(&mut self, out: &mut [i16]) -> usize {
        let len = i32::try_from(out.len()).unwrap_or(i32::MAX);
        // SAFETY: state is valid; spandsp writes at most `len` samples.
        let n = unsafe { sys::dtmf_tx(self.state, out.as_mut_ptr(), len) };
        let n = usize::try_from(n).unwrap_or(0).min(out.len());
        out[n..].fill(0);
        n
    }
}

impl Drop for DtmfTx {
    fn drop(&mut self) {
        // SAFETY: allocated by dtmf_tx_init, freed once.
        unsafe { sys::dtmf_tx_free(self.state) };
    }
}

/// `modem_connect_tones_rx_state_t`.
pub(crate) struct ConnectToneRx {
    state: *mut sys::modem_connect_tones_rx_state_t,
}

// SAFETY: as for DtmfRx.
unsafe impl Send for ConnectToneRx {}

impl ConnectToneRx {
    pub fn new(tone: i32) -> Option<ConnectToneRx> {
        // SAFETY: NULL asks spandsp to allocate; no callback, so a hit is
        // kept for modem_connect_tones_rx_get.
        let state = unsafe {
            sys::modem_connect_tones_rx_init(std::ptr::null_mut(), tone, None, std::ptr::null_mut())
        };
        (!state.is_null()).then_some(ConnectToneRx { state })
    }

    pub fn rx(&mut self, samples: &[i16]) {
        let len = i32::try_from(samples.len()).unwrap_or(i32::MAX);
        // SAFETY: state is valid; spandsp reads `len` samples.
        unsafe { sys::modem_connect_tones_rx(self.state, samples.as_ptr(), len) };
    }

    /// The tone detected since the last call (0: none); clears it.
    pub fn take_hit(&mut self) -> i32 {
        // SAFETY: state is valid.
        unsafe { sys::modem_connect_tones_rx_get(self.state) }
    }
}

impl Drop for ConnectToneRx {
    fn drop(&mut self) {
        // SAFETY: allocated by modem_connect_tones_rx_init, freed once.
        unsafe { sys::modem_connect_tones_rx_free(self.state) };
    }
}

/// `modem_connect_tones_tx_state_t`.
pub(crate) struct ConnectToneTx {
    state: *mut sys::modem_connect_tones_tx_state_t,
}

// SAFETY: as for DtmfRx.
unsafe impl Send for ConnectToneTx {}

impl ConnectToneTx {
    pub fn new(tone: i32) -> Option<ConnectToneTx> {
        // SAFETY: NULL asks spandsp to allocate.
        let state = unsafe { sys::modem_connect_tones_tx_init(std::ptr::null_mut(), tone) };
        (!state.is_null()).then_some(ConnectToneTx { state })
    }

    pub fn tx(&mut self, out: &mut [i16]) -> usize {
        let len = i32::try_from(out.len()).unwrap_or(i32::MAX);
        // SAFETY: state is valid; spandsp writes at most `len` samples.
        let n = unsafe { sys::modem_connect_tones_tx(self.state, out.as_mut_ptr(), len) };
        let n = usize::try_from(n).unwrap_or(0).min(out.len());
        out[n..].fill(0);
        n
    }
}

impl Drop for ConnectToneTx {
    fn drop(&mut self) {
        // SAFETY: allocated by modem_connect_tones_tx_init, freed once.
        unsafe { sys::modem_connect_tones_tx_free(self.state) };
    }
}
