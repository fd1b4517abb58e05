//! A channel's media sockets (RTP and UDPTL: non-blocking UDP on the
//! trunk's address) and when they take the channel out of service.
//!
//! A channel is one of many calls on the media thread: whatever its
//! sockets do, the other calls must go on. So
//!
//! * ports that cannot be bound (another program holds one: with
//!   `rtp_ports` inside the kernel's ephemeral range any outgoing
//!   connection or DNS query may take it) leave that channel out of
//!   service, the trunk's other channels bound and working;
//! * a socket that fails (an error other than "nothing to read") takes its
//!   channel out of service and ends its call;
//! * a channel reads at most [`MAX_DATAGRAMS_PER_TICK`] datagrams per
//!   socket and tick (a call sends one per 20 ms, a few more after a
//!   stall), so a flood on one port cannot eat the tick of every call; a
//!   flood that lasts [`FLOOD_TICKS`] ticks takes the channel out of
//!   service and closes its sockets (the kernel then drops the flood).

use std::cell::RefCell;
use std::collections::VecDeque;
use std::fmt;
use std::io::ErrorKind;
use std::net::{IpAddr, SocketAddr, UdpSocket};
use std::rc::Rc;

use crate::line::LineId;
use crate::sim_net::Transmit;

/// What an engine without sockets sent, for the owner (the simulated
/// network) to take: shared by a trunk and its channels.
pub(crate) type Outbox = Rc<RefCell<VecDeque<Transmit>>>;

/// Where a channel's media goes and comes from: its sockets (the shell
/// of a real run), or nothing but the engine (datagrams come in through
/// `handle_datagram` and go out to the trunk's outbox).
pub(crate) enum MediaIo {
    /// The RTP and UDPTL sockets.
    Sockets(MediaSockets),
    /// The engine alone, with the addresses it would have bound.
    Engine {
        rtp: SocketAddr,
        t38: SocketAddr,
        out: Outbox,
    },
}

impl MediaIo {
    /// Sends an RTP datagram (a failed send is a lost datagram).
    pub(crate) fn send_rtp(&self, bytes: Vec<u8>, to: SocketAddr) {
        match self {
            MediaIo::Sockets(s) => {
                let _ = s.rtp.send_to(&bytes, to);
            }
            MediaIo::Engine { rtp, out, .. } => out.borrow_mut().push_back(Transmit {
                from: *rtp,
                to,
                bytes,
            }),
        }
    }

    /// Sends a UDPTL datagram.
    pub(crate) fn send_t38(&self, bytes: Vec<u8>, to: SocketAddr) {
        match self {
            MediaIo::Sockets(s) => {
                let _ = s.t38.send_to(&bytes, to);
            }
            MediaIo::Engine { t38, out, .. } => out.borrow_mut().push_back(Transmit {
                from: *t38,
                to,
                bytes,
            }),
        }
    }
}

/// Datagrams read from one media socket in one tick, at most.
pub const MAX_DATAGRAMS_PER_TICK: usize = 64;

/// Ticks in a row at [`MAX_DATAGRAMS_PER_TICK`] (1 s) that make a flood.
pub const FLOOD_TICKS: u32 = 50;

/// A channel that is out of service, and why: what an operator reads in
/// the log line (`ums serve` writes one per fault).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ChannelFault {
    /// The channel's line.
    pub line: LineId,
    /// What happened, with the port.
    pub reason: String,
}

impl fmt::Display for ChannelFault {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "SIP channel {} is out of service: {}; the trunk's other channels carry on",
            self.line.0, self.reason
        )
    }
}

/// The RTP and UDPTL sockets of a channel.
pub(crate) struct MediaSockets {
    pub(crate) rtp: UdpSocket,
    pub(crate) t38: UdpSocket,
    /// Ticks in a row a socket gave the most datagrams a tick may read.
    flooded: u32,
}

fn bind_one(what: &str, ip: IpAddr, port: u16) -> std::io::Result<UdpSocket> {
    let s = UdpSocket::bind((ip, port)).and_then(|s| {
        s.set_nonblocking(true)?;
        Ok(s)
    });
    s.map_err(|e| {
        let hint = if e.kind() == ErrorKind::AddrInUse {
            " (another socket holds it)"
        } else {
            ""
        };
        std::io::Error::new(e.kind(), format!("{what} port {port} on {ip}: {e}{hint}"))
    })
}

/// What one read of a socket gave.
pub(crate) enum Read {
    /// A datagram of this length from this address.
    Datagram(usize, SocketAddr),
    /// Nothing more this tick (drained, or the per-tick limit reached).
    Done,
    /// The socket failed: the channel goes out of service.
    Failed(String),
}

impl MediaSockets {
    /// Binds RTP on `rtp_port` and UDPTL on `t38_port` of `ip`.
    pub(crate) fn bind(ip: IpAddr, rtp_port: u16, t38_port: u16) -> std::io::Result<MediaSockets> {
        Ok(MediaSockets {
            rtp: bind_one("RTP", ip, rtp_port)?,
            t38: bind_one("UDPTL", ip, t38_port)?,
            flooded: 0,
        })
    }

    /// Notes how many datagrams each socket gave this tick; a reason when
    /// that makes a flood (see the module documentation).
    pub(crate) fn note_tick(&mut self, rtp: usize, t38: usize) -> Option<String> {
        let port = |s: &UdpSocket| s.local_addr().map_or(0, |a| a.port());
        if rtp >= MAX_DATAGRAMS_PER_TICK || t38 >= MAX_DATAGRAMS_PER_TICK {
            self.flooded += 1;
        } else {
            self.flooded = 0;
        }
        (self.flooded >= FLOOD_TICKS).then(|| {
            let (what, p) = if rtp >= t38 {
                ("RTP", port(&self.rtp))
            } else {
                ("UDPTL", port(&self.t38))
            };
            format!(
                "{what} port {p} flooded: {MAX_DATAGRAMS_PER_TICK} datagrams or more every 20 ms \
                 for {} s (a call sends one)",
                FLOOD_TICKS / 50
            )
        })
    }
}

/// Reads the next datagram of `sock` into `buf`; `count` datagrams were
/// read this tick already.
pub(crate) fn read(sock: &UdpSocket, what: &str, buf: &mut [u8], count: usize) -> Read {
    if count >= MAX_DATAGRAMS_PER_TICK {
        return Read::Done;
    }
    loop {
        match sock.recv_from(buf) {
            Ok((n, from)) => return Read::Datagram(n, from),
            Err(e) if e.kind() == ErrorKind::WouldBlock => return Read::Done,
            Err(e) if e.kind() == ErrorKind::Interrupted => continue,
            // An ICMP error about something we sent (a far end that went
            // away): the call's business, not the socket's.
            Err(e)
                if matches!(
                    e.kind(),
                    ErrorKind::ConnectionRefused | ErrorKind::ConnectionReset
                ) =>
            {
                continue
            }
            Err(e) => {
                let port = sock.local_addr().map_or(0, |a| a.port());
                return Read::Failed(format!("{what} port {port}: receive failed: {e}"));
            }
        }
    }
}
