//! Storyboard sheets: a group series as one PNG — its panels in reading order on a grid, each
//! numbered, under the prompt — for sharing a sequence as one picture.

use image::{Rgba, RgbaImage, imageops};

use crate::core::imaging::{self, ImagingError};
use crate::core::library::journal::JobRecord;
use crate::core::text::lettering::{blend, label, wrap};

/// Each panel's longest side on the sheet.
pub const PANEL: u32 = 768;
const MARGIN: u32 = 32;
const GAP: u32 = 24;
const PROMPT_SIZE: f32 = 30.0;
const NUMBER_SIZE: f32 = 34.0;
const PAPER: [u8; 3] = [246, 244, 240];
const INK: [u8; 3] = [30, 30, 34];

/// How many columns a sheet of `n` panels uses: 2 for up to 4, 3 for up to 9, else 4.
pub fn columns(n: usize) -> usize {
    match n {
        0 | 1 => 1,
        2 | 4 => 2,
        3 | 5 | 6 | 9 => 3,
        _ => 4,
    }
}

/// Draws the sheet from the panels' pixels, in order.
pub fn compose(panels: &[RgbaImage], prompt: &str) -> RgbaImage {
    let cols = columns(panels.len());
    let rows = panels.len().div_ceil(cols).max(1);
    let cell = |i: usize| -> u32 { u32::try_from(i).unwrap_or(u32::MAX) };
    let width = MARGIN * 2 + cell(cols) * PANEL + cell(cols - 1) * GAP;
    let lines = wrap(prompt, PROMPT_SIZE, (width - 2 * MARGIN) as f32, 3);
    let header = MARGIN + cell(lines.len()) * (PROMPT_SIZE * 1.35) as u32 + GAP / 2;
    let height = header + cell(rows) * PANEL + cell(rows - 1) * GAP + MARGIN;
    let mut sheet = RgbaImage::from_pixel(width, height, Rgba([PAPER[0], PAPER[1], PAPER[2], 255]));
    for (i, line) in lines.iter().enumerate() {
        let y = MARGIN as f32 + i as f32 * PROMPT_SIZE * 1.35;
        label(&mut sheet, line, MARGIN as f32, y, PROMPT_SIZE, INK);
    }
    for (i, panel) in panels.iter().enumerate() {
        let (col, row) = (cell(i % cols), cell(i / cols));
        let x0 = MARGIN + col * (PANEL + GAP);
        let y0 = header + row * (PANEL + GAP);
        let scale = f64::from(PANEL) / f64::from(panel.width().max(panel.height()).max(1));
        let (w, h) = (
            ((f64::from(panel.width()) * scale).round() as u32).clamp(1, PANEL),
            ((f64::from(panel.height()) * scale).round() as u32).clamp(1, PANEL),
        );
        let fitted = imageops::resize(panel, w, h, imageops::FilterType::Triangle);
        let (x, y) = (x0 + (PANEL - w) / 2, y0 + (PANEL - h) / 2);
        imageops::overlay(&mut sheet, &fitted, i64::from(x), i64::from(y));
        number(&mut sheet, i + 1, x + 12, y + 12);
    }
    sheet
}

/// A panel's number in a dark disc at its top-left corner.
fn number(sheet: &mut RgbaImage, n: usize, x: u32, y: u32) {
    let radius = 26.0f32;
    let (cx, cy) = (x as f32 + radius, y as f32 + radius);
    for py in y..(y + 2 * radius as u32).min(sheet.height()) {
        for px in x..(x + 2 * radius as u32).min(sheet.width()) {
            let d = ((px as f32 + 0.5 - cx).powi(2) + (py as f32 + 0.5 - cy).powi(2)).sqrt();
            let coverage = (radius - d + 0.5).clamp(0.0, 1.0) * 0.85;
            if coverage > 0.0 {
                blend(sheet, px, py, [20, 20, 24], coverage);
            }
        }
    }
    let text = n.to_string();
    let w = crate::core::text::lettering::text_width(&text, NUMBER_SIZE);
    label(
        sheet,
        &text,
        cx - w / 2.0,
        cy - NUMBER_SIZE * 0.62,
        NUMBER_SIZE,
        [255, 255, 255],
    );
}

/// Reads a series' results from the library and writes its sheet to `dest` (atomically). With
/// `replace` false an existing file is left as it is and the export fails, saying so.
pub fn export_sheet(
    job: &JobRecord,
    dest: &std::path::Path,
    replace: bool,
) -> Result<(), ImagingError> {
    let mut panels = Vec::with_capacity(job.results.len());
    let mut results: Vec<_> = job.results.iter().collect();
    results.sort_by_key(|r| r.index);
    for r in results {
        let bytes = std::fs::read(&r.path).map_err(|e| ImagingError::io(&r.path, e))?;
        let img = imaging::decode_limited(&bytes)?;
        // Panels are drawn at most PANEL px: shrink large ones right away to keep memory low.
        let img = if img.width().max(img.height()) > PANEL * 2 {
            img.thumbnail(PANEL * 2, PANEL * 2)
        } else {
            img
        };
        panels.push(img.to_rgba8());
    }
    let sheet = compose(&panels, job.request.prompt.as_deref().unwrap_or(""));
    let text = [("Software", "Wan Studio"), ("Title", "Storyboard")];
    imaging::write_named(dest, &imaging::encode_png(&sheet, &text)?, replace)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_panels_read_in_rows_of_four_numbered_in_order() {
        let colours: Vec<[u8; 3]> = (0..12u8).map(|i| [i * 20, 255 - i * 20, 128]).collect();
        let panels: Vec<RgbaImage> = colours
            .iter()
            .map(|c| RgbaImage::from_pixel(200, 100, Rgba([c[0], c[1], c[2], 255])))
            .collect();
        let sheet = compose(&panels, "a fox walks through the snow, twelve moments");
        assert_eq!(columns(12), 4);
        let header_rows = sheet.height() - 3 * PANEL - 2 * GAP - MARGIN;
        for (i, c) in colours.iter().enumerate() {
            let (col, row) = ((i % 4) as u32, (i / 4) as u32);
            // The middle right of each panel (away from its number) is that panel's colour.
            let x = MARGIN + col * (PANEL + GAP) + PANEL * 3 / 4;
            let y = header_rows + row * (PANEL + GAP) + PANEL / 2;
            let p = sheet.get_pixel(x, y);
            assert_eq!([p[0], p[1], p[2]], *c, "panel {} is out of place", i + 1);
        }
    }
}
