//! `ums bench web`: what the web journal costs.
//!
//! * **Journal page**: 100 000 messages in a store; the journal page of 50
//!   rows with a filter (`service=sms`, one message in three) is asked over
//!   HTTP from the real router on a loopback socket, and its server time
//!   (the handler: session, the by-time index, the HTML) is taken by a layer
//!   around the router. Beside it in the same run, the raw bound: the same 50
//!   records read from the store's by-time tree newest first with the filter
//!   tested inline (no session, no query layer, no HTML). Goal: p50 within 2×.
//! * **Live rows**: `ums bench media`'s media loop (32 G.711 faxes in
//!   progress on the real-time ticker) in turns of 5 s alone and with 20
//!   browsers following the journal's rows over Server-Sent Events
//!   (`/journal/events`) from a web server over the same store (each turn
//!   opens their streams anew; see `bench_media::Beside` for why turns).
//!   Goal: the p99 tick lateness unchanged (within 1 ms).

use std::io::{Read, Write};
use std::net::{SocketAddr, TcpStream};
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use kernel::message::{Direction, Message, MessageId, Service, Timestamp};
use kernel::report::Language;
use kernel::store::{Record, Store};

use crate::bench_media::{MediaBench, MediaBenchResult};
use crate::web::{Role, WebContext, WebSettings, WebUser};

/// What to run.
#[derive(Debug, Clone)]
pub struct WebBench {
    /// Messages in the journal's store.
    pub messages: u64,
    /// Journal pages asked (and raw reads made).
    pub samples: usize,
    /// Browsers following live rows in phase two of the live part.
    pub followers: usize,
    /// The live part's media bench (calls, phase length).
    pub media: MediaBench,
    pub work_dir: PathBuf,
}

/// Milliseconds of each sample.
#[derive(Debug, Clone, Default)]
pub struct Times(pub Vec<f64>);

impl Times {
    pub fn pct(&self, p: f64) -> f64 {
        let mut v = self.0.clone();
        v.sort_by(f64::total_cmp);
        v.get(((v.len().max(1) - 1) as f64 * p).round() as usize)
            .copied()
            .unwrap_or(0.0)
    }
}

/// What the journal part found.
#[derive(Debug, Clone)]
pub struct JournalResult {
    /// Server time of the journal page.
    pub page: Times,
    /// The same 50 records read raw from the by-time tree.
    pub raw: Times,
    /// The page's ids equal the raw read's.
    pub same_rows: bool,
}

const PASSWORD: &str = "bench password 1";

#[allow(clippy::disallowed_methods)] // a benchmark measures wall time
fn now() -> std::time::Instant {
    std::time::Instant::now()
}

#[allow(clippy::disallowed_methods)] // driver shell: the web's wall clock
fn wall() -> Timestamp {
    Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
    )
}

/// A web server over `store` on 127.0.0.1 (an operator `ops` who sees
/// every message), its server times per request; stops when dropped.
struct Server {
    addr: SocketAddr,
    times: Arc<Mutex<Vec<f64>>>,
    runtime: Option<tokio::runtime::Runtime>,
}

impl Server {
    fn start(store: &Store, dir: &std::path::Path) -> Result<Server, String> {
        let users = vec![WebUser {
            id: "ops".into(),
            email: "ops@bench.example".into(),
            name: "Operator".into(),
            role: Role::Operator,
            language: Language::En,
        }];
        let ctx = WebContext::new(
            store.clone(),
            dir.join("spool"),
            dir.join("dead-letter"),
            users,
            WebSettings::default(),
            Box::new(wall),
        )
        .map_err(|e| e.to_string())?;
        ctx.accounts
            .set_password("ops", PASSWORD)
            .map_err(|e| e.to_string())?;
        let times = Arc::new(Mutex::new(Vec::new()));
        let t = Arc::clone(&times);
        let router = crate::web::router(Arc::new(ctx)).layer(axum::middleware::from_fn(
            move |req: axum::extract::Request, next: axum::middleware::Next| {
                let t = Arc::clone(&t);
                async move {
                    let start = now();
                    let r = next.run(req).await;
                    kernel::lock::lock(&t).push(start.elapsed().as_secs_f64() * 1000.0);
                    r
                }
            },
        ));
        // The daemon's runtime has a worker per core; so has this one.
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .enable_all()
            .build()
            .map_err(|e| e.to_string())?;
        let listener = runtime
            .block_on(tokio::net::TcpListener::bind("127.0.0.1:0"))
            .map_err(|e| e.to_string())?;
        let addr = listener.local_addr().map_err(|e| e.to_string())?;
        runtime.spawn(crate::web::serve(listener, router, None));
        Ok(Server {
            addr,
            times,
            runtime: Some(runtime),
        })
    }

    /// A session cookie for `ops`.
    fn login(&self) -> Result<String, String> {
        let body = format!("user=ops&password={}", PASSWORD.replace(' ', "%20"));
        let (head, _) = http(
            self.addr,
            "POST",
            "/login",
            "Content-Type: application/x-www-form-urlencoded\r\n",
            body.as_bytes(),
        )?;
        head.lines()
            .find_map(|l| {
                let (k, v) = l.split_once(':')?;
                k.eq_ignore_ascii_case("set-cookie")
                    .then(|| v.trim().split(';').next().unwrap_or("").to_string())
            })
            .ok_or_else(|| format!("no session: {head}"))
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        if let Some(rt) = self.runtime.take() {
            rt.shutdown_timeout(Duration::from_secs(1));
        }
    }
}

/// One request on a fresh connection (the server closes it): head, body.
fn http(
    addr: SocketAddr,
    method: &str,
    path: &str,
    headers: &str,
    body: &[u8],
) -> Result<(String, Vec<u8>), String> {
    let mut s = TcpStream::connect(addr).map_err(|e| e.to_string())?;
    let req = format!(
        "{method} {path} HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n{headers}Content-Length: {}\r\n\r\n",
        body.len()
    );
    s.write_all(req.as_bytes()).map_err(|e| e.to_string())?;
    s.write_all(body).map_err(|e| e.to_string())?;
    let mut out = Vec::new();
    s.read_to_end(&mut out).map_err(|e| e.to_string())?;
    let split = out
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .ok_or("no answer")?;
    Ok((
        String::from_utf8_lossy(&out[..split]).into_owned(),
        out[split + 4..].to_vec(),
    ))
}

/// The journal part. See the module docs.
pub fn journal(cfg: &WebBench) -> Result<JournalResult, String> {
    let dir = cfg.work_dir.join("journal");
    std::fs::create_dir_all(dir.join("spool")).map_err(|e| e.to_string())?;
    let store = Store::open(&dir.join("store")).map_err(|e| e.to_string())?;
    let t0 = wall().0.saturating_sub(cfg.messages * 1000);
    let mut batch = Vec::new();
    for i in 1..=cfg.messages {
        let service = [Service::Fax, Service::Sms, Service::Voice][(i % 3) as usize];
        let mut m = Message::new(
            MessageId(i),
            Direction::Outgoing,
            service,
            Timestamp(t0 + i * 1000),
        );
        m.user = Some(format!("user{}", i % 50));
        m.recipient_number = Some(format!("+4930{i:07}"));
        m.subject = Some(format!("Order {i}"));
        batch.push(Record {
            message: m,
            job: None,
        });
        if batch.len() == 5000 {
            store.insert_batch(&batch).map_err(|e| e.to_string())?;
            batch.clear();
        }
    }
    store.insert_batch(&batch).map_err(|e| e.to_string())?;
    let server = Server::start(&store, &dir)?;
    let cookie = format!("Cookie: {}\r\n", server.login()?);
    let (mut page, mut raw) = (Times::default(), Times::default());
    let mut same_rows = true;
    for _ in 0..cfg.samples {
        kernel::lock::lock(&server.times).clear();
        let (head, body) = http(server.addr, "GET", "/journal?service=sms", &cookie, b"")?;
        if !head.starts_with("HTTP/1.1 200") {
            return Err(format!("journal page: {head}"));
        }
        let t = kernel::lock::lock(&server.times)
            .first()
            .copied()
            .unwrap_or(0.0);
        page.0.push(t);
        let start = now();
        let rows: Vec<u64> = store
            .newest_first(None)
            .filter_map(|r| r.ok())
            .filter(|(_, r)| r.message.service == Service::Sms)
            .take(50)
            .map(|(_, r)| r.message.id.0)
            .collect();
        raw.0.push(start.elapsed().as_secs_f64() * 1000.0);
        let body = String::from_utf8_lossy(&body);
        let shown: Vec<u64> = body
            .split("<tr data-id=\"")
            .skip(1)
            .filter_map(|s| s.split('"').next()?.parse().ok())
            .collect();
        same_rows &= shown == rows;
    }
    Ok(JournalResult {
        page,
        raw,
        same_rows,
    })
}

/// What the live part found.
#[derive(Debug, Clone)]
pub struct LiveResult {
    pub media: MediaBenchResult,
    /// Status events the followers received.
    pub events: usize,
    /// Followers whose stream was open to the end of its turn.
    pub open: usize,
    /// Follower streams started (each of phase two's turns starts
    /// `followers`, and the warm-up once).
    pub streams: usize,
}

/// The live part. See the module docs.
pub fn live(cfg: &WebBench) -> Result<LiveResult, String> {
    let events = Arc::new(AtomicUsize::new(0));
    let open = Arc::new(AtomicUsize::new(0));
    let followers = cfg.followers;
    let dir = cfg.media.work_dir.clone();
    let streams = Arc::new(AtomicUsize::new(0));
    let (ev, op, st) = (Arc::clone(&events), Arc::clone(&open), Arc::clone(&streams));
    // The server and its login are made once (in the media bench's
    // warm-up); each of phase two's turns opens the followers' streams.
    let made = std::sync::OnceLock::<(Server, String)>::new();
    let start = move |store: &Store| -> Result<Box<dyn std::any::Any>, String> {
        if made.get().is_none() {
            let server = Server::start(store, &dir)?;
            let cookie = server.login()?;
            let _ = made.set((server, cookie));
        }
        let (server, cookie) = made.get().ok_or("no web server")?;
        // The rows of the journal's first page: the calls in progress.
        let ids: Vec<String> = store
            .newest_first(None)
            .filter_map(|r| r.ok())
            .take(50)
            .map(|(_, r)| r.message.id.0.to_string())
            .collect();
        let path = format!("/journal/events?ids={}", ids.join(","));
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        st.fetch_add(followers, Ordering::SeqCst);
        for _ in 0..followers {
            let (addr, path, cookie) = (server.addr, path.clone(), cookie.clone());
            let (ev, op, stop) = (Arc::clone(&ev), Arc::clone(&op), Arc::clone(&stop));
            threads.push(std::thread::spawn(move || {
                follow(addr, &path, &cookie, &ev, &op, &stop)
            }));
        }
        Ok(Box::new(Followers { stop, threads }))
    };
    let media = crate::bench_media::run_with(&cfg.media, Some(&start))?;
    Ok(LiveResult {
        media,
        events: events.load(Ordering::SeqCst),
        open: open.load(Ordering::SeqCst),
        streams: streams.load(Ordering::SeqCst),
    })
}

/// The followers and their server; dropping stops them.
struct Followers {
    stop: Arc<AtomicBool>,
    threads: Vec<std::thread::JoinHandle<()>>,
}

impl Drop for Followers {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.threads.drain(..) {
            let _ = t.join();
        }
    }
}

/// One browser following its rows: reads the stream, counts status events.
fn follow(
    addr: SocketAddr,
    path: &str,
    cookie: &str,
    events: &AtomicUsize,
    open: &AtomicUsize,
    stop: &AtomicBool,
) {
    let Ok(mut s) = TcpStream::connect(addr) else {
        return;
    };
    let _ = s.set_read_timeout(Some(Duration::from_millis(500)));
    let req = format!(
        "GET {path} HTTP/1.1\r\nHost: bench\r\nAccept: text/event-stream\r\nCookie: {cookie}\r\n\r\n"
    );
    if s.write_all(req.as_bytes()).is_err() {
        return;
    }
    let mut buf = [0u8; 16384];
    let mut alive = true;
    while !stop.load(Ordering::SeqCst) {
        match s.read(&mut buf) {
            Ok(0) => {
                alive = false;
                break;
            }
            Ok(n) => {
                let text = String::from_utf8_lossy(&buf[..n]);
                events.fetch_add(text.matches("event: status").count(), Ordering::SeqCst);
            }
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
                ) => {}
            Err(_) => {
                alive = false;
                break;
            }
        }
    }
    if alive {
        open.fetch_add(1, Ordering::SeqCst);
    }
}

/// The report's lines.
pub fn report(cfg: &WebBench, j: &JournalResult, l: &LiveResult) -> String {
    let (p50, p99) = (j.page.pct(0.5), j.page.pct(0.99));
    let (r50, r99) = (j.raw.pct(0.5), j.raw.pct(0.99));
    let ratio = p50 / r50.max(1e-6);
    let m = &l.media;
    let line = |name: &str, p: &crate::bench_media::Phase| {
        format!(
            "{name:<16} {:>6} ticks  p50 {:.2} ms  p99 {:.2} ms  max {:.2} ms  ({:.0} s)",
            p.lateness.samples(),
            crate::bench_media::ms(p.lateness.p50()),
            crate::bench_media::ms(p.lateness.p99()),
            crate::bench_media::ms(p.lateness.max()),
            p.elapsed.as_secs_f64()
        )
    };
    let diff = m.p99_difference_ms();
    format!(
        "bench web: the journal page (50 rows, service=sms) over {} messages, {} requests over loopback HTTP\n\
         journal page     server time p50 {p50:.2} ms  p99 {p99:.2} ms\n\
         raw read         the same 50 records from the by-time tree: p50 {r50:.2} ms  p99 {r99:.2} ms (rows equal: {})\n\
         ratio            p50 {ratio:.2}x, p99 {:.2}x ({}: within 2x)\n\
         live rows: {} G.711 fax calls in progress (media loop pinned to one core), turns of {} s without and with {} browsers following /journal/events\n\
         {}\n{}\n\
         followers        {} of {} streams open to the end, {} status events\n\
         p99 difference   {diff:+.2} ms ({}: within 1 ms)\n",
        cfg.messages,
        cfg.samples,
        j.same_rows,
        p99 / r99.max(1e-6),
        if ratio <= 2.0 { "goal met" } else { "goal missed" },
        cfg.media.calls,
        crate::bench_media::WINDOW.as_secs(),
        cfg.followers,
        line("0 followers", &m.alone),
        line(&format!("{} followers", cfg.followers), &m.with_deliveries),
        l.open,
        l.streams,
        l.events,
        if diff <= 1.0 && l.open == l.streams {
            "goal met"
        } else {
            "goal missed"
        },
    )
}
