//! Our CAPI message codec against Debian's libcapi20 (`libcapi20-dev`),
//! code we did not write: every sample message our codec writes
//! (`line_drivers::capi::samples`) is decoded by libcapi20's
//! `capi_message2cmsg` and encoded again by its `capi_cmsg2message`
//! (`tests/capi/libcapi20_fields.c`, compiled here with `cc`). The octets
//! libcapi20 writes must be ours, and every field it read must be the
//! value we meant. No `unsafe` here: the C side is a process of its own.

use std::collections::BTreeMap;
use std::io::Write;
use std::path::Path;
use std::process::{Command, Stdio};

use line_drivers::capi::msg::{Message, Params};
use line_drivers::capi::samples;
use line_drivers::capi::structs::{AdditionalInfo, BProtocol, CalledNumber, CallingNumber};

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Every field of libcapi20's `_cmsg` at its zero value, as the C program
/// prints it after a `memset`.
fn zero_fields() -> BTreeMap<String, String> {
    const SCALARS: &[&str] = &[
        "AdditionalInfo",
        "B1protocol",
        "B2protocol",
        "B3protocol",
        "BProtocol",
        "CIPmask",
        "CIPmask2",
        "CIPValue",
        "Class",
        "Data32",
        "Data64",
        "DataHandle",
        "DataLength",
        "FacilitySelector",
        "Flags",
        "Function",
        "Info",
        "InfoMask",
        "InfoNumber",
        "ManuID",
        "Reason",
        "Reason_B3",
        "Reject",
    ];
    const STRUCTS: &[&str] = &[
        "B1configuration",
        "B2configuration",
        "B3configuration",
        "BC",
        "BChannelinformation",
        "CalledPartyNumber",
        "CalledPartySubaddress",
        "CallingPartyNumber",
        "CallingPartySubaddress",
        "ConnectedNumber",
        "ConnectedSubaddress",
        "FacilityConfirmationParameter",
        "Facilitydataarray",
        "FacilityIndicationParameter",
        "FacilityRequestParameter",
        "FacilityResponseParameters",
        "Globalconfiguration",
        "HLC",
        "InfoElement",
        "Keypadfacility",
        "LLC",
        "ManuData",
        "NCPI",
        "Useruserdata",
        "SendingComplete",
    ];
    let mut m = BTreeMap::new();
    for s in SCALARS {
        m.insert(s.to_string(), "0".to_string());
    }
    for s in STRUCTS {
        m.insert(s.to_string(), "-".to_string());
    }
    m
}

/// What libcapi20 must have read from our octets for `msg`.
fn expected_fields(msg: &Message) -> BTreeMap<String, String> {
    let mut f = zero_fields();
    let (command, sub) = msg.command();
    let mut set = |k: &str, v: String| {
        f.insert(k.to_string(), v);
    };
    set("ApplId", msg.app_id.to_string());
    set("Command", command.to_string());
    set("Subcommand", sub.to_string());
    set("Messagenumber", msg.number.to_string());
    set("adr", msg.address.to_string());
    let num = |n: u16| n.to_string();
    let st = |b: &[u8]| hex(b);
    // A compound struct: CAPI_DEFAULT (1) when empty, else CAPI_COMPOSE
    // (0) and its members.
    let additional = |a: &Option<AdditionalInfo>, set: &mut dyn FnMut(&str, String)| match a {
        None => set("AdditionalInfo", "1".into()),
        Some(a) => {
            set("AdditionalInfo", "0".into());
            set("BChannelinformation", st(&a.b_channel));
            set("Keypadfacility", st(&a.keypad));
            set("Useruserdata", st(&a.user_user));
            set("Facilitydataarray", st(&a.facility_data));
            set("SendingComplete", st(&a.sending_complete));
        }
    };
    let bprot = |b: &Option<BProtocol>, set: &mut dyn FnMut(&str, String)| match b {
        None => set("BProtocol", "1".into()),
        Some(b) => {
            set("BProtocol", "0".into());
            set("B1protocol", num(b.b1));
            set("B2protocol", num(b.b2));
            set("B3protocol", num(b.b3));
            set("B1configuration", st(&b.b1_config));
            set("B2configuration", st(&b.b2_config));
            set("B3configuration", st(&b.b3_config));
            set("Globalconfiguration", st(&b.global_config));
        }
    };
    let called = |n: &Option<CalledNumber>| st(&CalledNumber::content(n));
    let calling = |n: &Option<CallingNumber>| st(&CallingNumber::content(n));
    use Params::*;
    match &msg.params {
        AlertReq { additional: a } | DisconnectReq { additional: a } => additional(a, &mut set),
        AlertConf { info }
        | ConnectConf { info }
        | ConnectB3Conf { info }
        | DisconnectB3Conf { info }
        | DisconnectConf { info }
        | InfoConf { info }
        | ListenConf { info } => set("Info", num(*info)),
        ConnectReq(c) => {
            set("CIPValue", num(c.cip));
            set("CalledPartyNumber", called(&c.called));
            set("CallingPartyNumber", calling(&c.calling));
            set("CalledPartySubaddress", st(&c.called_subaddress));
            set("CallingPartySubaddress", st(&c.calling_subaddress));
            bprot(&c.b_protocol, &mut set);
            set("BC", st(&c.bc));
            set("LLC", st(&c.llc));
            set("HLC", st(&c.hlc));
            additional(&c.additional, &mut set);
        }
        ConnectInd(c) => {
            set("CIPValue", num(c.cip));
            set("CalledPartyNumber", called(&c.called));
            set("CallingPartyNumber", calling(&c.calling));
            set("CalledPartySubaddress", st(&c.called_subaddress));
            set("CallingPartySubaddress", st(&c.calling_subaddress));
            set("BC", st(&c.bc));
            set("LLC", st(&c.llc));
            set("HLC", st(&c.hlc));
            additional(&c.additional, &mut set);
        }
        ConnectResp(c) => {
            set("Reject", num(c.reject));
            bprot(&c.b_protocol, &mut set);
            set("ConnectedNumber", calling(&c.connected));
            set("ConnectedSubaddress", st(&c.connected_subaddress));
            set("LLC", st(&c.llc));
            additional(&c.additional, &mut set);
        }
        ConnectActiveInd {
            connected,
            connected_subaddress,
            llc,
        } => {
            set("ConnectedNumber", calling(connected));
            set("ConnectedSubaddress", st(connected_subaddress));
            set("LLC", st(llc));
        }
        ConnectActiveResp | ConnectB3ActiveResp | DisconnectB3Resp | DisconnectResp | InfoResp => {}
        ConnectB3Req { ncpi }
        | ConnectB3Ind { ncpi }
        | ConnectB3ActiveInd { ncpi }
        | DisconnectB3Req { ncpi } => set("NCPI", st(ncpi)),
        ConnectB3Resp { reject, ncpi } => {
            set("Reject", num(*reject));
            set("NCPI", st(ncpi));
        }
        DataB3Req(d) | DataB3Ind(d) => {
            set("Data32", d.data32.to_string());
            set("DataLength", num(d.length));
            set("DataHandle", num(d.handle));
            set("Flags", num(d.flags));
            set("Data64", d.data64.unwrap_or(0).to_string());
        }
        DataB3Conf { handle, info } => {
            set("DataHandle", num(*handle));
            set("Info", num(*info));
        }
        DataB3Resp { handle } => set("DataHandle", num(*handle)),
        DisconnectB3Ind { reason_b3, ncpi } => {
            set("Reason_B3", num(*reason_b3));
            set("NCPI", st(ncpi));
        }
        DisconnectInd { reason } => set("Reason", num(*reason)),
        FacilityReq {
            selector,
            parameter,
        } => {
            set("FacilitySelector", num(*selector));
            set("FacilityRequestParameter", st(parameter));
        }
        FacilityConf {
            info,
            selector,
            parameter,
        } => {
            set("Info", num(*info));
            set("FacilitySelector", num(*selector));
            set("FacilityConfirmationParameter", st(parameter));
        }
        FacilityInd {
            selector,
            parameter,
        } => {
            set("FacilitySelector", num(*selector));
            set("FacilityIndicationParameter", st(parameter));
        }
        FacilityResp {
            selector,
            parameter,
        } => {
            set("FacilitySelector", num(*selector));
            set("FacilityResponseParameters", st(parameter));
        }
        InfoReq {
            called: c,
            additional: a,
        } => {
            set("CalledPartyNumber", called(c));
            additional(a, &mut set);
        }
        InfoInd { number, element } => {
            set("InfoNumber", num(*number));
            set("InfoElement", st(element));
        }
        ListenReq {
            info_mask,
            cip_mask,
            cip_mask2,
            calling: c,
            calling_subaddress,
        } => {
            set("InfoMask", info_mask.to_string());
            set("CIPmask", cip_mask.to_string());
            set("CIPmask2", cip_mask2.to_string());
            set("CallingPartyNumber", calling(c));
            set("CallingPartySubaddress", st(calling_subaddress));
        }
        other => panic!("a sample this test does not know: {other:?}"),
    }
    f
}

/// Builds the C program against libcapi20 in `dir`.
fn build_fields_program(dir: &Path) -> std::path::PathBuf {
    let src = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/capi/libcapi20_fields.c");
    let exe = dir.join("libcapi20_fields");
    let out = Command::new("cc")
        .args(["-Wall", "-Werror", "-o"])
        .arg(&exe)
        .arg(&src)
        .arg("-lcapi20")
        .output()
        .expect("cc");
    assert!(
        out.status.success(),
        "cc failed (is libcapi20-dev installed? scripts/setup.sh):\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    exe
}

/// Runs the program over `messages`; one parsed line each.
fn libcapi20_read(exe: &Path, messages: &[Vec<u8>]) -> Vec<BTreeMap<String, String>> {
    let mut child = Command::new(exe)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .expect("start libcapi20_fields");
    {
        let mut stdin = child.stdin.take().unwrap();
        for m in messages {
            writeln!(stdin, "{}", hex(m)).unwrap();
        }
    }
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success());
    String::from_utf8(out.stdout)
        .unwrap()
        .lines()
        .map(|l| {
            l.split(' ')
                .map(|kv| {
                    let (k, v) = kv.split_once('=').expect("key=value");
                    (k.to_string(), v.to_string())
                })
                .collect()
        })
        .collect()
}

#[test]
fn libcapi20_writes_our_octets_and_reads_what_we_meant() {
    let dir = test_kit::Scratch::new("capi-libcapi20");
    let exe = build_fields_program(dir.path());
    // libcapi20's table always has the 64-bit data pointer of DATA_B3, so
    // it reads 8 octets past the end of a 32-bit CAPI message (22 octets)
    // and writes them: that sample is ours only (see the test below).
    let samples: Vec<_> = samples::all()
        .into_iter()
        .filter(|(n, _)| *n != "data-b3-req-32bit")
        .collect();
    let octets: Vec<Vec<u8>> = samples.iter().map(|(_, m)| m.encode()).collect();
    let read = libcapi20_read(&exe, &octets);
    assert_eq!(read.len(), samples.len());
    let mut failures = Vec::new();
    for (((name, msg), ours), mut theirs) in samples.iter().zip(&octets).zip(read) {
        let status = (theirs.remove("decode"), theirs.remove("encode"));
        let bytes = theirs.remove("bytes").unwrap_or_default();
        if status != (Some("0".into()), Some("0".into())) {
            failures.push(format!("{name}: libcapi20 status {status:?}"));
        }
        if bytes != hex(ours) {
            failures.push(format!(
                "{name}: octets differ\n  ours:      {}\n  libcapi20: {bytes}",
                hex(ours)
            ));
        }
        let want = expected_fields(msg);
        for (k, v) in &want {
            if theirs.get(k) != Some(v) {
                failures.push(format!(
                    "{name}: {k} libcapi20 read {:?}, we meant {v}",
                    theirs.get(k)
                ));
            }
        }
        for k in theirs.keys().filter(|k| !want.contains_key(*k)) {
            failures.push(format!("{name}: unexpected field {k}"));
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn a_32bit_data_b3_reads_back_in_our_codec_without_the_64bit_pointer() {
    let (_, msg) = samples::all()
        .into_iter()
        .find(|(n, _)| *n == "data-b3-req-32bit")
        .unwrap();
    let b = msg.encode();
    assert_eq!(b.len(), 22);
    assert_eq!(Message::decode(&b).unwrap().0, msg);
}
