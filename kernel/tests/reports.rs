//! Reports and notices, read back by two real mail parsers: `mail-parser`
//! (Rust) and Python's `email` package with `policy=default`
//! (`tests/data/inspect_mail.py`). One test per behaviour.

use kernel::message::{Direction, Message, MessageId, Service, Status, Timestamp};
use kernel::report::{
    confirmation, deletion_notice, error_notice, failure_notice, incoming_mail, mime, Cause,
    Deletion, Dispatch, ErrorReport, Incoming, Language, MailKind, Media, OutgoingMail,
    ReportConfig,
};
use mail_parser::{MessageParser, MimeHeaders};
use serde_json::Value;
use std::io::Write;
use std::process::{Command, Stdio};

const T0: Timestamp = Timestamp(1_795_811_201_000); // 2026-11-27 20:26:41 UTC

fn cfg() -> ReportConfig {
    ReportConfig::new("ums.example.com", "example.com")
}

/// A three-page fax from alice to +49 89 123456, in the given state.
fn outgoing_fax(status: Status) -> Message {
    let mut m = Message::new(MessageId(42), Direction::Outgoing, Service::Fax, T0);
    m.sender_address = Some("alice@example.com".into());
    m.envelope_sender = Some("alice@example.com".into());
    m.recipient_number = Some("+4989123456".into());
    m.recipient_address = Some("+4989123456@fax.example.com".into());
    m.original_recipient = Some("089 123456".into());
    m.subject = Some("Quarterly figures".into());
    m.pages = 3;
    m.pages_sent = if status == Status::Sent { 3 } else { 0 };
    m.transmit_speed = 14400;
    m.remote_station_id = Some("+49 89 123456".into());
    m.duration_secs = 95;
    m.attempts = 2;
    m.status = status;
    m.completed_at = Some(T0.plus_secs(600));
    m
}

fn incoming(service: Service) -> Message {
    let mut m = Message::new(MessageId(42), Direction::Incoming, service, T0);
    m.caller_number = Some("+49897654321".into());
    m.recipient_number = Some("+4930555123".into());
    m.recipient_address = Some("bob@example.com".into());
    m.pages = if service == Service::Fax { 2 } else { 0 };
    m.transmit_speed = if service == Service::Fax { 9600 } else { 0 };
    m.remote_station_id = Some("ACME FAX".into());
    m.line = Some("isdn0/1".into());
    m.duration_secs = 48;
    m
}

/// Bytes with every octet value, so any re-encoding would show.
fn blob(magic: &[u8], len: usize) -> Vec<u8> {
    let mut v = magic.to_vec();
    v.extend((0..len).map(|i| (i * 7 % 256) as u8));
    v
}

/// Python's view of a mail (see `tests/data/inspect_mail.py`); asserts that
/// it found no defects in any part.
fn python(mail: &OutgoingMail) -> Value {
    let script = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/inspect_mail.py");
    let mut child = Command::new("python3")
        .arg(script)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("python3 runs");
    let mut stdin = child.stdin.take().expect("stdin");
    stdin.write_all(&mail.data).expect("write mail");
    drop(stdin);
    let out = child.wait_with_output().expect("python3 finishes");
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(out.status.success(), "python: {stderr}");
    let v: Value = serde_json::from_slice(&out.stdout).expect("json");
    assert_eq!(v["defects"], serde_json::json!([]), "Python found defects");
    v
}

fn py_part<'a>(v: &'a Value, ctype: &str) -> &'a Value {
    v["parts"]
        .as_array()
        .unwrap()
        .iter()
        .find(|p| p["type"] == ctype)
        .unwrap_or_else(|| panic!("no {ctype}"))
}

fn py_text(v: &Value, ctype: &str) -> String {
    py_part(v, ctype)["text"].as_str().unwrap().to_owned()
}

fn parse(mail: &OutgoingMail) -> mail_parser::Message<'_> {
    MessageParser::default()
        .parse(&mail.data)
        .expect("mail-parser parses the mail")
}

/// The per-message and per-recipient blocks of a DSN, parsed by mail-parser
/// as header blocks.
fn rust_dsn_blocks(mail: &OutgoingMail) -> Vec<Vec<(String, String)>> {
    let msg = parse(mail);
    let part = msg
        .parts
        .iter()
        .find(|p| {
            p.content_type()
                .is_some_and(|c| c.ctype() == "message" && c.subtype() == Some("delivery-status"))
        })
        .expect("delivery-status part");
    let body = String::from_utf8(part.contents().to_vec()).unwrap();
    body.split("\r\n\r\n")
        .filter(|b| !b.trim().is_empty())
        .map(|b| {
            let block = format!("{}\r\n\r\n", b.trim_end());
            let parsed = MessageParser::default()
                .parse_headers(block.as_bytes())
                .expect("header block");
            parsed
                .headers_raw()
                .map(|(k, v)| (k.to_owned(), v.trim().to_owned()))
                .collect()
        })
        .collect()
}

fn field<'a>(block: &'a [(String, String)], name: &str) -> &'a str {
    block
        .iter()
        .find(|(k, _)| k.eq_ignore_ascii_case(name))
        .map(|(_, v)| v.as_str())
        .unwrap_or("")
}

#[test]
fn confirmation_is_a_multipart_report_of_type_delivery_status() {
    let msg = outgoing_fax(Status::Sent);
    let mail = confirmation(
        &cfg(),
        &Dispatch::new(&msg, Cause::Sent, Language::En, T0.plus_secs(601)),
    );
    assert_eq!(mail.kind, MailKind::Confirmation);

    let parsed = parse(&mail);
    let ct = parsed.root_part().content_type().unwrap();
    assert_eq!((ct.ctype(), ct.subtype()), ("multipart", Some("report")));
    assert_eq!(ct.attribute("report-type"), Some("delivery-status"));

    let py = python(&mail);
    let types: Vec<&str> = py["parts"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["type"].as_str().unwrap())
        .collect();
    assert_eq!(
        types,
        [
            "multipart/report",
            "multipart/alternative",
            "text/plain",
            "text/html",
            "message/delivery-status"
        ]
    );
    assert_eq!(py["parts"][0]["params"]["report-type"], "delivery-status");
}

#[test]
fn delivered_dsn_fields_parse_as_header_blocks() {
    let msg = outgoing_fax(Status::Sent);
    let mail = confirmation(
        &cfg(),
        &Dispatch::new(&msg, Cause::Sent, Language::En, T0.plus_secs(601)),
    );

    let blocks = py_part(&python(&mail), "message/delivery-status")["blocks"].clone();
    assert_eq!(blocks.as_array().unwrap().len(), 2);
    assert_eq!(blocks[0]["Reporting-MTA"], "dns; ums.example.com");
    assert_eq!(blocks[0]["Arrival-Date"], "Fri, 27 Nov 2026 20:26:41 +0000");
    assert_eq!(
        blocks[1]["Final-Recipient"],
        "rfc822;+4989123456@fax.example.com"
    );
    assert_eq!(blocks[1]["Original-Recipient"], "rfc822;089 123456");
    assert_eq!(blocks[1]["Action"], "delivered");
    assert_eq!(blocks[1]["Status"], "2.0.0");
    assert_eq!(
        blocks[1]["Last-Attempt-Date"],
        "Fri, 27 Nov 2026 20:36:41 +0000"
    );

    let rust = rust_dsn_blocks(&mail);
    assert_eq!(field(&rust[0], "Reporting-MTA"), "dns; ums.example.com");
    assert_eq!(field(&rust[1], "Action"), "delivered");
    assert_eq!(field(&rust[1], "Status"), "2.0.0");
}

#[test]
fn confirmation_text_names_recipient_pages_duration_rate_remote_id_and_attempts() {
    let msg = outgoing_fax(Status::Sent);
    let mail = confirmation(
        &cfg(),
        &Dispatch::new(&msg, Cause::Sent, Language::En, T0.plus_secs(601)),
    );
    let parsed = parse(&mail);
    assert_eq!(parsed.subject(), Some("Fax to +4989123456 sent (3 pages)"));
    let text = parsed.body_text(0).unwrap().into_owned();
    for needle in [
        "Fax to +4989123456 was sent.",
        "089 123456",
        "3 of 3",
        "1:35 min",
        "14400 bit/s",
        "+49 89 123456",
        "Attempts:",
        "Sent and confirmed by the remote station.",
    ] {
        assert!(text.contains(needle), "{needle:?} missing in\n{text}");
    }
    let html = py_text(&python(&mail), "text/html");
    assert!(
        html.contains("<td>3 of 3</td>") && html.contains("<td>14400 bit/s</td>"),
        "{html}"
    );
}

#[test]
fn german_confirmation_round_trips_umlauts_in_subject_and_text() {
    let msg = outgoing_fax(Status::Failed);
    let mail = confirmation(
        &cfg(),
        &Dispatch::new(&msg, Cause::Busy, Language::De, T0.plus_secs(601)),
    );
    let raw = String::from_utf8(mail.data.clone()).unwrap();
    assert!(
        raw.contains("Subject: Fax an +4989123456 nicht =?utf-8?B?"),
        "subject not RFC 2047 encoded"
    );

    let parsed = parse(&mail);
    assert_eq!(
        parsed.subject(),
        Some("Fax an +4989123456 nicht übertragen")
    );
    let py = python(&mail);
    assert_eq!(
        py["parts"][0]["headers"]["Subject"],
        "Fax an +4989123456 nicht übertragen"
    );
    for text in [
        parsed.body_text(0).unwrap().into_owned(),
        py_text(&py, "text/plain"),
    ] {
        for needle in [
            "Gesendete Seiten:",
            "0 von 3",
            "Übertragungsrate:",
            "Gegenstelle:",
            "Die Gegenstelle war besetzt.",
        ] {
            assert!(text.contains(needle), "{needle:?} missing in\n{text}");
        }
    }
    assert!(py_text(&py, "text/html").contains("Übertragungsrate"));
}

#[test]
fn partial_send_resumed_from_a_later_page_says_so() {
    let mut msg = outgoing_fax(Status::Sent);
    msg.attempts = 2;
    let mut d = Dispatch::new(&msg, Cause::Sent, Language::En, T0.plus_secs(601));
    d.resumed_from_page = Some(3);
    let text = parse(&confirmation(&cfg(), &d))
        .body_text(0)
        .unwrap()
        .into_owned();
    assert!(
        text.contains("Resumed:") && text.contains("from page 3;"),
        "{text}"
    );

    d.language = Language::De;
    let text = py_text(&python(&confirmation(&cfg(), &d)), "text/plain");
    assert!(
        text.contains("ab Seite 3;") && text.contains("früheren Anruf"),
        "{text}"
    );
}

#[test]
fn giving_up_after_retries_keeps_the_transient_code_with_action_failed() {
    let mut msg = outgoing_fax(Status::Failed);
    msg.attempts = 4;
    let mail = confirmation(
        &cfg(),
        &Dispatch::new(&msg, Cause::Busy, Language::En, T0.plus_secs(601)),
    );
    let blocks = py_part(&python(&mail), "message/delivery-status")["blocks"].clone();
    assert_eq!(blocks[1]["Action"], "failed");
    assert_eq!(blocks[1]["Status"], "4.4.1");
    assert_eq!(
        blocks[1]["Diagnostic-Code"],
        "X-UMS; Q.850 cause 17: user busy"
    );
    let text = parse(&mail).body_text(0).unwrap().into_owned();
    assert!(
        text.contains("The line was busy.") && text.contains("none left"),
        "{text}"
    );
}

#[test]
fn delayed_report_has_action_delayed_and_the_next_attempt() {
    let msg = outgoing_fax(Status::Retrying);
    let mut d = Dispatch::new(&msg, Cause::NoAnswer, Language::En, T0.plus_secs(601));
    d.next_attempt = Some(T0.plus_secs(1200));
    d.diagnostic = Some("Q.850 cause 18: no user responding");
    let mail = confirmation(&cfg(), &d);
    let rust = rust_dsn_blocks(&mail);
    assert_eq!(field(&rust[1], "Action"), "delayed");
    assert_eq!(field(&rust[1], "Status"), "4.4.1");
    assert_eq!(
        field(&rust[1], "Diagnostic-Code"),
        "X-UMS; Q.850 cause 18: no user responding"
    );
    let text = parse(&mail).body_text(0).unwrap().into_owned();
    assert!(
        text.contains("Next attempt:") && text.contains("2026-11-27 20:46:41 UTC"),
        "{text}"
    );
    assert!(!text.contains("none left"));
}

#[test]
fn failure_notices_for_messages_that_never_got_on_a_line() {
    let cases = [
        (Cause::BadNumber, "5.1.1", "The number does not exist."),
        (
            Cause::InvalidNumber,
            "5.1.3",
            "This is not a valid phone number.",
        ),
        (
            Cause::NotPermitted,
            "5.7.1",
            "You are not permitted to send to this number.",
        ),
        (
            Cause::RenderFailed,
            "5.6.5",
            "The attachment \"budget.xlsx\" could not be converted into fax pages.",
        ),
        (
            Cause::DamagedAttachment,
            "5.6.5",
            "The attachment \"budget.xlsx\" is damaged or not the kind of file its name or type says.",
        ),
    ];
    for (cause, status, reason) in cases {
        let mut msg = outgoing_fax(Status::Failed);
        msg.attempts = 0;
        let mut d = Dispatch::new(&msg, cause, Language::En, T0.plus_secs(5));
        d.attachment = Some("budget.xlsx");
        let mail = failure_notice(&cfg(), &d);
        assert_eq!(mail.kind, MailKind::FailureNotice);
        let py = python(&mail);
        let blocks = &py_part(&py, "message/delivery-status")["blocks"];
        assert_eq!(blocks[1]["Action"], "failed", "{cause:?}");
        assert_eq!(blocks[1]["Status"], status, "{cause:?}");
        assert!(
            blocks[1].get("Last-Attempt-Date").is_none(),
            "no call, no attempt date"
        );
        let text = py_text(&py, "text/plain");
        assert!(
            text.contains(reason) && text.contains("No call was made."),
            "{text}"
        );
        assert_eq!(parse(&mail).subject(), Some("Fax to +4989123456 not sent"));
    }
}

#[test]
fn original_headers_are_attached_and_the_report_is_threaded() {
    let msg = outgoing_fax(Status::Sent);
    let original = b"From: Alice <alice@example.com>\nTo: 089 123456@fax.example.com\nSubject: Quarterly figures\nMessage-ID: <orig-1@mail.example.com>\n\nbody must not appear\n";
    let mut d = Dispatch::new(&msg, Cause::Sent, Language::En, T0.plus_secs(601));
    d.original_headers = Some(original);
    let mail = confirmation(&cfg(), &d);

    let parsed = parse(&mail);
    assert_eq!(
        parsed.in_reply_to().as_text(),
        Some("orig-1@mail.example.com")
    );
    assert_eq!(
        parsed.references().as_text(),
        Some("orig-1@mail.example.com")
    );
    let py = python(&mail);
    let headers = py_text(&py, "text/rfc822-headers");
    assert!(
        headers.contains("Subject: Quarterly figures") && !headers.contains("body must not appear")
    );
    assert_eq!(
        py["parts"][0]["headers"]["In-Reply-To"],
        "<orig-1@mail.example.com>"
    );
}

#[test]
fn reports_use_the_null_reverse_path_and_go_to_the_envelope_sender() {
    let mut msg = outgoing_fax(Status::Sent);
    msg.envelope_sender = Some("bounces+alice@example.com".into());
    let d = Dispatch::new(&msg, Cause::Sent, Language::En, T0.plus_secs(601));
    let mail = confirmation(&cfg(), &d);
    assert_eq!(mail.envelope_from, "");
    assert_eq!(mail.recipients, ["bounces+alice@example.com"]);
    let parsed = parse(&mail);
    assert_eq!(
        parsed.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-replied")
    );
    assert_eq!(
        parsed.message_id(),
        Some("00000042.delivered.2@ums.example.com")
    );
    let py = python(&mail);
    assert_eq!(
        py["addresses"]["From"],
        serde_json::json!([["UMS Gateway", "postmaster@example.com"]])
    );
    // Deterministic: the same input gives the same bytes.
    assert_eq!(confirmation(&cfg(), &d).data, mail.data);

    msg.envelope_sender = Some(String::new()); // the original was itself a bounce
    let mail = confirmation(&cfg(), &Dispatch::new(&msg, Cause::Sent, Language::En, T0));
    assert_eq!(mail.recipients, ["postmaster@example.com"]);
}

#[test]
fn incoming_fax_carries_pdf_and_tiff_byte_for_byte() {
    let msg = incoming(Service::Fax);
    let pdf = blob(b"%PDF-1.4\n", 5000);
    let tiff = blob(b"II*\0", 3000);
    let inc = Incoming {
        message: &msg,
        media: Media::Fax {
            pdf: Some(&pdf),
            tiff: Some(&tiff),
        },
        language: Language::En,
        now: T0,
    };
    let mail = incoming_mail(&cfg(), &inc);
    assert_eq!(mail.kind, MailKind::IncomingFax);

    let parsed = parse(&mail);
    let atts: Vec<_> = parsed.attachments().collect();
    assert_eq!(atts.len(), 2);
    assert_eq!(atts[0].attachment_name(), Some("fax-00000042.pdf"));
    assert_eq!(atts[0].content_type().unwrap().subtype(), Some("pdf"));
    assert_eq!(atts[0].contents(), &pdf[..]);
    assert_eq!(atts[1].attachment_name(), Some("fax-00000042.tif"));
    assert_eq!(atts[1].contents(), &tiff[..]);

    let py = python(&mail);
    let p = py_part(&py, "application/pdf");
    assert_eq!(p["filename"], "fax-00000042.pdf");
    assert_eq!(p["disposition"], "attachment");
    assert_eq!(p["b64"], mime::base64(&pdf));
    assert_eq!(py_part(&py, "image/tiff")["b64"], mime::base64(&tiff));
}

#[test]
fn incoming_fax_preview_is_related_to_the_html_report_and_the_text_is_unchanged() {
    use kernel::render::{page_png, PageSetup, PREVIEW_WIDTH};
    let setup = PageSetup::new(
        fax_t30::page::PaperSize::A4,
        fax_t30::page::Resolution::Fine,
    );
    let png = page_png(&setup.blank_page(), PREVIEW_WIDTH);
    let msg = incoming(Service::Fax);
    let pdf = blob(b"%PDF-1.4\n", 100);
    for language in [Language::En, Language::De] {
        let inc = Incoming {
            message: &msg,
            media: Media::Fax {
                pdf: Some(&pdf),
                tiff: None,
            },
            language,
            now: T0,
        };
        let with = python(&kernel::report::incoming_mail_with_preview(
            &cfg(),
            &inc,
            Some(&png),
        ));
        let without = python(&incoming_mail(&cfg(), &inc));
        assert_eq!(
            py_text(&with, "text/plain"),
            py_text(&without, "text/plain")
        );
        let types: Vec<&str> = with["parts"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p["type"].as_str().unwrap())
            .collect();
        assert_eq!(
            types,
            [
                "multipart/mixed",
                "multipart/alternative",
                "text/plain",
                "multipart/related",
                "text/html",
                "image/png",
                "application/pdf"
            ]
        );
        assert_eq!(
            py_part(&with, "multipart/related")["params"]["type"],
            "text/html"
        );
        let image = py_part(&with, "image/png");
        assert_eq!(image["disposition"], "inline");
        assert_eq!(image["filename"], "fax-00000042-page1.png");
        assert_eq!(image["b64"], mime::base64(&png));
        let cid = image["headers"]["Content-ID"].as_str().unwrap();
        assert_eq!(cid, "<fax-00000042-page1@ums.example.com>");
        let html = py_text(&with, "text/html");
        let alt = match language {
            Language::En => "Page 1 of the fax",
            Language::De => "Seite 1 des Faxes",
        };
        let img = format!(
            "<img src=\"cid:fax-00000042-page1@ums.example.com\" alt=\"{alt}\" width=\"{PREVIEW_WIDTH}\" height=\"828\""
        );
        assert!(html.contains(&img), "{html}");
        // Under the report, before the closing words.
        let at = html.find("<img").unwrap();
        assert!(html.find("</table>").unwrap() < at && at < html.find("<small>").unwrap());
        // Without a preview, the HTML is a part of its own and has no image.
        assert!(!py_text(&without, "text/html").contains("<img"));
    }
}

#[test]
fn incoming_fax_report_in_the_body_in_english_and_german() {
    let mut msg = incoming(Service::Fax);
    msg.unrouted = true;
    let pdf = blob(b"%PDF-1.4\n", 100);
    let mut inc = Incoming {
        message: &msg,
        media: Media::Fax {
            pdf: Some(&pdf),
            tiff: None,
        },
        language: Language::En,
        now: T0,
    };
    let mail = incoming_mail(&cfg(), &inc);
    assert_eq!(mail.recipients, ["bob@example.com"]);
    assert_eq!(mail.envelope_from, "fax-gateway@example.com");
    let parsed = parse(&mail);
    assert_eq!(parsed.subject(), Some("Fax from +49897654321 (2 pages)"));
    assert_eq!(
        parsed.header_raw("Message-Context").map(str::trim),
        Some("fax-message")
    );
    let py = python(&mail);
    assert_eq!(
        py["addresses"]["From"],
        serde_json::json!([["+49897654321", "fax-gateway@example.com"]])
    );
    assert_eq!(
        py["addresses"]["Reply-To"],
        serde_json::json!([["", "+49897654321@fax.example.com"]])
    );
    let text = py_text(&py, "text/plain");
    for needle in [
        "From:",
        "+4930555123",
        "Pages:",
        "2026-11-27 20:26:41 UTC",
        "ACME FAX",
        "isdn0/1",
        "0:48 min",
        "default recipient",
        "fax-00000042.pdf",
    ] {
        assert!(text.contains(needle), "{needle:?} missing in\n{text}");
    }
    assert!(py_text(&py, "text/html").contains("<td>ACME FAX</td>"));

    inc.language = Language::De;
    let mail = incoming_mail(&cfg(), &inc);
    assert_eq!(
        parse(&mail).subject(),
        Some("Fax von +49897654321 (2 Seiten)")
    );
    let text = py_text(&python(&mail), "text/plain");
    assert!(
        text.contains("Gegenstelle:")
            && text.contains("Standardempfänger")
            && text.contains("Empfangen:"),
        "{text}"
    );
}

#[test]
fn incoming_voice_is_a_wav_attachment_with_voice_message_context() {
    let msg = incoming(Service::Voice);
    let wav = blob(b"RIFF\x24\0\0\0WAVEfmt ", 8000);
    let inc = Incoming {
        message: &msg,
        media: Media::Voice { wav: Some(&wav) },
        language: Language::En,
        now: T0,
    };
    let mail = incoming_mail(&cfg(), &inc);
    assert_eq!(mail.kind, MailKind::IncomingVoice);
    let parsed = parse(&mail);
    assert_eq!(parsed.subject(), Some("Voice message from +49897654321"));
    assert_eq!(
        parsed.header_raw("Message-Context").map(str::trim),
        Some("voice-message")
    );
    let att = parsed.attachments().next().expect("wav");
    assert_eq!(att.attachment_name(), Some("voice-00000042.wav"));
    assert_eq!(att.contents(), &wav[..]);
    let py = python(&mail);
    let part = py_part(&py, "audio/wav");
    assert_eq!(part["filename"], "voice-00000042.wav");
    assert_eq!(part["headers"]["Content-Duration"], "48");
    assert_eq!(part["b64"], mime::base64(&wav));
}

#[test]
fn incoming_sms_is_text_with_sms_message_context() {
    let mut msg = incoming(Service::Sms);
    msg.text = Some("Bin gleich da. Grüße, Jörg\nP.S. = 100% sicher".into());
    let inc = Incoming {
        message: &msg,
        media: Media::Sms,
        language: Language::De,
        now: T0,
    };
    let mail = incoming_mail(&cfg(), &inc);
    assert_eq!(mail.kind, MailKind::IncomingSms);
    let parsed = parse(&mail);
    assert_eq!(parsed.subject(), Some("SMS von +49897654321"));
    assert_eq!(
        parsed.header_raw("Message-Context").map(str::trim),
        Some(Service::Sms.message_context())
    );
    assert_eq!(parsed.attachments().count(), 0);
    let py = python(&mail);
    let text = py_text(&py, "text/plain");
    assert!(
        text.contains("Bin gleich da. Grüße, Jörg") && text.contains("P.S. = 100% sicher"),
        "{text}"
    );
    assert!(py_text(&py, "text/html").contains("Grüße, Jörg<br>"));
    assert_eq!(
        py["addresses"]["Reply-To"],
        serde_json::json!([["", "+49897654321@sms.example.com"]])
    );
}

#[test]
fn deletion_notice_goes_to_the_default_recipient_with_the_journal_fields() {
    let mut msg = outgoing_fax(Status::Deleted);
    msg.billing_code = Some("4711".into());
    let d = Deletion {
        message: &msg,
        deleted_by: Some("operator@example.com"),
        language: Language::De,
        now: T0.plus_secs(60),
    };
    let mail = deletion_notice(&cfg(), &d);
    assert_eq!(mail.kind, MailKind::DeletionNotice);
    assert_eq!(mail.recipients, ["postmaster@example.com"]);
    assert_eq!(mail.envelope_from, "");
    let parsed = parse(&mail);
    assert_eq!(parsed.subject(), Some("Fax an +4989123456 gelöscht"));
    assert_eq!(
        parsed.header_raw("Auto-Submitted").map(str::trim),
        Some("auto-generated")
    );
    let text = py_text(&python(&mail), "text/plain");
    for needle in [
        "Absender:",
        "alice@example.com",
        "Gelöscht von:",
        "operator@example.com",
        "Kostenstelle:",
        "4711",
        "Quarterly figures",
    ] {
        assert!(text.contains(needle), "{needle:?} missing in\n{text}");
    }
}

#[test]
fn error_notice_without_a_message_is_a_text_message() {
    let e = ErrorReport {
        message: None,
        summary: "dead-letter directory not writable",
        detail: Some("/var/spool/ums/dead: permission denied"),
        language: Language::En,
        now: T0,
    };
    let mail = error_notice(&cfg(), &e);
    assert_eq!(mail.kind, MailKind::ErrorNotice);
    let parsed = parse(&mail);
    assert_eq!(
        parsed.subject(),
        Some("UMS error: dead-letter directory not writable")
    );
    assert_eq!(
        parsed.header_raw("Message-Context").map(str::trim),
        Some("text-message")
    );
    assert!(python(&mail)["parts"][2]["text"]
        .as_str()
        .unwrap()
        .contains("permission denied"));
}

#[test]
fn html_escapes_values_and_headers_resist_injection() {
    let mut msg = outgoing_fax(Status::Sent);
    msg.subject = Some("<script>alert(1)</script> & co".into());
    msg.original_recipient = Some("x\r\nBcc: evil@example.com".into());
    let mail = confirmation(&cfg(), &Dispatch::new(&msg, Cause::Sent, Language::En, T0));
    let py = python(&mail);
    let html = py_text(&py, "text/html");
    assert!(
        html.contains("&lt;script&gt;alert(1)&lt;/script&gt; &amp; co")
            && !html.contains("<script>")
    );
    assert!(parse(&mail).header_raw("Bcc").is_none());
    let blocks = &py_part(&py, "message/delivery-status")["blocks"];
    assert!(blocks[1].get("Bcc").is_none());
}

/// One of every mail, with hostile inputs: a 3000-character subject with
/// umlauts, a long diagnostic, original headers with bare LFs and an overlong line.
fn every_mail() -> Vec<OutgoingMail> {
    let cfg = cfg();
    let mut out = Vec::new();
    let mut msg = outgoing_fax(Status::Failed);
    msg.subject = Some("Größenangabe ".repeat(230));
    let original = format!("Subject: x\nX-Long: {}\n\nbody", "y".repeat(1500));
    let long_diag = "T.30 ".repeat(300);
    for lang in [Language::En, Language::De] {
        let mut d = Dispatch::new(&msg, Cause::TrainingFailed, lang, T0);
        d.original_headers = Some(original.as_bytes());
        d.diagnostic = Some(&long_diag);
        out.push(confirmation(&cfg, &d));
        out.push(failure_notice(&cfg, &d));
        out.push(deletion_notice(
            &cfg,
            &Deletion {
                message: &msg,
                deleted_by: None,
                language: lang,
                now: T0,
            },
        ));
        let e = ErrorReport {
            message: Some(&msg),
            summary: "Störung",
            detail: None,
            language: lang,
            now: T0,
        };
        out.push(error_notice(&cfg, &e));
        let pdf = blob(b"%PDF", 4000);
        let wav = blob(b"RIFF", 4000);
        for (service, media) in [
            (
                Service::Fax,
                Media::Fax {
                    pdf: Some(&pdf),
                    tiff: None,
                },
            ),
            (Service::Voice, Media::Voice { wav: Some(&wav) }),
            (Service::Sms, Media::Sms),
        ] {
            let mut m = incoming(service);
            m.text = Some("ä".repeat(2000));
            out.push(incoming_mail(
                &cfg,
                &Incoming {
                    message: &m,
                    media,
                    language: lang,
                    now: T0,
                },
            ));
        }
    }
    out
}

#[test]
fn every_mail_has_crlf_lines_within_998_octets_and_no_bare_lf() {
    for mail in every_mail() {
        let data = &mail.data;
        assert!(data.ends_with(b"\r\n"), "{:?}", mail.kind);
        for (i, &b) in data.iter().enumerate() {
            if b == b'\n' {
                assert!(
                    i > 0 && data[i - 1] == b'\r',
                    "bare LF in {:?} at {i}",
                    mail.kind
                );
            }
            if b == b'\r' {
                assert_eq!(
                    data.get(i + 1),
                    Some(&b'\n'),
                    "bare CR in {:?} at {i}",
                    mail.kind
                );
            }
        }
        for line in data.split(|&b| b == b'\n') {
            assert!(
                line.len() <= 999,
                "line of {} octets in {:?}",
                line.len(),
                mail.kind
            );
        }
        python(&mail); // and still parses without defects
    }
}

#[test]
fn every_mail_carries_a_message_context_and_a_7bit_header() {
    for mail in every_mail() {
        let head_end = mail
            .data
            .windows(4)
            .position(|w| w == b"\r\n\r\n")
            .expect("header ends");
        assert!(mail.data[..head_end].is_ascii(), "{:?}", mail.kind);
        let parsed = parse(&mail);
        let context = parsed
            .header_raw("Message-Context")
            .map(str::trim)
            .unwrap_or("");
        assert!(
            [
                "fax-message",
                "voice-message",
                Service::Sms.message_context()
            ]
            .contains(&context),
            "{:?}: {context:?}",
            mail.kind
        );
        assert!(parsed.subject().is_some_and(|s| !s.is_empty()));
    }
}
