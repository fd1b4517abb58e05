//! The workspace's one rule for poisoned locks: **recover**. A lock is
//! poisoned when a thread panicked while holding it. Every critical section
//! in ums only reads, swaps or appends whole values (no multi-step update
//! that a panic could leave half done), so the data behind a poisoned lock
//! is as consistent as behind any other, and one failed thread (a render
//! worker that hit a decoder bug, say) must not take the gateway with it.
//! Every `Mutex`/`RwLock`/`Condvar` of the workspace is used through these
//! functions (docs/architecture.md).

use std::sync::{Condvar, Mutex, MutexGuard, RwLock, RwLockReadGuard, RwLockWriteGuard};

/// Lock `m`, recovering it if poisoned.
pub fn lock<T: ?Sized>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|e| e.into_inner())
}

/// Read `l`, recovering it if poisoned.
pub fn read<T: ?Sized>(l: &RwLock<T>) -> RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|e| e.into_inner())
}

/// Write `l`, recovering it if poisoned.
pub fn write<T: ?Sized>(l: &RwLock<T>) -> RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|e| e.into_inner())
}

/// Wait on `cv`, recovering the lock if poisoned.
pub fn wait<'a, T>(cv: &Condvar, guard: MutexGuard<'a, T>) -> MutexGuard<'a, T> {
    cv.wait(guard).unwrap_or_else(|e| e.into_inner())
}

/// Wait on `cv` for at most `d`, recovering the lock if poisoned.
pub fn wait_timeout<'a, T>(
    cv: &Condvar,
    guard: MutexGuard<'a, T>,
    d: std::time::Duration,
) -> MutexGuard<'a, T> {
    match cv.wait_timeout(guard, d) {
        Ok((g, _)) => g,
        Err(e) => e.into_inner().0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_lock_poisoned_by_a_panicking_thread_is_recovered_with_its_value() {
        let m = std::sync::Arc::new(Mutex::new(7));
        let m2 = std::sync::Arc::clone(&m);
        let _ = std::thread::spawn(move || {
            let _g = m2.lock().unwrap();
            panic!("a worker fails while holding the lock");
        })
        .join();
        assert!(m.is_poisoned());
        *lock(&m) += 1;
        assert_eq!(*lock(&m), 8);
        let l = RwLock::new(String::from("a"));
        write(&l).push('b');
        assert_eq!(*read(&l), "ab");
    }
}
