//! `ums serve`: the daemon's shell around [`crate::daemon`]: the
//! configuration (file or embedded default), the data directory, signals
//! (SIGHUP reloads, SIGTERM/SIGINT stop gracefully), systemd notification,
//! and log lines on stderr ([`crate::log`]).
//!
//! Exit codes: 0 after a clean stop, [`EXIT_START`] when the gateway cannot
//! start (data directory, port in use), [`EXIT_CONFIG`] for an invalid
//! configuration.

use std::path::{Path, PathBuf};
use std::process::ExitCode;

use crate::{outln, ulog};

/// `ums serve`'s flags.
#[derive(Debug, Clone, Default)]
pub struct ServeOptions {
    /// The configuration file; `None`: the embedded default.
    pub config: Option<PathBuf>,
    pub data: Option<PathBuf>,
    /// Overrides `smtp.listen`.
    pub smtp: Option<std::net::SocketAddr>,
    /// Senders of the embedded default (default `fax@localhost`).
    pub users: Vec<String>,
    /// `HOST:PORT`, overrides `smtp.smart_host`.
    pub smart_host: Option<String>,
    /// Overrides `metrics.listen`.
    pub metrics: Option<std::net::SocketAddr>,
    /// `--web ADDR` (`Some(Some)`) or `--web off` (`Some(None)`):
    /// overrides `[web] listen`.
    pub web: Option<Option<std::net::SocketAddr>>,
}

/// The embedded default's web administrator.
pub const ADMIN: &str = "admin";

/// `ums serve` exits with this when it cannot start (data directory,
/// port in use), as every `ums` command on an error.
pub const EXIT_START: u8 = 2;

/// `ums serve` exits with this when the configuration is invalid
/// (sysexits EX_CONFIG; the unit does not restart on it).
pub const EXIT_CONFIG: u8 = 78;

pub fn check_config(file: &Path) -> ExitCode {
    match crate::config::Loaded::from_file(file) {
        Ok(loaded) => {
            let c = &loaded.config;
            outln!("{}: ok", file.display());
            for w in loaded.warnings() {
                outln!("  warning: {w}");
            }
            outln!(
                "  smtp {} ({}), {} users, {} routing rules, {} lines",
                c.smtp.listen,
                c.smtp.hostname,
                c.users.len(),
                c.routes.len(),
                c.lines.numbers.len()
            );
            if let Some(w) = loaded.web() {
                outln!(
                    "  web journal on {}://{} ({} users with a role above user)",
                    if w.tls { "https" } else { "http" },
                    w.listen,
                    w.users
                        .iter()
                        .filter(|u| u.role > crate::web::Role::User)
                        .count()
                );
            }
            for t in &c.trunks {
                let to = match (&t.registrar, &t.peer) {
                    (Some(r), _) => format!("registers to {r} as {}", t.user),
                    (None, p) => format!("static peer {}", p.as_deref().unwrap_or("")),
                };
                outln!(
                    "  trunk {}: {to}, SIP on {} ({}), RTP {}-{}, {} channels, T.38 {}",
                    t.name,
                    t.listen,
                    match t.transport {
                        crate::config::schema::SipTransportConf::Udp => "UDP",
                        crate::config::schema::SipTransportConf::Tcp => "TCP",
                        crate::config::schema::SipTransportConf::Tls => "TLS",
                    },
                    t.rtp_ports[0],
                    t.rtp_ports[1],
                    t.channels,
                    match (t.t38, t.t38_preferred) {
                        (false, _) => "off",
                        (true, false) => "accepted",
                        (true, true) => "preferred",
                    }
                );
            }
            let plan = loaded.plan();
            for m in &c.modems {
                // The number as routing sees it (the numbering plan
                // applied): what [[route]] patterns and users' numbers
                // must match.
                let called = plan
                    .normalize_called(&m.number, None)
                    .map_or_else(|| "not a number".to_string(), |n| n.to_string());
                println!(
                    "  modem {}: {} at {} bit/s ({}), answers {} ({called}) after {} rings, group {}{}",
                    m.name,
                    m.device.display(),
                    m.speed,
                    match m.flow_control {
                        crate::config::schema::FlowControlConf::RtsCts => "RTS/CTS",
                        crate::config::schema::FlowControlConf::None => "no flow control",
                    },
                    m.number,
                    m.rings,
                    m.group,
                    if m.quirks.is_some() {
                        ", quirks set by hand"
                    } else {
                        ""
                    }
                );
            }
            for c in &c.capis {
                let numbers: Vec<String> = (c.numbers.iter())
                    .map(|n| {
                        let called = plan
                            .normalize_called(n, None)
                            .map_or_else(|| "not a number".to_string(), |n| n.to_string());
                        format!("{n} ({called})")
                    })
                    .collect();
                println!(
                    "  capi {}: {} controller {}, {} B-channel line(s) capi/{}/1..{}, answers {}, group {}",
                    c.name,
                    match &c.remote {
                        Some(r) => format!("remote CAPI at {r},"),
                        None => "libcapi20,".to_string(),
                    },
                    c.controller,
                    c.b_channels,
                    c.name,
                    c.b_channels,
                    if numbers.is_empty() {
                        "every call".to_string()
                    } else {
                        numbers.join(", ")
                    },
                    c.group
                );
            }
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("{e}");
            ExitCode::from(1)
        }
    }
}

/// `--data`, else `$UMS_DATA`, else systemd's $STATE_DIRECTORY (the first,
/// if several), else ~/.local/share/ums.
pub fn data_dir(arg: Option<PathBuf>) -> PathBuf {
    let under_systemd = std::env::var_os("STATE_DIRECTORY")
        .and_then(|v| {
            v.to_str()
                .and_then(|s| s.split(':').next())
                .map(PathBuf::from)
        })
        .filter(|p| !p.as_os_str().is_empty());
    match under_systemd {
        Some(state) if arg.is_none() && std::env::var_os("UMS_DATA").is_none() => state,
        _ => crate::client::serve_data_dir(arg),
    }
}

/// Make `data` the gateway's own, whatever umask it was started with:
/// received faxes, voicemail, mail and the store are for no other user.
/// The umask becomes at least 077 (files 0600, directories 0700), a new
/// data directory is made 0700, and one that others may read loses those
/// bits (the group's too, unless it is systemd's `StateDirectory`, whose
/// mode the unit sets). Says so when it had to take bits away.
fn private_data_dir(data: &Path) -> std::io::Result<Option<String>> {
    use nix::sys::stat::{umask, Mode};
    use std::os::unix::fs::{DirBuilderExt, PermissionsExt};
    let old = umask(Mode::from_bits_truncate(0o077));
    umask(old | Mode::from_bits_truncate(0o077));
    std::fs::DirBuilder::new()
        .recursive(true)
        .mode(0o700)
        .create(data)?;
    let mode = std::fs::metadata(data)?.permissions().mode() & 0o7777;
    let systemds = std::env::var_os("STATE_DIRECTORY")
        .and_then(|v| v.to_str()?.split(':').next().map(PathBuf::from))
        .is_some_and(|s| s == data);
    let private = if systemds {
        mode & !0o007
    } else {
        mode & !0o077
    };
    if private == mode {
        return Ok(None);
    }
    std::fs::set_permissions(data, std::fs::Permissions::from_mode(private))?;
    Ok(Some(format!(
        "data directory {} was mode {mode:o}, now {private:o}: what it holds is the gateway's alone",
        data.display()
    )))
}

/// The configuration `serve` runs: the file, or the embedded default with
/// the `--user`s; `--smtp` and `--smart-host` override either.
fn serve_config(args: &ServeOptions) -> Result<crate::config::Loaded, crate::config::ConfigError> {
    use crate::config::schema::{PermissionsConf, SmartHostConf, SmartHostTls, UserConf};
    let mut loaded = match &args.config {
        Some(f) => crate::config::Loaded::from_file(f)?,
        None => {
            let mut l = crate::config::Loaded::embedded();
            let users: Vec<String> = if args.users.is_empty() {
                vec!["fax@localhost".into()]
            } else {
                args.users.clone()
            };
            l.config.users = users
                .iter()
                .enumerate()
                .map(|(i, email)| UserConf {
                    id: format!("user{i}"),
                    email: email.clone(),
                    name: email.clone(),
                    fax_numbers: Vec::new(),
                    voice_numbers: Vec::new(),
                    sms_numbers: Vec::new(),
                    permissions: PermissionsConf::default(),
                    sender_number: None,
                    fax_header: None,
                    language: Default::default(),
                    groups: Vec::new(),
                    role: Default::default(),
                    webhook: None,
                    webhook_secret: None,
                    timezone: None,
                })
                .collect();
            // The web journal's administrator; `serve` gives it a first
            // password and prints it once.
            l.config.users.push(UserConf {
                id: ADMIN.into(),
                email: format!("{ADMIN}@localhost"),
                name: "Administrator".into(),
                fax_numbers: Vec::new(),
                voice_numbers: Vec::new(),
                sms_numbers: Vec::new(),
                permissions: PermissionsConf::default(),
                sender_number: None,
                fax_header: None,
                language: Default::default(),
                groups: Vec::new(),
                role: crate::config::schema::RoleConf::Admin,
                webhook: None,
                webhook_secret: None,
                timezone: None,
            });
            l
        }
    };
    if let Some(listen) = args.smtp {
        loaded.config.smtp.listen = listen;
    }
    if let Some(listen) = args.metrics {
        loaded.config.metrics.listen = Some(listen);
    }
    match args.web {
        Some(Some(listen)) => {
            let mut w = loaded.config.web.clone().unwrap_or_default();
            w.listen = listen;
            loaded.config.web = Some(w);
        }
        Some(None) => loaded.config.web = None,
        None => {}
    }
    if let Some(hp) = &args.smart_host {
        let bad = || crate::config::ConfigError {
            file: "--smart-host".into(),
            line: 0,
            column: 0,
            key: None,
            message: format!("'{hp}': give HOST:PORT"),
        };
        let (host, port) = hp.rsplit_once(':').ok_or_else(bad)?;
        loaded.config.smtp.smart_host = Some(SmartHostConf {
            host: host.to_string(),
            port: port.parse().map_err(|_| bad())?,
            tls: SmartHostTls::Opportunistic,
            user: None,
            password: None,
        });
    }
    Ok(loaded)
}

pub fn run(args: ServeOptions) -> Result<ExitCode, Box<dyn std::error::Error>> {
    let loaded = match serve_config(&args) {
        Ok(l) => l,
        Err(e) => {
            ulog!(Err, "config-invalid", "{e}");
            return Ok(ExitCode::from(EXIT_CONFIG));
        }
    };
    for w in loaded.warnings() {
        ulog!(Warning, "config-warning", "{w}");
    }
    let data = data_dir(args.data.clone());
    match private_data_dir(&data) {
        Ok(Some(tightened)) => ulog!(Warning, "data-dir-mode", "{tightened}"),
        Ok(None) => {}
        Err(e) => {
            ulog!(
                Err,
                "data-dir-failed",
                "data directory {}: {e}",
                data.display()
            );
            return Ok(ExitCode::from(EXIT_START));
        }
    }
    let setup = match loaded.setup(&data) {
        Ok(s) => s,
        Err(e) => {
            ulog!(Err, "config-invalid", "{e}");
            return Ok(ExitCode::from(EXIT_CONFIG));
        }
    };
    let stop_timeout = setup.options.stop_timeout;
    let hint = crate::ready::ReadyHint::new(&setup, loaded.file.as_deref());
    let domains: Vec<String> = setup
        .service_domains
        .iter()
        .map(|(d, _)| d.clone())
        .collect();
    let rt = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()?;
    let code = rt.block_on(async move {
        use tokio::signal::unix::{signal, SignalKind};
        // The handlers first: a SIGTERM during the start (the first admin
        // password's argon2 hash takes a while on a loaded machine) waits
        // for the loop below instead of killing the process mid-start.
        let mut term = signal(SignalKind::terminate())?;
        let mut int = signal(SignalKind::interrupt())?;
        let mut hup = signal(SignalKind::hangup())?;
        let running = match crate::daemon::start(setup).await {
            Ok(r) => r,
            Err(e) => {
                ulog!(Err, "start-failed", "cannot start: {e}");
                return Ok::<_, Box<dyn std::error::Error>>(ExitCode::from(EXIT_START));
            }
        };
        ulog!(
            Info,
            "started",
            "serving SMTP on {} for {}, data in {}, configuration {}",
            running.smtp_addr,
            domains.join(" and "),
            data.display(),
            loaded
                .file
                .as_ref()
                .map_or(crate::config::EMBEDDED.to_string(), |f| f.display().to_string())
        );
        if let Some(addr) = running.metrics_addr {
            ulog!(Info, "metrics", "metrics on http://{addr}/metrics");
        }
        if let (Some(addr), Some(web)) = (running.web_addr, &running.web) {
            let scheme = if web.settings.secure_cookies { "https" } else { "http" };
            ulog!(Info, "web", "web journal on {scheme}://{addr}/");
            first_admin_password(web, scheme, addr);
        }
        // The store is open and the listener bound: tell systemd.
        crate::sd_notify::notify("READY=1");
        if std::env::var_os("NOTIFY_SOCKET").is_none() {
            eprintln!(
                "{}",
                crate::ready::ReadyHint {
                    smtp: running.smtp_addr,
                    ..hint
                }
                .text()
            );
        }
        let how = loop {
            tokio::select! {
                _ = int.recv() => break "SIGINT",
                _ = term.recv() => break "SIGTERM",
                _ = hup.recv() => reload(&args, &running),
            }
        };
        crate::sd_notify::notify("STOPPING=1");
        ulog!(
            Notice,
            "stopping",
            "{how}: stopping: no new mail or calls; waiting up to {} s for {} call(s) in progress",
            stop_timeout.as_secs(),
            running.calls_in_progress()
        );
        tokio::select! {
            left = running.shutdown(stop_timeout) => {
                if left > 0 {
                    ulog!(Warning, "stop-timeout", "{left} call(s) cut at the stop timeout; they are retried after the next start");
                }
                ulog!(Notice, "stopped", "stopped, store flushed");
            }
            _ = term.recv() => ulog!(Warning, "stop-forced", "second SIGTERM: stopping now; calls in progress are retried after the next start"),
            _ = int.recv() => ulog!(Warning, "stop-forced", "second SIGINT: stopping now; calls in progress are retried after the next start"),
        }
        Ok(ExitCode::SUCCESS)
    })?;
    Ok(code)
}

/// The embedded default's `admin` without a password gets one, printed
/// once on stderr (stored only as its argon2 hash).
fn first_admin_password(web: &crate::web::WebContext, scheme: &str, addr: std::net::SocketAddr) {
    if web.user(ADMIN).is_none() || web.accounts.has_password(ADMIN).unwrap_or(true) {
        return;
    }
    let password = crate::web::auth::new_password();
    match web.accounts.set_password(ADMIN, &password) {
        Ok(()) => eprintln!(
            "web journal: {scheme}://{addr}/  user {ADMIN}  password {password}\n\
             (shown only now; change it with `ums passwd {ADMIN}`)"
        ),
        Err(e) => ulog!(Err, "web", "cannot store the admin password: {e}"),
    }
}

/// SIGHUP: read the file again and swap routing, users and SMTP policy. An
/// invalid file changes nothing.
fn reload(args: &ServeOptions, running: &crate::daemon::Running) {
    if args.config.is_none() {
        ulog!(
            Notice,
            "reload-skipped",
            "SIGHUP: no configuration file to reload (started without --config)"
        );
        return;
    }
    let loaded = match serve_config(args) {
        Ok(l) => l,
        Err(e) => {
            ulog!(
                Err,
                "reload-failed",
                "SIGHUP: configuration not reloaded, the old one stays: {e}"
            );
            return;
        }
    };
    if let (Some(web), Some(w)) = (&running.web, loaded.web()) {
        web.set_users(w.users);
        web.set_zones(w.zones);
    }
    // New webhook URLs and secrets; webhooks first configured by this
    // reload need a restart (the store's status feed starts with the
    // gateway).
    if let Some(hooks) = &running.webhooks {
        hooks.set_settings(loaded.webhooks().unwrap_or_default());
    } else if loaded.webhooks().is_some() {
        ulog!(
            Warning,
            "webhooks-need-restart",
            "SIGHUP: webhooks were added; they start with the next restart"
        );
    }
    let r = loaded.reload();
    let (users, rules, templates) = (r.directory.users.len(), r.rules.len(), r.templates.len());
    match running.reload(r) {
        Ok(()) => ulog!(
            Notice,
            "reloaded",
            "SIGHUP: reloaded routing ({rules} rules), users ({users}), SMTP policy, report templates ({templates} own texts), render settings and SIP trunks; other settings take effect at the next start"
        ),
        Err(e) => ulog!(Err, "reload-failed", "SIGHUP: configuration not reloaded, the old one stays: {e}"),
    }
}
