//! The web journal in a real browser: Debian's chromium, headless, driven
//! over WebDriver (chromedriver) against the real `ums serve` on its
//! embedded default and simulated phone network. One user logs in, sees the
//! journal, previews and sends a PDF, watches it go from queued to sent
//! without a reload, opens it (the page thumbnails load), plays a voicemail,
//! sends it again to another number; a second user sees none of it.
//! Screenshots of each page: the scratch directory and
//! `target/browser-shots/`.

mod serve_harness;
mod webdriver;

use std::io::Write;
use std::path::Path;
use std::process::Stdio;

use kernel::message::{Direction, Message, Service, Status, Timestamp};
use kernel::store::{Record, Store};
use serde_json::json;
use serve_harness::{listening, read, spawn, wait_for};
use test_kit::Proc;

const SMTP: u16 = 2971;
const WEB: u16 = 8971;
const DRIVER: u16 = 9571;

/// `ums passwd ID` through the running gateway.
fn passwd(data: &Path, id: &str, password: &str) {
    let mut p = serve_harness::ums()
        .args(["passwd", id, "--data", data.to_str().unwrap()])
        .stdin(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    p.stdin
        .take()
        .unwrap()
        .write_all(format!("{password}\n").as_bytes())
        .unwrap();
    let out = p.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
}

/// Two seconds of a 440 Hz tone: PCM 16-bit, 8 kHz, mono.
fn wav() -> Vec<u8> {
    let samples: Vec<i16> = (0..16_000)
        .map(|i| ((i as f64 * 440.0 * std::f64::consts::TAU / 8000.0).sin() * 8000.0) as i16)
        .collect();
    let data_len = (samples.len() * 2) as u32;
    let mut w = Vec::new();
    w.extend_from_slice(b"RIFF");
    w.extend_from_slice(&(36 + data_len).to_le_bytes());
    w.extend_from_slice(b"WAVEfmt ");
    w.extend_from_slice(&16u32.to_le_bytes());
    w.extend_from_slice(&1u16.to_le_bytes()); // PCM
    w.extend_from_slice(&1u16.to_le_bytes()); // mono
    w.extend_from_slice(&8000u32.to_le_bytes());
    w.extend_from_slice(&16000u32.to_le_bytes());
    w.extend_from_slice(&2u16.to_le_bytes());
    w.extend_from_slice(&16u16.to_le_bytes());
    w.extend_from_slice(b"data");
    w.extend_from_slice(&data_len.to_le_bytes());
    for s in samples {
        w.extend_from_slice(&s.to_le_bytes());
    }
    w
}

/// The simulated network cannot leave a voicemail (it calls in with fax
/// only), so the store gets one before the gateway starts, as the runner
/// keeps it: a WAV in the spool and an incoming voice record for `user`.
fn seed_voicemail(data: &Path, user: &str, address: &str) -> u64 {
    let spool = data.join("spool");
    std::fs::create_dir_all(&spool).unwrap();
    let store = Store::open(&data.join("store")).unwrap();
    let id = store.next_id().unwrap();
    let path = spool.join(format!("{}.wav", id.0));
    std::fs::write(&path, wav()).unwrap();
    #[allow(clippy::disallowed_methods)] // the test's own wall clock, not an engine's
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as u64;
    let mut m = Message::new(id, Direction::Incoming, Service::Voice, Timestamp(now));
    m.user = Some(user.into());
    m.recipient_address = Some(address.into());
    m.caller_number = Some("+4930555123".into());
    m.duration_secs = 2;
    m.status = Status::Received;
    m.document = Some(path.display().to_string());
    store
        .insert_batch(&[Record {
            message: m,
            job: None,
        }])
        .unwrap();
    store.flush().unwrap();
    id.0
}

/// A two-page PDF made by our own page model (CCITT G4 inside).
fn pdf(path: &Path) {
    use fax_t30::page::{BilevelPage, Resolution};
    let pages: Vec<_> = (1..=2u32)
        .map(|i| {
            let mut p = BilevelPage::blank(1728, 2200, Resolution::Fine);
            for y in 200..260 {
                for x in 200..(200 + 300 * i) {
                    p.set(x, y, true);
                }
            }
            fax_t30::tiff::TiffPage::from_page(&p, fax_t30::codec::Compression::T6)
        })
        .collect();
    std::fs::write(
        path,
        fax_t30::pdf::pdf_from_pages(&pages, &Default::default()),
    )
    .unwrap();
}

/// A script: how many `<img>`s `css` matches once every one has loaded a
/// picture (complete, naturalWidth > 0); false before.
fn images_loaded(css: &str) -> String {
    format!(
        "var imgs = document.querySelectorAll(\"{css}\");\
         if (!imgs.length) return false;\
         for (var i = 0; i < imgs.length; i++) {{ imgs[i].scrollIntoView();\
           if (!imgs[i].complete || imgs[i].naturalWidth === 0) return false; }}\
         return imgs.length;"
    )
}

#[test]
fn a_user_in_a_real_browser() {
    if !webdriver::available() {
        return;
    }
    let dir = test_kit::Scratch::new("web-browser");
    let shots = dir.subdir("shots");
    let data = dir.subdir("data");
    let log = dir.path().join("serve.log");
    let voicemail = seed_voicemail(&data, "user0", "fax@localhost");
    let web = format!("127.0.0.1:{WEB}");
    let smtp = format!("127.0.0.1:{SMTP}");
    let args = [
        "--data",
        data.to_str().unwrap(),
        "--smtp",
        &smtp,
        "--web",
        &web,
        "--user",
        "fax@localhost",
        "--user",
        "bob@localhost",
    ];
    let _serve = Proc(spawn(&args, &log));
    assert!(wait_for(30, || listening(WEB)), "{}", read(&log));
    assert!(wait_for(10, || read(&log).contains("password ")));
    passwd(&data, "user0", "fax user pass 1");
    passwd(&data, "user1", "bob user pass 1");
    let driver = webdriver::Driver::start(DRIVER, &dir.path().join("chromedriver.log"));
    let base = format!("http://{web}");

    // Log in: the journal, with the voicemail.
    let a = driver.session(&dir.subdir("profile-a"));
    a.goto(&format!("{base}/journal"));
    a.type_into("input[name=user]", "user0");
    a.type_into("input[name=password]", "fax user pass 1");
    a.screenshot(&shots, "01-login");
    a.click("form[action='/login'] button");
    a.find(&format!("tr[data-id='{voicemail}']"));
    assert!(a.url().ends_with("/journal"), "{}", a.url());
    a.screenshot(&shots, "02-journal");

    // Send a PDF: preview its pages first.
    let doc = dir.path().join("offer.pdf");
    pdf(&doc);
    a.goto(&format!("{base}/send"));
    a.type_into("input[name=to]", "0895551");
    a.type_into("input[name=subject]", "Offer from the browser");
    a.type_into("input[name=file]", doc.to_str().unwrap());
    a.click("button[value=preview]");
    a.find("form[action^='/send/preview/']");
    let n = a
        .wait(20, &images_loaded(".pages img"))
        .unwrap_or_else(|| panic!("preview pages did not load: {}", a.text("body")));
    assert_eq!(n, 2, "two pages previewed");
    a.screenshot(&shots, "03-preview");
    a.click("form[action^='/send/preview/'] button");
    a.find("a[href^='/messages/']");
    let id: u64 = a
        .js(
            "return document.querySelector(\"main a[href^='/messages/'], a[href^='/messages/']\").getAttribute('href');",
            json!([]),
        )
        .as_str()
        .unwrap()
        .trim_start_matches("/messages/")
        .parse()
        .unwrap();
    a.screenshot(&shots, "04-sent");

    // Live: the row goes from queued to sent without a reload.
    a.goto(&format!("{base}/journal"));
    a.find(&format!("tr[data-id='{id}']"));
    a.js(
        "window.umsNoReload = true; window.umsSeen = [];\
         var cell = document.querySelector(\"tr[data-id='\" + arguments[0] + \"'] .status\");\
         window.umsSeen.push(cell.textContent);\
         new MutationObserver(function () { window.umsSeen.push(cell.textContent); })\
           .observe(cell, {childList: true, characterData: true, subtree: true});",
        json!([id.to_string()]),
    );
    let sent = a.wait(
        120,
        &format!(
            "var c = document.querySelector(\"tr[data-id='{id}'] .status\");\
             return window.umsNoReload === true && c && c.textContent === 'sent';"
        ),
    );
    let seen = a.js("return window.umsSeen;", json!([]));
    assert!(sent.is_some(), "not sent live: {seen}\n{}", read(&log));
    let seen: Vec<String> = serde_json::from_value(seen).unwrap();
    assert!(seen.first().is_some_and(|s| s != "sent"), "{seen:?}");
    assert!(seen.len() >= 2, "{seen:?}");
    eprintln!("live statuses: {seen:?}");
    let pages = a.js(
        "return document.querySelector(\"tr[data-id='\" + arguments[0] + \"'] .page-count\").textContent;",
        json!([id.to_string()]),
    );
    assert_eq!(pages, json!("2/2"), "the pages cell follows the status");
    a.screenshot(&shots, "05-journal-live-sent");

    // The message: its page thumbnails load.
    a.goto(&format!("{base}/messages/{id}"));
    let n = a
        .wait(20, &images_loaded(".pages img"))
        .expect("thumbnails load");
    assert_eq!(n, 2);
    a.js("window.scrollTo(0, 0);", json!([]));
    a.screenshot(&shots, "06-message");

    // Send it again to another number.
    a.type_into(
        &format!("form[action='/messages/{id}/resend'] input[name=number]"),
        "0895552",
    );
    a.click(&format!("form[action='/messages/{id}/resend'] button"));
    let path = a
        .wait(
            20,
            &format!("var p = location.pathname; return p !== '/messages/{id}' && p.startsWith('/messages/') && p;"),
        )
        .expect("the new message's page");
    let again: u64 = path.as_str().unwrap()["/messages/".len()..]
        .parse()
        .unwrap();
    assert!(a.text("main").contains("+49895552"), "{}", a.text("main"));
    a.goto(&format!("{base}/journal"));
    a.find(&format!("tr[data-id='{again}']"));
    assert!(
        a.text(&format!("tr[data-id='{again}']")).contains("5552"),
        "{}",
        a.text("tbody")
    );
    a.screenshot(&shots, "07-resent");

    // The voicemail plays in its <audio> element.
    a.goto(&format!("{base}/messages/{voicemail}"));
    a.find("audio");
    let played = a.js_async(
        "var done = arguments[arguments.length - 1];\
         var au = document.querySelector('audio');\
         au.play().then(function () {\
           setTimeout(function () { done({t: au.currentTime, d: au.duration, err: null}); }, 700);\
         }).catch(function (e) { done({t: 0, d: au.duration, err: String(e)}); });",
        json!([]),
    );
    assert!(played["err"].is_null(), "{played}");
    assert!(played["t"].as_f64().unwrap() > 0.0, "{played}");
    assert!(
        (played["d"].as_f64().unwrap() - 2.0).abs() < 0.1,
        "{played}"
    );
    a.screenshot(&shots, "08-voicemail");

    // A second user sees none of it.
    let b = driver.session(&dir.subdir("profile-b"));
    b.goto(&format!("{base}/login"));
    b.type_into("input[name=user]", "user1");
    b.type_into("input[name=password]", "bob user pass 1");
    b.click("form[action='/login'] button");
    b.find("form.filters[action='/journal']");
    let rows = b.js(
        "return document.querySelectorAll('tr[data-id]').length;",
        json!([]),
    );
    assert_eq!(rows, 0, "{}", b.text("main"));
    b.screenshot(&shots, "09-other-user-journal");
    for m in [id, voicemail] {
        b.goto(&format!("{base}/messages/{m}"));
        let body = b.text("body");
        assert!(body.contains("No such message."), "{body}");
        assert!(!body.contains("Offer from the browser"), "{body}");
        assert!(
            b.js(
                "return document.querySelectorAll('img, audio').length;",
                json!([])
            ) == 0
        );
    }
    b.screenshot(&shots, "10-other-user-message");
}
