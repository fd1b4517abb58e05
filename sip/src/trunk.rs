//! Trunk configuration and failover across several trunks in order.
//!
//! A trunk either registers (registrar, user, password, realm, expiry) or
//! is a static peer (a PBX by IP, no registration). An outbound proxy, if
//! set, is the next hop of everything (pre-loaded `Route` with `;lr`).
//! Calls go to the first trunk that is usable; a failure that says
//! nothing about the called party (timeout, 408, 5xx except those that
//! answer for the callee, 403 from the trunk itself) moves the call to
//! the next trunk, and marks the trunk down for a while.

use std::time::{Duration, Instant};

use crate::auth::Credentials;
use crate::dialog::LocalParty;
use crate::register::RegistrationConfig;

/// How a trunk is reached.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum TrunkMode {
    /// Register to a registrar (`host[:port]`), then call through the proxy.
    Register {
        /// Registrar `host[:port]`.
        registrar: String,
        /// Expiry to ask for, seconds.
        expires: u32,
    },
    /// A static peer (`host[:port]`): calls go straight there.
    StaticPeer {
        /// Peer `host[:port]`.
        peer: String,
    },
}

/// One trunk.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TrunkConfig {
    /// Name for logs and reports.
    pub name: String,
    /// Registration or static peer.
    pub mode: TrunkMode,
    /// Proxy/domain `host[:port]` for calls (defaults to the registrar or peer).
    pub proxy: Option<String>,
    /// Outbound proxy `host[:port]`: next hop of every request.
    pub outbound_proxy: Option<String>,
    /// Account user (in From and the AOR).
    pub user: String,
    /// Digest user name if it differs from `user`.
    pub auth_user: Option<String>,
    /// Password for digest challenges (None: never answer one).
    pub password: Option<String>,
    /// Only answer challenges of this realm.
    pub realm: Option<String>,
}

impl TrunkConfig {
    /// A trunk `name` to a static peer (`host[:port]`, a PBX by IP), calling
    /// as `user`: no registration, proxy, outbound proxy or authentication.
    pub fn static_peer(
        name: impl Into<String>,
        peer: impl Into<String>,
        user: impl Into<String>,
    ) -> TrunkConfig {
        TrunkConfig {
            name: name.into(),
            mode: TrunkMode::StaticPeer { peer: peer.into() },
            proxy: None,
            outbound_proxy: None,
            user: user.into(),
            auth_user: None,
            password: None,
            realm: None,
        }
    }

    /// The domain calls and the AOR use.
    pub fn domain(&self) -> &str {
        match (&self.proxy, &self.mode) {
            (Some(p), _) => p,
            (None, TrunkMode::Register { registrar, .. }) => registrar,
            (None, TrunkMode::StaticPeer { peer }) => peer,
        }
    }

    /// Where requests are sent first (`host[:port]`): the outbound proxy,
    /// else the domain.
    pub fn next_hop(&self) -> &str {
        self.outbound_proxy.as_deref().unwrap_or(self.domain())
    }

    /// The pre-loaded route set.
    pub fn route(&self) -> Vec<String> {
        self.outbound_proxy
            .iter()
            .map(|p| format!("sip:{p};lr"))
            .collect()
    }

    /// The digest credentials, if a password is set.
    pub fn credentials(&self) -> Option<Credentials> {
        self.password.as_ref().map(|p| Credentials {
            username: self.auth_user.clone().unwrap_or_else(|| self.user.clone()),
            password: p.clone(),
            realm: self.realm.clone(),
        })
    }

    /// Our address of record on this trunk.
    pub fn aor(&self) -> String {
        format!("sip:{}@{}", self.user, self.domain())
    }

    /// The Request-URI for calling `number` on this trunk.
    pub fn request_uri(&self, number: &str) -> String {
        format!("sip:{number}@{}", self.domain())
    }

    /// The registration of this trunk, if it registers.
    pub fn registration(&self, local: &LocalParty) -> Option<RegistrationConfig> {
        let TrunkMode::Register { registrar, expires } = &self.mode else {
            return None;
        };
        Some(RegistrationConfig {
            registrar_uri: format!("sip:{registrar}"),
            aor: self.aor(),
            contact: local.contact.clone(),
            via_sent_by: local.via_sent_by.clone(),
            transport: local.transport.clone(),
            credentials: self.credentials(),
            expires: *expires,
            backoff: Duration::from_secs(30),
            max_backoff: Duration::from_secs(1800),
        })
    }
}

/// Whether a final status from a trunk should move the call to the next
/// trunk (the trunk failed) rather than end it (the callee answered so).
/// `0` stands for a transaction timeout.
pub fn should_fail_over(code: u16) -> bool {
    match code {
        0 | 408 => true,
        401 | 407 | 403 => true, // the trunk refused us, not the callee
        500..=599 => true,
        _ => false,
    }
}

/// The trunks of one gateway with their health.
#[derive(Debug, Clone)]
pub struct TrunkSet {
    trunks: Vec<TrunkConfig>,
    down_until: Vec<Option<Instant>>,
    hold_down: Duration,
}

impl TrunkSet {
    /// Trunks in order of preference; a failed trunk is skipped for `hold_down`.
    pub fn new(trunks: Vec<TrunkConfig>, hold_down: Duration) -> Self {
        let n = trunks.len();
        Self {
            trunks,
            down_until: vec![None; n],
            hold_down,
        }
    }

    /// The trunk at `index`.
    pub fn get(&self, index: usize) -> Option<&TrunkConfig> {
        self.trunks.get(index)
    }

    /// Number of trunks.
    pub fn len(&self) -> usize {
        self.trunks.len()
    }

    /// Whether there is no trunk.
    pub fn is_empty(&self) -> bool {
        self.trunks.is_empty()
    }

    /// Whether trunk `index` is usable at `now`. `registered` says whether
    /// a registering trunk currently holds a binding.
    pub fn is_usable(&self, index: usize, registered: bool, now: Instant) -> bool {
        let Some(t) = self.trunks.get(index) else {
            return false;
        };
        let up = self.down_until[index].is_none_or(|u| u <= now);
        let ready = match t.mode {
            TrunkMode::Register { .. } => registered,
            TrunkMode::StaticPeer { .. } => true,
        };
        up && ready
    }

    /// The first usable trunk after `after` (None: from the start).
    /// `registered(i)` tells whether trunk i holds a registration.
    pub fn next(
        &self,
        after: Option<usize>,
        now: Instant,
        registered: impl Fn(usize) -> bool,
    ) -> Option<usize> {
        let start = after.map_or(0, |a| a + 1);
        (start..self.trunks.len()).find(|i| self.is_usable(*i, registered(*i), now))
    }

    /// Trunk `index` failed a call (or its keep-alive): skip it for a while.
    pub fn mark_down(&mut self, index: usize, now: Instant) {
        if let Some(d) = self.down_until.get_mut(index) {
            *d = Some(now + self.hold_down);
        }
    }

    /// Trunk `index` worked.
    pub fn mark_up(&mut self, index: usize) {
        if let Some(d) = self.down_until.get_mut(index) {
            *d = None;
        }
    }
}
