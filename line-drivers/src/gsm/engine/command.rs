//! The AT commands of a GSM line (3GPP TS 27.007, TS 27.005) and which
//! information lines answer each.

use super::super::response::value;

/// One AT command and what its answer means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Cmd {
    Reset,
    EchoOff,
    VerboseErrors,
    Manufacturer,
    Model,
    Serial,
    PinQuery,
    PinEnter,
    /// `+CREG=1`: registration changes reported.
    RegReport,
    RegQuery,
    /// `+CEREG=1` (LTE modems; others refuse it).
    EpsRegReport,
    /// `+CEREG?`.
    EpsRegQuery,
    /// `+COPS=3,0;+COPS?`: the operator's long name.
    Operator,
    /// `+COPS=3,2;+COPS?`: its numeric code (MCC MNC).
    OperatorNumeric,
    Signal,
    Smsc,
    PduMode,
    NmiQuery,
    NmiSet(String),
    /// `+CSMS=1`: phase 2+ (needed for `+CNMA`).
    Service,
    /// `+CNMA`: a `+CMT` is stored.
    Ack,
    List,
    Read(u32),
    Delete(u32),
    Send {
        id: u64,
        tpdu: Vec<u8>,
    },
    Probe,
}

impl Cmd {
    pub(super) fn body(&self, pin: Option<&str>) -> String {
        match self {
            Cmd::Reset => "Z".into(),
            Cmd::EchoOff => "E0".into(),
            Cmd::VerboseErrors => "+CMEE=2".into(),
            Cmd::Manufacturer => "+CGMI".into(),
            Cmd::Model => "+CGMM".into(),
            Cmd::Serial => "+CGSN".into(),
            Cmd::PinQuery => "+CPIN?".into(),
            Cmd::PinEnter => format!("+CPIN=\"{}\"", pin.unwrap_or_default()),
            Cmd::RegReport => "+CREG=1".into(),
            Cmd::RegQuery => "+CREG?".into(),
            Cmd::EpsRegReport => "+CEREG=1".into(),
            Cmd::EpsRegQuery => "+CEREG?".into(),
            Cmd::Operator => "+COPS=3,0;+COPS?".into(),
            Cmd::OperatorNumeric => "+COPS=3,2;+COPS?".into(),
            Cmd::Signal => "+CSQ".into(),
            Cmd::Smsc => "+CSCA?".into(),
            Cmd::PduMode => "+CMGF=0".into(),
            Cmd::NmiQuery => "+CNMI=?".into(),
            Cmd::NmiSet(s) => format!("+CNMI={s}"),
            Cmd::Service => "+CSMS=1".into(),
            Cmd::Ack => "+CNMA".into(),
            Cmd::List => "+CMGL=4".into(),
            Cmd::Read(i) => format!("+CMGR={i}"),
            Cmd::Delete(i) => format!("+CMGD={i}"),
            Cmd::Send { tpdu, .. } => format!("+CMGS={}", tpdu.len()),
            Cmd::Probe => String::new(),
        }
    }

    /// The command as the log names it (never the PIN).
    pub(super) fn name(&self) -> String {
        match self {
            Cmd::PinEnter => "AT+CPIN=<pin>".into(),
            other => format!("AT{}", other.body(None)),
        }
    }
}

/// How a command ended.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) enum Outcome {
    Ok,
    Error,
    Cms(String),
    Cme(String),
}

/// Whether `text` is part of the answer to `cmd`.
pub(super) fn expects_info(cmd: &Cmd, text: &str) -> bool {
    let prefix = |p: &str| value(text, p).is_some();
    match cmd {
        Cmd::Manufacturer | Cmd::Model | Cmd::Serial | Cmd::Reset => true,
        Cmd::PinQuery => prefix("+CPIN"),
        Cmd::RegQuery => prefix("+CREG"),
        Cmd::EpsRegQuery => prefix("+CEREG"),
        Cmd::Operator | Cmd::OperatorNumeric => prefix("+COPS"),
        Cmd::Signal => prefix("+CSQ"),
        Cmd::Smsc => prefix("+CSCA"),
        Cmd::NmiQuery => prefix("+CNMI"),
        Cmd::Service => prefix("+CSMS"),
        Cmd::Send { .. } => prefix("+CMGS"),
        _ => false,
    }
}
