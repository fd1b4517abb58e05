//! efax (Debian's `efax`, a Class 1/2 fax program) as a sender on modem A
//! of an [`IaxPair`], and the documents it sends: Ghostscript's TIFF-G3
//! pages.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use crate::iaxmodem::IaxPair;
use crate::Proc;

/// `n` single-page TIFF-G3 files made by Ghostscript in `dir` (fine, 1728 x
/// 2156), as efax wants them: a line of `text` with the page number and a
/// diagonal.
pub fn ghostscript_pages(dir: &Path, n: u32, text: &str) -> Vec<PathBuf> {
    let ps = dir.join("doc.ps");
    std::fs::write(
        &ps,
        format!(
            "%!PS\n1 1 {n} {{ /pg exch def /Helvetica findfont 24 scalefont setfont \
             72 700 moveto ({text}, page ) show pg 3 string cvs show \
             4 setlinewidth 72 100 moveto 540 580 lineto stroke showpage }} for\n"
        ),
    )
    .unwrap();
    let gs = Command::new("gs")
        .args([
            "-q",
            "-dSAFER",
            "-sDEVICE=tiffg3",
            "-r204x196",
            "-g1728x2156",
            "-o",
        ])
        .arg(dir.join("doc-%03d.tif"))
        .arg(&ps)
        .status()
        .expect("ghostscript");
    assert!(gs.success());
    (1..=n)
        .map(|i| dir.join(format!("doc-{i:03}.tif")))
        .collect()
}

/// efax on modem A of `pair` sending `files` to modem B (ident
/// "+1 555 0001"), its log in `dir/efax-tx.log`.
pub fn sender(dir: &Path, pair: &IaxPair, files: &[PathBuf]) -> (Proc, PathBuf) {
    let log = dir.join("efax-tx.log");
    let log_file = std::fs::File::create(&log).unwrap();
    let mut efax = Command::new("efax");
    efax.arg("-d")
        .arg(&pair.devices[0])
        .args(["-o1", "-l", "+1 555 0001", "-v", "ewinchmr"])
        .arg("-x")
        .arg(dir.join("LCK..efax"))
        .args(["-t", &pair.ports[1].to_string()])
        .args(files)
        .stdin(Stdio::null())
        .stdout(log_file.try_clone().unwrap())
        .stderr(log_file);
    (Proc(efax.spawn().expect("efax")), log)
}
