//! Issue 4, render after the 250: `ums serve` killed with SIGKILL right
//! after it answered 250 for a fax whose rendering takes seconds (a large
//! image). At the kill the record is "accepted, not rendered" (its raw mail
//! synced in the raw spool, no job yet); after the restart the gateway renders
//! it and sends it.

mod serve_harness;

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use serve_harness::serve_as_anna as serve;
use test_kit::Scratch;

const PORT: u16 = 41000;

/// A 6000 × 6000 gray PNG (a checkerboard: small on disk, 36 million
/// pixels to decode, scale and dither: seconds of rendering, one page).
fn large_png(path: &Path) {
    let script = r#"
import struct, sys, zlib
w = h = 6000
def chunk(t, d):
    c = struct.pack(">I", len(d)) + t + d
    return c + struct.pack(">I", zlib.crc32(t + d) & 0xffffffff)
a = bytes(((x // 40) % 2) * 255 for x in range(w))
b = bytes(255 - v for v in a)
raw = b"".join(b"\x00" + (a if (y // 40) % 2 else b) for y in range(h))
png = b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 0, 0, 0, 0))
png += chunk(b"IDAT", zlib.compress(raw, 9)) + chunk(b"IEND", b"")
open(sys.argv[1], "wb").write(png)
"#;
    let ok = Command::new("python3")
        .args(["-c", script])
        .arg(path)
        .status()
        .expect("python3");
    assert!(ok.success(), "the PNG was not written");
}

#[test]
fn a_fax_killed_before_its_render_is_rendered_and_sent_after_restart() {
    let dir = Scratch::new("kill9-render");
    let data = dir.join("data");
    let png = dir.join("large.png");
    large_png(&png);

    let mut ums = serve(&data, PORT);
    let out = Command::new("swaks")
        .args([
            "--server",
            "127.0.0.1",
            "--port",
            &PORT.to_string(),
            "--from",
            "anna@example.test",
            "--to",
            "5550@fax.localhost",
        ])
        .args(["--attach-type", "image/png", "--attach"])
        .arg(&png)
        .output()
        .expect("swaks");
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(0), "{text}");
    assert!(text.contains("<-  250 2.0.0"), "{text}");
    // SIGKILL at once: the render pool is still at work.
    ums.kill().unwrap();
    ums.wait().unwrap();

    let raw: String;
    {
        let store =
            kernel::store::Store::open(&data.join("store")).expect("store opens after kill -9");
        let recs: Vec<_> = store.all().map(|r| r.unwrap()).collect();
        assert_eq!(recs.len(), 1, "the accepted message is there");
        let m = &recs[0].message;
        assert_eq!(m.recipient_number.as_deref(), Some("+49895550"));
        assert!(
            recs[0].job.is_none() && m.document.is_none(),
            "the kill came after the render: the test proves nothing ({recs:?})"
        );
        raw = m.raw_mail.clone().expect("it names its raw mail");
        let bytes =
            kernel::spool::RawSpool::read(&raw).expect("the raw mail was flushed before the 250");
        assert!(
            bytes.windows(9).any(|w| w == b"large.png"),
            "the whole mail with its attachment is in the spool"
        );
        assert_eq!(store.unrendered().unwrap().len(), 1);
    }

    // Restarted, the gateway renders it and sends it to the far end.
    let mut ums = serve(&data, PORT);
    let received = data.join("virtual-network/0895550/fax-0001.tif");
    let mut pages = None;
    for _ in 0..3000 {
        // The far end writes page by page: wait for both.
        if let Ok(p) = fax_t30::tiff::read_tiff_file(&received) {
            pages = Some(p.len());
            if p.len() >= 2 {
                break;
            }
        }
        std::thread::sleep(Duration::from_millis(100));
    }
    let _ = Command::new("kill")
        .args(["-TERM", &ums.id().to_string()])
        .status();
    let _ = ums.wait();
    let pages = pages.expect("the far end never got the fax");
    // swaks's body text on the cover, and the image's page.
    assert_eq!(pages, 2, "cover and image page");
    let store = kernel::store::Store::open(&data.join("store")).unwrap();
    let recs: Vec<_> = store.all().map(|r| r.unwrap()).collect();
    assert_eq!(recs.len(), 1);
    let m = &recs[0].message;
    assert!(m.raw_mail.is_none(), "rendered: {m:?}");
    assert_eq!(m.pages, 2, "the record has the rendered page count");
    assert!(
        m.document
            .as_deref()
            .is_some_and(|d| Path::new(d).is_file()),
        "{m:?}"
    );
    assert!(
        kernel::spool::RawSpool::read(&raw).is_err(),
        "the raw mail's segment is removed once rendered"
    );
    assert!(store.unrendered().unwrap().is_empty());
}
