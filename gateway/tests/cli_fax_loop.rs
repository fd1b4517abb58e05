//! `ums fax-loop` and `ums bench channels` as an operator runs them.

use std::path::PathBuf;
use std::process::Command;
use test_kit::Scratch;

fn ums() -> Command {
    Command::new(env!("CARGO_BIN_EXE_ums"))
}

fn field<'a>(out: &'a str, name: &str) -> &'a str {
    out.lines()
        .find_map(|l| l.strip_prefix(name))
        .unwrap_or_else(|| panic!("no '{name}' line in:\n{out}"))
        .trim()
}

#[test]
fn demo_document_goes_across_and_lands_as_tiff_and_pdf() {
    let dir = Scratch::new("cli_demo");
    let out = ums()
        .args(["fax-loop", "--demo", "--pages", "2", "--ecm", "-o"])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(field(&stdout, "outcome"), "SENT");
    assert_eq!(field(&stdout, "pages"), "2 of 2 confirmed");
    assert_eq!(field(&stdout, "rate"), "14400 bit/s, ECM");
    let tiff = PathBuf::from(field(&stdout, "tiff"));
    let pdf = PathBuf::from(field(&stdout, "pdf"));
    assert!(tiff.is_file() && pdf.is_file());
    assert!(std::fs::read(&pdf).unwrap().starts_with(b"%PDF-"));
    let duration: f64 = field(&stdout, "duration")
        .split_whitespace()
        .next()
        .unwrap()
        .parse()
        .unwrap();
    assert!(duration > 10.0, "two fine pages take line time: {duration}");
}

#[test]
fn a_ghostscript_tiff_is_sent_at_the_rate_asked_for() {
    let dir = Scratch::new("cli_gs");
    let ps = dir.join("doc.ps");
    std::fs::write(
        &ps,
        "%!PS\n/Helvetica findfont 24 scalefont setfont\n72 700 moveto (ums fax-loop test page one) show showpage\n72 700 moveto (page two) show showpage\n",
    )
    .unwrap();
    let tif = dir.join("doc.tif");
    let gs = Command::new("gs")
        .args([
            "-q",
            "-dNOPAUSE",
            "-dBATCH",
            "-dSAFER",
            "-sDEVICE=tiffg4",
            "-r204x196",
            "-g1728x2292",
        ])
        .arg(format!("-sOutputFile={}", tif.display()))
        .arg(&ps)
        .status()
        .expect("ghostscript (scripts/setup.sh --test installs it)");
    assert!(gs.success());
    let out = ums()
        .args(["fax-loop"])
        .arg(&tif)
        .args(["--rate", "9600", "-o"])
        .arg(dir.join("out"))
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert_eq!(field(&stdout, "pages"), "2 of 2 confirmed");
    assert_eq!(field(&stdout, "rate"), "9600 bit/s");
}

#[test]
fn a_dropped_call_exits_1_and_says_where_it_failed() {
    let dir = Scratch::new("cli_drop");
    let out = ums()
        .args([
            "fax-loop",
            "--demo",
            "--pages",
            "3",
            "--drop-after",
            "1",
            "-o",
        ])
        .arg(&dir)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert_eq!(field(&stdout, "outcome"), "FAILED");
    assert!(
        field(&stdout, "result").contains("failed at page 2"),
        "{stdout}"
    );
    // Page 1 kept whole (A4 fine, plus the header line's rows); no page 2.
    let kept = field(&stdout, "received  page 1:");
    assert!(kept.ends_with(" rows, 0 bad"), "{stdout}");
    let rows: u32 = kept.split_whitespace().next().unwrap().parse().unwrap();
    assert!((2292..2292 + 80).contains(&rows), "{stdout}");
    assert!(!stdout.contains("received  page 2"), "{stdout}");
    assert!(PathBuf::from(field(&stdout, "pdf")).is_file());
}

#[test]
fn bad_arguments_get_a_clear_error() {
    let out = ums()
        .args(["fax-loop", "--demo", "--rate", "12000"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(
        stderr.contains("12000") && stderr.contains("14400"),
        "{stderr}"
    );
    let out = ums()
        .args(["fax-loop", "/nonexistent.tif"])
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("/nonexistent.tif"));
}

#[test]
fn bench_channels_prints_both_figures_and_the_ratio() {
    // A tiny run: this checks the report, not the machine's speed.
    let out = ums()
        .args([
            "bench",
            "channels",
            "--trial-secs",
            "1",
            "--warm-up-secs",
            "2",
            "--probe-calls",
            "2",
            "--max-calls",
            "2",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        field(&stdout, "raw bound").contains("line-s per CPU-s"),
        "{stdout}"
    );
    assert!(
        field(&stdout, "real time").contains("calls per core"),
        "{stdout}"
    );
    assert!(
        field(&stdout, "ratio").contains("of the raw bound"),
        "{stdout}"
    );
}

/// `ums bench media` runs both phases on the daemon's media loop and work
/// pool and reports them; a tiny run checks the report and that the
/// incoming fax really was delivered as mail, not the machine's speed.
#[test]
fn bench_media_delivers_the_incoming_faxes_and_reports_both_phases() {
    let out = ums()
        .args([
            "bench",
            "media",
            "--calls",
            "2",
            "--faxes",
            "1",
            "--pages",
            "1",
            "--alone-secs",
            "2",
            "--limit-secs",
            "240",
        ])
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(field(&stdout, "alone").contains("p99"), "{stdout}");
    assert!(
        field(&stdout, "with deliveries").contains("p99"),
        "{stdout}"
    );
    assert!(
        field(&stdout, "delivered").starts_with("1 of 1 faxes, 1 pages"),
        "{stdout}"
    );
    assert!(field(&stdout, "p99 difference").contains("ms"), "{stdout}");
}
