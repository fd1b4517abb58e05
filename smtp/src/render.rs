//! The render pool: accepted fax mails become pages off the SMTP path.
//!
//! ```text
//!  DATA end (policy) ── raw mail appended to the raw spool, records
//!        │   "accepted, not rendered" (raw_mail set, no job); the group
//!        │   commit syncs the spool, then flushes the records ── 250
//!        ▼
//!  RenderPool::submit ──▶ N worker threads (SCHED_IDLE) ── render_mail ──▶
//!        T.6 TIFF-F fsynced in the spool, records get document, pages and
//!        a waiting job (or fail with the sender's notice), flushed ──▶
//!        on_rendered(ids) (the runner adopts them) ── raw mail released
//! ```
//!
//! Nothing is lost at any point: until the records are rewritten they
//! still name their raw mail, and [`RenderPool::recover`] (at start)
//! submits every such record again. Rendering is idempotent: a record
//! that is no longer waiting for its pages is left alone.

use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc, Mutex};

use kernel::job::Job;
use kernel::message::{MessageId, Status, Timestamp};
use kernel::notify::Notifier;
use kernel::report::{Cause, Language};
use kernel::store::{Record, Store};
use mail_parser::MessageParser;

/// The nice value of the render workers where they cannot be made
/// SCHED_IDLE: the SMTP accept path (and the media thread) come first on a
/// busy appliance.
pub const WORKER_NICE: i32 = 10;

/// One accepted mail to render: its raw bytes in the spool (the records'
/// `raw_mail`, see [`kernel::spool::RawSpool`]) and the records (one per fax
/// recipient) that wait for its pages.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RenderJob {
    pub raw: String,
    pub ids: Vec<MessageId>,
}

/// What the workers need from the rest of the gateway.
pub struct Renderer {
    /// Paper, resolution, cover mode (`[render]`); the daemon swaps them on
    /// reload (the same value as [`GatewayPolicy::render`](crate::policy::GatewayPolicy::render)).
    pub options: std::sync::Arc<std::sync::RwLock<kernel::render::RenderOptions>>,
    pub store: Store,
    pub notifier: Notifier,
    /// The TIFF-F files are written here.
    pub spool: PathBuf,
    /// Where the accepted mails are (read, then released once rendered).
    pub raw_spool: Arc<kernel::spool::RawSpool>,
    /// Told the ids of faxes that became sendable (the runner adopts them).
    pub on_rendered: Box<dyn Fn(Vec<MessageId>) + Send + Sync>,
    /// The wall clock (the shell's); tests pass a fixed one.
    pub clock: Box<dyn Fn() -> Timestamp + Send + Sync>,
}

/// A bounded set of worker threads fed by a queue.
pub struct RenderPool {
    tx: Mutex<mpsc::Sender<RenderJob>>,
    workers: usize,
}

impl RenderPool {
    /// Start `workers` threads (at least one). They run until the process
    /// ends (or the pool is dropped and the queue is empty).
    pub fn start(renderer: Renderer, workers: usize) -> RenderPool {
        let workers = workers.max(1);
        let (tx, rx) = mpsc::channel::<RenderJob>();
        let rx = Arc::new(Mutex::new(rx));
        let renderer = Arc::new(renderer);
        for n in 0..workers {
            let rx = Arc::clone(&rx);
            let renderer = Arc::clone(&renderer);
            let spawned = std::thread::Builder::new()
                .name(format!("ums-render-{n}"))
                .spawn(move || {
                    lower_priority();
                    loop {
                        let job = match rx.lock() {
                            Ok(rx) => rx.recv(),
                            Err(_) => return,
                        };
                        match job {
                            Ok(job) => renderer.render(&job),
                            Err(_) => return,
                        }
                    }
                });
            if let Err(e) = spawned {
                eprintln!("render worker {n} could not start: {e}");
            }
        }
        RenderPool {
            tx: Mutex::new(tx),
            workers,
        }
    }

    /// The number of worker threads.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Queue a mail for rendering. Its records are already durable: if the
    /// process ends first, [`RenderPool::recover`] finds them again.
    pub fn submit(&self, job: RenderJob) {
        let _ = self.tx.lock().unwrap_or_else(|e| e.into_inner()).send(job);
    }

    /// At start: queue every accepted but unrendered record
    /// ([`Store::unrendered`]) again (one job per raw mail), and remove raw mails of an older
    /// version (one `.eml` file each in `spool`) no record waits for (left
    /// by a crash after their records were rendered); the raw spool drops
    /// its own unused segments when it opens. Returns the number of mails
    /// queued.
    pub fn recover(&self, unrendered: Vec<Record>, spool: &Path) -> usize {
        let mut jobs: Vec<RenderJob> = Vec::new();
        for rec in unrendered {
            let raw = rec.message.raw_mail.clone().unwrap_or_default();
            match jobs.iter_mut().find(|j| j.raw == raw) {
                Some(j) => j.ids.push(rec.message.id),
                None => jobs.push(RenderJob {
                    raw,
                    ids: vec![rec.message.id],
                }),
            }
        }
        if let Ok(dir) = std::fs::read_dir(spool) {
            for entry in dir.filter_map(Result::ok) {
                let path = entry.path();
                let is_raw = path.extension().is_some_and(|e| e == "eml");
                if is_raw && !jobs.iter().any(|j| Path::new(&j.raw) == path) {
                    let _ = std::fs::remove_file(&path);
                }
            }
        }
        let n = jobs.len();
        for job in jobs {
            self.submit(job);
        }
        n
    }
}

/// Workers yield to the SMTP path and the media thread: SCHED_IDLE, so a
/// render runs only on CPU time nothing else wants (an SMTP session or the
/// media ticker that wakes up takes the core at once; nice +10 still took a
/// tenth of it, enough to halve the accept rate under a mail burst). Where
/// the scheduler policy cannot be changed (a seccomp filter), nice +10.
/// Best effort: a worker that keeps the default priority still renders.
fn lower_priority() {
    use thread_priority::unix::{
        set_thread_priority_and_policy, thread_native_id, NormalThreadSchedulePolicy,
        ThreadSchedulePolicy,
    };
    let idle = set_thread_priority_and_policy(
        thread_native_id(),
        thread_priority::ThreadPriority::Min,
        ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle),
    );
    if idle.is_err() {
        let tid = rustix::thread::gettid();
        let _ = rustix::process::setpriority_process(Some(tid), WORKER_NICE);
    }
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
        let result = kernel::spool::RawSpool::read(&job.raw)
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
    /// [`MailDocument`](kernel::render::MailDocument)
    /// ([`crate::mime::to_document`]) and the kernel's renderer makes the
    /// cover, body and attachment pages ([`kernel::render::render_mail`]).
    fn document(&self, data: &[u8]) -> Result<(Vec<u8>, u32), RenderFailure> {
        let mail = MessageParser::default()
            .parse(data)
            .ok_or_else(|| RenderFailure::new(None, "the message could not be parsed".into()))?;
        let doc = crate::mime::to_document(&mail);
        let options = self.options.read().expect("not poisoned").clone();
        let rendered =
            kernel::render::render_mail(&doc, &options).map_err(|e| RenderFailure::refused(&e))?;
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
    fn refused(e: &kernel::render::MailRenderError) -> RenderFailure {
        RenderFailure {
            cause: e.cause(),
            ..RenderFailure::new(e.attachment(), e.to_string())
        }
    }
}
