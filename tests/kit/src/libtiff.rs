//! libtiff's own tools (`tiffinfo`, `tiffcmp`, package libtiff-tools) as
//! the judge of fax files: what a test received is compared with what was
//! sent by code we did not write.

use std::path::Path;
use std::process::Command;

/// The length in rows of each page of a TIFF file, as `tiffinfo` reads it.
pub fn page_lengths(file: &Path) -> Vec<u32> {
    let out = Command::new("tiffinfo")
        .arg(file)
        .output()
        .expect("tiffinfo (libtiff-tools)");
    String::from_utf8_lossy(&out.stdout)
        .lines()
        .filter_map(|l| l.trim().strip_prefix("Image Width: "))
        .filter_map(|l| l.split("Image Length: ").nth(1))
        .filter_map(|n| n.trim().parse().ok())
        .collect()
}

/// `tiffcmp -t`: the two files' pages have the same pixels (tags, and so
/// the compression, may differ). The error is what tiffcmp said.
pub fn same_pixels(a: &Path, b: &Path) -> Result<(), String> {
    let out = Command::new("tiffcmp")
        .arg("-t")
        .arg(a)
        .arg(b)
        .output()
        .expect("tiffcmp (libtiff-tools)");
    // A pixel that differs is a "Scanline" line and exit 1.
    if out.status.success() {
        Ok(())
    } else {
        Err(format!(
            "tiffcmp: {}{}",
            String::from_utf8_lossy(&out.stdout),
            String::from_utf8_lossy(&out.stderr)
        ))
    }
}
