//! The tokio shell around the sans-IO [`Session`]: accepts connections,
//! moves bytes, switches to TLS on STARTTLS, asks the [`Policy`] the
//! session's questions, and enforces the per-client connection limit.
//! All protocol decisions are the engine's; all policy decisions the
//! policy's.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Instant;

use tokio::io::{AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

use crate::engine::{
    DataVerdict, Envelope, Output, PeerInfo, Session, SessionConfig, SessionEvent, Verdict,
};
use crate::wire::address::{ParsedAddress, ReversePath};
use crate::wire::reply::{Reply, ReplyCode};

/// The decisions the connector's owner makes. Called from the connection
/// tasks; `message` may block (it flushes the store) and is run on the
/// blocking pool.
pub trait Policy: Send + Sync + 'static {
    /// May this client talk to us at all (allowed networks)? `None`: yes;
    /// `Some(reply)`: greet with it and close. Checked on connect.
    fn connect(&self, peer: &PeerInfo) -> Option<Reply> {
        let _ = peer;
        None
    }
    fn mail_from(&self, peer: &PeerInfo, auth: Option<&str>, from: &ReversePath) -> Verdict;
    fn rcpt_to(
        &self,
        peer: &PeerInfo,
        auth: Option<&str>,
        from: &ReversePath,
        to: &ParsedAddress,
    ) -> Verdict;
    fn auth(&self, identity: &str, password: &str) -> bool;
    /// Store the message durably, then answer. The 250 goes out only after
    /// this returns `Accept`.
    fn message(&self, envelope: &Envelope, data: Vec<u8>) -> DataVerdict;
}

/// Settings of the listener.
#[derive(Clone)]
pub struct ServerConfig {
    pub session: SessionConfig,
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Simultaneous connections from one address.
    pub max_connections_per_client: usize,
}

type Counts = Arc<Mutex<HashMap<IpAddr, usize>>>;

/// Tells a [`serve_until`] listener and its sessions that the server
/// stops, and counts the sessions still open.
#[derive(Clone)]
pub struct StopSignal {
    tx: Arc<tokio::sync::watch::Sender<bool>>,
    open: Arc<AtomicUsize>,
}

impl Default for StopSignal {
    fn default() -> Self {
        StopSignal {
            tx: Arc::new(tokio::sync::watch::channel(false).0),
            open: Arc::default(),
        }
    }
}

impl StopSignal {
    /// Stop: no new connections; sessions between commands get `421 4.3.2`
    /// and are closed, a message being received may still be completed.
    pub fn stop(&self) {
        self.tx.send_replace(true);
    }

    /// Sessions still open.
    pub fn open_sessions(&self) -> usize {
        self.open.load(Ordering::SeqCst)
    }
}

/// One open session, counted while it lives.
struct OpenSession(Arc<AtomicUsize>);

impl Drop for OpenSession {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::SeqCst);
    }
}

/// Accept connections until the listener fails.
pub async fn serve(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    policy: Arc<dyn Policy>,
) -> std::io::Result<()> {
    serve_until(listener, config, policy, StopSignal::default()).await
}

/// Accept connections until the listener fails or `stop` is signalled.
pub async fn serve_until(
    listener: TcpListener,
    config: Arc<ServerConfig>,
    policy: Arc<dyn Policy>,
    stop: StopSignal,
) -> std::io::Result<()> {
    let counts: Counts = Arc::default();
    let mut stopping = stop.tx.subscribe();
    loop {
        if *stopping.borrow_and_update() {
            return Ok(());
        }
        let (stream, addr) = tokio::select! {
            r = listener.accept() => r?,
            _ = stopping.changed() => continue,
        };
        let config = Arc::clone(&config);
        let policy = Arc::clone(&policy);
        let counts = Arc::clone(&counts);
        stop.open.fetch_add(1, Ordering::SeqCst);
        let open = OpenSession(Arc::clone(&stop.open));
        let stopping = stop.tx.subscribe();
        tokio::spawn(async move {
            let _open = open;
            let over = {
                let mut c = kernel::lock::lock(&counts);
                let n = c.entry(addr.ip()).or_default();
                *n += 1;
                *n > config.max_connections_per_client
            };
            let _ = connection(stream, addr, &config, policy, over, stopping).await;
            let mut c = kernel::lock::lock(&counts);
            if let Some(n) = c.get_mut(&addr.ip()) {
                *n -= 1;
                if *n == 0 {
                    c.remove(&addr.ip());
                }
            }
        });
    }
}

enum Conn {
    Plain(TcpStream),
    Tls(Box<tokio_rustls::server::TlsStream<TcpStream>>),
}

impl Conn {
    async fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        match self {
            Conn::Plain(s) => s.read(buf).await,
            Conn::Tls(s) => s.read(buf).await,
        }
    }

    async fn write_all(&mut self, bytes: &[u8]) -> std::io::Result<()> {
        match self {
            Conn::Plain(s) => write_flush(s, bytes).await,
            Conn::Tls(s) => write_flush(s.as_mut(), bytes).await,
        }
    }

    async fn shutdown(&mut self) {
        let _ = match self {
            Conn::Plain(s) => s.shutdown().await,
            Conn::Tls(s) => s.shutdown().await,
        };
    }
}

async fn write_flush<S: AsyncWrite + Unpin>(s: &mut S, bytes: &[u8]) -> std::io::Result<()> {
    s.write_all(bytes).await?;
    s.flush().await
}

#[allow(clippy::disallowed_methods)] // driver shell: reads the real clock
fn now() -> Instant {
    Instant::now()
}

async fn connection(
    stream: TcpStream,
    addr: SocketAddr,
    config: &ServerConfig,
    policy: Arc<dyn Policy>,
    over_limit: bool,
    mut stopping: tokio::sync::watch::Receiver<bool>,
) -> std::io::Result<()> {
    let _ = stream.set_nodelay(true);
    let peer = PeerInfo {
        ip: addr.ip(),
        tls: false,
    };
    let mut conn = Conn::Plain(stream);
    let refusal = if over_limit {
        Some(
            Reply::new(
                421,
                "4.7.0".parse().ok(),
                "too many connections from your address, try again later",
            )
            .unwrap_or_else(|_| {
                Reply::with_text(ReplyCode::ServiceNotAvailable, "too many connections")
            }),
        )
    } else {
        policy.connect(&peer)
    };
    if let Some(reply) = refusal {
        conn.write_all(&reply.to_bytes()).await?;
        conn.shutdown().await;
        return Ok(());
    }
    let mut session = Session::new(config.session.clone(), peer, now());
    let mut buf = vec![0u8; 64 * 1024];
    let mut stop_gone = false;
    loop {
        // Carry out everything the session asked for; replies go out in
        // one write (pipelined commands get their replies together).
        let mut wbuf = Vec::new();
        while let Some(out) = session.poll_output() {
            match out {
                Output::Reply(bytes) => wbuf.extend_from_slice(&bytes),
                Output::Close => {
                    conn.write_all(&wbuf).await?;
                    conn.shutdown().await;
                    return Ok(());
                }
                Output::StartTls => {
                    conn.write_all(&std::mem::take(&mut wbuf)).await?;
                    let (Conn::Plain(tcp), Some(tls)) = (conn, config.tls.clone()) else {
                        return Ok(());
                    };
                    let acceptor = tokio_rustls::TlsAcceptor::from(tls);
                    conn = match acceptor.accept(tcp).await {
                        Ok(s) => Conn::Tls(Box::new(s)),
                        Err(_) => return Ok(()), // the client gave up the handshake
                    };
                    if session.tls_established().is_err() {
                        return Ok(());
                    }
                }
                Output::Event(ev) => answer(&mut session, &policy, ev).await,
            }
        }
        if !wbuf.is_empty() {
            conn.write_all(&wbuf).await?;
        }
        if session.is_closed() {
            conn.shutdown().await;
            return Ok(());
        }
        // The server stops: 421 now, or after the message being received.
        if *stopping.borrow() && session.shut_down() {
            continue;
        }
        let deadline = session.poll_timeout();
        let read = async {
            if session.wants_input() {
                conn.read(&mut buf).await
            } else {
                std::future::pending().await
            }
        };
        let timer = async {
            match deadline {
                Some(d) => tokio::time::sleep_until(d.into()).await,
                None => std::future::pending().await,
            }
        };
        tokio::select! {
            r = read => match r {
                Ok(0) | Err(_) => return Ok(()), // the client went away: nothing half-stored
                Ok(n) => session.handle_input(now(), &buf[..n]),
            },
            _ = timer => session.handle_timeout(now()),
            r = stopping.changed(), if !stop_gone && !*stopping.borrow() => {
                // The stop signal gone (its owner dropped): never stopping.
                stop_gone = r.is_err();
            }
        }
    }
}

async fn answer(session: &mut Session, policy: &Arc<dyn Policy>, ev: SessionEvent) {
    let peer = session.peer();
    let auth = session.authenticated_as().map(str::to_string);
    match ev {
        SessionEvent::MailFrom { from, .. } => {
            let v = policy.mail_from(&peer, auth.as_deref(), &from);
            let _ = session.answer_mail(v);
        }
        SessionEvent::RcptTo { addr, .. } => {
            let from = session.mail_from().cloned().unwrap_or(ReversePath::Null);
            let v = policy.rcpt_to(&peer, auth.as_deref(), &from, &addr);
            let _ = session.answer_rcpt(v);
        }
        SessionEvent::Auth {
            identity, password, ..
        } => {
            let ok = policy.auth(&identity, password.expose());
            let _ = session.answer_auth(ok);
        }
        SessionEvent::Message { envelope, data } => {
            let policy = Arc::clone(policy);
            let verdict = tokio::task::spawn_blocking(move || policy.message(&envelope, data))
                .await
                .unwrap_or_else(|_| {
                    DataVerdict::TempFail(Reply::with_text(
                        ReplyCode::LocalError,
                        "the message could not be stored, try again later",
                    ))
                });
            let _ = session.answer_data(verdict);
        }
    }
}
