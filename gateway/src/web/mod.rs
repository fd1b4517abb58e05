//! The web journal and the REST API (issue 14), served by `ums serve` on
//! its tokio runtime.
//!
//! ```text
//!  browser ── /login /journal /messages/{id} /tokens /audit ── pages.rs (HTML forms, CSRF)
//!  program ── /api/v1/...  (Bearer token, JSON, RFC 9457) ──── api.rs
//!                     │
//!      actions.rs: find a message the caller may see (404 otherwise),
//!      pages as PNG, PDF, WAV from the spool only, cancel/delete (media
//!      thread), resend/send (kernel acceptor, SMTP policy path)
//!                     │
//!      query.rs (filter, keyset paging over the store's by-time index)
//!      auth.rs (argon2, sessions, CSRF, lockout, tokens), audit.rs
//! ```
//!
//! Everything the pages need is in this binary: the CSS and the small
//! script are `include_str!`ed, nothing is fetched at run time.

pub mod actions;
pub mod admin;
pub mod api;
pub mod audit;
pub mod auth;
pub mod html;
pub mod i18n;
pub mod live;
pub mod login;
pub mod operator;
pub mod outgoing;
pub mod pages;
pub mod query;
pub mod send;
pub mod tokens;
pub mod zone;

use std::net::SocketAddr;
use std::path::PathBuf;
use std::sync::{mpsc, Arc, RwLock};

use axum::http::{header, HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use axum::Router;
use kernel::message::{Message, Timestamp};
use kernel::store::{Record, Store};

use crate::media_loop::MediaControl;

/// What a user may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Role {
    User,
    Operator,
    Admin,
}

impl Role {
    pub fn name(self) -> &'static str {
        match self {
            Role::User => "user",
            Role::Operator => "operator",
            Role::Admin => "admin",
        }
    }
}

/// A `[[user]]` of the directory as the web sees it.
#[derive(Debug, Clone)]
pub struct WebUser {
    pub id: String,
    pub email: String,
    pub name: String,
    pub role: Role,
    /// The pages' language.
    pub language: kernel::report::Language,
}

impl WebUser {
    pub fn visibility(&self) -> query::Visibility {
        if self.role >= Role::Operator {
            query::Visibility::All
        } else {
            query::Visibility::Own {
                id: self.id.clone(),
                email: self.email.clone(),
            }
        }
    }
}

/// How new outgoing messages are made: the gateway's SMTP policy and
/// kernel acceptor in `ums serve`; tests pass their own.
pub trait Outgoing: Send + Sync {
    /// Resend the pages of `original` to its number or to `number`, as
    /// its sender (checked and stored; handed to the runner). Blocking.
    fn resend(&self, original: &Message, number: Option<&str>) -> Result<Record, String>;
    /// A mail built for `to` from `from`, through the same policy as a
    /// mail or `ums send`: rendered, checked and stored. Blocking.
    fn submit(&self, from: &str, to: &[String], mail: Vec<u8>) -> Result<Vec<Record>, String>;
    /// The pages `mail` would be sent as (the render pool's renderer and
    /// `[render]` options); nothing is stored. Blocking.
    fn render(&self, mail: &[u8]) -> Result<Vec<fax_t30::tiff::TiffPage>, String> {
        send::render(mail, &kernel::render::RenderOptions::default())
    }
}

#[derive(Debug, Clone)]
pub struct WebSettings {
    pub session_secs: u64,
    pub upload_limit: usize,
    /// Cookies get `Secure` (the listener speaks TLS).
    pub secure_cookies: bool,
}

impl Default for WebSettings {
    fn default() -> Self {
        WebSettings {
            session_secs: 12 * 3600,
            upload_limit: 32 << 20,
            secure_cookies: false,
        }
    }
}

/// The `[web]` section as the daemon starts it.
#[derive(Debug, Clone)]
pub struct WebSetup {
    pub listen: SocketAddr,
    pub settings: WebSettings,
    /// Speak TLS with the SMTP connector's certificate.
    pub tls: bool,
    pub users: Vec<WebUser>,
    /// Users' time zones by user id (`[[user]] timezone`).
    pub zones: std::collections::HashMap<String, Arc<zone::Zone>>,
    /// A port in use stops the start (the address was configured); the
    /// embedded default's port only gets a warning.
    pub required: bool,
}

/// Everything the handlers share.
pub struct WebContext {
    pub store: Store,
    /// Documents are served only from under this directory.
    pub spool: PathBuf,
    pub dead_letter_dir: PathBuf,
    pub users: RwLock<Vec<WebUser>>,
    pub accounts: auth::Accounts,
    pub authenticator: Arc<dyn auth::Authenticator>,
    pub audit: audit::Audit,
    pub outgoing: Option<Arc<dyn Outgoing>>,
    /// The media thread (cancel, delete, line states); `None`: not running.
    pub media: Option<mpsc::Sender<MediaControl>>,
    pub settings: WebSettings,
    pub clock: Box<dyn Fn() -> Timestamp + Send + Sync>,
    /// Users' time zones (`[[user]] timezone`), by user id; the others
    /// read UTC.
    pub zones: RwLock<std::collections::HashMap<String, Arc<zone::Zone>>>,
    /// `ums send`'s domain for a bare number.
    pub fax_domain: Option<String>,
    /// Rendered but not yet sent (the send form's preview), by key.
    pub previews: std::sync::Mutex<std::collections::HashMap<String, send::Preview>>,
    /// The poller behind the journal's live rows.
    pub live: live::Live,
}

impl WebContext {
    /// A context over `store` with no media thread and no sending (the
    /// daemon sets [`WebContext::media`] and [`WebContext::outgoing`]).
    pub fn new(
        store: Store,
        spool: PathBuf,
        dead_letter_dir: PathBuf,
        users: Vec<WebUser>,
        settings: WebSettings,
        clock: Box<dyn Fn() -> Timestamp + Send + Sync>,
    ) -> Result<WebContext, kernel::store::StoreError> {
        WebContext::with_accounts(
            auth::Accounts::open(&store)?,
            store,
            spool,
            dead_letter_dir,
            users,
            settings,
            clock,
        )
    }

    /// [`WebContext::new`] with the accounts given (tests: a cheap argon2).
    pub fn with_accounts(
        accounts: auth::Accounts,
        store: Store,
        spool: PathBuf,
        dead_letter_dir: PathBuf,
        users: Vec<WebUser>,
        settings: WebSettings,
        clock: Box<dyn Fn() -> Timestamp + Send + Sync>,
    ) -> Result<WebContext, kernel::store::StoreError> {
        Ok(WebContext {
            audit: audit::Audit::open(&store)?,
            authenticator: Arc::new(accounts.clone()),
            accounts,
            store,
            spool,
            dead_letter_dir,
            users: RwLock::new(users),
            outgoing: None,
            media: None,
            settings,
            clock,
            zones: Default::default(),
            fax_domain: None,
            previews: Default::default(),
            live: Default::default(),
        })
    }

    /// New users and roles (a reload).
    pub fn set_users(&self, users: Vec<WebUser>) {
        *kernel::lock::write(&self.users) = users;
    }

    /// Users' time zones (at start and at a reload).
    pub fn set_zones(&self, zones: std::collections::HashMap<String, Arc<zone::Zone>>) {
        *kernel::lock::write(&self.zones) = zones;
    }

    /// `t` as user `user` reads it: in their zone with its abbreviation
    /// (`2026-11-27 21:26 CET`), else UTC (`2026-11-27 20:26`).
    pub fn local_time(&self, user: &str, t: Timestamp) -> String {
        match kernel::lock::read(&self.zones).get(user) {
            Some(z) => z.short_time(t),
            None => crate::journal::short_time(t),
        }
    }

    /// The zone a user's times are in, for column heads: `Europe/Berlin`
    /// or `UTC`.
    pub fn zone_name(&self, user: &str) -> String {
        kernel::lock::read(&self.zones)
            .get(user)
            .map_or_else(|| "UTC".to_string(), |z| z.name.clone())
    }

    pub fn now(&self) -> Timestamp {
        (self.clock)()
    }

    pub fn user(&self, id: &str) -> Option<WebUser> {
        kernel::lock::read(&self.users)
            .iter()
            .find(|u| u.id == id)
            .cloned()
    }

    /// The directory's name for a number's owner (for the journal).
    pub fn name_of(&self, m: &Message) -> Option<String> {
        let users = kernel::lock::read(&self.users);
        let user = m.user.as_deref()?;
        users.iter().find(|u| u.id == user).map(|u| u.name.clone())
    }

    /// Log an action; a failure to log is itself logged, never hidden.
    pub fn audit(
        &self,
        user: &str,
        action: &str,
        object: Option<String>,
        from: Option<SocketAddr>,
    ) {
        let entry = audit::AuditEntry {
            at: self.now(),
            user: user.to_string(),
            action: action.to_string(),
            object,
            from: from.map(|a| a.ip().to_string()),
        };
        if let Err(e) = self.audit.log(&entry) {
            crate::ulog!(Err, "audit-failed", "audit log: {e}");
        }
    }
}

/// The session cookie's name.
pub const COOKIE: &str = "ums_session";

/// The value of cookie `name` in the request, if any.
pub fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(header::COOKIE)
        .iter()
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(';'))
        .filter_map(|c| c.trim().split_once('='))
        .find(|(k, _)| *k == name)
        .map(|(_, v)| v)
}

/// The logged-in user of a browser request and its session id.
pub fn session_user(ctx: &WebContext, headers: &HeaderMap) -> Option<(WebUser, String)> {
    let sid = cookie(headers, COOKIE)?;
    let s = ctx.accounts.session(sid, ctx.now())?;
    Some((ctx.user(&s.user)?, sid.to_string()))
}

/// The router with every page and API call.
pub fn router(ctx: Arc<WebContext>) -> Router {
    let limit = ctx.settings.upload_limit;
    Router::new()
        .route("/health", get(health))
        .route("/health/ready", get(ready))
        .route("/assets/style.css", get(css))
        .route("/assets/live.js", get(js))
        .merge(pages::routes().layer(axum::extract::DefaultBodyLimit::max(limit)))
        .nest("/api/v1", api::routes(limit))
        .layer(axum::middleware::map_response(|r: Response| async move {
            secure_headers(r)
        }))
        .with_state(ctx)
}

async fn health() -> &'static str {
    "ok\n"
}

/// Ready when the store answers and the media thread is there.
async fn ready(axum::extract::State(ctx): axum::extract::State<Arc<WebContext>>) -> Response {
    let store_ok = ctx
        .store
        .newest_first(None)
        .next()
        .is_none_or(|r| r.is_ok());
    let media_ok = ctx.media.is_some();
    if store_ok && media_ok {
        (StatusCode::OK, "ready\n").into_response()
    } else {
        (
            StatusCode::SERVICE_UNAVAILABLE,
            format!("not ready: store {store_ok}, media thread {media_ok}\n"),
        )
            .into_response()
    }
}

async fn css() -> Response {
    (
        [(header::CONTENT_TYPE, "text/css; charset=utf-8")],
        html::CSS,
    )
        .into_response()
}

async fn js() -> Response {
    (
        [(header::CONTENT_TYPE, "text/javascript; charset=utf-8")],
        html::JS,
    )
        .into_response()
}

/// Headers every answer gets: no framing, no sniffing, a strict CSP (the
/// pages load only their own CSS and script).
pub fn secure_headers(mut r: Response) -> Response {
    let h = r.headers_mut();
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        header::HeaderValue::from_static(
            "default-src 'self'; img-src 'self'; media-src 'self'; frame-ancestors 'none'; form-action 'self'",
        ),
    );
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        header::HeaderValue::from_static("nosniff"),
    );
    h.insert(
        header::REFERRER_POLICY,
        header::HeaderValue::from_static("same-origin"),
    );
    r
}

/// Serve `router` on `listener` (with TLS when `tls` is given) until the
/// task is aborted.
pub async fn serve(
    listener: tokio::net::TcpListener,
    router: Router,
    tls: Option<Arc<rustls::ServerConfig>>,
) {
    let app = router.into_make_service_with_connect_info::<ClientAddr>();
    match tls {
        None => {
            let _ = axum::serve(listener, app).await;
        }
        Some(cfg) => {
            let mut cfg = (*cfg).clone();
            cfg.alpn_protocols = vec![b"http/1.1".to_vec()];
            let acceptor = tokio_rustls::TlsAcceptor::from(Arc::new(cfg));
            let (tx, rx) = tokio::sync::mpsc::channel(64);
            let local = listener.local_addr();
            // Handshakes run in tasks of their own: a client that stalls in
            // its handshake holds up nobody else.
            let handshakes = tokio::spawn(async move {
                loop {
                    let Ok((tcp, addr)) = listener.accept().await else {
                        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
                        continue;
                    };
                    let (acceptor, tx) = (acceptor.clone(), tx.clone());
                    tokio::spawn(async move {
                        let hs = tokio::time::timeout(
                            std::time::Duration::from_secs(10),
                            acceptor.accept(tcp),
                        );
                        if let Ok(Ok(tls)) = hs.await {
                            let _ = tx.send((tls, addr)).await;
                        }
                    });
                }
            });
            // Ends with this future, also when its task is aborted (a stop).
            let _handshakes = AbortOnDrop(handshakes);
            let _ = axum::serve(TlsListener { ready: rx, local }, app).await;
        }
    }
}

/// Aborts its task when dropped.
struct AbortOnDrop(tokio::task::JoinHandle<()>);

impl Drop for AbortOnDrop {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// The client's address, as the handlers find it in the request's
/// extensions (`ConnectInfo<ClientAddr>`), on TCP and on TLS alike.
#[derive(Debug, Clone, Copy)]
pub struct ClientAddr(pub SocketAddr);

impl
    axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, tokio::net::TcpListener>>
    for ClientAddr
{
    fn connect_info(s: axum::serve::IncomingStream<'_, tokio::net::TcpListener>) -> Self {
        ClientAddr(*s.remote_addr())
    }
}

impl axum::extract::connect_info::Connected<axum::serve::IncomingStream<'_, TlsListener>>
    for ClientAddr
{
    fn connect_info(s: axum::serve::IncomingStream<'_, TlsListener>) -> Self {
        ClientAddr(*s.remote_addr())
    }
}

/// TLS sessions whose handshakes are done, as axum's listener.
pub struct TlsListener {
    ready: tokio::sync::mpsc::Receiver<(TlsStream, SocketAddr)>,
    local: std::io::Result<SocketAddr>,
}

type TlsStream = tokio_rustls::server::TlsStream<tokio::net::TcpStream>;

impl axum::serve::Listener for TlsListener {
    type Io = TlsStream;
    type Addr = SocketAddr;

    async fn accept(&mut self) -> (Self::Io, Self::Addr) {
        match self.ready.recv().await {
            Some(conn) => conn,
            // The accepting task ended (the server stops): wait for ever.
            None => std::future::pending().await,
        }
    }

    fn local_addr(&self) -> std::io::Result<Self::Addr> {
        match &self.local {
            Ok(a) => Ok(*a),
            Err(e) => Err(std::io::Error::new(e.kind(), e.to_string())),
        }
    }
}
