//! Helpers shared by the whole-system tests: running third-party tools
//! with clear failures (scratch directories come from `test_kit`).
#![forbid(unsafe_code)]

pub mod crash_load;

use std::process::Command;

/// Run a tool and return its stdout; panic with its stderr if it fails or
/// is missing (scripts/setup.sh --test installs every tool used here).
pub fn tool(program: &str, args: &[&str]) -> String {
    let out = Command::new(program)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{program} not runnable ({e}); run scripts/setup.sh --test"));
    assert!(
        out.status.success(),
        "{program} {args:?} failed: {}\n{}",
        out.status,
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Pages of a PBM (P4) stream as (width, height, packed rows with 1 = black).
pub fn parse_pbm(bytes: &[u8]) -> (u32, u32, Vec<u8>) {
    fn token(b: &[u8], pos: &mut usize) -> String {
        while *pos < b.len() && (b[*pos].is_ascii_whitespace() || b[*pos] == b'#') {
            if b[*pos] == b'#' {
                while *pos < b.len() && b[*pos] != b'\n' {
                    *pos += 1;
                }
            }
            *pos += 1;
        }
        let start = *pos;
        while *pos < b.len() && !b[*pos].is_ascii_whitespace() {
            *pos += 1;
        }
        String::from_utf8_lossy(&b[start..*pos]).into_owned()
    }
    let mut pos = 0;
    assert_eq!(token(bytes, &mut pos), "P4", "not a raw PBM");
    let w: u32 = token(bytes, &mut pos).parse().expect("width");
    let h: u32 = token(bytes, &mut pos).parse().expect("height");
    pos += 1; // single whitespace after the header
    let stride = w.div_ceil(8) as usize;
    let data = bytes[pos..pos + stride * h as usize].to_vec();
    (w, h, data)
}
