//! systemd's notification protocol (sd_notify(3)), without libsystemd: one
//! datagram to `$NOTIFY_SOCKET` (a path, or `@name` in the abstract
//! namespace). Without the variable (not under systemd) nothing is sent.

use std::os::unix::net::UnixDatagram;

/// Send `state` (e.g. `READY=1`, `WATCHDOG=1`, `STOPPING=1`). Returns
/// whether a notification socket was there and took it.
pub fn notify(state: &str) -> bool {
    let Some(path) = std::env::var_os("NOTIFY_SOCKET") else {
        return false;
    };
    let Ok(sock) = UnixDatagram::unbound() else {
        return false;
    };
    let bytes = path.as_encoded_bytes();
    let sent = if let Some(name) = bytes.strip_prefix(b"@") {
        use std::os::linux::net::SocketAddrExt;
        std::os::unix::net::SocketAddr::from_abstract_name(name)
            .and_then(|a| sock.send_to_addr(state.as_bytes(), &a))
    } else {
        sock.send_to(state.as_bytes(), std::path::Path::new(&path))
    };
    sent.is_ok()
}

/// How often to ping the watchdog: half of `$WATCHDOG_USEC`, if set.
pub fn watchdog_interval() -> Option<std::time::Duration> {
    let usec: u64 = std::env::var("WATCHDOG_USEC").ok()?.parse().ok()?;
    (usec > 0).then(|| std::time::Duration::from_micros(usec / 2))
}
