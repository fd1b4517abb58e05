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

use crate::media_loop::{MediaConfig, MediaControl, MediaLoop};
use kernel::accept::Acceptor;
use kernel::directory::Directory;
use kernel::job::RetryPolicy;
use kernel::lock;
use kernel::message::{Service, Timestamp};
use kernel::notify::{DeliveryMode, Notifier};
use kernel::numbering::{DialPolicy, NumberingPlan, Pattern, RateLimiter};
use kernel::report::{Language, ReportConfig};
use kernel::routing::{Router, Rule};
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
    /// Class 1 fax modems (`[[modem]]`), one line each (read at start; a
    /// reload does not change them).
    pub modems: Vec<line_drivers::modem::ModemSpec>,
    /// GSM modems (`[[gsm]]`): SMS both ways (read at start).
    pub gsm: Vec<line_drivers::gsm::GsmSpec>,
    /// How mail becomes SMS text (`[sms]`, read at start).
    pub sms: kernel::sms_text::SmsTextRules,
    /// How long a sent SMS waits for its status reports.
    pub sms_report_wait: Duration,
    /// ISDN controllers through CAPI (`[[capi]]`), one line per B-channel
    /// used (read at start; a reload does not change them).
    pub capis: Vec<line_drivers::capi::supervised::CapiSpec>,
    /// The web journal and REST API (`[web]`); `None`: off.
    pub web: Option<crate::web::WebSetup>,
    /// Webhooks (`[web] webhook`, `[[user]] webhook`); `None`: none.
    pub webhooks: Option<crate::webhook::WebhookSettings>,
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
            modems: Vec::new(),
            gsm: Vec::new(),
            sms: kernel::sms_text::SmsTextRules::default(),
            sms_report_wait: Duration::from_secs(600),
            capis: Vec::new(),
            web: None,
            webhooks: None,
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

/// A running gateway. Dropping it does not stop it; call [`Running::stop`].
pub struct Running {
    pub smtp_addr: SocketAddr,
    /// Where the metrics listener is bound, if it is on.
    pub metrics_addr: Option<SocketAddr>,
    /// Where the web journal listens, if it is on.
    pub web_addr: Option<SocketAddr>,
    /// The web journal's state (users, accounts), if it is on.
    pub web: Option<Arc<crate::web::WebContext>>,
    /// The webhook queue, if webhooks were configured at the start.
    pub webhooks: Option<crate::webhook::Webhooks>,
    pub store: Store,
    stop: Arc<AtomicBool>,
    ticker: Option<MediaTicker>,
    tasks: Vec<tokio::task::JoinHandle<()>>,
    listener: Option<tokio::task::JoinHandle<()>>,
    policy: Arc<GatewayPolicy>,
    control: mpsc::Sender<MediaControl>,
    /// The work pool (renders, notices, incoming mail).
    work: Arc<kernel::work::WorkPool>,
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
            let mut current = lock::lock(&self.policy.acceptor);
            let mut limiter = std::mem::replace(current.limiter_mut(), RateLimiter::new(0, 0));
            limiter.set_limits(r.rate_limit.0, r.rate_limit.1);
            *acceptor.limiter_mut() = limiter;
            *current = acceptor;
        }
        *lock::write(&self.policy.allowed_networks) = r.allowed_networks;
        *lock::write(&self.policy.users) = r.auth_users;
        // Shared by every clone of the report configuration (notifier of
        // the runner, the outbox, the SMTP policy).
        self.policy.notifier.config.templates.replace(r.templates);
        *lock::write(&self.policy.render) = r.render;
        let _ = (self.control).send(MediaControl::Routing(Box::new(router), r.plan));
        let _ = (self.control).send(MediaControl::Trunks(r.sip_trunks));
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
        let _ = self.control.send(MediaControl::Drain);
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
        // Let queued notices and incoming mails be built (they are marked
        // in the store and would be picked up at the next start anyway).
        let work = Arc::clone(&self.work);
        let _ = tokio::task::spawn_blocking(move || work.wait_idle(Duration::from_secs(5))).await;
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
    #[error("web listener on {0}: {1}")]
    Web(SocketAddr, std::io::Error),
    #[error("web journal: {0}")]
    WebStore(kernel::store::StoreError),
    #[error("SIP trunk {0}: {1}")]
    Trunk(String, String),
}

/// Start the gateway inside the current tokio runtime. The media loop runs
/// before anything is accepted: a media thread, trunk or store that cannot
/// start fails the start (no READY, exit 2), and the SMTP listener answers
/// nobody before then.
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
    // The status feed is on before the media loop writes anything.
    let webhooks = match setup.options.webhooks.clone() {
        Some(w) => Some(crate::webhook::Webhooks::open(&store, w).map_err(StartError::WebStore)?),
        None => None,
    };
    let notifier = Notifier::new(setup.report.clone(), setup.mode);
    let router = Router::new(
        setup.plan.clone(),
        setup.directory.clone(),
        setup.rules.clone(),
    )?;
    // One channel into the media loop: new messages, reloads, the drain,
    // the control socket's requests.
    let (control_tx, control_rx) = mpsc::channel::<MediaControl>();
    let calls = Arc::new(AtomicUsize::new(0));
    let modem_names: Vec<String> = (setup.options.modems.iter())
        .map(|m| m.line.name.clone())
        .collect();
    let gsm_names: Vec<String> = (setup.options.gsm.iter())
        .map(|g| g.modem.name.clone())
        .collect();
    let capi_names: Vec<String> = (setup.options.capis.iter())
        .flat_map(|c| c.line_ids())
        .map(|id| id.to_string())
        .collect();
    let metrics = Arc::new(
        crate::metrics::Metrics::new(store.clone(), dead_letter_dir.clone(), &setup.lines)
            .with_modems(&modem_names)
            .with_gsm(&gsm_names)
            .with_capi(&capi_names),
    );
    // The SMTP port first: a port in use stops the start before anything
    // runs. Nobody is answered until the media loop runs (below).
    let listener = tokio::net::TcpListener::bind(setup.smtp_listen)
        .await
        .map_err(|e| StartError::Listen(setup.smtp_listen, e))?;
    let smtp_addr = listener
        .local_addr()
        .map_err(|e| StartError::Listen(setup.smtp_listen, e))?;

    // What a crash left: accepted fax mails not rendered yet, records that
    // owe a notice or a delivery (one pass over the store).
    let recovery = store.recovery()?;
    // Accepted fax mails as received; the store syncs it in its group
    // commit. Segments no unrendered record names are dropped here.
    let live = (recovery.unrendered.iter()).filter_map(|r| r.message.raw_mail.as_deref());
    let raw_dir = spool.join("raw");
    let raw_spool = Arc::new(
        kernel::spool::RawSpool::open(&raw_dir, live)
            .map_err(|e| StartError::DataDir(raw_dir.clone(), e))?,
    );
    store.attach_spool(raw_spool.clone());
    // `[render]` (paper, resolution, cover): shared by the pool and the
    // policy, swapped on reload; a mail is rendered with what holds when
    // its turn comes.
    let render_options = Arc::new(std::sync::RwLock::new(setup.options.render.clone()));
    // The work pool: renders accepted fax mails after their 250, builds
    // notices and incoming mails (PDF, preview, WAV) off the media thread;
    // one worker per core, only on CPU time nothing else wants.
    let work = Arc::new(kernel::work::WorkPool::start(
        kernel::work::Work {
            renderer: Some(kernel::work::Renderer {
                options: render_options.clone(),
                parse: Box::new(smtp::mime::parse_document),
                store: store.clone(),
                notifier: notifier.clone(),
                spool: spool.clone(),
                raw_spool: raw_spool.clone(),
                on_rendered: {
                    let tx = control_tx.clone();
                    Box::new(move |ids| {
                        let _ = tx.send(MediaControl::Adopt(ids));
                    })
                },
                clock: Box::new(wall_clock),
            }),
            deliverer: kernel::work::Deliverer {
                store: store.clone(),
                notifier: notifier.clone(),
                language: setup.options.language,
                clock: Box::new(wall_clock),
            },
        },
        std::thread::available_parallelism().map_or(2, |n| n.get()),
    ));
    let (handoffs, renders) = work.recover(recovery, &spool);
    if handoffs + renders > 0 {
        crate::ulog!(
            Notice,
            "recovered",
            "picked up again after a stop: {renders} mail(s) to render, {handoffs} notice(s) or incoming message(s) to deliver"
        );
    }

    // The media thread: lines, runner, simulated far ends. Built on that
    // thread (the lines share their exchange and sockets by Rc); the start
    // waits until it runs.
    let stop = Arc::new(AtomicBool::new(false));
    let (ready_tx, ready_rx) = mpsc::channel::<Result<(), StartError>>();
    let config = MediaConfig {
        lines: setup.lines.clone(),
        sip_trunks: setup.options.sip_trunks.clone(),
        modems: setup.options.modems.clone(),
        gsm: setup.options.gsm.clone(),
        sms_report_wait: setup.options.sms_report_wait,
        capis: setup.options.capis.clone(),
        runtime: tokio::runtime::Handle::try_current().ok(),
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
        group_limits: Default::default(),
    };
    let ticker = {
        let stop = Arc::clone(&stop);
        let calls = Arc::clone(&calls);
        let metrics = Arc::clone(&metrics);
        let store = store.clone();
        let work = Arc::clone(&work);
        MediaTicker::spawn_with(fax_t30::media::FRAME_DURATION, move || {
            let handoff = Box::new(move |id| work.submit_handoff(id));
            let media = MediaLoop::new(config, store, media_clock(), wall_clock(), handoff);
            let media = match media {
                Ok(m) => {
                    let _ = ready_tx.send(Ok(()));
                    Some(m)
                }
                Err(e) => {
                    crate::ulog!(
                        Err,
                        "media-start-failed",
                        "the media loop cannot start: {e}"
                    );
                    let _ = ready_tx.send(Err(e));
                    None
                }
            };
            media_shell(media, control_rx, stop, calls, metrics)
        })
        .map_err(StartError::Media)?
    };
    let ready = tokio::task::spawn_blocking(move || ready_rx.recv())
        .await
        .ok()
        .and_then(Result::ok);
    match ready {
        Some(Ok(())) => {}
        Some(Err(e)) => {
            drop(ticker);
            return Err(e);
        }
        None => {
            return Err(StartError::Media(std::io::Error::other(
                "the media thread ended before it ran",
            )))
        }
    }

    // The SMTP connector: from now on mail is accepted.
    let acceptor = setup.reloadable().acceptor();
    let policy = GatewayPolicy {
        acceptor: Mutex::new(acceptor),
        store: store.clone(),
        notifier: notifier.clone(),
        allowed_networks: std::sync::RwLock::new(setup.allowed_networks.clone()),
        users: std::sync::RwLock::new(setup.auth_users.clone()),
        raw_spool,
        work: Arc::clone(&work),
        on_accepted: {
            let tx = control_tx.clone();
            Box::new(move |ids| {
                let _ = tx.send(MediaControl::Adopt(ids));
            })
        },
        clock: Box::new(wall_clock),
        render: render_options,
        sms: setup.options.sms.clone(),
    };
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

    // The web journal and REST API.
    let fax_domain = (setup.service_domains.iter())
        .find(|(_, s)| *s == Service::Fax)
        .map(|(d, _)| d.clone());
    let (web_addr, web) = match &setup.options.web {
        Some(w) => match tokio::net::TcpListener::bind(w.listen).await {
            Ok(l) => {
                let bound = l.local_addr().map_err(|e| StartError::Web(w.listen, e))?;
                let mut ctx = crate::web::WebContext::new(
                    store.clone(),
                    spool.clone(),
                    dead_letter_dir.clone(),
                    w.users.clone(),
                    w.settings.clone(),
                    Box::new(wall_clock),
                )
                .map_err(StartError::WebStore)?;
                ctx.set_zones(w.zones.clone());
                ctx.media = Some(control_tx.clone());
                ctx.fax_domain = fax_domain.clone();
                ctx.outgoing = Some(Arc::new(crate::web::outgoing::GatewayOutgoing {
                    policy: Arc::clone(&policy),
                    store: store.clone(),
                }));
                let ctx = Arc::new(ctx);
                let tls = if w.tls { setup.tls.clone() } else { None };
                tasks.push(tokio::spawn(crate::web::serve(
                    l,
                    crate::web::router(Arc::clone(&ctx)),
                    tls,
                )));
                (Some(bound), Some(ctx))
            }
            Err(e) if w.required => return Err(StartError::Web(w.listen, e)),
            Err(e) => {
                crate::ulog!(
                    Warning,
                    "web-off",
                    "web journal not started: {}: {e} (set [web] listen, or --web ADDR)",
                    w.listen
                );
                (None, None)
            }
        },
        None => (None, None),
    };

    // The control socket of the client tools (`ums status`, `ums send`, ...).
    tasks.push(
        crate::control::start(crate::control::ControlContext {
            data_dir: setup.data_dir.clone(),
            store: store.clone(),
            policy: Arc::clone(&policy),
            media: control_tx.clone(),
            default_from: setup.directory.users.first().map(|u| u.email.clone()),
            fax_domain: fax_domain.clone(),
            web: web.clone(),
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
        delivery.on_event(Box::new(log_delivery));
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

    // Webhooks: status changes to their URLs, from the store's queue.
    if let Some(hooks) = webhooks.clone() {
        tasks.push(tokio::spawn(async move {
            loop {
                if let Err(e) = hooks.deliver_due(wall_clock()).await {
                    crate::ulog!(Err, "webhook-store", "webhooks: {e}");
                }
                tokio::time::sleep(Duration::from_millis(500)).await;
            }
        }));
    }

    Ok(Running {
        smtp_addr,
        metrics_addr,
        web_addr,
        web,
        webhooks,
        store,
        stop,
        ticker: Some(ticker),
        tasks,
        listener: Some(listener),
        policy,
        control: control_tx,
        work,
        calls,
        smtp_stop,
    })
}

/// One log line per mail that left the outbox or was deferred, with its
/// Message-ID (what the mail server's log shows for it too).
fn log_delivery(e: smtp::outbound::DeliveryEvent<'_>) {
    use smtp::outbound::DeliveryEvent;
    let about = |m: &kernel::store::QueuedMail| {
        format!(
            "outbox mail {} {} ({}) to {}",
            m.id,
            m.message_id().unwrap_or_else(|| "<no Message-ID>".into()),
            m.kind,
            m.recipients.join(", ")
        )
    };
    match e {
        DeliveryEvent::Attempt(_) => {}
        DeliveryEvent::Delivered(m) => {
            crate::ulog!(Info, "mail-delivered", "{}: delivered", about(m))
        }
        DeliveryEvent::Deferred {
            mail,
            reason,
            next_at,
        } => crate::ulog!(
            Notice,
            "mail-deferred",
            "{}: deferred until {} ({reason})",
            about(mail),
            next_at.iso8601()
        ),
        DeliveryEvent::Bounced { mail, reason } => {
            crate::ulog!(
                Warning,
                "mail-bounced",
                "{}: given up ({reason})",
                about(mail)
            )
        }
    }
}

/// The media thread's shell around the [`MediaLoop`]: every 20 ms it takes
/// what came through the control channel, ticks the loop, pings systemd's
/// watchdog and records the tick's lateness and the lines' state for the
/// metrics. Ends at the stop flag (or at once when the loop could not be
/// built: the start reports why).
fn media_shell(
    mut media: Option<MediaLoop>,
    control: mpsc::Receiver<MediaControl>,
    stop: Arc<AtomicBool>,
    calls: Arc<AtomicUsize>,
    metrics: Arc<crate::metrics::Metrics>,
) -> impl FnMut(std::time::Instant) -> ControlFlow<()> {
    // systemd's watchdog is pinged from here: a stalled media loop stops
    // the pings and gets the service restarted.
    let watchdog_every = crate::sd_notify::watchdog_interval()
        .map(|d| (d.as_millis() / fax_t30::media::FRAME_DURATION.as_millis()).max(1) as u64);
    let mut ticks = 0u64;
    // Test failpoint `UMS_FAILPOINT=stall:media@N`: the loop hangs at its
    // Nth tick, as a deadlocked driver would (the watchdog test).
    let stall_at = std::env::var("UMS_FAILPOINT")
        .ok()
        .and_then(|f| f.strip_prefix("stall:media@")?.parse::<u64>().ok());
    move |now| {
        metrics.record_tick(crate::metrics::lateness_since(now));
        let Some(ml) = media.as_mut() else {
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
        if stop.load(Ordering::SeqCst) {
            return ControlFlow::Break(());
        }
        let wall = wall_clock();
        while let Ok(c) = control.try_recv() {
            ml.handle(c, wall);
        }
        if let Err(e) = ml.tick(now, wall) {
            crate::ulog!(Err, "store-write-failed", "store write failed: {e}");
        }
        let busy = ml.calls_in_progress();
        if calls.swap(busy, Ordering::SeqCst) != busy {
            crate::ulog!(Info, "calls", "{busy} call(s) in progress");
        }
        metrics.set_lines_busy(ml.lines_busy());
        metrics.set_modems(ml.modems_in_service().map(|(_, up)| up));
        metrics.set_gsm(ml.gsm_states());
        metrics.set_capi(ml.capi_in_service());
        ControlFlow::Continue(())
    }
}
