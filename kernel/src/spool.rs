//! The raw-mail spool: mails as received, appended to segment files and
//! made durable by the store's group commit.
//!
//! An accepted fax mail must be on disk before its 250, like an MTA's
//! queue file, but a file per mail costs a create, an fsync of the file and
//! one of its directory per message, and those fsyncs queue behind every
//! other write of the machine (the render pool writes its documents at the
//! same time). Here a mail is appended to the current segment (`seg-N.raw`)
//! and the [`Store`](crate::store::Store)'s group commit `fdatasync`s the
//! segments written since its last flush before it flushes the records:
//! one sync for every mail that arrived meanwhile, and never a record
//! pointing at bytes that are not on disk.
//!
//! ```text
//!  append(mail) ──▶ "…/seg-00000007.raw@40960+20480" (the record's raw_mail)
//!  store insert + group commit: sync segments, then flush records ── 250
//!  render pool: read(raw_mail) … records rewritten … release(raw_mail)
//!  a segment that is not current and has no live mail is deleted
//! ```
//!
//! At start [`RawSpool::open`] is given the raw mails the store still
//! waits for; segments none of them names are deleted (their mails were
//! rendered before a crash) and appending starts in a new segment, so bytes
//! a crash left half-written after the last flushed mail are never read.

use std::collections::BTreeMap;
use std::fs::{File, OpenOptions};
use std::io;
use std::os::unix::fs::FileExt;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

/// A new segment is started once the current one holds this many bytes.
pub const SEGMENT_BYTES: u64 = 64 << 20;

/// Where one mail is: its segment, offset and length.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
struct Slot {
    segment: u64,
    offset: u64,
    len: u64,
}

/// The spool. Shared (`Arc`) by the SMTP policy, the render pool and the
/// store's group commit.
pub struct RawSpool {
    dir: PathBuf,
    segment_bytes: u64,
    state: Mutex<State>,
}

struct State {
    current: u64,
    file: Arc<File>,
    len: u64,
    /// Bytes of the current segment known to be on disk.
    synced: u64,
    /// Rotated segments written since the last sync.
    unsynced: Vec<(u64, Arc<File>)>,
    /// Mails not yet released, per segment.
    live: BTreeMap<u64, usize>,
    /// Other files (rendered documents) the next sync makes durable, with
    /// their directories.
    deferred: Vec<File>,
    deferred_dirs: Vec<PathBuf>,
}

impl std::fmt::Debug for RawSpool {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RawSpool").field("dir", &self.dir).finish()
    }
}

fn segment_name(n: u64) -> String {
    format!("seg-{n:08}.raw")
}

fn segment_number(name: &str) -> Option<u64> {
    name.strip_prefix("seg-")?
        .strip_suffix(".raw")?
        .parse()
        .ok()
}

/// `…/seg-N.raw@offset+len` → (segment path, slot); `None` for a plain
/// file (a raw mail of an older version: one file per mail).
fn parse(raw: &str) -> Option<(PathBuf, Slot)> {
    let (path, range) = raw.rsplit_once('@')?;
    let (offset, len) = range.split_once('+')?;
    let path = PathBuf::from(path);
    let segment = segment_number(path.file_name()?.to_str()?)?;
    Some((
        path,
        Slot {
            segment,
            offset: offset.parse().ok()?,
            len: len.parse().ok()?,
        },
    ))
}

use crate::durable::sync_dir;

fn create_segment(dir: &Path, n: u64) -> io::Result<Arc<File>> {
    let file = OpenOptions::new()
        .create_new(true)
        .read(true)
        .write(true)
        .open(dir.join(segment_name(n)))?;
    // The new name must be on disk before a record names it.
    sync_dir(dir)?;
    Ok(Arc::new(file))
}

impl RawSpool {
    /// Open the spool in `dir` (created if missing). `live` are the raw
    /// mails the store still waits for (records accepted, not rendered):
    /// they stay readable; every other segment is deleted. Appending starts
    /// in a fresh segment.
    pub fn open<'a>(dir: &Path, live: impl IntoIterator<Item = &'a str>) -> io::Result<RawSpool> {
        Self::open_with(dir, live, SEGMENT_BYTES)
    }

    /// [`RawSpool::open`] with another segment size (tests).
    pub fn open_with<'a>(
        dir: &Path,
        live: impl IntoIterator<Item = &'a str>,
        segment_bytes: u64,
    ) -> io::Result<RawSpool> {
        std::fs::create_dir_all(dir)?;
        let mut counts: BTreeMap<u64, usize> = BTreeMap::new();
        for raw in live {
            if let Some((path, slot)) = parse(raw) {
                if path.parent() == Some(dir) {
                    *counts.entry(slot.segment).or_default() += 1;
                }
            }
        }
        let mut last = 0;
        for entry in std::fs::read_dir(dir)? {
            let entry = entry?;
            let Some(n) = entry.file_name().to_str().and_then(segment_number) else {
                continue;
            };
            last = last.max(n);
            if !counts.contains_key(&n) {
                std::fs::remove_file(entry.path())?;
            }
        }
        let current = last + 1;
        let file = create_segment(dir, current)?;
        Ok(RawSpool {
            dir: dir.to_path_buf(),
            segment_bytes: segment_bytes.max(1),
            state: Mutex::new(State {
                current,
                file,
                len: 0,
                synced: 0,
                unsynced: Vec::new(),
                live: counts,
                deferred: Vec::new(),
                deferred_dirs: Vec::new(),
            }),
        })
    }

    /// The directory of the segments.
    pub fn dir(&self) -> &Path {
        &self.dir
    }

    /// Append one mail; returns the reference a record keeps
    /// (`raw_mail`). Not durable until the next [`RawSpool::sync`] (the
    /// store's group commit calls it before flushing the records).
    pub fn append(&self, mail: &[u8]) -> io::Result<String> {
        let mut st = crate::lock::lock(&self.state);
        let st = &mut *st;
        if st.len > 0 && st.len + mail.len() as u64 > self.segment_bytes {
            let next = st.current + 1;
            let file = create_segment(&self.dir, next)?;
            let old = std::mem::replace(&mut st.file, file);
            let old_no = std::mem::replace(&mut st.current, next);
            if st.live.get(&old_no).copied().unwrap_or(0) == 0 {
                st.live.remove(&old_no);
                let _ = std::fs::remove_file(self.dir.join(segment_name(old_no)));
            } else if st.synced < st.len {
                st.unsynced.push((old_no, old));
            }
            st.len = 0;
            st.synced = 0;
        }
        let offset = st.len;
        // Written under the lock: once `append` returns, the bytes are in
        // the file, so a sync that starts later covers them.
        if let Err(e) = st.file.write_all_at(mail, offset) {
            // Whatever part was written is never named; start after it.
            st.len = offset + mail.len() as u64;
            return Err(e);
        }
        st.len = offset + mail.len() as u64;
        let current = st.current;
        *st.live.entry(current).or_default() += 1;
        Ok(format!(
            "{}@{offset}+{}",
            self.dir.join(segment_name(st.current)).display(),
            mail.len()
        ))
    }

    /// A file written elsewhere (a rendered document at `path`, created
    /// and written, not synced) that the next [`RawSpool::sync`] makes
    /// durable with its directory entry. The render pool writes documents
    /// so: the store's group commit then syncs the documents of every
    /// render and the mails of every session that finished meanwhile in
    /// one pass, instead of an fsync of each file and directory apiece.
    pub fn defer_sync(&self, file: File, path: &Path) {
        let mut st = crate::lock::lock(&self.state);
        st.deferred.push(file);
        if let Some(dir) = path.parent() {
            if !st.deferred_dirs.iter().any(|d| d == dir) {
                st.deferred_dirs.push(dir.to_path_buf());
            }
        }
    }

    /// Make every mail appended and every file deferred before this call
    /// durable (`fdatasync` of the segments written since the last sync,
    /// `fsync` of the deferred files and their directories; nothing when
    /// there is nothing new).
    pub fn sync(&self) -> io::Result<()> {
        let (current, len, rotated, files, dirs) = {
            let mut st = crate::lock::lock(&self.state);
            if st.synced == st.len && st.unsynced.is_empty() && st.deferred.is_empty() {
                return Ok(());
            }
            let current = (st.synced < st.len).then(|| (st.current, Arc::clone(&st.file)));
            (
                current,
                st.len,
                std::mem::take(&mut st.unsynced),
                std::mem::take(&mut st.deferred),
                std::mem::take(&mut st.deferred_dirs),
            )
        };
        // A failure fails this group commit (its writers hear an error);
        // the files are not retried: their writers do not count on them.
        for file in &files {
            file.sync_all()?;
        }
        for dir in &dirs {
            sync_dir(dir)?;
        }
        for (n, file) in &rotated {
            if let Err(e) = file.sync_data() {
                self.requeue(rotated.clone());
                return Err(io::Error::new(
                    e.kind(),
                    format!("{}: {e}", segment_name(*n)),
                ));
            }
        }
        if let Some((n, file)) = current {
            file.sync_data()
                .map_err(|e| io::Error::new(e.kind(), format!("{}: {e}", segment_name(n))))?;
            let mut st = crate::lock::lock(&self.state);
            if st.current == n {
                st.synced = st.synced.max(len);
            }
        }
        Ok(())
    }

    fn requeue(&self, rotated: Vec<(u64, Arc<File>)>) {
        let mut st = crate::lock::lock(&self.state);
        st.unsynced.extend(rotated);
    }

    /// The mail a record names: a slot of a segment, or (older records) a
    /// whole file.
    pub fn read(raw: &str) -> io::Result<Vec<u8>> {
        let Some((path, slot)) = parse(raw) else {
            return std::fs::read(raw);
        };
        let file = File::open(&path)?;
        let len = usize::try_from(slot.len)
            .map_err(|_| io::Error::new(io::ErrorKind::InvalidData, "raw mail too large"))?;
        let mut buf = vec![0; len];
        file.read_exact_at(&mut buf, slot.offset)?;
        Ok(buf)
    }

    /// The mail is no longer needed (its records were rewritten durably).
    /// A segment that is not current and has no live mail left is deleted.
    pub fn release(&self, raw: &str) {
        let Some((path, slot)) = parse(raw) else {
            let _ = std::fs::remove_file(raw);
            return;
        };
        if path.parent() != Some(self.dir.as_path()) {
            return;
        }
        let mut st = crate::lock::lock(&self.state);
        let Some(count) = st.live.get_mut(&slot.segment) else {
            return;
        };
        *count = count.saturating_sub(1);
        if *count == 0 && slot.segment != st.current {
            st.live.remove(&slot.segment);
            st.unsynced.retain(|(n, _)| *n != slot.segment);
            let _ = std::fs::remove_file(&path);
        }
    }

    /// Mails appended and not yet released.
    pub fn live(&self) -> usize {
        let st = crate::lock::lock(&self.state);
        st.live.values().sum()
    }

    /// Segment files on disk (tests and metrics).
    pub fn segments(&self) -> io::Result<Vec<PathBuf>> {
        let mut out: Vec<PathBuf> = std::fs::read_dir(&self.dir)?
            .filter_map(Result::ok)
            .filter(|e| e.file_name().to_str().and_then(segment_number).is_some())
            .map(|e| e.path())
            .collect();
        out.sort();
        Ok(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use test_kit::Scratch;

    #[test]
    fn appended_mails_read_back_and_a_released_segment_goes() {
        let dir = Scratch::new("rotate");
        let spool = RawSpool::open_with(&dir, [], 100).unwrap();
        let a = spool.append(&[b'a'; 60]).unwrap();
        let b = spool.append(&[b'b'; 60]).unwrap();
        spool.sync().unwrap();
        assert_eq!(RawSpool::read(&a).unwrap(), vec![b'a'; 60]);
        assert_eq!(RawSpool::read(&b).unwrap(), vec![b'b'; 60]);
        assert_eq!(
            spool.segments().unwrap().len(),
            2,
            "b started a new segment"
        );
        spool.release(&a);
        assert_eq!(spool.segments().unwrap().len(), 1, "a's segment went");
        assert!(RawSpool::read(&a).is_err());
        spool.release(&b);
        assert_eq!(spool.segments().unwrap().len(), 1, "the current one stays");
    }

    #[test]
    fn reopening_keeps_live_mails_and_drops_the_rest() {
        let dir = Scratch::new("reopen");
        let spool = RawSpool::open_with(&dir, [], 100).unwrap();
        let a = spool.append(b"first mail").unwrap();
        let b = spool.append(&[b'x'; 95]).unwrap();
        let c = spool.append(b"third").unwrap();
        spool.sync().unwrap();
        drop(spool);
        // a and c's records were rendered before the "crash"; b waits. c
        // shares b's segment, which stays whole.
        let spool = RawSpool::open_with(&dir, [b.as_str()], 100).unwrap();
        assert_eq!(RawSpool::read(&b).unwrap(), vec![b'x'; 95]);
        assert!(RawSpool::read(&a).is_err(), "a's segment held no live mail");
        assert_eq!(RawSpool::read(&c).unwrap(), b"third");
        let d = spool.append(b"after restart").unwrap();
        assert_ne!(
            parse(&d).unwrap().1.segment,
            parse(&b).unwrap().1.segment,
            "appending starts in a new segment"
        );
        spool.release(&b);
        assert_eq!(spool.segments().unwrap().len(), 1);
    }

    #[test]
    fn a_deferred_file_is_synced_once_and_a_failure_is_reported() {
        let dir = Scratch::new("defer");
        let spool = RawSpool::open(&dir.join("raw"), []).unwrap();
        let doc = dir.join("docs/1.tif");
        std::fs::create_dir_all(doc.parent().unwrap()).unwrap();
        spool.defer_sync(std::fs::File::create(&doc).unwrap(), &doc);
        spool.sync().unwrap();
        // The directory of the next one is gone: its sync fails, and the
        // one after has nothing left to do.
        let lost = dir.join("gone/2.tif");
        std::fs::create_dir_all(lost.parent().unwrap()).unwrap();
        spool.defer_sync(std::fs::File::create(&lost).unwrap(), &lost);
        std::fs::remove_dir_all(lost.parent().unwrap()).unwrap();
        let err = spool.sync().unwrap_err();
        assert!(err.to_string().contains("gone"), "{err}");
        spool.sync().unwrap();
    }

    #[test]
    fn a_plain_file_reference_still_reads_and_releases() {
        let dir = Scratch::new("plain");
        let file = dir.join("old.eml");
        std::fs::write(&file, b"older mail").unwrap();
        let raw = file.display().to_string();
        let spool = RawSpool::open(&dir.join("raw"), [raw.as_str()]).unwrap();
        assert_eq!(RawSpool::read(&raw).unwrap(), b"older mail");
        spool.release(&raw);
        assert!(!file.exists());
    }

    #[test]
    fn references_that_are_not_ours_are_not_parsed_as_slots() {
        assert!(parse("/var/spool/ums/12.eml").is_none());
        assert!(parse("/x/seg-00000001.raw@12").is_none());
        assert!(parse("/x/other@1+2").is_none());
        assert_eq!(
            parse("/x/seg-00000003.raw@10+20").unwrap().1,
            Slot {
                segment: 3,
                offset: 10,
                len: 20
            }
        );
    }
}
