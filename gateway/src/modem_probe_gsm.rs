//! `ums modem probe DEVICE` on a GSM modem: what the modem says about
//! itself, its SIM, the network and its SMS capabilities, each a plain
//! AT query (3GPP TS 27.007, TS 27.005) over the V.250 codec, and the
//! `+CNMI` setting a `[[gsm]]` line would choose from what it offers.
//! Nothing is set that a line would not set, and no PIN is entered.

use std::time::Duration;

use line_drivers::gsm::response::{choose_cnmi_for, fields, operator, signal_dbm, value};
use line_drivers::gsm::Registration;
use line_drivers::modem::codec::{command, DceInput, DceLine, DceReader};
use line_drivers::modem::ModemPort;

/// One AT exchange at a time on an open port.
pub struct Chat {
    port: Box<dyn ModemPort>,
    reader: DceReader,
}

/// How a command ended, with its information lines.
pub struct Answer {
    /// The information lines.
    pub info: Vec<String>,
    /// `OK`, `ERROR`, `+CMS ERROR: …`, `+CME ERROR: …`, or `no answer`.
    pub end: String,
}

impl Answer {
    /// Whether it ended with OK.
    pub fn ok(&self) -> bool {
        self.end == "OK"
    }

    /// The value of the first `+NAME:` line.
    pub fn value(&self, name: &str) -> Option<String> {
        self.info
            .iter()
            .find_map(|l| value(l, name))
            .map(str::to_string)
    }

    /// The value, or how the command ended.
    fn or_end(&self, name: &str) -> String {
        self.value(name).unwrap_or_else(|| self.end.clone())
    }
}

impl Chat {
    /// Talk to `port`.
    pub fn new(port: Box<dyn ModemPort>) -> Chat {
        let mut reader = DceReader::new();
        reader.set_max_line(line_drivers::gsm::engine::MAX_LINE);
        Chat { port, reader }
    }

    /// Send `AT<body>` and read the answer for at most `wait`.
    pub fn ask(&mut self, body: &str, wait: Duration) -> Answer {
        let mut info = Vec::new();
        if self.port.write_all(&command(body)).is_err() {
            return Answer {
                info,
                end: "the device is gone".into(),
            };
        }
        let mut buf = Vec::new();
        for _ in 0..wait.as_millis() / 10 {
            buf.clear();
            if self.port.read_available(&mut buf).is_err() {
                break;
            }
            self.reader.push(&buf);
            while let Some(input) = self.reader.next_input() {
                let end = match input {
                    DceInput::Line(DceLine::Ok) => "OK".to_string(),
                    DceInput::Line(DceLine::Error) => "ERROR".to_string(),
                    DceInput::Line(DceLine::CmsError(v)) => format!("+CMS ERROR: {v}"),
                    DceInput::Line(DceLine::CmeError(v)) => format!("+CME ERROR: {v}"),
                    DceInput::Line(DceLine::Info(t)) => {
                        // The echo of the command, before ATE0 took.
                        if !t.eq_ignore_ascii_case(&format!("AT{body}")) {
                            info.push(t);
                        }
                        continue;
                    }
                    _ => continue,
                };
                return Answer { info, end };
            }
            sleep(Duration::from_millis(10));
        }
        Answer {
            info,
            end: "no answer".into(),
        }
    }
}

#[allow(clippy::disallowed_methods)] // CLI shell: the real clock paces the probe
fn sleep(d: Duration) {
    std::thread::sleep(d);
}

/// Whether the modem on `chat` is a GSM modem (it answers `+CSQ`).
pub fn is_gsm(chat: &mut Chat) -> bool {
    chat.ask("E0", Duration::from_secs(2));
    chat.ask("+CSQ", Duration::from_secs(2))
        .value("+CSQ")
        .is_some()
}

/// Probe the GSM modem on `chat`: the text to print.
pub fn probe(chat: &mut Chat, device: &str) -> String {
    let w = Duration::from_secs(5);
    let mut ask = |body: &str| chat.ask(body, w);
    ask("+CMEE=2");
    let first = |a: Answer| a.info.first().cloned().unwrap_or(a.end);
    let manufacturer = first(ask("+CGMI"));
    let model = first(ask("+CGMM"));
    let revision = first(ask("+CGMR"));
    let imei = first(ask("+CGSN"));
    let sim = ask("+CPIN?").or_end("+CPIN");
    let reg = |a: Answer, name: &str| match a.value(name) {
        Some(v) => Registration::parse(&v, true).map_or(v, |r| r.text().to_string()),
        None => a.end,
    };
    let creg = reg(ask("+CREG?"), "+CREG");
    let cereg = reg(ask("+CEREG?"), "+CEREG");
    let op_name = ask("+COPS=3,0;+COPS?")
        .value("+COPS")
        .and_then(|v| operator(&v));
    let op_code = ask("+COPS=3,2;+COPS?")
        .value("+COPS")
        .and_then(|v| operator(&v));
    let operator = match (op_name, op_code) {
        (Some(n), Some(c)) => format!("{n} ({c})"),
        (Some(n), None) | (None, Some(n)) => n,
        (None, None) => "none (not registered)".into(),
    };
    let csq = ask("+CSQ").value("+CSQ");
    let signal = match csq.as_deref().and_then(signal_dbm) {
        Some(d) => format!("{d} dBm (+CSQ: {})", csq.unwrap_or_default()),
        None => format!("unknown (+CSQ: {})", csq.unwrap_or_default()),
    };
    let smsc = ask("+CSCA?")
        .value("+CSCA")
        .and_then(|v| fields(&v).into_iter().next())
        .unwrap_or_else(|| "unknown".into());
    let cmgf = ask("+CMGF=?").or_end("+CMGF");
    let csms = ask("+CSMS=?").or_end("+CSMS");
    let cnmi_offer = ask("+CNMI=?");
    let cnmi = cnmi_offer.or_end("+CNMI");
    let chosen = |direct: bool| {
        cnmi_offer
            .value("+CNMI")
            .and_then(|v| choose_cnmi_for(&v, direct))
            .unwrap_or_else(|| "none (sweeps only)".into())
    };
    let storage = ask("+CPMS?").or_end("+CPMS");
    format!(
        "device:        {device}\n\
         kind:          GSM modem (3GPP TS 27.005 SMS)\n\
         manufacturer:  {manufacturer}\nmodel:         {model}\nrevision:      {revision}\n\
         IMEI:          {imei}\n\
         SIM:           {sim}\n\
         registration:  {creg} (+CREG), {cereg} (+CEREG)\n\
         operator:      {operator}\n\
         signal:        {signal}\n\
         SMSC:          {smsc}\n\
         SMS modes:     +CMGF {cmgf} (0 PDU, 1 text; lines use PDU)\n\
         services:      +CSMS {csms} (1: +CNMA for direct delivery)\n\
         indications:   +CNMI {cnmi}\n\
         \x20 a line sets +CNMI={} (direct delivery: +CNMI={})\n\
         storage:       +CPMS {storage}\n",
        chosen(false),
        chosen(true),
    )
}
