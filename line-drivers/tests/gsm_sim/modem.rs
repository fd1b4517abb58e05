//! One simulated GSM modem (the DCE): 3GPP TS 27.007 identity, SIM with
//! PIN, registration and signal, TS 27.005 SMS in PDU and text mode, a
//! SIM message store of limited size, `+CNMI` indications, and the faults
//! a test turns on (silent, garbage, an error for the next send).
//! Sans-IO: octets in, octets out; the network (mod.rs) moves messages.

use std::collections::{BTreeMap, VecDeque};

use line_drivers::gsm::{
    from_hex, split, to_hex, with_smsc, Address, Deliver, Reference, StatusReport, Submit,
    Timestamp, Tpdu,
};

/// A message on the SIM: `<stat>` (0 unread, 1 read, 2 unsent, 3 sent)
/// and the PDU with its SMSC address.
#[derive(Debug, Clone)]
pub struct Stored {
    pub stat: u8,
    pub pdu: Vec<u8>,
}

/// What the DTE does after `AT+CMGS`.
#[derive(Debug)]
enum Awaiting {
    Pdu(usize),
    Text(Address),
}

#[derive(Debug)]
pub struct SimModem {
    pub number: String,
    pub pin: Option<String>,
    pub unlocked: bool,
    pub pin_attempts: u32,
    pub registration: u8,
    /// `+CEREG` (LTE): `None` for a modem without it (it answers ERROR).
    pub eps_registration: Option<u8>,
    /// The operator: long name and MCC MNC.
    pub operator: (String, String),
    cereg_n: u8,
    cops_format: u8,
    pub rssi: u8,
    pub smsc: String,
    pub capacity: usize,
    pub storage: BTreeMap<u32, Stored>,
    /// Reads nothing, answers nothing.
    pub silent: bool,
    /// Answers every command line with noise.
    pub garbage: bool,
    /// The next `+CMGS` ends with this `+CMS ERROR`.
    pub fail_next_send: Option<u16>,
    /// Indications go out at once, even inside an answer (before its final
    /// result code) or after the `> ` prompt.
    pub awkward: bool,
    /// Indications that went out inside an answer or after a prompt.
    pub awkward_sent: u32,
    /// Every command line seen (the tests count PIN tries).
    pub commands: Vec<String>,
    pub echo: bool,
    cmee: u8,
    pdu_mode: bool,
    creg_n: u8,
    pub cnmi: [u8; 5],
    input: Vec<u8>,
    awaiting: Option<Awaiting>,
    out: Vec<u8>,
    /// Indications held while a command is under way.
    held: VecDeque<Vec<u8>>,
    mr: u8,
    /// SMS-SUBMITs handed to the network, with their TP-MR.
    pub submitted: Vec<(u8, Submit)>,
    /// `+CSMS` service: 1 (phase 2+) makes a `+CMT` wait for `+CNMA`.
    pub csms: u8,
    /// A `+CMT` that waits for its `+CNMA` (the network times it out).
    pub awaiting_ack: Option<Deliver>,
    /// When the network started waiting (set by the network).
    pub ack_since: Option<std::time::Instant>,
    /// `+CNMA`s that acknowledged a `+CMT`.
    pub acks: u32,
    /// SMS-SUBMITs taken (`+CMGS` answered with a reference).
    pub sends: u64,
}

const CME_TEXT: &[(u16, &str)] = &[
    (3, "operation not allowed"),
    (4, "operation not supported"),
    (10, "SIM not inserted"),
    (11, "SIM PIN required"),
    (12, "SIM PUK required"),
    (16, "incorrect password"),
    (30, "no network service"),
];

const CMS_TEXT: &[(u16, &str)] = &[
    (38, "network out of order"),
    (42, "congestion"),
    (304, "invalid PDU mode parameter"),
    (305, "invalid text mode parameter"),
    (311, "SIM PIN required"),
    (321, "invalid memory index"),
    (322, "memory full"),
    (330, "SMSC address unknown"),
    (331, "no network service"),
    (340, "no +CNMA acknowledgement expected"),
    (500, "unknown error"),
];

impl SimModem {
    pub fn new(number: &str) -> SimModem {
        SimModem {
            number: number.into(),
            pin: None,
            unlocked: true,
            pin_attempts: 0,
            registration: 1,
            eps_registration: None,
            operator: ("UMS Sim".into(), "26299".into()),
            cereg_n: 0,
            cops_format: 0,
            rssi: 20,
            smsc: "+491710760000".into(),
            capacity: 10,
            storage: BTreeMap::new(),
            silent: false,
            garbage: false,
            fail_next_send: None,
            awkward: false,
            awkward_sent: 0,
            commands: Vec::new(),
            echo: true,
            cmee: 0,
            pdu_mode: true,
            creg_n: 0,
            cnmi: [0, 0, 0, 0, 0],
            input: Vec::new(),
            awaiting: None,
            out: Vec::new(),
            held: VecDeque::new(),
            mr: 0,
            submitted: Vec::new(),
            csms: 0,
            awaiting_ack: None,
            ack_since: None,
            acks: 0,
            sends: 0,
        }
    }

    /// A SIM that wants `pin`.
    pub fn with_pin(mut self, pin: &str) -> SimModem {
        self.pin = Some(pin.into());
        self.unlocked = false;
        self
    }

    /// After the `> ` prompt, waiting for the PDU or text.
    pub fn awaiting_pdu(&self) -> bool {
        self.awaiting.is_some()
    }

    pub fn take_output(&mut self) -> Vec<u8> {
        std::mem::take(&mut self.out)
    }

    pub fn registered(&self) -> bool {
        matches!(self.registration, 1 | 5) || matches!(self.eps_registration, Some(1 | 5))
    }

    fn info(&mut self, line: &str) {
        self.out
            .extend_from_slice(format!("\r\n{line}\r\n").as_bytes());
    }

    fn final_result(&mut self, line: &str) {
        if self.awkward {
            while let Some(u) = self.held.pop_front() {
                self.awkward_sent += 1;
                self.out.extend_from_slice(&u);
            }
        }
        self.info(line);
        while let Some(u) = self.held.pop_front() {
            self.out.extend_from_slice(&u);
        }
    }

    fn ok(&mut self) {
        self.final_result("OK");
    }

    fn cme(&mut self, code: u16) {
        let text = CME_TEXT
            .iter()
            .find(|c| c.0 == code)
            .map_or("unknown", |c| c.1);
        match self.cmee {
            0 => self.final_result("ERROR"),
            1 => self.final_result(&format!("+CME ERROR: {code}")),
            _ => self.final_result(&format!("+CME ERROR: {text}")),
        }
    }

    fn cms(&mut self, code: u16) {
        let text = CMS_TEXT
            .iter()
            .find(|c| c.0 == code)
            .map_or("unknown error", |c| c.1);
        match self.cmee {
            0 => self.final_result("ERROR"),
            1 => self.final_result(&format!("+CMS ERROR: {code}")),
            _ => self.final_result(&format!("+CMS ERROR: {text}")),
        }
    }

    /// An unsolicited line: now, or after the command under way.
    fn unsolicited(&mut self, text: String) {
        let bytes = format!("\r\n{text}\r\n").into_bytes();
        if self.awaiting.is_some() && !self.awkward {
            self.held.push_back(bytes);
        } else {
            if self.awaiting.is_some() {
                self.awkward_sent += 1;
            }
            self.out.extend_from_slice(&bytes);
        }
    }

    /// Octets from the DTE.
    pub fn input(&mut self, bytes: &[u8]) {
        if self.silent {
            return;
        }
        for &b in bytes {
            if let Some(aw) = &self.awaiting {
                match b {
                    0x1a => {
                        let body = String::from_utf8_lossy(&self.input).trim().to_string();
                        self.input.clear();
                        let aw = self.awaiting.take().expect("awaiting");
                        self.submit(aw, &body);
                    }
                    0x1b => {
                        self.input.clear();
                        self.awaiting = None;
                        self.ok();
                    }
                    _ => {
                        if self.echo {
                            self.out.push(b);
                        }
                        let _ = aw; // which kind decides at Ctrl-Z
                        if self.input.len() < 1024 {
                            self.input.push(b);
                        }
                    }
                }
                continue;
            }
            match b {
                b'\r' => {
                    let line = String::from_utf8_lossy(&self.input).into_owned();
                    self.input.clear();
                    if self.echo {
                        self.out.extend_from_slice(line.as_bytes());
                        self.out.push(b'\r');
                    }
                    self.command_line(line.trim());
                }
                b'\n' => {}
                _ if self.input.len() < 1024 => self.input.push(b),
                _ => {}
            }
        }
    }

    fn command_line(&mut self, line: &str) {
        let Some(at) = line.to_ascii_uppercase().find("AT") else {
            return;
        };
        let body = line[at + 2..].to_string();
        self.commands.push(format!("AT{body}"));
        if self.garbage {
            let noise: String = (0..60u32)
                .map(|i| char::from(b'!' + (i.wrapping_mul(37) % 90) as u8))
                .collect();
            for _ in 0..20 {
                self.info(&noise);
            }
            return;
        }
        // Basic commands first (E0, V1, Z, &F...), then extended ones
        // separated by ';'.
        let (basic, extended) = match body.find('+') {
            Some(i) => (&body[..i], &body[i..]),
            None => (&body[..], ""),
        };
        let mut chars = basic.chars().peekable();
        while let Some(c) = chars.next() {
            let digit = chars.next_if(|d| d.is_ascii_digit());
            match c.to_ascii_uppercase() {
                'E' => self.echo = digit != Some('0'),
                'Z' => self.reset(),
                'I' => self.info("UMS GSM simulator"),
                'V' | 'Q' | 'X' | 'L' | 'M' | ' ' => {}
                '&' if chars
                    .next_if(|d| "FCDKW".contains(d.to_ascii_uppercase()))
                    .is_some() =>
                {
                    chars.next_if(|d| d.is_ascii_digit());
                }
                'S' => {
                    while chars
                        .next_if(|d| d.is_ascii_digit() || *d == '=' || *d == '?')
                        .is_some()
                    {}
                }
                // A command this modem does not have ($, ^, * …).
                _ => return self.final_result("ERROR"),
            }
        }
        for cmd in extended.split(';').filter(|c| !c.is_empty()) {
            let cmd = cmd.trim_start_matches("AT");
            if !self.extended(cmd) {
                return; // an error ended the line
            }
            if self.awaiting.is_some() {
                return; // the prompt is out
            }
        }
        self.ok();
    }

    fn reset(&mut self) {
        self.echo = true;
        self.cmee = 0;
        self.pdu_mode = true;
        self.cnmi = [0; 5];
        self.creg_n = 0;
        self.cereg_n = 0;
        self.cops_format = 0;
        self.csms = 0;
    }

    /// One extended command; false if it ended the line with an error.
    fn extended(&mut self, cmd: &str) -> bool {
        let upper = cmd.to_ascii_uppercase();
        let (name, arg) = match upper.find(['=', '?']) {
            Some(i) => (&upper[..i], &cmd[i..]),
            None => (&upper[..], ""),
        };
        let set = arg.strip_prefix('=').filter(|a| *a != "?");
        let sms = name.starts_with("+CMG") || name == "+CNMI" || name == "+CPMS" || name == "+CSCA";
        if !self.unlocked && (sms || name == "+CIMI" || name == "+COPS") {
            if sms {
                self.cms(311);
            } else {
                self.cme(11);
            }
            return false;
        }
        match (name, arg) {
            ("+CGMI" | "+GMI", _) => self.info("UMS"),
            ("+CGMM" | "+GMM", _) => self.info("GSM simulator"),
            ("+CGMR" | "+GMR", _) => self.info("1.0"),
            ("+CGSN" | "+GSN", _) => {
                let imei = format!("35{:0>13}", self.number.trim_start_matches('+'));
                self.info(&imei[..15.min(imei.len())]);
            }
            ("+CIMI", _) => self.info("262019999999999"),
            ("+CMEE", "?") => self.info(&format!("+CMEE: {}", self.cmee)),
            ("+CMEE", _) => self.cmee = set.and_then(|v| v.parse().ok()).unwrap_or(0),
            ("+CPIN", "?") => {
                let s = match (self.unlocked, self.pin_attempts >= 3) {
                    (true, _) => "READY",
                    (false, true) => "SIM PUK",
                    (false, false) => "SIM PIN",
                };
                self.info(&format!("+CPIN: {s}"));
            }
            ("+CPIN", _) => {
                let given = set.unwrap_or_default().trim_matches('"');
                if self.unlocked {
                    self.cme(3);
                    return false;
                }
                self.pin_attempts += 1;
                if self.pin_attempts > 3 {
                    self.cme(12);
                    return false;
                }
                if Some(given) == self.pin.as_deref() {
                    self.unlocked = true;
                    self.pin_attempts = 0;
                } else {
                    self.cme(16);
                    return false;
                }
            }
            ("+CREG", "?") => self.info(&format!("+CREG: {},{}", self.creg_n, self.registration)),
            ("+CREG", "=?") => self.info("+CREG: (0-1)"),
            ("+CREG", _) => self.creg_n = set.and_then(|v| v.parse().ok()).unwrap_or(0),
            ("+COPS", "?") if self.registered() => {
                let (f, name) = match self.cops_format {
                    2 => (2, self.operator.1.clone()),
                    _ => (0, self.operator.0.clone()),
                };
                let act = if self.eps_registration.is_some() {
                    7
                } else {
                    0
                };
                self.info(&format!("+COPS: 0,{f},\"{name}\",{act}"));
            }
            ("+COPS", "?") => self.info("+COPS: 0"),
            ("+COPS", "=?") => self.info(&format!(
                "+COPS: (2,\"{}\",\"\",\"{}\"),,(0-4),(0,2)",
                self.operator.0, self.operator.1
            )),
            ("+COPS", _) => {
                let f: Vec<&str> = set.unwrap_or_default().split(',').collect();
                if f.first().map(|m| m.trim()) == Some("3") {
                    self.cops_format = f.get(1).and_then(|v| v.trim().parse().ok()).unwrap_or(0);
                }
            }
            ("+CEREG", _) if self.eps_registration.is_none() => {
                self.final_result("ERROR");
                return false;
            }
            ("+CEREG", "?") => {
                let stat = self.eps_registration.unwrap_or(0);
                self.info(&format!("+CEREG: {},{stat}", self.cereg_n));
            }
            ("+CEREG", "=?") => self.info("+CEREG: (0-1)"),
            ("+CEREG", _) => self.cereg_n = set.and_then(|v| v.parse().ok()).unwrap_or(0),
            ("+CSQ", _) => self.info(&format!("+CSQ: {},99", self.rssi)),
            ("+CBC", _) => self.info("+CBC: 0,100"),
            ("+CFUN", "?") => self.info("+CFUN: 1"),
            ("+CFUN", "=?") => self.info("+CFUN: (0,1),(0,1)"),
            ("+CFUN", _) => {}
            ("+CSCA", "?") => self.info(&format!("+CSCA: \"{}\",145", self.smsc)),
            ("+CSCA", _) => {
                let v = set.unwrap_or_default();
                self.smsc = v
                    .split(',')
                    .next()
                    .unwrap_or_default()
                    .trim_matches('"')
                    .into();
            }
            ("+CSCS", "?") => self.info("+CSCS: \"GSM\""),
            ("+CSCS", "=?") => self.info("+CSCS: (\"GSM\",\"UCS2\",\"IRA\")"),
            ("+CSCS", _) => {}
            ("+CSMS", "?") => self.info(&format!("+CSMS: {},1,1,1", self.csms)),
            ("+CSMS", "=?") => self.info("+CSMS: (0,1)"),
            ("+CSMS", _) => {
                self.csms = set.and_then(|v| v.trim().parse().ok()).unwrap_or(0).min(1);
                self.info("+CSMS: 1,1,1");
            }
            ("+CMGF", "?") => self.info(&format!("+CMGF: {}", u8::from(!self.pdu_mode))),
            ("+CMGF", "=?") => self.info("+CMGF: (0,1)"),
            ("+CMGF", _) => match set {
                Some("0") => self.pdu_mode = true,
                Some("1") => self.pdu_mode = false,
                _ => {
                    self.cme(4);
                    return false;
                }
            },
            ("+CNMI", "=?") => self.info("+CNMI: (0-2),(0-3),(0,2),(0-2),(0,1)"),
            ("+CNMI", "?") => {
                let c = self.cnmi;
                self.info(&format!(
                    "+CNMI: {},{},{},{},{}",
                    c[0], c[1], c[2], c[3], c[4]
                ));
            }
            ("+CNMI", _) => {
                for (i, v) in set.unwrap_or_default().split(',').enumerate().take(5) {
                    self.cnmi[i] = v.trim().parse().unwrap_or(0);
                }
            }
            ("+CPMS", "=?") => self.info("+CPMS: (\"SM\"),(\"SM\"),(\"SM\")"),
            ("+CPMS", "?") => {
                let (u, c) = (self.storage.len(), self.capacity);
                self.info(&format!(
                    "+CPMS: \"SM\",{u},{c},\"SM\",{u},{c},\"SM\",{u},{c}"
                ));
            }
            ("+CPMS", _) => {
                let (u, c) = (self.storage.len(), self.capacity);
                self.info(&format!("+CPMS: {u},{c},{u},{c},{u},{c}"));
            }
            ("+CNMA", _) => {
                if self.awaiting_ack.take().is_some() {
                    self.ack_since = None;
                    self.acks += 1;
                } else {
                    self.cms(340);
                    return false;
                }
            }
            ("+CMGL", _) => self.list(set.unwrap_or("4")),
            ("+CMGR", _) => return self.read(set),
            ("+CMGD", _) => {
                let mut f = set.unwrap_or_default().split(',');
                let index: Option<u32> = f.next().and_then(|v| v.trim().parse().ok());
                let flag: u8 = f.next().and_then(|v| v.trim().parse().ok()).unwrap_or(0);
                if flag == 4 {
                    self.storage.clear();
                } else if let Some(i) = index {
                    self.storage.remove(&i);
                } else {
                    self.cms(321);
                    return false;
                }
            }
            ("+CMGS", _) => return self.start_send(set),
            _ => {
                self.final_result("ERROR");
                return false;
            }
        }
        true
    }

    fn list(&mut self, which: &str) {
        let which = which.trim_matches('"').to_ascii_uppercase();
        let want = |stat: u8| match which.as_str() {
            "4" | "ALL" => true,
            "0" | "REC UNREAD" => stat == 0,
            "1" | "REC READ" => stat == 1,
            "2" | "STO UNSENT" => stat == 2,
            "3" | "STO SENT" => stat == 3,
            _ => false,
        };
        let items: Vec<(u32, Stored)> = self
            .storage
            .iter()
            .filter(|(_, s)| want(s.stat))
            .map(|(i, s)| (*i, s.clone()))
            .collect();
        for (i, s) in items {
            let (head, body) = self.describe(&s);
            self.out
                .extend_from_slice(format!("\r\n+CMGL: {i},{head}\r\n{body}\r\n").as_bytes());
            if s.stat == 0 {
                self.storage.get_mut(&i).expect("stored").stat = 1;
            }
        }
    }

    /// The header fields after `+CMGR:`/`+CMGL: <index>,` and the body line.
    fn describe(&self, s: &Stored) -> (String, String) {
        let tpdu_len = s.pdu.len() - 1 - usize::from(s.pdu[0]);
        if self.pdu_mode {
            return (format!("{},,{tpdu_len}", s.stat), to_hex(&s.pdu));
        }
        let stat = ["REC UNREAD", "REC READ", "STO UNSENT", "STO SENT"][usize::from(s.stat.min(3))];
        match Tpdu::decode_with_smsc(&s.pdu) {
            Ok((_, Tpdu::Deliver(d))) => {
                let t = d.sent;
                (
                    format!(
                        "\"{stat}\",\"{}\",,\"{:02}/{:02}/{:02},{:02}:{:02}:{:02}{:+03}\"",
                        d.from.to_text(),
                        t.year,
                        t.month,
                        t.day,
                        t.hour,
                        t.minute,
                        t.second,
                        t.tz_quarters
                    ),
                    d.user_data.text,
                )
            }
            Ok((_, Tpdu::Submit(s))) => (
                format!("\"{stat}\",\"{}\",", s.to.to_text()),
                s.user_data.text,
            ),
            Ok((_, Tpdu::StatusReport(r))) => {
                (format!("\"REC READ\",6,{}", r.reference), String::new())
            }
            Err(_) => (format!("\"{stat}\""), String::new()),
        }
    }

    fn read(&mut self, set: Option<&str>) -> bool {
        let index: Option<u32> = set.and_then(|v| v.trim().parse().ok());
        let Some(i) = index else {
            self.cms(321);
            return false;
        };
        // An empty place: OK and nothing, as many modems answer.
        if let Some(s) = self.storage.get(&i).cloned() {
            let (head, body) = self.describe(&s);
            self.out
                .extend_from_slice(format!("\r\n+CMGR: {head}\r\n{body}\r\n").as_bytes());
            if s.stat == 0 {
                self.storage.get_mut(&i).expect("stored").stat = 1;
            }
        }
        true
    }

    fn start_send(&mut self, set: Option<&str>) -> bool {
        let Some(arg) = set else {
            self.cms(304);
            return false;
        };
        if self.pdu_mode {
            match arg.trim().parse::<usize>() {
                Ok(n) if (7..=164).contains(&n) => self.awaiting = Some(Awaiting::Pdu(n)),
                _ => {
                    self.cms(304);
                    return false;
                }
            }
        } else {
            let number = arg.split(',').next().unwrap_or_default().trim_matches('"');
            match Address::number(number) {
                Some(a) => self.awaiting = Some(Awaiting::Text(a)),
                None => {
                    self.cms(305);
                    return false;
                }
            }
        }
        self.out.extend_from_slice(b"\r\n> ");
        if self.awkward {
            while let Some(u) = self.held.pop_front() {
                self.out.extend_from_slice(&u);
            }
        }
        true
    }

    fn submit(&mut self, aw: Awaiting, body: &str) {
        let submit = match aw {
            Awaiting::Pdu(len) => {
                let parsed = from_hex(body).ok().and_then(|b| {
                    let sca = usize::from(*b.first()?);
                    (b.len() == 1 + sca + len)
                        .then(|| Tpdu::decode_with_smsc(&b).ok())
                        .flatten()
                });
                match parsed {
                    Some((_, Tpdu::Submit(s))) => s,
                    _ => return self.cms(304),
                }
            }
            Awaiting::Text(to) => match split(body, Reference::Short(0), 1) {
                Ok(mut parts) => Submit {
                    reference: 0,
                    to,
                    status_report: false,
                    reject_duplicates: false,
                    validity: None,
                    user_data: parts.remove(0),
                },
                Err(_) => return self.cms(305),
            },
        };
        if let Some(code) = self.fail_next_send.take() {
            return self.cms(code);
        }
        if !self.registered() {
            return self.cms(331);
        }
        self.mr = self.mr.wrapping_add(1);
        self.sends += 1;
        let mr = self.mr;
        self.submitted.push((mr, submit));
        self.info(&format!("+CMGS: {mr}"));
        self.ok();
    }

    /// The network delivers a message; false if the SIM is full (the
    /// network tries again later).
    pub fn deliver(&mut self, d: &Deliver) -> bool {
        let pdu = with_smsc(
            Address::number(&self.smsc).as_ref(),
            &d.encode().expect("deliver"),
        )
        .expect("pdu");
        if self.cnmi[1] == 2 {
            // One +CMT at a time until it is acknowledged or timed out.
            if self.awaiting_ack.is_some() {
                return false;
            }
            if self.csms == 1 && self.pdu_mode {
                self.awaiting_ack = Some(d.clone());
            }
            let len = pdu.len() - 1 - usize::from(pdu[0]);
            let text = if self.pdu_mode {
                format!("+CMT: ,{len}\r\n{}", to_hex(&pdu))
            } else {
                format!("+CMT: \"{}\",,\r\n{}", d.from.to_text(), d.user_data.text)
            };
            self.unsolicited(text);
            return true;
        }
        let Some(i) = self.store(Stored { stat: 0, pdu }) else {
            return false;
        };
        if self.cnmi[1] == 1 || self.cnmi[1] == 3 {
            self.unsolicited(format!("+CMTI: \"SM\",{i}"));
        }
        true
    }

    /// The network reports on a message this modem sent.
    pub fn report(&mut self, r: &StatusReport) {
        let pdu = with_smsc(None, &r.encode().expect("report")).expect("pdu");
        match self.cnmi[3] {
            1 => {
                let len = pdu.len() - 1;
                self.unsolicited(format!("+CDS: {len}\r\n{}", to_hex(&pdu)));
            }
            2 => {
                if let Some(i) = self.store(Stored { stat: 0, pdu }) {
                    self.unsolicited(format!("+CDSI: \"SM\",{i}"));
                }
            }
            _ => {}
        }
    }

    fn store(&mut self, s: Stored) -> Option<u32> {
        if self.storage.len() >= self.capacity {
            return None;
        }
        let i = (1..).find(|i| !self.storage.contains_key(i))?;
        self.storage.insert(i, s);
        Some(i)
    }

    /// A message put on the SIM before the test starts.
    pub fn put(&mut self, d: &Deliver) -> u32 {
        let pdu = with_smsc(
            Address::number(&self.smsc).as_ref(),
            &d.encode().expect("deliver"),
        )
        .expect("pdu");
        self.store(Stored { stat: 0, pdu })
            .expect("room on the SIM")
    }

    /// The registration changes (`+CREG: <stat>` if asked for).
    pub fn set_registration(&mut self, stat: u8) {
        self.registration = stat;
        if self.creg_n >= 1 {
            self.unsolicited(format!("+CREG: {stat}"));
        }
    }

    /// The LTE registration changes (`+CEREG: <stat>` if asked for).
    pub fn set_eps_registration(&mut self, stat: u8) {
        self.eps_registration = Some(stat);
        if self.cereg_n >= 1 {
            self.unsolicited(format!("+CEREG: {stat}"));
        }
    }
}

/// A time stamp for the simulated network (fixed: the tests read it back).
pub fn stamp() -> Timestamp {
    Timestamp {
        year: 26,
        month: 12,
        day: 7,
        hour: 15,
        minute: 4,
        second: 59,
        tz_quarters: 4,
    }
}
