//! The only module of the crate with `unsafe`: Debian's libcapi20 (the
//! CAPI 2.0 library of Linux, package `libcapi20-3`), loaded at run time
//! with `dlopen("libcapi20.so.3")`, so that `ums` needs the library only
//! when a `[[capi]]` line uses it. Every other module denies `unsafe`.
//!
//! Outside this module there are only safe types: [`Library`] (the loaded
//! library, once per process, never unloaded: its modules stay loaded
//! too) and [`Application`] (one `CAPI_REGISTER`; `Drop` releases it).
//! Messages cross as our own [`Message`] and octets.
//!
//! What libcapi20 does with the buffers it is given, and what is done
//! here about it (libcapi20 3.27, `capi20.c` and `capi_mod_rcapi.c`):
//! * `capi20_put_message` writes into the caller's message: a DATA_B3_REQ's
//!   data is copied to just after the message (from the pointer fields, or
//!   from there when they are 0) and the rcapi module reads two octets past
//!   the end. So the message goes in an owned, padded buffer with the data
//!   already after it and the pointer fields zeroed.
//! * `capi20_get_message` lends one of its receive buffers. A DATA_B3_IND
//!   keeps its buffer (its data handle rewritten to the buffer's number)
//!   until the application's DATA_B3_RESP, and a DISCONNECT_IND or
//!   DISCONNECT_B3_RESP frees such buffers behind the application's back;
//!   a DATA_B3_RESP for a freed buffer trips an assertion. So every message
//!   is copied out at once, and a DATA_B3_IND is answered here, at once,
//!   with the handle libcapi20 wants; the engine's own DATA_B3_RESP is not
//!   passed on ([`Application::put_message`] drops it).
//! * The library keeps global state without locks (its module list,
//!   the applications' buffers): every call goes through one mutex.
//! * Reading blocks (the rcapi module reads its socket until a whole
//!   message is there, spinning up to 5 s on a partial one):
//!   [`Application::get_message`] first polls `capi20_fileno`'s
//!   descriptor without waiting, and on a socket peeks at the frame's
//!   length and counts the octets queued (`FIONREAD`): libcapi20 is
//!   called only when a whole frame is there, so a peer that stops in
//!   the middle of one never stalls the media thread.

use std::ffi::{c_int, c_uint, c_void, CStr};
use std::io;
use std::sync::{Mutex, OnceLock};

use super::msg::{cmd, DataB3, Header, Message, Params, IND};
use super::rcapi::PROFILE_LEN;

/// The library's file name.
pub const LIBCAPI20: &str = "libcapi20.so.3";

/// `CapiReceiveQueueEmpty`: no message waiting.
const RECEIVE_QUEUE_EMPTY: c_uint = 0x1104;

type Register = unsafe extern "C" fn(c_uint, c_uint, c_uint, *mut c_uint) -> c_uint;
type Release = unsafe extern "C" fn(c_uint) -> c_uint;
type PutMessage = unsafe extern "C" fn(c_uint, *mut u8) -> c_uint;
type GetMessage = unsafe extern "C" fn(c_uint, *mut *mut u8) -> c_uint;
type Fileno = unsafe extern "C" fn(c_uint) -> c_int;
type IsInstalled = unsafe extern "C" fn() -> c_uint;
type GetProfile = unsafe extern "C" fn(c_uint, *mut u8) -> c_uint;

/// libcapi20, loaded.
pub struct Library {
    register: Register,
    release: Release,
    put_message: PutMessage,
    get_message: GetMessage,
    fileno: Fileno,
    isinstalled: IsInstalled,
    get_profile: GetProfile,
}

static LIBRARY: OnceLock<Result<Library, String>> = OnceLock::new();
/// Held around every call into the library.
static CALLS: Mutex<()> = Mutex::new(());

fn lock() -> std::sync::MutexGuard<'static, ()> {
    CALLS.lock().unwrap_or_else(|e| e.into_inner())
}

fn dlerror() -> String {
    // SAFETY: dlerror returns NULL or a NUL-terminated string owned by
    // libdl, valid until the next dl* call on this thread; it is copied at
    // once.
    unsafe {
        let e = libc::dlerror();
        if e.is_null() {
            "unknown error".into()
        } else {
            CStr::from_ptr(e).to_string_lossy().into_owned()
        }
    }
}

fn symbol(file: &str, handle: *mut c_void, name: &CStr) -> Result<*mut c_void, String> {
    // SAFETY: `handle` is a live handle from dlopen (never closed) and
    // `name` is NUL-terminated.
    let p = unsafe { libc::dlsym(handle, name.as_ptr()) };
    if p.is_null() {
        Err(format!("{file} is not libcapi20: {}", dlerror()))
    } else {
        Ok(p)
    }
}

fn open(file: &str) -> Result<Library, String> {
    let name = std::ffi::CString::new(file).map_err(|_| format!("bad library name {file:?}"))?;
    // RTLD_GLOBAL: libcapi20 dlopens its modules (rcapi, fritzbox,
    // standard), which call back into it.
    // SAFETY: a NUL-terminated file name; loading runs libcapi20's
    // constructor (it opens its shared-memory table of application ids).
    let handle = unsafe { libc::dlopen(name.as_ptr(), libc::RTLD_NOW | libc::RTLD_GLOBAL) };
    if handle.is_null() {
        return Err(format!(
            "cannot load {file} (install the Debian package libcapi20-3): {}",
            dlerror()
        ));
    }
    // SAFETY (each transmute): the symbol is the function of that name in
    // capi20.h of libcapi20 3.x, whose C signature the type spells.
    unsafe {
        Ok(Library {
            register: std::mem::transmute::<*mut c_void, Register>(symbol(
                file,
                handle,
                c"capi20_register",
            )?),
            release: std::mem::transmute::<*mut c_void, Release>(symbol(
                file,
                handle,
                c"capi20_release",
            )?),
            put_message: std::mem::transmute::<*mut c_void, PutMessage>(symbol(
                file,
                handle,
                c"capi20_put_message",
            )?),
            get_message: std::mem::transmute::<*mut c_void, GetMessage>(symbol(
                file,
                handle,
                c"capi20_get_message",
            )?),
            fileno: std::mem::transmute::<*mut c_void, Fileno>(symbol(
                file,
                handle,
                c"capi20_fileno",
            )?),
            isinstalled: std::mem::transmute::<*mut c_void, IsInstalled>(symbol(
                file,
                handle,
                c"capi20_isinstalled",
            )?),
            get_profile: std::mem::transmute::<*mut c_void, GetProfile>(symbol(
                file,
                handle,
                c"capi20_get_profile",
            )?),
        })
    }
}

fn capi_error(what: &str, info: c_uint) -> io::Error {
    io::Error::other(format!("libcapi20: {what} failed (CAPI info {info:#06x})"))
}

impl Library {
    /// The library, loaded on first use; a clear error naming the package
    /// if it is not installed.
    pub fn get() -> io::Result<&'static Library> {
        LIBRARY
            .get_or_init(|| open(LIBCAPI20))
            .as_ref()
            .map_err(|e| io::Error::new(io::ErrorKind::NotFound, e.clone()))
    }

    /// Loads `file` as libcapi20, for a check without using it (the
    /// handle stays open). [`Library::get`] is the way to use it.
    pub fn load(file: &str) -> io::Result<Library> {
        open(file).map_err(|e| io::Error::new(io::ErrorKind::NotFound, e))
    }

    /// `capi20_isinstalled`: whether a CAPI is there (a card behind
    /// `/dev/capi20`, or the `REMOTE` line of `~/.capi20rc` or
    /// `/etc/capi20.conf` reachable). libcapi20 reads its configuration
    /// the first time this succeeds and keeps it for the process.
    pub fn check_installed(&self) -> io::Result<()> {
        let _g = lock();
        // SAFETY: no arguments.
        let info = unsafe { (self.isinstalled)() };
        if info == 0 {
            Ok(())
        } else {
            Err(io::Error::other(format!(
                "libcapi20: no CAPI installed (no /dev/capi20, no reachable REMOTE line in \
                 ~/.capi20rc or /etc/capi20.conf; CAPI info {info:#06x})"
            )))
        }
    }

    /// `capi20_get_profile`: controller `controller`'s 64 octets.
    pub fn profile(&self, controller: u32) -> io::Result<[u8; PROFILE_LEN]> {
        let mut buf = [0u8; PROFILE_LEN];
        let _g = lock();
        // SAFETY: libcapi20 writes at most a `struct capi_profile` (64
        // octets) into the buffer.
        let info = unsafe { (self.get_profile)(controller, buf.as_mut_ptr()) };
        if info == 0 {
            Ok(buf)
        } else {
            Err(capi_error("CAPI_GET_PROFILE", info))
        }
    }

    /// `capi20_register` with the application's limits.
    pub fn register(
        &'static self,
        max_logical: u16,
        max_b_blocks: u16,
        max_b_len: u16,
    ) -> io::Result<Application> {
        let mut id: c_uint = 0;
        let _g = lock();
        // SAFETY: `id` is a valid place for the application id.
        let info = unsafe {
            (self.register)(
                c_uint::from(max_logical),
                c_uint::from(max_b_blocks),
                c_uint::from(max_b_len),
                &mut id,
            )
        };
        if info != 0 {
            return Err(capi_error("CAPI_REGISTER", info));
        }
        let id16 = u16::try_from(id).map_err(|_| io::Error::other("application id too big"))?;
        // SAFETY: `id` was just registered.
        let fd = unsafe { (self.fileno)(id) };
        let app = Application {
            lib: self,
            id: id16,
            fd,
            buffer_size: 2048usize.max(128 + usize::from(max_b_len)),
        };
        if fd < 0 {
            return Err(io::Error::other("libcapi20 gave no descriptor"));
        }
        Ok(app)
    }
}

/// What [`Application::get_message`] found.
#[derive(Debug)]
pub enum Received {
    /// A message: its octets and, for DATA_B3_IND, the data.
    Message(Vec<u8>, Vec<u8>),
    /// Nothing waiting.
    Empty,
}

/// One registered application; released on drop.
pub struct Application {
    lib: &'static Library,
    id: u16,
    fd: c_int,
    buffer_size: usize,
}

impl Application {
    /// The application id libcapi20 gave.
    pub fn id(&self) -> u16 {
        self.id
    }

    /// `capi20_put_message` for `message` (its application id set to
    /// ours, DATA_B3_REQ pointers zeroed: the data follows the message).
    /// A DATA_B3_RESP is dropped: [`Application::get_message`] answered
    /// the indication already.
    pub fn put_message(&self, message: &Message, data: &[u8]) -> io::Result<()> {
        let mut message = message.clone();
        message.app_id = self.id;
        let mut data_len = 0;
        match &mut message.params {
            Params::DataB3Resp { .. } => return Ok(()),
            Params::DataB3Req(d) => {
                d.data32 = 0;
                d.data64 = d.data64.map(|_| 0);
                d.length = u16::try_from(data.len())
                    .map_err(|_| io::Error::other("DATA_B3 block too long"))?;
                data_len = data.len();
            }
            _ => {}
        }
        let mut buf = message.encode();
        buf.extend_from_slice(&data[..data_len]);
        // The rcapi module copies two octets past the end.
        buf.resize(buf.len() + 16, 0);
        let _g = lock();
        // SAFETY: `buf` holds the message, its data right after it and
        // padding; libcapi20 writes only within message and data (the
        // data onto itself) and reads at most two octets past them.
        let info = unsafe { (self.lib.put_message)(c_uint::from(self.id), buf.as_mut_ptr()) };
        if info == 0 {
            Ok(())
        } else {
            Err(capi_error("CAPI_PUT_MESSAGE", info))
        }
    }

    /// Whether libcapi20 can read a whole message without waiting. On a
    /// remote-CAPI socket the rcapi module reads a frame's length, then
    /// loops (busy, up to 5 s) until the rest of the frame is there: so
    /// its length is peeked at and the octets queued counted first, and a
    /// frame not yet whole waits for the next tick. A descriptor that is
    /// no socket (a card's `/dev/capi20` gives whole messages) or a length
    /// that is no frame's is left to libcapi20.
    fn whole_frame_readable(&self) -> bool {
        let mut len = [0u8; 2];
        // SAFETY: two writable octets; MSG_PEEK leaves them queued,
        // MSG_DONTWAIT never waits.
        let n = unsafe {
            libc::recv(
                self.fd,
                len.as_mut_ptr().cast(),
                2,
                libc::MSG_PEEK | libc::MSG_DONTWAIT,
            )
        };
        if n < 0 {
            // Not a socket, or nothing after all: libcapi20 decides.
            let e = io::Error::last_os_error();
            return e.kind() != io::ErrorKind::WouldBlock;
        }
        if n < 2 {
            // End of stream (0) goes to libcapi20, which reports it; a
            // lone octet waits.
            return n == 0;
        }
        let want = usize::from(u16::from_be_bytes(len));
        if want > super::rcapi::MAX_FRAME {
            return true;
        }
        let mut queued: c_int = 0;
        // SAFETY: FIONREAD writes one int.
        let r = unsafe { libc::ioctl(self.fd, libc::FIONREAD, &mut queued) };
        r < 0 || usize::try_from(queued).unwrap_or(0) >= want
    }

    /// The next message, if one is waiting (never blocks on an idle
    /// connection, nor on a message partly arrived); an error once the
    /// controller's connection is gone.
    pub fn get_message(&self) -> io::Result<Received> {
        let mut pfd = libc::pollfd {
            fd: self.fd,
            events: libc::POLLIN | libc::POLLRDHUP,
            revents: 0,
        };
        // SAFETY: one valid pollfd, no waiting.
        let n = unsafe { libc::poll(&mut pfd, 1, 0) };
        if n < 0 {
            return Err(io::Error::last_os_error());
        }
        if n == 0 {
            return Ok(Received::Empty);
        }
        let hung_up = pfd.revents & (libc::POLLHUP | libc::POLLRDHUP | libc::POLLERR) != 0;
        let closed =
            || io::Error::new(io::ErrorKind::ConnectionReset, "the CAPI connection closed");
        if pfd.revents & libc::POLLNVAL != 0 {
            return Err(closed());
        }
        if !hung_up && !self.whole_frame_readable() {
            return Ok(Received::Empty);
        }
        let _g = lock();
        let mut p: *mut u8 = std::ptr::null_mut();
        // SAFETY: `p` is a valid place for the buffer pointer; the
        // descriptor is readable, so the read returns.
        let info = unsafe { (self.lib.get_message)(c_uint::from(self.id), &mut p) };
        match info {
            0 if !p.is_null() => {}
            RECEIVE_QUEUE_EMPTY | 0 if hung_up => return Err(closed()),
            RECEIVE_QUEUE_EMPTY | 0 => return Ok(Received::Empty),
            info => return Err(capi_error("CAPI_GET_MESSAGE", info)),
        }
        // SAFETY: libcapi20 returned one of its receive buffers of
        // `buffer_size` octets (128 + the registered block size, at least
        // 2048) holding a message; the lengths are checked against it
        // before each read.
        let (octets, data) = unsafe {
            let head = std::slice::from_raw_parts(p, 8);
            let header = Header::read(head).map_err(|e| io::Error::other(e.to_string()))?;
            let len = usize::from(header.length);
            if len > self.buffer_size {
                return Err(io::Error::other("libcapi20 returned an oversized message"));
            }
            let octets = std::slice::from_raw_parts(p, len).to_vec();
            let mut data = Vec::new();
            if header.command == cmd::DATA_B3 && header.subcommand == IND && len >= 18 {
                let data_len = usize::from(u16::from_le_bytes([octets[16], octets[17]]));
                if len + data_len > self.buffer_size {
                    return Err(io::Error::other("libcapi20 returned oversized data"));
                }
                data = std::slice::from_raw_parts(p.add(len), data_len).to_vec();
            }
            (octets, data)
        };
        if octets[4..6] == [cmd::DATA_B3, IND] {
            self.answer_data(&octets)?;
        }
        Ok(Received::Message(octets, data))
    }

    /// DATA_B3_RESP at once for a DATA_B3_IND (its handle is libcapi20's
    /// buffer number), so the buffer goes back before anything can free it.
    fn answer_data(&self, ind: &[u8]) -> io::Result<()> {
        let (m, _) = Message::decode(ind).map_err(|e| io::Error::other(e.to_string()))?;
        let handle = match &m.params {
            Params::DataB3Ind(DataB3 { handle, .. }) => *handle,
            _ => return Ok(()),
        };
        let resp = Message {
            app_id: self.id,
            number: m.number,
            address: m.address,
            params: Params::DataB3Resp { handle },
        };
        let mut buf = resp.encode();
        buf.resize(buf.len() + 16, 0);
        // SAFETY: as in put_message; a DATA_B3_RESP names the buffer of
        // the indication just read, which nothing has freed (the lock is
        // held throughout).
        let info = unsafe { (self.lib.put_message)(c_uint::from(self.id), buf.as_mut_ptr()) };
        if info == 0 {
            Ok(())
        } else {
            Err(capi_error("DATA_B3_RESP", info))
        }
    }
}

impl Drop for Application {
    fn drop(&mut self) {
        let _g = lock();
        // SAFETY: the id is ours and released once.
        unsafe {
            (self.lib.release)(c_uint::from(self.id));
        }
    }
}
