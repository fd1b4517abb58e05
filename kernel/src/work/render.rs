//! Rendering accepted fax mails into pages, off the SMTP path.
//!
//! ```text
//!  DATA end (smtp::policy) ── raw mail appended to the raw spool, records
//!        │   "accepted, not rendered" (raw_mail set, no job); the group
//!        │   commit syncs the spool, then flushes the records ── 250
//!        ▼
//!  WorkPool::submit_render ──▶ worker (SCHED_IDLE) ── render_mail ──▶
//!        T.6 TIFF-F in the spool (synced by the group commit), records get
//!        document, pages and a waiting job (or fail with the sender's
//!        notice), flushed ──▶ on_rendered(ids) (the runner adopts them)
//!        ── raw mail released
//! ```
//!
//! Nothing is lost at any point: until the records are rewritten they
//! still name their raw mail, and [`WorkPool::recover`](super::WorkPool::recover)
//! (at start) submits every such record again. Rendering is idempotent: a
//! record that is no longer waiting for its pages is left alone.

use std::path::PathBuf;
use std::sync::Arc;

use crate::job::Job;
use crate::message::{MessageId, Status, Timestamp};
use crate::notify::Notifier;
use crate::render::MailDocument;
use crate::report::{Cause, Language};
use crate::store::{Record, Store};

/// One accepted mail to render: its raw bytes in the spool (the records'
/// `raw_mail`, see [`kernel::spool::RawSpool`]) and the records (one per fax
/// recipient) that wait for its pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderJob {
    pub raw: String,
    pub ids: Vec<MessageId>,
}

/// A mail as received into the renderer's document; `None`: not a mail.
pub type MailParser = Box<dyn Fn(&[u8]) -> Option<MailDocument> + Send + Sync>;

/// What the workers need from the rest of the gateway.
pub struct Renderer {
    /// Paper, resolution, cover mode (`[render]`); the daemon swaps them on
    /// reload (the same value the SMTP policy holds).
    pub options: Arc<std::sync::RwLock<crate::render::RenderOptions>>,
    /// A mail as received into the neutral document the renderer takes
    /// (the SMTP connector's MIME walk, `smtp::mime`); `None`: it cannot
    /// be parsed.
    pub parse: MailParser,
    pub store: Store,
    pub notifier: Notifier,
    /// The TIFF-F files are written here.
    pub spool: PathBuf,
    /// Where the accepted mails are (read, then released once rendered).
    pub raw_spool: Arc<crate::spool::RawSpool>,
    /// Told the ids of faxes that became sendable (the runner adopts them).
    pub on_rendered: Box<dyn Fn(Vec<MessageId>) + Send + Sync>,
    /// The wall clock (the shell's); tests pass a fixed one.
    pub clock: Box<dyn Fn() -> Timestamp + Send + Sync>,
}

impl Renderer {
    /// Render one mail and settle its records. A store error leaves them
    /// waiting (a restart renders them again).
    pub fn render(&self, job: &RenderJob) {
        self.store.failpoint("before:render");
        let mut records: Vec<Record> = job
            .ids
            .iter()
            .filter_map(|id| self.store.get(*id).ok().flatten())
            .filter(|r| {
                r.job.is_none()
                    && !r.message.status.is_final()
                    && r.message.raw_mail.as_deref() == Some(job.raw.as_str())
            })
            .collect();
        if records.is_empty() {
            // Rendered already (a job submitted twice): its release is done.
            return;
        }
        let first = records[0].message.id;
        let result = crate::spool::RawSpool::read(&job.raw)
            .map_err(|e| RenderFailure::new(None, format!("spool {}: {e}", job.raw)))
            .and_then(|data| {
                // A panic in a decoder must not take the worker (and the
                // mail) with it: it becomes this mail's render error.
                std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| self.document(&data)))
                    .unwrap_or_else(|_| {
                        Err(RenderFailure::new(
                            None,
                            "the renderer failed on this mail (internal error)".into(),
                        ))
                    })
            })
            .and_then(|(bytes, pages)| Ok((self.spool(first, &bytes)?, pages)));
        let now = (self.clock)();
        let mut notices = Vec::new();
        for record in &mut records {
            let m = &mut record.message;
            m.raw_mail = None;
            m.updated_at = now;
            match &result {
                Ok((document, pages)) => {
                    m.document = Some(document.clone());
                    m.pages = *pages;
                    record.job = Some(Job::new(*pages, m.priority, now));
                }
                Err(err) => {
                    // Accepted by policy, but nothing to send: fail it and
                    // tell the sender which attachment and why.
                    m.status = Status::Failed;
                    m.status_reason = Some(err.reason.clone());
                    m.failure_cause = Some(err.cause);
                    m.failure_attachment = err.attachment.clone();
                    m.completed_at = Some(now);
                    notices.push(self.notifier.rejected(
                        m,
                        err.cause,
                        err.attachment.as_deref(),
                        Language::En,
                        now,
                    ));
                }
            }
        }
        if let Err(e) = self.store.rendered(&records, &notices) {
            eprintln!(
                "render of {}: the store refused the result ({e}); it is rendered again at the next start",
                job.raw
            );
            return;
        }
        // No record names the raw mail any more.
        self.raw_spool.release(&job.raw);
        let sendable: Vec<MessageId> = records
            .iter()
            .filter(|r| r.job.is_some())
            .map(|r| r.message.id)
            .collect();
        if !sendable.is_empty() {
            (self.on_rendered)(sendable);
        }
    }

    /// The pages of a mail as one T.6 TIFF-F: the mail becomes a neutral
    /// [`MailDocument`] (`parse`) and the renderer makes the cover, body
    /// and attachment pages ([`crate::render::render_mail`]).
    fn document(&self, data: &[u8]) -> Result<(Vec<u8>, u32), RenderFailure> {
        let doc = (self.parse)(data)
            .ok_or_else(|| RenderFailure::new(None, "the message could not be parsed".into()))?;
        let options = crate::lock::read(&self.options).clone();
        let rendered =
            crate::render::render_mail(&doc, &options).map_err(|e| RenderFailure::refused(&e))?;
        let bytes = fax_t30::tiff::write_tiff(&rendered.pages, &Default::default());
        Ok((bytes, rendered.pages.len() as u32))
    }

    /// The rendered document into the spool. It is written here and made
    /// durable by the store's group commit (with the raw spool) before the
    /// records that point at it are flushed. Returns its path. (Kept out
    /// of sled: sled rewrites a whole leaf of up to 16 entries on
    /// consolidation, so documents of a few hundred kB there cost far more
    /// than a file; see docs/benchmarks.md.)
    fn spool(&self, id: MessageId, bytes: &[u8]) -> Result<String, RenderFailure> {
        use std::io::Write;
        let path = self.spool.join(format!("{id}.tif"));
        let err =
            |e: std::io::Error| RenderFailure::new(None, format!("spool {}: {e}", path.display()));
        let mut f = std::fs::File::create(&path).map_err(err)?;
        f.write_all(bytes).map_err(err)?;
        self.raw_spool.defer_sync(f, &path);
        Ok(path.display().to_string())
    }
}

/// Why a mail's documents could not be turned into pages, and which file.
#[derive(Debug, Clone)]
struct RenderFailure {
    attachment: Option<String>,
    reason: String,
    /// What the sender's report says: damaged, a type we do not send, or
    /// not rendered for another reason.
    cause: Cause,
}

impl RenderFailure {
    fn new(attachment: Option<&str>, reason: String) -> RenderFailure {
        RenderFailure {
            attachment: attachment.map(str::to_string),
            reason,
            cause: Cause::RenderFailed,
        }
    }

    /// The renderer refused the mail: its cause and the file at fault.
    fn refused(e: &crate::render::MailRenderError) -> RenderFailure {
        RenderFailure {
            cause: e.cause(),
            ..RenderFailure::new(e.attachment(), e.to_string())
        }
    }
}
