//! Replays the seed corpus of the `mime` fuzz target (fuzz/corpus/mime,
//! written by fuzz/make_mail_corpus.py) through the target's checks on a
//! stable toolchain, pins what the hostile seeds give, and runs random
//! mutations of the seeds through the same checks.

#[allow(dead_code)]
#[path = "../../fuzz/fuzz_targets/mime_checks.rs"]
mod mime_checks;

use smtp::mime::parse_document;
use test_kit::fuzz::{mutate_seeds, rounds, seeds};

#[test]
fn mime_seeds_pass_the_fuzz_checks() {
    for (name, data) in seeds("mime", 10) {
        mime_checks::check_mime(&data);
        let Some(doc) = parse_document(&data) else {
            // regress-mail-parser-part-id makes mail-parser panic where its
            // debug assertions are on (this build): unparseable, no panic.
            assert!(
                name.starts_with("bad-") || name == "regress-mail-parser-part-id",
                "{name} parses"
            );
            continue;
        };
        let names: Vec<&str> = doc.attachments.iter().map(|a| a.name.as_str()).collect();
        match name.as_str() {
            "alternative-cid-pdf" => assert_eq!(names, ["brief.pdf"], "the cid image goes"),
            "names-rfc2231-paths" => {
                assert_eq!(names, ["Überweisung März.pdf", "scan 1.txt", "passwd"])
            }
            "charsets" => {
                let texts: Vec<String> = doc
                    .attachments
                    .iter()
                    .map(|a| kernel::render::mail::decode_text(&a.bytes, &a.content_type))
                    .collect();
                // Python writes the shift_jis part as iso-2022-jp, which
                // mail-parser decodes only with its full_encoding feature.
                for want in [
                    "Grüße aus München",
                    "Preis: 5 €",
                    "Ünïcödé",
                    "ファクス",
                    "Факс",
                ] {
                    assert!(texts.iter().any(|t| t.trim() == want), "{want}: {texts:?}");
                }
            }
            "hostile-names" => {
                // Terminal escapes, CR LF and the right-to-left override are
                // gone; the 600-character name keeps its extension.
                assert_eq!(names[0], "]0;pwned [2J rechnungfdp.exe");
                assert_eq!(names[1], "Bcc: evil@example.test .txt");
                assert_eq!(names[2].chars().count(), smtp::mime::MAX_NAME_CHARS);
                assert!(names[2].ends_with("nnn.txt"));
            }
            "forwarded-rfc822" => {
                let text = String::from_utf8_lossy(&doc.attachments[0].bytes).into_owned();
                assert!(text.contains("Subject: offer") && text.contains("The offer text."));
            }
            "hostile-many-cid-parts" => assert!(names.is_empty(), "{names:?}"),
            _ => {}
        }
    }
}

#[test]
fn mutated_mime_seeds_pass_the_fuzz_checks() {
    let tokens: &[&[u8]] = &[
        b"\r\n",
        b"\r\n\r\n",
        b"--B\r\n",
        b"Content-Type: multipart/mixed; boundary=B\r\n",
        b"Content-Type: message/rfc822\r\n\r\n",
        b"=?utf-8?q?=1B=0D?=",
        b"; filename*=utf-8''%1b%0a",
        b"; charset=utf-16",
        b"Content-Transfer-Encoding: base64\r\n",
    ];
    mutate_seeds(&seeds("mime", 10), rounds(60), tokens, |b| {
        mime_checks::check_mime(b)
    });
}
