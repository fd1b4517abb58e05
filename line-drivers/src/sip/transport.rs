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
}

/// The SIP socket(s) of one line.
pub(crate) enum SipSocket {
    Udp(UdpSocket),
    Tcp {
        listener: TcpListener,
        conns: Vec<Conn>,
        /// Set for TLS: every connection speaks it.
        tls: Option<Box<TlsContext>>,
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
                    conns.push(Conn::new(stream, peer, session));
                }
                for c in conns.iter_mut() {
                    c.read(buf, &mut got);
                }
                conns.retain(|c| !c.dead);
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
            SipSocket::Tcp { conns, tls, .. } => {
                let i = match conns.iter().position(|c| c.peer == to && !c.dead) {
                    Some(i) => i,
                    None => {
                        if conns.len() >= MAX_CONNECTIONS {
                            return; // the transaction times out: 408
                        }
                        let session = match tls {
                            Some(t) => match t.connect() {
                                Some(s) => Some(s),
                                None => return,
                            },
                            None => None,
                        };
                        match connect(to) {
                            Ok(stream) => {
                                conns.push(Conn::new(stream, to, session));
                                conns.len() - 1
                            }
                            Err(_) => return,
                        }
                    }
                };
                let c = &mut conns[i];
                if c.out.len() + bytes.len() > MAX_BUFFERED {
                    c.dead = true;
                } else {
                    c.out.extend(bytes);
                    c.write();
                }
                conns.retain(|c| !c.dead);
            }
        }
    }

    /// Writes what the TCP connections still have queued.
    pub fn flush(&mut self) {
        if let SipSocket::Tcp { conns, .. } = self {
            for c in conns.iter_mut() {
                c.write();
            }
            conns.retain(|c| !c.dead);
        }
    }
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
    fn new(stream: TcpStream, peer: SocketAddr, tls: Option<rustls::Connection>) -> Conn {
        Conn {
            stream,
            peer,
            framer: StreamFramer::new(),
            out: VecDeque::new(),
            tls,
            dead: false,
        }
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
                    self.dead = true;
                    break;
                }
                Ok(n) => self.framer.push(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.dead = true;
                    break;
                }
            }
        }
    }

    /// Reads TLS records and moves the plaintext into the framer.
    fn read_tls(&mut self, buf: &mut [u8]) {
        let Some(tls) = self.tls.as_mut() else { return };
        loop {
            match tls.read_tls(&mut self.stream) {
                Ok(0) => {
                    self.dead = true;
                    break;
                }
                Ok(_) => {
                    if tls.process_new_packets().is_err() {
                        // Send the alert rustls queued, then give up.
                        let _ = tls.write_tls(&mut self.stream);
                        self.dead = true;
                        return;
                    }
                }
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => {
                    self.dead = true;
                    break;
                }
            }
        }
        loop {
            match tls.reader().read(buf) {
                Ok(0) => {
                    self.dead = true; // close_notify
                    break;
                }
                Ok(n) => self.framer.push(&buf[..n]),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(_) => {
                    self.dead = true;
                    break;
                }
            }
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
                    self.dead = true;
                    break;
                }
            }
        }
        if self.framer.pending() > MAX_BUFFERED {
            got.push(Arrived::Garbage);
            self.dead = true;
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
                Ok(0) => self.dead = true,
                Ok(n) => {
                    self.out.drain(..n);
                }
                // Still connecting, or the peer's window is full.
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::NotConnected => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => self.dead = true,
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
        while tls.wants_write() && !self.dead {
            match tls.write_tls(&mut self.stream) {
                Ok(0) => self.dead = true,
                Ok(_) => {}
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::NotConnected => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(_) => self.dead = true,
            }
        }
    }
}
