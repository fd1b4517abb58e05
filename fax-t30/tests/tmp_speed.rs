#![allow(clippy::disallowed_methods)]
use fax_t30::codec::{self, Compression};
use fax_t30::page::{BilevelPage, Resolution};
use fax_t30::tiff::{self, TiffPage};
#[test]
fn speed() {
    let t = std::time::Instant::now();
    let page = BilevelPage::test_pattern(1728, 2292, Resolution::Fine, 1);
    eprintln!("pattern {:?}", t.elapsed());
    for c in [Compression::T4OneD, Compression::T4TwoD, Compression::T6] {
        let t = std::time::Instant::now();
        let mut code = Vec::new();
        for _ in 0..20 { code = codec::encode(&page, c); }
        let e = t.elapsed() / 20;
        let t = std::time::Instant::now();
        for _ in 0..20 { codec::decode(&code, c, 1728, Resolution::Fine).unwrap(); }
        eprintln!("{c}: {} bytes enc {:?} dec {:?}", code.len(), e, t.elapsed() / 20);
    }
    let pages: Vec<TiffPage> = (0..10).map(|i| TiffPage::from_page(&BilevelPage::test_pattern(1728, 2292, Resolution::Fine, i), Compression::T6)).collect();
    let t = std::time::Instant::now();
    let bytes = tiff::write_tiff(&pages, &Default::default());
    let w = t.elapsed();
    let t = std::time::Instant::now();
    let back = tiff::read_tiff(&bytes, "x").unwrap();
    eprintln!("tiff write {:?} read {:?} ({} pages)", w, t.elapsed(), back.len());
    let t = std::time::Instant::now();
    let pdf = fax_t30::pdf::pdf_from_pages(&pages, &Default::default());
    eprintln!("pdf {:?} {} bytes", t.elapsed(), pdf.len());
}
