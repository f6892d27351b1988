//! Text drawn into images (the sandbox's pictures, storyboard sheets), with egui's own Ubuntu face
//! so nothing is loaded from the system.

use ab_glyph::{Font, FontRef, PxScale, ScaleFont};
use image::{Rgba, RgbaImage};

/// Mixes colour `c` over pixel (x, y) with coverage `a`.
pub fn blend(img: &mut RgbaImage, x: u32, y: u32, c: [u8; 3], a: f32) {
    let p = img.get_pixel_mut(x, y);
    let a = a.clamp(0.0, 1.0);
    let mix =
        |from: u8, to: u8| (f32::from(from) + (f32::from(to) - f32::from(from)) * a).round() as u8;
    *p = Rgba([mix(p[0], c[0]), mix(p[1], c[1]), mix(p[2], c[2]), 255]);
}

static FONT: std::sync::LazyLock<Option<FontRef<'static>>> =
    std::sync::LazyLock::new(|| FontRef::try_from_slice(epaint_default_fonts::UBUNTU_LIGHT).ok());

pub fn font() -> Option<&'static FontRef<'static>> {
    FONT.as_ref()
}

pub fn text_width(text: &str, size: f32) -> f32 {
    let Some(font) = font() else { return 0.0 };
    let f = font.as_scaled(PxScale::from(size));
    text.chars().map(|c| f.h_advance(f.glyph_id(c))).sum()
}

pub fn wrap(text: &str, size: f32, max_width: f32, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in text.split_whitespace() {
        let candidate = if current.is_empty() {
            word.to_owned()
        } else {
            format!("{current} {word}")
        };
        if text_width(&candidate, size) > max_width && !current.is_empty() {
            lines.push(std::mem::replace(&mut current, word.to_owned()));
            if lines.len() == max_lines {
                if let Some(last) = lines.last_mut() {
                    last.push('…');
                }
                return lines;
            }
        } else {
            current = candidate;
        }
    }
    if !current.is_empty() {
        lines.push(current);
    }
    lines
}

/// Draws one line of text with its top-left at (x, y).
pub fn label(img: &mut RgbaImage, text: &str, x: f32, y: f32, size: f32, c: [u8; 3]) {
    let Some(font) = font() else { return };
    let scaled = font.as_scaled(PxScale::from(size));
    let mut caret = x;
    let baseline = y + scaled.ascent();
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    let mut previous = None;
    for ch in text.chars() {
        let id = scaled.glyph_id(ch);
        if let Some(prev) = previous {
            caret += scaled.kern(prev, id);
        }
        let glyph =
            id.with_scale_and_position(PxScale::from(size), ab_glyph::point(caret, baseline));
        caret += scaled.h_advance(id);
        previous = Some(id);
        if let Some(outlined) = font.outline_glyph(glyph) {
            let bounds = outlined.px_bounds();
            outlined.draw(|gx, gy, coverage| {
                let px = bounds.min.x as i64 + i64::from(gx);
                let py = bounds.min.y as i64 + i64::from(gy);
                if (0..w).contains(&px) && (0..h).contains(&py) {
                    blend(img, px as u32, py as u32, c, coverage);
                }
            });
        }
    }
}
