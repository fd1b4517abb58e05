//! Multi-page TIFF-F (RFC 3949 profile S/F, TIFF 6.0 section 11): writing
//! the files we spool and store, reading what spandsp/libtiff, Ghostscript
//! (`tiffg3`, `tiffg4`) and scanners produce.
//!
//! A page is kept as its CCITT code stream ([`TiffPage::data`], MSB first),
//! so a received fax goes to TIFF and PDF without being re-encoded.
//!
//! The reader is for untrusted files: every offset and size is checked,
//! widths, lengths and page counts are capped, IFD loops are caught, no
//! byte of the file may serve as strip data twice (pages that share a
//! strip would let a small file claim many times its size), and anything
//! it cannot use is an [`Error::BadTiff`], never a panic.

use std::collections::HashSet;
use std::path::Path;

use crate::codec::{self, Compression, Decoded};
use crate::page::{BilevelPage, Resolution, MAX_ROWS, MAX_WIDTH};
use crate::Error;

mod tag {
    pub const NEW_SUBFILE_TYPE: u16 = 254;
    pub const IMAGE_WIDTH: u16 = 256;
    pub const IMAGE_LENGTH: u16 = 257;
    pub const BITS_PER_SAMPLE: u16 = 258;
    pub const COMPRESSION: u16 = 259;
    pub const PHOTOMETRIC: u16 = 262;
    pub const FILL_ORDER: u16 = 266;
    pub const IMAGE_DESCRIPTION: u16 = 270;
    pub const STRIP_OFFSETS: u16 = 273;
    pub const ORIENTATION: u16 = 274;
    pub const SAMPLES_PER_PIXEL: u16 = 277;
    pub const ROWS_PER_STRIP: u16 = 278;
    pub const STRIP_BYTE_COUNTS: u16 = 279;
    pub const X_RESOLUTION: u16 = 282;
    pub const Y_RESOLUTION: u16 = 283;
    pub const PLANAR_CONFIG: u16 = 284;
    pub const T4_OPTIONS: u16 = 292;
    pub const T6_OPTIONS: u16 = 293;
    pub const RESOLUTION_UNIT: u16 = 296;
    pub const PAGE_NUMBER: u16 = 297;
    pub const SOFTWARE: u16 = 305;
    pub const DATE_TIME: u16 = 306;
    pub const TILE_WIDTH: u16 = 322;
    pub const BAD_FAX_LINES: u16 = 326;
    pub const CLEAN_FAX_DATA: u16 = 327;
    pub const CONSECUTIVE_BAD_FAX_LINES: u16 = 328;
}

/// Most pages (IFDs) one file may hold.
pub const MAX_PAGES: usize = 5000;
/// Most strips one file may hold in all (each is decoded on its own, so
/// this bounds the work a small hostile file can ask for).
pub const MAX_STRIPS: usize = 1_000_000;

/// One page of a fax TIFF: its CCITT code stream and what it takes to
/// decode and display it.
#[derive(Debug, Clone, PartialEq)]
pub struct TiffPage {
    pub width: u32,
    pub rows: u32,
    /// Horizontal resolution in dots per inch.
    pub x_dpi: f32,
    /// Vertical resolution in lines per inch.
    pub y_dpi: f32,
    pub compression: Compression,
    /// The page as one code stream, MSB first (FillOrder 1), as
    /// [`codec::encode`] makes it.
    pub data: Vec<u8>,
    /// Rows the receiver had to regenerate (TIFF BadFaxLines), if known.
    pub bad_rows: Option<u32>,
    /// Longest run of regenerated rows (ConsecutiveBadFaxLines), if known.
    pub consecutive_bad_rows: Option<u32>,
}

impl TiffPage {
    /// Compress a page for storage. Damage is unknown, so `bad_rows` is
    /// `None`; use [`TiffPage::from_decoded`] for received pages.
    pub fn from_page(page: &BilevelPage, compression: Compression) -> TiffPage {
        TiffPage {
            width: page.width,
            rows: page.rows,
            x_dpi: f32::from(page.resolution.x_dpi()),
            y_dpi: f32::from(page.resolution.y_dpi()),
            compression,
            data: codec::encode(page, compression),
            bad_rows: None,
            consecutive_bad_rows: None,
        }
    }

    /// Compress a decoded page, recording how many rows were bad.
    pub fn from_decoded(decoded: &Decoded, compression: Compression) -> TiffPage {
        TiffPage {
            bad_rows: Some(decoded.bad_rows),
            consecutive_bad_rows: Some(decoded.longest_bad_run),
            ..TiffPage::from_page(&decoded.page, compression)
        }
    }

    /// The resolution as a fax resolution where it is one.
    pub fn resolution(&self) -> Resolution {
        Resolution::from_dpi(self.x_dpi, self.y_dpi)
    }

    /// Decode to exactly `rows` rows: a stream that ends early is padded
    /// with white, rows past `rows` are dropped.
    pub fn decode(&self) -> Result<BilevelPage, Error> {
        self.decode_with_stats().map(|d| d.page)
    }

    /// [`TiffPage::decode`] with the decoder's bad-row counts.
    pub fn decode_with_stats(&self) -> Result<Decoded, Error> {
        let (mut decoded, _more) = codec::decode_at_most(
            &self.data,
            self.compression,
            self.width,
            self.resolution(),
            self.rows,
        )?;
        decoded.page.set_rows(self.rows);
        Ok(decoded)
    }
}

/// File-level text for the TIFF tags that describe the whole fax.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct TiffMeta {
    /// Software tag; defaults to `ums fax-t30 <version>`.
    pub software: Option<String>,
    /// ImageDescription on every page, e.g. the remote station's TSI.
    pub description: Option<String>,
    /// DateTime tag, exactly "YYYY:MM:DD HH:MM:SS" (anything else is left
    /// out). Supplied by the caller: the page model reads no clock.
    pub date_time: Option<String>,
}

impl Default for TiffMeta {
    fn default() -> TiffMeta {
        TiffMeta {
            software: Some(concat!("ums fax-t30 ", env!("CARGO_PKG_VERSION")).to_string()),
            description: None,
            date_time: None,
        }
    }
}

/// One IFD entry before layout: its value bytes are placed by `write_tiff`.
struct Field {
    tag: u16,
    typ: u16,
    count: u32,
    bytes: Vec<u8>,
}

impl Field {
    /// `size` is the byte size of one value of TIFF type `typ`.
    fn new(tag: u16, typ: u16, size: usize, bytes: Vec<u8>) -> Field {
        let count = (bytes.len() / size) as u32;
        Field {
            tag,
            typ,
            count,
            bytes,
        }
    }
    fn short(tag: u16, values: &[u16]) -> Field {
        Field::new(
            tag,
            3,
            2,
            values.iter().flat_map(|v| v.to_le_bytes()).collect(),
        )
    }
    fn long(tag: u16, value: u32) -> Field {
        Field::new(tag, 4, 4, value.to_le_bytes().to_vec())
    }
    fn rational(tag: u16, value: f32) -> Field {
        let (n, d) = to_rational(value);
        Field::new(tag, 5, 8, [n.to_le_bytes(), d.to_le_bytes()].concat())
    }
    fn ascii(tag: u16, text: &str) -> Field {
        // TIFF ASCII is 7-bit and NUL-terminated: drop what does not fit.
        let mut bytes: Vec<u8> = text.bytes().filter(|b| (0x20..0x7F).contains(b)).collect();
        bytes.push(0);
        Field::new(tag, 2, 1, bytes)
    }
}

/// A rational close to `value`, with a small denominator where one is exact.
fn to_rational(value: f32) -> (u32, u32) {
    let v = if value.is_finite() && value > 0.0 {
        f64::from(value)
    } else {
        204.0
    };
    for d in [1u32, 2, 4, 5, 10, 100, 1000, 10_000] {
        let n = v * f64::from(d);
        if (n - n.round()).abs() < 1e-3 && n.round() <= f64::from(u32::MAX) {
            return (n.round() as u32, d);
        }
    }
    (
        (v * 10_000.0).round().min(f64::from(u32::MAX)) as u32,
        10_000,
    )
}

/// Serialise pages as a little-endian TIFF-F file: per page the code
/// stream (one strip, FillOrder 1, WhiteIsZero) followed by its IFD.
pub fn write_tiff(pages: &[TiffPage], meta: &TiffMeta) -> Vec<u8> {
    let total = pages.len().min(usize::from(u16::MAX)) as u16;
    let mut out = Vec::with_capacity(8 + pages.iter().map(|p| p.data.len() + 512).sum::<usize>());
    out.extend_from_slice(b"II");
    out.extend_from_slice(&42u16.to_le_bytes());
    let mut next_ifd_field = 4; // where the offset of the next IFD goes
    out.extend_from_slice(&0u32.to_le_bytes());

    for (i, page) in pages.iter().enumerate() {
        let strip_offset = out.len() as u32;
        out.extend_from_slice(&page.data);
        if out.len() % 2 == 1 {
            out.push(0);
        }
        let mut fields = vec![
            Field::long(tag::NEW_SUBFILE_TYPE, 2),
            Field::long(tag::IMAGE_WIDTH, page.width),
            Field::long(tag::IMAGE_LENGTH, page.rows),
            Field::short(tag::BITS_PER_SAMPLE, &[1]),
            Field::short(tag::COMPRESSION, &[tiff_compression(page.compression)]),
            Field::short(tag::PHOTOMETRIC, &[0]),
            Field::short(tag::FILL_ORDER, &[1]),
            Field::long(tag::STRIP_OFFSETS, strip_offset),
            Field::short(tag::ORIENTATION, &[1]),
            Field::short(tag::SAMPLES_PER_PIXEL, &[1]),
            Field::long(tag::ROWS_PER_STRIP, page.rows),
            Field::long(tag::STRIP_BYTE_COUNTS, page.data.len() as u32),
            Field::rational(tag::X_RESOLUTION, page.x_dpi),
            Field::rational(tag::Y_RESOLUTION, page.y_dpi),
            Field::short(tag::PLANAR_CONFIG, &[1]),
            Field::short(tag::RESOLUTION_UNIT, &[2]),
            Field::short(
                tag::PAGE_NUMBER,
                &[i.min(usize::from(u16::MAX)) as u16, total],
            ),
        ];
        match page.compression {
            Compression::T4OneD => fields.push(Field::long(tag::T4_OPTIONS, 0)),
            Compression::T4TwoD => fields.push(Field::long(tag::T4_OPTIONS, 1)),
            Compression::T6 => fields.push(Field::long(tag::T6_OPTIONS, 0)),
        }
        if let Some(text) = &meta.description {
            fields.push(Field::ascii(tag::IMAGE_DESCRIPTION, text));
        }
        if let Some(text) = &meta.software {
            fields.push(Field::ascii(tag::SOFTWARE, text));
        }
        if let Some(dt) = meta.date_time.as_deref().filter(|dt| valid_date_time(dt)) {
            fields.push(Field::ascii(tag::DATE_TIME, dt));
        }
        if let Some(bad) = page.bad_rows {
            fields.push(Field::long(tag::BAD_FAX_LINES, bad));
            // CleanFaxData: 0 clean, 1 regenerated by the receiver.
            fields.push(Field::short(tag::CLEAN_FAX_DATA, &[u16::from(bad > 0)]));
            if let Some(run) = page.consecutive_bad_rows {
                fields.push(Field::long(tag::CONSECUTIVE_BAD_FAX_LINES, run));
            }
        }
        fields.sort_by_key(|f| f.tag);

        let ifd_offset = out.len() as u32;
        out[next_ifd_field..next_ifd_field + 4].copy_from_slice(&ifd_offset.to_le_bytes());
        let ifd_len = 2 + 12 * fields.len() + 4;
        let mut extra_offset = ifd_offset as usize + ifd_len;
        let mut extra = Vec::new();
        out.extend_from_slice(&(fields.len() as u16).to_le_bytes());
        for f in &fields {
            out.extend_from_slice(&f.tag.to_le_bytes());
            out.extend_from_slice(&f.typ.to_le_bytes());
            out.extend_from_slice(&f.count.to_le_bytes());
            if f.bytes.len() <= 4 {
                let mut inline = [0u8; 4];
                inline[..f.bytes.len()].copy_from_slice(&f.bytes);
                out.extend_from_slice(&inline);
            } else {
                out.extend_from_slice(&(extra_offset as u32).to_le_bytes());
                extra.extend_from_slice(&f.bytes);
                if f.bytes.len() % 2 == 1 {
                    extra.push(0);
                }
                extra_offset = ifd_offset as usize + ifd_len + extra.len();
            }
        }
        next_ifd_field = out.len();
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&extra);
    }
    out
}

fn tiff_compression(c: Compression) -> u16 {
    match c {
        Compression::T4OneD | Compression::T4TwoD => 3,
        Compression::T6 => 4,
    }
}

fn valid_date_time(dt: &str) -> bool {
    let b = dt.as_bytes();
    b.len() == 19
        && b.iter().enumerate().all(|(i, &c)| match i {
            4 | 7 | 13 | 16 => c == b':',
            10 => c == b' ',
            _ => c.is_ascii_digit(),
        })
}

/// Write a TIFF file atomically: a temporary file in the same directory,
/// flushed to disk, then renamed over `path`.
pub fn write_tiff_file(
    path: impl AsRef<Path>,
    pages: &[TiffPage],
    meta: &TiffMeta,
) -> Result<(), Error> {
    write_atomically(path.as_ref(), &write_tiff(pages, meta))
}

/// Replace `path` with `bytes` so that readers see the old file or the
/// whole new one, never a part ([`crate::durable::write`]).
pub(crate) fn write_atomically(path: &Path, bytes: &[u8]) -> Result<(), Error> {
    crate::durable::write(path, bytes).map_err(|e| Error::io(path, e))
}

/// Read a TIFF file (see [`read_tiff`]).
pub fn read_tiff_file(path: impl AsRef<Path>) -> Result<Vec<TiffPage>, Error> {
    let path = path.as_ref();
    let bytes = std::fs::read(path).map_err(|e| Error::io(path, e))?;
    read_tiff(&bytes, &path.display().to_string())
}

/// Parse every page of a bilevel TIFF. Reduced-resolution images
/// (thumbnails) are skipped. Single-strip CCITT pages keep their code
/// stream (bit-reversed if FillOrder 2); multi-strip, BlackIsZero,
/// uncompressed and PackBits pages are decoded and re-encoded as one
/// stream (uncompressed and PackBits as T.6).
pub fn read_tiff(bytes: &[u8], name_for_errors: &str) -> Result<Vec<TiffPage>, Error> {
    let file = TiffFile::new(bytes, name_for_errors)?;
    let mut pages = Vec::new();
    let mut seen = HashSet::new();
    let mut budget = Budget {
        strips: MAX_STRIPS,
        bytes: bytes.len(),
    };
    let mut offset = file.u32_at(4)?;
    while offset != 0 {
        if !seen.insert(offset) {
            return Err(file.bad(format!("IFD chain loops back to offset {offset}")));
        }
        if seen.len() > MAX_PAGES {
            return Err(file.bad(format!("more than {MAX_PAGES} IFDs")));
        }
        let ifd = file.ifd(offset)?;
        if let Some(page) = file.page(&ifd, pages.len() + 1, &mut budget)? {
            pages.push(page);
        }
        offset = ifd.next;
    }
    if pages.is_empty() {
        return Err(file.bad("no pages".into()));
    }
    Ok(pages)
}

/// What the pages still to be read may use: strips (each is decoded on its
/// own) and strip bytes (strips never overlap in a sound file, so together
/// they hold at most the file).
struct Budget {
    strips: usize,
    bytes: usize,
}

/// A parsed IFD: its entries and the offset of the next one.
struct Ifd {
    entries: Vec<Entry>,
    next: u32,
}

#[derive(Clone, Copy)]
struct Entry {
    tag: u16,
    typ: u16,
    count: u32,
    /// File offset of the entry's 4-byte value-or-offset field.
    field: usize,
}

/// The bytes of a TIFF file with its byte order, read with bounds checks.
struct TiffFile<'a> {
    bytes: &'a [u8],
    big_endian: bool,
    name: &'a str,
}

impl<'a> TiffFile<'a> {
    fn new(bytes: &'a [u8], name: &'a str) -> Result<Self, Error> {
        let mut file = TiffFile {
            bytes,
            big_endian: false,
            name,
        };
        file.big_endian = match bytes.get(..2) {
            Some(b"II") => false,
            Some(b"MM") => true,
            _ => return Err(file.bad("not a TIFF file (bad byte-order mark)".into())),
        };
        match file.u16_at(2)? {
            42 => Ok(file),
            43 => Err(file.bad("BigTIFF is not supported".into())),
            v => Err(file.bad(format!("not a TIFF file (version {v})"))),
        }
    }

    fn bad(&self, reason: String) -> Error {
        Error::BadTiff {
            path: self.name.to_string(),
            reason,
        }
    }

    fn slice(&self, offset: usize, len: usize) -> Result<&'a [u8], Error> {
        offset
            .checked_add(len)
            .and_then(|end| self.bytes.get(offset..end))
            .ok_or_else(|| {
                self.bad(format!(
                    "{len} bytes at offset {offset} lie past the end of the file ({} bytes)",
                    self.bytes.len()
                ))
            })
    }

    fn u16_at(&self, offset: usize) -> Result<u16, Error> {
        let b: [u8; 2] = self.slice(offset, 2)?.try_into().expect("2 bytes");
        Ok(if self.big_endian {
            u16::from_be_bytes(b)
        } else {
            u16::from_le_bytes(b)
        })
    }

    fn u32_at(&self, offset: usize) -> Result<u32, Error> {
        let b: [u8; 4] = self.slice(offset, 4)?.try_into().expect("4 bytes");
        Ok(if self.big_endian {
            u32::from_be_bytes(b)
        } else {
            u32::from_le_bytes(b)
        })
    }

    fn ifd(&self, offset: u32) -> Result<Ifd, Error> {
        let offset = offset as usize;
        let n = usize::from(self.u16_at(offset)?);
        self.slice(offset, 2 + 12 * n + 4)?;
        let next_field = offset + 2 + 12 * n;
        let entries = (0..n)
            .map(|i| {
                let at = offset + 2 + 12 * i;
                Ok(Entry {
                    tag: self.u16_at(at)?,
                    typ: self.u16_at(at + 2)?,
                    count: self.u32_at(at + 4)?,
                    field: at + 8,
                })
            })
            .collect::<Result<Vec<_>, Error>>()?;
        Ok(Ifd {
            entries,
            next: self.u32_at(next_field)?,
        })
    }

    /// Where an entry's values are and how big each is; `None` for types
    /// a bilevel reader never needs.
    fn locate(&self, e: &Entry) -> Result<Option<(usize, usize)>, Error> {
        let size = match e.typ {
            1 | 2 | 6 | 7 => 1,
            3 | 8 => 2,
            4 | 9 | 11 | 13 => 4,
            5 | 10 | 12 => 8,
            _ => return Ok(None),
        };
        let total = (e.count as usize)
            .checked_mul(size)
            .filter(|&t| t <= self.bytes.len())
            .ok_or_else(|| self.bad(format!("tag {} claims {} values", e.tag, e.count)))?;
        let at = if total <= 4 {
            e.field
        } else {
            self.u32_at(e.field)? as usize
        };
        self.slice(at, total)?;
        Ok(Some((at, size)))
    }

    /// Unsigned integer values (BYTE, SHORT or LONG) of an entry.
    fn uints(&self, e: &Entry) -> Result<Vec<u32>, Error> {
        let (at, size) = match (e.typ, self.locate(e)?) {
            (1 | 3 | 4, Some(loc)) => loc,
            _ => return Err(self.bad(format!("tag {} has type {}, not an integer", e.tag, e.typ))),
        };
        (0..e.count as usize)
            .map(|i| match size {
                1 => Ok(u32::from(self.bytes[at + i])),
                2 => self.u16_at(at + 2 * i).map(u32::from),
                _ => self.u32_at(at + 4 * i),
            })
            .collect()
    }

    fn rational(&self, e: &Entry) -> Result<Option<f64>, Error> {
        match (e.typ, self.locate(e)?) {
            (5, Some((at, _))) if e.count >= 1 => {
                let (n, d) = (self.u32_at(at)?, self.u32_at(at + 4)?);
                Ok((d != 0).then(|| f64::from(n) / f64::from(d)))
            }
            (3 | 4, Some(_)) => Ok(self.uints(e)?.first().map(|&v| f64::from(v))),
            _ => Ok(None),
        }
    }

    /// One page from an IFD (`None` for a thumbnail).
    fn page(
        &self,
        ifd: &Ifd,
        number: usize,
        budget: &mut Budget,
    ) -> Result<Option<TiffPage>, Error> {
        let find = |t: u16| ifd.entries.iter().find(|e| e.tag == t);
        let first = |t: u16| -> Result<Option<u32>, Error> {
            match find(t) {
                Some(e) => Ok(self.uints(e)?.first().copied()),
                None => Ok(None),
            }
        };
        let bad = |reason: String| self.bad(format!("page {number}: {reason}"));
        if first(tag::NEW_SUBFILE_TYPE)?.unwrap_or(0) & 1 != 0 {
            return Ok(None);
        }
        let width = first(tag::IMAGE_WIDTH)?.ok_or_else(|| bad("no ImageWidth".into()))?;
        let rows = first(tag::IMAGE_LENGTH)?.ok_or_else(|| bad("no ImageLength".into()))?;
        if width == 0 || width > MAX_WIDTH {
            return Err(bad(format!("width {width} outside 1..={MAX_WIDTH}")));
        }
        if rows == 0 || rows > MAX_ROWS {
            return Err(bad(format!("length {rows} outside 1..={MAX_ROWS}")));
        }
        if find(tag::TILE_WIDTH).is_some() {
            return Err(bad("tiled images are not supported".into()));
        }
        let bits = match find(tag::BITS_PER_SAMPLE) {
            Some(e) => self.uints(e)?,
            None => vec![1],
        };
        let samples = first(tag::SAMPLES_PER_PIXEL)?.unwrap_or(1);
        if samples != 1 || bits.iter().any(|&b| b != 1) {
            return Err(bad(format!(
                "{samples} samples of {bits:?} bits: not a bilevel image"
            )));
        }
        let black_is_zero = match first(tag::PHOTOMETRIC)?.unwrap_or(0) {
            0 => false,
            1 => true,
            p => {
                return Err(bad(format!(
                    "photometric interpretation {p} is not bilevel"
                )))
            }
        };
        let reverse = match first(tag::FILL_ORDER)?.unwrap_or(1) {
            1 => false,
            2 => true,
            f => return Err(bad(format!("fill order {f}"))),
        };
        let scheme = match first(tag::COMPRESSION)?.unwrap_or(1) {
            1 => Scheme::Raw,
            3 => {
                let options = first(tag::T4_OPTIONS)?.unwrap_or(0);
                if options & 2 != 0 {
                    return Err(bad("T.4 uncompressed mode is not supported".into()));
                }
                // Fill bits (option 4) before EOLs are legal T.4; the decoder skips them.
                if options & 1 != 0 {
                    Scheme::Ccitt(Compression::T4TwoD)
                } else {
                    Scheme::Ccitt(Compression::T4OneD)
                }
            }
            4 => {
                if first(tag::T6_OPTIONS)?.unwrap_or(0) & 2 != 0 {
                    return Err(bad("T.6 uncompressed mode is not supported".into()));
                }
                Scheme::Ccitt(Compression::T6)
            }
            32773 => Scheme::PackBits,
            c => return Err(bad(format!("compression {c} is not supported"))),
        };

        let (x_dpi, y_dpi) = self.resolution(ifd)?;
        let resolution = Resolution::from_dpi(x_dpi, y_dpi);
        let offsets = find(tag::STRIP_OFFSETS).ok_or_else(|| bad("no StripOffsets".into()))?;
        let counts =
            find(tag::STRIP_BYTE_COUNTS).ok_or_else(|| bad("no StripByteCounts".into()))?;
        let (offsets, counts) = (self.uints(offsets)?, self.uints(counts)?);
        let rows_per_strip = first(tag::ROWS_PER_STRIP)?
            .unwrap_or(u32::MAX)
            .clamp(1, rows);
        let strips = rows.div_ceil(rows_per_strip) as usize;
        budget.strips = budget
            .strips
            .checked_sub(strips)
            .ok_or_else(|| bad(format!("more than {MAX_STRIPS} strips in the file")))?;
        if offsets.len() < strips || counts.len() < strips {
            return Err(bad(format!(
                "{} strip offsets and {} byte counts for {strips} strips",
                offsets.len(),
                counts.len()
            )));
        }
        let mut strip_data = Vec::with_capacity(strips);
        for (i, (&off, &len)) in offsets.iter().zip(&counts).take(strips).enumerate() {
            let data = self.slice(off as usize, len as usize).map_err(|_| {
                bad(format!(
                    "strip {i} ({len} bytes at {off}) lies past the end of the file"
                ))
            })?;
            budget.bytes = budget.bytes.checked_sub(data.len()).ok_or_else(|| {
                bad(format!(
                    "strip {i} ({len} bytes at {off}) reuses bytes of other strips \
                     (the strips claim more than the file's {} bytes)",
                    self.bytes.len()
                ))
            })?;
            strip_data.push(data);
        }
        let bad_rows = first(tag::BAD_FAX_LINES)?;
        let consecutive_bad_rows = first(tag::CONSECUTIVE_BAD_FAX_LINES)?;

        // The common case: one CCITT strip, kept as it is.
        if let (Scheme::Ccitt(compression), [data], false) =
            (scheme, strip_data.as_slice(), black_is_zero)
        {
            let mut data = data.to_vec();
            if reverse {
                codec::reverse_bits(&mut data);
            }
            return Ok(Some(TiffPage {
                width,
                rows,
                x_dpi,
                y_dpi,
                compression,
                data,
                bad_rows,
                consecutive_bad_rows,
            }));
        }

        // Otherwise assemble the bitmap strip by strip and encode it once.
        let mut page = BilevelPage::blank(width, 0, resolution);
        let (mut strip_bad, mut strip_run) = (0, 0);
        for (i, data) in strip_data.iter().enumerate() {
            let strip_rows = rows_per_strip.min(rows - i as u32 * rows_per_strip);
            let mut strip = match scheme {
                Scheme::Ccitt(c) => {
                    let mut data = data.to_vec();
                    if reverse {
                        codec::reverse_bits(&mut data);
                    }
                    let (d, _more) = codec::decode_at_most(&data, c, width, resolution, strip_rows)
                        .map_err(|e| bad(format!("strip {i}: {e}")))?;
                    strip_bad += d.bad_rows;
                    strip_run = strip_run.max(d.longest_bad_run);
                    d.page
                }
                Scheme::Raw | Scheme::PackBits => {
                    let stride = width.div_ceil(8) as usize;
                    let need = stride * strip_rows as usize;
                    let mut raw = if scheme == Scheme::PackBits {
                        unpack_bits(data, need)
                    } else {
                        data.get(..need).map(<[u8]>::to_vec).unwrap_or_default()
                    };
                    if raw.len() < need {
                        return Err(bad(format!(
                            "strip {i} holds {} of {need} bytes",
                            raw.len()
                        )));
                    }
                    if reverse {
                        codec::reverse_bits(&mut raw);
                    }
                    BilevelPage::from_packed(width, strip_rows, resolution, raw)?
                }
            };
            strip.set_rows(strip_rows);
            page.append_rows(&strip);
        }
        if black_is_zero {
            page.invert();
        }
        let compression = match scheme {
            Scheme::Ccitt(c) => c,
            Scheme::Raw | Scheme::PackBits => Compression::T6,
        };
        let mut tiff_page = TiffPage::from_page(&page, compression);
        tiff_page.x_dpi = x_dpi;
        tiff_page.y_dpi = y_dpi;
        let decoded_damage = matches!(scheme, Scheme::Ccitt(_)).then_some(strip_bad);
        tiff_page.bad_rows = bad_rows.or(decoded_damage.filter(|&b| b > 0));
        tiff_page.consecutive_bad_rows =
            consecutive_bad_rows.or((strip_run > 0).then_some(strip_run));
        Ok(Some(tiff_page))
    }

    /// Resolution in dots per inch, 204 × 196 where the file gives none.
    fn resolution(&self, ifd: &Ifd) -> Result<(f32, f32), Error> {
        let get = |t: u16| -> Result<Option<f64>, Error> {
            match ifd.entries.iter().find(|e| e.tag == t) {
                Some(e) => self.rational(e),
                None => Ok(None),
            }
        };
        let unit = match ifd.entries.iter().find(|e| e.tag == tag::RESOLUTION_UNIT) {
            Some(e) => self.uints(e)?.first().copied().unwrap_or(2),
            None => 2,
        };
        let per_inch = if unit == 3 { 2.54 } else { 1.0 };
        let usable = |v: Option<f64>| {
            v.map(|v| v * per_inch)
                .filter(|v| v.is_finite() && (1.0..=10_000.0).contains(v))
        };
        match (
            usable(get(tag::X_RESOLUTION)?),
            usable(get(tag::Y_RESOLUTION)?),
        ) {
            (Some(x), Some(y)) => Ok((x as f32, y as f32)),
            _ => Ok((204.0, 196.0)),
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Scheme {
    Raw,
    PackBits,
    Ccitt(Compression),
}

/// Expand PackBits (TIFF 6.0 section 9) up to `limit` bytes.
fn unpack_bits(data: &[u8], limit: usize) -> Vec<u8> {
    let mut out = Vec::with_capacity(limit);
    let mut i = 0;
    while i < data.len() && out.len() < limit {
        let n = data[i] as i8;
        i += 1;
        if n >= 0 {
            let end = (i + n as usize + 1).min(data.len());
            out.extend_from_slice(&data[i..end]);
            i = end;
        } else if n != -128 {
            if let Some(&b) = data.get(i) {
                out.extend(std::iter::repeat_n(b, (1 - isize::from(n)) as usize));
            }
            i += 1;
        }
    }
    out.truncate(limit);
    out
}
