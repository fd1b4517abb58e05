//! What the SIP line tests share: the loopback address and a static-peer
//! trunk on it (the clock and scratch directories come from `test_kit`).
#![allow(dead_code)] // each test file uses part of it

use std::net::{IpAddr, Ipv4Addr};

use line_drivers::sip::TrunkConfig;

pub const LO: IpAddr = IpAddr::V4(Ipv4Addr::LOCALHOST);

/// A trunk `name` to a static peer on 127.0.0.1:`peer_port`, calling as
/// `user`, without registration or authentication.
pub fn trunk(name: &str, user: &str, peer_port: u16) -> TrunkConfig {
    TrunkConfig::static_peer(name, format!("127.0.0.1:{peer_port}"), user)
}
