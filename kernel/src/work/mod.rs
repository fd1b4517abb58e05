//! The work pool: the document work of the gateway, off the SMTP path and
//! off the media thread, on worker threads that only take CPU time nothing
//! else wants.
//!
//! ```text
//!  smtp::policy ── submit_render(RenderJob) ──┐
//!  MediaLoop ───── submit_handoff(id) ────────┤  queue: hand-overs first,
//!  start ───────── recover(Recovery) ─────────┘  then renders
//!        ▼
//!  N workers (SCHED_IDLE, else nice +10)
//!     render.rs   mail → T.6 TIFF-F, records get their job
//!     hand-over   Notifier::handoff: notices and incoming mails (PDF,
//!                 preview, WAV, SMS text) queued in the same write that
//!                 clears the record's marks
//! ```
//!
//! Every task names durable state (a record marked "to deliver" or
//! "notice pending", a record waiting for its pages): the queue itself is
//! memory only, and a start queues again what a crash left
//! ([`WorkPool::recover`]). Every task is idempotent.

use std::collections::VecDeque;
use std::path::Path;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use crate::lock;
use crate::message::{MessageId, Timestamp};
use crate::notify::Notifier;
use crate::report::Language;
use crate::store::{Recovery, Store};

mod render;

pub use render::{MailParser, RenderJob, Renderer};

/// The nice value of the workers where they cannot be made SCHED_IDLE:
/// the SMTP accept path and the media thread come first on a busy
/// appliance.
pub const WORKER_NICE: i32 = 10;

/// What the hand-over tasks need: the notices and incoming mails are built
/// by the notifier and queued in the store.
pub struct Deliverer {
    pub store: Store,
    pub notifier: Notifier,
    /// Language of reports to people outside the directory.
    pub language: Language,
    /// The wall clock (the shell's); tests pass a fixed one.
    pub clock: Box<dyn Fn() -> Timestamp + Send + Sync>,
}

impl Deliverer {
    /// Do what record `id` owes; a store error leaves its marks (the next
    /// start picks it up again).
    pub fn handoff(&self, id: MessageId) {
        let now = (self.clock)();
        if let Err(e) = self.notifier.handoff(&self.store, id, self.language, now) {
            eprintln!("<3>ums: message {id}: notice or delivery not queued: {e}");
        }
    }
}

/// What the workers do.
pub struct Work {
    /// Rendering accepted fax mails; `None` where nothing renders (tests,
    /// a gateway without SMTP).
    pub renderer: Option<Renderer>,
    pub deliverer: Deliverer,
}

#[derive(Default)]
struct Tasks {
    handoffs: VecDeque<MessageId>,
    renders: VecDeque<RenderJob>,
    /// Tasks being worked on.
    running: usize,
    closed: bool,
}

struct Queue {
    tasks: Mutex<Tasks>,
    /// Work arrived (workers wait on it).
    ready: Condvar,
    /// A task finished (`wait_idle` waits on it).
    done: Condvar,
}

enum Task {
    Handoff(MessageId),
    Render(RenderJob),
}

/// See the module docs.
pub struct WorkPool {
    queue: Arc<Queue>,
    workers: usize,
}

impl WorkPool {
    /// Start `workers` threads (at least one). They run until the pool is
    /// dropped (the tasks already queued are done first).
    pub fn start(work: Work, workers: usize) -> WorkPool {
        let workers = workers.max(1);
        let queue = Arc::new(Queue {
            tasks: Mutex::new(Tasks::default()),
            ready: Condvar::new(),
            done: Condvar::new(),
        });
        let work = Arc::new(work);
        for n in 0..workers {
            let queue = Arc::clone(&queue);
            let work = Arc::clone(&work);
            let spawned = std::thread::Builder::new()
                .name(format!("ums-work-{n}"))
                .spawn(move || {
                    lower_priority();
                    while let Some(task) = queue.next() {
                        match task {
                            Task::Handoff(id) => work.deliverer.handoff(id),
                            Task::Render(job) => match &work.renderer {
                                Some(r) => r.render(&job),
                                None => eprintln!(
                                    "<3>ums: a render job for {} came to a pool that does not render",
                                    job.raw
                                ),
                            },
                        }
                        queue.finished();
                    }
                });
            if let Err(e) = spawned {
                eprintln!("<3>ums: work thread {n} could not start: {e}");
            }
        }
        WorkPool { queue, workers }
    }

    /// The number of worker threads.
    pub fn workers(&self) -> usize {
        self.workers
    }

    /// Queue a mail for rendering. Its records are already durable.
    pub fn submit_render(&self, job: RenderJob) {
        self.queue.push(|t| t.renders.push_back(job));
    }

    /// Queue the hand-over of record `id` (its marks are already durable).
    /// Hand-overs go before renders: a notice or an incoming fax should
    /// not wait for a burst of outgoing mail.
    pub fn submit_handoff(&self, id: MessageId) {
        self.queue.push(|t| t.handoffs.push_back(id));
    }

    /// At start: queue what a crash left: every record that owes a notice
    /// or a delivery, and every accepted mail not rendered yet (one render
    /// per raw mail). Raw mails of an older version (one `.eml` file each
    /// in `spool`) that no record waits for are removed; the raw spool
    /// drops its own unused segments when it opens. Returns (hand-overs,
    /// renders) queued.
    pub fn recover(&self, recovery: Recovery, spool: &Path) -> (usize, usize) {
        let mut jobs: Vec<RenderJob> = Vec::new();
        for rec in recovery.unrendered {
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
        let counts = (recovery.handoffs.len(), jobs.len());
        for id in recovery.handoffs {
            self.submit_handoff(id);
        }
        for job in jobs {
            self.submit_render(job);
        }
        counts
    }

    /// Wait until nothing is queued or running, for at most `limit`. True
    /// when idle (tests, the benchmark, a clean stop).
    pub fn wait_idle(&self, limit: Duration) -> bool {
        let q = &self.queue;
        let mut t = lock::lock(&q.tasks);
        let mut waited = Duration::ZERO;
        let step = Duration::from_millis(10);
        while t.running > 0 || !t.handoffs.is_empty() || !t.renders.is_empty() {
            if waited >= limit {
                return false;
            }
            t = lock::wait_timeout(&q.done, t, step);
            waited += step;
        }
        true
    }
}

impl Drop for WorkPool {
    fn drop(&mut self) {
        lock::lock(&self.queue.tasks).closed = true;
        self.queue.ready.notify_all();
    }
}

impl Queue {
    fn push(&self, add: impl FnOnce(&mut Tasks)) {
        add(&mut lock::lock(&self.tasks));
        self.ready.notify_one();
    }

    /// The next task, hand-overs first; `None` once closed and empty.
    fn next(&self) -> Option<Task> {
        let mut t = lock::lock(&self.tasks);
        loop {
            let task = (t.handoffs.pop_front().map(Task::Handoff))
                .or_else(|| t.renders.pop_front().map(Task::Render));
            if let Some(task) = task {
                t.running += 1;
                return Some(task);
            }
            if t.closed {
                return None;
            }
            t = lock::wait(&self.ready, t);
        }
    }

    fn finished(&self) {
        let mut t = lock::lock(&self.tasks);
        t.running -= 1;
        drop(t);
        self.done.notify_all();
    }
}

/// Workers yield to the SMTP path and the media thread: SCHED_IDLE, so a
/// task runs only on CPU time nothing else wants (an SMTP session or the
/// media ticker that wakes up takes the core at once; nice +10 still took a
/// tenth of it, enough to halve the accept rate under a mail burst). Where
/// the scheduler policy cannot be changed (a seccomp filter), nice +10.
/// Best effort: a worker that keeps the default priority still works.
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
