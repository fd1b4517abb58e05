//! The client tools: `ums send`, `status`, `journal`, `queue`,
//! `deadletter`, `simulate`. They talk to the running gateway over its
//! control socket ([`crate::control`]); without a gateway the read-only
//! ones (`journal`, `deadletter list`) read the data directory directly.
//!
//! The data directory is found without flags: `--data`, else `$UMS_DATA`,
//! else `/var/lib/ums` when a gateway's socket is there (the systemd
//! service), else `~/.local/share/ums` (what `ums serve` uses by hand).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::UnixStream;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use clap::{Args, Subcommand};
use kernel::message::{MessageId, Timestamp};
use kernel::store::{Record, Store};
use serde_json::Value;

use crate::control::{Request, SOCKET};
use crate::journal::{self, JournalFilter};
use crate::{out, outln};

/// Exit codes of the client tools (also in `ums --help` and the README).
pub mod exit {
    /// It worked.
    pub const OK: u8 = 0;
    /// The gateway said no: a message refused or failed, an id that is not
    /// there or not in the queue, a simulated fax that failed.
    pub const FAILED: u8 = 1;
    /// Bad arguments or unreadable input files.
    pub const BAD_INPUT: u8 = 2;
    /// No gateway runs on the data directory (the command needs one).
    pub const NO_DAEMON: u8 = 3;
    /// The gateway refused us: not root, not its user or group.
    pub const NOT_PERMITTED: u8 = 4;
    /// Something broke: the store cannot be read, the gateway stopped.
    pub const INTERNAL: u8 = 5;
}

/// The text for `ums --help`.
pub const EXIT_CODES_HELP: &str =
    "Exit codes of the client commands (send, status, journal, queue, deadletter, simulate):
  0  done
  1  the gateway said no: message refused or failed, no such message, not in the queue
  2  bad arguments or unreadable files
  3  no gateway running on the data directory (the command needs one)
  4  not permitted: the gateway serves root and its own user or group only
  5  internal error: store unreadable, gateway stopped";

/// Where the system service keeps its data.
pub const SYSTEM_DATA: &str = "/var/lib/ums";

/// The data directory without a running daemon to ask: `--data`, else
/// `$UMS_DATA`, else `/var/lib/ums` when a gateway's socket is there, else
/// `~/.local/share/ums`. `ums serve` uses the same rule minus the socket
/// test.
pub fn data_dir(explicit: Option<PathBuf>) -> PathBuf {
    if let Some(d) = explicit {
        return d;
    }
    if let Some(d) = std::env::var_os("UMS_DATA").filter(|d| !d.is_empty()) {
        return PathBuf::from(d);
    }
    if Path::new(SYSTEM_DATA).join(SOCKET).exists() {
        return PathBuf::from(SYSTEM_DATA);
    }
    user_data_dir()
}

/// `~/.local/share/ums`.
pub fn user_data_dir() -> PathBuf {
    PathBuf::from(std::env::var("HOME").unwrap_or_else(|_| ".".into())).join(".local/share/ums")
}

/// The data directory of `ums serve`: `--data`, else `$UMS_DATA`, else
/// `~/.local/share/ums`.
pub fn serve_data_dir(explicit: Option<PathBuf>) -> PathBuf {
    explicit
        .or_else(|| {
            std::env::var_os("UMS_DATA")
                .filter(|d| !d.is_empty())
                .map(PathBuf::from)
        })
        .unwrap_or_else(user_data_dir)
}

/// A failure of a client command: what to print and the exit code.
#[derive(Debug)]
pub struct ClientError {
    pub code: u8,
    pub text: String,
}

impl ClientError {
    fn new(code: u8, text: impl Into<String>) -> ClientError {
        ClientError {
            code,
            text: text.into(),
        }
    }
}

type Result<T> = std::result::Result<T, ClientError>;

/// A connection to the gateway's control socket.
pub struct Connection {
    stream: BufReader<UnixStream>,
}

impl Connection {
    /// Connect to the gateway of `data`; `Ok(None)` when none runs there.
    pub fn open(data: &Path) -> Result<Option<Connection>> {
        let path = data.join(SOCKET);
        match UnixStream::connect(&path) {
            Ok(s) => Ok(Some(Connection {
                stream: BufReader::new(s),
            })),
            Err(e)
                if matches!(
                    e.kind(),
                    std::io::ErrorKind::NotFound | std::io::ErrorKind::ConnectionRefused
                ) =>
            {
                Ok(None)
            }
            Err(e) if e.kind() == std::io::ErrorKind::PermissionDenied => Err(ClientError::new(
                exit::NOT_PERMITTED,
                format!("{}: {e}", path.display()),
            )),
            Err(e) => Err(ClientError::new(
                exit::INTERNAL,
                format!("{}: {e}", path.display()),
            )),
        }
    }

    /// Send one request, read one answer; an `"ok": false` answer becomes
    /// the error with the gateway's code.
    pub fn ask(&mut self, req: &Request) -> Result<Value> {
        let mut line = serde_json::to_string(req).expect("requests serialise");
        line.push('\n');
        let io =
            |e: std::io::Error| ClientError::new(exit::INTERNAL, format!("control socket: {e}"));
        // The gateway may refuse (peer credentials) and close before it
        // reads: the write then fails, but its refusal line is there to read.
        let written = self.stream.get_mut().write_all(line.as_bytes());
        let mut answer = String::new();
        let read = self.stream.read_line(&mut answer);
        if answer.is_empty() {
            written.map_err(io)?;
            read.map_err(io)?;
        }
        if answer.is_empty() {
            return Err(ClientError::new(
                exit::INTERNAL,
                "the gateway closed the connection",
            ));
        }
        let v: Value = serde_json::from_str(&answer).map_err(|e| {
            ClientError::new(exit::INTERNAL, format!("bad answer from the gateway: {e}"))
        })?;
        if v["ok"].as_bool() == Some(true) {
            Ok(v)
        } else {
            let code = v["code"]
                .as_u64()
                .and_then(|c| u8::try_from(c).ok())
                .unwrap_or(exit::INTERNAL);
            Err(ClientError::new(
                code,
                v["error"]
                    .as_str()
                    .unwrap_or("the gateway refused")
                    .to_string(),
            ))
        }
    }
}

fn need_daemon(data: &Path) -> Result<Connection> {
    Connection::open(data)?.ok_or_else(|| {
        ClientError::new(
            exit::NO_DAEMON,
            format!(
                "no gateway is running on {} (start it with `ums serve`)",
                data.display()
            ),
        )
    })
}

fn records_of(v: &Value, key: &str) -> Result<Vec<Record>> {
    serde_json::from_value(v[key].clone())
        .map_err(|e| ClientError::new(exit::INTERNAL, format!("bad answer: {e}")))
}

#[allow(clippy::disallowed_methods)] // driver shell: the wall clock
fn wall_clock() -> Timestamp {
    Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
    )
}

/// Open the store directly (no daemon runs).
fn open_store(data: &Path) -> Result<Store> {
    let dir = data.join("store");
    if !dir.exists() {
        return Err(ClientError::new(
            exit::NO_DAEMON,
            format!(
                "no gateway data in {} (no store yet; start one with `ums serve`)",
                data.display()
            ),
        ));
    }
    Store::open(&dir).map_err(|e| ClientError::new(exit::INTERNAL, e.to_string()))
}

/// Options every client command takes.
#[derive(Args, Debug, Clone)]
pub struct Common {
    /// Data directory of the gateway (default: $UMS_DATA, else
    /// /var/lib/ums when its gateway runs, else ~/.local/share/ums).
    #[arg(long)]
    pub data: Option<PathBuf>,
    /// Machine-readable output (JSON).
    #[arg(long)]
    pub json: bool,
}

/// The client commands, for `ums`'s command line.
#[derive(Subcommand, Debug)]
pub enum ClientCommand {
    /// Send a fax through the running gateway.
    Send(SendArgs),
    /// Lines, queue and recent errors of the running gateway.
    Status(StatusArgs),
    /// Set a user's web journal password (read from stdin, or asked for
    /// on a terminal). The user is a `[[user]]` id.
    Passwd(PasswdArgs),
    /// The journal: every message with its status.
    Journal(JournalArgs),
    /// Cancel or delete an outgoing message.
    #[command(subcommand)]
    Queue(QueueCommand),
    /// Notices that could not be delivered.
    #[command(subcommand)]
    Deadletter(DeadLetterCommand),
    /// Make the simulated phone network send something in.
    #[command(subcommand)]
    Simulate(SimulateCommand),
}

#[derive(Args, Debug)]
pub struct PasswdArgs {
    /// The user's id in the directory (e.g. admin).
    pub user: String,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug)]
pub struct SendArgs {
    /// The fax number (repeatable).
    #[arg(long, required = true)]
    pub to: Vec<String>,
    /// The sender's address (default: the gateway's first user).
    #[arg(long)]
    pub from: Option<String>,
    /// Put a cover page (who, to whom, when, what) in front.
    #[arg(long, overrides_with = "no_cover")]
    pub cover: bool,
    /// No cover page (the default).
    #[arg(long)]
    pub no_cover: bool,
    #[arg(long)]
    pub subject: Option<String>,
    /// The message text, as the text of a mail: printed on the cover page
    /// (or as the first page, as the gateway's `[render] cover` says).
    #[arg(long)]
    pub text: Option<String>,
    /// Documents: PDF, fax TIFFs, images (PNG, JPEG, GIF, BMP), text,
    /// HTML (what the gateway renders from a mail).
    #[arg(required_unless_present = "text")]
    pub files: Vec<PathBuf>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug)]
pub struct StatusArgs {
    #[command(flatten)]
    pub common: Common,
}

#[derive(Args, Debug)]
pub struct JournalArgs {
    /// Only this service: fax, voice or sms.
    #[arg(long)]
    pub service: Option<String>,
    /// Only messages since: an age (30m, 2h, 7d) or a UTC date/time.
    #[arg(long)]
    pub since: Option<String>,
    #[command(subcommand)]
    pub show: Option<JournalShow>,
    #[command(flatten)]
    pub common: Common,
}

#[derive(Subcommand, Debug)]
pub enum JournalShow {
    /// One message: its report and where its document is.
    Show {
        id: u64,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand, Debug)]
pub enum QueueCommand {
    /// Stop an outgoing message (the sender is told).
    Cancel {
        id: u64,
        #[command(flatten)]
        common: Common,
    },
    /// Delete an outgoing message (the default recipient is told).
    Delete {
        id: u64,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand, Debug)]
pub enum DeadLetterCommand {
    /// The dead letters, oldest first.
    List {
        #[command(flatten)]
        common: Common,
    },
    /// Put dead letters back into the outbox (all, or the ids given).
    Retry {
        ids: Vec<String>,
        /// Retry every dead letter.
        #[arg(long)]
        all: bool,
        #[command(flatten)]
        common: Common,
    },
}

#[derive(Subcommand, Debug)]
pub enum SimulateCommand {
    /// A fax machine of the simulated network calls one of our lines and
    /// sends FILE (a fax TIFF, or a document the gateway renders: PDF,
    /// image, text, HTML, Office).
    Fax {
        #[arg(long)]
        from: String,
        /// One of the gateway's lines (100 ... 103 in the embedded default).
        #[arg(long)]
        to: String,
        file: PathBuf,
        #[command(flatten)]
        common: Common,
    },
    /// An SMS from a mobile phone of the simulated network arrives.
    Sms {
        #[arg(long)]
        from: String,
        #[arg(long)]
        to: String,
        text: String,
        #[command(flatten)]
        common: Common,
    },
}

/// Run a client command; prints its output and returns the exit code.
pub fn run(cmd: ClientCommand) -> ExitCode {
    match dispatch(cmd) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("ums: {}", e.text);
            ExitCode::from(e.code)
        }
    }
}

fn dispatch(cmd: ClientCommand) -> Result<()> {
    match cmd {
        ClientCommand::Send(a) => send(a),
        ClientCommand::Status(a) => status(&a.common),
        ClientCommand::Passwd(a) => passwd(&a),
        ClientCommand::Journal(a) => match a.show {
            Some(JournalShow::Show { id, common }) => {
                let common = Common {
                    data: common.data.or(a.common.data),
                    json: common.json || a.common.json,
                };
                show(id, &common)
            }
            None => journal_list(&a),
        },
        ClientCommand::Queue(QueueCommand::Cancel { id, common }) => remove(id, false, &common),
        ClientCommand::Queue(QueueCommand::Delete { id, common }) => remove(id, true, &common),
        ClientCommand::Deadletter(DeadLetterCommand::List { common }) => deadletter_list(&common),
        ClientCommand::Deadletter(DeadLetterCommand::Retry { ids, all, common }) => {
            deadletter_retry(ids, all, &common)
        }
        ClientCommand::Simulate(SimulateCommand::Fax {
            from,
            to,
            file,
            common,
        }) => simulate_fax(&from, &to, &file, &common),
        ClientCommand::Simulate(SimulateCommand::Sms {
            from,
            to,
            text,
            common,
        }) => simulate_sms(from, to, text, &common),
    }
}

/// The new password: one line of stdin (a terminal is asked twice,
/// without echo).
fn read_password() -> Result<String> {
    use std::io::{BufRead, IsTerminal};
    let stdin = std::io::stdin();
    let bad = |e: std::io::Error| ClientError::new(exit::BAD_INPUT, format!("stdin: {e}"));
    let tty = stdin.is_terminal();
    let echo = |on: bool| {
        if let Ok(mut t) = nix::sys::termios::tcgetattr(std::io::stdin()) {
            t.local_flags.set(nix::sys::termios::LocalFlags::ECHO, on);
            let _ = nix::sys::termios::tcsetattr(
                std::io::stdin(),
                nix::sys::termios::SetArg::TCSANOW,
                &t,
            );
        }
    };
    let line = |prompt: &str| -> Result<String> {
        if tty {
            eprint!("{prompt}");
            echo(false);
        }
        let mut l = String::new();
        let r = stdin.lock().read_line(&mut l);
        if tty {
            echo(true);
            eprintln!();
        }
        r.map_err(bad)?;
        Ok(l.trim_end_matches(['\r', '\n']).to_string())
    };
    let p = line("New password: ")?;
    if tty && line("Again: ")? != p {
        return Err(ClientError::new(exit::BAD_INPUT, "the passwords differ"));
    }
    if p.chars().count() < 8 {
        return Err(ClientError::new(
            exit::BAD_INPUT,
            "a password has at least 8 characters",
        ));
    }
    Ok(p)
}

/// `ums passwd USER`: through the running gateway (it knows the
/// directory), else straight into the store.
fn passwd(a: &PasswdArgs) -> Result<()> {
    let data = data_dir(a.common.data.clone());
    let password = read_password()?;
    match Connection::open(&data)? {
        Some(mut c) => {
            c.ask(&Request::Passwd {
                user: a.user.clone(),
                password,
            })?;
        }
        None => {
            let store = open_store(&data)?;
            let accounts = crate::web::auth::Accounts::open(&store)
                .map_err(|e| ClientError::new(exit::INTERNAL, e.to_string()))?;
            accounts
                .set_password(&a.user, &password)
                .map_err(|e| ClientError::new(exit::INTERNAL, e.to_string()))?;
        }
    }
    outln!("password of {} set", a.user);
    Ok(())
}

fn print_json(v: &impl serde::Serialize) {
    outln!(
        "{}",
        serde_json::to_string_pretty(v).expect("values serialise")
    );
}

fn journal_list(a: &JournalArgs) -> Result<()> {
    let data = data_dir(a.common.data.clone());
    let service = match a.service.as_deref() {
        None => None,
        Some(s) => Some(crate::control::parse_service(s).ok_or_else(|| {
            ClientError::new(
                exit::BAD_INPUT,
                format!("--service {s}: use fax, voice or sms"),
            )
        })?),
    };
    let since = match a.since.as_deref() {
        None => None,
        Some(s) => Some(
            journal::parse_since(s, wall_clock())
                .map_err(|e| ClientError::new(exit::BAD_INPUT, e))?,
        ),
    };
    let filter = JournalFilter { service, since };
    let records = match Connection::open(&data)? {
        Some(mut c) => records_of(&c.ask(&Request::Journal { filter })?, "records")?,
        None => journal::select(&open_store(&data)?, &filter)
            .map_err(|e| ClientError::new(exit::INTERNAL, e.to_string()))?,
    };
    if a.common.json {
        print_json(&records);
    } else if records.is_empty() {
        outln!("no messages");
    } else {
        out!("{}", journal::table(&records));
    }
    Ok(())
}

fn show(id: u64, common: &Common) -> Result<()> {
    let data = data_dir(common.data.clone());
    let record: Record = match Connection::open(&data)? {
        Some(mut c) => serde_json::from_value(c.ask(&Request::Show { id })?["record"].clone())
            .map_err(|e| ClientError::new(exit::INTERNAL, format!("bad answer: {e}")))?,
        None => open_store(&data)?
            .get(MessageId(id))
            .map_err(|e| ClientError::new(exit::INTERNAL, e.to_string()))?
            .ok_or_else(|| {
                ClientError::new(exit::FAILED, format!("no message {}", MessageId(id)))
            })?,
    };
    if common.json {
        print_json(&record);
    } else {
        out!("{}", journal::show(&record));
    }
    Ok(())
}

fn status(common: &Common) -> Result<()> {
    let data = data_dir(common.data.clone());
    let v = need_daemon(&data)?.ask(&Request::Status)?;
    if common.json {
        print_json(&v);
        return Ok(());
    }
    let lines: Vec<kernel::runner::LineState> = serde_json::from_value(v["lines"].clone())
        .map_err(|e| ClientError::new(exit::INTERNAL, format!("bad answer: {e}")))?;
    let s: journal::StatusSummary = serde_json::from_value(v["status"].clone())
        .map_err(|e| ClientError::new(exit::INTERNAL, format!("bad answer: {e}")))?;
    outln!(
        "gateway  running (pid {}), data {}",
        v["pid"],
        v["data"].as_str().unwrap_or("?")
    );
    outln!();
    let mut rows = vec![["LINE".to_string(), "STATE".into(), "CALL".into()]];
    for l in &lines {
        let call = match l.state.as_str() {
            "sending" => format!(
                "message {} to {}{}",
                l.message.map_or("?".into(), |m| m.to_string()),
                l.remote.as_deref().unwrap_or("?"),
                l.since.map_or(String::new(), |t| format!(
                    " since {}",
                    journal::short_time(t)
                ))
            ),
            "receiving" => format!(
                "from {}{}",
                l.remote.as_deref().unwrap_or("unknown caller"),
                l.since.map_or(String::new(), |t| format!(
                    " since {}",
                    journal::short_time(t)
                ))
            ),
            _ => String::new(),
        };
        // A fax call's progress: medium, T.30 phase, rate, page n/m.
        let mut call = call;
        if let Some(m) = &l.medium {
            call.push_str(&format!(", {m}"));
            if let Some(p) = &l.phase {
                call.push_str(&format!(", phase {p}"));
            }
            if l.bit_rate > 0 {
                let ecm = if l.ecm { " ECM" } else { "" };
                call.push_str(&format!(", {} bit/s{ecm}", l.bit_rate));
            }
            match (l.page, l.pages) {
                (0, _) => {}
                (n, 0) => call.push_str(&format!(", page {n}")),
                (n, m) => call.push_str(&format!(", page {n}/{m}")),
            }
        }
        if let Some(n) = &l.network {
            if !call.is_empty() {
                call.push_str(", ");
            }
            call.push_str(n);
        }
        rows.push([l.line.clone(), l.state.clone(), call]);
    }
    out!("{}", journal::align(&rows));
    outln!();
    outln!(
        "queue    {} waiting, {} retrying, {} on a line ({} messages in the journal)",
        s.queued,
        s.retrying,
        s.sending,
        s.messages
    );
    outln!("dead letters  {}", s.dead_letters);
    if s.last_errors.is_empty() {
        outln!("last errors   none");
    } else {
        outln!("last errors");
        let rows: Vec<[String; 4]> = s
            .last_errors
            .iter()
            .map(|e| {
                [
                    format!("  {}", MessageId(e.id)),
                    journal::short_time(e.when),
                    e.number.clone(),
                    e.reason.clone(),
                ]
            })
            .collect();
        out!("{}", journal::align(&rows));
    }
    Ok(())
}

fn remove(id: u64, delete: bool, common: &Common) -> Result<()> {
    let data = data_dir(common.data.clone());
    let req = if delete {
        Request::Delete { id }
    } else {
        Request::Cancel { id }
    };
    let v = need_daemon(&data)?.ask(&req)?;
    if common.json {
        print_json(&v);
    } else {
        outln!(
            "{}  {}",
            MessageId(id),
            v["status"].as_str().unwrap_or("done")
        );
    }
    Ok(())
}

fn deadletter_list(common: &Common) -> Result<()> {
    let data = data_dir(common.data.clone());
    let letters: Vec<crate::deadletter::DeadLetter> = match Connection::open(&data)? {
        Some(mut c) => {
            serde_json::from_value(c.ask(&Request::DeadLetterList)?["dead_letters"].clone())
                .map_err(|e| ClientError::new(exit::INTERNAL, format!("bad answer: {e}")))?
        }
        None => crate::deadletter::list(&data.join("dead-letter"))
            .map_err(|e| ClientError::new(exit::INTERNAL, e))?,
    };
    if common.json {
        print_json(&letters);
        return Ok(());
    }
    if letters.is_empty() {
        outln!("no dead letters");
        return Ok(());
    }
    let mut rows = vec![[
        "ID".to_string(),
        "WRITTEN (UTC)".into(),
        "TO".into(),
        "SUBJECT".into(),
        "REASON".into(),
    ]];
    for l in &letters {
        rows.push([
            l.id.clone(),
            journal::short_time(Timestamp(l.written * 1000)),
            l.recipients.join(", "),
            cut(&l.subject, 40),
            cut(&l.reason, 60),
        ]);
    }
    out!("{}", journal::align(&rows));
    Ok(())
}

fn cut(s: &str, n: usize) -> String {
    if s.chars().count() <= n {
        s.to_string()
    } else {
        let mut t: String = s.chars().take(n - 1).collect();
        t.push('…');
        t
    }
}

fn deadletter_retry(ids: Vec<String>, all: bool, common: &Common) -> Result<()> {
    if ids.is_empty() != all {
        return Err(ClientError::new(
            exit::BAD_INPUT,
            "give the dead letters' ids, or --all",
        ));
    }
    let data = data_dir(common.data.clone());
    let done: Vec<String> = match Connection::open(&data)? {
        Some(mut c) => {
            serde_json::from_value(c.ask(&Request::DeadLetterRetry { ids })?["retried"].clone())
                .map_err(|e| ClientError::new(exit::INTERNAL, format!("bad answer: {e}")))?
        }
        None => crate::deadletter::retry(&open_store(&data)?, &data.join("dead-letter"), &ids)
            .map_err(|e| ClientError::new(exit::FAILED, e))?,
    };
    if common.json {
        print_json(&done);
    } else if done.is_empty() {
        outln!("no dead letters");
    } else {
        for id in done {
            outln!("{id}  back in the outbox");
        }
    }
    Ok(())
}

/// The content type the connector reads a file as, by its name.
fn content_type(path: &Path) -> &'static str {
    let ext = path
        .extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    match ext.as_str() {
        "tif" | "tiff" => "image/tiff",
        "png" => "image/png",
        "jpg" | "jpeg" => "image/jpeg",
        "gif" => "image/gif",
        "bmp" => "image/bmp",
        "txt" | "text" => "text/plain",
        "pdf" => "application/pdf",
        "htm" | "html" => "text/html",
        _ => "application/octet-stream",
    }
}

fn read_file(path: &Path) -> Result<Vec<u8>> {
    std::fs::read(path)
        .map_err(|e| ClientError::new(exit::BAD_INPUT, format!("{}: {e}", path.display())))
}

/// The mail `ums send` submits: the files as attachments, and a text body
/// that the connector typesets as the first page: the `--cover` block,
/// then the `--text`.
fn build_mail(a: &SendArgs, from: Option<&str>, files: &[(String, Vec<u8>, &str)]) -> String {
    use kernel::report::mime::{write_message, Part};
    let now = wall_clock();
    let mut parts = Vec::new();
    let mut body = String::new();
    if a.cover && !a.no_cover {
        let mut cover = String::from("FAX\n\n");
        cover.push_str(&format!("To:      {}\n", a.to.join(", ")));
        if let Some(f) = from {
            cover.push_str(&format!("From:    {f}\n"));
        }
        cover.push_str(&format!("Date:    {}\n", now.rfc5322()));
        if let Some(s) = &a.subject {
            cover.push_str(&format!("Subject: {s}\n"));
        }
        if !files.is_empty() {
            cover.push_str("\nDocuments:\n");
        }
        for (name, _, _) in files {
            cover.push_str(&format!("  {name}\n"));
        }
        body.push_str(&cover);
    }
    if let Some(text) = &a.text {
        if !body.is_empty() {
            body.push('\n');
        }
        body.push_str(text);
        body.push('\n');
    }
    if !body.is_empty() {
        parts.push(Part::text("plain", &body));
    }
    for (name, bytes, ct) in files {
        parts.push(Part::binary(ct, bytes).attachment(name));
    }
    let mut headers = vec![
        ("Date".to_string(), now.rfc5322()),
        ("MIME-Version".to_string(), "1.0".to_string()),
        ("To".to_string(), a.to.join(", ")),
    ];
    if let Some(f) = from {
        headers.push(("From".to_string(), f.to_string()));
    }
    if let Some(s) = &a.subject {
        headers.push(("Subject".to_string(), kernel::report::mime::unstructured(s)));
    }
    let body = Part::multipart("mixed", "", parts);
    String::from_utf8_lossy(&write_message(
        &headers,
        &body,
        &format!("ums-send-{}", now.0),
    ))
    .into_owned()
}

fn send(a: SendArgs) -> Result<()> {
    let data = data_dir(a.common.data.clone());
    let mut files = Vec::new();
    for f in &a.files {
        let name = f
            .file_name()
            .map(|n| n.to_string_lossy().to_string())
            .unwrap_or_else(|| "document".into());
        files.push((name, read_file(f)?, content_type(f)));
    }
    // Bare numbers get the gateway's fax domain there.
    let to = a.to.clone();
    let mut conn = need_daemon(&data)?;
    let mail = build_mail(&a, a.from.as_deref(), &files);
    let v = conn.ask(&Request::Send {
        from: a.from.clone(),
        to,
        mail,
    })?;
    let records = records_of(&v, "records")?;
    if a.common.json {
        print_json(&records);
    }
    let mut failed = false;
    for r in &records {
        let m = &r.message;
        failed |= m.status == kernel::message::Status::Failed;
        if !a.common.json {
            match m.status {
                kernel::message::Status::Failed => outln!(
                    "{}  to {}  refused: {}",
                    m.id,
                    journal::number_of(m),
                    journal::reason_of(m)
                ),
                _ => outln!(
                    "{}  to {}  queued, {} page{}",
                    m.id,
                    journal::number_of(m),
                    m.pages,
                    if m.pages == 1 { "" } else { "s" }
                ),
            }
        }
    }
    if failed {
        return Err(ClientError::new(exit::FAILED, "not every fax was queued"));
    }
    Ok(())
}

/// FILE as a TIFF-F: a fax TIFF as it is; any other document the gateway
/// renders from a mail (PDF, images, text, HTML, Office where LibreOffice
/// is installed) rendered here, in the client, exactly as the connector
/// renders an attachment (no cover), so the gateway's media thread only
/// sends the pages.
fn fax_document(path: &Path) -> Result<Vec<u8>> {
    use kernel::render::{render_mail, Attachment, CoverMode, MailDocument, MailRenderError};
    let bytes = read_file(path)?;
    let name = path.file_name().map_or_else(
        || path.display().to_string(),
        |n| n.to_string_lossy().into_owned(),
    );
    if fax_t30::tiff::read_tiff(&bytes, &name).is_ok_and(|p| !p.is_empty()) {
        return Ok(bytes);
    }
    let doc = MailDocument {
        attachments: vec![Attachment {
            name,
            content_type: content_type(path).into(),
            bytes,
        }],
        ..MailDocument::default()
    };
    let options = kernel::render::RenderOptions {
        cover: CoverMode::Never,
        ..Default::default()
    };
    let rendered = render_mail(&doc, &options).map_err(|e| {
        let why = match e {
            MailRenderError::Empty => format!("{}: nothing to fax in it", path.display()),
            // "offer.pdf: the file is damaged ...": the file and why, as
            // in the sender's report.
            e => format!("cannot fax {e}"),
        };
        ClientError::new(exit::BAD_INPUT, why)
    })?;
    Ok(fax_t30::tiff::write_tiff(
        &rendered.pages,
        &Default::default(),
    ))
}

fn simulate_fax(from: &str, to: &str, file: &Path, common: &Common) -> Result<()> {
    use base64::Engine;
    let data = data_dir(common.data.clone());
    let tiff = fax_document(file)?;
    let mut conn = need_daemon(&data)?;
    let v = conn.ask(&Request::SimulateFax {
        from: from.to_string(),
        to: to.to_string(),
        tiff: base64::engine::general_purpose::STANDARD.encode(tiff),
    })?;
    let fax: crate::simnet::SimulatedFax = serde_json::from_value(v["fax"].clone())
        .map_err(|e| ClientError::new(exit::INTERNAL, format!("bad answer: {e}")))?;
    if common.json {
        print_json(&fax);
    } else {
        outln!(
            "{} called {} on {}: {}, {} page{} ({})",
            from,
            to,
            fax.line,
            if fax.success { "sent" } else { "FAILED" },
            fax.pages,
            if fax.pages == 1 { "" } else { "s" },
            fax.result
        );
        if fax.success {
            outln!("see it with: ums journal --service fax");
        }
    }
    if fax.success {
        Ok(())
    } else {
        Err(ClientError::new(exit::FAILED, "the simulated fax failed"))
    }
}

fn simulate_sms(from: String, to: String, text: String, common: &Common) -> Result<()> {
    let data = data_dir(common.data.clone());
    let v = need_daemon(&data)?.ask(&Request::SimulateSms { from, to, text })?;
    if common.json {
        print_json(&v);
    } else {
        outln!(
            "SMS received as message {}; see it with: ums journal --service sms",
            v["id"]
                .as_u64()
                .map_or("?".into(), |i| MessageId(i).to_string())
        );
    }
    Ok(())
}
