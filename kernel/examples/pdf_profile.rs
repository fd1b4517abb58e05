//! Render a PDF as `ums bench render` does (A4 fine, T.6 TIFF-F in memory),
//! `reps` times, for profiling with `perf record`:
//! `cargo build --release -p kernel --example pdf_profile`, then
//! `perf record -g target/release/examples/pdf_profile FILE.pdf 5`.

use fax_t30::codec::Compression;
use fax_t30::page::{PaperSize, Resolution};
use fax_t30::tiff::{write_tiff, TiffMeta, TiffPage};
use kernel::render::{render_pdf, PageSetup};

fn main() {
    let mut args = std::env::args().skip(1);
    let path = args.next().expect("usage: pdf_profile FILE.pdf [REPS]");
    let reps: usize = args.next().map_or(1, |r| r.parse().expect("a number"));
    let bytes = std::fs::read(&path).expect("readable file");
    let setup = PageSetup::new(PaperSize::A4, Resolution::Fine);
    let mut total = 0;
    for _ in 0..reps {
        let pages = render_pdf(&bytes, &path, &setup).expect("renders");
        let encoded: Vec<TiffPage> = pages
            .iter()
            .map(|p| TiffPage::from_page(p, Compression::T6))
            .collect();
        total += write_tiff(&encoded, &TiffMeta::default()).len();
    }
    println!("{total} bytes of TIFF");
}
