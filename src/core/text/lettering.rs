//! Text drawn into images (the sandbox's pictures, storyboard sheets), with egui's own Ubuntu face;
//! what it lacks (Chinese, Japanese, Korean) is drawn with the system's CJK face where there is
//! one, and left out where there is none: never a box.

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

/// The face that draws `c`: egui's, else the system's CJK face (looked for only when a character
/// needs it); none when neither has it.
fn face_for(c: char) -> Option<(&'static FontRef<'static>, ab_glyph::GlyphId)> {
    let primary = font()?;
    let id = primary.glyph_id(c);
    if id.0 != 0 || c.is_whitespace() {
        return Some((primary, id));
    }
    let cjk = crate::core::text::fonts::system_cjk_face()?;
    let id = cjk.glyph_id(c);
    (id.0 != 0).then_some((cjk, id))
}

pub fn text_width(text: &str, size: f32) -> f32 {
    text.chars()
        .filter_map(face_for)
        .map(|(face, id)| face.as_scaled(PxScale::from(size)).h_advance(id))
        .sum()
}

/// Words to wrap at: spaces, and between any two CJK characters (those scripts put no spaces
/// between words).
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for word in text.split_whitespace() {
        let mut piece = String::new();
        for c in word.chars() {
            if crate::core::text::fonts::is_cjk(c) && !piece.is_empty() {
                out.push(std::mem::take(&mut piece));
            }
            piece.push(c);
        }
        if !piece.is_empty() {
            out.push(piece);
        }
    }
    out
}

pub fn wrap(text: &str, size: f32, max_width: f32, max_lines: usize) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    let mut current = String::new();
    for word in words(text) {
        let word = word.as_str();
        // CJK characters join without a space (the text had none between them).
        let joined = current
            .chars()
            .last()
            .is_some_and(crate::core::text::fonts::is_cjk)
            && word
                .chars()
                .next()
                .is_some_and(crate::core::text::fonts::is_cjk);
        let candidate = if current.is_empty() {
            word.to_owned()
        } else if joined {
            format!("{current}{word}")
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
    let Some(primary) = font() else { return };
    let mut caret = x;
    let baseline = y + primary.as_scaled(PxScale::from(size)).ascent();
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    let mut previous: Option<(&'static FontRef<'static>, ab_glyph::GlyphId)> = None;
    for ch in text.chars() {
        // What no face has is left out (never drawn as a box).
        let Some((font, id)) = face_for(ch) else {
            continue;
        };
        let scaled = font.as_scaled(PxScale::from(size));
        if let Some((face, prev)) = previous
            && std::ptr::eq(face, font)
        {
            caret += scaled.kern(prev, id);
        }
        let glyph =
            id.with_scale_and_position(PxScale::from(size), ab_glyph::point(caret, baseline));
        caret += scaled.h_advance(id);
        previous = Some((font, id));
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_character_no_face_has_is_left_out_not_drawn_as_a_box() {
        // A private-use character: no font anyone installs draws it.
        let mut img = RgbaImage::from_pixel(64, 32, Rgba([255, 255, 255, 255]));
        label(&mut img, "\u{E000}\u{E001}", 2.0, 2.0, 24.0, [0, 0, 0]);
        assert!(img.pixels().all(|p| p.0 == [255, 255, 255, 255]));
        assert!(text_width("\u{E000}", 24.0).abs() < f32::EPSILON);
        // Latin is still drawn.
        label(&mut img, "Wan", 2.0, 2.0, 24.0, [0, 0, 0]);
        assert!(img.pixels().any(|p| p.0 != [255, 255, 255, 255]));
    }

    #[test]
    fn cjk_text_may_wrap_between_any_two_characters() {
        assert_eq!(
            words("一间花店，门前 a flower shop"),
            [
                "一", "间", "花", "店", "，", "门", "前", "a", "flower", "shop"
            ]
        );
    }
}
