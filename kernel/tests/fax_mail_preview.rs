//! The incoming-fax mail as a person sees it: its HTML report, rendered by a
//! real browser (headless Chromium), shows the fax's first page under the
//! report, from the `cid:` image beside it in the mail.
//!
//! Chromium reads MIME itself: a `multipart/related` entity is an MHTML
//! document, where `cid:` URLs name the entity's parts by Content-ID, as
//! in a mail client. The test hands it the mail's `multipart/related` part
//! byte for byte and counts the black pixels of the screenshot: the fax
//! page is mostly a black box, the report around it is text. The same part
//! with the Content-ID changed (a broken reference) must show no page, so
//! the count proves the image was found, not that something was drawn.

use std::path::Path;
use std::process::Command;

use fax_t30::page::{PaperSize, Resolution};
use image::GenericImageView;
use kernel::message::{Direction, Message, MessageId, Service, Timestamp};
use kernel::render::{page_png, render_image, PageSetup, PREVIEW_WIDTH};
use kernel::report::{
    incoming_mail, incoming_mail_with_preview, Incoming, Language, Media, ReportConfig,
};
use mail_parser::{MessageParser, MimeHeaders, PartType};
use test_kit::Scratch;

const T0: Timestamp = Timestamp(1_795_811_201_000);

/// The first page of a fax: a black box over two thirds of it, drawn by
/// ImageMagick and rendered as the gateway renders an image.
fn first_page_png(dir: &Path) -> Vec<u8> {
    let drawn = dir.join("page.png");
    let ok = Command::new("convert")
        .args(["-size", "1240x1754", "xc:white", "-fill", "black"])
        .args(["-draw", "rectangle 150,300 1090,1450"])
        .arg(&drawn)
        .status()
        .expect("convert (imagemagick, scripts/setup.sh --test)");
    assert!(ok.success());
    let setup = PageSetup::new(PaperSize::A4, Resolution::Fine);
    let pages = render_image(&std::fs::read(&drawn).unwrap(), "page.png", &setup).unwrap();
    page_png(&pages[0], PREVIEW_WIDTH)
}

fn received_fax() -> Message {
    let mut m = Message::new(MessageId(42), Direction::Incoming, Service::Fax, T0);
    m.caller_number = Some("+49897654321".into());
    m.recipient_number = Some("+4930555123".into());
    m.recipient_address = Some("bob@example.com".into());
    m.pages = 1;
    m.transmit_speed = 14400;
    m
}

/// A screenshot of `mhtml` in headless Chromium, 800 x 1400.
fn screenshot(dir: &Path, mhtml: &Path, name: &str) -> image::GrayImage {
    let shot = dir.join(format!("{name}.png"));
    let out = Command::new("chromium")
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--hide-scrollbars",
        ])
        .arg(format!("--user-data-dir={}", dir.join("profile").display()))
        .args(["--window-size=800,1400", "--virtual-time-budget=5000"])
        .arg(format!("--screenshot={}", shot.display()))
        .arg(format!("file://{}", mhtml.display()))
        .output()
        .expect("chromium (scripts/setup.sh --test)");
    assert!(
        shot.is_file(),
        "no screenshot: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    image::open(&shot).expect("a PNG").to_luma8()
}

fn black_pixels(img: &image::GrayImage) -> usize {
    img.pixels().filter(|p| p.0[0] < 64).count()
}

#[test]
fn the_html_report_shows_the_first_page_in_a_browser_and_the_text_is_unchanged() {
    let dir = Scratch::new("fax-mail-preview");
    let png = first_page_png(&dir);
    let msg = received_fax();
    let pdf = b"%PDF-1.4\n".to_vec();
    let inc = Incoming {
        message: &msg,
        media: Media::Fax {
            pdf: Some(&pdf),
            tiff: None,
        },
        language: Language::En,
        now: T0,
    };
    let cfg = ReportConfig::new("ums.example.com", "example.com");
    let mail = incoming_mail_with_preview(&cfg, &inc, Some(&png));
    let parsed = MessageParser::default().parse(&mail.data).unwrap();

    // The text report, for readers that show text only, is the one of a
    // mail without preview.
    let plain = incoming_mail(&cfg, &inc);
    let plain = MessageParser::default().parse(&plain.data).unwrap();
    assert_eq!(parsed.body_text(0), plain.body_text(0));
    assert!(parsed.body_text(0).unwrap().contains("+49897654321"));

    // The HTML and the image are one multipart/related, byte for byte an
    // MHTML document.
    let related = parsed
        .parts
        .iter()
        .find(|p| {
            p.content_type()
                .is_some_and(|c| c.ctype() == "multipart" && c.subtype() == Some("related"))
        })
        .expect("a multipart/related part");
    let PartType::Multipart(children) = &related.body else {
        panic!("related is a multipart");
    };
    let image = &parsed.parts[children[1] as usize];
    assert_eq!(image.contents(), &png[..], "the preview, as rendered");
    let cid = image.content_id().expect("the image has a Content-ID");
    let html = parsed.body_html(0).unwrap();
    assert!(html.contains(&format!("src=\"cid:{cid}\"")), "{html}");
    let entity =
        &mail.data[related.raw_header_offset() as usize..related.raw_end_offset() as usize];
    let mhtml = dir.join("report.mhtml");
    std::fs::write(&mhtml, [b"MIME-Version: 1.0\r\n", entity].concat()).unwrap();

    let shown = screenshot(&dir, &mhtml, "report");
    // A broken reference: the same part, the image's Content-ID changed.
    let broken = String::from_utf8_lossy(entity).replace(&format!("<{cid}>"), "<elsewhere@x>");
    let broken_file = dir.join("broken.mhtml");
    std::fs::write(&broken_file, format!("MIME-Version: 1.0\r\n{broken}")).unwrap();
    let missing = screenshot(&dir, &broken_file, "broken");

    // The box is 940 x 1150 of 1240 x 1754 pixels: at 600 pixels wide,
    // some 150,000 black pixels on the screen.
    let (with, without) = (black_pixels(&shown), black_pixels(&missing));
    assert!(
        with > 100_000 && without < 20_000,
        "black pixels: {with} with the page, {without} without (screenshots in {})",
        dir.display()
    );
    // The report's text is drawn above the page: dark pixels in the top rows.
    let top = shown
        .view(0, 0, 800, 150)
        .pixels()
        .filter(|(_, _, p)| p.0[0] < 128)
        .count();
    assert!(top > 200, "no report text above the page: {top}");
}
