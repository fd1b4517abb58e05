//! Safe owner of spandsp's T.31 Class 1 fax modem (`t31_state_t`), the DCE
//! that iaxmodem puts on a pseudo-tty. See [`crate::soft_modem`].

use std::collections::VecDeque;
use std::ffi::{c_char, c_int, c_void, CStr, CString};

use spandsp_sys as sys;

use crate::soft_modem::{CallEvent, ModemControl};
use crate::Error;

// at_interpreter.h (not in the bindings).
const AT_MODEM_CONTROL_CALL: c_int = 0;
const AT_MODEM_CONTROL_ANSWER: c_int = 1;
const AT_MODEM_CONTROL_HANGUP: c_int = 2;
const AT_MODEM_CONTROL_OFFHOOK: c_int = 3;
const AT_MODEM_CONTROL_ONHOOK: c_int = 4;
const AT_MODEM_CONTROL_CTS: c_int = 7;
const XON: u8 = 0x11;
const XOFF: u8 = 0x13;

unsafe extern "C" {
    // at_interpreter.c: compiled into spandsp-sys, not in its bindings.
    fn at_reset_call_info(s: *mut sys::at_state_t);
    fn at_set_call_info(s: *mut sys::at_state_t, id: *const c_char, value: *const c_char);
}

#[derive(Default)]
struct T31Shared {
    /// Octets for the DTE (result codes, received data, XON/XOFF).
    to_dte: Vec<u8>,
    controls: VecDeque<ModemControl>,
    /// Flow control: the modem asked the DTE to stop sending (XOFF).
    holding: bool,
}

pub(crate) struct T31 {
    state: *mut sys::t31_state_t,
    shared: *mut T31Shared,
}

// SAFETY: the C state and the shared queue are plain heap memory owned
// exclusively by this value.
unsafe impl Send for T31 {}

impl T31 {
    pub fn new() -> Result<T31, Error> {
        let shared: *mut T31Shared = Box::into_raw(Box::default());
        let user = shared.cast::<c_void>();
        // SAFETY: NULL asks spandsp to allocate (t31_free in Drop); `user`
        // outlives the state. No T.38 packet handler: audio mode only.
        let state = unsafe {
            sys::t31_init(
                std::ptr::null_mut(),
                Some(at_tx_trampoline),
                user,
                Some(control_trampoline),
                user,
                None,
                std::ptr::null_mut(),
            )
        };
        if state.is_null() {
            // SAFETY: shared came from Box::into_raw above and was not shared.
            drop(unsafe { Box::from_raw(shared) });
            return Err(Error::Engine("t31_init failed".into()));
        }
        // SAFETY: state valid. Always produce full frames of audio.
        unsafe {
            sys::t31_set_transmit_on_idle(state, true);
            sys::t31_set_tep_mode(state, false);
        }
        Ok(T31 { state, shared })
    }

    fn shared(&mut self) -> &mut T31Shared {
        // SAFETY: valid and uniquely ours; no spandsp call runs while borrowed.
        unsafe { &mut *self.shared }
    }

    pub fn free_space(&self) -> usize {
        // SAFETY: state valid.
        unsafe { sys::t31_at_rx_free_space(self.state) }.max(0) as usize
    }

    pub fn at_rx(&mut self, bytes: &[u8]) {
        if bytes.is_empty() {
            return;
        }
        // SAFETY: state valid; bytes valid for their length (read only); the
        // trampolines' user data is live.
        unsafe {
            sys::t31_at_rx(self.state, bytes.as_ptr().cast(), bytes.len() as c_int);
        }
    }

    pub fn take_to_dte(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.shared().to_dte)
    }

    pub fn poll_control(&mut self) -> Option<ModemControl> {
        self.shared().controls.pop_front()
    }

    pub fn holding(&self) -> bool {
        // SAFETY: plain read of our own queue; no spandsp call is running.
        unsafe { (*self.shared).holding }
    }

    pub fn rx(&mut self, samples: &mut [i16]) {
        // SAFETY: state valid; buffer valid for its length.
        unsafe { sys::t31_rx(self.state, samples.as_mut_ptr(), samples.len() as c_int) };
    }

    pub fn tx(&mut self, out: &mut [i16]) {
        // SAFETY: state valid; out valid for its length.
        unsafe { sys::t31_tx(self.state, out.as_mut_ptr(), out.len() as c_int) };
    }

    pub fn call_event(&mut self, event: CallEvent) {
        let code = match event {
            CallEvent::Alerting => 1,
            CallEvent::Connected => 2,
            CallEvent::Answered => 3,
            CallEvent::Busy => 4,
            CallEvent::NoDialtone => 5,
            CallEvent::NoAnswer => 6,
            CallEvent::Hangup => 7,
        };
        // SAFETY: state valid; callbacks' user data live.
        unsafe { sys::t31_call_event(self.state, code) };
    }

    pub fn set_call_info(&mut self, fields: &[(&str, &str)]) {
        // SAFETY: state valid; the AT state lives inside it.
        let at = unsafe { sys::t31_get_at_state(self.state) };
        // SAFETY: at valid; spandsp copies the strings.
        unsafe { at_reset_call_info(at) };
        for (id, value) in fields {
            let (id, value) = (cstring(id), cstring(value));
            // SAFETY: as above.
            unsafe { at_set_call_info(at, id.as_ptr(), value.as_ptr()) };
        }
    }
}

impl Drop for T31 {
    fn drop(&mut self) {
        // SAFETY: allocated by t31_init with NULL, freed once; Shared last.
        unsafe {
            sys::t31_free(self.state);
            drop(Box::from_raw(self.shared));
        }
    }
}

fn cstring(s: &str) -> CString {
    CString::new(s.replace('\0', " ")).expect("NULs replaced")
}

/// # Safety
/// `user` must be the live `T31Shared` given to `t31_init`.
unsafe fn shared_from<'a>(user: *mut c_void) -> &'a mut T31Shared {
    // SAFETY: guaranteed by the caller.
    unsafe { &mut *user.cast::<T31Shared>() }
}

unsafe extern "C" fn at_tx_trampoline(user: *mut c_void, buf: *const u8, len: usize) -> c_int {
    if buf.is_null() {
        return 0;
    }
    // SAFETY: spandsp passes `len` valid octets.
    let data = unsafe { std::slice::from_raw_parts(buf, len) };
    // SAFETY: user is our T31Shared.
    unsafe { shared_from(user) }.to_dte.extend_from_slice(data);
    len as c_int
}

unsafe extern "C" fn control_trampoline(
    _s: *mut sys::t31_state_t,
    user: *mut c_void,
    op: c_int,
    num: *const c_char,
) -> c_int {
    // SAFETY: user is our T31Shared.
    let shared = unsafe { shared_from(user) };
    let control = match op {
        AT_MODEM_CONTROL_CALL => {
            let number = if num.is_null() {
                String::new()
            } else {
                // SAFETY: spandsp passes a NUL-terminated dial string.
                unsafe { CStr::from_ptr(num) }
                    .to_string_lossy()
                    .into_owned()
            };
            ModemControl::Call(number)
        }
        AT_MODEM_CONTROL_ANSWER => ModemControl::Answer,
        AT_MODEM_CONTROL_HANGUP => ModemControl::Hangup,
        AT_MODEM_CONTROL_OFFHOOK => ModemControl::OffHook,
        AT_MODEM_CONTROL_ONHOOK => ModemControl::OnHook,
        AT_MODEM_CONTROL_CTS => {
            // As iaxmodem does: flow control in band, XON/XOFF to the DTE.
            let release = !num.is_null();
            shared.holding = !release;
            shared.to_dte.push(if release { XON } else { XOFF });
            return 0;
        }
        _ => return 0,
    };
    shared.controls.push_back(control);
    0
}
