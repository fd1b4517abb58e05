//! What the SIP line tests share: the loopback address, the real-time
//! clock the test owns, a static-peer trunk and a scratch directory.
#![allow(dead_code)] // each test file uses part of it

use std::net::{IpAddr, Ipv4Addr};
use std::path::PathBuf;
use std::time::Instant;

use line_drivers::sip::{TrunkConfig, TrunkMode};

pub const LO: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

#[allow(clippy::disallowed_methods)] // driver shell: the test owns the lines' real-time tick
pub fn wall() -> Instant {
    Instant::now()
}

/// A trunk `name` to a static peer on 127.0.0.1:`peer_port`, calling as
/// `user`, without registration or authentication.
pub fn trunk(name: &str, user: &str, peer_port: u16) -> TrunkConfig {
    TrunkConfig {
        name: name.into(),
        mode: TrunkMode::StaticPeer {
            peer: format!("127.0.0.1:{peer_port}"),
        },
        proxy: None,
        outbound_proxy: None,
        user: user.into(),
        auth_user: None,
        password: None,
        realm: None,
    }
}

/// An empty directory `ums-<prefix>-<name>-<pid>` under the temp dir.
pub fn tmp(prefix: &str, name: &str) -> PathBuf {
    let d = std::env::temp_dir().join(format!("ums-{prefix}-{name}-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&d);
    std::fs::create_dir_all(&d).unwrap();
    d
}
