//! SIP's transport for the line (RFC 3261 §18): one UDP socket, or TCP.
//!
//! TCP is a listener for the connections peers open plus the connections
//! we open to the trunk, each with a stream framer (`Content-Length`,
//! [`sip::wire::StreamFramer`]) and a write queue. Everything is
//! non-blocking and driven from the line's 20 ms tick: a connection to a
//! slow or dead peer never holds up the media. A message goes back on a
//! connection to its destination if one is open (responses ride the
//! connection their request came on), else a new connection is opened
//! (§18.2.2). A stream that stops making sense (a framing error) is closed:
//! it cannot be resynchronised.
//!
//! TLS is TCP with a `rustls::Connection` between the socket and the
//! framer ([`super::tls`]): bytes read go through `read_tls` and come out
//! of its reader; messages go into its writer and out through `write_tls`.

use std::collections::VecDeque;
use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};

use sip::wire::StreamFramer;
use sip::SipMessage;

use super::tls::TlsContext;

/// Which transport a line's SIP runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SipTransport {
    /// Datagrams; the transaction layer retransmits.
    #[default]
    Udp,
    /// A byte stream; no retransmissions (RFC 3261 §17.1.1.2).
    Tcp,
    /// TCP with TLS (RFC 3261 §26.2), see [`super::SipTlsConfig`].
    Tls,
}

impl SipTransport {
    /// The transport token of the Via header.
    pub fn via(self) -> &'static str {
        match self {
            SipTransport::Udp => "UDP",
            SipTransport::Tcp => "TCP",
            SipTransport::Tls => "TLS",
        }
    }

    /// Whether the transport is reliable (no retransmission timers).
    pub fn is_reliable(self) -> bool {
        self != SipTransport::Udp
    }
}

/// What arrived on the transport.
pub(crate) enum Arrived {
    /// One UDP datagram (the endpoint parses it and answers garbage 400).
    Datagram(SocketAddr, Vec<u8>),
    /// One whole message off a stream.
    Message(SocketAddr, SipMessage),
    /// A stream that broke framing (or overflowed); its connection was closed.
    Garbage,
}

/// What happened to a connection (TCP/TLS), for the flow to the trunk
/// ([`super::flow`]) and the transaction layer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum ConnEvent {
    /// The connection to `peer` is gone: refused, reset, closed by the
    /// peer, a TLS handshake that failed, or closed by us (`cause`).
    /// `ours`: we opened it; `worked`: it had carried something (TLS: the
    /// handshake had completed).
    Lost {
        peer: SocketAddr,
        cause: String,
        ours: bool,
        worked: bool,
    },
    /// A CRLF pong (RFC 5626 §4.4.1) from `peer`.
    Pong(SocketAddr),
}

/// At most this many TCP connections at once: a flood of connections is
/// refused rather than running the process out of file descriptors.
const MAX_CONNECTIONS: usize = 64;
/// At most this many bytes waiting in a connection's framer or write queue:
/// a peer that sends an endless header, or never reads, is cut off.
const MAX_BUFFERED: usize = 256 * 1024;

pub(crate) struct Conn {
    stream: TcpStream,
    peer: SocketAddr,
    framer: StreamFramer,
    out: VecDeque<u8>,
    /// TLS between socket and framer (None: plain TCP).
    tls: Option<rustls::Connection>,
    dead: bool,
    /// Why it died (the first reason).
    cause: Option<String>,
    /// We opened it.
    ours: bool,
    /// It carried bytes (TLS: the handshake completed).
    worked: bool,
    /// A CRLF pong arrived since the last look.
    pong: bool,
}

/// The SIP socket(s) of one line.
pub(crate) enum SipSocket {
    Udp(UdpSocket),
    Tcp {
        listener: TcpListener,
        conns: Vec<Conn>,
        /// Set for TLS: every connection speaks it.
        tls: Option<Box<TlsContext>>,
        /// What happened to connections since the last look.
        events: Vec<ConnEvent>,
    },
}

impl SipSocket {
    /// Binds `addr` for `transport`, non-blocking (TLS needs `tls`).
    pub fn bind(
        transport: SipTransport,
        addr: SocketAddr,
        tls: Option<TlsContext>,
    ) -> std::io::Result<SipSocket> {
        Ok(match transport {
            SipTransport::Udp => {
                let s = UdpSocket::bind(addr)?;
                s.set_nonblocking(true)?;
                SipSocket::Udp(s)
            }
            SipTransport::Tcp | SipTransport::Tls => {
                let listener = TcpListener::bind(addr)?;
                listener.set_nonblocking(true)?;
                let tls = match (transport, tls) {
                    (SipTransport::Tls, Some(t)) => Some(Box::new(t)),
                    (SipTransport::Tls, None) => {
                        return Err(std::io::Error::other("TLS without a TLS configuration"))
                    }
                    _ => None,
                };
                SipSocket::Tcp {
                    listener,
                    conns: Vec::new(),
                    tls,
                    events: Vec::new(),
                }
            }
        })
    }

    /// The UDP socket (None over TCP).
    pub fn udp(&self) -> Option<&UdpSocket> {
        match self {
            SipSocket::Udp(s) => Some(s),
            SipSocket::Tcp { .. } => None,
        }
    }

    /// Number of open TCP connections (0 on UDP).
    pub fn connections(&self) -> usize {
        match self {
            SipSocket::Udp(_) => 0,
            SipSocket::Tcp { conns, .. } => conns.len(),
        }
    }

    /// Everything that arrived since the last call, in order per peer.
    pub fn receive(&mut self, buf: &mut [u8]) -> Vec<Arrived> {
        let mut got = Vec::new();
        match self {
            SipSocket::Udp(s) => {
                while let Ok((n, from)) = s.recv_from(buf) {
                    got.push(Arrived::Datagram(from, buf[..n].to_vec()));
                }
            }
            SipSocket::Tcp {
                listener,
                conns,
                tls,
                events,
            } => {
                while let Ok((stream, peer)) = listener.accept() {
                    if conns.len() >= MAX_CONNECTIONS || stream.set_nonblocking(true).is_err() {
                        continue; // dropped: closes the connection
                    }
                    let session = match tls {
                        Some(t) => match t.accept() {
                            Some(s) => Some(s),
                            None => continue, // no certificate of ours
                        },
                        None => None,
                    };
                    let _ = stream.set_nodelay(true);
                    conns.push(Conn::new(stream, peer, session, false));
                }
                for c in conns.iter_mut() {
                    c.read(buf, &mut got);
                    if std::mem::take(&mut c.pong) {
                        events.push(ConnEvent::Pong(c.peer));
                    }
                }
                reap(conns, events);
            }
        }
        got
    }

    /// Sends one message to `to`. Over TCP it is queued on the connection
    /// to `to` (opened now if there is none) and written as far as the
    /// socket takes it; [`SipSocket::flush`] writes the rest.
    pub fn send(&mut self, to: SocketAddr, bytes: &[u8]) {
        match self {
            // UDP: a failed send is a lost datagram; the transaction layer
            // retransmits.
            SipSocket::Udp(s) => {
                let _ = s.send_to(bytes, to);
            }
            SipSocket::Tcp {
                conns, tls, events, ..
            } => {
                let i = match conns.iter().position(|c| c.peer == to && !c.dead) {
                    Some(i) => i,
                    None => {
                        let lost = |cause: String| ConnEvent::Lost {
                            peer: to,
                            cause,
                            ours: true,
                            worked: false,
                        };
                        if conns.len() >= MAX_CONNECTIONS {
                            events.push(lost("too many connections open".into()));
                            return;
                        }
                        let session = match tls {
                            Some(t) => match t.connect() {
                                Some(s) => Some(s),
                                None => {
                                    events.push(lost("TLS: no client session".into()));
                                    return;
                                }
                            },
                            None => None,
                        };
                        match connect(to) {
                            Ok(stream) => {
                                conns.push(Conn::new(stream, to, session, true));
                                conns.len() - 1
                            }
                            Err(e) => {
                                events.push(lost(format!("connect: {e}")));
                                return;
                            }
                        }
                    }
                };
                let c = &mut conns[i];
                if c.out.len() + bytes.len() > MAX_BUFFERED {
                    c.kill("the peer does not read (write queue full)");
                } else {
                    c.out.extend(bytes);
                    c.write();
                }
                reap(conns, events);
            }
        }
    }

    /// A CRLF ping (RFC 5626 §4.4.1) to `to`, opening a connection if
    /// none is open (a reconnect).
    pub fn ping(&mut self, to: SocketAddr) {
        if !matches!(self, SipSocket::Udp(_)) {
            self.send(to, b"\r\n\r\n");
        }
    }

    /// The name TLS connections check the peer's certificate for.
    pub fn tls_name(&self) -> Option<&str> {
        match self {
            SipSocket::Tcp { tls: Some(t), .. } => Some(&t.name),
            _ => None,
        }
    }

    /// What happened to connections since the last call (empty on UDP).
    pub fn conn_events(&mut self) -> Vec<ConnEvent> {
        match self {
            SipSocket::Udp(_) => Vec::new(),
            SipSocket::Tcp { events, .. } => std::mem::take(events),
        }
    }

    /// Closes the connection to `to`; it is reported lost with `cause`.
    pub fn close(&mut self, to: SocketAddr, cause: &str) {
        if let SipSocket::Tcp { conns, events, .. } = self {
            for c in conns.iter_mut().filter(|c| c.peer == to) {
                c.kill(cause);
            }
            reap(conns, events);
        }
    }

    /// Writes what the TCP connections still have queued.
    pub fn flush(&mut self) {
        if let SipSocket::Tcp { conns, events, .. } = self {
            for c in conns.iter_mut() {
                c.write();
            }
            reap(conns, events);
        }
    }
}

/// Drops the dead connections, reporting each.
fn reap(conns: &mut Vec<Conn>, events: &mut Vec<ConnEvent>) {
    for c in conns.iter().filter(|c| c.dead) {
        events.push(ConnEvent::Lost {
            peer: c.peer,
            cause: c.cause.clone().unwrap_or_else(|| "closed".into()),
            ours: c.ours,
            worked: c.worked,
        });
    }
    conns.retain(|c| !c.dead);
}

/// Opens a non-blocking connection: the handshake completes while the line
/// goes on ticking, and the queued bytes go out once it has.
fn connect(to: SocketAddr) -> std::io::Result<TcpStream> {
    let socket = socket2::Socket::new(
        socket2::Domain::for_address(to),
        socket2::Type::STREAM,
        Some(socket2::Protocol::TCP),
    )?;
    socket.set_nonblocking(true)?;
    socket.set_tcp_nodelay(true)?;
    match socket.connect(&to.into()) {
        Ok(()) => {}
        Err(e) if e.raw_os_error() == Some(libc::EINPROGRESS) => {}
        Err(e) => return Err(e),
    }
    Ok(socket.into())
}

impl Conn {
    fn new(
        stream: TcpStream,
        peer: SocketAddr,
        tls: Option<rustls::Connection>,
        ours: bool,
    ) -> Conn {
        Conn {
            stream,
            peer,
            framer: StreamFramer::new(),
            out: VecDeque::new(),
            tls,
            dead: false,
            cause: None,
            ours,
            worked: false,
            pong: false,
        }
    }

    /// The connection is over; the first cause given is kept.
    fn kill(&mut self, cause: impl Into<String>) {
        self.dead = true;
        self.cause.get_or_insert_with(|| cause.into());
    }

    /// Received plaintext into the framer. At a message boundary a lone
    /// CRLF is a pong and a double CRLF a ping, answered with a pong
    /// (RFC 5626 §4.4.1).
    fn take(&mut self, bytes: &[u8]) {
        if self.framer.pending() == 0 {
            if bytes.starts_with(b"\r\n\r\n") {
                self.out.extend(b"\r\n");
            } else if bytes.starts_with(b"\r\n") {
                self.pong = true;
            }
        }
        self.framer.push(bytes);
    }

    fn read(&mut self, buf: &mut [u8], got: &mut Vec<Arrived>) {
        if self.tls.is_some() {
            self.read_tls(buf);
            // The handshake's answers, and what waited for it.
            self.write();
        } else {
            self.read_plain(buf);
        }
        self.frame(got);
    }

    fn read_plain(&mut self, buf: &mut [u8]) {
        loop {
            match self.stream.read(buf) {
                Ok(0) => {
                    self.kill("closed by the peer");
                    break;
                }
                Ok(n) => {
                    self.worked = true;
                    let chunk = buf[..n].to_vec();
                    self.take(&chunk);
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    self.kill(e.to_string());
                    break;
                }
            }
        }
    }

    /// Reads TLS records and moves the plaintext into the framer.
    fn read_tls(&mut self, buf: &mut [u8]) {
        let Some(tls) = self.tls.as_mut() else { return };
        let mut plain = Vec::new();
        let mut cause = None;
        loop {
            match tls.read_tls(&mut self.stream) {
                Ok(0) => {
                    cause = Some("closed by the peer".to_string());
                    break;
                }
                Ok(_) => {
                    if let Err(e) = tls.process_new_packets() {
                        // Send the alert rustls queued, then give up.
                        let _ = tls.write_tls(&mut self.stream);
                        self.kill(format!("TLS: {e}"));
                        return;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    cause = Some(e.to_string());
                    break;
                }
            }
        }
        if !tls.is_handshaking() {
            self.worked = true;
        }
        loop {
            match tls.reader().read(buf) {
                Ok(0) => {
                    cause.get_or_insert_with(|| "closed by the peer (TLS close_notify)".into());
                    break;
                }
                Ok(n) => plain.extend_from_slice(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) => {
                    cause.get_or_insert_with(|| format!("TLS: {e}"));
                    break;
                }
            }
        }
        if !plain.is_empty() {
            self.take(&plain);
        }
        if let Some(c) = cause {
            self.kill(c);
        }
    }

    /// Whole messages out of the framer.
    fn frame(&mut self, got: &mut Vec<Arrived>) {
        loop {
            match self.framer.next_message() {
                Ok(Some(msg)) => got.push(Arrived::Message(self.peer, msg)),
                Ok(None) => break,
                Err(_) => {
                    got.push(Arrived::Garbage);
                    self.kill("a message that breaks framing");
                    break;
                }
            }
        }
        if self.framer.pending() > MAX_BUFFERED {
            got.push(Arrived::Garbage);
            self.kill("a message too long");
        }
    }

    fn write(&mut self) {
        if self.tls.is_some() {
            self.write_tls();
            return;
        }
        while !self.out.is_empty() && !self.dead {
            let (head, _) = self.out.as_slices();
            match self.stream.write(head) {
                Ok(0) => self.kill("the connection takes no more bytes"),
                Ok(n) => {
                    self.worked = true;
                    self.out.drain(..n);
                }
                // Still connecting, or the peer's window is full.
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::NotConnected => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => self.kill(e.to_string()),
            }
        }
    }
}

impl Conn {
    /// Moves queued messages into the TLS session (as far as its buffer
    /// takes them) and writes the records it has for the socket.
    fn write_tls(&mut self) {
        let Some(tls) = self.tls.as_mut() else { return };
        while !self.out.is_empty() {
            let (head, _) = self.out.as_slices();
            match tls.writer().write(head) {
                Ok(n) if n > 0 => {
                    self.out.drain(..n);
                }
                _ => break,
            }
        }
        let mut cause = None;
        while tls.wants_write() && cause.is_none() {
            match tls.write_tls(&mut self.stream) {
                Ok(0) => cause = Some("the connection takes no more bytes".to_string()),
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::NotConnected => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => cause = Some(e.to_string()),
            }
        }
        if let Some(c) = cause {
            self.kill(c);
        }
    }
}
