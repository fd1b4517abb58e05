//! What carries CAPI messages between a [`CapiLine`](super::line::CapiLine)
//! and its controller: one trait, so the line is the same over remote CAPI
//! (here: [`RcapiTcp`], our native client on a non-blocking std socket, as
//! the SIP line's sockets are), the in-process simulator
//! ([`super::sim::local`]) and Debian's libcapi20
//! ([`super::libcapi20::Libcapi20`]).

use std::io::{self, Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use super::msg::Message;
use super::rcapi::Profile;
use super::session::{RcapiClient, RcapiEvent, RegisterLimits};

/// Moves CAPI messages; never blocks.
pub trait CapiTransport {
    /// Queues a message (with DATA_B3 data) for the controller.
    fn send(&mut self, message: Message, data: Vec<u8>) -> io::Result<()>;
    /// Appends the messages that arrived since the last call.
    fn receive(&mut self, into: &mut Vec<(Message, Vec<u8>)>) -> io::Result<()>;
    /// Writes what [`CapiTransport::send`] queued: the line calls it once
    /// after a tick's messages, so a socket gets one write per tick, not
    /// one per message. Transports that write at once need not.
    fn flush(&mut self) -> io::Result<()> {
        Ok(())
    }
}

impl<T: CapiTransport + ?Sized> CapiTransport for Box<T> {
    fn send(&mut self, message: Message, data: Vec<u8>) -> io::Result<()> {
        (**self).send(message, data)
    }

    fn flush(&mut self) -> io::Result<()> {
        (**self).flush()
    }

    fn receive(&mut self, into: &mut Vec<(Message, Vec<u8>)>) -> io::Result<()> {
        (**self).receive(into)
    }
}

/// Remote CAPI over TCP with our native client.
pub struct RcapiTcp {
    stream: TcpStream,
    client: RcapiClient,
    profile: Profile,
    pending: Vec<u8>,
    /// Where reads land: one read takes a tick's messages of many calls.
    buf: Vec<u8>,
}

/// Octets read at once: a tick's DATA_B3 blocks, confirmations and
/// responses of some 100 calls.
const READ_BUFFER: usize = 64 * 1024;

fn broken(what: String) -> io::Error {
    io::Error::new(io::ErrorKind::InvalidData, what)
}

impl RcapiTcp {
    /// Connects, registers and reads controller `controller`'s profile,
    /// waiting at most `timeout` for each (at start, before the media
    /// thread takes the line); then the socket is non-blocking.
    pub fn connect(
        addr: SocketAddr,
        limits: RegisterLimits,
        controller: u32,
        timeout: Duration,
    ) -> io::Result<RcapiTcp> {
        let mut stream = TcpStream::connect_timeout(&addr, timeout)?;
        stream.set_nodelay(true)?;
        stream.set_read_timeout(Some(timeout))?;
        let mut client = RcapiClient::new();
        client.register(limits);
        client.get_profile(controller);
        stream.write_all(&client.take_output())?;
        let mut profile = None;
        let mut buf = [0; 4096];
        while profile.is_none() {
            let n = stream.read(&mut buf)?;
            if n == 0 {
                return Err(broken("the router closed the connection".into()));
            }
            client.handle_bytes(&buf[..n]);
            while let Some(ev) = client.poll_event() {
                match ev {
                    RcapiEvent::Registered => {}
                    RcapiEvent::Profile(Ok(p)) => profile = Some(p),
                    other => return Err(broken(format!("remote CAPI: {other:?}"))),
                }
            }
        }
        stream.set_nonblocking(true)?;
        Ok(RcapiTcp {
            stream,
            client,
            profile: profile.expect("profile"),
            pending: Vec::new(),
            buf: vec![0; READ_BUFFER],
        })
    }

    /// The controller's profile, as read at connect.
    pub fn profile(&self) -> &Profile {
        &self.profile
    }

    /// The application id on our messages (the router's, if it assigned
    /// one at registration).
    pub fn app_id(&self) -> u16 {
        self.client.app_id()
    }

    fn write_out(&mut self) -> io::Result<()> {
        self.pending.extend(self.client.take_output());
        while !self.pending.is_empty() {
            match self.stream.write(&self.pending) {
                Ok(0) => return Err(io::ErrorKind::WriteZero.into()),
                Ok(n) => {
                    self.pending.drain(..n);
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        // A router that reads nothing for long: give up rather than hold
        // megabytes of audio.
        if self.pending.len() > 1 << 20 {
            return Err(broken("the router does not read".into()));
        }
        Ok(())
    }
}

impl CapiTransport for RcapiTcp {
    fn send(&mut self, message: Message, data: Vec<u8>) -> io::Result<()> {
        // Queued; written by `flush`, once per tick.
        self.client.send(message, data);
        Ok(())
    }

    fn flush(&mut self) -> io::Result<()> {
        self.write_out()
    }

    fn receive(&mut self, into: &mut Vec<(Message, Vec<u8>)>) -> io::Result<()> {
        self.write_out()?;
        loop {
            match self.stream.read(&mut self.buf) {
                Ok(0) => return Err(broken("the router closed the connection".into())),
                Ok(n) => {
                    self.client.handle_bytes(&self.buf[..n]);
                    // Less than asked: nothing more queued now (what comes
                    // meanwhile waits for the next tick).
                    if n < self.buf.len() {
                        break;
                    }
                }
                Err(e) if e.kind() == io::ErrorKind::WouldBlock => break,
                Err(e) => return Err(e),
            }
        }
        if self.client.is_broken() {
            return Err(broken("remote CAPI framing lost".into()));
        }
        while let Some(ev) = self.client.poll_event() {
            // A bad frame costs that message only (logged by the owner
            // through the calls it breaks); framing errors end above.
            if let RcapiEvent::Message(m, d) = ev {
                into.push((m, d));
            }
        }
        Ok(())
    }
}
