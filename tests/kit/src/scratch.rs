//! Scratch directories: one per test and call, named so that the files of a
//! failed test can be found, gone after a test that passed.

use std::ffi::OsStr;
use std::ops::Deref;
use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::OnceLock;

/// Set (to anything but `0`) to keep every scratch directory.
pub const KEEP_VAR: &str = "UMS_KEEP_SCRATCH";

/// A fresh empty directory
/// `$TMPDIR/ums-<test binary>-<name>-<pid>-<n>` (`/tmp` without `TMPDIR`),
/// with `n` counting the calls in this process, so tests that run side by
/// side (threads or processes) never share one.
///
/// Dropped, it is removed, unless the thread is panicking (the test failed),
/// [`keep`](Scratch::keep) was called or `UMS_KEEP_SCRATCH` is set; a kept
/// directory is named on stderr. It derefs to its [`Path`].
#[derive(Debug)]
pub struct Scratch {
    path: PathBuf,
    keep: bool,
}

impl Scratch {
    /// A new empty directory; `name` says what for (usually the test's
    /// name). Characters other than `A-Z a-z 0-9 . _ -` become `_`.
    pub fn new(name: &str) -> Scratch {
        static CALLS: AtomicUsize = AtomicUsize::new(0);
        let n = CALLS.fetch_add(1, Ordering::Relaxed);
        let dir = format!(
            "ums-{}-{}-{}-{n}",
            binary_name(),
            clean(name),
            std::process::id()
        );
        let path = std::env::temp_dir().join(dir);
        // Only a kept directory of an earlier run with the same pid can be
        // here: start empty all the same.
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path)
            .unwrap_or_else(|e| panic!("create scratch dir {}: {e}", path.display()));
        Scratch { path, keep: false }
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// `rel` below the directory, created with its parents.
    pub fn subdir(&self, rel: impl AsRef<Path>) -> PathBuf {
        let d = self.path.join(rel);
        std::fs::create_dir_all(&d).unwrap_or_else(|e| panic!("create {}: {e}", d.display()));
        d
    }

    /// The path of `name` in the directory as a string, for a tool's
    /// command line.
    pub fn arg(&self, name: &str) -> String {
        let p = self.path.join(name);
        p.to_str()
            .unwrap_or_else(|| panic!("not UTF-8: {}", p.display()))
            .to_owned()
    }

    /// Keep the directory after the test; returns its path.
    pub fn keep(mut self) -> PathBuf {
        self.keep = true;
        self.path.clone()
    }
}

impl Deref for Scratch {
    type Target = Path;

    fn deref(&self) -> &Path {
        &self.path
    }
}

impl AsRef<Path> for Scratch {
    fn as_ref(&self) -> &Path {
        &self.path
    }
}

/// For `Command::arg(&dir)`.
impl AsRef<OsStr> for Scratch {
    fn as_ref(&self) -> &OsStr {
        self.path.as_os_str()
    }
}

impl Drop for Scratch {
    fn drop(&mut self) {
        let asked = std::env::var_os(KEEP_VAR).is_some_and(|v| !v.is_empty() && v != "0");
        if self.keep || asked || std::thread::panicking() {
            eprintln!("test-kit: kept {}", self.path.display());
        } else {
            let _ = std::fs::remove_dir_all(&self.path);
        }
    }
}

/// The test binary's name without cargo's hash (`retries`, not
/// `retries-3f0c…`), or `test` if it cannot be told.
fn binary_name() -> &'static str {
    static NAME: OnceLock<String> = OnceLock::new();
    NAME.get_or_init(|| {
        let exe = std::env::current_exe().ok();
        let stem = exe
            .as_deref()
            .and_then(Path::file_stem)
            .and_then(OsStr::to_str)
            .unwrap_or("test");
        let stem = match stem.rsplit_once('-') {
            Some((name, hash))
                if hash.len() == 16 && hash.chars().all(|c| c.is_ascii_hexdigit()) =>
            {
                name
            }
            _ => stem,
        };
        clean(stem)
    })
}

fn clean(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-') {
                c
            } else {
                '_'
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_call_gets_its_own_empty_directory_named_after_binary_and_test() {
        let a = Scratch::new("same name");
        let b = Scratch::new("same name");
        assert_ne!(a.path(), b.path());
        let name = a.file_name().unwrap().to_str().unwrap();
        assert!(name.starts_with("ums-test_kit-same_name-"), "{name}");
        assert!(
            name.contains(&format!("-{}-", std::process::id())),
            "{name}"
        );
        assert_eq!(std::fs::read_dir(&a).unwrap().count(), 0);
    }

    #[test]
    fn a_passing_test_leaves_nothing_and_keep_keeps() {
        let a = Scratch::new("dropped");
        std::fs::write(a.subdir("x/y").join("f"), b"1").unwrap();
        let path = a.to_path_buf();
        drop(a);
        assert!(!path.exists());

        let kept = Scratch::new("kept").keep();
        assert!(kept.is_dir());
        std::fs::remove_dir_all(kept).unwrap();
    }

    #[test]
    fn a_failed_test_keeps_its_files() {
        let path = std::thread::spawn(|| {
            let s = Scratch::new("failed");
            let path = s.to_path_buf();
            let _ = std::panic::catch_unwind(std::panic::AssertUnwindSafe(move || {
                let _s = s;
                panic!("the test fails");
            }));
            path
        })
        .join()
        .unwrap();
        assert!(path.is_dir(), "a failed test's directory is kept");
        std::fs::remove_dir_all(path).unwrap();
    }
}
