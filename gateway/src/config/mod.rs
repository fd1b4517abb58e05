//! The configuration file (`/etc/ums/ums.toml` under systemd, `--config`
//! otherwise): site numbering, users and routing, lines, SMTP, delivery,
//! reports, metrics. `config/ums.toml` in the repository is the commented
//! example of every key.
//!
//! ```text
//!  text ──toml + serde (schema.rs)──▶ Config ──check()──▶ Loaded ──setup()──▶ GatewaySetup
//!                 │                              │                └─reload()─▶ daemon::Reload (SIGHUP)
//!                 └──────── ConfigError: file:line:column: key: what is wrong
//! ```
//!
//! Without a file, [`Loaded::embedded`] is the gateway `ums serve` runs
//! on a fresh machine: everything on loopback, local-store mode.

mod capi;
mod locate;
pub mod ports;
pub mod schema;
pub mod templates;

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Duration;

use kernel::directory::{Directory, DirectoryError, Group, User};
use kernel::message::Service;
use kernel::notify::DeliveryMode;
use kernel::numbering::{DigitRange, NumberingPlan};
use kernel::report::ReportConfig;
use kernel::routing::{Router, RoutingError, Rule};
use toml::de::DeTable;

pub use locate::KeyPath;
use locate::{key_at, line_column, path, span_of};
pub use schema::Config;
use schema::{DeliveryModeConf, DigitRangeConf, SmartHostTls};

use crate::daemon::{GatewaySetup, Reload, SetupOptions};

/// A configuration that cannot be used: where, which key, what is wrong.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConfigError {
    pub file: String,
    /// From 1; 0 when the problem is not at a place in the file.
    pub line: usize,
    pub column: usize,
    pub key: Option<String>,
    pub message: String,
}

impl fmt::Display for ConfigError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:", self.file)?;
        if self.line > 0 {
            write!(f, "{}:{}:", self.line, self.column)?;
        }
        if let Some(k) = &self.key {
            write!(f, " {k}:")?;
        }
        write!(f, " {}", self.message)
    }
}

impl std::error::Error for ConfigError {}

/// A checked configuration and the text it came from (to place later
/// errors, e.g. a certificate that fails at start).
#[derive(Debug, Clone)]
pub struct Loaded {
    pub config: Config,
    /// The file, or `None` for the embedded default.
    pub file: Option<PathBuf>,
    text: String,
    /// The own report texts of `reports.templates_dir`, read and checked.
    pub templates: templates::OwnTexts,
}

/// Name used in messages for the configuration without a file.
pub const EMBEDDED: &str = "(embedded default)";

impl Loaded {
    /// The embedded default: what `ums serve` runs without a file.
    pub fn embedded() -> Loaded {
        Loaded {
            config: Config {
                web: Some(schema::WebConf::default()),
                ..Config::default()
            },
            file: None,
            text: String::new(),
            templates: Vec::new(),
        }
    }

    /// Read, parse and check a file.
    pub fn from_file(file: &Path) -> Result<Loaded, ConfigError> {
        let name = file.display().to_string();
        let text = std::fs::read_to_string(file).map_err(|e| ConfigError {
            file: name.clone(),
            line: 0,
            column: 0,
            key: None,
            message: format!("cannot read the configuration: {e}"),
        })?;
        let mut loaded = Loaded::parse(&text, &name)?;
        loaded.file = Some(file.to_path_buf());
        Ok(loaded)
    }

    /// Parse and check a configuration text; `name` is used in errors.
    pub fn parse(text: &str, name: &str) -> Result<Loaded, ConfigError> {
        let config: Config = toml::from_str(text).map_err(|e| {
            let (root, _) = DeTable::parse_recoverable(text);
            let offset = e.span().map_or(0, |s| s.start);
            let key = key_at(root.get_ref(), offset)
                .map(|p| p.to_string())
                .or_else(|| key_on_line(text, offset));
            let (line, column) = line_column(text, offset);
            ConfigError {
                file: name.to_string(),
                line,
                column,
                key,
                message: e.message().trim().replace('\n', " "),
            }
        })?;
        let mut loaded = Loaded {
            config,
            file: Some(PathBuf::from(name)),
            text: text.to_string(),
            templates: Vec::new(),
        };
        loaded.check().map_err(|(p, m)| loaded.error_at(&p, m))?;
        if let Some(dir) = loaded.templates_dir() {
            loaded.templates = templates::load(&dir)?;
        }
        Ok(loaded)
    }

    /// Settings that are valid but risky: said at start and by
    /// `check-config`, without stopping either.
    pub fn warnings(&self) -> Vec<String> {
        let c = &self.config;
        let mut w = Vec::new();
        let secrets = !c.smtp.auth_users.is_empty()
            || c.trunks.iter().any(|t| t.password.is_some())
            || c.smtp
                .smart_host
                .as_ref()
                .is_some_and(|h| h.password.is_some());
        if let Some(file) = &self.file {
            use std::os::unix::fs::PermissionsExt;
            let mode = std::fs::metadata(file).map_or(0, |m| m.permissions().mode());
            if secrets && mode & 0o004 != 0 {
                w.push(format!(
                    "{}: holds passwords but every user may read it (chmod 640)",
                    file.display()
                ));
            }
        }
        for n in &c.smtp.allowed_networks {
            if n.0.prefix == 0 {
                w.push(format!(
                    "smtp.allowed_networks: {}/0 lets everyone send faxes without AUTH",
                    n.0.addr
                ));
            }
        }
        if let Some(eph) = ports::EphemeralPorts::of_this_host() {
            for (i, t) in c.trunks.iter().enumerate() {
                let [first, last] = t.rtp_ports;
                if let Some((a, b)) = eph.unreserved_overlap(first, last) {
                    w.push(format!(
                        "trunk[{i}].rtp_ports: [{first}, {last}] overlaps the kernel's ephemeral \
                         ports {}-{} (net.ipv4.ip_local_port_range) in {a}-{b}: any outgoing \
                         connection or DNS query may hold one of them, and the channel on it is \
                         then out of service; move the range below {} or reserve it \
                         (net.ipv4.ip_local_reserved_ports)",
                        eph.range.0, eph.range.1, eph.range.0
                    ));
                }
            }
        }
        w
    }

    /// A path of the file, relative to its directory when written relative.
    fn relative(&self, p: &Path) -> PathBuf {
        let base = self
            .file
            .as_ref()
            .and_then(|f| f.parent())
            .unwrap_or(Path::new(""));
        base.join(p)
    }

    /// The voicemail settings of `[voice]`.
    pub fn voice(&self) -> kernel::voice::VoiceSettings {
        let v = &self.config.voice;
        kernel::voice::VoiceSettings {
            engine: kernel::voice::VoicemailConfig {
                max_length: Duration::from_secs(v.max_length_secs),
                silence_timeout: Duration::from_secs(v.silence_timeout_secs),
                min_duration: Duration::from_millis(v.min_length_ms),
                min_active: Duration::from_millis(v.min_speech_ms),
                ..Default::default()
            },
            greetings: v
                .greetings
                .iter()
                .map(|(k, p)| (k.clone(), self.relative(p)))
                .collect(),
            default_greeting: v.default_greeting.as_ref().map(|p| self.relative(p)),
        }
    }

    /// `reports.templates_dir`, relative to the configuration file's
    /// directory when written relative.
    pub fn templates_dir(&self) -> Option<PathBuf> {
        let dir = self.config.reports.templates_dir.as_ref()?;
        let base = self
            .file
            .as_ref()
            .and_then(|f| f.parent())
            .unwrap_or(Path::new(""));
        Some(base.join(dir))
    }

    fn name(&self) -> String {
        self.file
            .as_ref()
            .map_or_else(|| EMBEDDED.to_string(), |f| f.display().to_string())
    }

    /// An error about `key`, placed where the key is written (or, if it is
    /// not written, where its table is; or nowhere for a default).
    pub fn error_at(&self, key: &KeyPath, message: impl Into<String>) -> ConfigError {
        let (root, _) = DeTable::parse_recoverable(&self.text);
        let (line, column) =
            span_of(root.get_ref(), key).map_or((0, 0), |s| line_column(&self.text, s.start));
        ConfigError {
            file: self.name(),
            line,
            column,
            key: Some(key.to_string()),
            message: message.into(),
        }
    }

    /// What serde cannot say: values that must fit together.
    fn check(&self) -> Result<(), (KeyPath, String)> {
        let c = &self.config;
        self.check_trunks()?;
        self.check_modems()?;
        self.check_gsm()?;
        self.check_capis()?;
        let n = &c.numbering;
        let cc = &n.country_code.0;
        let valid_cc = kernel::numbering::split_country_code(&format!("{cc}0000000"))
            .is_some_and(|(code, _)| code == cc);
        if !valid_cc {
            return Err((
                path(&["numbering", "country_code"]),
                format!("'{cc}' is not a country code (write it without + or 00: \"49\")"),
            ));
        }
        if let Some(DigitRangeConf::Range(r)) = n.internal_length {
            if r.min == 0 || r.min > r.max || r.max > 8 {
                return Err((
                    path(&["numbering", "internal_length"]),
                    format!("min {} and max {}: need 1 <= min <= max <= 8", r.min, r.max),
                ));
            }
        }
        if let Some(DigitRangeConf::Exactly(d)) = n.internal_length {
            if d == 0 || d > 8 {
                return Err((
                    path(&["numbering", "internal_length"]),
                    format!("{d} digits: an extension has 1 to 8"),
                ));
            }
        }
        if let Some(w) = &c.web {
            if w.tls == schema::WebTlsConf::Off && !w.listen.ip().is_loopback() {
                return Err((
                    path(&["web", "tls"]),
                    format!(
                        "off while listening on {}: logins and sessions would cross the network \
                         in clear text; use tls = \"auto\" (the SMTP certificate) or listen on 127.0.0.1",
                        w.listen
                    ),
                ));
            }
            if w.session_hours == 0 || w.session_hours > 24 * 90 {
                return Err((
                    path(&["web", "session_hours"]),
                    format!("{}: a session lasts 1 to 2160 hours", w.session_hours),
                ));
            }
            if w.upload_limit_mb == 0 || w.upload_limit_mb > 1024 {
                return Err((
                    path(&["web", "upload_limit_mb"]),
                    format!("{}: the upload limit is 1 to 1024 MiB", w.upload_limit_mb),
                ));
            }
            self.check_webhooks(w)?;
        }
        let s = &c.smtp;
        if s.hostname.trim().is_empty() || s.hostname.contains(char::is_whitespace) {
            return Err((
                path(&["smtp", "hostname"]),
                format!("'{}' is not a host name", s.hostname),
            ));
        }
        for (key, list) in [
            ("fax_domains", &s.fax_domains),
            ("sms_domains", &s.sms_domains),
            ("voice_domains", &s.voice_domains),
        ] {
            for (i, d) in list.iter().enumerate() {
                let bad = d.is_empty()
                    || d.contains(|ch: char| ch.is_whitespace() || ch == '@' || ch == '/');
                if bad {
                    return Err((
                        path(&["smtp", key, &i.to_string()]),
                        format!("'{d}' is not a mail domain"),
                    ));
                }
            }
        }
        match (&s.tls.certificate, &s.tls.key) {
            (Some(cert), Some(key)) => {
                if let Err(e) = smtp::tls::server_config(cert, key) {
                    return Err((path(&["smtp", "tls", "certificate"]), e.to_string()));
                }
            }
            (Some(_), None) => {
                return Err((
                    path(&["smtp", "tls", "certificate"]),
                    "a certificate needs its key: set smtp.tls.key too".into(),
                ))
            }
            (None, Some(_)) => {
                return Err((
                    path(&["smtp", "tls", "key"]),
                    "a key needs its certificate: set smtp.tls.certificate too".into(),
                ))
            }
            (None, None) => {}
        }
        for (i, u) in s.auth_users.iter().enumerate() {
            if u.name.trim().is_empty() || u.name.contains(char::is_whitespace) {
                return Err((
                    path(&["smtp", "auth_user", &i.to_string(), "name"]),
                    format!("'{}' is not a user name", u.name),
                ));
            }
            if u.password.chars().count() < 12 {
                return Err((
                    path(&["smtp", "auth_user", &i.to_string(), "password"]),
                    "too short: an SMTP password on the internet needs at least 12 characters"
                        .into(),
                ));
            }
            if s.auth_users[..i]
                .iter()
                .any(|o| o.name.eq_ignore_ascii_case(&u.name))
            {
                return Err((
                    path(&["smtp", "auth_user", &i.to_string(), "name"]),
                    format!("user '{}' appears twice", u.name),
                ));
            }
        }
        if let Some(h) = &s.smart_host {
            if h.host.trim().is_empty() {
                return Err((
                    path(&["smtp", "smart_host", "host"]),
                    "empty host name".into(),
                ));
            }
            if h.port == 0 {
                return Err((path(&["smtp", "smart_host", "port"]), "port 0".into()));
            }
            match (&h.user, &h.password) {
                (Some(_), None) => {
                    return Err((
                        path(&["smtp", "smart_host", "user"]),
                        "a user needs a password: set smtp.smart_host.password too".into(),
                    ))
                }
                (None, Some(_)) => {
                    return Err((
                        path(&["smtp", "smart_host", "password"]),
                        "a password needs a user: set smtp.smart_host.user too".into(),
                    ))
                }
                _ => {}
            }
            let local = matches!(h.host.as_str(), "localhost" | "127.0.0.1" | "::1");
            if h.password.is_some() && h.tls == SmartHostTls::None && !local {
                return Err((
                    path(&["smtp", "smart_host", "tls"]),
                    "\"none\" would send the password in clear over the network: \
                     use \"required\""
                        .into(),
                ));
            }
        }
        for (key, v) in [
            ("max_message_size", s.max_message_size),
            ("max_recipients", s.max_recipients),
            ("max_connections_per_client", s.max_connections_per_client),
        ] {
            if v == 0 {
                return Err((path(&["smtp", key]), "must be at least 1".into()));
            }
        }
        let d = &c.delivery;
        if d.backoff_secs.is_empty() {
            return Err((
                path(&["delivery", "backoff_secs"]),
                "give at least one wait (seconds)".into(),
            ));
        }
        if d.max_attempts == 0 {
            return Err((
                path(&["delivery", "max_attempts"]),
                "must be at least 1".into(),
            ));
        }
        if !(1..=3600).contains(&d.timeout_secs) {
            return Err((
                path(&["delivery", "timeout_secs"]),
                format!("{} s: give 1 to 3600", d.timeout_secs),
            ));
        }
        if c.retry.retries > 0 && c.retry.intervals_secs.is_empty() {
            return Err((
                path(&["retry", "intervals_secs"]),
                "retries need at least one interval (seconds)".into(),
            ));
        }
        let v = &c.voice;
        if !(1..=3600).contains(&v.max_length_secs) {
            return Err((
                path(&["voice", "max_length_secs"]),
                format!("{} s: give 1 to 3600", v.max_length_secs),
            ));
        }
        if !(1..=60).contains(&v.silence_timeout_secs) {
            return Err((
                path(&["voice", "silence_timeout_secs"]),
                format!("{} s: give 1 to 60", v.silence_timeout_secs),
            ));
        }
        if v.min_length_ms / 1000 >= v.max_length_secs {
            return Err((
                path(&["voice", "min_length_ms"]),
                "must be shorter than voice.max_length_secs".into(),
            ));
        }
        let greetings = v
            .default_greeting
            .iter()
            .map(|g| (path(&["voice", "default_greeting"]), g))
            .chain(
                v.greetings
                    .iter()
                    .map(|(k, g)| (path(&["voice", "greetings", k]), g)),
            );
        for (key, file) in greetings {
            if let Err(e) = kernel::voice::load_greeting(&self.relative(file)) {
                return Err((key, e.to_string()));
            }
        }
        let size = c.render.text_size_pt;
        if !(6.0..=24.0).contains(&size) {
            return Err((
                path(&["render", "text_size_pt"]),
                format!("{size} pt: give 6 to 24"),
            ));
        }
        if c.daemon.stop_timeout_secs > 3600 {
            return Err((
                path(&["daemon", "stop_timeout_secs"]),
                format!("{} s: at most 3600", c.daemon.stop_timeout_secs),
            ));
        }
        let mut seen = std::collections::HashSet::new();
        let all = c
            .lines
            .numbers
            .iter()
            .enumerate()
            .map(|(i, n)| (path(&["lines", "numbers", &i.to_string()]), n))
            .chain(
                c.simulated_network
                    .fax_numbers
                    .iter()
                    .enumerate()
                    .map(|(i, n)| {
                        (
                            path(&["simulated_network", "fax_numbers", &i.to_string()]),
                            n,
                        )
                    }),
            );
        for (p, n) in all {
            if n.is_empty() || !n.chars().all(|ch| ch.is_ascii_digit()) || n.len() > 20 {
                return Err((p, format!("'{n}': a line number is 1 to 20 digits")));
            }
            if !seen.insert(n.as_str()) {
                return Err((p, format!("number {n} is used twice on the exchange")));
            }
        }
        if c.lines.numbers.is_empty()
            && c.trunks.is_empty()
            && c.modems.is_empty()
            && c.gsm.is_empty()
            && c.capis.is_empty()
        {
            return Err((
                path(&["lines", "numbers"]),
                "no lines: give at least one line number, a [[trunk]], a [[modem]] or a [[capi]]"
                    .into(),
            ));
        }
        Router::new(self.plan(), self.directory(), self.rules()).map_err(|e| self.place(e))?;
        Ok(())
    }

    /// Where in the file a routing or directory error is.
    fn place(&self, e: RoutingError) -> (KeyPath, String) {
        let text = e.to_string();
        let user = |id: &str, last: bool| {
            let users = &self.config.users;
            let found = if last {
                users.iter().rposition(|u| u.id == id)
            } else {
                users.iter().position(|u| u.id == id)
            };
            found.map_or_else(|| path(&["user"]), |i| path(&["user", &i.to_string()]))
        };
        let key = match &e {
            RoutingError::UnknownUser { rule, .. } | RoutingError::BadMailbox { rule, .. } => {
                path(&["route", &rule.to_string(), "mailbox"])
            }
            RoutingError::Directory(d) => match d {
                DirectoryError::DefaultRecipient(_) => path(&["directory", "default_recipient"]),
                DirectoryError::MissingId { index } => path(&["user", &index.to_string(), "id"]),
                DirectoryError::BadEmail { id, .. } => user(id, false).key("email"),
                DirectoryError::DuplicateId(id) => user(id, true).key("id"),
                DirectoryError::DuplicateEmail(email) => {
                    let i = self
                        .config
                        .users
                        .iter()
                        .rposition(|u| u.email.eq_ignore_ascii_case(email))
                        .unwrap_or(0);
                    path(&["user", &i.to_string(), "email"])
                }
                DirectoryError::BadNumber { id, service, .. } => {
                    user(id, false).key(&format!("{service}_numbers"))
                }
                DirectoryError::DuplicateNumber {
                    service, second, ..
                } => user(second, false).key(&format!("{service}_numbers")),
                DirectoryError::UnknownGroup { id, .. } => user(id, false).key("groups"),
                _ => path(&["user"]),
            },
            _ => path(&["route"]),
        };
        (key, text)
    }

    /// The site's numbering plan.
    pub fn plan(&self) -> NumberingPlan {
        let n = &self.config.numbering;
        NumberingPlan {
            country_code: n.country_code.0.clone(),
            area_code: n.area_code.0.clone(),
            subscriber: n.subscriber.0.clone(),
            national_prefix: n.national_prefix.0.clone(),
            international_prefix: n.international_prefix.0.clone(),
            outside_line_prefix: n.outside_line_prefix.0.clone(),
            internal_length: n.internal_length.map(|r| match r {
                DigitRangeConf::Exactly(d) => DigitRange::exactly(d.into()),
                DigitRangeConf::Range(r) => DigitRange {
                    min: r.min.into(),
                    max: r.max.into(),
                },
            }),
            e164_only: n.e164_only,
            keeps_trunk_prefix: n.keeps_trunk_prefix,
            nsn_length: n.nsn_length.map(usize::from),
        }
    }

    fn default_recipient(&self) -> String {
        match self.config.directory.default_recipient.trim() {
            "" => format!("postmaster@{}", self.config.smtp.hostname),
            r => r.to_string(),
        }
    }

    /// The user directory.
    pub fn directory(&self) -> Directory {
        let c = &self.config;
        Directory {
            users: c
                .users
                .iter()
                .map(|u| User {
                    id: u.id.clone(),
                    name: if u.name.is_empty() {
                        u.email.clone()
                    } else {
                        u.name.clone()
                    },
                    email: u.email.clone(),
                    fax_numbers: u.fax_numbers.clone(),
                    voice_numbers: u.voice_numbers.clone(),
                    sms_numbers: u.sms_numbers.clone(),
                    permissions: u.permissions.into(),
                    sender_number: u.sender_number.clone(),
                    fax_header: u.fax_header.clone(),
                    language: u.language,
                    groups: u.groups.clone(),
                })
                .collect(),
            groups: c
                .groups
                .iter()
                .map(|g| Group {
                    name: g.name.clone(),
                    permissions: g.permissions.into(),
                })
                .collect(),
            default_recipient: self.default_recipient(),
        }
    }

    /// The inbound routing rules, in the order written.
    pub fn rules(&self) -> Vec<Rule> {
        self.config
            .routes
            .iter()
            .map(|r| Rule {
                pattern: r.pattern.clone(),
                service: r.service.map(Service::from),
                mailbox: r.mailbox.clone(),
                answer: r.answer,
            })
            .collect()
    }

    fn service_domains(&self) -> Vec<(String, Service)> {
        let s = &self.config.smtp;
        let tag = |list: &Vec<String>, service: Service| {
            list.iter()
                .map(move |d| (d.clone(), service))
                .collect::<Vec<_>>()
        };
        [
            tag(&s.fax_domains, Service::Fax),
            tag(&s.sms_domains, Service::Sms),
            tag(&s.voice_domains, Service::Voice),
        ]
        .concat()
    }

    /// What SIGHUP swaps in a running gateway.
    pub fn reload(&self) -> Reload {
        let c = &self.config;
        Reload {
            plan: self.plan(),
            directory: self.directory(),
            rules: self.rules(),
            dial_allow: c.dial_policy.allow.clone(),
            dial_deny: c.dial_policy.deny.clone(),
            service_domains: self.service_domains(),
            allowed_networks: c.smtp.allowed_networks.iter().map(|n| n.0).collect(),
            auth_users: c
                .smtp
                .auth_users
                .iter()
                .map(|u| (u.name.clone(), u.password.clone()))
                .collect(),
            rate_limit: (c.dial_policy.messages_per_sender, c.dial_policy.window_secs),
            templates: self.templates.clone(),
            render: c.render.options(c.reports.language),
            sip_trunks: self.sip_trunks(),
        }
    }

    /// The `[web]` section as the daemon starts it (`None`: off).
    pub fn web(&self) -> Option<crate::web::WebSetup> {
        use crate::web::{Role, WebSettings, WebSetup, WebUser};
        let w = self.config.web.as_ref()?;
        let tls = match w.tls {
            schema::WebTlsConf::On => true,
            schema::WebTlsConf::Off => false,
            schema::WebTlsConf::Auto => !w.listen.ip().is_loopback(),
        };
        Some(WebSetup {
            listen: w.listen,
            settings: WebSettings {
                session_secs: w.session_hours * 3600,
                upload_limit: w.upload_limit_mb << 20,
                secure_cookies: tls,
            },
            tls,
            users: (self.config.users.iter())
                .map(|u| WebUser {
                    id: u.id.clone(),
                    email: u.email.clone(),
                    name: if u.name.is_empty() {
                        u.email.clone()
                    } else {
                        u.name.clone()
                    },
                    role: match u.role {
                        schema::RoleConf::User => Role::User,
                        schema::RoleConf::Operator => Role::Operator,
                        schema::RoleConf::Admin => Role::Admin,
                    },
                    language: u.language,
                })
                .collect(),
            zones: (self.config.users.iter())
                .filter_map(|u| {
                    let z = crate::web::zone::Zone::load(u.timezone.as_deref()?).ok()?;
                    Some((u.id.clone(), std::sync::Arc::new(z)))
                })
                .collect(),
            required: self.file.is_some(),
        })
    }

    /// Everything the gateway needs, with the data directory: the TLS
    /// certificate (a self-signed one is made there if none is configured).
    pub fn setup(&self, data_dir: &Path) -> Result<GatewaySetup, ConfigError> {
        let c = &self.config;
        let s = &c.smtp;
        let tls = match (&s.tls.certificate, &s.tls.key) {
            (Some(cert), Some(key)) => smtp::tls::server_config(cert, key).map_err(|e| {
                self.error_at(&path(&["smtp", "tls", "certificate"]), e.to_string())
            })?,
            _ => {
                let (cert, key) = smtp::tls::self_signed(data_dir, &s.hostname)
                    .map_err(|e| self.error_at(&path(&["smtp", "tls"]), e.to_string()))?;
                smtp::tls::server_config(&cert, &key)
                    .map_err(|e| self.error_at(&path(&["smtp", "tls"]), e.to_string()))?
            }
        };
        let smart_host = s.smart_host.as_ref().map(|h| smtp::outbound::SmartHost {
            host: h.host.clone(),
            port: h.port,
            tls: match h.tls {
                SmartHostTls::Required => smtp::outbound::TlsMode::Required,
                SmartHostTls::Opportunistic => smtp::outbound::TlsMode::Opportunistic,
                SmartHostTls::None => smtp::outbound::TlsMode::None,
            },
            auth: h.user.clone().zip(h.password.clone()),
        });
        let mode = match c.delivery.mode {
            Some(DeliveryModeConf::Mail) => DeliveryMode::Mail,
            Some(DeliveryModeConf::LocalStore) => DeliveryMode::LocalStore,
            None if smart_host.is_some() => DeliveryMode::Mail,
            None => DeliveryMode::LocalStore,
        };
        let domain = |list: &Vec<String>, prefix: &str| {
            list.first()
                .cloned()
                .unwrap_or_else(|| format!("{prefix}.{}", s.hostname))
        };
        let r = &c.reports;
        let report = ReportConfig {
            host: s.hostname.clone(),
            gateway_name: r.gateway_name.clone(),
            notice_sender: match r.notice_sender.trim() {
                "" => format!("postmaster@{}", s.hostname),
                v => v.to_string(),
            },
            incoming_sender: match r.incoming_sender.trim() {
                "" => format!("fax-gateway@{}", s.hostname),
                v => v.to_string(),
            },
            default_recipient: self.default_recipient(),
            fax_domain: domain(&s.fax_domains, "fax"),
            voice_domain: domain(&s.voice_domains, "voice"),
            sms_domain: domain(&s.sms_domains, "sms"),
            templates: kernel::report::templates::Templates::new(self.templates.clone()),
        };
        let reload = self.reload();
        Ok(GatewaySetup {
            data_dir: data_dir.to_path_buf(),
            smtp_listen: s.listen,
            hostname: s.hostname.clone(),
            plan: reload.plan,
            directory: reload.directory,
            rules: reload.rules,
            service_domains: reload.service_domains,
            allowed_networks: reload.allowed_networks,
            auth_users: reload.auth_users,
            smart_host,
            mode,
            report,
            lines: c.lines.numbers.clone(),
            virtual_fax_numbers: c.simulated_network.fax_numbers.clone(),
            retry: kernel::job::RetryPolicy {
                retries: c.retry.retries,
                intervals_secs: c.retry.intervals_secs.clone(),
            },
            ident: c.lines.ident.clone(),
            tls: Some(Arc::clone(&tls)),
            rate_limit: reload.rate_limit,
            metrics_listen: c.metrics.listen,
            options: SetupOptions {
                dial_allow: reload.dial_allow,
                dial_deny: reload.dial_deny,
                dead_letter_dir: c.delivery.dead_letter_dir.clone(),
                language: r.language,
                header: (!c.lines.header.is_empty()).then(|| c.lines.header.clone()),
                max_message_size: s.max_message_size,
                max_recipients: s.max_recipients,
                max_connections_per_client: s.max_connections_per_client,
                delivery_backoff_secs: c.delivery.backoff_secs.clone(),
                delivery_max_attempts: c.delivery.max_attempts,
                delivery_timeout: Duration::from_secs(c.delivery.timeout_secs),
                stop_timeout: Duration::from_secs(c.daemon.stop_timeout_secs),
                render: reload.render,
                voice: self.voice(),
                sip_trunks: self.sip_trunks(),
                modems: self.modems(),
                gsm: self.gsm(),
                sms: self.sms_rules(),
                sms_report_wait: Duration::from_secs(c.sms.report_wait_secs),
                capis: self.capis(),
                web: self.web(),
                webhooks: self.webhooks(),
            },
        })
    }
}

/// A `[[trunk]]` or `[[modem]]` name (`kind`): 1 to 64 letters, digits,
/// '-', '_' or '.', and none of the `earlier` sections' of that kind.
fn check_line_name<'a>(
    kind: &str,
    name: &str,
    mut earlier: impl Iterator<Item = &'a String>,
) -> Result<(), String> {
    let name_ok = !name.is_empty()
        && name.len() <= 64
        && name
            .chars()
            .all(|ch| ch.is_ascii_alphanumeric() || "-_.".contains(ch));
    if !name_ok {
        return Err(format!(
            "'{name}': a {kind} name is 1 to 64 letters, digits, '-', '_' or '.'"
        ));
    }
    if earlier.any(|o| o == name) {
        return Err(format!("{kind} '{name}' appears twice"));
    }
    Ok(())
}

impl Loaded {
    /// The `[[trunk]]` sections: what serde cannot say.
    /// Each webhook URL is http(s) and has a secret (its own or the
    /// global one); a user's webhook needs `[web]`.
    fn check_webhooks(&self, w: &schema::WebConf) -> Result<(), (KeyPath, String)> {
        let url_ok = |u: &str| crate::webhook::http::Url::parse(u).map(|_| ());
        if let Some(u) = &w.webhook {
            url_ok(u).map_err(|e| (path(&["web", "webhook"]), format!("{u}: {e}")))?;
            if w.webhook_secret.as_deref().is_none_or(str::is_empty) {
                return Err((
                    path(&["web", "webhook"]),
                    "needs webhook_secret: receivers check each post's signature".into(),
                ));
            }
        }
        if w.webhook_attempts == 0 || w.webhook_attempts > 100 {
            return Err((
                path(&["web", "webhook_attempts"]),
                format!("{}: 1 to 100 posts", w.webhook_attempts),
            ));
        }
        if w.webhook_backoff_secs == 0 || w.webhook_backoff_secs > 3600 {
            return Err((
                path(&["web", "webhook_backoff_secs"]),
                format!("{}: 1 to 3600 s", w.webhook_backoff_secs),
            ));
        }
        for (i, u) in self.config.users.iter().enumerate() {
            if let Some(tz) = &u.timezone {
                crate::web::zone::Zone::load(tz)
                    .map_err(|e| (path(&["user", &i.to_string(), "timezone"]), e))?;
            }
            let Some(url) = &u.webhook else { continue };
            let at = |k: &str| path(&["user", &i.to_string(), k]);
            url_ok(url).map_err(|e| (at("webhook"), format!("{url}: {e}")))?;
            let secret = u.webhook_secret.as_ref().or(w.webhook_secret.as_ref());
            if secret.is_none_or(|s| s.is_empty()) {
                return Err((
                    at("webhook"),
                    "needs webhook_secret (the user's or [web]'s)".into(),
                ));
            }
        }
        Ok(())
    }

    /// The webhooks as the daemon starts them (`None`: none configured).
    pub fn webhooks(&self) -> Option<crate::webhook::WebhookSettings> {
        use crate::webhook::{Owner, Target, WebhookSettings};
        let w = self.config.web.as_ref()?;
        let mut targets = Vec::new();
        if let (Some(url), Some(secret)) = (&w.webhook, &w.webhook_secret) {
            targets.push(Target {
                name: "global".into(),
                url: url.clone(),
                secret: secret.clone(),
                owner: None,
            });
        }
        for u in &self.config.users {
            let secret = u.webhook_secret.as_ref().or(w.webhook_secret.as_ref());
            if let (Some(url), Some(secret)) = (&u.webhook, secret) {
                targets.push(Target {
                    name: format!("user:{}", u.id),
                    url: url.clone(),
                    secret: secret.clone(),
                    owner: Some(Owner {
                        id: u.id.clone(),
                        email: u.email.clone(),
                    }),
                });
            }
        }
        (!targets.is_empty()).then(|| WebhookSettings {
            targets,
            max_attempts: w.webhook_attempts,
            backoff_secs: w.webhook_backoff_secs,
            ..WebhookSettings::default()
        })
    }

    fn check_trunks(&self) -> Result<(), (KeyPath, String)> {
        let trunks = &self.config.trunks;
        let mut ports: Vec<(std::net::IpAddr, u16, u16, usize)> = Vec::new();
        for (i, t) in trunks.iter().enumerate() {
            let n = i.to_string();
            let at = |key: &str| path(&["trunk", &n, key]);
            check_line_name("trunk", &t.name, trunks[..i].iter().map(|o| &o.name))
                .map_err(|e| (at("name"), e))?;
            match (&t.registrar, &t.peer) {
                (Some(_), Some(_)) => {
                    return Err((
                        at("peer"),
                        "set either registrar (a provider we register to) or peer \
                         (a PBX or gateway by address), not both"
                            .into(),
                    ))
                }
                (None, None) => {
                    return Err((
                        path(&["trunk", &n]),
                        "no registrar and no peer: set registrar = \"sip.example.net\" \
                         (we register) or peer = \"192.0.2.10:5060\" (a static peer)"
                            .into(),
                    ))
                }
                _ => {}
            }
            for (key, v) in [
                ("registrar", &t.registrar),
                ("peer", &t.peer),
                ("proxy", &t.proxy),
                ("outbound_proxy", &t.outbound_proxy),
            ] {
                if let Some(v) = v {
                    host_port(v).map_err(|m| (at(key), format!("'{v}': {m}")))?;
                }
            }
            let user_ok = !t.user.is_empty()
                && t.user.len() <= 64
                && !t.user.contains(|ch: char| {
                    ch.is_whitespace() || ch.is_control() || "@:;<>\"".contains(ch)
                });
            if !user_ok {
                return Err((
                    at("user"),
                    format!(
                        "'{}' is not a SIP user name (the account, e.g. \"4989123456\")",
                        t.user
                    ),
                ));
            }
            if t.password.is_none() {
                if t.auth_user.is_some() {
                    return Err((
                        at("auth_user"),
                        "an auth_user needs a password: set password too".into(),
                    ));
                }
                if t.realm.is_some() {
                    return Err((
                        at("realm"),
                        "a realm is for answering challenges: set password too".into(),
                    ));
                }
            }
            if t.password.as_deref().is_some_and(str::is_empty) {
                return Err((
                    at("password"),
                    "empty password: remove the key if the trunk needs none".into(),
                ));
            }
            if !(60..=86_400).contains(&t.expiry_secs) {
                return Err((
                    at("expiry_secs"),
                    format!("{} s: give 60 to 86400", t.expiry_secs),
                ));
            }
            if t.listen.ip().is_unspecified() {
                return Err((
                    at("listen"),
                    format!(
                        "{}: give the address the peer reaches us on (it goes into SDP \
                         and Contact), not a wildcard",
                        t.listen
                    ),
                ));
            }
            if t.listen.port() == 0 {
                return Err((at("listen"), "port 0: give the SIP port (5060)".into()));
            }
            if !(1..=64).contains(&t.channels) {
                return Err((
                    at("channels"),
                    format!(
                        "{}: give 1 to 64 (calls at once over this trunk)",
                        t.channels
                    ),
                ));
            }
            let [first, last] = t.rtp_ports;
            let needed = 4 * t.channels as u32;
            if first >= 1024 && first % 2 == 0 && u32::from(last) + 1 < u32::from(first) + needed {
                return Err((
                    at("rtp_ports"),
                    format!(
                        "[{first}, {last}] holds {} ports; {} channels need {needed} \
                         (RTP, RTCP, UDPTL and one spare each): widen the range or \
                         lower channels",
                        (u32::from(last) + 1).saturating_sub(u32::from(first)),
                        t.channels
                    ),
                ));
            }
            if first < 1024 || first % 2 != 0 || last < first.saturating_add(3) {
                return Err((
                    at("rtp_ports"),
                    format!(
                        "[{first}, {last}]: give an even first port of 1024 or more and at \
                         least 4 ports (RTP, RTCP, UDPTL)"
                    ),
                ));
            }
            if (first..=last).contains(&t.listen.port()) {
                return Err((
                    at("rtp_ports"),
                    format!("[{first}, {last}] holds the SIP port {}", t.listen.port()),
                ));
            }
            if !t.t38 && t.t38_preferred {
                return Err((
                    at("t38_preferred"),
                    "T.38 is off (t38 = false): set t38_preferred = false too".into(),
                ));
            }
            if t.tls_certificate.is_some() != t.tls_key.is_some() {
                let missing = if t.tls_key.is_some() {
                    "tls_certificate"
                } else {
                    "tls_key"
                };
                return Err((
                    at(missing),
                    "tls_certificate and tls_key go together".into(),
                ));
            }
            let ip = t.listen.ip();
            for &(oip, ofirst, olast, j) in &ports {
                let same_ip = oip == ip || oip.is_unspecified() || ip.is_unspecified();
                let o = &trunks[j];
                if same_ip && o.listen.port() == t.listen.port() {
                    return Err((
                        at("listen"),
                        format!("{} is also trunk '{}''s SIP address", t.listen, o.name),
                    ));
                }
                if same_ip && first <= olast && ofirst <= last {
                    return Err((
                        at("rtp_ports"),
                        format!("[{first}, {last}] overlaps trunk '{}''s RTP ports", o.name),
                    ));
                }
                if same_ip && (ofirst..=olast).contains(&t.listen.port()) {
                    return Err((
                        at("listen"),
                        format!(
                            "port {} is in trunk '{}''s RTP ports",
                            t.listen.port(),
                            o.name
                        ),
                    ));
                }
            }
            ports.push((ip, first, last, i));
        }
        Ok(())
    }

    fn check_gsm(&self) -> Result<(), (KeyPath, String)> {
        let gsm = &self.config.gsm;
        for (i, g) in gsm.iter().enumerate() {
            let n = i.to_string();
            let at = |key: &str| path(&["gsm", &n, key]);
            check_line_name("gsm", &g.name, gsm[..i].iter().map(|o| &o.name))
                .map_err(|e| (at("name"), e))?;
            let taken = (self.config.modems.iter().map(|m| &m.device))
                .chain(gsm[..i].iter().map(|o| &o.device))
                .any(|d| *d == g.device);
            if taken {
                return Err((
                    at("device"),
                    format!("{} is another modem's device", g.device.display()),
                ));
            }
            if line_drivers::line::check_number(&g.number).is_err() {
                return Err((
                    at("number"),
                    format!("'{}' is not a phone number", g.number),
                ));
            }
            if !(1..=255).contains(&g.max_parts) {
                return Err((at("max_parts"), format!("{}: 1 to 255 SMS", g.max_parts)));
            }
            if g.pin.as_deref().is_some_and(|p| {
                !(4..=8).contains(&p.len()) || !p.chars().all(|c| c.is_ascii_digit())
            }) {
                return Err((at("pin"), "a PIN is 4 to 8 digits".into()));
            }
        }
        Ok(())
    }

    /// How mail becomes SMS text (`[sms]`; the most parts: the smallest
    /// `max_parts` of the `[[gsm]]` lines, so every line can send it).
    pub fn sms_rules(&self) -> kernel::sms_text::SmsTextRules {
        kernel::sms_text::SmsTextRules {
            include_subject: self.config.sms.include_subject,
            max_parts: (self.config.gsm.iter().map(|g| g.max_parts).min())
                .unwrap_or(kernel::sms_text::SmsTextRules::default().max_parts),
        }
    }

    /// One GSM line per `[[gsm]]`.
    pub fn gsm(&self) -> Vec<line_drivers::gsm::GsmSpec> {
        use line_drivers::gsm::{GsmConfig, GsmModemConfig, GsmSpec};
        use line_drivers::modem::serial::SerialSettings;
        (self.config.gsm.iter())
            .map(|g| GsmSpec {
                modem: GsmModemConfig {
                    name: format!("gsm/{}", g.name),
                    engine: GsmConfig {
                        pin: g.pin.clone(),
                        direct: g.direct_delivery,
                        sweep_interval: std::time::Duration::from_secs(g.sweep_secs.max(1)),
                        ..GsmConfig::default()
                    },
                    max_parts: g.max_parts,
                    status_reports: g.status_reports,
                    validity: None,
                },
                serial: SerialSettings {
                    path: g.device.display().to_string(),
                    speed: g.speed,
                    hardware_flow: g.flow_control == schema::FlowControlConf::RtsCts,
                },
                number: g.number.clone(),
            })
            .collect()
    }

    fn check_modems(&self) -> Result<(), (KeyPath, String)> {
        let modems = &self.config.modems;
        for (i, m) in modems.iter().enumerate() {
            let n = i.to_string();
            let at = |key: &str| path(&["modem", &n, key]);
            check_line_name("modem", &m.name, modems[..i].iter().map(|o| &o.name))
                .map_err(|e| (at("name"), e))?;
            if modems[..i].iter().any(|o| o.device == m.device) {
                return Err((
                    at("device"),
                    format!("{} is another modem's device", m.device.display()),
                ));
            }
            if !(1..=20).contains(&m.rings) {
                return Err((
                    at("rings"),
                    format!("{}: answer after 1 to 20 rings", m.rings),
                ));
            }
            if line_drivers::line::check_number(&m.number).is_err() {
                return Err((
                    at("number"),
                    format!("'{}' is not a phone number", m.number),
                ));
            }
            if let Some(q) = &m.quirks {
                let cid = q.caller_id.as_deref();
                if cid.is_some_and(|c| !["", "+VCID=1", "#CID=1"].contains(&c)) {
                    return Err((
                        path(&["modem", &n, "quirks", "caller_id"]),
                        "caller_id is \"+VCID=1\", \"#CID=1\" or \"\" (none)".into(),
                    ));
                }
                if q.reset.as_deref().is_some_and(|r| r != "Z" && r != "&F") {
                    return Err((
                        path(&["modem", &n, "quirks", "reset"]),
                        "reset is \"Z\" or \"&F\"".into(),
                    ));
                }
            }
        }
        Ok(())
    }

    /// One modem line per `[[modem]]`.
    pub fn modems(&self) -> Vec<line_drivers::modem::ModemSpec> {
        use line_drivers::modem::serial::SerialSettings;
        use line_drivers::modem::{ModemLineConfig, ModemSpec, Quirks};
        self.config
            .modems
            .iter()
            .map(|m| {
                let quirks = m.quirks.as_ref().map(|q| {
                    let mut k = Quirks {
                        name: "configured",
                        ..Quirks::SAFE
                    };
                    if let Some(v) = q.turnaround_ms {
                        k.turnaround_ms = v;
                    }
                    if let Some(v) = q.tx_connect_delay_ms {
                        k.tx_connect_delay_ms = v;
                    }
                    if let Some(v) = q.dle_not_doubled {
                        k.dle_not_doubled = v;
                    }
                    if let Some(v) = q.fcerror_delay_ms {
                        k.fcerror_delay_ms = v;
                    }
                    if let Some(v) = q.no_receive_abort {
                        k.no_receive_abort = v;
                    }
                    if q.reset.as_deref() == Some("&F") {
                        k.reset = "&F";
                    }
                    k.caller_id = match q.caller_id.as_deref() {
                        Some("+VCID=1") => Some("+VCID=1"),
                        Some("#CID=1") => Some("#CID=1"),
                        Some(_) => None,
                        None => k.caller_id,
                    };
                    k
                });
                ModemSpec {
                    line: ModemLineConfig {
                        name: format!("modem/{}", m.name),
                        number: m.number.clone(),
                        rings: m.rings,
                        quirks,
                    },
                    serial: SerialSettings {
                        path: m.device.display().to_string(),
                        speed: m.speed,
                        hardware_flow: m.flow_control == schema::FlowControlConf::RtsCts,
                    },
                    group: m.group.clone(),
                }
            })
            .collect()
    }

    /// One SIP trunk (of `channels` lines) per `[[trunk]]`.
    pub fn sip_trunks(&self) -> Vec<line_drivers::sip::SipTrunkConfig> {
        use line_drivers::sip::{CalledFrom, SipLineConfig, T38Policy, TrunkConfig, TrunkMode};
        self.config
            .trunks
            .iter()
            .map(|t| {
                let mode = match (&t.registrar, &t.peer) {
                    (Some(r), _) => TrunkMode::Register {
                        registrar: r.clone(),
                        expires: t.expiry_secs,
                    },
                    (None, p) => TrunkMode::StaticPeer {
                        peer: p.clone().unwrap_or_default(),
                    },
                };
                let trunk = TrunkConfig {
                    name: t.name.clone(),
                    mode,
                    proxy: t.proxy.clone(),
                    outbound_proxy: t.outbound_proxy.clone(),
                    user: t.user.clone(),
                    auth_user: t.auth_user.clone(),
                    password: t.password.clone(),
                    realm: t.realm.clone(),
                };
                let mut cfg = SipLineConfig::new(
                    &format!("sip/{}", t.name),
                    trunk,
                    t.listen.ip(),
                    t.listen.port(),
                    t.rtp_ports[0],
                );
                cfg.keepalive =
                    (t.keepalive_secs > 0).then(|| Duration::from_secs(t.keepalive_secs));
                cfg.hold_down = Duration::from_secs(t.hold_down_secs);
                cfg.public_address = t.public_address;
                cfg.learn_public_address = t.learn_public_address;
                cfg.symmetric_rtp = t.symmetric_rtp;
                cfg.nat_keepalive =
                    (t.nat_keepalive_secs > 0).then(|| Duration::from_secs(t.nat_keepalive_secs));
                cfg.media_keepalive = (t.media_keepalive_secs > 0)
                    .then(|| Duration::from_secs(t.media_keepalive_secs));
                cfg.transport = match t.transport {
                    schema::SipTransportConf::Udp => line_drivers::sip::SipTransport::Udp,
                    schema::SipTransportConf::Tcp => line_drivers::sip::SipTransport::Tcp,
                    schema::SipTransportConf::Tls => line_drivers::sip::SipTransport::Tls,
                };
                cfg.crlf_keepalive = match (t.crlf_keepalive_secs, t.transport) {
                    (Some(0), _) | (None, schema::SipTransportConf::Udp) => None,
                    (None, schema::SipTransportConf::Tcp) => None,
                    (None, _) => Some(line_drivers::sip::CrlfKeepAlive::default()),
                    (Some(n), _) => Some(line_drivers::sip::CrlfKeepAlive {
                        every: Duration::from_secs(n),
                        ..Default::default()
                    }),
                };
                cfg.tls = line_drivers::sip::SipTlsConfig {
                    ca_file: t.tls_ca_file.clone(),
                    server_name: t.tls_server_name.clone(),
                    cert: t.tls_certificate.clone(),
                    key: t.tls_key.clone(),
                };
                cfg.called_from = match t.called_number {
                    schema::CalledNumberConf::RequestUri => CalledFrom::RequestUri,
                    schema::CalledNumberConf::To => CalledFrom::To,
                };
                if !t.t38 {
                    cfg.media.t38 = None;
                }
                cfg.media.srtp = match t.srtp {
                    schema::SrtpConf::Off => line_drivers::sip::SrtpPolicy::Off,
                    schema::SrtpConf::Optional => line_drivers::sip::SrtpPolicy::Optional,
                    schema::SrtpConf::Mandatory => line_drivers::sip::SrtpPolicy::Mandatory,
                };
                cfg.t38_policy = if t.t38_preferred {
                    T38Policy::OnFaxTone
                } else {
                    T38Policy::Never
                };
                line_drivers::sip::SipTrunkConfig {
                    line: cfg,
                    channels: t.channels,
                }
            })
            .collect()
    }
}

/// `host[:port]` as a trunk address: a host name or IP, and a port if given.
fn host_port(v: &str) -> Result<(), String> {
    if v.parse::<std::net::SocketAddr>().is_ok() || v.parse::<std::net::IpAddr>().is_ok() {
        return Ok(());
    }
    let (host, port) = match v.rsplit_once(':') {
        Some((h, p)) => (h, Some(p)),
        None => (v, None),
    };
    if let Some(p) = port {
        match p.parse::<u16>() {
            Ok(p) if p > 0 => {}
            _ => return Err(format!("'{p}' is not a port (1 to 65535)")),
        }
    }
    let host_ok = !host.is_empty()
        && host.len() <= 253
        && host
            .split('.')
            .all(|l| !l.is_empty() && l.chars().all(|ch| ch.is_ascii_alphanumeric() || ch == '-'));
    if !host_ok {
        return Err(
            "give host[:port] (sip.example.net, 192.0.2.10:5060 or [2001:db8::1]:5060)".into(),
        );
    }
    Ok(())
}

/// For a syntax error, where serde's tree has nothing: the `key =` written
/// on the line, with the `[table]` above it.
fn key_on_line(text: &str, offset: usize) -> Option<String> {
    let before = text.get(..offset.min(text.len()))?;
    let start = before.rfind('\n').map_or(0, |i| i + 1);
    let line = text[start..].lines().next()?.trim();
    if let Some(header) = line.strip_prefix('[') {
        // A broken `[table]` header: the table is the key.
        let name = header.trim_start_matches('[').split(']').next()?.trim();
        return (!name.is_empty()).then(|| name.to_string());
    }
    let key = line.split_once('=')?.0.trim();
    if key.is_empty() || key.starts_with('#') {
        return None;
    }
    let table = before[..start].lines().rev().find_map(|l| {
        let l = l.trim();
        l.strip_prefix("[[")
            .and_then(|r| r.split_once("]]"))
            .or_else(|| l.strip_prefix('[').and_then(|r| r.split_once(']')))
            .map(|(t, _)| t.trim().to_string())
    });
    Some(match table {
        Some(t) => format!("{t}.{key}"),
        None => key.to_string(),
    })
}
