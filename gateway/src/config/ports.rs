//! The kernel's ephemeral ports, for `check-config`'s warning about
//! `[[trunk]] rtp_ports` (issue 12).
//!
//! The kernel gives a port of `net.ipv4.ip_local_port_range` to every
//! socket that binds none of its own: outgoing connections, DNS queries.
//! A fixed media port inside that range may be held by one of them at the
//! moment a channel binds it; that channel is then out of service.

/// The ephemeral range and the reserved ports
/// (`net.ipv4.ip_local_reserved_ports`, never handed out).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EphemeralPorts {
    pub range: (u16, u16),
    pub reserved: Vec<(u16, u16)>,
}

impl EphemeralPorts {
    /// Read from `/proc` (None where there is no such file).
    pub fn of_this_host() -> Option<EphemeralPorts> {
        let range = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_port_range").ok()?;
        let reserved = std::fs::read_to_string("/proc/sys/net/ipv4/ip_local_reserved_ports")
            .unwrap_or_default();
        EphemeralPorts::parse(&range, &reserved)
    }

    /// From the two files' text: "32768\t60999" and "8080,20000-20099".
    pub fn parse(range: &str, reserved: &str) -> Option<EphemeralPorts> {
        let mut it = range.split_whitespace().map(|p| p.parse::<u16>());
        let (lo, hi) = (it.next()?.ok()?, it.next()?.ok()?);
        let reserved = reserved
            .trim()
            .split(',')
            .filter(|p| !p.is_empty())
            .filter_map(|p| match p.split_once('-') {
                Some((a, b)) => Some((a.trim().parse().ok()?, b.trim().parse().ok()?)),
                None => p.trim().parse().ok().map(|x| (x, x)),
            })
            .collect();
        Some(EphemeralPorts {
            range: (lo, hi),
            reserved,
        })
    }

    /// The first and last port of `[first, last]` the kernel may hand
    /// out (in the range, not reserved), if any.
    pub fn unreserved_overlap(&self, first: u16, last: u16) -> Option<(u16, u16)> {
        let (lo, hi) = (first.max(self.range.0), last.min(self.range.1));
        let free = |p: u16| !self.reserved.iter().any(|&(a, b)| (a..=b).contains(&p));
        let a = (lo..=hi).find(|&p| free(p))?;
        let b = (lo..=hi).rev().find(|&p| free(p))?;
        Some((a, b))
    }
}

#[cfg(test)]
mod tests {
    use super::EphemeralPorts;

    #[test]
    fn rtp_ports_against_the_ephemeral_range() {
        let e = EphemeralPorts::parse("32768\t60999\n", "\n").unwrap();
        assert_eq!(e.range, (32768, 60999));
        assert_eq!(e.unreserved_overlap(20000, 20099), None);
        assert_eq!(e.unreserved_overlap(32000, 33023), Some((32768, 33023)));
        assert_eq!(e.unreserved_overlap(60990, 61100), Some((60990, 60999)));
        // Reserved ports are never handed out.
        let r = EphemeralPorts::parse("32768 60999", "8080,40000-40099\n").unwrap();
        assert_eq!(r.reserved, vec![(8080, 8080), (40000, 40099)]);
        assert_eq!(r.unreserved_overlap(40000, 40099), None);
        assert_eq!(r.unreserved_overlap(39998, 40101), Some((39998, 40101)));
        assert_eq!(EphemeralPorts::parse("", ""), None);
    }
}
