//! Where mail for a domain goes when there is no smart host: the MX
//! records of the domain (RFC 5321 section 5.1), looked up with
//! `hickory-resolver` on the tokio runtime.
//!
//! * MX records are sorted by preference (lowest first, ties in the order
//!   the server gave them) and each exchange's A/AAAA records are looked up;
//!   the caller tries the hosts in that order.
//! * No MX record (NODATA): the domain itself is the "implicit MX" and its
//!   A/AAAA records are used.
//! * A null MX (RFC 7505: a single `MX 0 .`): the domain accepts no mail,
//!   a permanent failure.
//! * NXDOMAIN: the domain does not exist, a permanent failure. Time-outs,
//!   SERVFAIL, REFUSED and unreachable name servers are temporary.
//! * MX hosts whose names do not resolve are skipped; if none is left the
//!   failure is temporary (a broken zone is often fixed within hours).
//! * An address literal (`anna@[192.0.2.1]`, `anna@[IPv6:2001:db8::1]`) is
//!   its own single host.
//!
//! [`order_mx`] is the pure part (sorting, null MX) and is tested without
//! a name server; [`MxResolver::route`] does the look-ups.

use std::net::{IpAddr, SocketAddr};
use std::time::Duration;

use hickory_resolver::config::{
    ConnectionConfig, NameServerConfig, ResolveHosts, ResolverConfig, ResolverOpts,
};
use hickory_resolver::net::runtime::TokioRuntimeProvider;
use hickory_resolver::net::NetError;
use hickory_resolver::proto::rr::{Name, RData};
use hickory_resolver::TokioResolver;

/// One host to try: its name (for TLS and messages) and its addresses.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Target {
    pub host: String,
    pub addrs: Vec<IpAddr>,
}

/// Why a domain has no host to deliver to.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MxError {
    #[error("domain {0} does not exist")]
    NoSuchDomain(String),
    #[error("domain {0} accepts no mail (null MX)")]
    NullMx(String),
    #[error("domain {0} has no MX and no address record")]
    NoAddress(String),
    #[error("bad domain {0}: {1}")]
    BadDomain(String, String),
    #[error("DNS lookup for {0} failed: {1}")]
    Temporary(String, String),
}

impl MxError {
    /// Will asking again later never help?
    pub fn is_permanent(&self) -> bool {
        !matches!(self, MxError::Temporary(..))
    }
}

/// What the MX records of a domain say.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum MxList {
    /// No MX record: deliver to the domain's own addresses.
    Implicit,
    /// `MX 0 .`: the domain accepts no mail.
    NullMx,
    /// Exchange names in the order to try them.
    Hosts(Vec<String>),
}

/// Order MX records `(preference, exchange)` as RFC 5321 section 5.1 says:
/// lowest preference first; equal preferences keep their order. A sole
/// record whose exchange is the root (`.`, written here as `""` or `"."`)
/// is a null MX; in a (misconfigured) set with other records the root
/// entry is skipped. Duplicate exchanges are tried once.
pub fn order_mx(records: &[(u16, String)]) -> MxList {
    if records.is_empty() {
        return MxList::Implicit;
    }
    let is_root = |h: &str| h.trim_end_matches('.').is_empty();
    if records.iter().all(|(_, h)| is_root(h)) {
        return MxList::NullMx;
    }
    let mut sorted: Vec<&(u16, String)> = records.iter().filter(|(_, h)| !is_root(h)).collect();
    sorted.sort_by_key(|(pref, _)| *pref);
    let mut hosts: Vec<String> = Vec::with_capacity(sorted.len());
    for (_, h) in sorted {
        let h = h.trim_end_matches('.').to_ascii_lowercase();
        if !hosts.contains(&h) {
            hosts.push(h);
        }
    }
    MxList::Hosts(hosts)
}

/// An address literal `[192.0.2.1]` or `[IPv6:2001:db8::1]`.
pub fn address_literal(domain: &str) -> Option<IpAddr> {
    let inner = domain.strip_prefix('[')?.strip_suffix(']')?;
    match inner.get(..5) {
        Some(p) if p.eq_ignore_ascii_case("IPv6:") => inner[5..].parse().ok(),
        _ => inner.parse::<std::net::Ipv4Addr>().ok().map(IpAddr::V4),
    }
}

/// A DNS resolver for MX look-ups.
#[derive(Clone)]
pub struct MxResolver {
    inner: TokioResolver,
}

impl MxResolver {
    /// `servers`: the name servers to ask (UDP, then TCP for truncated
    /// answers), or `None` for the system's `/etc/resolv.conf`.
    /// `timeout` bounds each query.
    pub fn new(servers: Option<&[SocketAddr]>, timeout: Duration) -> Result<MxResolver, String> {
        let mut builder = match servers {
            Some(list) => {
                let name_servers = list
                    .iter()
                    .map(|sa| {
                        let mut udp = ConnectionConfig::udp();
                        udp.port = sa.port();
                        let mut tcp = ConnectionConfig::tcp();
                        tcp.port = sa.port();
                        NameServerConfig::new(sa.ip(), true, vec![udp, tcp])
                    })
                    .collect();
                let mut b = TokioResolver::builder_with_config(
                    ResolverConfig::from_name_servers(name_servers),
                    TokioRuntimeProvider::default(),
                );
                // Explicit servers: they alone answer, not /etc/hosts.
                b.options_mut().use_hosts_file = ResolveHosts::Never;
                b
            }
            None => TokioResolver::builder_tokio()
                .map_err(|e| format!("reading the system resolver configuration: {e}"))?,
        };
        let opts: &mut ResolverOpts = builder.options_mut();
        opts.timeout = timeout.min(opts.timeout).max(Duration::from_millis(100));
        let inner = builder
            .build()
            .map_err(|e| format!("building the DNS resolver: {e}"))?;
        Ok(MxResolver { inner })
    }

    /// The hosts to try for `domain`, best first.
    pub async fn route(&self, domain: &str) -> Result<Vec<Target>, MxError> {
        if let Some(ip) = address_literal(domain) {
            return Ok(vec![Target {
                host: ip.to_string(),
                addrs: vec![ip],
            }]);
        }
        let name = fqdn(domain)?;
        let mx = match self.inner.mx_lookup(name.clone()).await {
            Ok(lookup) => {
                let records: Vec<(u16, String)> = lookup
                    .answers()
                    .iter()
                    .filter_map(|r| match &r.data {
                        RData::MX(mx) => Some((mx.preference, mx.exchange.to_ascii())),
                        _ => None,
                    })
                    .collect();
                order_mx(&records)
            }
            Err(e) if e.is_nx_domain() => return Err(MxError::NoSuchDomain(domain.to_string())),
            Err(e) if e.is_no_records_found() => MxList::Implicit,
            Err(e) => return Err(temporary(domain, "MX", &e)),
        };
        match mx {
            MxList::NullMx => Err(MxError::NullMx(domain.to_string())),
            MxList::Implicit => match self.inner.lookup_ip(name).await {
                Ok(ips) => {
                    let addrs: Vec<IpAddr> = ips.iter().collect();
                    if addrs.is_empty() {
                        return Err(MxError::NoAddress(domain.to_string()));
                    }
                    Ok(vec![Target {
                        host: domain.trim_end_matches('.').to_ascii_lowercase(),
                        addrs,
                    }])
                }
                Err(e) if e.is_nx_domain() => Err(MxError::NoSuchDomain(domain.to_string())),
                Err(e) if e.is_no_records_found() => Err(MxError::NoAddress(domain.to_string())),
                Err(e) => Err(temporary(domain, "A/AAAA", &e)),
            },
            MxList::Hosts(hosts) => {
                let mut targets = Vec::new();
                let mut problems = Vec::new();
                for host in hosts {
                    let lookup = match fqdn(&host) {
                        Ok(n) => self.inner.lookup_ip(n).await.map_err(|e| e.to_string()),
                        Err(e) => Err(e.to_string()),
                    };
                    match lookup {
                        Ok(ips) => {
                            let addrs: Vec<IpAddr> = ips.iter().collect();
                            if addrs.is_empty() {
                                problems.push(format!("{host}: no address"));
                            } else {
                                targets.push(Target { host, addrs });
                            }
                        }
                        Err(e) => problems.push(format!("{host}: {e}")),
                    }
                }
                if targets.is_empty() {
                    Err(MxError::Temporary(
                        domain.to_string(),
                        format!("no MX host has an address ({})", problems.join("; ")),
                    ))
                } else {
                    Ok(targets)
                }
            }
        }
    }
}

fn fqdn(domain: &str) -> Result<Name, MxError> {
    let mut name = Name::from_utf8(domain)
        .map_err(|e| MxError::BadDomain(domain.to_string(), e.to_string()))?;
    if name.is_root() {
        return Err(MxError::BadDomain(domain.to_string(), "empty".into()));
    }
    name.set_fqdn(true);
    Ok(name)
}

fn temporary(domain: &str, what: &str, e: &NetError) -> MxError {
    MxError::Temporary(domain.to_string(), format!("{what} lookup: {e}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn recs(v: &[(u16, &str)]) -> Vec<(u16, String)> {
        v.iter().map(|(p, h)| (*p, h.to_string())).collect()
    }

    #[test]
    fn sorted_by_preference_ties_keep_order() {
        let l = order_mx(&recs(&[
            (20, "c.example."),
            (10, "A.example."),
            (20, "b.example."),
            (10, "a.example"),
        ]));
        assert_eq!(
            l,
            MxList::Hosts(vec![
                "a.example".into(),
                "c.example".into(),
                "b.example".into()
            ])
        );
    }

    #[test]
    fn null_mx_and_implicit() {
        assert_eq!(order_mx(&recs(&[(0, ".")])), MxList::NullMx);
        assert_eq!(order_mx(&recs(&[(0, "")])), MxList::NullMx);
        assert_eq!(order_mx(&[]), MxList::Implicit);
        // A root entry among real ones is skipped, not obeyed.
        assert_eq!(
            order_mx(&recs(&[(0, "."), (10, "mx.example.")])),
            MxList::Hosts(vec!["mx.example".into()])
        );
    }

    #[test]
    fn address_literals() {
        assert_eq!(
            address_literal("[192.0.2.1]"),
            Some("192.0.2.1".parse().unwrap())
        );
        assert_eq!(
            address_literal("[IPv6:2001:db8::1]"),
            Some("2001:db8::1".parse().unwrap())
        );
        assert_eq!(address_literal("[2001:db8::1]"), None);
        assert_eq!(address_literal("example.com"), None);
    }

    #[test]
    fn permanence() {
        assert!(MxError::NoSuchDomain("x".into()).is_permanent());
        assert!(MxError::NullMx("x".into()).is_permanent());
        assert!(!MxError::Temporary("x".into(), "y".into()).is_permanent());
    }
}
