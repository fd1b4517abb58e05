//! Durable files: the one place in the workspace that makes a file survive
//! a crash. A function here returns only once the bytes and the directory
//! entry that names them are on disk, so a record written after it may
//! point at the file (the order the stores of the gateway rely on: file
//! first, then the record that names it).
//!
//! It lives in `fax-t30` because every crate of the workspace depends on
//! it (documents are pages, and pages are this crate's business); the
//! kernel re-exports it as `kernel::durable`.

use std::fs::{File, OpenOptions};
use std::io::{self, Write};
use std::os::unix::fs::OpenOptionsExt;
use std::path::{Path, PathBuf};

/// File mode of a private file (what only the gateway's user may read).
pub const PRIVATE: u32 = 0o600;

fn parent(path: &Path) -> &Path {
    match path.parent() {
        Some(d) if !d.as_os_str().is_empty() => d,
        _ => Path::new("."),
    }
}

/// Flush a directory's entries (a rename or a new file in it) to disk.
/// Filesystems that cannot sync a directory (`EINVAL`) are taken as done.
pub fn sync_dir(dir: &Path) -> io::Result<()> {
    match File::open(dir).and_then(|d| d.sync_all()) {
        Err(e) if e.raw_os_error() == Some(libc::EINVAL) => Ok(()),
        other => other.map_err(|e| with_path(dir, e)),
    }
}

fn with_path(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

/// A temporary file beside `path` that nobody else uses.
fn temp_beside(path: &Path, mode: u32) -> io::Result<(PathBuf, File)> {
    let name = path
        .file_name()
        .ok_or_else(|| io::Error::other(format!("{}: no file name", path.display())))?
        .to_string_lossy();
    let dir = parent(path);
    let mut attempt = 0u32;
    loop {
        let tmp = dir.join(format!(".{name}.{}.{attempt}.tmp", std::process::id()));
        match OpenOptions::new()
            .write(true)
            .create_new(true)
            .mode(mode)
            .open(&tmp)
        {
            Ok(f) => return Ok((tmp, f)),
            Err(e) if e.kind() == io::ErrorKind::AlreadyExists && attempt < 100 => attempt += 1,
            Err(e) => return Err(with_path(&tmp, e)),
        }
    }
}

/// Write `path` whole or not at all: the content goes to a temporary file
/// beside it (created with `mode`, before the umask), which is synced and
/// renamed over `path`, then the directory is synced. A reader sees the
/// old file or the new one, never a part.
pub fn write_with(
    path: &Path,
    mode: u32,
    fill: impl FnOnce(&mut File) -> io::Result<()>,
) -> io::Result<()> {
    let (tmp, mut file) = temp_beside(path, mode)?;
    let result = fill(&mut file)
        .and_then(|()| file.sync_all())
        .and_then(|()| std::fs::rename(&tmp, path));
    if let Err(e) = result {
        let _ = std::fs::remove_file(&tmp);
        return Err(with_path(path, e));
    }
    sync_dir(parent(path))
}

/// [`write_with`] for bytes at hand, with the usual mode (0666 less the
/// umask).
pub fn write(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with(path, 0o666, |f| f.write_all(bytes))
}

/// [`write_with`] for bytes at hand, readable by the owner only.
pub fn write_private(path: &Path, bytes: &[u8]) -> io::Result<()> {
    write_with(path, PRIVATE, |f| f.write_all(bytes))
}

/// Make a file that another writer finished (spandsp's received TIFF) and
/// its directory entry durable.
pub fn sync_file(path: &Path) -> io::Result<()> {
    File::open(path)
        .and_then(|f| f.sync_all())
        .map_err(|e| with_path(path, e))?;
    sync_dir(parent(path))
}

/// Move a finished file to its final name, durably: the file is synced,
/// renamed, and the directories of both names are synced.
pub fn rename(from: &Path, to: &Path) -> io::Result<()> {
    File::open(from)
        .and_then(|f| f.sync_all())
        .map_err(|e| with_path(from, e))?;
    std::fs::rename(from, to).map_err(|e| with_path(to, e))?;
    sync_dir(parent(to))?;
    if parent(from) != parent(to) {
        sync_dir(parent(from))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::os::unix::fs::PermissionsExt;

    fn scratch(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("ums-durable-{name}-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&d);
        std::fs::create_dir_all(&d).unwrap();
        d
    }

    #[test]
    fn a_write_replaces_the_whole_file_and_leaves_no_temporary() {
        let d = scratch("write");
        let p = d.join("a.bin");
        write(&p, b"first").unwrap();
        write(&p, b"second, longer").unwrap();
        assert_eq!(std::fs::read(&p).unwrap(), b"second, longer");
        let names: Vec<_> = std::fs::read_dir(&d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        assert_eq!(names, vec![std::ffi::OsString::from("a.bin")]);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn a_failed_fill_keeps_the_old_file() {
        let d = scratch("fail");
        let p = d.join("a.bin");
        write(&p, b"old").unwrap();
        let r = write_with(&p, 0o666, |f| {
            f.write_all(b"half")?;
            Err(io::Error::other("disk full"))
        });
        assert!(r.unwrap_err().to_string().contains("disk full"));
        assert_eq!(std::fs::read(&p).unwrap(), b"old");
        assert_eq!(std::fs::read_dir(&d).unwrap().count(), 1);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn private_files_are_the_owners_whatever_the_umask() {
        let d = scratch("private");
        let p = d.join("key.pem");
        write_private(&p, b"secret").unwrap();
        let mode = std::fs::metadata(&p).unwrap().permissions().mode() & 0o777;
        assert_eq!(mode, 0o600);
        let _ = std::fs::remove_dir_all(&d);
    }

    #[test]
    fn rename_moves_and_a_missing_file_is_an_error_naming_it() {
        let d = scratch("rename");
        let a = d.join("rx.tif");
        std::fs::write(&a, b"pages").unwrap();
        let b = d.join("7.tif");
        rename(&a, &b).unwrap();
        assert!(!a.exists());
        assert_eq!(std::fs::read(&b).unwrap(), b"pages");
        sync_file(&b).unwrap();
        let e = rename(&a, &b).unwrap_err();
        assert!(e.to_string().contains("rx.tif"), "{e}");
        let _ = std::fs::remove_dir_all(&d);
    }
}
