//! SIP's transport for the line (RFC 3261 §18): one UDP socket, or TCP.
//!
//! TCP is the shell around [`super::stream::Conns`], which does the
//! framing, CRLF keep-alive answers, write queues and the choice of
//! connection (sans-IO, shared with the engine alone on the simulated
//! network): here are only the listener for the connections peers open,
//! the sockets of the connections the table asks for, and the bytes moved
//! between them. Everything is non-blocking and driven from the line's
//! 20 ms tick: a connection to a slow or dead peer never holds up the
//! media.
//!
//! TLS is TCP with a `rustls::Connection` between the socket and the
//! table ([`super::tls`]): bytes read go through `read_tls` and come out
//! of its reader as plaintext; queued plaintext goes into its writer and
//! out through `write_tls`.

use std::io::{ErrorKind, Read, Write};
use std::net::{SocketAddr, TcpListener, TcpStream, UdpSocket};

use sip::SipMessage;

use super::engine::SimStreams;
use super::stream::{ConnEvent, ConnId, Conns};
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

/// A connection's socket in the shell: the bytes of [`Conns`]'s
/// connection `id` go through it (and through TLS when set).
pub(crate) struct Sock {
    id: ConnId,
    stream: TcpStream,
    /// TLS between socket and framer (None: plain TCP).
    tls: Option<rustls::Connection>,
}

/// The SIP socket(s) of one line.
pub(crate) enum SipSocket {
    Udp(UdpSocket),
    Tcp {
        listener: TcpListener,
        socks: Vec<Sock>,
        /// The connections' framing, write queues and events (sans-IO).
        conns: Conns,
        /// Set for TLS: every connection speaks it.
        tls: Option<Box<TlsContext>>,
    },
    /// The engine alone on TCP/TLS: the same connections, their bytes
    /// carried by the simulated network ([`super::engine`]).
    Streams(Box<SimStreams>),
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
                    socks: Vec::new(),
                    conns: Conns::new(),
                    tls,
                }
            }
        })
    }

    /// The UDP socket (None over TCP).
    pub fn udp(&self) -> Option<&UdpSocket> {
        match self {
            SipSocket::Udp(s) => Some(s),
            _ => None,
        }
    }

    fn conns(&mut self) -> Option<&mut Conns> {
        match self {
            SipSocket::Udp(_) => None,
            SipSocket::Tcp { conns, .. } => Some(conns),
            SipSocket::Streams(s) => Some(&mut s.conns),
        }
    }

    /// Number of open TCP connections (0 on UDP).
    pub fn connections(&self) -> usize {
        match self {
            SipSocket::Udp(_) => 0,
            SipSocket::Tcp { conns, .. } => conns.len(),
            SipSocket::Streams(s) => s.conns.len(),
        }
    }

    /// Everything that arrived since the last call, in order per peer
    /// (the engine alone: its arrivals are in the trunk's inbox already).
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
                socks,
                conns,
                tls,
            } => {
                while let Ok((stream, peer)) = listener.accept() {
                    if stream.set_nonblocking(true).is_err() {
                        continue; // dropped: closes the connection
                    }
                    let session = match tls {
                        Some(t) => match t.accept() {
                            Some(s) => Some(s),
                            None => continue, // no certificate of ours
                        },
                        None => None,
                    };
                    let Some(id) = conns.accept(peer) else {
                        continue; // too many open
                    };
                    let _ = stream.set_nodelay(true);
                    socks.push(Sock {
                        id,
                        stream,
                        tls: session,
                    });
                }
                for s in socks.iter_mut() {
                    s.read(buf, conns, &mut got);
                }
            }
            SipSocket::Streams(_) => {}
        }
        self.settle();
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
            _ => {
                if let Some(c) = self.conns() {
                    c.send(to, bytes);
                }
                self.settle();
            }
        }
    }

    /// A CRLF ping (RFC 5626 §4.4.1) to `to`, opening a connection if
    /// none is open (a reconnect).
    pub fn ping(&mut self, to: SocketAddr) {
        if let Some(c) = self.conns() {
            c.ping(to);
            self.settle();
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
        self.conns().map(Conns::events).unwrap_or_default()
    }

    /// Closes the connection to `to`; it is reported lost with `cause`.
    pub fn close(&mut self, to: SocketAddr, cause: &str) {
        if let Some(c) = self.conns() {
            c.close(to, cause);
            self.settle();
        }
    }

    /// Writes what the TCP connections still have queued.
    pub fn flush(&mut self) {
        self.settle();
    }

    /// Opens the connections asked for, writes what is queued, and drops
    /// the connections that are over (reported lost). The engine alone:
    /// the simulated network takes them ([`SimStreams::settle`]).
    fn settle(&mut self) {
        match self {
            SipSocket::Udp(_) => {}
            SipSocket::Streams(s) => s.settle(),
            SipSocket::Tcp {
                socks, conns, tls, ..
            } => {
                while let Some((id, to)) = conns.poll_connect() {
                    let session = match tls {
                        Some(t) => match t.connect() {
                            Some(s) => Some(s),
                            None => {
                                conns.closed(id, "TLS: no client session");
                                continue;
                            }
                        },
                        None => None,
                    };
                    match connect(to) {
                        Ok(stream) => socks.push(Sock {
                            id,
                            stream,
                            tls: session,
                        }),
                        Err(e) => conns.closed(id, format!("connect: {e}")),
                    }
                }
                for s in socks.iter_mut() {
                    s.write(conns);
                }
                let gone = conns.reap();
                socks.retain(|s| !gone.contains(&s.id));
            }
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

impl Sock {
    /// Reads what the socket has into the connection's framer.
    fn read(&mut self, buf: &mut [u8], conns: &mut Conns, got: &mut Vec<Arrived>) {
        if self.tls.is_some() {
            self.read_tls(buf, conns, got);
            // The handshake's answers, and what waited for it.
            self.write(conns);
            return;
        }
        loop {
            match self.stream.read(buf) {
                Ok(0) => {
                    conns.closed(self.id, "closed by the peer");
                    break;
                }
                Ok(n) => conns.receive(self.id, &buf[..n], got),
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => {
                    conns.closed(self.id, e.to_string());
                    break;
                }
            }
        }
    }

    /// Reads TLS records and moves the plaintext into the framer.
    fn read_tls(&mut self, buf: &mut [u8], conns: &mut Conns, got: &mut Vec<Arrived>) {
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
                        conns.closed(self.id, format!("TLS: {e}"));
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
            conns.worked(self.id);
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
            conns.receive(self.id, &plain, got);
        }
        if let Some(c) = cause {
            conns.closed(self.id, c);
        }
    }

    /// Writes what the connection has queued, as far as the socket takes it.
    fn write(&mut self, conns: &mut Conns) {
        if self.tls.is_some() {
            self.write_tls(conns);
            return;
        }
        loop {
            let head = conns.pending_out(self.id);
            if head.is_empty() {
                break;
            }
            match self.stream.write(head) {
                Ok(0) => conns.closed(self.id, "the connection takes no more bytes"),
                Ok(n) => {
                    conns.worked(self.id);
                    conns.wrote(self.id, n);
                }
                // Still connecting, or the peer's window is full.
                Err(e) if e.kind() == ErrorKind::WouldBlock => break,
                Err(e) if e.kind() == ErrorKind::NotConnected => break,
                Err(e) if e.kind() == ErrorKind::Interrupted => continue,
                Err(e) => conns.closed(self.id, e.to_string()),
            }
        }
    }

    /// Moves queued messages into the TLS session (as far as its buffer
    /// takes them) and writes the records it has for the socket.
    fn write_tls(&mut self, conns: &mut Conns) {
        let Some(tls) = self.tls.as_mut() else { return };
        loop {
            let head = conns.pending_out(self.id);
            if head.is_empty() {
                break;
            }
            match tls.writer().write(head) {
                Ok(n) if n > 0 => conns.wrote(self.id, n),
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
            conns.closed(self.id, c);
        }
    }
}
