//! The information responses and unsolicited result codes of 3GPP TS
//! 27.005 (PDU mode) and TS 27.007 a GSM line reads: `+CPIN`, `+CREG`,
//! `+CSQ`, `+CSCA`, `+CNMI=?`, `+CMGS`, `+CMGR`, `+CMGL`, and the
//! unsolicited `+CMTI`, `+CDSI`, `+CMT`, `+CDS`, `+CREG`. Lines come from
//! [`DceLine::Info`](crate::modem::codec::DceLine::Info); a header that
//! announces a PDU (`+CMGR`, `+CMGL`, `+CMT`, `+CDS`) is followed by the
//! PDU in hex on the next line.

/// The value after `+NAME:` (case-insensitive), trimmed.
pub fn value<'a>(line: &'a str, name: &str) -> Option<&'a str> {
    let head = line.get(..name.len())?;
    if !head.eq_ignore_ascii_case(name) {
        return None;
    }
    line[name.len()..].strip_prefix(':').map(str::trim)
}

/// The comma-separated fields of a response, quotes removed (a comma
/// inside quotes stays in its field); parenthesised ranges are kept whole.
pub fn fields(value: &str) -> Vec<String> {
    let mut out = vec![String::new()];
    let (mut quoted, mut depth) = (false, 0u32);
    for c in value.chars() {
        match c {
            '"' => quoted = !quoted,
            '(' if !quoted => {
                depth += 1;
                out.last_mut().expect("a field").push(c);
            }
            ')' if !quoted => {
                depth = depth.saturating_sub(1);
                out.last_mut().expect("a field").push(c);
            }
            ',' if !quoted && depth == 0 => out.push(String::new()),
            _ => out.last_mut().expect("a field").push(c),
        }
    }
    out.iter().map(|f| f.trim().to_string()).collect()
}

/// The numbers a `+CNMI=?` range such as `(0-2)` or `(0,1,3)` allows.
pub fn range(field: &str) -> Vec<u8> {
    let inner = field.trim().trim_start_matches('(').trim_end_matches(')');
    let mut out = Vec::new();
    for part in inner.split(',') {
        let part = part.trim();
        match part.split_once('-') {
            Some((a, b)) => {
                if let (Ok(a), Ok(b)) = (a.trim().parse::<u8>(), b.trim().parse::<u8>()) {
                    out.extend(a..=b.min(a.saturating_add(16)));
                }
            }
            None => out.extend(part.parse::<u8>().ok()),
        }
    }
    out
}

/// `+CREG: [<n>,]<stat>[,…]`: the registration state.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Registration {
    /// 0: not registered, not searching.
    NotRegistered,
    /// 1: registered, home network.
    Home,
    /// 2: searching.
    Searching,
    /// 3: registration denied.
    Denied,
    /// 4: unknown.
    Unknown,
    /// 5: registered, roaming.
    Roaming,
}

impl Registration {
    fn from_code(v: u8) -> Option<Registration> {
        Some(match v {
            0 => Registration::NotRegistered,
            1 => Registration::Home,
            2 => Registration::Searching,
            3 => Registration::Denied,
            4 => Registration::Unknown,
            5 => Registration::Roaming,
            _ => return None,
        })
    }

    /// Registered (home or roaming): SMS can go.
    pub fn is_registered(self) -> bool {
        matches!(self, Registration::Home | Registration::Roaming)
    }

    /// In words, for the status and the log.
    pub fn text(self) -> &'static str {
        match self {
            Registration::NotRegistered => "not registered",
            Registration::Home => "registered (home network)",
            Registration::Searching => "searching for a network",
            Registration::Denied => "registration denied",
            Registration::Unknown => "registration unknown",
            Registration::Roaming => "registered (roaming)",
        }
    }

    /// The state from a `+CREG:` value: the answer to `+CREG?` has two
    /// fields or more (`<n>,<stat>`), the unsolicited one starts with
    /// `<stat>` (and may have location fields after it; those are quoted).
    pub fn parse(value: &str, solicited: bool) -> Option<Registration> {
        let f = fields(value);
        let stat = if solicited && f.len() >= 2 {
            &f[1]
        } else {
            &f[0]
        };
        Registration::from_code(stat.parse().ok()?)
    }
}

/// `+CSQ: <rssi>,<ber>`: the signal in dBm, `None` for 99 (unknown).
pub fn signal_dbm(value: &str) -> Option<i16> {
    let rssi: i16 = fields(value).first()?.parse().ok()?;
    (0..=31).contains(&rssi).then_some(-113 + 2 * rssi)
}

/// What a line announcing a stored message or a PDU says.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Indication {
    /// `+CMTI: <mem>,<index>`: a message was stored.
    Stored(u32),
    /// `+CDSI: <mem>,<index>`: a status report was stored.
    ReportStored(u32),
    /// `+CMT: [<alpha>],<length>`: a message follows (not stored).
    Message,
    /// `+CDS: <length>`: a status report follows (not stored).
    Report,
    /// `+CREG: <stat>`: the registration changed.
    Registration(Registration),
    /// `+CEREG: <stat>`: the LTE (EPS) registration changed.
    EpsRegistration(Registration),
}

/// An unsolicited result code, if the line is one.
pub fn unsolicited(line: &str) -> Option<Indication> {
    let index = |v: &str| fields(v).get(1)?.parse::<u32>().ok();
    if let Some(v) = value(line, "+CMTI") {
        return index(v).map(Indication::Stored);
    }
    if let Some(v) = value(line, "+CDSI") {
        return index(v).map(Indication::ReportStored);
    }
    if value(line, "+CMT").is_some() {
        return Some(Indication::Message);
    }
    if value(line, "+CDS").is_some() {
        return Some(Indication::Report);
    }
    if let Some(v) = value(line, "+CREG") {
        return Registration::parse(v, false).map(Indication::Registration);
    }
    if let Some(v) = value(line, "+CEREG") {
        return Registration::parse(v, false).map(Indication::EpsRegistration);
    }
    None
}

/// `+COPS: <mode>[,<format>,<oper>[,<AcT>]]`: the operator, if registered.
pub fn operator(value: &str) -> Option<String> {
    fields(value).get(2).filter(|o| !o.is_empty()).cloned()
}

/// `+CMGL: <index>,<stat>,[<alpha>],<length>`: the index.
pub fn list_index(line: &str) -> Option<u32> {
    fields(value(line, "+CMGL")?).first()?.parse().ok()
}

/// The `+CNMI` setting chosen from what `+CNMI=?` offers: indications
/// while the line is idle or buffered (mode 2, else 1, else 3), stored
/// messages announced by `+CMTI` (mt 1), cell broadcast off, status reports
/// straight as `+CDS` (ds 1, else stored `+CDSI`, ds 2), buffer flushed.
/// `None` if no mode gives indications (then the periodic `+CMGL` sweep
/// alone finds new messages).
pub fn choose_cnmi(value: &str) -> Option<String> {
    choose_cnmi_for(value, false)
}

/// [`choose_cnmi`], with messages routed straight to the line (mt 2,
/// `+CMT`) when `direct` and the modem offers it.
pub fn choose_cnmi_for(value: &str, direct: bool) -> Option<String> {
    let f = fields(value);
    let pick = |i: usize, prefer: &[u8]| {
        let allowed = range(f.get(i).map_or("", String::as_str));
        prefer.iter().copied().find(|p| allowed.contains(p))
    };
    let mode = pick(0, &[2, 1, 3])?;
    let mt = if direct {
        pick(1, &[2, 1])?
    } else {
        pick(1, &[1])?
    };
    let bm = pick(2, &[0]).unwrap_or(0);
    let ds = pick(3, &[1, 2, 0]).unwrap_or(0);
    let bfr = pick(4, &[0, 1]).unwrap_or(0);
    Some(format!("{mode},{mt},{bm},{ds},{bfr}"))
}

/// Whether a `+CNMI` setting routes messages straight (mt 2).
pub fn is_direct(setting: &str) -> bool {
    setting.split(',').nth(1).map(str::trim) == Some("2")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fields_quotes_and_ranges() {
        assert_eq!(fields("\"SM\",3"), ["SM", "3"]);
        assert_eq!(fields("\"+49,17\",145"), ["+49,17", "145"]);
        assert_eq!(fields("(0-2),(0,1),(0)"), ["(0-2)", "(0,1)", "(0)"]);
        assert_eq!(range("(0-3)"), [0, 1, 2, 3]);
        assert_eq!(range("(0,2)"), [0, 2]);
        assert_eq!(value("+cmti: \"SM\",3", "+CMTI"), Some("\"SM\",3"));
        assert_eq!(value("+CMTIX: 1", "+CMTI"), None);
    }

    #[test]
    fn unsolicited_codes() {
        assert_eq!(
            unsolicited("+CMTI: \"SM\",12"),
            Some(Indication::Stored(12))
        );
        assert_eq!(
            unsolicited("+CDSI: \"SR\",2"),
            Some(Indication::ReportStored(2))
        );
        assert_eq!(unsolicited("+CMT: ,24"), Some(Indication::Message));
        assert_eq!(unsolicited("+CDS: 26"), Some(Indication::Report));
        assert_eq!(
            unsolicited("+CREG: 5,\"00C3\",\"0F2A\""),
            Some(Indication::Registration(Registration::Roaming))
        );
        assert_eq!(
            Registration::parse("0,2", true),
            Some(Registration::Searching)
        );
        assert_eq!(unsolicited("+CSQ: 20,99"), None);
        assert_eq!(
            unsolicited("+CEREG: 3"),
            Some(Indication::EpsRegistration(Registration::Denied))
        );
        assert_eq!(operator("0,0,\"UMS Sim\",7").as_deref(), Some("UMS Sim"));
        assert_eq!(operator("0,2,\"26201\"").as_deref(), Some("26201"));
        assert_eq!(operator("0"), None);
        assert_eq!(signal_dbm("20,99"), Some(-73));
        assert_eq!(signal_dbm("99,99"), None);
        assert_eq!(list_index("+CMGL: 4,1,,22"), Some(4));
    }

    #[test]
    fn cnmi_from_what_the_modem_offers() {
        assert_eq!(
            choose_cnmi("(0-2),(0-3),(0,2),(0-2),(0,1)").as_deref(),
            Some("2,1,0,1,0")
        );
        assert_eq!(
            choose_cnmi("(1),(0,1),(0),(0,2),(1)").as_deref(),
            Some("1,1,0,2,1")
        );
        assert_eq!(choose_cnmi("(0),(0-3),(0),(0),(0)"), None);
        let direct = choose_cnmi_for("(0-2),(0-3),(0,2),(0-2),(0,1)", true);
        assert_eq!(direct.as_deref(), Some("2,2,0,1,0"));
        assert!(is_direct("2,2,0,1,0"));
        assert_eq!(
            choose_cnmi_for("(1),(0,1),(0),(0,2),(1)", true).as_deref(),
            Some("1,1,0,2,1"),
            "no mt 2 offered: store-then-read"
        );
        assert_eq!(choose_cnmi("(2),(0,2,3),(0),(0),(0)"), None);
    }
}
