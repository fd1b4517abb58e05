//! Prometheus metrics (`ums serve --metrics ADDR`): the text exposition
//! format 0.0.4 on a tiny HTTP listener, for a local scraper.
//!
//! Most values are read from state the gateway keeps anyway, at scrape
//! time: messages by service/direction/status, pages, the queue and render
//! errors from the store (one pass over the journal per scrape), dead
//! letters from the dead-letter directory. What only exists as it happens
//! is kept in atomics here: each line's busy flag and the media tick
//! lateness (written by the media thread every tick), and the outbound
//! delivery counters (copied from the delivery loop).

use std::fmt::Write as _;
use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, AtomicI32, AtomicU64, Ordering};
use std::sync::Arc;
use std::time::{Duration, Instant};

use kernel::message::{Direction, Service, Status};
use kernel::report::Cause;
use kernel::store::Store;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpStream};

/// Upper bounds of the lateness histogram, microseconds.
const LATENESS_BUCKETS_US: [u64; 10] = [
    100, 250, 500, 1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000,
];

const SERVICES: [Service; 3] = [Service::Fax, Service::Voice, Service::Sms];
const DIRECTIONS: [Direction; 2] = [Direction::Outgoing, Direction::Incoming];
const STATUSES: [Status; 9] = [
    Status::Queued,
    Status::Sending,
    Status::Retrying,
    Status::Sent,
    Status::Failed,
    Status::Cancelled,
    Status::Deleted,
    Status::Received,
    Status::Delivered,
];

/// The live counters and what the scrape reads. Shared by `Arc`.
pub struct Metrics {
    store: Store,
    dead_letter_dir: PathBuf,
    lines: Vec<(String, AtomicBool)>,
    /// Modem lines (`[[modem]]`): in service or not.
    modems: Vec<(String, AtomicBool)>,
    /// GSM lines (`[[gsm]]`): in service, and the signal in dBm
    /// (`i32::MIN`: not known).
    gsm: Vec<(String, AtomicBool, AtomicI32)>,
    /// CAPI B-channel lines (`[[capi]]`): in service or not.
    capi: Vec<(String, AtomicBool)>,
    /// Per bucket (not cumulative), the last one is +Inf.
    lateness_buckets: [AtomicU64; LATENESS_BUCKETS_US.len() + 1],
    lateness_sum_us: AtomicU64,
    lateness_max_us: AtomicU64,
    ticks: AtomicU64,
    delivered: AtomicU64,
    deferred: AtomicU64,
    bounced: AtomicU64,
    dead_lettered: AtomicU64,
}

/// Outbound delivery counters of this process (from `smtp::outbound`).
#[derive(Debug, Clone, Copy, Default)]
pub struct DeliveryCounts {
    pub delivered: u64,
    pub deferred: u64,
    pub bounced: u64,
    pub dead_letters: u64,
}

impl Metrics {
    /// `lines` are the line names in the order the runner has them.
    pub fn new(store: Store, dead_letter_dir: PathBuf, lines: &[String]) -> Metrics {
        Metrics {
            store,
            dead_letter_dir,
            lines: lines
                .iter()
                .map(|l| (l.clone(), AtomicBool::new(false)))
                .collect(),
            modems: Vec::new(),
            gsm: Vec::new(),
            capi: Vec::new(),
            lateness_buckets: Default::default(),
            lateness_sum_us: AtomicU64::new(0),
            lateness_max_us: AtomicU64::new(0),
            ticks: AtomicU64::new(0),
            delivered: AtomicU64::new(0),
            deferred: AtomicU64::new(0),
            bounced: AtomicU64::new(0),
            dead_lettered: AtomicU64::new(0),
        }
    }

    /// One media tick ran `lateness` after its deadline.
    pub fn record_tick(&self, lateness: Duration) {
        let us = u64::try_from(lateness.as_micros()).unwrap_or(u64::MAX);
        let b = LATENESS_BUCKETS_US
            .iter()
            .position(|le| us <= *le)
            .unwrap_or(LATENESS_BUCKETS_US.len());
        self.lateness_buckets[b].fetch_add(1, Ordering::Relaxed);
        self.lateness_sum_us.fetch_add(us, Ordering::Relaxed);
        self.lateness_max_us.fetch_max(us, Ordering::Relaxed);
        self.ticks.fetch_add(1, Ordering::Relaxed);
    }

    /// Whether a call is on each line, in the order given to [`Metrics::new`].
    pub fn set_lines_busy(&self, busy: impl Iterator<Item = bool>) {
        for ((_, flag), b) in self.lines.iter().zip(busy) {
            flag.store(b, Ordering::Relaxed);
        }
    }

    /// The modem lines' names, in the order [`Metrics::set_modems`] gives.
    pub fn with_modems(mut self, names: &[String]) -> Metrics {
        self.modems = (names.iter())
            .map(|n| (n.clone(), AtomicBool::new(false)))
            .collect();
        self
    }

    /// Whether each modem line is in service.
    pub fn set_modems(&self, in_service: impl Iterator<Item = bool>) {
        for ((_, flag), b) in self.modems.iter().zip(in_service) {
            flag.store(b, Ordering::Relaxed);
        }
    }

    /// The GSM lines' names, in the order [`Metrics::set_gsm`] gives.
    pub fn with_gsm(mut self, names: &[String]) -> Metrics {
        self.gsm = (names.iter())
            .map(|n| (n.clone(), AtomicBool::new(false), AtomicI32::new(i32::MIN)))
            .collect();
        self
    }

    /// The CAPI lines' names, in the order [`Metrics::set_capi`] gives.
    pub fn with_capi(mut self, names: &[String]) -> Metrics {
        self.capi = (names.iter())
            .map(|n| (n.clone(), AtomicBool::new(false)))
            .collect();
        self
    }

    /// Each GSM line: in service, and its signal (dBm) if known.
    pub fn set_gsm(&self, states: impl Iterator<Item = (bool, Option<i16>)>) {
        for ((_, up, dbm), (u, d)) in self.gsm.iter().zip(states) {
            up.store(u, Ordering::Relaxed);
            dbm.store(d.map_or(i32::MIN, i32::from), Ordering::Relaxed);
        }
    }

    /// Whether each CAPI line is in service.
    pub fn set_capi(&self, in_service: impl Iterator<Item = bool>) {
        for ((_, flag), b) in self.capi.iter().zip(in_service) {
            flag.store(b, Ordering::Relaxed);
        }
    }

    pub fn set_delivery(&self, c: DeliveryCounts) {
        self.delivered.store(c.delivered, Ordering::Relaxed);
        self.deferred.store(c.deferred, Ordering::Relaxed);
        self.bounced.store(c.bounced, Ordering::Relaxed);
        self.dead_lettered.store(c.dead_letters, Ordering::Relaxed);
    }

    /// The exposition text (format 0.0.4). Reads the whole journal.
    pub fn render(&self) -> String {
        let mut by_key = std::collections::HashMap::<(Service, Direction, Status), u64>::new();
        let (mut pages_out, mut pages_in, mut queue, mut render_errors, mut corrupt) =
            (0u64, 0u64, 0u64, 0u64, 0u64);
        for rec in self.store.all() {
            let Ok(rec) = rec else {
                corrupt += 1;
                continue;
            };
            let m = &rec.message;
            *by_key
                .entry((m.service, m.direction, m.status))
                .or_default() += 1;
            match m.direction {
                Direction::Outgoing => pages_out += u64::from(m.pages_sent),
                Direction::Incoming => pages_in += u64::from(m.pages),
            }
            if m.direction == Direction::Outgoing && !m.status.is_final() {
                queue += 1;
            }
            if matches!(
                m.failure_cause,
                Some(Cause::UnsupportedAttachment | Cause::DamagedAttachment | Cause::RenderFailed)
            ) {
                render_errors += 1;
            }
        }
        let dead_letters = std::fs::read_dir(&self.dead_letter_dir)
            .map(|d| {
                d.filter_map(Result::ok)
                    .filter(|e| e.file_name().to_string_lossy().ends_with(".eml"))
                    .filter(|e| !e.file_name().to_string_lossy().starts_with('.'))
                    .count() as u64
            })
            .unwrap_or(0);

        let mut o = String::with_capacity(8192);
        let head = |o: &mut String, name: &str, kind: &str, help: &str| {
            let _ = writeln!(o, "# HELP {name} {help}\n# TYPE {name} {kind}");
        };
        head(
            &mut o,
            "ums_messages",
            "gauge",
            "Messages in the journal by service, direction and status.",
        );
        for s in SERVICES {
            for d in DIRECTIONS {
                for st in STATUSES {
                    let n = by_key.get(&(s, d, st)).copied().unwrap_or(0);
                    let _ = writeln!(
                        o,
                        "ums_messages{{service=\"{}\",direction=\"{}\",status=\"{}\"}} {n}",
                        s.name(),
                        direction_name(d),
                        st.name()
                    );
                }
            }
        }
        head(
            &mut o,
            "ums_fax_pages_total",
            "counter",
            "Fax pages confirmed by the remote (outgoing) or received (incoming), over the journal.",
        );
        let _ = writeln!(
            o,
            "ums_fax_pages_total{{direction=\"outgoing\"}} {pages_out}"
        );
        let _ = writeln!(
            o,
            "ums_fax_pages_total{{direction=\"incoming\"}} {pages_in}"
        );
        head(
            &mut o,
            "ums_queue_length",
            "gauge",
            "Outgoing messages not finished yet (queued, on a line, or waiting to retry).",
        );
        let _ = writeln!(o, "ums_queue_length {queue}");
        head(
            &mut o,
            "ums_render_errors_total",
            "counter",
            "Fax recipients failed because the mail's document could not be rendered.",
        );
        let _ = writeln!(o, "ums_render_errors_total {render_errors}");
        head(
            &mut o,
            "ums_store_corrupt_records",
            "gauge",
            "Journal records that could not be decoded.",
        );
        let _ = writeln!(o, "ums_store_corrupt_records {corrupt}");
        head(
            &mut o,
            "ums_dead_letters",
            "gauge",
            "Undeliverable mails in the dead-letter directory.",
        );
        let _ = writeln!(o, "ums_dead_letters {dead_letters}");
        for (name, help, v) in [
            (
                "ums_mail_delivered_total",
                "Mails handed to the mail server since start.",
                &self.delivered,
            ),
            (
                "ums_mail_deferred_total",
                "Mail delivery attempts deferred since start.",
                &self.deferred,
            ),
            (
                "ums_mail_bounced_total",
                "Mails refused for good since start.",
                &self.bounced,
            ),
            (
                "ums_dead_letters_written_total",
                "Mails written to the dead-letter directory since start.",
                &self.dead_lettered,
            ),
        ] {
            head(&mut o, name, "counter", help);
            let _ = writeln!(o, "{name} {}", v.load(Ordering::Relaxed));
        }
        head(
            &mut o,
            "ums_line_calls_in_progress",
            "gauge",
            "Calls on each line now (0 or 1).",
        );
        for (line, busy) in &self.lines {
            let _ = writeln!(
                o,
                "ums_line_calls_in_progress{{line=\"{}\"}} {}",
                escape_label(line),
                u8::from(busy.load(Ordering::Relaxed))
            );
        }
        if !self.modems.is_empty() {
            head(
                &mut o,
                "ums_modem_in_service",
                "gauge",
                "Modem lines: 1 in service, 0 out of service (or being probed).",
            );
            for (line, up) in &self.modems {
                let _ = writeln!(
                    o,
                    "ums_modem_in_service{{line=\"{}\"}} {}",
                    escape_label(line),
                    u8::from(up.load(Ordering::Relaxed))
                );
            }
        }
        if !self.gsm.is_empty() {
            head(
                &mut o,
                "ums_gsm_in_service",
                "gauge",
                "GSM lines: 1 in service, 0 out of service (or starting).",
            );
            for (line, up, _) in &self.gsm {
                let _ = writeln!(
                    o,
                    "ums_gsm_in_service{{line=\"{}\"}} {}",
                    escape_label(line),
                    u8::from(up.load(Ordering::Relaxed))
                );
            }
            head(
                &mut o,
                "ums_gsm_signal_dbm",
                "gauge",
                "GSM lines: the signal the modem last reported (+CSQ, read with each sweep of the SIM), in dBm.",
            );
            for (line, _, dbm) in &self.gsm {
                let d = dbm.load(Ordering::Relaxed);
                if d != i32::MIN {
                    let _ = writeln!(
                        o,
                        "ums_gsm_signal_dbm{{line=\"{}\"}} {d}",
                        escape_label(line)
                    );
                }
            }
        }
        if !self.capi.is_empty() {
            head(
                &mut o,
                "ums_capi_in_service",
                "gauge",
                "CAPI B-channel lines: 1 in service, 0 out of service (or connecting).",
            );
            for (line, up) in &self.capi {
                let _ = writeln!(
                    o,
                    "ums_capi_in_service{{line=\"{}\"}} {}",
                    escape_label(line),
                    u8::from(up.load(Ordering::Relaxed))
                );
            }
        }
        head(
            &mut o,
            "ums_media_tick_lateness_seconds",
            "histogram",
            "How late each 20 ms media tick started after its deadline.",
        );
        let mut cumulative = 0u64;
        for (i, le) in LATENESS_BUCKETS_US.iter().enumerate() {
            cumulative += self.lateness_buckets[i].load(Ordering::Relaxed);
            let _ = writeln!(
                o,
                "ums_media_tick_lateness_seconds_bucket{{le=\"{}\"}} {cumulative}",
                *le as f64 / 1e6
            );
        }
        cumulative += self.lateness_buckets[LATENESS_BUCKETS_US.len()].load(Ordering::Relaxed);
        let _ = writeln!(
            o,
            "ums_media_tick_lateness_seconds_bucket{{le=\"+Inf\"}} {cumulative}"
        );
        let _ = writeln!(
            o,
            "ums_media_tick_lateness_seconds_sum {}",
            self.lateness_sum_us.load(Ordering::Relaxed) as f64 / 1e6
        );
        let _ = writeln!(o, "ums_media_tick_lateness_seconds_count {cumulative}");
        head(
            &mut o,
            "ums_media_tick_lateness_max_seconds",
            "gauge",
            "The latest a media tick has started since the gateway started.",
        );
        let _ = writeln!(
            o,
            "ums_media_tick_lateness_max_seconds {}",
            self.lateness_max_us.load(Ordering::Relaxed) as f64 / 1e6
        );
        o
    }
}

fn direction_name(d: Direction) -> &'static str {
    match d {
        Direction::Outgoing => "outgoing",
        Direction::Incoming => "incoming",
    }
}

fn escape_label(v: &str) -> String {
    v.replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// How late the media thread is, given the tick's deadline.
#[allow(clippy::disallowed_methods)] // driver shell: the media thread's wall clock
pub fn lateness_since(deadline: Instant) -> Duration {
    Instant::now().saturating_duration_since(deadline)
}

/// Answer scrapes on `listener` until the task is aborted. `GET /metrics`
/// (or `/`) gets the text; anything else a 404 or 405.
pub async fn serve(listener: TcpListener, metrics: Arc<Metrics>) {
    loop {
        let Ok((conn, _)) = listener.accept().await else {
            tokio::time::sleep(Duration::from_millis(100)).await;
            continue;
        };
        let metrics = Arc::clone(&metrics);
        tokio::spawn(async move {
            let _ = tokio::time::timeout(Duration::from_secs(10), answer(conn, metrics)).await;
        });
    }
}

async fn answer(mut conn: TcpStream, metrics: Arc<Metrics>) -> std::io::Result<()> {
    let mut buf = Vec::with_capacity(1024);
    let mut chunk = [0u8; 1024];
    while !buf.windows(4).any(|w| w == b"\r\n\r\n") && !buf.windows(2).any(|w| w == b"\n\n") {
        let n = conn.read(&mut chunk).await?;
        if n == 0 {
            return Ok(());
        }
        buf.extend_from_slice(&chunk[..n]);
        if buf.len() > 8192 {
            return respond(
                &mut conn,
                "431 Request Header Fields Too Large",
                "text/plain",
                "request too large\n",
            )
            .await;
        }
    }
    let head = String::from_utf8_lossy(&buf);
    let mut parts = head.lines().next().unwrap_or_default().split_whitespace();
    let (method, path) = (parts.next().unwrap_or(""), parts.next().unwrap_or(""));
    let path = path.split('?').next().unwrap_or("");
    if method != "GET" {
        return respond(
            &mut conn,
            "405 Method Not Allowed",
            "text/plain",
            "GET /metrics\n",
        )
        .await;
    }
    if path != "/metrics" && path != "/" {
        return respond(&mut conn, "404 Not Found", "text/plain", "GET /metrics\n").await;
    }
    let body = tokio::task::spawn_blocking(move || metrics.render())
        .await
        .unwrap_or_else(|_| String::new());
    respond(
        &mut conn,
        "200 OK",
        "text/plain; version=0.0.4; charset=utf-8",
        &body,
    )
    .await
}

async fn respond(
    conn: &mut TcpStream,
    status: &str,
    ctype: &str,
    body: &str,
) -> std::io::Result<()> {
    let head = format!(
        "HTTP/1.1 {status}\r\nContent-Type: {ctype}\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
        body.len()
    );
    conn.write_all(head.as_bytes()).await?;
    conn.write_all(body.as_bytes()).await?;
    conn.shutdown().await
}

/// Bind the metrics listener (at start: a port in use stops the start
/// with a clear error).
pub async fn bind(addr: SocketAddr) -> std::io::Result<TcpListener> {
    TcpListener::bind(addr).await
}
