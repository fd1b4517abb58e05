//! Helpers shared by the integration tests: the third-party tools
//! (libtiff-tools, poppler-utils, ghostscript) that check our files. The
//! test scripts install the tools; a missing one is a failure with the
//! package to install, not a silent skip. Scratch directories come from
//! `test_kit`.
#![allow(dead_code)]

use std::path::Path;
use std::process::Command;

use fax_t30::page::BilevelPage;

/// Run a tool, panicking with its stderr if it fails; returns stdout.
pub fn run(tool: &str, args: &[&str]) -> String {
    run_full(tool, args).0
}

/// Run a tool, panicking with its stderr if it fails; returns stdout and stderr.
pub fn run_full(tool: &str, args: &[&str]) -> (String, String) {
    let package = match tool {
        "tiffinfo" | "tiffcp" | "tiffdump" => "libtiff-tools",
        "pdfinfo" | "pdftoppm" => "poppler-utils",
        "gs" => "ghostscript",
        _ => "?",
    };
    let out = Command::new(tool).args(args).output().unwrap_or_else(|e| {
        panic!("cannot run `{tool}` ({e}): install it with `apt-get install -y {package}`")
    });
    let stderr = String::from_utf8_lossy(&out.stderr).into_owned();
    assert!(
        out.status.success(),
        "`{tool}` failed ({}):\n{stderr}",
        out.status
    );
    (String::from_utf8_lossy(&out.stdout).into_owned(), stderr)
}

/// Read a binary PBM (P4) as (width, height, packed rows with 1 = black).
pub fn read_pbm(path: &Path) -> (u32, u32, Vec<u8>) {
    let bytes = std::fs::read(path).expect("read pbm");
    assert!(
        bytes.starts_with(b"P4"),
        "{} is not a P4 PBM",
        path.display()
    );
    // Header: magic, width, height, each followed by whitespace; no comments
    // from pdftoppm.
    let mut fields = Vec::new();
    let mut i = 2;
    while fields.len() < 2 {
        while bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        let start = i;
        while !bytes[i].is_ascii_whitespace() {
            i += 1;
        }
        fields.push(
            std::str::from_utf8(&bytes[start..i])
                .unwrap()
                .parse::<u32>()
                .unwrap(),
        );
    }
    let data = bytes[i + 1..].to_vec();
    let (w, h) = (fields[0], fields[1]);
    assert_eq!(data.len(), w.div_ceil(8) as usize * h as usize, "pbm size");
    (w, h, data)
}

/// Pixels that differ between two pages of the same width, over the rows
/// they share, plus every pixel of rows only one has.
pub fn differing_pixels(a: &BilevelPage, b: &BilevelPage) -> u64 {
    assert_eq!(a.width, b.width, "widths differ");
    let common = a.rows.min(b.rows);
    let mut diff = 0u64;
    for y in 0..common {
        diff += a
            .row(y)
            .iter()
            .zip(b.row(y))
            .map(|(x, y)| u64::from((x ^ y).count_ones()))
            .sum::<u64>();
    }
    diff + u64::from(a.rows.abs_diff(b.rows)) * u64::from(a.width)
}
