//! The libcapi20 transport: a [`CapiLine`](super::line::CapiLine) on
//! Debian's libcapi20, which reaches a card (`/dev/capi20`) or a remote-CAPI
//! router (its `rcapi` and `fritzbox` modules, configured by the `REMOTE`
//! line of `~/.capi20rc` or `/etc/capi20.conf`). Safe code over
//! [`super::ffi`], which holds all the `unsafe`: messages cross as our own
//! [`Message`]s, encoded and decoded by our codec.

use std::io;

use super::ffi::{Application, Library, Received};
use super::msg::Message;
use super::rcapi::Profile;
use super::session::RegisterLimits;
use super::transport::CapiTransport;

/// One application registered through libcapi20.
pub struct Libcapi20 {
    app: Application,
    profile: Profile,
}

impl Libcapi20 {
    /// Loads libcapi20 (an error naming the package if it is missing),
    /// checks a CAPI is installed, registers and reads controller
    /// `controller`'s profile. Blocking (the rcapi module connects and
    /// waits for its answers): call it at start or off the media thread.
    pub fn open(limits: RegisterLimits, controller: u32) -> io::Result<Libcapi20> {
        let lib = Library::get()?;
        lib.check_installed()?;
        let app = lib.register(limits.max_logical, limits.max_b_blocks, limits.max_b_len)?;
        let octets = lib.profile(controller)?;
        let profile = Profile::decode(&octets).map_err(|e| io::Error::other(e.to_string()))?;
        if profile.b_channels == 0 {
            return Err(io::Error::other(format!(
                "libcapi20: controller {controller} has no B-channels (not there?)"
            )));
        }
        Ok(Libcapi20 { app, profile })
    }

    /// The controller's profile, as read at open.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The application id libcapi20 gave (stamped on every message sent).
    pub fn app_id(&self) -> u16 {
        self.app.id()
    }
}

impl CapiTransport for Libcapi20 {
    fn send(&mut self, message: Message, data: Vec<u8>) -> io::Result<()> {
        self.app.put_message(&message, &data)
    }

    fn receive(&mut self, into: &mut Vec<(Message, Vec<u8>)>) -> io::Result<()> {
        // At most a tick's worth at once; the rest waits for the next tick.
        for _ in 0..256 {
            match self.app.get_message()? {
                Received::Empty => break,
                // A message our codec cannot read costs that message only,
                // as on the native client.
                Received::Message(octets, data) => {
                    if let Ok((m, _)) = Message::decode(&octets) {
                        into.push((m, data));
                    }
                }
            }
        }
        Ok(())
    }
}
