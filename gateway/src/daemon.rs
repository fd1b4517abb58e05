//! The gateway wired together: SMTP connector → kernel store → runner on
//! the lines → notifier → outbox → delivery to the mail server.
//!
//! Threads: the media thread (real-time ticker, 20 ms) owns the lines, the
//! runner and the simulated far ends; tokio runs the SMTP listener and
//! outbound delivery. They meet in the store (every hand-over is flushed
//! first) and in one channel that tells the runner about new messages.
//!
//! This is the core the daemon (`ums serve`, issue 6) will run; the
//! whole-system tests start it in-process.

use std::net::SocketAddr;
use std::ops::ControlFlow;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use kernel::accept::Acceptor;
use kernel::directory::Directory;
use kernel::job::RetryPolicy;
use kernel::message::{MessageId, Service, Timestamp};
use kernel::notify::{DeliveryMode, Notifier};
use kernel::numbering::{DialPolicy, NumberingPlan, RateLimiter};
use kernel::report::{Language, ReportConfig};
use kernel::routing::{Router, Rule};
use kernel::runner::{InboundConfig, LineSpec, Runner, RunnerConfig};
use kernel::store::Store;
use line_drivers::clock::MediaTicker;
use line_drivers::fax_machine::VirtualFaxMachine;
use line_drivers::loopback::{ExchangeConfig, SharedExchange};
use line_drivers::{Line, LineCaps};
use smtp::outbound::{Delivery, OutboundConfig, SmartHost};
use smtp::policy::{GatewayPolicy, Network};
use smtp::server::{serve, ServerConfig};

/// Everything the gateway needs to know.
pub struct GatewaySetup {
    pub data_dir: PathBuf,
    pub smtp_listen: SocketAddr,
    pub hostname: String,
    pub plan: NumberingPlan,
    pub directory: Directory,
    pub rules: Vec<Rule>,
    pub service_domains: Vec<(String, Service)>,
    pub allowed_networks: Vec<Network>,
    pub auth_users: Vec<(String, String)>,
    pub smart_host: Option<SmartHost>,
    pub mode: DeliveryMode,
    pub report: ReportConfig,
    /// Our loopback lines (their numbers on the virtual exchange).
    pub lines: Vec<String>,
    /// Numbers on the virtual exchange answered by a virtual fax machine.
    pub virtual_fax_numbers: Vec<String>,
    pub retry: RetryPolicy,
    pub ident: String,
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Messages per sender and window (seconds).
    pub rate_limit: (u32, u64),
    /// Serve Prometheus metrics here (`GET /metrics`); `None`: off.
    pub metrics_listen: Option<SocketAddr>,
}

/// A running gateway. Dropping it does not stop it; call [`Running::stop`].
pub struct Running {
    pub smtp_addr: SocketAddr,
    /// Where the metrics listener is bound, if it is on.
    pub metrics_addr: Option<SocketAddr>,
    pub store: Store,
    stop: Arc<AtomicBool>,
    ticker: Option<MediaTicker>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
}

impl Running {
    /// Stop the media thread and the tasks. The store is consistent at any
    /// moment; this only ends the work.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        for t in self.tasks.drain(..) {
            t.abort();
        }
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
    }
}

#[allow(clippy::disallowed_methods)] // driver shell: the wall clock
fn wall_clock() -> Timestamp {
    Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
    )
}

#[derive(Debug, thiserror::Error)]
pub enum StartError {
    #[error("data directory {0}: {1}")]
    DataDir(PathBuf, std::io::Error),
    #[error("store: {0}")]
    Store(#[from] kernel::store::StoreError),
    #[error("routing configuration: {0}")]
    Routing(#[from] kernel::routing::RoutingError),
    #[error("SMTP listener on {0}: {1}")]
    Listen(SocketAddr, std::io::Error),
    #[error("media thread: {0}")]
    Media(std::io::Error),
    #[error("metrics listener on {0}: {1}")]
    Metrics(SocketAddr, std::io::Error),
}

/// Start the gateway inside the current tokio runtime.
pub async fn start(setup: GatewaySetup) -> Result<Running, StartError> {
    let spool = setup.data_dir.join("spool");
    std::fs::create_dir_all(&spool).map_err(|e| StartError::DataDir(spool.clone(), e))?;
    let store = Store::open(&setup.data_dir.join("store"))?;
    let notifier = Notifier::new(setup.report.clone(), setup.mode);
    let router = Router::new(
        setup.plan.clone(),
        setup.directory.clone(),
        setup.rules.clone(),
    )?;
    let (adopt_tx, adopt_rx) = mpsc::channel::<Vec<MessageId>>();
    let metrics = Arc::new(crate::metrics::Metrics::new(
        store.clone(),
        setup.data_dir.join("dead-letter"),
        &setup.lines,
    ));

    // The SMTP connector.
    let acceptor = Acceptor::new(
        setup.plan.clone(),
        DialPolicy::new(&setup.plan),
        setup.directory.clone(),
        RateLimiter::new(setup.rate_limit.0, setup.rate_limit.1),
        setup.service_domains.clone(),
    );
    let adopt_tx = Mutex::new(adopt_tx);
    let policy = GatewayPolicy {
        acceptor: Mutex::new(acceptor),
        store: store.clone(),
        notifier: notifier.clone(),
        allowed_networks: setup.allowed_networks.clone(),
        users: setup.auth_users.clone(),
        spool: spool.clone(),
        on_accepted: Box::new(move |ids| {
            let _ = adopt_tx.lock().expect("not poisoned").send(ids);
        }),
        clock: Box::new(wall_clock),
    };
    let listener = tokio::net::TcpListener::bind(setup.smtp_listen)
        .await
        .map_err(|e| StartError::Listen(setup.smtp_listen, e))?;
    let smtp_addr = listener
        .local_addr()
        .map_err(|e| StartError::Listen(setup.smtp_listen, e))?;
    let session = smtp::engine::SessionConfig {
        hostname: setup.hostname.clone(),
        tls_available: setup.tls.is_some(),
        ..smtp::engine::SessionConfig::default()
    };
    let server_config = Arc::new(ServerConfig {
        session,
        tls: setup.tls.clone(),
        max_connections_per_client: 20,
    });
    let mut tasks = vec![tokio::spawn(async move {
        let _ = serve(listener, server_config, Arc::new(policy)).await;
    })];
    let metrics_addr = match setup.metrics_listen {
        Some(addr) => {
            let l = crate::metrics::bind(addr)
                .await
                .map_err(|e| StartError::Metrics(addr, e))?;
            let bound = l.local_addr().map_err(|e| StartError::Metrics(addr, e))?;
            tasks.push(tokio::spawn(crate::metrics::serve(l, Arc::clone(&metrics))));
            Some(bound)
        }
        None => None,
    };

    // Outbound delivery.
    // Mail leaves through the smart host, or without one straight to the
    // recipients' MX hosts. In local-store mode only error notices are in
    // the outbox; one that cannot be delivered ends as a dead letter.
    {
        let mut delivery = Delivery::new(
            store.clone(),
            OutboundConfig {
                smart_host: setup.smart_host.clone(),
                resolver: None,
                mx_port: smtp::outbound::DEFAULT_MX_PORT,
                dead_letter_dir: setup.data_dir.join("dead-letter"),
                backoff_secs: vec![30, 120, 600],
                max_attempts: 10,
                hello_name: setup.hostname.clone(),
                timeout: Duration::from_secs(30),
            },
            notifier.clone(),
        );
        let metrics = Arc::clone(&metrics);
        tasks.push(tokio::spawn(async move {
            loop {
                let _ = delivery.deliver_due(wall_clock()).await;
                let m = delivery.metrics;
                metrics.set_delivery(crate::metrics::DeliveryCounts {
                    delivered: m.delivered,
                    deferred: m.deferred,
                    bounced: m.bounced,
                    dead_letters: m.dead_letters,
                });
                tokio::time::sleep(Duration::from_millis(200)).await;
            }
        }));
    }

    // The media thread: lines, runner, simulated far ends.
    let stop = Arc::new(AtomicBool::new(false));
    let stop_media = Arc::clone(&stop);
    let media_store = store.clone();
    let media_metrics = Arc::clone(&metrics);
    let config = MediaConfig {
        lines: setup.lines.clone(),
        virtual_fax_numbers: setup.virtual_fax_numbers.clone(),
        retry: setup.retry.clone(),
        ident: setup.ident.clone(),
        spool: spool.clone(),
        plan: setup.plan.clone(),
        router: Some(router),
    };
    let ticker = MediaTicker::spawn_with(fax_t30::media::FRAME_DURATION, move || {
        // Built on the media thread: the lines share the exchange by Rc.
        let mut state = MediaState::new(config, media_store.clone());
        if let Err(e) = &state {
            eprintln!("<3>ums: media thread cannot start: {e}");
        }
        // systemd's watchdog is pinged from here: a stalled media loop
        // stops the pings and gets the service restarted.
        let watchdog_every = crate::sd_notify::watchdog_interval()
            .map(|d| (d.as_millis() / fax_t30::media::FRAME_DURATION.as_millis()).max(1) as u64);
        let mut ticks = 0u64;
        move |now| {
            media_metrics.record_tick(crate::metrics::lateness_since(now));
            let Ok(st) = state.as_mut() else {
                return ControlFlow::Break(());
            };
            ticks += 1;
            if watchdog_every.is_some_and(|n| ticks.is_multiple_of(n)) {
                crate::sd_notify::notify("WATCHDOG=1");
            }
            if stop_media.load(Ordering::SeqCst) {
                return ControlFlow::Break(());
            }
            while let Ok(ids) = adopt_rx.try_recv() {
                let _ = st.runner.adopt(&ids);
            }
            st.exchange.tick(now);
            for m in &mut st.machines {
                m.tick(now);
            }
            let wall = wall_clock();
            if let Err(e) = st.runner.tick(now, wall) {
                eprintln!("<3>ums: store write failed: {e}");
            }
            media_metrics.set_lines_busy(st.runner.lines_busy());
            for (id, effect) in st.runner.take_effects() {
                if let Ok(Some(rec)) = media_store.get(id) {
                    let mails = notifier.mails_for(&rec, &effect, Language::En, wall);
                    if let Err(e) = notifier.enqueue(&media_store, &mails) {
                        eprintln!("<3>ums: outbox write failed: {e}");
                    }
                }
            }
            for id in st.runner.take_received() {
                if let Err(e) = notifier.deliver_incoming(&media_store, id, Language::En, wall)
                {
                    eprintln!("<3>ums: incoming message {id} not delivered: {e}");
                }
            }
            ControlFlow::Continue(())
        }
    })
    .map_err(StartError::Media)?;

    Ok(Running {
        smtp_addr,
        metrics_addr,
        store,
        stop,
        ticker: Some(ticker),
        tasks,
    })
}

struct MediaConfig {
    lines: Vec<String>,
    virtual_fax_numbers: Vec<String>,
    retry: RetryPolicy,
    ident: String,
    spool: PathBuf,
    plan: NumberingPlan,
    router: Option<Router>,
}

/// What lives on the media thread (not `Send`: the exchange is shared by
/// its lines through `Rc`).
struct MediaState {
    exchange: SharedExchange,
    runner: Runner,
    machines: Vec<VirtualFaxMachine>,
}

impl MediaState {
    fn new(mut c: MediaConfig, store: Store) -> Result<MediaState, String> {
        let exchange = SharedExchange::new(ExchangeConfig::default());
        let mut lines = Vec::new();
        for n in &c.lines {
            let line: Box<dyn Line> = Box::new(
                exchange
                    .add_line(n, LineCaps::FAX)
                    .map_err(|e| e.to_string())?,
            );
            lines.push(LineSpec::from(line));
        }
        let far = c.spool.join("far-end");
        std::fs::create_dir_all(&far).map_err(|e| e.to_string())?;
        let mut machines = Vec::new();
        for n in &c.virtual_fax_numbers {
            let line: Box<dyn Line> = Box::new(
                exchange
                    .add_line(n, LineCaps::FAX)
                    .map_err(|e| e.to_string())?,
            );
            let dir = far.join(n);
            std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
            machines.push(VirtualFaxMachine::new(line, dir, &format!("VIRTUAL {n}")));
        }
        let config = RunnerConfig {
            policy: c.retry.clone(),
            ident: c.ident.clone(),
            header: Some(c.ident.clone()),
            document_cache: Some(c.spool.join("sending")),
            ..RunnerConfig::default()
        };
        let runner = Runner::new(store, config, lines, wall_clock()).map_err(|e| e.to_string())?;
        let runner = match c.router.take() {
            Some(router) => runner.with_inbound(InboundConfig {
                router,
                plan: c.plan.clone(),
                spool: c.spool.clone(),
                ident: c.ident.clone(),
            }),
            None => runner,
        };
        Ok(MediaState {
            exchange,
            runner,
            machines,
        })
    }
}
