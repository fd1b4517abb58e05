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
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};
use std::sync::{mpsc, Arc, Mutex};
use std::time::Duration;

use crate::simnet::{MediaRequest, SimNet};
use kernel::accept::Acceptor;
use kernel::directory::Directory;
use kernel::job::RetryPolicy;
use kernel::message::{MessageId, Service, Timestamp};
use kernel::notify::{DeliveryMode, Notifier};
use kernel::numbering::{DialPolicy, NumberingPlan, Pattern, RateLimiter};
use kernel::report::{Language, ReportConfig};
use kernel::routing::{Router, Rule};
use kernel::runner::{InboundConfig, LineSpec, Runner, RunnerConfig};
use kernel::store::Store;
use line_drivers::clock::MediaTicker;
use smtp::outbound::{Delivery, OutboundConfig, SmartHost};
use smtp::policy::{GatewayPolicy, Network};
use smtp::server::ServerConfig;

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
    /// Numbers of the simulated network with a virtual fax machine from
    /// the start (every other number dialled gets one when first dialled;
    /// see [`crate::simnet`]).
    pub virtual_fax_numbers: Vec<String>,
    pub retry: RetryPolicy,
    pub ident: String,
    pub tls: Option<Arc<rustls::ServerConfig>>,
    /// Messages per sender and window (seconds).
    pub rate_limit: (u32, u64),
    /// The Prometheus endpoint (`[metrics] listen`); `None`: off.
    pub metrics_listen: Option<SocketAddr>,
    /// The rest of the configuration file's settings.
    pub options: SetupOptions,
}

/// Settings with a default that is today's behaviour (see `config/ums.toml`).
#[derive(Debug, Clone)]
pub struct SetupOptions {
    /// Dialling policy patterns beyond the users' permissions.
    pub dial_allow: Vec<Pattern>,
    pub dial_deny: Vec<Pattern>,
    /// `None`: `dead-letter` in the data directory.
    pub dead_letter_dir: Option<PathBuf>,
    /// Language of reports to people outside the directory.
    pub language: Language,
    /// Header line on sent pages; `None`: the ident.
    pub header: Option<String>,
    pub max_message_size: usize,
    pub max_recipients: usize,
    pub max_connections_per_client: usize,
    pub delivery_backoff_secs: Vec<u64>,
    pub delivery_max_attempts: u32,
    pub delivery_timeout: Duration,
    /// How long a stop waits for calls in progress.
    pub stop_timeout: Duration,
    /// Paper, resolution and cover of rendered mail (`[render]`).
    pub render: kernel::render::RenderOptions,
    /// Voicemail (`[voice]`), for numbers routed to voice on lines that
    /// carry audio.
    pub voice: kernel::voice::VoiceSettings,
    /// SIP trunks (`[[trunk]]`), each `channels` lines, next to the
    /// loopback lines.
    pub sip_trunks: Vec<line_drivers::sip::SipTrunkConfig>,
}

impl Default for SetupOptions {
    fn default() -> Self {
        let session = smtp::engine::SessionConfig::default();
        SetupOptions {
            dial_allow: Vec::new(),
            dial_deny: Vec::new(),
            dead_letter_dir: None,
            language: Language::En,
            header: None,
            max_message_size: session.max_message_size,
            max_recipients: session.max_recipients,
            max_connections_per_client: 20,
            delivery_backoff_secs: vec![30, 120, 600],
            delivery_max_attempts: 10,
            delivery_timeout: Duration::from_secs(30),
            stop_timeout: Duration::from_secs(120),
            render: kernel::render::RenderOptions::default(),
            voice: kernel::voice::VoiceSettings::default(),
            sip_trunks: Vec::new(),
        }
    }
}

/// What a configuration reload (SIGHUP) swaps in a running gateway:
/// routing, users and the SMTP policy. Calls in progress are not touched.
#[derive(Debug, Clone)]
pub struct Reload {
    pub plan: NumberingPlan,
    pub directory: Directory,
    pub rules: Vec<Rule>,
    pub dial_allow: Vec<Pattern>,
    pub dial_deny: Vec<Pattern>,
    pub service_domains: Vec<(String, Service)>,
    pub allowed_networks: Vec<Network>,
    pub auth_users: Vec<(String, String)>,
    pub rate_limit: (u32, u64),
    /// The own report texts (`reports.templates_dir`).
    pub templates: crate::config::templates::OwnTexts,
    /// Paper, resolution and cover of rendered mail (`[render]`).
    pub render: kernel::render::RenderOptions,
    /// The `[[trunk]]` sections: added trunks start, removed ones stop
    /// once their calls end, changed ones are replaced when idle.
    pub sip_trunks: Vec<line_drivers::sip::SipTrunkConfig>,
}

impl GatewaySetup {
    /// The parts a reload can change, as this setup has them.
    pub fn reloadable(&self) -> Reload {
        Reload {
            plan: self.plan.clone(),
            directory: self.directory.clone(),
            rules: self.rules.clone(),
            dial_allow: self.options.dial_allow.clone(),
            dial_deny: self.options.dial_deny.clone(),
            service_domains: self.service_domains.clone(),
            allowed_networks: self.allowed_networks.clone(),
            auth_users: self.auth_users.clone(),
            rate_limit: self.rate_limit,
            templates: self.report.templates.texts(),
            render: self.options.render.clone(),
            sip_trunks: self.options.sip_trunks.clone(),
        }
    }
}

impl Reload {
    fn acceptor(&self) -> Acceptor {
        let mut policy = DialPolicy::new(&self.plan);
        policy.allow = self.dial_allow.clone();
        policy.deny = self.dial_deny.clone();
        Acceptor::new(
            self.plan.clone(),
            policy,
            self.directory.clone(),
            RateLimiter::new(self.rate_limit.0, self.rate_limit.1),
            self.service_domains.clone(),
        )
    }
}

/// Messages from the owner to the media thread.
enum MediaControl {
    /// New inbound routing (a reload).
    Routing(Box<Router>, NumberingPlan),
    /// Start no more calls (a stop).
    Drain,
    /// The `[[trunk]]` sections of a reload.
    Trunks(Vec<line_drivers::sip::SipTrunkConfig>),
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
    listener: Option<tokio::task::JoinHandle<()>>,
    policy: Arc<GatewayPolicy>,
    control: Mutex<mpsc::Sender<MediaControl>>,
    /// Calls in progress, as the media thread last counted them.
    calls: Arc<AtomicUsize>,
    /// Stops the SMTP listener and its sessions.
    smtp_stop: smtp::server::StopSignal,
}

impl Running {
    /// Stop the media thread and the tasks. The store is consistent at any
    /// moment; this only ends the work.
    pub fn stop(mut self) {
        self.stop.store(true, Ordering::SeqCst);
        if let Some(t) = self.listener.take() {
            t.abort();
        }
        for t in self.tasks.drain(..) {
            t.abort();
        }
        if let Some(t) = self.ticker.take() {
            let _ = t.join();
        }
    }

    /// Swap routing, users and the SMTP policy. The new routing is checked
    /// first; on an error nothing changes. Calls in progress keep going;
    /// the next SMTP command and the next incoming call see the new setup.
    pub fn reload(&self, r: Reload) -> Result<(), StartError> {
        let router = Router::new(r.plan.clone(), r.directory.clone(), r.rules.clone())?;
        {
            // The senders' counts carry over; only the limits change.
            let mut acceptor = r.acceptor();
            let mut current = self.policy.acceptor.lock().expect("not poisoned");
            let mut limiter = std::mem::replace(current.limiter_mut(), RateLimiter::new(0, 0));
            limiter.set_limits(r.rate_limit.0, r.rate_limit.1);
            *acceptor.limiter_mut() = limiter;
            *current = acceptor;
        }
        *self.policy.allowed_networks.write().expect("not poisoned") = r.allowed_networks;
        *self.policy.users.write().expect("not poisoned") = r.auth_users;
        // Shared by every clone of the report configuration (notifier of
        // the runner, the outbox, the SMTP policy).
        self.policy.notifier.config.templates.replace(r.templates);
        *self.policy.render.write().expect("not poisoned") = r.render;
        let control = self.control.lock().expect("not poisoned");
        let _ = control.send(MediaControl::Routing(Box::new(router), r.plan));
        let _ = control.send(MediaControl::Trunks(r.sip_trunks));
        Ok(())
    }

    /// Close the SMTP listener: new connections are refused; open sessions
    /// get `421 4.3.2` at once, or, while a message is being received,
    /// after its answer (what they are answered 250 for is stored).
    pub fn stop_accepting(&mut self) {
        self.smtp_stop.stop();
        if let Some(t) = self.listener.take() {
            t.abort();
        }
    }

    /// SMTP sessions still open.
    pub fn smtp_sessions(&self) -> usize {
        self.smtp_stop.open_sessions()
    }

    /// Start no more calls; the ones in progress go on.
    pub fn drain(&self) {
        let _ = self
            .control
            .lock()
            .expect("not poisoned")
            .send(MediaControl::Drain);
    }

    /// Calls in progress on our lines.
    pub fn calls_in_progress(&self) -> usize {
        self.calls.load(Ordering::SeqCst)
    }

    /// The graceful stop: stop accepting, let calls in progress finish for
    /// up to `timeout`, stop, flush the store. Returns the calls that were
    /// still going at the timeout (their jobs are retried after a restart).
    pub async fn shutdown(mut self, timeout: Duration) -> usize {
        self.stop_accepting();
        self.drain();
        #[allow(clippy::disallowed_methods)] // driver shell: the stop deadline
        let deadline = tokio::time::Instant::now() + timeout;
        // The media thread counts after it has taken the drain message.
        tokio::time::sleep(Duration::from_millis(100)).await;
        loop {
            let n = self.calls_in_progress() + self.smtp_sessions();
            #[allow(clippy::disallowed_methods)] // driver shell
            let now = tokio::time::Instant::now();
            if n == 0 || now >= deadline {
                break;
            }
            tokio::time::sleep(Duration::from_millis(100)).await;
        }
        let left = self.calls_in_progress();
        let store = self.store.clone();
        self.stop();
        if let Err(e) = store.flush() {
            crate::ulog!(Err, "store-flush-failed", "store flush at stop failed: {e}");
        }
        left
    }
}

#[allow(clippy::disallowed_methods)] // driver shell: the media clock the SIP lines start on
fn media_clock() -> std::time::Instant {
    std::time::Instant::now()
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
    #[error("control socket {0}: {1}")]
    Control(PathBuf, std::io::Error),
    #[error("media thread: {0}")]
    Media(std::io::Error),
    #[error("TLS: {0}")]
    Tls(#[from] smtp::tls::TlsError),
    #[error("metrics listener on {0}: {1}")]
    Metrics(SocketAddr, std::io::Error),
    #[error("SIP trunk {0}: {1}")]
    Trunk(String, String),
}

/// Start the gateway inside the current tokio runtime.
pub async fn start(setup: GatewaySetup) -> Result<Running, StartError> {
    let spool = setup.data_dir.join("spool");
    std::fs::create_dir_all(&spool).map_err(|e| StartError::DataDir(spool.clone(), e))?;
    let dead_letter_dir = setup
        .options
        .dead_letter_dir
        .clone()
        .unwrap_or_else(|| setup.data_dir.join("dead-letter"));
    std::fs::create_dir_all(&dead_letter_dir)
        .map_err(|e| StartError::DataDir(dead_letter_dir.clone(), e))?;
    let store = Store::open(&setup.data_dir.join("store"))?;
    let notifier = Notifier::new(setup.report.clone(), setup.mode);
    let router = Router::new(
        setup.plan.clone(),
        setup.directory.clone(),
        setup.rules.clone(),
    )?;
    let (adopt_tx, adopt_rx) = mpsc::channel::<Vec<MessageId>>();
    let (control_tx, control_rx) = mpsc::channel::<MediaControl>();
    let calls = Arc::new(AtomicUsize::new(0));
    let metrics = Arc::new(crate::metrics::Metrics::new(
        store.clone(),
        dead_letter_dir.clone(),
        &setup.lines,
    ));

    // The render pool: accepted fax mails become pages after their 250
    // (one worker per core, at a lower priority than the SMTP path). First
    // the mails a crash left unrendered.
    // `[render]` (paper, resolution, cover): shared by the pool and the
    // policy, swapped on reload; a mail is rendered with what holds when
    // its turn comes.
    let render_options = Arc::new(std::sync::RwLock::new(setup.options.render.clone()));
    // Accepted fax mails as received; the store syncs it in its group
    // commit. Segments no unrendered record names are dropped here.
    let unrendered = store.unrendered()?;
    let live = unrendered
        .iter()
        .filter_map(|r| r.message.raw_mail.as_deref());
    let raw_dir = spool.join("raw");
    let raw_spool = Arc::new(
        kernel::spool::RawSpool::open(&raw_dir, live)
            .map_err(|e| StartError::DataDir(raw_dir.clone(), e))?,
    );
    store.attach_spool(raw_spool.clone());
    let render_pool = Arc::new(smtp::render::RenderPool::start(
        smtp::render::Renderer {
            options: render_options.clone(),
            store: store.clone(),
            notifier: notifier.clone(),
            spool: spool.clone(),
            raw_spool: raw_spool.clone(),
            on_rendered: {
                let adopt_tx = Mutex::new(adopt_tx.clone());
                Box::new(move |ids| {
                    let _ = adopt_tx.lock().expect("not poisoned").send(ids);
                })
            },
            clock: Box::new(wall_clock),
        },
        std::thread::available_parallelism().map_or(2, |n| n.get()),
    ));
    render_pool.recover(unrendered, &spool);

    // The SMTP connector.
    let acceptor = setup.reloadable().acceptor();
    let adopt_tx = Mutex::new(adopt_tx);
    let policy = GatewayPolicy {
        acceptor: Mutex::new(acceptor),
        store: store.clone(),
        notifier: notifier.clone(),
        allowed_networks: std::sync::RwLock::new(setup.allowed_networks.clone()),
        users: std::sync::RwLock::new(setup.auth_users.clone()),
        raw_spool,
        render_pool,
        on_accepted: Box::new(move |ids| {
            let _ = adopt_tx.lock().expect("not poisoned").send(ids);
        }),
        clock: Box::new(wall_clock),
        render: render_options,
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
        max_message_size: setup.options.max_message_size,
        max_recipients: setup.options.max_recipients,
        ..smtp::engine::SessionConfig::default()
    };
    let server_config = Arc::new(ServerConfig {
        session,
        tls: setup.tls.clone(),
        max_connections_per_client: setup.options.max_connections_per_client,
    });
    let policy = Arc::new(policy);
    let serve_policy: Arc<GatewayPolicy> = Arc::clone(&policy);
    let smtp_stop = smtp::server::StopSignal::default();
    let listener = {
        let stop = smtp_stop.clone();
        tokio::spawn(async move {
            let _ = smtp::server::serve_until(listener, server_config, serve_policy, stop).await;
        })
    };
    let mut tasks = Vec::new();
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

    // The control socket of the client tools (`ums status`, `ums send`, ...).
    let (media_tx, media_rx) = mpsc::channel::<MediaRequest>();
    tasks.push(
        crate::control::start(crate::control::ControlContext {
            data_dir: setup.data_dir.clone(),
            store: store.clone(),
            policy: Arc::clone(&policy),
            media: Mutex::new(media_tx),
            default_from: setup.directory.users.first().map(|u| u.email.clone()),
            fax_domain: setup
                .service_domains
                .iter()
                .find(|(_, s)| *s == Service::Fax)
                .map(|(d, _)| d.clone()),
        })
        .map_err(|e| StartError::Control(setup.data_dir.join(crate::control::SOCKET), e))?,
    );

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
                dead_letter_dir,
                backoff_secs: setup.options.delivery_backoff_secs.clone(),
                max_attempts: setup.options.delivery_max_attempts,
                hello_name: setup.hostname.clone(),
                timeout: setup.options.delivery_timeout,
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
    let media_calls = Arc::clone(&calls);
    let language = setup.options.language;
    let media_store = store.clone();
    let media_metrics = Arc::clone(&metrics);
    // The trunks are bound on the media thread (they share their socket
    // among their channels by Rc); the start waits for that.
    let (ready_tx, ready_rx) = mpsc::channel::<Result<(), StartError>>();
    let config = MediaConfig {
        lines: setup.lines.clone(),
        sip_trunks: (setup.options.sip_trunks.iter())
            .map(|t| with_memory_file(t.clone(), &setup.data_dir))
            .collect(),
        data_dir: setup.data_dir.clone(),
        virtual_fax_numbers: setup.virtual_fax_numbers.clone(),
        retry: setup.retry.clone(),
        ident: setup.ident.clone(),
        header: setup.options.header.clone(),
        spool: spool.clone(),
        plan: setup.plan.clone(),
        router: Some(router),
        network_dir: setup.data_dir.join("virtual-network"),
        voice: setup.options.voice.clone(),
    };
    let base_forms = crate::simnet::base_forms(&setup.plan);
    let ticker = MediaTicker::spawn_with(fax_t30::media::FRAME_DURATION, move || {
        // Built on the media thread: the lines share the exchange by Rc.
        let mut state = match bind_trunks(&config.sip_trunks) {
            Ok(trunks) => MediaState::new(config, media_store.clone(), trunks),
            Err(e) => {
                let _ = ready_tx.send(Err(e));
                Err(String::new())
            }
        };
        match &state {
            Ok(_) => {
                let _ = ready_tx.send(Ok(()));
            }
            Err(e) if !e.is_empty() => {
                crate::ulog!(Err, "media-start-failed", "media thread cannot start: {e}");
                let _ = ready_tx.send(Ok(()));
            }
            Err(_) => {}
        }
        // systemd's watchdog is pinged from here: a stalled media loop
        // stops the pings and gets the service restarted.
        let watchdog_every = crate::sd_notify::watchdog_interval()
            .map(|d| (d.as_millis() / fax_t30::media::FRAME_DURATION.as_millis()).max(1) as u64);
        let mut ticks = 0u64;
        // Test failpoint `UMS_FAILPOINT=stall:media@N`: the loop hangs at
        // its Nth tick, as a deadlocked driver would (the watchdog test).
        let stall_at = std::env::var("UMS_FAILPOINT")
            .ok()
            .and_then(|f| f.strip_prefix("stall:media@")?.parse::<u64>().ok());
        move |now| {
            media_metrics.record_tick(crate::metrics::lateness_since(now));
            let Ok(st) = state.as_mut() else {
                return ControlFlow::Break(());
            };
            ticks += 1;
            if stall_at == Some(ticks) {
                crate::ulog!(
                    Warning,
                    "failpoint",
                    "media loop stalls here (UMS_FAILPOINT)"
                );
                loop {
                    std::thread::park();
                }
            }
            if watchdog_every.is_some_and(|n| ticks.is_multiple_of(n)) {
                crate::sd_notify::notify("WATCHDOG=1");
            }
            if stop_media.load(Ordering::SeqCst) {
                return ControlFlow::Break(());
            }
            while let Ok(ids) = adopt_rx.try_recv() {
                let _ = st.runner.adopt(&ids);
            }
            while let Ok(c) = control_rx.try_recv() {
                match c {
                    MediaControl::Routing(router, plan) => {
                        if let Some(inbound) = st.runner.inbound_mut() {
                            inbound.router = *router;
                            inbound.plan = plan;
                        }
                    }
                    MediaControl::Drain => st.runner.drain(),
                    MediaControl::Trunks(cfgs) => st.reload_trunks(cfgs),
                }
            }
            st.net.tick(now);
            st.swap_trunks();
            for t in &st.sip {
                t.trunk.tick(now);
                // A channel out of service (ports taken at bind, a socket
                // failed or flooded): the trunk's others carry on.
                while let Some(f) = t.trunk.poll_fault() {
                    crate::ulog!(Err, "sip-channel-out-of-service", "{f}");
                }
            }
            let wall = wall_clock();
            while let Ok(request) = media_rx.try_recv() {
                st.net.handle(request, &mut st.runner, &base_forms, wall);
            }
            if let Err(e) = st.runner.tick(now, wall) {
                crate::ulog!(Err, "store-write-failed", "store write failed: {e}");
            }
            let busy = st.runner.calls_in_progress();
            if media_calls.swap(busy, Ordering::SeqCst) != busy {
                crate::ulog!(Info, "calls", "{busy} call(s) in progress");
            }
            media_metrics.set_lines_busy(st.runner.lines_busy());
            for (id, effect) in st.runner.take_effects() {
                if let Ok(Some(rec)) = media_store.get(id) {
                    let mails = notifier.mails_for(&rec, &effect, language, wall);
                    if let Err(e) = notifier.enqueue(&media_store, &mails) {
                        crate::ulog!(
                            Err,
                            "outbox-write-failed",
                            call = id,
                            "outbox write failed: {e}"
                        );
                    }
                }
            }
            for id in st.runner.take_received() {
                if let Err(e) = notifier.deliver_incoming(&media_store, id, language, wall) {
                    crate::ulog!(
                        Err,
                        "incoming-not-delivered",
                        call = id,
                        "incoming message {id} not delivered: {e}"
                    );
                }
            }
            ControlFlow::Continue(())
        }
    })
    .map_err(StartError::Media)?;
    // A trunk that cannot bind its ports stops the start (the ticker has
    // ended its loop by then).
    let ready = tokio::task::spawn_blocking(move || ready_rx.recv())
        .await
        .ok()
        .and_then(Result::ok);
    if let Some(Err(e)) = ready {
        drop(ticker);
        return Err(e);
    }

    Ok(Running {
        smtp_addr,
        metrics_addr,
        store,
        stop,
        ticker: Some(ticker),
        tasks,
        listener: Some(listener),
        policy,
        control: Mutex::new(control_tx),
        calls,
        smtp_stop,
    })
}

struct MediaConfig {
    lines: Vec<String>,
    /// Bound first on the media thread (a port in use stops the start).
    sip_trunks: Vec<line_drivers::sip::SipTrunkConfig>,
    /// Where the trunks of a reload keep their T.38 memory.
    data_dir: PathBuf,
    virtual_fax_numbers: Vec<String>,
    retry: RetryPolicy,
    ident: String,
    header: Option<String>,
    spool: PathBuf,
    plan: NumberingPlan,
    router: Option<Router>,
    network_dir: PathBuf,
    voice: kernel::voice::VoiceSettings,
}

/// What lives on the media thread (not `Send`: the exchange is shared by
/// its lines through `Rc`).
struct MediaState {
    net: SimNet,
    runner: Runner,
    /// The SIP trunks of `[[trunk]]`, ticked before the runner.
    sip: Vec<RunningTrunk>,
    /// Trunks of a reload waiting for the trunk of the same name to end.
    sip_pending: Vec<line_drivers::sip::SipTrunkConfig>,
    data_dir: PathBuf,
}

/// What worked per number (T.38 or the G.711 fallback) outlives a restart:
/// one small file per trunk in the data directory (unless set already).
fn with_memory_file(
    mut c: line_drivers::sip::SipTrunkConfig,
    data_dir: &std::path::Path,
) -> line_drivers::sip::SipTrunkConfig {
    let name: String = (c.line.trunk.name.chars())
        .map(|ch| {
            if ch.is_ascii_alphanumeric() || ch == '-' || ch == '_' {
                ch
            } else {
                '_'
            }
        })
        .collect();
    c.line
        .t38_memory_file
        .get_or_insert_with(|| data_dir.join("sip-t38-memory").join(format!("{name}.txt")));
    c
}

/// A SIP trunk on the media thread.
struct RunningTrunk {
    cfg: line_drivers::sip::SipTrunkConfig,
    trunk: line_drivers::sip::SipTrunk,
    /// Its lines' names in the runner.
    lines: Vec<line_drivers::LineId>,
    /// Removed or changed by a reload: ends once its calls have.
    retiring: bool,
}

fn bind_trunks(
    cfgs: &[line_drivers::sip::SipTrunkConfig],
) -> Result<Vec<line_drivers::sip::SipTrunk>, StartError> {
    cfgs.iter()
        .map(|c| {
            line_drivers::sip::SipTrunk::bind(c.line.clone(), c.channels, media_clock())
                .map_err(|e| StartError::Trunk(c.line.trunk.name.clone(), error_chain(&e)))
        })
        .collect()
}

/// An error with its causes ("line I/O error: RTP socket: Address in use").
fn error_chain(e: &dyn std::error::Error) -> String {
    let mut s = e.to_string();
    let mut cause = e.source();
    while let Some(c) = cause {
        s.push_str(": ");
        s.push_str(&c.to_string());
        cause = c.source();
    }
    s
}

fn trunk_lines(t: &line_drivers::sip::SipTrunk) -> Vec<LineSpec> {
    let name = t.name();
    t.lines()
        .into_iter()
        .map(|l| LineSpec {
            line: Box::new(l),
            group: format!("trunk:{name}"),
        })
        .collect()
}

impl MediaState {
    fn new(
        mut c: MediaConfig,
        store: Store,
        trunks: Vec<line_drivers::sip::SipTrunk>,
    ) -> Result<MediaState, String> {
        let mut net = SimNet::new(c.network_dir.clone())?;
        let mut lines = Vec::new();
        for n in &c.lines {
            lines.push(LineSpec::from(net.add_our_line(n)?));
        }
        for n in &c.virtual_fax_numbers {
            net.add_machine(n)?;
        }
        let mut sip = Vec::new();
        for (trunk, cfg) in trunks.into_iter().zip(std::mem::take(&mut c.sip_trunks)) {
            let specs = trunk_lines(&trunk);
            sip.push(RunningTrunk {
                cfg,
                lines: specs.iter().map(|s| s.line.id().clone()).collect(),
                trunk,
                retiring: false,
            });
            lines.extend(specs);
        }
        let config = RunnerConfig {
            policy: c.retry.clone(),
            ident: c.ident.clone(),
            header: Some(c.header.clone().unwrap_or_else(|| c.ident.clone())),
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
        // Used on lines that carry audio (not the loopback fax lines).
        let runner = runner.with_voice(c.voice.clone());
        Ok(MediaState {
            net,
            runner,
            sip,
            sip_pending: Vec::new(),
            data_dir: c.data_dir.clone(),
        })
    }

    /// A reload's trunks: a running trunk that is gone or changed is
    /// retired (no new calls; it ends when its calls have); a new or
    /// changed one starts once no trunk of its name runs.
    fn reload_trunks(&mut self, cfgs: Vec<line_drivers::sip::SipTrunkConfig>) {
        let cfgs: Vec<_> = (cfgs.into_iter())
            .map(|c| with_memory_file(c, &self.data_dir))
            .collect();
        for t in self.sip.iter_mut().filter(|t| !t.retiring) {
            if !cfgs.contains(&t.cfg) {
                t.retiring = true;
                t.trunk.retire();
                crate::ulog!(
                    Notice,
                    "trunk-retiring",
                    "trunk {} takes no new calls and stops when its calls end",
                    t.cfg.line.trunk.name
                );
            }
        }
        self.sip_pending = cfgs
            .into_iter()
            .filter(|c| !self.sip.iter().any(|t| !t.retiring && t.cfg == *c))
            .collect();
    }

    /// Ends retired trunks whose calls are over; starts pending trunks
    /// whose name is free.
    fn swap_trunks(&mut self) {
        let runner = &mut self.runner;
        self.sip.retain(|t| {
            if !t.retiring || !t.trunk.is_idle() {
                return true;
            }
            let gone = t.lines.iter().all(|id| runner.remove_line(id));
            if gone {
                crate::ulog!(
                    Notice,
                    "trunk-stopped",
                    "trunk {} stopped",
                    t.cfg.line.trunk.name
                );
            }
            !gone
        });
        let pending = std::mem::take(&mut self.sip_pending);
        for cfg in pending {
            let name = &cfg.line.trunk.name;
            if self.sip.iter().any(|t| &t.cfg.line.trunk.name == name) {
                self.sip_pending.push(cfg);
                continue;
            }
            match line_drivers::sip::SipTrunk::bind(cfg.line.clone(), cfg.channels, media_clock()) {
                Ok(trunk) => {
                    let specs = trunk_lines(&trunk);
                    let lines = specs.iter().map(|s| s.line.id().clone()).collect();
                    for s in specs {
                        self.runner.add_line(s);
                    }
                    crate::ulog!(
                        Notice,
                        "trunk-started",
                        "trunk {name} started ({} channels)",
                        cfg.channels
                    );
                    self.sip.push(RunningTrunk {
                        cfg,
                        trunk,
                        lines,
                        retiring: false,
                    });
                }
                Err(e) => crate::ulog!(
                    Err,
                    "trunk-start-failed",
                    "trunk {name} not started: {}",
                    error_chain(&e)
                ),
            }
        }
    }
}
