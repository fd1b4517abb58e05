//! PDF into pages: a temporary placeholder until the PDF rasteriser lands
//! (branch wt-pdf). Every PDF is refused by name as unsupported.

use fax_t30::page::BilevelPage;

use super::{PageSetup, RenderError};

/// Render a PDF into pages of `setup`. Placeholder: always refuses.
pub fn render_pdf(
    _bytes: &[u8],
    name: &str,
    _setup: &PageSetup,
) -> Result<Vec<BilevelPage>, RenderError> {
    Err(RenderError::Unsupported {
        name: name.to_owned(),
        reason: "PDF rendering is not available in this build yet".to_owned(),
    })
}
