//! Plain text into pages: line breaks, word wrap, tabs, form feeds.
//!
//! The text is already decoded (the MIME layer applies the charset). CR LF,
//! lone CR and LF end a line; a form feed (`\f`) starts a new page, as it does
//! on a printer; tabs stop every eight space widths; a line too long for the
//! print area wraps at the last space, and a word longer than a line is cut.
//! Whitespace at the end of the text or of a form-feed section adds nothing,
//! so a body that is only blank lines renders to no page at all.

use ab_glyph::GlyphId;
use fax_t30::page::BilevelPage;

use super::font::SizedFont;
use super::{Font, PageSetup, PrintArea, RenderError, MAX_PAGES, TEXT_NAME};

/// Form feed (`\f` in C): starts a new page.
const FORM_FEED: char = '\u{c}';

/// Spaces per tab stop.
const TAB_STOP: f32 = 8.0;

/// Smallest and largest point size accepted.
const MIN_SIZE_PT: f32 = 4.0;
const MAX_SIZE_PT: f32 = 144.0;

/// Render `text` in `font` at `size_pt` points into pages of `setup`.
/// Empty or whitespace-only text gives no pages.
pub fn render_text(
    text: &str,
    setup: &PageSetup,
    font: &Font,
    size_pt: f32,
) -> Result<Vec<BilevelPage>, RenderError> {
    if !(MIN_SIZE_PT..=MAX_SIZE_PT).contains(&size_pt) {
        return Err(RenderError::BadSetup {
            reason: format!("text size {size_pt} pt (use {MIN_SIZE_PT} to {MAX_SIZE_PT})"),
        });
    }
    let area = setup.print_area()?;
    let text = normalise_newlines(text);
    let mut sections: Vec<&str> = text.split(FORM_FEED).map(str::trim_end).collect();
    while sections.last().is_some_and(|s| s.is_empty()) {
        sections.pop();
    }
    if sections.is_empty() {
        return Ok(Vec::new());
    }

    let sized = SizedFont::new(font, size_pt, area.x_dpi, area.y_dpi);
    let mut writer = PageWriter::new(setup, area, sized);
    for section in sections {
        writer.new_page()?;
        for line in section.split('\n') {
            let glyphs = writer.shape(line);
            for visual in writer.wrap(&glyphs) {
                writer.emit_line(&visual)?;
            }
        }
    }
    Ok(writer.pages)
}

/// CR LF and lone CR become LF.
fn normalise_newlines(text: &str) -> String {
    text.replace("\r\n", "\n").replace('\r', "\n")
}

/// One laid-out character of a logical line.
#[derive(Debug, Clone, Copy)]
enum Item {
    /// A glyph and its advance (kerning with the previous glyph included).
    Glyph(GlyphId, f32),
    /// A space of this width: a break opportunity.
    Space(f32),
    /// A tab: advance to the next stop.
    Tab,
}

/// A glyph on a visual line, at `x` pixels from the print area's left edge.
type Placed = (GlyphId, f32);

struct PageWriter<'f> {
    setup: PageSetup,
    area: PrintArea,
    font: SizedFont<'f>,
    space: f32,
    tab: f32,
    /// Top of the next line, in page rows.
    y: f32,
    pages: Vec<BilevelPage>,
}

impl<'f> PageWriter<'f> {
    fn new(setup: &PageSetup, area: PrintArea, font: SizedFont<'f>) -> PageWriter<'f> {
        let space = font
            .glyph(' ')
            .map(|id| font.advance(id))
            .filter(|w| *w > 0.0)
            .unwrap_or(font.line_height() * 0.3);
        PageWriter {
            setup: *setup,
            area,
            font,
            space,
            tab: space * TAB_STOP,
            y: 0.0,
            pages: Vec::new(),
        }
    }

    fn new_page(&mut self) -> Result<(), RenderError> {
        if self.pages.len() >= MAX_PAGES {
            return Err(RenderError::TooLarge {
                name: TEXT_NAME.to_owned(),
                reason: format!("more than {MAX_PAGES} pages of text"),
            });
        }
        self.pages.push(self.setup.blank_page());
        self.y = self.area.y as f32;
        Ok(())
    }

    /// Characters of one logical line as items, kerned.
    fn shape(&self, line: &str) -> Vec<Item> {
        let mut items = Vec::with_capacity(line.len());
        let mut prev: Option<GlyphId> = None;
        for c in line.chars() {
            match c {
                ' ' => {
                    items.push(Item::Space(self.space));
                    prev = None;
                }
                '\t' => {
                    items.push(Item::Tab);
                    prev = None;
                }
                _ => {
                    let Some(id) = self.font.glyph(c) else {
                        continue;
                    };
                    let kern = prev.map_or(0.0, |p| self.font.kern(p, id));
                    items.push(Item::Glyph(id, self.font.advance(id) + kern));
                    prev = Some(id);
                }
            }
        }
        items
    }

    /// Break a logical line into visual lines that fit the print area.
    fn wrap(&self, items: &[Item]) -> Vec<Vec<Placed>> {
        let max = self.area.width as f32;
        let mut lines = Vec::new();
        let mut line: Vec<Placed> = Vec::new();
        let mut x = 0.0f32;
        let mut i = 0;
        while i < items.len() {
            match items[i] {
                Item::Space(w) => {
                    if x + w > max {
                        // Whitespace at a wrap point is dropped.
                        lines.push(std::mem::take(&mut line));
                        x = 0.0;
                    } else {
                        x += w;
                    }
                    i += 1;
                }
                Item::Tab => {
                    let next = ((x / self.tab).floor() + 1.0) * self.tab;
                    if next > max {
                        lines.push(std::mem::take(&mut line));
                        x = 0.0;
                    } else {
                        x = next;
                    }
                    i += 1;
                }
                Item::Glyph(..) => {
                    let end = items[i..]
                        .iter()
                        .position(|it| !matches!(it, Item::Glyph(..)))
                        .map_or(items.len(), |n| i + n);
                    let word = &items[i..end];
                    let width: f32 = word.iter().map(item_width).sum();
                    if x + width > max && x > 0.0 {
                        lines.push(std::mem::take(&mut line));
                        x = 0.0;
                    }
                    for item in word {
                        let Item::Glyph(id, advance) = *item else {
                            continue;
                        };
                        // Cut a word longer than the line.
                        if x + advance > max && x > 0.0 {
                            lines.push(std::mem::take(&mut line));
                            x = 0.0;
                        }
                        line.push((id, x));
                        x += advance;
                    }
                    i = end;
                }
            }
        }
        lines.push(line);
        lines
    }

    /// Draw one visual line, starting a new page when it does not fit.
    fn emit_line(&mut self, glyphs: &[Placed]) -> Result<(), RenderError> {
        let height = self.font.line_height();
        let bottom = (self.area.y + self.area.height) as f32;
        if self.y + height > bottom + 0.5 && self.y > self.area.y as f32 {
            self.new_page()?;
        }
        let baseline = self.y + self.font.ascent();
        let left = self.area.x as f32;
        let page = self.pages.last_mut().expect("a page was started");
        for &(id, x) in glyphs {
            self.font.draw(page, id, left + x, baseline);
        }
        self.y += height;
        Ok(())
    }
}

fn item_width(item: &Item) -> f32 {
    match *item {
        Item::Glyph(_, w) | Item::Space(w) => w,
        Item::Tab => 0.0,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fax_t30::page::{PaperSize, Resolution};

    fn font() -> Font {
        Font::system_default().expect("the default font (scripts/setup.sh installs it)")
    }

    #[test]
    fn newlines_normalise() {
        assert_eq!(normalise_newlines("a\r\nb\rc\nd"), "a\nb\nc\nd");
    }

    #[test]
    fn blank_text_gives_no_pages() {
        let font = font();
        let setup = PageSetup::new(PaperSize::A4, Resolution::Fine);
        for text in ["", "\n\n", "  \r\n\t", "\u{c}\u{c}\n"] {
            assert!(render_text(text, &setup, &font, 10.0).unwrap().is_empty());
        }
    }

    #[test]
    fn tabs_stop_at_multiples_of_eight_spaces() {
        let font = font();
        let setup = PageSetup::default();
        let area = setup.print_area().unwrap();
        let sized = SizedFont::new(&font, 10.0, area.x_dpi, area.y_dpi);
        let writer = PageWriter::new(&setup, area, sized);
        let lines = writer.wrap(&writer.shape("a\tb\t\tc"));
        assert_eq!(lines.len(), 1);
        let xs: Vec<f32> = lines[0].iter().map(|g| g.1).collect();
        assert_eq!(xs[0], 0.0);
        assert!((xs[1] - writer.tab).abs() < 0.01, "{xs:?}");
        assert!((xs[2] - 3.0 * writer.tab).abs() < 0.01, "{xs:?}");
    }

    #[test]
    fn bad_sizes_are_refused() {
        let font = font();
        let setup = PageSetup::default();
        for size in [0.0, -1.0, f32::NAN, 1000.0] {
            assert!(matches!(
                render_text("x", &setup, &font, size),
                Err(RenderError::BadSetup { .. })
            ));
        }
    }
}
