//! The simulator's text mode (3GPP TS 27.005 §3, `+CMGF=1`), which our
//! engine does not use but DTE software may: a text sent with
//! `AT+CMGS="<number>"`, the prompt and Ctrl-Z arrives on the other modem;
//! `+CMGL="ALL"` and `+CMGR` list it with its sender and time stamp; the
//! PIN-locked SIM and a bad number answer `+CMS ERROR`.

mod gsm_sim;

use std::time::Duration;

use gsm_sim::Network;

const A: &str = "+491701000001";
const B: &str = "+491701000002";

/// Writes `bytes` to modem `i` and returns what it answers.
fn talk(net: &mut Network, i: usize, bytes: &str) -> String {
    net.input(i, bytes.as_bytes(), test_kit::origin());
    String::from_utf8(net.output(i)).expect("text")
}

#[test]
fn text_mode_sends_lists_and_reads() {
    let mut net = Network::new(&[A, B]);
    net.delay = Duration::ZERO;
    assert_eq!(talk(&mut net, 0, "ATE0\r"), "ATE0\r\r\nOK\r\n");
    assert_eq!(talk(&mut net, 0, "AT+CMGF=1\r"), "\r\nOK\r\n");
    assert_eq!(talk(&mut net, 0, "AT+CMEE=1\r"), "\r\nOK\r\n");
    assert_eq!(
        talk(&mut net, 0, "AT+CMGS=\"not a number\"\r"),
        "\r\n+CMS ERROR: 305\r\n"
    );
    assert_eq!(talk(&mut net, 0, &format!("AT+CMGS=\"{B}\"\r")), "\r\n> ");
    assert_eq!(
        talk(&mut net, 0, "Hi B, 10€\x1a"),
        "\r\n+CMGS: 1\r\n\r\nOK\r\n"
    );
    net.tick(test_kit::origin() + Duration::from_millis(1));
    assert_eq!(net.delivered.len(), 1);
    talk(&mut net, 1, "ATE0\r");
    assert_eq!(talk(&mut net, 1, "AT+CMGF=1\r"), "\r\nOK\r\n");
    let list = talk(&mut net, 1, "AT+CMGL=\"ALL\"\r");
    assert_eq!(
        list,
        format!("\r\n+CMGL: 1,\"REC UNREAD\",\"{A}\",,\"26/12/07,15:04:59+04\"\r\nHi B, 10€\r\n\r\nOK\r\n")
    );
    let read = talk(&mut net, 1, "AT+CMGR=1\r");
    assert!(read.starts_with("\r\n+CMGR: \"REC READ\""), "{read:?}");
    // And in PDU mode the same message is a PDU.
    assert_eq!(talk(&mut net, 1, "AT+CMGF=0\r"), "\r\nOK\r\n");
    let pdu = talk(&mut net, 1, "AT+CMGR=1\r");
    assert!(pdu.starts_with("\r\n+CMGR: 1,,"), "{pdu:?}");
}

#[test]
fn a_locked_sim_refuses_sms_commands() {
    let mut net = Network::new(&[A]);
    let m = net.modems.remove(0).with_pin("1234");
    net.modems.push(m);
    talk(&mut net, 0, "ATE0\r");
    assert_eq!(talk(&mut net, 0, "AT+CMEE=2\r"), "\r\nOK\r\n");
    assert_eq!(
        talk(&mut net, 0, "AT+CPIN?\r"),
        "\r\n+CPIN: SIM PIN\r\n\r\nOK\r\n"
    );
    assert_eq!(
        talk(&mut net, 0, "AT+CMGL=4\r"),
        "\r\n+CMS ERROR: SIM PIN required\r\n"
    );
    assert_eq!(
        talk(&mut net, 0, "AT+CPIN=\"9999\"\r"),
        "\r\n+CME ERROR: incorrect password\r\n"
    );
    assert_eq!(talk(&mut net, 0, "AT+CPIN=\"1234\"\r"), "\r\nOK\r\n");
    assert_eq!(talk(&mut net, 0, "AT+CMGL=4\r"), "\r\nOK\r\n");
}
