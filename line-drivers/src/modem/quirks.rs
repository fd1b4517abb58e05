//! What particular fax modems need beyond T.31, as data: a table keyed by
//! the modem's identity (`+FMI`/`+FMM`/`ATI` answers), the knobs HylaFAX's
//! `config/` files grew over the years. Unknown modems get [`Quirks::SAFE`];
//! the `[[modem]]` section of the configuration can override each knob.
//! The table is documented in line-drivers/README.md.

/// The knobs. Times in milliseconds.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Quirks {
    /// The table entry these came from (`"safe defaults"` for unknown).
    pub name: &'static str,
    /// Silence after the far end's carrier before we transmit (T.30
    /// §5.3.2.4 wants 75 ± 20 ms; iaxmodem misses a reply sent at 20 ms).
    pub turnaround_ms: u16,
    /// The modem reports CONNECT to `+FTM` before its training is out:
    /// wait this long before the first data.
    pub tx_connect_delay_ms: u16,
    /// The modem does not double DLE in received data: a DLE followed by
    /// anything but ETX is data.
    pub dle_not_doubled: bool,
    /// The modem reports CONNECT on noise: a `+FRM` receive that brings
    /// less than this many octets before the carrier drops is retried.
    pub min_rx_octets: u16,
    /// `+FCERROR` comes late: wait this long before asking again.
    pub fcerror_delay_ms: u16,
    /// A character sent to abort `+FRH`/`+FRM` is not understood: let the
    /// modem time out by itself instead.
    pub no_receive_abort: bool,
    /// The command that resets the modem (`Z` or `&F`).
    pub reset: &'static str,
    /// The command that turns caller ID on (`+VCID=1`, `#CID=1`), if any.
    pub caller_id: Option<&'static str>,
    /// Commands not to send, ever (iaxmodem dies on `+VSID=?`).
    pub avoid: &'static [&'static str],
}

impl Quirks {
    /// For a modem we do not know: T.31 as written, nothing assumed.
    pub const SAFE: Quirks = Quirks {
        name: "safe defaults",
        turnaround_ms: 75,
        tx_connect_delay_ms: 0,
        dle_not_doubled: false,
        min_rx_octets: 0,
        fcerror_delay_ms: 0,
        no_receive_abort: false,
        reset: "Z",
        caller_id: None,
        avoid: &["+VSID=?"],
    };

    /// The entry for a modem's identity (any of its answers, lower-cased,
    /// containing the key).
    pub fn for_identity(identity: &str) -> Quirks {
        let id = identity.to_ascii_lowercase();
        TABLE
            .iter()
            .find(|(key, _)| id.contains(key))
            .map(|(_, q)| *q)
            .unwrap_or(Quirks::SAFE)
    }
}

/// Identity substring → knobs, first match wins.
pub const TABLE: &[(&str, Quirks)] = &[
    (
        // iaxmodem (spandsp's t31 on a pty): in-band XON/XOFF, caller ID
        // before the first RING, no +VSID, late turn-round.
        "spandsp",
        Quirks {
            name: "iaxmodem / spandsp t31",
            turnaround_ms: 75,
            caller_id: Some("+VCID=1"),
            ..Quirks::SAFE
        },
    ),
    (
        // USRobotics Courier/Sportster: CONNECT to +FTM before training.
        "robotics",
        Quirks {
            name: "U.S. Robotics",
            tx_connect_delay_ms: 75,
            reset: "&F",
            caller_id: Some("#CID=1"),
            ..Quirks::SAFE
        },
    ),
    (
        // Rockwell/Conexant HCF and HSF chips: CONNECT on noise, slow
        // +FCERROR.
        "conexant",
        Quirks {
            name: "Conexant/Rockwell",
            min_rx_octets: 16,
            fcerror_delay_ms: 200,
            caller_id: Some("+VCID=1"),
            ..Quirks::SAFE
        },
    ),
    (
        // Some Multi-Tech ZBA firmware cannot abort a receive.
        "multi-tech",
        Quirks {
            name: "Multi-Tech",
            no_receive_abort: true,
            ..Quirks::SAFE
        },
    ),
    (
        // Old Lucent/Agere soft modems hand DLE through undoubled.
        "agere",
        Quirks {
            name: "Agere/Lucent",
            dle_not_doubled: true,
            ..Quirks::SAFE
        },
    ),
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_and_unknown_modems() {
        let q = Quirks::for_identity("spandsp\n20230301\nIAXmodem");
        assert_eq!(q.name, "iaxmodem / spandsp t31");
        assert_eq!(q.caller_id, Some("+VCID=1"));
        assert_eq!(Quirks::for_identity("ACME 56k"), Quirks::SAFE);
        assert!(Quirks::SAFE.avoid.contains(&"+VSID=?"));
    }
}
