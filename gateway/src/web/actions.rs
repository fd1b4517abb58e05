//! What the pages and the API both do with a message: find it (only if
//! the caller may see it: anything else is "not found", the same answer
//! as for an id that does not exist), its pages as PNG, the PDF, the WAV
//! (read only from under the spool directory), cancel, delete, resend.

use std::path::{Path, PathBuf};

use kernel::message::{Direction, MessageId, Service, Status};
use kernel::store::Record;
use tokio::sync::oneshot;

use super::{WebContext, WebUser};

/// Why an action did not happen, mapped to a status by the caller.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ActionError {
    /// No such message, or not the caller's (not told apart).
    NotFound,
    /// Not in a state for it (e.g. cancel a sent fax).
    Conflict(String),
    /// The role or token does not allow it.
    Forbidden(String),
    /// The request is wrong.
    BadRequest(String),
    /// The gateway part it needs is not running.
    Unavailable(String),
    Internal(String),
}

/// The record `id` if `user` may see it.
pub fn visible(ctx: &WebContext, user: &WebUser, id: u64) -> Result<Record, ActionError> {
    let r = ctx
        .store
        .get(MessageId(id))
        .map_err(|e| ActionError::Internal(e.to_string()))?
        .ok_or(ActionError::NotFound)?;
    if user.visibility().sees(&r.message) {
        Ok(r)
    } else {
        Err(ActionError::NotFound)
    }
}

/// The message's document if it lies under the spool (after resolving
/// links and `..`): a path in the store that points elsewhere is refused.
pub fn spool_file(ctx: &WebContext, r: &Record) -> Result<PathBuf, ActionError> {
    let doc = r.message.document.as_deref().ok_or(ActionError::NotFound)?;
    contained(&ctx.spool, Path::new(doc)).ok_or(ActionError::NotFound)
}

/// `path` resolved, if it is inside `root` (resolved too).
pub fn contained(root: &Path, path: &Path) -> Option<PathBuf> {
    let root = root.canonicalize().ok()?;
    let p = path.canonicalize().ok()?;
    (p.starts_with(&root) && p.is_file()).then_some(p)
}

fn is_tiff(p: &Path) -> bool {
    p.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("tif") || e.eq_ignore_ascii_case("tiff"))
}

/// Page `n` (1-based) of a fax as a PNG `width` pixels wide.
pub async fn page_png(path: PathBuf, n: u32, width: u32) -> Result<Vec<u8>, ActionError> {
    if !is_tiff(&path) {
        return Err(ActionError::NotFound);
    }
    tokio::task::spawn_blocking(move || {
        let pages = fax_t30::tiff::read_tiff_file(&path)
            .map_err(|e| ActionError::Internal(format!("document: {e}")))?;
        let page = pages
            .get(n.checked_sub(1).ok_or(ActionError::NotFound)? as usize)
            .ok_or(ActionError::NotFound)?;
        let bilevel = page
            .decode()
            .map_err(|e| ActionError::Internal(format!("page {n}: {e}")))?;
        Ok(kernel::render::page_png(&bilevel, width))
    })
    .await
    .map_err(|e| ActionError::Internal(e.to_string()))?
}

/// A fax's pages as a PDF (the CCITT data as stored, not re-encoded).
pub async fn pdf(path: PathBuf, r: &Record) -> Result<Vec<u8>, ActionError> {
    if !is_tiff(&path) {
        return Err(ActionError::NotFound);
    }
    let meta = fax_t30::pdf::PdfMeta {
        title: r.message.subject.clone(),
        ..Default::default()
    };
    tokio::task::spawn_blocking(move || {
        let pages = fax_t30::tiff::read_tiff_file(&path)
            .map_err(|e| ActionError::Internal(format!("document: {e}")))?;
        Ok(fax_t30::pdf::pdf_from_pages(&pages, &meta))
    })
    .await
    .map_err(|e| ActionError::Internal(e.to_string()))?
}

/// A voicemail's WAV.
pub fn wav(path: &Path, r: &Record) -> Result<Vec<u8>, ActionError> {
    let is_wav = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("wav"));
    if r.message.service != Service::Voice || !is_wav {
        return Err(ActionError::NotFound);
    }
    std::fs::read(path).map_err(|e| ActionError::Internal(e.to_string()))
}

/// Cancel (or delete) an outgoing message through the media thread, as
/// `ums queue cancel` does (the kernel sends its notice).
pub async fn remove(
    ctx: &WebContext,
    user: &WebUser,
    id: u64,
    delete: bool,
) -> Result<Status, ActionError> {
    let r = visible(ctx, user, id)?;
    if r.message.direction != Direction::Outgoing || r.message.status.is_final() {
        return Err(ActionError::Conflict(format!(
            "message {} is {}: only queued or retrying outgoing messages can be {}",
            r.message.id,
            r.message.status.name(),
            if delete { "deleted" } else { "cancelled" }
        )));
    }
    let by = format!("{} (web)", user.email);
    let reply = ask_media(ctx, |reply| crate::simnet::MediaRequest::Remove {
        id: MessageId(id),
        delete,
        by,
        reply,
    })
    .await?;
    match reply {
        Ok(true) => Ok(if delete {
            Status::Deleted
        } else {
            Status::Cancelled
        }),
        Ok(false) => Err(ActionError::Conflict(format!(
            "message {} is not in the queue",
            MessageId(id)
        ))),
        Err(e) => Err(ActionError::Internal(e)),
    }
}

/// Ask the media thread: `request` wraps the reply channel; its answer,
/// or Unavailable when the thread is not running or has stopped.
pub async fn ask_media<T>(
    ctx: &WebContext,
    request: impl FnOnce(oneshot::Sender<T>) -> crate::simnet::MediaRequest,
) -> Result<T, ActionError> {
    let stopped = || ActionError::Unavailable("the media thread has stopped".into());
    let media = ctx
        .media
        .as_ref()
        .ok_or_else(|| ActionError::Unavailable("the media thread is not running".into()))?;
    let (tx, rx) = oneshot::channel();
    media
        .send(crate::media_loop::MediaControl::Request(request(tx)))
        .map_err(|_| stopped())?;
    rx.await.map_err(|_| stopped())
}

/// Resend an outgoing fax's pages (to `number` if given).
pub async fn resend(
    ctx: &WebContext,
    user: &WebUser,
    id: u64,
    number: Option<String>,
) -> Result<Record, ActionError> {
    let r = visible(ctx, user, id)?;
    if r.message.direction != Direction::Outgoing {
        return Err(ActionError::Conflict(
            "only outgoing messages can be sent again".into(),
        ));
    }
    if r.message.service == Service::Fax && r.message.document.is_none() {
        return Err(ActionError::Conflict(
            "this fax has no pages to send (it was never rendered)".into(),
        ));
    }
    let number = number
        .map(|n| n.trim().to_string())
        .filter(|n| !n.is_empty());
    if let Some(n) = &number {
        let ok = n
            .chars()
            .all(|c| c.is_ascii_digit() || " +-()/.".contains(c));
        if !ok || n.len() > 40 {
            return Err(ActionError::BadRequest(format!("'{n}' is not a number")));
        }
    }
    let out = ctx
        .outgoing
        .clone()
        .ok_or_else(|| ActionError::Unavailable("sending is not available".into()))?;
    let m = r.message.clone();
    tokio::task::spawn_blocking(move || out.resend(&m, number.as_deref()))
        .await
        .map_err(|e| ActionError::Internal(e.to_string()))?
        .map_err(ActionError::Conflict)
}
