//! A small, exact writer for Internet messages: RFC 5322 header fields
//! (folded, CRLF), RFC 2047 encoded words for non-ASCII text, and RFC 2045/2046
//! bodies (7bit, quoted-printable, base64, multipart with boundaries).
//!
//! It only writes. Every line it emits ends in CRLF and stays within 998
//! octets (RFC 5322 §2.1.1); header lines aim for 78. Values taken from data
//! never carry a CR or LF into a header: they are replaced by spaces, so a
//! subject cannot inject a header field.

/// An address with an optional display name (`"Name" <addr>`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mailbox {
    pub name: Option<String>,
    pub address: String,
}

impl Mailbox {
    pub fn new(name: Option<&str>, address: &str) -> Mailbox {
        Mailbox {
            name: name.filter(|n| !n.trim().is_empty()).map(str::to_owned),
            address: address.to_owned(),
        }
    }

    /// The RFC 5322 `mailbox` form: a quoted or encoded display name, then the
    /// address in angle brackets.
    pub fn to_header(&self) -> String {
        let addr = format!(
            "<{}>",
            one_line(&self.address).trim().trim_matches(['<', '>'])
        );
        match &self.name {
            None => addr,
            Some(name) => {
                let name = one_line(name);
                if name.is_ascii() && !name.contains("=?") {
                    let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
                    format!("\"{quoted}\" {addr}")
                } else {
                    format!("{} {addr}", encoded_words(&name).join(" "))
                }
            }
        }
    }
}

/// How a leaf body is written on the wire (RFC 2045 §6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TransferEncoding {
    SevenBit,
    EightBit,
    QuotedPrintable,
    Base64,
}

impl TransferEncoding {
    fn name(self) -> &'static str {
        match self {
            TransferEncoding::SevenBit => "7bit",
            TransferEncoding::EightBit => "8bit",
            TransferEncoding::QuotedPrintable => "quoted-printable",
            TransferEncoding::Base64 => "base64",
        }
    }
}

#[derive(Debug, Clone)]
enum Body {
    /// Bytes to encode with the part's transfer encoding.
    Leaf(Vec<u8>, TransferEncoding),
    /// Sub-parts; the boundary is chosen when the message is written.
    Multipart(Vec<Part>),
}

/// A MIME entity: its Content-Type, extra header fields and its body.
#[derive(Debug, Clone)]
pub struct Part {
    content_type: String,
    headers: Vec<(String, String)>,
    body: Body,
}

impl Part {
    /// A UTF-8 text part (`text/<subtype>; charset=utf-8`): 7bit when the text
    /// is short-lined ASCII, quoted-printable otherwise. Line ends become CRLF.
    pub fn text(subtype: &str, text: &str) -> Part {
        let lines: Vec<&str> = text.lines().collect();
        let plain = text.is_ascii()
            && lines
                .iter()
                .all(|l| l.len() <= 76 && !l.ends_with([' ', '\t']));
        let encoding = if plain {
            TransferEncoding::SevenBit
        } else {
            TransferEncoding::QuotedPrintable
        };
        let charset = if text.is_ascii() { "us-ascii" } else { "utf-8" };
        Part::leaf(
            &format!("text/{subtype}; charset={charset}"),
            crlf_lines(text).into_bytes(),
            encoding,
        )
    }

    /// Any body with the given type and encoding, written as is (7bit/8bit
    /// bodies must already have CRLF line ends).
    pub fn leaf(content_type: &str, body: Vec<u8>, encoding: TransferEncoding) -> Part {
        Part {
            content_type: content_type.to_owned(),
            headers: Vec::new(),
            body: Body::Leaf(body, encoding),
        }
    }

    /// Binary data, base64 encoded.
    pub fn binary(content_type: &str, bytes: &[u8]) -> Part {
        Part::leaf(content_type, bytes.to_vec(), TransferEncoding::Base64)
    }

    /// `multipart/<subtype>` with extra Content-Type parameters (e.g.
    /// `report-type=delivery-status`).
    pub fn multipart(subtype: &str, params: &str, parts: Vec<Part>) -> Part {
        let content_type = if params.is_empty() {
            format!("multipart/{subtype}")
        } else {
            format!("multipart/{subtype}; {params}")
        };
        Part {
            content_type,
            headers: Vec::new(),
            body: Body::Multipart(parts),
        }
    }

    /// Marks the part as an attachment with a file name (Content-Disposition
    /// and, for older clients, the Content-Type `name` parameter).
    pub fn attachment(mut self, filename: &str) -> Part {
        let name = quote_param(filename);
        self.content_type = format!("{}; name={name}", self.content_type);
        self.headers.push((
            "Content-Disposition".into(),
            format!("attachment; filename={name}"),
        ));
        self
    }

    /// Adds a header field to the part (ASCII, structured; folded on write).
    pub fn header(mut self, name: &str, value: &str) -> Part {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    fn write(&self, seed: &str, counter: &mut u32, out: &mut Vec<u8>) {
        match &self.body {
            Body::Leaf(bytes, encoding) => {
                write_field(out, "Content-Type", &self.content_type);
                write_field(out, "Content-Transfer-Encoding", encoding.name());
                for (name, value) in &self.headers {
                    write_field(out, name, value);
                }
                out.extend_from_slice(b"\r\n");
                match encoding {
                    TransferEncoding::SevenBit | TransferEncoding::EightBit => {
                        out.extend_from_slice(bytes)
                    }
                    TransferEncoding::QuotedPrintable => {
                        out.extend_from_slice(quoted_printable(bytes).as_bytes())
                    }
                    TransferEncoding::Base64 => {
                        out.extend_from_slice(base64_lines(bytes).as_bytes())
                    }
                }
            }
            Body::Multipart(parts) => {
                let rendered: Vec<Vec<u8>> = parts
                    .iter()
                    .map(|p| {
                        let mut buf = Vec::new();
                        p.write(seed, counter, &mut buf);
                        buf
                    })
                    .collect();
                // A boundary that occurs in none of the parts (RFC 2046 §5.1.1).
                *counter += 1;
                let mut boundary = format!("=_ums.{seed}.{counter}");
                let mut extra = 0;
                while rendered.iter().any(|r| contains(r, boundary.as_bytes())) {
                    extra += 1;
                    boundary = format!("=_ums.{seed}.{counter}.{extra}");
                }
                write_field(
                    out,
                    "Content-Type",
                    &format!("{}; boundary=\"{boundary}\"", self.content_type),
                );
                for (name, value) in &self.headers {
                    write_field(out, name, value);
                }
                out.extend_from_slice(b"\r\n");
                for r in &rendered {
                    out.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
                    out.extend_from_slice(r);
                    if !r.ends_with(b"\r\n") {
                        out.extend_from_slice(b"\r\n");
                    }
                }
                out.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
            }
        }
    }
}

/// Writes a whole message: the top-level header fields, `MIME-Version`, then
/// the body part with its own Content-* fields. `seed` makes the multipart
/// boundaries deterministic (the message id serves).
pub fn write_message(headers: &[(String, String)], body: &Part, seed: &str) -> Vec<u8> {
    let mut out = Vec::new();
    for (name, value) in headers {
        write_field(&mut out, name, value);
    }
    write_field(&mut out, "MIME-Version", "1.0");
    let mut counter = 0;
    body.write(seed, &mut counter, &mut out);
    out
}

/// An unstructured field value (Subject, Comments): ASCII words stay as they
/// are, runs of words with non-ASCII text become UTF-8 encoded words.
pub fn unstructured(value: &str) -> String {
    let value = one_line(value);
    let words: Vec<&str> = value.split(' ').collect();
    let mut out: Vec<String> = Vec::new();
    let mut run: Vec<&str> = Vec::new();
    let needs = |w: &str| !w.is_ascii() || w.contains("=?") || w.len() > 70;
    for word in words {
        if needs(word) {
            run.push(word);
        } else if !run.is_empty() && word.is_empty() {
            // A double space inside an encoded run stays inside it.
            run.push(word);
        } else {
            if !run.is_empty() {
                out.extend(encoded_words(&run.join(" ")));
                run.clear();
            }
            out.push(word.to_owned());
        }
    }
    if !run.is_empty() {
        out.extend(encoded_words(&run.join(" ")));
    }
    out.join(" ")
}

/// RFC 2047 `B` encoded words of at most 75 octets each, split on character
/// boundaries so every word decodes on its own.
pub fn encoded_words(text: &str) -> Vec<String> {
    const MAX_CHUNK: usize = 45; // 60 base64 characters + 12 for `=?utf-8?B??=`
    let mut words = Vec::new();
    let mut chunk = String::new();
    for c in text.chars() {
        if chunk.len() + c.len_utf8() > MAX_CHUNK {
            words.push(format!("=?utf-8?B?{}?=", base64(chunk.as_bytes())));
            chunk.clear();
        }
        chunk.push(c);
    }
    if !chunk.is_empty() || words.is_empty() {
        words.push(format!("=?utf-8?B?{}?=", base64(chunk.as_bytes())));
    }
    words
}

/// A MIME parameter value, quoted (RFC 2045 §5.1); non-ASCII characters are
/// replaced, since our file names are ASCII by construction.
pub fn quote_param(value: &str) -> String {
    let clean: String = value
        .chars()
        .map(|c| {
            if c.is_ascii_graphic() || c == ' ' {
                c
            } else {
                '_'
            }
        })
        .collect();
    format!("\"{}\"", clean.replace('\\', "\\\\").replace('"', "\\\""))
}

/// Replaces CR and LF (and other controls) by spaces: a value from data never
/// starts a new header line.
pub fn one_line(value: &str) -> String {
    value
        .chars()
        .map(|c| if c.is_control() { ' ' } else { c })
        .collect()
}

/// Writes `Name: value` folded at spaces to lines of at most 78 characters
/// where possible. Non-ASCII in a structured value is the caller's mistake and
/// is replaced by `?` so the header stays 7-bit.
fn write_field(out: &mut Vec<u8>, name: &str, value: &str) {
    let value: String = one_line(value)
        .chars()
        .map(|c| if c.is_ascii() { c } else { '?' })
        .collect();
    out.extend_from_slice(fold(&format!("{name}: {}", value.trim())).as_bytes());
    out.extend_from_slice(b"\r\n");
}

/// Folds one logical header line at spaces (RFC 5322 §2.2.3). A word longer
/// than the hard limit is split, which only happens to malformed input.
pub fn fold(line: &str) -> String {
    let mut out = String::new();
    let mut current = String::new();
    for (i, word) in line.split(' ').enumerate() {
        if i > 0 && !current.trim().is_empty() && current.len() + 1 + word.len() > 78 {
            out.push_str(&current);
            out.push_str("\r\n");
            current = String::new();
        }
        if i > 0 {
            current.push(' ');
        }
        current.push_str(word);
        while current.len() > 990 {
            let cut = (0..=990)
                .rev()
                .find(|&i| current.is_char_boundary(i))
                .unwrap_or(0);
            let rest = current.split_off(cut);
            out.push_str(&current);
            out.push_str("\r\n");
            current = format!(" {rest}");
        }
    }
    out.push_str(&current);
    out
}

/// Text with every line end made CRLF and a final CRLF.
pub fn crlf_lines(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    for line in text.lines() {
        out.push_str(line);
        out.push_str("\r\n");
    }
    out
}

/// Quoted-printable (RFC 2045 §6.7) of CRLF-separated text: lines of at most
/// 76 characters with soft breaks, `=` and non-ASCII and trailing blanks
/// encoded, hard line breaks kept as CRLF.
pub fn quoted_printable(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len() * 3 / 2);
    let text_lines: Vec<&[u8]> = bytes.split(|&b| b == b'\n').collect();
    let count = text_lines.len();
    for (index, raw) in text_lines.into_iter().enumerate() {
        let line = raw.strip_suffix(b"\r").unwrap_or(raw);
        if index + 1 == count && line.is_empty() {
            break; // the input ended with a line break
        }
        let mut width = 0;
        for (i, &b) in line.iter().enumerate() {
            let last = i + 1 == line.len();
            let literal =
                ((b == b' ' || b == b'\t') && !last) || ((33..=126).contains(&b) && b != b'=');
            let token = if literal {
                (b as char).to_string()
            } else {
                format!("={b:02X}")
            };
            // Leave room for the soft break `=` unless this is the last token.
            let limit = if last { 76 } else { 75 };
            if width + token.len() > limit {
                out.push_str("=\r\n");
                width = 0;
            }
            out.push_str(&token);
            width += token.len();
        }
        out.push_str("\r\n");
    }
    out
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/// Base64 (RFC 4648 §4) without line breaks.
pub fn base64(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | (u32::from(b) << (16 - 8 * i)));
        for i in 0..4 {
            if i <= chunk.len() {
                out.push(B64[((n >> (18 - 6 * i)) & 63) as usize] as char);
            } else {
                out.push('=');
            }
        }
    }
    out
}

/// Base64 for a MIME body: lines of 76 characters, each ending in CRLF.
pub fn base64_lines(bytes: &[u8]) -> String {
    let flat = base64(bytes);
    let mut out = String::with_capacity(flat.len() + flat.len() / 38 + 2);
    for line in flat.as_bytes().chunks(76) {
        out.push_str(std::str::from_utf8(line).unwrap_or_default());
        out.push_str("\r\n");
    }
    out
}

fn contains(haystack: &[u8], needle: &[u8]) -> bool {
    haystack.windows(needle.len()).any(|w| w == needle)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn base64_matches_rfc4648_vectors() {
        let cases = [
            ("", ""),
            ("f", "Zg=="),
            ("fo", "Zm8="),
            ("foo", "Zm9v"),
            ("foobar", "Zm9vYmFy"),
        ];
        for (plain, coded) in cases {
            assert_eq!(base64(plain.as_bytes()), coded);
        }
    }

    #[test]
    fn quoted_printable_encodes_umlauts_equals_and_trailing_blanks() {
        assert_eq!(
            quoted_printable("Grüße = 1 \r\n".as_bytes()),
            "Gr=C3=BC=C3=9Fe =3D 1=20\r\n"
        );
        let long = "x".repeat(200);
        let qp = quoted_printable(long.as_bytes());
        assert!(qp.split("\r\n").all(|l| l.len() <= 76), "{qp}");
    }

    #[test]
    fn unstructured_encodes_only_the_words_that_need_it() {
        assert_eq!(unstructured("Fax to +49 sent"), "Fax to +49 sent");
        let v = unstructured("Fax an +49 nicht übertragen");
        assert!(v.starts_with("Fax an +49 nicht =?utf-8?B?"), "{v}");
        assert!(encoded_words(&"ä".repeat(100))
            .iter()
            .all(|w| w.len() <= 75));
    }

    #[test]
    fn header_values_cannot_inject_fields() {
        let mut out = Vec::new();
        write_field(&mut out, "Subject", "hi\r\nBcc: evil@example.com");
        assert_eq!(out, b"Subject: hi  Bcc: evil@example.com\r\n");
    }

    #[test]
    fn display_names_are_quoted_or_encoded() {
        assert_eq!(
            Mailbox::new(Some("+49 89 7654321"), "fax@x").to_header(),
            "\"+49 89 7654321\" <fax@x>"
        );
        assert!(Mailbox::new(Some("Jörg"), "j@x")
            .to_header()
            .starts_with("=?utf-8?B?"));
    }
}
