//! `ums serve` killed with SIGKILL right after it answered 250: the message
//! is in the store after the restart, and the restarted gateway sends it.

mod serve_harness;

use std::process::Command;
use std::time::Duration;

use serve_harness::serve_as_anna as serve;

use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use test_kit::Scratch;

#[test]
fn a_message_answered_250_survives_kill_9_and_is_sent_after_restart() {
    let dir = Scratch::new("kill9");
    let data = dir.join("data");
    let res = Resolution::Standard;
    let page = BilevelPage::test_pattern(PaperSize::A4.width(), PaperSize::A4.rows(res), res, 9);
    let doc = dir.join("doc.tif");
    gateway::document::write_pages(&doc, &[page]).unwrap();

    let mut ums = serve(&data, 2781);
    let out = Command::new("swaks")
        .args([
            "--server",
            "127.0.0.1",
            "--port",
            "2781",
            "--from",
            "anna@example.test",
            "--to",
            "5550@fax.localhost",
        ])
        .args(["--attach-type", "image/tiff", "--attach"])
        .arg(&doc)
        .output()
        .expect("swaks");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("<-  250 2.0.0"), "{text}");
    // SIGKILL at once: no shutdown, no flush at exit.
    ums.kill().unwrap();
    ums.wait().unwrap();

    {
        let store =
            kernel::store::Store::open(&data.join("store")).expect("store opens after kill -9");
        let recs: Vec<_> = store.all().map(|r| r.unwrap()).collect();
        assert_eq!(recs.len(), 1, "the accepted message is there");
        assert_eq!(
            recs[0].message.recipient_number.as_deref(),
            Some("+49895550")
        );
        // The render pool works after the 250: the record has its
        // rendered document, or still names the mail as received; either
        // was flushed whole before the 250.
        match (&recs[0].message.document, &recs[0].message.raw_mail) {
            (Some(doc), _) => {
                let bytes = std::fs::read(doc).expect("the document was flushed too");
                assert_eq!(
                    fax_t30::tiff::read_tiff(&bytes, doc).map(|p| p.len()).ok(),
                    Some(2),
                    "the whole document was flushed"
                );
            }
            (None, Some(raw)) => {
                let bytes =
                    kernel::spool::RawSpool::read(raw).expect("the raw mail was flushed too");
                let name = doc.file_name().unwrap().to_str().unwrap();
                assert!(
                    bytes.windows(name.len()).any(|w| w == name.as_bytes())
                        && bytes.ends_with(b"\r\n"),
                    "the whole mail with its attachment was flushed"
                );
                assert!(recs[0].job.is_none(), "no job before its pages exist");
            }
            (None, None) => panic!("neither a document nor the raw mail: {recs:?}"),
        }
    }

    // Restarted, the gateway sends it to the simulated far end.
    let mut ums = serve(&data, 2781);
    let received = data.join("virtual-network/0895550/fax-0001.tif");
    let mut ok = false;
    for _ in 0..1200 {
        // swaks's body text, typeset, and the TIFF's page.
        if fax_t30::tiff::read_tiff_file(&received).is_ok_and(|p| p.len() == 2) {
            ok = true;
            break;
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = Command::new("kill")
        .args(["-TERM", &ums.id().to_string()])
        .status();
    let _ = ums.wait();
    assert!(ok, "the far end never got the fax");
}
