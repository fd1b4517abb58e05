//! The control socket: how the client tools (`ums status`, `ums send`,
//! `ums journal`, `ums queue`, `ums deadletter`, `ums simulate`) talk to a
//! running gateway.
//!
//! * A Unix stream socket `<data>/ums.sock`. Whoever may connect is decided
//!   by the peer's credentials (`SO_PEERCRED`), not by the file mode: root
//!   and processes with the daemon's own uid or gid are served, anyone else
//!   gets one refusal line and the connection is closed.
//! * JSON lines: one [`Request`] per line, one answer per line: an object
//!   with `"ok": true` and the result, or `"ok": false`, an `"error"`
//!   sentence and an exit `"code"` (see [`crate::client::exit`]).
//!   Lines are capped at [`MAX_LINE`].

use std::os::unix::fs::PermissionsExt;
use std::path::PathBuf;
use std::sync::{mpsc, Arc};

use kernel::message::{MessageId, Service, Timestamp};
use kernel::store::Store;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use smtp::policy::GatewayPolicy;
use tokio::io::{AsyncBufReadExt, AsyncReadExt, AsyncWriteExt, BufReader};
use tokio::net::{UnixListener, UnixStream};
use tokio::sync::oneshot;

use crate::client::exit;
use crate::journal::{self, JournalFilter};
use crate::simnet::MediaRequest;

/// The socket's file name in the data directory.
pub const SOCKET: &str = "ums.sock";

/// Longest request line (a `send` carries its documents, base64).
pub const MAX_LINE: usize = 64 << 20;

/// What a client asks.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(tag = "cmd", rename_all = "snake_case")]
pub enum Request {
    Status,
    Journal {
        #[serde(default)]
        filter: JournalFilter,
    },
    Show {
        id: u64,
    },
    /// A fax to send: the RFC 5322 message the client built (7-bit, the
    /// files base64-encoded), submitted as the SMTP connector would.
    Send {
        from: Option<String>,
        to: Vec<String>,
        mail: String,
    },
    Cancel {
        id: u64,
    },
    Delete {
        id: u64,
    },
    DeadLetterList,
    /// Set a web journal password (`ums passwd`).
    Passwd {
        user: String,
        password: String,
    },
    DeadLetterRetry {
        ids: Vec<String>,
    },
    SimulateFax {
        from: String,
        to: String,
        /// The TIFF-F to send, base64.
        tiff: String,
    },
    SimulateSms {
        from: String,
        to: String,
        text: String,
    },
}

/// What the control server needs from the gateway.
pub struct ControlContext {
    pub data_dir: PathBuf,
    pub store: Store,
    pub policy: Arc<GatewayPolicy>,
    pub media: mpsc::Sender<crate::media_loop::MediaControl>,
    /// The sender of `ums send` without `--from`.
    pub default_from: Option<String>,
    /// The fax service domain: `ums send --to 5551` means `5551@<it>`.
    pub fax_domain: Option<String>,
    /// The web journal's accounts and users, when it runs.
    pub web: Option<Arc<crate::web::WebContext>>,
}

/// Bind the socket and serve it on the current tokio runtime.
pub fn start(ctx: ControlContext) -> std::io::Result<tokio::task::JoinHandle<()>> {
    let path = ctx.data_dir.join(SOCKET);
    // A socket left by a daemon that died: nobody answers on it. (Two
    // daemons cannot share a data directory: the store is locked.)
    if path.exists() && std::os::unix::net::UnixStream::connect(&path).is_err() {
        std::fs::remove_file(&path)?;
    }
    let listener = UnixListener::bind(&path)?;
    // Anyone may connect; the peer credentials decide (see the module docs).
    std::fs::set_permissions(&path, std::fs::Permissions::from_mode(0o666))?;
    let ctx = Arc::new(ctx);
    Ok(tokio::spawn(async move {
        loop {
            let Ok((stream, _)) = listener.accept().await else {
                continue;
            };
            let ctx = Arc::clone(&ctx);
            tokio::spawn(async move {
                let _ = connection(stream, ctx).await;
            });
        }
    }))
}

/// The peer's uid and gid, if the kernel tells.
fn peer(stream: &UnixStream) -> Option<(u32, u32)> {
    let cred =
        nix::sys::socket::getsockopt(stream, nix::sys::socket::sockopt::PeerCredentials).ok()?;
    Some((cred.uid(), cred.gid()))
}

/// Root, our uid or our gid.
pub fn permitted(uid: u32, gid: u32) -> bool {
    uid == 0 || uid == nix::unistd::geteuid().as_raw() || gid == nix::unistd::getegid().as_raw()
}

fn error(code: u8, text: impl Into<String>) -> Value {
    json!({"ok": false, "code": code, "error": text.into()})
}

async fn connection(stream: UnixStream, ctx: Arc<ControlContext>) -> std::io::Result<()> {
    let who = peer(&stream);
    let (read, mut write) = stream.into_split();
    let allowed = who.is_some_and(|(u, g)| permitted(u, g));
    if !allowed {
        let text = match who {
            Some((u, g)) => format!(
                "not permitted: uid {u} gid {g} is neither root nor the gateway's user or group"
            ),
            None => "not permitted: the peer's credentials are unknown".into(),
        };
        let mut line = error(exit::NOT_PERMITTED, text).to_string();
        line.push('\n');
        write.write_all(line.as_bytes()).await?;
        return Ok(());
    }
    let by = who.map_or("operator".into(), |(u, _)| format!("operator (uid {u})"));
    let mut reader = BufReader::new(read).take(MAX_LINE as u64 + 1);
    let mut line = Vec::new();
    loop {
        line.clear();
        let n = reader.read_until(b'\n', &mut line).await?;
        if n == 0 {
            return Ok(());
        }
        let answer = if line.len() > MAX_LINE {
            error(
                exit::BAD_INPUT,
                format!("request longer than {MAX_LINE} octets"),
            )
        } else {
            match serde_json::from_slice::<Request>(&line) {
                Ok(req) => handle(req, &ctx, &by).await,
                Err(e) => error(exit::BAD_INPUT, format!("bad request: {e}")),
            }
        };
        let mut out = answer.to_string();
        out.push('\n');
        write.write_all(out.as_bytes()).await?;
        if line.len() > MAX_LINE {
            return Ok(());
        }
        reader.set_limit(MAX_LINE as u64 + 1);
    }
}

/// Ask the media thread and wait for its answer.
async fn ask<T>(
    ctx: &ControlContext,
    make: impl FnOnce(oneshot::Sender<T>) -> MediaRequest,
) -> Result<T, Value> {
    let (tx, rx) = oneshot::channel();
    let sent = (ctx.media)
        .send(crate::media_loop::MediaControl::Request(make(tx)))
        .is_ok();
    if !sent {
        return Err(error(exit::INTERNAL, "the media thread has stopped"));
    }
    rx.await
        .map_err(|_| error(exit::INTERNAL, "the media thread has stopped"))
}

#[allow(clippy::disallowed_methods)] // driver shell: the wall clock
fn wall_clock() -> Timestamp {
    Timestamp(
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map_or(0, |d| d.as_millis() as u64),
    )
}

async fn handle(req: Request, ctx: &ControlContext, by: &str) -> Value {
    match handle_inner(req, ctx, by).await {
        Ok(v) => v,
        Err(v) => v,
    }
}

async fn handle_inner(req: Request, ctx: &ControlContext, by: &str) -> Result<Value, Value> {
    let store_err = |e: kernel::store::StoreError| error(exit::INTERNAL, e.to_string());
    match req {
        Request::Status => {
            let lines = ask(ctx, MediaRequest::Status).await?;
            let status =
                journal::status(&ctx.store, &ctx.data_dir, wall_clock()).map_err(store_err)?;
            Ok(
                json!({"ok": true, "pid": std::process::id(), "data": ctx.data_dir,
                "lines": lines, "status": status}),
            )
        }
        Request::Journal { filter } => {
            let records = journal::select(&ctx.store, &filter).map_err(store_err)?;
            Ok(json!({"ok": true, "records": records}))
        }
        Request::Show { id } => match ctx.store.get(MessageId(id)).map_err(store_err)? {
            Some(r) => Ok(json!({"ok": true, "record": r})),
            None => Err(error(exit::FAILED, format!("no message {}", MessageId(id)))),
        },
        Request::Send { from, to, mail } => send(ctx, from, to, mail).await,
        Request::Cancel { id } | Request::Delete { id } => {
            let delete = matches!(req, Request::Delete { .. });
            let by = by.to_string();
            let r = ask(ctx, |reply| MediaRequest::Remove {
                id: MessageId(id),
                delete,
                by,
                reply,
            })
            .await?;
            match r {
                Ok(true) => Ok(json!({"ok": true, "id": id,
                    "status": if delete { "deleted" } else { "cancelled" }})),
                Ok(false) => Err(error(
                    exit::FAILED,
                    format!("message {} is not in the queue", MessageId(id)),
                )),
                Err(e) => Err(error(exit::INTERNAL, e)),
            }
        }
        Request::Passwd { user, password } => {
            let Some(web) = &ctx.web else {
                return Err(error(
                    exit::FAILED,
                    "the web journal is off ([web] in the configuration)",
                ));
            };
            if web.user(&user).is_none() {
                return Err(error(exit::FAILED, format!("no [[user]] with id '{user}'")));
            }
            let accounts = web.accounts.clone();
            tokio::task::spawn_blocking(move || accounts.set_password(&user, &password))
                .await
                .map_err(|e| error(exit::INTERNAL, e.to_string()))?
                .map_err(store_err)?;
            Ok(json!({"ok": true}))
        }
        Request::DeadLetterList => {
            let letters = crate::deadletter::list(&ctx.data_dir.join("dead-letter"))
                .map_err(|e| error(exit::INTERNAL, e))?;
            Ok(json!({"ok": true, "dead_letters": letters}))
        }
        Request::DeadLetterRetry { ids } => {
            let done =
                crate::deadletter::retry(&ctx.store, &ctx.data_dir.join("dead-letter"), &ids)
                    .map_err(|e| error(exit::FAILED, e))?;
            Ok(json!({"ok": true, "retried": done}))
        }
        Request::SimulateFax { from, to, tiff } => {
            use base64::Engine;
            let document = base64::engine::general_purpose::STANDARD
                .decode(tiff.as_bytes())
                .map_err(|e| error(exit::BAD_INPUT, format!("document: {e}")))?;
            let r = ask(ctx, |reply| MediaRequest::SimulateFax {
                from,
                to,
                document,
                reply,
            })
            .await?;
            match r {
                Ok(fax) => Ok(json!({"ok": true, "fax": fax})),
                Err(e) => Err(error(exit::FAILED, e)),
            }
        }
        Request::SimulateSms { from, to, text } => {
            let r = ask(ctx, |reply| MediaRequest::SimulateSms {
                from,
                to,
                text,
                reply,
            })
            .await?;
            match r {
                Ok(Some(id)) => Ok(json!({"ok": true, "id": id.0})),
                Ok(None) => Err(error(
                    exit::FAILED,
                    "the gateway takes no incoming messages",
                )),
                Err(e) => Err(error(exit::INTERNAL, e)),
            }
        }
    }
}

/// How long `ums send` waits for the render pool, in 50 ms polls (10 min).
const SEND_RENDER_WAIT_POLLS: u32 = 12_000;

/// `ums send`: the mail the client built goes through the SMTP
/// connector's own policy (recipient check, sender, permissions, rate
/// limit, rendering, durable store), as if it had come in by SMTP from the
/// local host.
async fn send(
    ctx: &ControlContext,
    from: Option<String>,
    to: Vec<String>,
    mail: String,
) -> Result<Value, Value> {
    let Some(from) = from.or_else(|| ctx.default_from.clone()) else {
        return Err(error(
            exit::BAD_INPUT,
            "give --from: the gateway has no users",
        ));
    };
    let to: Vec<String> = to
        .iter()
        .map(|t| match (&ctx.fax_domain, t.contains('@')) {
            (Some(d), false) => format!("{}@{d}", t.split_whitespace().collect::<String>()),
            _ => t.clone(),
        })
        .collect();
    let policy = Arc::clone(&ctx.policy);
    let store = ctx.store.clone();
    let submitted =
        tokio::task::spawn_blocking(move || submit(&policy, &store, &from, &to, mail.into_bytes()))
            .await
            .map_err(|e| error(exit::INTERNAL, e.to_string()))?;
    match submitted {
        Ok(records) => Ok(json!({"ok": true, "records": records})),
        Err((code, text)) => Err(error(code, text)),
    }
}

/// A mail from `from` to the addresses `to`, through the SMTP connector's
/// policy as if it had come in by SMTP from the local host; waits (up to
/// 10 min) until the fax is rendered or refused, and returns its records
/// (one per recipient). Blocking: `ums send` and the web's send use it.
/// Errors carry the client's exit code.
pub fn submit(
    policy: &GatewayPolicy,
    store: &Store,
    from: &str,
    to: &[String],
    mail: Vec<u8>,
) -> Result<Vec<kernel::store::Record>, (u8, String)> {
    use smtp::engine::{Envelope, PeerInfo};
    use smtp::server::Policy;
    use smtp::wire::address::{parse_forward_path, parse_reverse_path};
    let peer = PeerInfo {
        ip: std::net::Ipv4Addr::LOCALHOST.into(),
        tls: false,
    };
    let (mail_from, _) = parse_reverse_path(&format!("<{from}>"))
        .map_err(|e| (exit::BAD_INPUT, format!("--from {from}: {e}")))?;
    let mut recipients = Vec::new();
    for t in to {
        let (addr, _) = parse_forward_path(&format!("<{t}>"))
            .map_err(|e| (exit::BAD_INPUT, format!("--to {t}: {e}")))?;
        if let smtp::engine::Verdict::Reject(reply) = policy.rcpt_to(&peer, None, &mail_from, &addr)
        {
            return Err((
                exit::FAILED,
                format!("{t}: {}", reply.to_string().trim_end()),
            ));
        }
        recipients.push(smtp::engine::Recipient {
            addr,
            params: Default::default(),
        });
    }
    let envelope = Envelope {
        helo: "localhost".into(),
        peer,
        authenticated_as: None,
        mail_from,
        mail_params: Default::default(),
        recipients,
    };
    match policy.message(&envelope, mail) {
        smtp::engine::DataVerdict::Accept(queue_id) => {
            let first: u64 = queue_id.parse().unwrap_or(0);
            // The records of this mail: one per recipient, from `first` on.
            // A fax is rendered after the 250: wait for its pages (or its
            // render error), so the client can say which it is.
            let mut records = Vec::new();
            for _ in 0..SEND_RENDER_WAIT_POLLS {
                records.clear();
                for id in first..first + to.len() as u64 * 4 {
                    if let Ok(Some(r)) = store.get(MessageId(id)) {
                        records.push(r);
                        if records.len() == to.len() {
                            break;
                        }
                    }
                }
                if records.iter().all(|r| r.message.raw_mail.is_none()) {
                    break;
                }
                std::thread::sleep(std::time::Duration::from_millis(50));
            }
            Ok(records)
        }
        smtp::engine::DataVerdict::Reject(reply) => {
            Err((exit::FAILED, reply.to_string().trim_end().to_string()))
        }
        smtp::engine::DataVerdict::TempFail(reply) => {
            Err((exit::INTERNAL, reply.to_string().trim_end().to_string()))
        }
    }
}

/// Whether a service name from the command line is one of ours.
pub fn parse_service(name: &str) -> Option<Service> {
    match name.to_ascii_lowercase().as_str() {
        "fax" => Some(Service::Fax),
        "voice" => Some(Service::Voice),
        "sms" => Some(Service::Sms),
        _ => None,
    }
}
