//! python3-gammu as the independent reference for the PDU codec (issue 15):
//! every PDU we make (SMS-SUBMIT for the modem; SMS-DELIVER and
//! SMS-STATUS-REPORT for the simulated SMSC) is decoded by gammu's
//! DecodePDU, and every PDU gammu makes (EncodeSMS + EncodePDU, as Submit
//! and as Deliver) is decoded by ours, for the texts at the part
//! boundaries of both alphabets.

use std::io::Write;
use std::process::{Command, Stdio};

use line_drivers::gsm::{
    split, to_hex, with_smsc, Address, Coding, Deliver, Reference, StatusReport, Submit, Timestamp,
    Tpdu, UserData,
};

const SCRIPT: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/../tests/peers/gsm/gammu_pdu.py"
);

/// Runs the reference script over `lines`, one answer a line.
fn gammu(mode: &str, lines: &[String]) -> Vec<String> {
    let mut child = Command::new("/usr/bin/python3")
        .args([SCRIPT, mode])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("/usr/bin/python3");
    let mut stdin = child.stdin.take().expect("stdin");
    let input = lines.join("\n") + "\n";
    let writer = std::thread::spawn(move || stdin.write_all(input.as_bytes()));
    let out = child.wait_with_output().expect("gammu_pdu.py");
    writer.join().expect("writer").expect("write");
    assert!(
        out.status.success(),
        "gammu_pdu.py {mode} failed (python3-gammu missing? scripts/setup.sh --test)"
    );
    let answers: Vec<String> = String::from_utf8(out.stdout)
        .expect("utf-8")
        .lines()
        .map(str::to_string)
        .collect();
    assert_eq!(answers.len(), lines.len(), "one answer per line");
    answers
}

fn hex(s: &str) -> String {
    s.bytes().map(|b| format!("{b:02x}")).collect()
}

fn unhex(s: &str) -> String {
    let bytes: Vec<u8> = (0..s.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&s[i..i + 2], 16).expect("hex"))
        .collect();
    String::from_utf8(bytes).expect("utf-8")
}

/// The texts of the proof: 7-bit, extension characters, umlauts,
/// emoji and the part boundaries (varied letters, so a part out of order
/// or a septet shifted shows).
fn texts() -> Vec<(&'static str, String)> {
    let letters = |n: usize| -> String {
        "The quick brown fox jumps over the lazy dog 0123456789 @£$_!?"
            .chars()
            .cycle()
            .take(n)
            .collect()
    };
    vec![
        ("7-bit", "Hello, world!".to_string()),
        ("extension", "Price: 10€ [a] {b} ~c^ |d| \\e".to_string()),
        (
            "umlauts",
            "Grüße aus Köln: Äpfel, Öl, Übermut, ß".to_string(),
        ),
        ("emoji", "See you 😀 at 8 👍🏽".to_string()),
        ("160", letters(160)),
        ("161", letters(161)),
        ("306", letters(306)),
        ("307", letters(307)),
        ("1000", letters(1000)),
        (
            "ucs2-1000",
            format!("ł😀{}", letters(998)).chars().take(1000).collect(),
        ),
        ("ext-boundary", format!("{}€€{}", letters(152), letters(20))),
    ]
}

fn stamp() -> Timestamp {
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

struct Decoded {
    kind: String,
    number: String,
    coding: String,
    ref8: i64,
    ref16: i64,
    part: i64,
    parts: i64,
    mr: i64,
    status: i64,
    text: String,
}

fn parse_decoded(line: &str) -> Decoded {
    let f: Vec<&str> = line.split('\t').collect();
    assert_eq!(f.len(), 10, "gammu refused our PDU: {line}");
    let n = |i: usize| f[i].parse::<i64>().expect("a number");
    Decoded {
        kind: f[0].into(),
        number: f[1].into(),
        coding: f[2].into(),
        ref8: n(3),
        ref16: n(4),
        part: n(5),
        parts: n(6),
        mr: n(7),
        status: n(8),
        text: unhex(f[9]),
    }
}

/// Our PDUs, one per part, and how gammu reads them.
fn check_ours(name: &str, text: &str, wide: bool, make: impl Fn(usize, &UserData) -> Vec<u8>) {
    let reference = if wide {
        Reference::Wide(0xbeef)
    } else {
        Reference::Short(0x2b)
    };
    let parts = split(text, reference, 255).expect("splits");
    let pdus: Vec<String> = parts
        .iter()
        .enumerate()
        .map(|(i, ud)| to_hex(&make(i, ud)))
        .collect();
    let decoded: Vec<Decoded> = gammu("decode", &pdus)
        .iter()
        .map(|l| parse_decoded(l))
        .collect();
    for (i, (d, ud)) in decoded.iter().zip(&parts).enumerate() {
        let coding = match ud.coding {
            Coding::Gsm7 => "Default_No_Compression",
            Coding::Ucs2 => "Unicode_No_Compression",
            Coding::Data8 => "8bit",
        };
        assert_eq!(d.coding, coding, "{name} part {i}");
        assert_eq!(d.number, "+491701234567", "{name} part {i}");
        if parts.len() > 1 {
            assert_eq!(
                (d.part, d.parts),
                (i as i64 + 1, parts.len() as i64),
                "{name}"
            );
            if wide {
                assert_eq!(d.ref16, 0xbeef, "{name}");
            } else {
                assert_eq!(d.ref8, 0x2b, "{name}");
            }
        }
        assert_eq!(
            gammu_text(d, ud),
            ud.text,
            "{name} part {i}: gammu reads another text"
        );
    }
    let joined: String = parts.iter().map(|p| p.text.as_str()).collect();
    assert_eq!(joined, text, "{name}: the parts are the text");
}

/// The text gammu read, without the stray characters gammu 1.42 puts
/// after a 7-bit text, one per extension character (its DecodePDU counts
/// septets where it means characters); exactly that many are allowed.
fn gammu_text(d: &Decoded, ud: &UserData) -> String {
    if ud.coding != Coding::Gsm7 {
        return d.text.clone();
    }
    let ext = ud
        .text
        .chars()
        .filter(|&c| line_drivers::gsm::alphabet::gsm7_septets(c).is_some_and(|(_, n)| n == 2))
        .count();
    let n = d.text.chars().count();
    assert!(n >= ext, "gammu's text is shorter: {:?}", d.text);
    d.text.chars().take(n - ext).collect()
}

#[test]
fn gammu_decodes_our_submits() {
    let to = Address::number("+491701234567").expect("number");
    for wide in [false, true] {
        for (name, text) in texts() {
            check_ours(name, &text, wide, |i, ud| {
                let s = Submit {
                    reference: i as u8,
                    to: to.clone(),
                    status_report: true,
                    reject_duplicates: false,
                    validity: Some(line_drivers::gsm::Validity::at_least_minutes(24 * 60)),
                    user_data: ud.clone(),
                };
                let tpdu = s.encode().expect("encodes");
                assert_eq!(Tpdu::decode(&tpdu).expect("ours"), Tpdu::Submit(s));
                with_smsc(None, &tpdu).expect("smsc")
            });
        }
    }
}

#[test]
fn gammu_decodes_our_delivers() {
    let from = Address::number("+491701234567").expect("number");
    let smsc = Address::number("+4917").expect("number");
    for (name, text) in texts() {
        check_ours(name, &text, false, |_, ud| {
            let d = Deliver {
                from: from.clone(),
                sent: stamp(),
                status_report: false,
                more_to_send: false,
                user_data: ud.clone(),
            };
            with_smsc(Some(&smsc), &d.encode().expect("encodes")).expect("smsc")
        });
    }
}

#[test]
fn gammu_decodes_our_status_reports() {
    let cases = [(0x00, 0x11), (0x22, 0x12), (0x46, 0xff)];
    let pdus: Vec<String> = cases
        .iter()
        .map(|&(st, mr)| {
            let r = StatusReport {
                reference: mr,
                recipient: Address::number("+491701234567").expect("number"),
                submitted: stamp(),
                discharged: stamp(),
                status: st,
            };
            let tpdu = r.encode().expect("encodes");
            assert_eq!(Tpdu::decode(&tpdu).expect("ours"), Tpdu::StatusReport(r));
            to_hex(&with_smsc(None, &tpdu).expect("smsc"))
        })
        .collect();
    for (line, &(st, mr)) in gammu("decode", &pdus).iter().zip(&cases) {
        let d = parse_decoded(line);
        assert_eq!(d.kind, "Status_Report");
        assert_eq!((d.status, d.mr), (i64::from(st), i64::from(mr)), "{line}");
        assert_eq!(d.number, "+491701234567");
    }
}

#[test]
fn we_decode_what_gammu_encodes() {
    let mut cases = Vec::new();
    let mut want = Vec::new();
    for layout in ["Submit", "Deliver"] {
        for wide in [false, true] {
            for (name, text) in texts() {
                let unicode = line_drivers::gsm::alphabet::gsm7_len(&text).is_none();
                cases.push(format!(
                    "{}\t{}\t{layout}\t+491701234567\t{}",
                    u8::from(unicode),
                    u8::from(wide),
                    hex(&text)
                ));
                want.push((layout, wide, name, text));
            }
        }
    }
    for (answer, (layout, wide, name, text)) in gammu("encode", &cases).iter().zip(want) {
        let mut joined = String::new();
        let pdus: Vec<&str> = answer.split(' ').collect();
        for (i, pdu) in pdus.iter().enumerate() {
            let bytes = line_drivers::gsm::from_hex(pdu).expect("hex");
            let (smsc, tpdu) = Tpdu::decode_with_smsc(&bytes)
                .unwrap_or_else(|e| panic!("{layout} {name} part {i}: {e}: {pdu}"));
            assert_eq!(smsc.map(|a| a.to_text()).as_deref(), Some("+4917"));
            let (addr, ud) = match (&tpdu, layout) {
                (Tpdu::Submit(s), "Submit") => (&s.to, &s.user_data),
                (Tpdu::Deliver(d), "Deliver") => (&d.from, &d.user_data),
                other => panic!("{name}: {other:?}"),
            };
            assert_eq!(addr.to_text(), "+491701234567");
            if pdus.len() > 1 {
                let c = ud
                    .concat
                    .unwrap_or_else(|| panic!("{name}: no concat header"));
                assert_eq!((c.seq, usize::from(c.total)), (i as u8 + 1, pdus.len()));
                assert_eq!(c.wide, wide, "{name}");
            }
            joined.push_str(&ud.text);
        }
        assert_eq!(joined, text, "{layout} {name} (wide {wide})");
    }
}
