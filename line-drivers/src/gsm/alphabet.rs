//! The two SMS alphabets (3GPP TS 23.038): the GSM 7-bit default alphabet
//! with its extension table (§6.2.1, §6.2.1.1) packed into septets (§6.1.2.1),
//! and UCS-2 (big-endian UTF-16 units, surrogate pairs for characters
//! outside the BMP, as handsets send emoji).

/// The escape to the extension table.
pub const ESC: u8 = 0x1b;

/// The default alphabet, indexed by septet (0x1b is the escape).
const BASIC: [char; 128] = [
    '@', '£', '$', '¥', 'è', 'é', 'ù', 'ì', 'ò', 'Ç', '\n', 'Ø', 'ø', '\r', 'Å', 'å', //
    'Δ', '_', 'Φ', 'Γ', 'Λ', 'Ω', 'Π', 'Ψ', 'Σ', 'Θ', 'Ξ', '\u{1b}', 'Æ', 'æ', 'ß', 'É', //
    ' ', '!', '"', '#', '¤', '%', '&', '\'', '(', ')', '*', '+', ',', '-', '.', '/', //
    '0', '1', '2', '3', '4', '5', '6', '7', '8', '9', ':', ';', '<', '=', '>', '?', //
    '¡', 'A', 'B', 'C', 'D', 'E', 'F', 'G', 'H', 'I', 'J', 'K', 'L', 'M', 'N', 'O', //
    'P', 'Q', 'R', 'S', 'T', 'U', 'V', 'W', 'X', 'Y', 'Z', 'Ä', 'Ö', 'Ñ', 'Ü', '§', //
    '¿', 'a', 'b', 'c', 'd', 'e', 'f', 'g', 'h', 'i', 'j', 'k', 'l', 'm', 'n', 'o', //
    'p', 'q', 'r', 's', 't', 'u', 'v', 'w', 'x', 'y', 'z', 'ä', 'ö', 'ñ', 'ü', 'à', //
];

/// The extension table: septet after [`ESC`], character.
const EXTENSION: [(u8, char); 10] = [
    (0x0a, '\u{0c}'),
    (0x14, '^'),
    (0x28, '{'),
    (0x29, '}'),
    (0x2f, '\\'),
    (0x3c, '['),
    (0x3d, '~'),
    (0x3e, ']'),
    (0x40, '|'),
    (0x65, '€'),
];

/// The septets of one character in the default alphabet: one for the
/// basic table, two (escape first) for the extension table, `None` if the
/// alphabet lacks it.
pub fn gsm7_septets(c: char) -> Option<([u8; 2], usize)> {
    if c != '\u{1b}' {
        if let Some(i) = BASIC.iter().position(|&b| b == c) {
            return Some(([i as u8, 0], 1));
        }
    }
    EXTENSION
        .iter()
        .find(|&&(_, e)| e == c)
        .map(|&(s, _)| ([ESC, s], 2))
}

/// How many septets `text` takes in the default alphabet, or `None` if a
/// character is not in it (then the text goes as UCS-2).
pub fn gsm7_len(text: &str) -> Option<usize> {
    text.chars().map(|c| gsm7_septets(c).map(|(_, n)| n)).sum()
}

/// `text` as septets (unpacked, one per octet); `None` if it does not fit
/// the default alphabet.
pub fn encode_gsm7(text: &str) -> Option<Vec<u8>> {
    let mut out = Vec::with_capacity(text.len());
    for c in text.chars() {
        let (s, n) = gsm7_septets(c)?;
        out.extend_from_slice(&s[..n]);
    }
    Some(out)
}

/// Septets back to text. An escape before a septet the extension table
/// lacks gives the basic character (§6.2.1.1); a trailing escape is dropped.
pub fn decode_gsm7(septets: &[u8]) -> String {
    let mut out = String::with_capacity(septets.len());
    let mut escaped = false;
    for &s in septets {
        let s = s & 0x7f;
        if escaped {
            escaped = false;
            match EXTENSION.iter().find(|&&(e, _)| e == s) {
                Some(&(_, c)) => out.push(c),
                None if s == ESC => out.push(' '),
                None => out.push(BASIC[usize::from(s)]),
            }
        } else if s == ESC {
            escaped = true;
        } else {
            out.push(BASIC[usize::from(s)]);
        }
    }
    out
}

/// Pack septets into octets, least significant bit first (§6.1.2.1), the
/// first septet starting `fill_bits` bits into the first octet (after a
/// user data header, the padding that brings the text to a septet
/// boundary).
pub fn pack_septets(septets: &[u8], fill_bits: usize) -> Vec<u8> {
    let bits = fill_bits + septets.len() * 7;
    let mut out = vec![0u8; bits.div_ceil(8)];
    for (i, &s) in septets.iter().enumerate() {
        let pos = fill_bits + i * 7;
        let (byte, shift) = (pos / 8, pos % 8);
        let v = u16::from(s & 0x7f) << shift;
        out[byte] |= v as u8;
        if shift > 1 {
            out[byte + 1] |= (v >> 8) as u8;
        }
    }
    out
}

/// Unpack `count` septets from `octets`, the first one `fill_bits` bits
/// into it; `None` if the octets are too few.
pub fn unpack_septets(octets: &[u8], fill_bits: usize, count: usize) -> Option<Vec<u8>> {
    let bits = fill_bits.checked_add(count.checked_mul(7)?)?;
    if bits.div_ceil(8) > octets.len() {
        return None;
    }
    let mut out = Vec::with_capacity(count);
    for i in 0..count {
        let pos = fill_bits + i * 7;
        let (byte, shift) = (pos / 8, pos % 8);
        let mut v = u16::from(octets[byte]) >> shift;
        if shift > 1 {
            v |= u16::from(octets[byte + 1]) << (8 - shift);
        }
        out.push((v & 0x7f) as u8);
    }
    Some(out)
}

/// `text` as UCS-2 octets (UTF-16 big-endian; surrogate pairs for
/// characters beyond U+FFFF).
pub fn encode_ucs2(text: &str) -> Vec<u8> {
    text.encode_utf16().flat_map(u16::to_be_bytes).collect()
}

/// UCS-2 octets back to text; a lone surrogate or an odd last octet
/// becomes U+FFFD (a phone's cut message must still be readable).
pub fn decode_ucs2(octets: &[u8]) -> String {
    let units = octets
        .chunks(2)
        .map(|c| u16::from_be_bytes([c[0], *c.get(1).unwrap_or(&0)]));
    let mut out: String = char::decode_utf16(units)
        .map(|r| r.unwrap_or(char::REPLACEMENT_CHARACTER))
        .collect();
    if !octets.len().is_multiple_of(2) {
        out.pop();
        out.push(char::REPLACEMENT_CHARACTER);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hello_packs_as_in_23_038() {
        // §6.1.2.1.1's example: "hellohello" → E8329BFD4697D9EC37.
        let s = encode_gsm7("hellohello").unwrap();
        let packed = pack_septets(&s, 0);
        assert_eq!(
            packed,
            [0xe8, 0x32, 0x9b, 0xfd, 0x46, 0x97, 0xd9, 0xec, 0x37]
        );
        let back = unpack_septets(&packed, 0, s.len()).unwrap();
        assert_eq!(decode_gsm7(&back), "hellohello");
        assert_eq!(unpack_septets(&packed, 0, 11), None);
    }

    #[test]
    fn extension_characters_take_two_septets() {
        assert_eq!(gsm7_len("€[]{}"), Some(10));
        assert_eq!(gsm7_len("Grüße"), Some(5));
        assert_eq!(gsm7_len("ł"), None);
        let s = encode_gsm7("a€").unwrap();
        assert_eq!(s, [0x61, ESC, 0x65]);
        assert_eq!(decode_gsm7(&s), "a€");
        // An unknown escape gives the basic character; a trailing one is dropped.
        assert_eq!(decode_gsm7(&[ESC, 0x41, ESC]), "A");
    }

    #[test]
    fn every_basic_septet_round_trips_with_any_fill() {
        let all: Vec<u8> = (0..128u8).filter(|&s| s != ESC).collect();
        let text = decode_gsm7(&all);
        assert_eq!(encode_gsm7(&text).unwrap(), all);
        for fill in 0..7 {
            let p = pack_septets(&all, fill);
            assert_eq!(unpack_septets(&p, fill, all.len()).unwrap(), all);
        }
    }

    #[test]
    fn ucs2_carries_emoji_as_surrogate_pairs() {
        let o = encode_ucs2("ä😀");
        assert_eq!(o, [0x00, 0xe4, 0xd8, 0x3d, 0xde, 0x00]);
        assert_eq!(decode_ucs2(&o), "ä😀");
        assert_eq!(decode_ucs2(&o[..4]), "ä\u{fffd}");
        assert_eq!(decode_ucs2(&o[..3]), "ä\u{fffd}");
    }
}
