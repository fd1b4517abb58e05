//! `ums bench render`: PDF attachments into fax pages, ours (hayro in
//! process, see `kernel::render::pdf`) against Ghostscript's `tiffg4`
//! device on the same files in the same run; and received fax pages into
//! PDF, ours (`fax_t30::pdf`, CCITT data embedded as it is) against
//! libtiff's `tiff2pdf` (issue 5).
//!
//! The documents are made at the start by real tools: a 50-page text PDF
//! (groff, 10-point Times, through `ps2pdf`) and a 10-page photo PDF
//! (ImageMagick plasma fractals of A4 at 300 dpi, through `img2pdf`). Both
//! sides produce the same thing: A4 fine (1728 × 2292) T.6 TIFF pages.
//! CPU time is `getrusage` (ours: this process; Ghostscript and tiff2pdf:
//! the children waited for). One core: this thread and the child are
//! pinned to the first allowed CPU. Every core: our pages rendered by one
//! thread per core; Ghostscript as one process per core, each on its share
//! of the pages.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use fax_t30::codec::Compression;
use fax_t30::page::{BilevelPage, PaperSize, Resolution};
use fax_t30::pdf::{pdf_from_pages, PdfMeta};
use fax_t30::tiff::{read_tiff, write_tiff, TiffMeta, TiffPage};
use kernel::render::{render_pdf_counted, render_pdf_threads, PageSetup};
use nix::sched::{sched_getaffinity, sched_setaffinity, CpuSet};
use nix::sys::resource::{getrusage, UsageWho};
use nix::unistd::Pid;

/// What to run.
#[derive(Debug, Clone)]
pub struct RenderBench {
    pub work_dir: PathBuf,
    pub text_pages: usize,
    pub photo_pages: usize,
    /// Runs of each measurement; the one with the least CPU time counts.
    pub runs: usize,
}

/// One side's figures for one document.
#[derive(Debug, Clone, Copy)]
pub struct Figures {
    pub pages: usize,
    pub wall: Duration,
    pub cpu: Duration,
}

impl Figures {
    pub fn pages_per_sec(&self) -> f64 {
        self.pages as f64 / self.wall.as_secs_f64().max(1e-9)
    }
    pub fn cpu_ms_per_page(&self) -> f64 {
        self.cpu.as_secs_f64() * 1e3 / self.pages.max(1) as f64
    }
}

/// Ours against the anchor, for one document and one core setting.
#[derive(Debug, Clone, Copy)]
pub struct Pair {
    pub ours: Figures,
    pub anchor: Figures,
}

impl Pair {
    /// Our pages per CPU-second over the anchor's.
    pub fn cpu_ratio(&self) -> f64 {
        self.anchor.cpu_ms_per_page() / self.ours.cpu_ms_per_page().max(1e-9)
    }
    /// Our pages per second (wall) over the anchor's.
    pub fn wall_ratio(&self) -> f64 {
        self.ours.pages_per_sec() / self.anchor.pages_per_sec().max(1e-9)
    }
}

/// Everything the bench measured.
#[derive(Debug, Clone)]
pub struct RenderResults {
    pub cores: usize,
    pub text_one: Pair,
    pub photo_one: Pair,
    pub text_all: Pair,
    pub photo_all: Pair,
    /// Received TIFF-F (text pages, T.6) to PDF: ours vs tiff2pdf.
    pub to_pdf: Pair,
    /// Fax pages of the text and the photo document that the 1-bit path
    /// drew (the rest went through hayro's anti-aliased renderer).
    pub one_bit_pages: (usize, usize),
}

#[allow(clippy::disallowed_methods)] // driver shell: the benchmark reads the clock
fn now() -> Instant {
    Instant::now()
}

fn self_cpu() -> Duration {
    usage(UsageWho::RUSAGE_SELF)
}

fn children_cpu() -> Duration {
    usage(UsageWho::RUSAGE_CHILDREN)
}

fn usage(who: UsageWho) -> Duration {
    let Ok(u) = getrusage(who) else {
        return Duration::ZERO;
    };
    let tv = |t: nix::sys::time::TimeVal| {
        Duration::new(t.tv_sec().max(0) as u64, (t.tv_usec().max(0) as u32) * 1000)
    };
    tv(u.user_time()) + tv(u.system_time())
}

fn tool(cmd: &str, args: &[&str], dir: &Path) -> Result<Vec<u8>, String> {
    let out = Command::new(cmd)
        .args(args)
        .current_dir(dir)
        .output()
        .map_err(|e| format!("cannot run {cmd} ({e}); install it with scripts/setup.sh --test"))?;
    if !out.status.success() {
        return Err(format!(
            "{cmd} failed: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        ));
    }
    Ok(out.stdout)
}

/// A 50-page (or `pages`) text PDF: groff 10-point Times on A4, ps2pdf.
pub fn make_text_pdf(dir: &Path, pages: usize) -> Result<PathBuf, String> {
    const WORDS: &[&str] = &[
        "the",
        "invoice",
        "number",
        "account",
        "total",
        "amount",
        "customer",
        "delivery",
        "order",
        "service",
        "report",
        "quarterly",
        "meeting",
        "office",
        "message",
        "paper",
        "letter",
        "warehouse",
        "station",
        "policy",
        "holiday",
        "finance",
        "region",
        "summer",
        "figures",
        "review",
        "payment",
        "contract",
        "please",
        "attached",
        "regards",
        "team",
    ];
    let mut seed = 0x9E37_79B9_7F4A_7C15u64;
    let mut next = || {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        WORDS[(seed % WORDS.len() as u64) as usize]
    };
    let mut tr = String::from(".ps 10\n.vs 12\n.ll 6.5i\n");
    for p in 0..pages {
        if p > 0 {
            tr.push_str(".bp\n");
        }
        // Seven paragraphs of 70 words fill an A4 page at 10/12 pt.
        for _ in 0..7 {
            tr.push_str(".sp\n");
            let para: Vec<&str> = (0..70).map(|_| next()).collect();
            tr.push_str(&para.join(" "));
            tr.push('\n');
        }
    }
    std::fs::write(dir.join("text.tr"), tr).map_err(|e| e.to_string())?;
    let ps = tool("groff", &["-Tps", "-P-pa4", "text.tr"], dir)?;
    std::fs::write(dir.join("text.ps"), ps).map_err(|e| e.to_string())?;
    tool("ps2pdf", &["-sPAPERSIZE=a4", "text.ps", "text.pdf"], dir)?;
    Ok(dir.join("text.pdf"))
}

/// A `pages`-page photo PDF: 2480 × 3508 (A4 at 300 dpi) plasma fractals
/// as JPEG, one per page, through img2pdf.
pub fn make_photo_pdf(dir: &Path, pages: usize) -> Result<PathBuf, String> {
    let mut jpegs = Vec::new();
    for i in 0..pages {
        let name = format!("photo{i}.jpg");
        tool(
            "convert",
            &[
                "-seed",
                &(i + 1).to_string(),
                "-size",
                "2480x3508",
                "plasma:fractal",
                "-blur",
                "0x3",
                "-quality",
                "90",
                &name,
            ],
            dir,
        )?;
        jpegs.push(name);
    }
    let mut args: Vec<&str> = vec!["--pagesize", "A4"];
    args.extend(jpegs.iter().map(String::as_str));
    args.extend(["-o", "photo.pdf"]);
    tool("img2pdf", &args, dir)?;
    Ok(dir.join("photo.pdf"))
}

/// Pin the calling thread to one CPU; returns the set it had.
fn pin_first_cpu() -> Option<(CpuSet, usize)> {
    let before = sched_getaffinity(Pid::from_raw(0)).ok()?;
    let cpu = (0..CpuSet::count()).find(|&c| before.is_set(c).unwrap_or(false))?;
    let mut one = CpuSet::new();
    one.set(cpu).ok()?;
    sched_setaffinity(Pid::from_raw(0), &one).ok()?;
    Some((before, cpu))
}

fn unpin(before: Option<(CpuSet, usize)>) {
    if let Some((set, _)) = before {
        let _ = sched_setaffinity(Pid::from_raw(0), &set);
    }
}

/// Our side: render with `threads` threads and encode every page as T.6
/// TIFF-F (what the spool holds), in memory.
fn ours(pdf: &[u8], threads: usize) -> Result<Figures, String> {
    let setup = PageSetup::new(PaperSize::A4, Resolution::Fine);
    let (c0, t0) = (self_cpu(), now());
    let pages = render_pdf_threads(pdf, "bench.pdf", &setup, threads).map_err(|e| e.to_string())?;
    let tiff = encode(&pages, threads);
    let (c1, t1) = (self_cpu(), now());
    std::hint::black_box(&tiff);
    Ok(Figures {
        pages: pages.len(),
        wall: t1 - t0,
        cpu: c1 - c0,
    })
}

fn encode(pages: &[BilevelPage], threads: usize) -> Vec<u8> {
    let chunk = pages.len().div_ceil(threads.max(1)).max(1);
    let encoded: Vec<TiffPage> = std::thread::scope(|s| {
        let handles: Vec<_> = pages
            .chunks(chunk)
            .map(|part| {
                s.spawn(move || {
                    part.iter()
                        .map(|p| TiffPage::from_page(p, Compression::T6))
                        .collect::<Vec<_>>()
                })
            })
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().expect("encoder thread"))
            .collect()
    });
    write_tiff(&encoded, &TiffMeta::default())
}

/// Ghostscript's side: `processes` gs processes, each on its share of the
/// `pages` pages, `pin` to one CPU with taskset.
fn ghostscript(
    pdf: &Path,
    pages: usize,
    processes: usize,
    pin: Option<usize>,
    dir: &Path,
) -> Result<Figures, String> {
    let per = pages.div_ceil(processes.max(1)).max(1);
    let (c0, t0) = (children_cpu(), now());
    let mut children = Vec::new();
    for (k, first) in (1..=pages).step_by(per).enumerate() {
        let last = (first + per - 1).min(pages);
        let mut cmd = match pin {
            Some(cpu) => {
                let mut c = Command::new("taskset");
                c.args(["-c", &cpu.to_string(), "gs"]);
                c
            }
            None => Command::new("gs"),
        };
        cmd.args([
            "-q",
            "-dNOPAUSE",
            "-dBATCH",
            "-dSAFER",
            "-sDEVICE=tiffg4",
            "-r204x196",
            "-g1728x2292",
            "-dPDFFitPage",
            &format!("-dFirstPage={first}"),
            &format!("-dLastPage={last}"),
            &format!("-sOutputFile={}", dir.join(format!("gs-{k}.tif")).display()),
        ])
        .arg(pdf)
        .stdout(std::process::Stdio::null());
        children.push(cmd.spawn().map_err(|e| format!("cannot run gs ({e})"))?);
    }
    for mut c in children {
        let status = c.wait().map_err(|e| e.to_string())?;
        if !status.success() {
            return Err(format!("gs failed on {}", pdf.display()));
        }
    }
    let (c1, t1) = (children_cpu(), now());
    Ok(Figures {
        pages,
        wall: t1 - t0,
        cpu: c1 - c0,
    })
}

/// The run with the least CPU time of `runs`.
fn best(runs: usize, mut f: impl FnMut() -> Result<Figures, String>) -> Result<Figures, String> {
    let mut best: Option<Figures> = None;
    for _ in 0..runs.max(1) {
        let r = f()?;
        if best.is_none_or(|b| r.cpu < b.cpu) {
            best = Some(r);
        }
    }
    Ok(best.expect("at least one run"))
}

/// Received fax to PDF, `reps` times: ours reads the TIFF-F and writes the
/// PDF with the CCITT strips as they are; tiff2pdf does the same job.
fn to_pdf(tiff: &Path, pages: usize, reps: usize, dir: &Path) -> Result<Pair, String> {
    let out = dir.join("ours.pdf");
    let (c0, t0) = (self_cpu(), now());
    for _ in 0..reps {
        let bytes = std::fs::read(tiff).map_err(|e| e.to_string())?;
        let pages = read_tiff(&bytes, "fax.tif").map_err(|e| e.to_string())?;
        let pdf = pdf_from_pages(&pages, &PdfMeta::default());
        std::fs::write(&out, pdf).map_err(|e| e.to_string())?;
    }
    let (c1, t1) = (self_cpu(), now());
    let ours = Figures {
        pages: pages * reps,
        wall: t1 - t0,
        cpu: c1 - c0,
    };
    let theirs = dir.join("tiff2pdf.pdf");
    let (c0, t0) = (children_cpu(), now());
    for _ in 0..reps {
        tool(
            "tiff2pdf",
            &[
                "-o",
                &theirs.display().to_string(),
                &tiff.display().to_string(),
            ],
            dir,
        )?;
    }
    let (c1, t1) = (children_cpu(), now());
    let anchor = Figures {
        pages: pages * reps,
        wall: t1 - t0,
        cpu: c1 - c0,
    };
    Ok(Pair { ours, anchor })
}

/// Make the documents and measure everything.
pub fn run(b: &RenderBench) -> Result<RenderResults, String> {
    std::fs::create_dir_all(&b.work_dir).map_err(|e| e.to_string())?;
    let dir = &b.work_dir;
    let text = make_text_pdf(dir, b.text_pages)?;
    let photo = make_photo_pdf(dir, b.photo_pages)?;
    let text_bytes = std::fs::read(&text).map_err(|e| e.to_string())?;
    let photo_bytes = std::fs::read(&photo).map_err(|e| e.to_string())?;
    let cores = std::thread::available_parallelism().map_or(1, |n| n.get());

    // One core.
    let pinned = pin_first_cpu();
    let cpu = pinned.as_ref().map(|p| p.1);
    let one = (|| {
        let t = Pair {
            ours: best(b.runs, || ours(&text_bytes, 1))?,
            anchor: best(b.runs, || ghostscript(&text, b.text_pages, 1, cpu, dir))?,
        };
        let p = Pair {
            ours: best(b.runs, || ours(&photo_bytes, 1))?,
            anchor: best(b.runs, || ghostscript(&photo, b.photo_pages, 1, cpu, dir))?,
        };
        Ok::<_, String>((t, p))
    })();
    unpin(pinned);
    let (text_one, photo_one) = one?;
    if text_one.ours.pages != b.text_pages || photo_one.ours.pages != b.photo_pages {
        return Err(format!(
            "rendered {} and {} pages, expected {} and {}",
            text_one.ours.pages, photo_one.ours.pages, b.text_pages, b.photo_pages
        ));
    }

    // Every core.
    let text_all = Pair {
        ours: best(b.runs, || ours(&text_bytes, cores))?,
        anchor: best(b.runs, || {
            ghostscript(&text, b.text_pages, cores, None, dir)
        })?,
    };
    let photo_all = Pair {
        ours: best(b.runs, || ours(&photo_bytes, cores))?,
        anchor: best(b.runs, || {
            ghostscript(&photo, b.photo_pages, cores, None, dir)
        })?,
    };

    // A received fax: the text pages as T.6 TIFF-F.
    let setup = PageSetup::new(PaperSize::A4, Resolution::Fine);
    let pages =
        render_pdf_threads(&text_bytes, "text.pdf", &setup, cores).map_err(|e| e.to_string())?;
    let tiff = dir.join("received.tif");
    std::fs::write(&tiff, encode(&pages, cores)).map_err(|e| e.to_string())?;
    let to_pdf = to_pdf(&tiff, pages.len(), 50, dir)?;
    let counted = |pdf: &[u8]| {
        render_pdf_counted(pdf, "bench.pdf", &setup, cores, true)
            .map(|(_, n)| n)
            .map_err(|e| e.to_string())
    };
    let one_bit_pages = (counted(&text_bytes)?, counted(&photo_bytes)?);

    Ok(RenderResults {
        one_bit_pages,
        cores,
        text_one,
        photo_one,
        text_all,
        photo_all,
        to_pdf,
    })
}

/// The report lines.
pub fn report(r: &RenderResults) -> Vec<String> {
    let line = |what: &str, p: &Pair| {
        format!(
            "{what:<22} ours {:>7.1} pages/s {:>7.2} ms CPU/page | gs {:>7.1} pages/s {:>7.2} ms CPU/page | pages per CPU-s x{:.2}, pages/s x{:.2}",
            p.ours.pages_per_sec(),
            p.ours.cpu_ms_per_page(),
            p.anchor.pages_per_sec(),
            p.anchor.cpu_ms_per_page(),
            p.cpu_ratio(),
            p.wall_ratio()
        )
    };
    let mut out = vec![
        line("text, one core", &r.text_one),
        line("photo, one core", &r.photo_one),
        line(&format!("text, {} cores", r.cores), &r.text_all),
        line(&format!("photo, {} cores", r.cores), &r.photo_all),
    ];
    let goal = |p: &Pair| {
        if p.cpu_ratio() >= 2.0 {
            "met"
        } else {
            "NOT met"
        }
    };
    out.push(format!(
        "goal (2x Ghostscript's pages per CPU-second): text {}, photo {}",
        goal(&r.text_one),
        goal(&r.photo_one)
    ));
    out.push(format!(
        "drawn on the 1-bit path: {} text pages, {} photo pages (the rest anti-aliased)",
        r.one_bit_pages.0, r.one_bit_pages.1
    ));
    let p = &r.to_pdf;
    out.push(format!(
        "received TIFF-F to PDF  ours {:>7.0} pages/s {:>6.3} ms CPU/page | tiff2pdf {:>7.0} pages/s {:>6.3} ms CPU/page | pages per CPU-s x{:.2}, pages/s x{:.2}: {}",
        p.ours.pages_per_sec(),
        p.ours.cpu_ms_per_page(),
        p.anchor.pages_per_sec(),
        p.anchor.cpu_ms_per_page(),
        p.cpu_ratio(),
        p.wall_ratio(),
        if p.cpu_ratio() >= 1.0 { "no slower (goal met)" } else { "slower (goal NOT met)" }
    ));
    out
}
