//! Checks of the `mime` fuzz target (the MIME walk of `smtp::mime` around
//! mail-parser), shared with smtp/tests/fuzz_seeds.rs (the seed replay on
//! a stable toolchain). Each panics on a finding.
//!
//! Besides "never panics": the renderer's view of a mail is bounded by the
//! mail (text decoded from a one-byte charset may triple in UTF-8, nothing
//! more); attachment names are what a person may be shown (a notice, the
//! journal in a terminal): not empty, at most `MAX_NAME_CHARS` characters,
//! no control or bidirectional-override characters, no directories; and
//! every attachment classifies and its text decodes without panicking.

use kernel::render::mail::{classify, decode_text};
use smtp::mime::{parse_document, MAX_NAME_CHARS};

/// Most bytes the view of a mail of `len` bytes may hold.
pub fn view_budget(len: usize) -> usize {
    4 * len + 4096
}

pub fn check_mime(data: &[u8]) {
    let Some(doc) = parse_document(data) else {
        return;
    };
    let mut held = doc.from.len() + doc.to.len() + doc.subject.len() + doc.date.len();
    held += doc.text_body.as_ref().map_or(0, String::len);
    held += doc.html_body.as_ref().map_or(0, String::len);
    for a in &doc.attachments {
        held += a.bytes.len() + a.name.len() + a.content_type.len();
        let n = a.name.chars().count();
        assert!((1..=MAX_NAME_CHARS).contains(&n), "name of {n} characters");
        assert_eq!(a.name.trim(), a.name, "{:?}", a.name);
        assert!(
            !a.name.chars().any(unshowable) && !a.name.contains(['/', '\\']),
            "attachment name {:?}",
            a.name
        );
        let _ = classify(&a.name, &a.content_type, &a.bytes);
        if a.content_type.starts_with("text/") {
            let _ = decode_text(&a.bytes, &a.content_type);
        }
    }
    assert!(
        held <= view_budget(data.len()),
        "a view of {held} bytes from a mail of {} bytes",
        data.len()
    );
    // The same bytes give the same view.
    let again = parse_document(data).expect("parsed once, parses again");
    assert_eq!(again.attachments.len(), doc.attachments.len());
}

/// Characters a name shown to people must not hold: controls (a terminal
/// acts on them) and the bidirectional overrides and isolates that make
/// `txt.exe` look like `exe.txt`.
pub fn unshowable(c: char) -> bool {
    c.is_control()
        || matches!(c, '\u{200e}' | '\u{200f}' | '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}
