//! What the commands print, as Unix tools print it.
//!
//! Rust ignores SIGPIPE, so `println!` to a reader that went away
//! (`ums journal | head`) panics with "failed printing to stdout: Broken
//! pipe". The commands print with [`outln!`](crate::outln) and
//! [`out!`](crate::out) instead: when the reader has gone, the process ends
//! at once, silently, with [`EXIT_BROKEN_PIPE`], the status a shell reports
//! for a tool that SIGPIPE ended (`yes | head; echo ${PIPESTATUS[0]}`). Any
//! other write error (a full disk behind `>`) is said on stderr and ends it
//! with status 1.
//!
//! Restoring SIGPIPE's default action instead would need `unsafe` (the
//! crate forbids it) and would also end `ums serve` when a peer hangs up.

use std::io::{ErrorKind, Write};

/// 128 + SIGPIPE.
pub const EXIT_BROKEN_PIPE: i32 = 128 + 13;

/// Write `args` to stdout, ending the process as above if it cannot.
pub fn write(args: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if let Err(e) = out.write_fmt(args).and_then(|()| out.flush()) {
        if e.kind() == ErrorKind::BrokenPipe {
            std::process::exit(EXIT_BROKEN_PIPE);
        }
        // stderr may be gone as well: nothing left to say then.
        let _ = writeln!(std::io::stderr(), "ums: writing to stdout: {e}");
        std::process::exit(1);
    }
}

/// `println!` that ends quietly on a closed pipe (see [`crate::stdout`]).
#[macro_export]
macro_rules! outln {
    () => {
        $crate::stdout::write(format_args!("\n"))
    };
    ($($arg:tt)+) => {
        $crate::stdout::write(format_args!("{}\n", format_args!($($arg)+)))
    };
}

/// `print!` that ends quietly on a closed pipe (see [`crate::stdout`]).
#[macro_export]
macro_rules! out {
    ($($arg:tt)+) => {
        $crate::stdout::write(format_args!($($arg)+))
    };
}
