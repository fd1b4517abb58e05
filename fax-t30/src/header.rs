//! The header line on top of each sent page, as fax machines print it:
//!
//! ```text
//!   27-Nov-2026  14:05    ACME GmbH +49 30 1234567  1/3
//!   └──── spandsp: date and time ───┘└── ours: text, page n/m ──┘
//! ```
//!
//! spandsp draws the line itself (`t4_tx.c`, `make_header`) in its 16 × 16
//! font at two fax pixels per font pixel across, so 54 characters fit on a
//! 1728-pixel page: 24 for its date and time, 30 for the text we give it
//! (its own page number and TSI come after 50 characters of ours and fall
//! off the right edge). We fill those 30 with the sender's text and the page
//! number out of the total, set anew before each page.

/// Characters of the header info that show on a 1728-pixel page.
pub const HEADER_INFO_COLUMNS: usize = 30;

/// The header info for page `page` of `pages`: `text` cut (or padded) so
/// that ` n/m` ends at the right edge. Latin-1 bytes, the code page of
/// spandsp's header font; other characters print as `?`.
pub fn header_info(text: &str, page: u32, pages: u32) -> Vec<u8> {
    let number = format!("{page}/{pages}");
    let room = HEADER_INFO_COLUMNS.saturating_sub(number.len() + 1);
    let mut out: Vec<u8> = text
        .chars()
        .map(|c| match u32::from(c) {
            0 | 0x0a | 0x0d | 0x09 => b' ',
            n @ 0x20..=0xff => n as u8,
            _ => b'?',
        })
        .take(room)
        .collect();
    while out.len() < room {
        out.push(b' ');
    }
    out.push(b' ');
    out.extend_from_slice(number.as_bytes());
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn page_number_ends_at_the_right_edge() {
        let h = header_info("ACME GmbH", 1, 2);
        assert_eq!(h.len(), HEADER_INFO_COLUMNS);
        assert!(h.starts_with(b"ACME GmbH "));
        assert!(h.ends_with(b" 1/2"));
        let long = header_info(&"x".repeat(100), 10, 12);
        assert_eq!(long.len(), HEADER_INFO_COLUMNS);
        assert!(long.ends_with(b"x 10/12"));
    }

    #[test]
    fn latin1_kept_others_replaced() {
        let h = header_info("Müller €\n", 1, 1);
        assert_eq!(&h[..9], b"M\xfcller ? ");
    }
}
