//! The durable store: every message with its job, in `sled`.
//!
//! One record per message (`Record`: the message and its job together), so
//! every state change is a single atomic write; each write is flushed to
//! disk before the caller is told it happened (before an SMTP 250, before a
//! call is placed for the next page). A batch of new messages is one atomic
//! batch and one flush (group commit): nobody hears "accepted" before it.
//!
//! Failpoints: `UMS_FAILPOINT=<name>` makes the process abort (as `kill -9`
//! would stop it, no destructor runs) right before or after the write with
//! that name, e.g. `before:AttemptEnded` or `after:insert`. `<name>@<n>`
//! fires at the n-th time the point is reached; `stall:<name>` stops the
//! thread there instead, for a test to `kill -9` the process itself. The
//! crash tests use them.

use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};

use serde::{Deserialize, Serialize};

use crate::job::Job;
use crate::message::{Message, MessageId};

/// A message and, for outgoing ones, its job.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Record {
    pub message: Message,
    pub job: Option<Job>,
}

#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum StoreError {
    #[error("store at {path}: {source}")]
    Open { path: String, source: sled::Error },
    #[error("store write failed: {0}")]
    Write(#[from] sled::Error),
    #[error("store record {id} is corrupt: {source}")]
    Corrupt { id: u64, source: serde_json::Error },
    #[error("raw-mail spool: {0}")]
    Spool(std::io::Error),
}

/// A mail in the outbox.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct QueuedMail {
    pub id: u64,
    pub envelope_from: String,
    pub recipients: Vec<String>,
    pub kind: String,
    pub data: Vec<u8>,
}

impl QueuedMail {
    /// Its Message-ID (`<id@host>`), if its header has one.
    pub fn message_id(&self) -> Option<String> {
        crate::report::message_id(&self.data)
    }
}

/// How far the delivery of one outbox mail got: kept in the store so that
/// a restart neither starts the backoff over nor sends the mail again to
/// the destinations that already took it.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct MailProgress {
    pub attempts: u32,
    pub next_at: crate::message::Timestamp,
    /// Destinations (lower-case domains, or the smart host) that took it.
    pub accepted: std::collections::BTreeSet<String>,
    /// Destinations that refused it for good, with the reason.
    pub refused: std::collections::BTreeMap<String, String>,
}

/// The store. Cheap to clone (sled handles are shared).
#[derive(Clone)]
pub struct Store {
    db: sled::Db,
    records: sled::Tree,
    /// The journal's index: one key per record, newest first (see
    /// [`journal_key`]); kept in the same transaction as the record.
    by_time: sled::Tree,
    outbox: sled::Tree,
    progress: sled::Tree,
    /// The status change feed ([`crate::events`]), written in the same
    /// transaction as the records when `events_on`.
    events: sled::Tree,
    events_on: std::sync::Arc<std::sync::atomic::AtomicBool>,
    failpoint: Option<(String, u64)>,
    hits: std::sync::Arc<AtomicU64>,
    group: std::sync::Arc<GroupCommit>,
    /// Synced by the group commit before the records are flushed.
    spool: std::sync::Arc<std::sync::OnceLock<std::sync::Arc<crate::spool::RawSpool>>>,
}

/// Group commit: writers that finish their inserts while a flush is
/// running share the next flush instead of each paying for one. A writer
/// returns only once a flush that started after its insert has completed.
#[derive(Default)]
struct GroupCommit {
    /// Tickets handed out after inserts.
    written: AtomicU64,
    state: std::sync::Mutex<FlushState>,
    cv: std::sync::Condvar,
}

#[derive(Default)]
struct FlushState {
    flushed: u64,
    flushing: bool,
}

impl Store {
    /// Open (or create) the store in `dir`.
    pub fn open(dir: &Path) -> Result<Store, StoreError> {
        let db = sled::Config::new()
            .path(dir)
            .mode(sled::Mode::HighThroughput)
            .open()
            .map_err(|source| StoreError::Open {
                path: dir.display().to_string(),
                source,
            })?;
        let records = db.open_tree("records").map_err(|source| StoreError::Open {
            path: dir.display().to_string(),
            source,
        })?;
        let by_time = db.open_tree("by-time").map_err(|source| StoreError::Open {
            path: dir.display().to_string(),
            source,
        })?;
        let outbox = db.open_tree("outbox").map_err(|source| StoreError::Open {
            path: dir.display().to_string(),
            source,
        })?;
        let progress = db
            .open_tree("outbox-progress")
            .map_err(|source| StoreError::Open {
                path: dir.display().to_string(),
                source,
            })?;
        let events = db
            .open_tree("status-events")
            .map_err(|source| StoreError::Open {
                path: dir.display().to_string(),
                source,
            })?;
        let failpoint = std::env::var("UMS_FAILPOINT")
            .ok()
            .map(|v| match v.split_once('@') {
                Some((name, n)) => (name.to_string(), n.parse().unwrap_or(1)),
                None => (v, 1),
            });
        // A store written before the index existed: build it once. From
        // then on every record write carries its index key in the same
        // transaction, and records are never removed, so the two agree.
        if by_time.is_empty() && !records.is_empty() {
            let mut batch = sled::Batch::default();
            for kv in records.iter() {
                let (k, v) = kv.map_err(|source| StoreError::Open {
                    path: dir.display().to_string(),
                    source,
                })?;
                let id = u64::from_be_bytes(k.as_ref().try_into().unwrap_or([0; 8]));
                let r = decode(id, &v)?;
                batch.insert(&journal_key(&r)[..], &[][..]);
            }
            by_time.apply_batch(batch)?;
            db.flush()?;
        }
        Ok(Store {
            db,
            records,
            by_time,
            outbox,
            progress,
            events,
            events_on: Default::default(),
            failpoint,
            hits: Default::default(),
            group: Default::default(),
            spool: Default::default(),
        })
    }

    fn fail_at(&self, point: &str) {
        if let Some((name, n)) = &self.failpoint {
            if name == point && self.hits.fetch_add(1, Ordering::SeqCst) + 1 == *n {
                eprintln!("failpoint {point} reached: aborting");
                std::process::abort();
            }
            // `stall:<point>`: the process stops there (the thread sleeps
            // for good) so that a test can kill it with SIGKILL itself.
            if name.strip_prefix("stall:") == Some(point)
                && self.hits.fetch_add(1, Ordering::SeqCst) + 1 == *n
            {
                eprintln!("failpoint {point} reached: stalling until killed");
                loop {
                    std::thread::sleep(std::time::Duration::from_secs(3600));
                }
            }
        }
    }

    /// A failpoint outside the store's own writes (e.g. `before:render` in
    /// the SMTP connector's render pool): aborts the process if
    /// `UMS_FAILPOINT` names it.
    pub fn failpoint(&self, point: &str) {
        self.fail_at(point);
    }

    /// From now on every flush first syncs `spool`: a record naming a raw
    /// mail appended before its insert never reaches the disk before the
    /// mail does. Set once (later calls are ignored).
    pub fn attach_spool(&self, spool: std::sync::Arc<crate::spool::RawSpool>) {
        let _ = self.spool.set(spool);
    }

    /// Make every insert this thread has done durable (group commit).
    fn durable(&self) -> Result<(), StoreError> {
        let g = &self.group;
        let ticket = g.written.fetch_add(1, Ordering::SeqCst) + 1;
        let mut st = crate::lock::lock(&g.state);
        loop {
            if st.flushed >= ticket {
                return Ok(());
            }
            if !st.flushing {
                st.flushing = true;
                let target = g.written.load(Ordering::SeqCst);
                drop(st);
                let result = self.sync_and_flush();
                st = crate::lock::lock(&g.state);
                st.flushing = false;
                if result.is_ok() {
                    st.flushed = st.flushed.max(target);
                }
                g.cv.notify_all();
                result?;
            } else {
                st = crate::lock::wait(&g.cv, st);
            }
        }
    }

    /// Write everything to disk now (on a clean stop).
    pub fn flush(&self) -> Result<(), StoreError> {
        self.sync_and_flush()
    }

    /// The attached spool first (what the records name), then the records.
    fn sync_and_flush(&self) -> Result<(), StoreError> {
        if let Some(spool) = self.spool.get() {
            spool.sync().map_err(StoreError::Spool)?;
        }
        self.db.flush()?;
        Ok(())
    }

    /// Store new records and mails about them in one atomic, durable step.
    pub fn insert_with_mail(
        &self,
        records: &[Record],
        mails: &[crate::report::OutgoingMail],
    ) -> Result<(), StoreError> {
        if mails.is_empty() {
            return self.insert_batch(records);
        }
        self.fail_at("before:insert");
        self.write_with_mail(records, mails)?;
        self.durable()?;
        self.fail_at("after:insert");
        Ok(())
    }

    /// Rewrite rendered records (document and job, or failed) and queue
    /// the notices about them in one atomic, durable write (a crash leaves
    /// both or neither). Failpoints `before:rendered` / `after:rendered`.
    pub fn rendered(
        &self,
        records: &[Record],
        mails: &[crate::report::OutgoingMail],
    ) -> Result<(), StoreError> {
        self.fail_at("before:rendered");
        self.write_with_mail(records, mails)?;
        self.durable()?;
        self.fail_at("after:rendered");
        Ok(())
    }

    /// Write `records` and queue `mails` in one sled transaction across
    /// the records and the outbox (not yet flushed).
    fn write_with_mail(
        &self,
        records: &[Record],
        mails: &[crate::report::OutgoingMail],
    ) -> Result<(), StoreError> {
        use sled::transaction::{ConflictableTransactionError, TransactionError};
        use sled::Transactional;
        let values: Vec<([u8; 8], Vec<u8>)> = records
            .iter()
            .map(|r| (key(r.message.id), encode(r)))
            .collect();
        let encoded: Vec<Vec<u8>> = mails.iter().map(encode_mail).collect();
        let index: Vec<[u8; 16]> = records.iter().map(journal_key).collect();
        let feed = self.events_on.load(Ordering::SeqCst);
        (&self.records, &self.outbox, &self.by_time, &self.events)
            .transaction(|(t_records, outbox, by_time, events)| {
                for mail in &encoded {
                    let id = t_records.generate_id()?;
                    outbox.insert(&id.to_be_bytes(), mail.as_slice())?;
                }
                for ((k, v), r) in values.iter().zip(records) {
                    let old = t_records.insert(k, v.as_slice())?;
                    if feed {
                        if let Some(e) = crate::events::change(old.as_deref(), r) {
                            let id = t_records.generate_id()?;
                            events.insert(&id.to_be_bytes(), crate::events::encode(&e))?;
                        }
                    }
                }
                for k in &index {
                    by_time.insert(&k[..], &[][..])?;
                }
                Ok::<(), ConflictableTransactionError<()>>(())
            })
            .map_err(|e| match e {
                TransactionError::Storage(e) => StoreError::Write(e),
                TransactionError::Abort(()) => StoreError::Write(sled::Error::ReportableBug(
                    "store transaction aborted".into(),
                )),
            })
    }

    /// Write `records` and their journal index keys in one transaction
    /// (not yet flushed). The key depends only on the creation time and the
    /// id, which never change, so rewriting it is idempotent.
    fn write_indexed(&self, records: &[Record]) -> Result<(), StoreError> {
        use sled::transaction::{ConflictableTransactionError, TransactionError};
        use sled::Transactional;
        let values: Vec<([u8; 8], Vec<u8>, [u8; 16])> = records
            .iter()
            .map(|r| (key(r.message.id), encode(r), journal_key(r)))
            .collect();
        let feed = self.events_on.load(Ordering::SeqCst);
        (&self.records, &self.by_time, &self.events)
            .transaction(|(t_records, by_time, events)| {
                for ((k, v, i), r) in values.iter().zip(records) {
                    let old = t_records.insert(k, v.as_slice())?;
                    by_time.insert(&i[..], &[][..])?;
                    if feed {
                        if let Some(e) = crate::events::change(old.as_deref(), r) {
                            let id = t_records.generate_id()?;
                            events.insert(&id.to_be_bytes(), crate::events::encode(&e))?;
                        }
                    }
                }
                Ok::<(), ConflictableTransactionError<()>>(())
            })
            .map_err(|e| match e {
                TransactionError::Storage(e) => StoreError::Write(e),
                TransactionError::Abort(()) => StoreError::Write(sled::Error::ReportableBug(
                    "store transaction aborted".into(),
                )),
            })
    }

    /// Records newest first (by creation time, then id), starting after
    /// the journal key `after` (keyset paging: the key of the last record
    /// of the previous page, see [`journal_key`]). Walks the index, so the
    /// first page costs the same with 10 or 100 000 records.
    pub fn newest_first(
        &self,
        after: Option<[u8; 16]>,
    ) -> impl Iterator<Item = Result<([u8; 16], Record), StoreError>> + '_ {
        use std::ops::Bound;
        let start = match after {
            Some(k) => Bound::Excluded(k.to_vec()),
            None => Bound::Unbounded,
        };
        self.by_time
            .range::<Vec<u8>, _>((start, Bound::Unbounded))
            .filter_map(move |kv| {
                let k = match kv {
                    Ok((k, _)) => k,
                    Err(e) => return Some(Err(StoreError::Write(e))),
                };
                let jk: [u8; 16] = k.as_ref().try_into().ok()?;
                let id = !u64::from_be_bytes(jk[8..].try_into().ok()?);
                match self.get(MessageId(id)) {
                    Ok(Some(r)) => Some(Ok((jk, r))),
                    Ok(None) => None,
                    Err(e) => Some(Err(e)),
                }
            })
    }

    /// From now on every write that changes a message's status stores a
    /// [`crate::events::StatusEvent`] in the same transaction (the
    /// webhooks switch it on before anything else writes).
    pub fn record_status_events(&self) {
        self.events_on.store(true, Ordering::SeqCst);
    }

    /// Up to `limit` status events, oldest first: (event id, event). An
    /// event that cannot be read is skipped (and stays).
    pub fn status_events(
        &self,
        limit: usize,
    ) -> Result<Vec<(u64, crate::events::StatusEvent)>, StoreError> {
        let mut out = Vec::new();
        for kv in self.events.iter() {
            let (k, v) = kv?;
            let id = u64::from_be_bytes(k.as_ref().try_into().unwrap_or([0; 8]));
            if let Some(e) = crate::events::decode(&v) {
                out.push((id, e));
            }
            if out.len() >= limit {
                break;
            }
        }
        Ok(out)
    }

    /// Remove status event `id` and write `entries` into the side tree
    /// `side` (from [`Store::side_tree`]) in one transaction: a consumer
    /// makes an event its own exactly once. Durable with [`Store::commit`].
    pub fn take_status_event(
        &self,
        id: u64,
        side: &sled::Tree,
        entries: &[(Vec<u8>, Vec<u8>)],
    ) -> Result<(), StoreError> {
        use sled::transaction::{ConflictableTransactionError, TransactionError};
        use sled::Transactional;
        (&self.events, side)
            .transaction(|(events, side)| {
                events.remove(&id.to_be_bytes())?;
                for (k, v) in entries {
                    side.insert(k.as_slice(), v.as_slice())?;
                }
                Ok::<(), ConflictableTransactionError<()>>(())
            })
            .map_err(|e| match e {
                TransactionError::Storage(e) => StoreError::Write(e),
                TransactionError::Abort(()) => StoreError::Write(sled::Error::ReportableBug(
                    "store transaction aborted".into(),
                )),
            })
    }

    /// A tree of the same database for a neighbour's own durable state
    /// (the web journal's accounts, sessions, tokens, audit log). Writes
    /// to it become durable with [`Store::commit`].
    pub fn side_tree(&self, name: &str) -> Result<sled::Tree, StoreError> {
        Ok(self.db.open_tree(format!("side-{name}"))?)
    }

    /// Make every write this thread has done durable (group commit).
    pub fn commit(&self) -> Result<(), StoreError> {
        self.durable()
    }

    /// A fresh message id, unique across restarts (sled persists the
    /// counter; ids may skip numbers after a crash, never repeat).
    pub fn next_id(&self) -> Result<MessageId, StoreError> {
        Ok(MessageId(self.db.generate_id()? + 1))
    }

    /// Store new records atomically and durably: all or none, flushed
    /// before this returns.
    pub fn insert_batch(&self, records: &[Record]) -> Result<(), StoreError> {
        self.insert_as(records, "insert")
    }

    /// [`Store::insert_batch`] with its failpoints named
    /// `before:<transition>` and `after:<transition>` (e.g. `Received`).
    pub fn insert_as(&self, records: &[Record], transition: &str) -> Result<(), StoreError> {
        self.fail_at(&format!("before:{transition}"));
        self.write_indexed(records)?;
        self.durable()?;
        self.fail_at(&format!("after:{transition}"));
        Ok(())
    }

    /// Store one state change durably. `transition` names it for failpoints.
    pub fn update(&self, record: &Record, transition: &str) -> Result<(), StoreError> {
        self.fail_at(&format!("before:{transition}"));
        self.write_indexed(std::slice::from_ref(record))?;
        self.durable()?;
        self.fail_at(&format!("after:{transition}"));
        Ok(())
    }

    pub fn get(&self, id: MessageId) -> Result<Option<Record>, StoreError> {
        self.records
            .get(key(id))?
            .map(|v| decode(id.0, &v))
            .transpose()
    }

    /// Every record, oldest first.
    pub fn all(&self) -> impl Iterator<Item = Result<Record, StoreError>> + '_ {
        self.records.iter().map(|kv| {
            let (k, v) = kv?;
            let id = u64::from_be_bytes(k.as_ref().try_into().unwrap_or([0; 8]));
            decode(id, &v)
        })
    }

    /// Records whose job is not finished.
    pub fn open_jobs(&self) -> Result<Vec<Record>, StoreError> {
        self.all()
            .filter(|r| {
                r.as_ref()
                    .map_or(true, |r| r.job.as_ref().is_some_and(|j| !j.is_done()))
            })
            .collect()
    }

    /// Outgoing faxes accepted (their mail fsynced in the spool, answered
    /// 250) but not rendered yet: `raw_mail` set, no job, not final. A
    /// restart hands them to the render pool again.
    pub fn unrendered(&self) -> Result<Vec<Record>, StoreError> {
        let mut out = Vec::new();
        for r in self.all() {
            let r = r?;
            if is_unrendered(&r) {
                out.push(r);
            }
        }
        Ok(out)
    }

    /// Queue `mails` and rewrite `record` (its hand-over marks cleared) in
    /// one atomic, durable write: after a crash both are there or neither
    /// is, so a notice or an incoming mail is queued exactly once.
    /// Failpoints `before:<transition>` and `after:<transition>`.
    pub fn complete_handoff(
        &self,
        record: &Record,
        mails: &[crate::report::OutgoingMail],
        transition: &str,
    ) -> Result<(), StoreError> {
        self.fail_at(&format!("before:{transition}"));
        self.write_with_mail(std::slice::from_ref(record), mails)?;
        self.durable()?;
        self.fail_at(&format!("after:{transition}"));
        Ok(())
    }

    /// What a start must pick up again, in one pass over the records:
    /// accepted fax mails not rendered yet ([`Store::unrendered`]), and
    /// records that still owe a notice or a delivery (their marks).
    pub fn recovery(&self) -> Result<Recovery, StoreError> {
        let mut out = Recovery::default();
        for r in self.all() {
            let r = r?;
            if !r.message.pending.is_empty() {
                out.handoffs.push(r.message.id);
            }
            if is_unrendered(&r) {
                out.unrendered.push(r);
            }
        }
        Ok(out)
    }

    /// Queue a mail for delivery, durably. The outbox survives restarts;
    /// the SMTP side removes a mail only after the mail server took it.
    pub fn enqueue_mail(&self, mail: &crate::report::OutgoingMail) -> Result<u64, StoreError> {
        let id = self.db.generate_id()?;
        self.fail_at("before:outbox");
        self.outbox.insert(id.to_be_bytes(), encode_mail(mail))?;
        self.durable()?;
        self.fail_at("after:outbox");
        Ok(id)
    }

    /// Mails waiting in the outbox, oldest first: (id, envelope sender,
    /// recipients, kind, RFC 5322 bytes).
    pub fn pending_mail(&self) -> Result<Vec<QueuedMail>, StoreError> {
        let mut out = Vec::new();
        for kv in self.outbox.iter() {
            let (k, v) = kv?;
            let id = u64::from_be_bytes(k.as_ref().try_into().unwrap_or([0; 8]));
            let split = v.iter().position(|b| *b == b'\n').unwrap_or(v.len());
            let head: serde_json::Value = serde_json::from_slice(&v[..split])
                .map_err(|source| StoreError::Corrupt { id, source })?;
            out.push(QueuedMail {
                id,
                envelope_from: head["envelope_from"]
                    .as_str()
                    .unwrap_or_default()
                    .to_string(),
                recipients: head["recipients"]
                    .as_array()
                    .map(|a| {
                        a.iter()
                            .filter_map(|r| r.as_str().map(String::from))
                            .collect()
                    })
                    .unwrap_or_default(),
                kind: head["kind"].as_str().unwrap_or_default().to_string(),
                data: v.get(split + 1..).unwrap_or_default().to_vec(),
            });
        }
        Ok(out)
    }

    /// The mail server took it: forget it (and how far its delivery got).
    /// Failpoints `before:outbox-remove` (the server has it, the outbox
    /// still does: it is sent again after a restart) and
    /// `after:outbox-remove`.
    pub fn remove_mail(&self, id: u64) -> Result<(), StoreError> {
        self.fail_at("before:outbox-remove");
        self.outbox.remove(id.to_be_bytes())?;
        self.progress.remove(id.to_be_bytes())?;
        self.durable()?;
        self.fail_at("after:outbox-remove");
        Ok(())
    }

    /// Record how far the delivery of outbox mail `id` got, durably.
    pub fn set_mail_progress(&self, id: u64, progress: &MailProgress) -> Result<(), StoreError> {
        let bytes = serde_json::to_vec(progress).expect("progress serialises");
        self.progress.insert(id.to_be_bytes(), bytes)?;
        self.durable()?;
        Ok(())
    }

    /// How far the delivery of outbox mail `id` got (None: never tried).
    pub fn mail_progress(&self, id: u64) -> Result<Option<MailProgress>, StoreError> {
        self.progress
            .get(id.to_be_bytes())?
            .map(|v| {
                serde_json::from_slice(&v).map_err(|source| StoreError::Corrupt { id, source })
            })
            .transpose()
    }

    pub fn len(&self) -> usize {
        self.records.len()
    }

    pub fn is_empty(&self) -> bool {
        self.records.is_empty()
    }
}

/// What a start picks up again ([`Store::recovery`]).
#[derive(Debug, Default)]
pub struct Recovery {
    /// Accepted fax mails waiting for their pages.
    pub unrendered: Vec<Record>,
    /// Records that owe a notice or a delivery.
    pub handoffs: Vec<MessageId>,
}

fn is_unrendered(r: &Record) -> bool {
    r.message.raw_mail.is_some() && r.job.is_none() && !r.message.status.is_final()
}

/// A record's key in the journal index: creation time and id, both
/// inverted so that sled's ascending order is newest first.
pub fn journal_key(r: &Record) -> [u8; 16] {
    let mut k = [0u8; 16];
    k[..8].copy_from_slice(&(!r.message.created_at.0).to_be_bytes());
    k[8..].copy_from_slice(&(!r.message.id.0).to_be_bytes());
    k
}

fn key(id: MessageId) -> [u8; 8] {
    id.0.to_be_bytes()
}

fn encode(r: &Record) -> Vec<u8> {
    serde_json::to_vec(r).expect("records serialise")
}

fn decode(id: u64, bytes: &[u8]) -> Result<Record, StoreError> {
    serde_json::from_slice(bytes).map_err(|source| StoreError::Corrupt { id, source })
}

fn encode_mail(mail: &crate::report::OutgoingMail) -> Vec<u8> {
    let head = serde_json::json!({
        "envelope_from": mail.envelope_from,
        "recipients": mail.recipients,
        "kind": format!("{:?}", mail.kind),
    });
    let mut value = serde_json::to_vec(&head).expect("json");
    value.push(b'\n');
    value.extend_from_slice(&mail.data);
    value
}
