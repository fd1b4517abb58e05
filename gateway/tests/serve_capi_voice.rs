//! Voicemail over a CAPI B-channel in a real `ums serve` (issue 16), to a
//! WAV by mail: the gateway's `[[capi]]` line answers its one MSN in
//! auto-detect mode. A caller on the remote-CAPI controller simulator (our
//! native client, in this process, real time) hears the greeting's beep,
//! speaks a real spoken message (espeak-ng, through the B-channel's
//! bit-reversed A-law) and presses `#` (CAPI DTMF): the recording ends on
//! the key, and the message reaches Anna's mailbox through Postfix as a
//! mail whose WAV, decoded by Python's email package, carries the speech
//! (duration and energy). Then a fax machine calls the same MSN: its
//! calling tone switches the call to fax, and the fax arrives as a mail
//! with its PDF.
//!
//! Needs Postfix, espeak-ng and sox (scripts/setup.sh --test).
//! Ports: SMTP 41280, Postfix 41281 (the simulator takes a free one).

mod capi_kit;
mod serve_harness;

use std::process::Command;

use capi_kit::voice_kit::{energy, speech};
use capi_kit::*;
use kernel::voice::wav::read_wav;
use serve_harness::*;
use test_kit::{Postfix, Scratch};

/// The header `name` of the mail in `text` (first occurrence).
fn header<'a>(mail: &'a str, name: &str) -> Option<&'a str> {
    let key = format!("{name}: ");
    mail.lines().find_map(|l| l.strip_prefix(key.as_str()))
}

#[test]
fn a_voice_message_over_capi_arrives_as_a_wav_by_mail_and_a_fax_on_the_same_msn_as_a_pdf() {
    let dir = Scratch::new("serve-capi-voice");
    let sim = simulator();
    let (smtp, relay) = (41280, 41281);
    let postfix = Postfix::start("capi-voice", relay, smtp);
    let file = dir.join("ums.toml");
    std::fs::write(
        &file,
        format!(
            "[smtp]\nlisten = \"127.0.0.1:{smtp}\"\nhostname = \"b.example.test\"\n\
             allowed_networks = [\"127.0.0.0/8\"]\n\n\
             [smtp.smart_host]\nhost = \"127.0.0.1\"\nport = {relay}\ntls = \"none\"\n\n\
             [delivery]\nmode = \"mail\"\n\n\
             [directory]\ndefault_recipient = \"postmaster@example.test\"\n\n\
             [lines]\nnumbers = []\nident = \"+49 30 100\"\n\n\
             [[user]]\nid = \"anna\"\nemail = \"anna@example.test\"\n\n\
             [[route]]\npattern = \"+*\"\nmailbox = \"user:anna\"\nanswer = \"auto-detect\"\n\n\
             [[capi]]\nname = \"isdn\"\nremote = \"{}\"\nb_channels = 2\n\
             numbers = [\"4930100\"]\ncalling_number = \"4930100\"\n",
            sim.addr()
        ),
    )
    .unwrap();
    let gw = checked_gateway(&file, smtp, &["capi-in-service", "capi/isdn/2"], 20);
    let log = &gw.log;

    // A caller leaves a message and ends it with #.
    let spoken = speech(
        &dir,
        "speech",
        "Hello Anna, this is Bert. I called you over I S D N. Please call me back tomorrow.",
    );
    let call = leave_message(sim.addr(), "4930777", "4930100", &spoken, 90);
    assert!(call.beep_frames >= 10, "{call:?}\n{}", read(log));
    assert!(call.spoke, "{call:?}\n{}", read(log));
    // Ended by the key (within a second), not by 5 s of silence.
    let after = call.hung_up_after.expect("the gateway hung up");
    assert!(after < 50, "{after} frames after #");

    let mails = postfix.wait_mail("anna", 1, std::time::Duration::from_secs(120));
    let mail = std::fs::read_to_string(&mails[0]).unwrap();
    assert_eq!(
        header(&mail, "Message-Context"),
        Some("voice-message"),
        "{mail}"
    );
    assert!(mail.contains("4930777"), "the caller's number: {mail}");
    let wavs = attachments(&mails[0], &dir.join("wav"), "audio/wav");
    assert_eq!(wavs.len(), 1, "{mail}");
    let got = read_wav(&std::fs::read(&wavs[0]).unwrap()).expect("a WAV");
    assert_eq!(got.rate, 8000);
    // The WAV's length and loudness are the speech's: what the caller said,
    // not the greeting, silence or noise.
    let (got_secs, spoken_secs) = (got.duration_secs(), spoken.len() as f64 / 8000.0);
    let ratio = energy(&got.samples) / energy(&spoken);
    eprintln!("speech {spoken_secs:.2} s, recording {got_secs:.2} s, energy ratio {ratio:.2}");
    assert!(
        (got_secs - spoken_secs).abs() <= 0.5,
        "{got_secs} s recorded, {spoken_secs} s spoken"
    );
    assert!((0.7..1.3).contains(&ratio), "energy through A-law: {ratio}");
    // sox, not our reader, agrees that it is a WAV of that length.
    let o = Command::new("soxi")
        .arg("-D")
        .arg(&wavs[0])
        .output()
        .unwrap();
    let soxi: f64 = text(&o).trim().parse().expect("soxi -D prints seconds");
    assert!((soxi - got_secs).abs() < 0.05, "soxi {soxi} s");

    // A fax machine calls the same MSN: CNG switches the call to fax.
    let (far, calls) = far_machine(sim.addr(), dir.to_path_buf());
    let pages = pages(2, 70);
    far.send(FarCommand::Send("4930100".into(), pages)).unwrap();
    let got =
        ended(&calls, 180).unwrap_or_else(|| panic!("the fax call did not end\n{}", read(log)));
    assert!(got.success, "{got:?}\n{}", read(log));
    assert_eq!(got.pages, 2, "{got:?}");
    let mails = postfix.wait_mail("anna", 2, std::time::Duration::from_secs(120));
    let fax = mails
        .iter()
        .map(|m| (m, std::fs::read_to_string(m).unwrap()))
        .find(|(_, t)| header(t, "Message-Context") == Some("fax-message"))
        .unwrap_or_else(|| panic!("no fax mail among {mails:?}"));
    let pdfs = attachments(fax.0, &dir.join("pdf"), "application/pdf");
    assert_eq!(pdfs.len(), 1, "{}", fax.1);
    let o = Command::new("pdfinfo").arg(&pdfs[0]).output().unwrap();
    assert!(text(&o).contains("Pages:           2"), "{}", text(&o));
    let _ = far.send(FarCommand::Stop);
}
