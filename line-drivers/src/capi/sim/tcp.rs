//! The simulator on a TCP port: a thread accepts connections, a thread per
//! connection reads frames into the [`Simulator`] (behind one mutex) and
//! writes out what it queued. Only for tests and the bench: the daemon
//! never runs a simulator. Dropping the server closes every connection
//! (the controller "goes away").

use std::collections::BTreeMap;
use std::io::{self, Read, Write};
use std::net::{Shutdown, SocketAddr, TcpListener, TcpStream};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex, MutexGuard};
use std::thread::JoinHandle;

use super::{ConnId, SimConfig, SimStats, Simulator};
use crate::capi::rcapi::FrameReader;

struct Shared {
    sim: Simulator,
    writers: BTreeMap<ConnId, TcpStream>,
    /// What each connection sent, as it came (for tests that compare two
    /// clients' byte streams).
    received: BTreeMap<ConnId, Vec<u8>>,
    next_conn: ConnId,
}

impl Shared {
    /// Writes what the simulator queued. A connection whose write fails is
    /// shut down; its reader thread reports the close.
    /// Writes what the simulator queued: one write per connection (a
    /// read of many calls' blocks answers with many frames).
    fn flush(&mut self) {
        let mut out: BTreeMap<ConnId, Vec<u8>> = BTreeMap::new();
        while let Some((conn, frame)) = self.sim.poll_transmit() {
            out.entry(conn).or_default().extend(frame.encode());
        }
        for (conn, octets) in out {
            if let Some(w) = self.writers.get_mut(&conn) {
                if w.write_all(&octets).is_err() {
                    let _ = w.shutdown(Shutdown::Both);
                }
            }
        }
    }
}

// A panic in a connection's thread leaves the simulator as it was between
// two whole frames: take the lock as it is.
fn lock(m: &Mutex<Shared>) -> MutexGuard<'_, Shared> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

/// A [`Simulator`] served on `127.0.0.1`.
pub struct SimServer {
    addr: SocketAddr,
    shared: Arc<Mutex<Shared>>,
    stop: Arc<AtomicBool>,
    accept: Option<JoinHandle<()>>,
}

impl SimServer {
    /// Binds `127.0.0.1:port` (0: any free port) and starts serving.
    pub fn start(config: SimConfig, port: u16) -> io::Result<SimServer> {
        let listener = TcpListener::bind(("127.0.0.1", port))?;
        let addr = listener.local_addr()?;
        let shared = Arc::new(Mutex::new(Shared {
            sim: Simulator::new(config),
            writers: BTreeMap::new(),
            received: BTreeMap::new(),
            next_conn: 1,
        }));
        let stop = Arc::new(AtomicBool::new(false));
        let (s, st) = (shared.clone(), stop.clone());
        let accept = std::thread::Builder::new()
            .name("capi-sim".into())
            .spawn(move || accept_loop(listener, s, st))?;
        Ok(SimServer {
            addr,
            shared,
            stop,
            accept: Some(accept),
        })
    }

    /// Where it listens.
    pub fn addr(&self) -> SocketAddr {
        self.addr
    }

    /// The simulator's counters.
    pub fn stats(&self) -> SimStats {
        lock(&self.shared).sim.stats().clone()
    }

    /// B-channels in use now.
    pub fn channels_in_use(&self) -> usize {
        lock(&self.shared).sim.channels_in_use()
    }

    /// Connections open now.
    pub fn connections(&self) -> usize {
        lock(&self.shared).writers.len()
    }

    /// Assign application ids from now on (see
    /// [`Simulator::assign_app_ids`]).
    pub fn assign_app_ids(&self) {
        lock(&self.shared).sim.assign_app_ids();
    }

    /// The octets all connections have sent so far (a test's clock waits
    /// for it to stand still: the simulator has read what was sent).
    pub fn octets_received(&self) -> usize {
        lock(&self.shared).received.values().map(Vec::len).sum()
    }

    /// The connections open now, oldest first.
    pub fn connection_ids(&self) -> Vec<ConnId> {
        lock(&self.shared).writers.keys().copied().collect()
    }

    /// Writes `octets` to connection `conn` as they are, as if the
    /// controller sent them (tests: a peer that sends garbage).
    pub fn inject(&self, conn: ConnId, octets: &[u8]) -> io::Result<()> {
        let mut s = lock(&self.shared);
        let w = s
            .writers
            .get_mut(&conn)
            .ok_or_else(|| io::Error::new(io::ErrorKind::NotFound, "no such connection"))?;
        w.write_all(octets)
    }

    /// The octets each connection has sent so far, by connection.
    pub fn received(&self) -> BTreeMap<ConnId, Vec<u8>> {
        lock(&self.shared).received.clone()
    }
}

impl Drop for SimServer {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        // Wake the accept loop.
        let _ = TcpStream::connect(self.addr);
        for w in lock(&self.shared).writers.values() {
            let _ = w.shutdown(Shutdown::Both);
        }
        if let Some(t) = self.accept.take() {
            let _ = t.join();
        }
    }
}

fn accept_loop(listener: TcpListener, shared: Arc<Mutex<Shared>>, stop: Arc<AtomicBool>) {
    for stream in listener.incoming() {
        if stop.load(Ordering::SeqCst) {
            break;
        }
        let Ok(stream) = stream else { continue };
        let _ = stream.set_nodelay(true);
        let Ok(writer) = stream.try_clone() else {
            continue;
        };
        let conn = {
            let mut s = lock(&shared);
            let conn = s.next_conn;
            s.next_conn += 1;
            s.writers.insert(conn, writer);
            s.sim.handle_open(conn);
            conn
        };
        let s = shared.clone();
        let _ = std::thread::Builder::new()
            .name(format!("capi-sim-{conn}"))
            .spawn(move || serve(conn, stream, s));
    }
}

fn serve(conn: ConnId, mut stream: TcpStream, shared: Arc<Mutex<Shared>>) {
    let mut reader = FrameReader::new();
    let mut buf = vec![0u8; 64 * 1024];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        reader.push(&buf[..n]);
        let mut s = lock(&shared);
        s.received
            .entry(conn)
            .or_default()
            .extend_from_slice(&buf[..n]);
        while let Some(frame) = reader.next_frame() {
            match frame {
                Ok(f) => s.sim.handle_frame(conn, f),
                Err(_) => s.sim.handle_bad_frame(),
            }
        }
        s.flush();
        if reader.failed() {
            break;
        }
    }
    let mut s = lock(&shared);
    if let Some(w) = s.writers.remove(&conn) {
        let _ = w.shutdown(Shutdown::Both);
    }
    s.sim.handle_close(conn);
    s.flush();
}
