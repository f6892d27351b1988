//! Draws the sandbox's results: real images at the requested size that visibly reflect the request —
//! the palette's colours, the boxes outlined on a copy of the reference, the watermark, the series
//! position — so an artist trying the sandbox sees their settings acted on.

use crate::core::text::lettering::{blend, label, text_width, wrap};
use image::{Rgba, RgbaImage, imageops};

/// A box to outline, in the output image's pixels.
#[derive(Debug, Clone, Copy)]
pub struct Outline {
    pub x1: f32,
    pub y1: f32,
    pub x2: f32,
    pub y2: f32,
}

/// A reference shown as an inset (an earlier reference with boxes of its own).
#[derive(Debug, Clone)]
pub struct Inset {
    pub image: RgbaImage,
    /// Boxes in the inset image's own pixels.
    pub boxes: Vec<Outline>,
}

/// Everything one picture shows.
#[derive(Debug, Clone)]
pub struct Scene {
    pub width: u32,
    pub height: u32,
    pub prompt: String,
    pub caption: String,
    pub seed: u64,
    /// 0-based position in the series, and the series length.
    pub index: u32,
    pub count: u32,
    pub group: bool,
    /// Palette colours with their weights (summing to 1).
    pub palette: Vec<([u8; 3], f32)>,
    pub watermark: bool,
    /// The last reference, already resized to `width × height` (editing mode).
    pub base: Option<RgbaImage>,
    /// Boxes drawn on the base, in output pixels.
    pub boxes: Vec<Outline>,
    pub insets: Vec<Inset>,
}

const BOX_COLOURS: [[u8; 3]; 2] = [[255, 196, 0], [0, 220, 255]];

/// Renders one picture.
pub fn render(scene: &Scene) -> RgbaImage {
    let (w, h) = (scene.width.max(1), scene.height.max(1));
    let mut rng = fastrand::Rng::with_seed(scene.seed ^ fnv(&scene.prompt));
    let colours = scene_colours(scene, &mut rng);
    let mut img = if let Some(base) = &scene.base {
        let mut b = base.clone();
        tint(&mut b, colours[0], 0.12);
        b
    } else {
        let mut b = gradient(w, h, colours[0], colours[1]);
        blobs(&mut b, scene, &colours, &mut rng);
        b
    };
    if !scene.palette.is_empty() {
        palette_strip(&mut img, &scene.palette);
    }
    let unit = (w.min(h) as f32 / 40.0).max(2.0);
    for (i, b) in scene.boxes.iter().enumerate() {
        outline(&mut img, b, BOX_COLOURS[i % 2], unit * 0.35);
        let (lx, ly, size) = (b.x1 + unit * 0.6, b.y1 + unit * 0.6, unit * 1.6);
        shade(
            &mut img,
            lx - unit * 0.3,
            ly - unit * 0.1,
            size * 0.9,
            size * 1.15,
            0.7,
        );
        label(
            &mut img,
            &format!("{}", i + 1),
            lx,
            ly,
            size,
            BOX_COLOURS[i % 2],
        );
    }
    insets(&mut img, &scene.insets, unit);
    captions(&mut img, scene, unit);
    if scene.watermark {
        let size = unit * 1.3;
        let text = "AI-generated";
        let tw = text_width(text, size);
        let (x, y) = (w as f32 - tw - unit, h as f32 - size - unit * 0.6);
        shade(
            &mut img,
            x - unit * 0.4,
            y - unit * 0.2,
            tw + unit * 0.8,
            size * 1.25,
            0.45,
        );
        label(&mut img, text, x, y, size, [255, 255, 255]);
    }
    img
}

fn fnv(s: &str) -> u64 {
    s.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
    })
}

/// Two base colours: from the palette when there is one, else from the prompt and seed. A group
/// series shares its colours (it is one consistent set).
fn scene_colours(scene: &Scene, rng: &mut fastrand::Rng) -> Vec<[u8; 3]> {
    if scene.palette.len() >= 2 {
        return scene.palette.iter().map(|(c, _)| *c).collect();
    }
    let hue = rng.f32();
    vec![
        hsv(hue, 0.55, 0.95),
        hsv((hue + 0.45) % 1.0, 0.65, 0.35),
        hsv((hue + 0.2) % 1.0, 0.7, 0.8),
    ]
}

fn hsv(h: f32, s: f32, v: f32) -> [u8; 3] {
    let i = (h * 6.0).floor();
    let f = h * 6.0 - i;
    let (p, q, t) = (v * (1.0 - s), v * (1.0 - f * s), v * (1.0 - (1.0 - f) * s));
    let (r, g, b) = match i as i32 % 6 {
        0 => (v, t, p),
        1 => (q, v, p),
        2 => (p, v, t),
        3 => (p, q, v),
        4 => (t, p, v),
        _ => (v, p, q),
    };
    [(r * 255.0) as u8, (g * 255.0) as u8, (b * 255.0) as u8]
}

fn mix(a: [u8; 3], b: [u8; 3], t: f32) -> [u8; 3] {
    let m = |x: u8, y: u8| (f32::from(x) + (f32::from(y) - f32::from(x)) * t).round() as u8;
    [m(a[0], b[0]), m(a[1], b[1]), m(a[2], b[2])]
}

fn gradient(w: u32, h: u32, top: [u8; 3], bottom: [u8; 3]) -> RgbaImage {
    let rows: Vec<[u8; 3]> = (0..h)
        .map(|y| mix(top, bottom, y as f32 / h as f32))
        .collect();
    RgbaImage::from_fn(w, h, |_, y| {
        let c = rows[y as usize];
        Rgba([c[0], c[1], c[2], 255])
    })
}

fn tint(img: &mut RgbaImage, c: [u8; 3], amount: f32) {
    for p in img.pixels_mut() {
        let m = mix([p[0], p[1], p[2]], c, amount);
        *p = Rgba([m[0], m[1], m[2], 255]);
    }
}

/// Soft discs: in a group series they drift from panel to panel, so the set reads as a sequence.
fn blobs(img: &mut RgbaImage, scene: &Scene, colours: &[[u8; 3]], rng: &mut fastrand::Rng) {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let progress = if scene.count > 1 {
        scene.index as f32 / (scene.count - 1) as f32
    } else {
        0.5
    };
    let drift = if scene.group { progress } else { rng.f32() };
    for k in 0..5 {
        let c = colours[(k + 1) % colours.len()];
        let cx = w * (0.15 + 0.7 * ((rng.f32() + drift * 0.6 + k as f32 * 0.13) % 1.0));
        let cy = h * (0.2 + 0.5 * rng.f32());
        let r = w.min(h) * (0.08 + 0.12 * rng.f32());
        disc(img, cx, cy, r, c, 0.55);
    }
}

fn disc(img: &mut RgbaImage, cx: f32, cy: f32, r: f32, c: [u8; 3], alpha: f32) {
    let (w, h) = (i64::from(img.width()), i64::from(img.height()));
    let x0 = ((cx - r).floor() as i64).clamp(0, w);
    let x1 = ((cx + r).ceil() as i64).clamp(0, w);
    let y0 = ((cy - r).floor() as i64).clamp(0, h);
    let y1 = ((cy + r).ceil() as i64).clamp(0, h);
    for y in y0..y1 {
        for x in x0..x1 {
            let d = ((x as f32 - cx).powi(2) + (y as f32 - cy).powi(2)).sqrt();
            let a = ((r - d) / (r * 0.25)).clamp(0.0, 1.0) * alpha;
            if a > 0.0 {
                blend(img, x as u32, y as u32, c, a);
            }
        }
    }
}

fn fill(img: &mut RgbaImage, x: f32, y: f32, w: f32, h: f32, c: [u8; 3], a: f32) {
    let (iw, ih) = (img.width() as f32, img.height() as f32);
    let (x0, y0) = (x.max(0.0) as u32, y.max(0.0) as u32);
    let (x1, y1) = (
        (x + w).min(iw).max(0.0) as u32,
        (y + h).min(ih).max(0.0) as u32,
    );
    for yy in y0..y1 {
        for xx in x0..x1 {
            blend(img, xx, yy, c, a);
        }
    }
}

fn shade(img: &mut RgbaImage, x: f32, y: f32, w: f32, h: f32, a: f32) {
    fill(img, x, y, w, h, [0, 0, 0], a);
}

/// A strip along the bottom: each palette colour as wide as its ratio.
fn palette_strip(img: &mut RgbaImage, palette: &[([u8; 3], f32)]) {
    let (w, h) = (img.width() as f32, img.height() as f32);
    let strip = (h * 0.06).max(4.0);
    let mut x = 0.0;
    for (c, ratio) in palette {
        let width = w * ratio;
        fill(img, x, h - strip, width + 1.0, strip, *c, 1.0);
        x += width;
    }
}

fn outline(img: &mut RgbaImage, b: &Outline, c: [u8; 3], thickness: f32) {
    let t = thickness.max(2.0);
    let (bw, bh) = (b.x2 - b.x1, b.y2 - b.y1);
    fill(img, b.x1 + t, b.y1 + t, bw - 2.0 * t, bh - 2.0 * t, c, 0.15);
    fill(img, b.x1, b.y1, bw, t, c, 1.0);
    fill(img, b.x1, b.y2 - t, bw, t, c, 1.0);
    fill(img, b.x1, b.y1, t, bh, c, 1.0);
    fill(img, b.x2 - t, b.y1, t, bh, c, 1.0);
}

fn insets(img: &mut RgbaImage, insets: &[Inset], unit: f32) {
    let side = (img.width().min(img.height()) as f32 * 0.22).max(8.0);
    let mut y = unit;
    for inset in insets {
        let scale = side / inset.image.width().max(inset.image.height()) as f32;
        let (tw, th) = (
            ((inset.image.width() as f32 * scale) as u32).max(1),
            ((inset.image.height() as f32 * scale) as u32).max(1),
        );
        let mut thumb = imageops::resize(&inset.image, tw, th, imageops::FilterType::Triangle);
        for (i, b) in inset.boxes.iter().enumerate() {
            let scaled = Outline {
                x1: b.x1 * scale,
                y1: b.y1 * scale,
                x2: b.x2 * scale,
                y2: b.y2 * scale,
            };
            outline(&mut thumb, &scaled, BOX_COLOURS[i % 2], unit * 0.15);
        }
        shade(
            img,
            unit - 3.0,
            y - 3.0,
            tw as f32 + 6.0,
            th as f32 + 6.0,
            0.6,
        );
        imageops::overlay(img, &thumb, unit as i64, y as i64);
        y += th as f32 + unit;
        if y > img.height() as f32 - side {
            break;
        }
    }
}

fn captions(img: &mut RgbaImage, scene: &Scene, unit: f32) {
    let w = img.width() as f32;
    let size = unit * 1.2;
    let lines = wrap(&scene.prompt, size, w - unit * 4.0, 3);
    let top = unit;
    let band = size * 1.3 * (lines.len() as f32 + 1.0) + unit * 0.6;
    let x = if scene.insets.is_empty() {
        unit
    } else {
        w * 0.22 + unit * 2.0
    };
    shade(img, x - unit * 0.5, top - unit * 0.3, w - x, band, 0.45);
    let mut y = top;
    for line in &lines {
        label(img, line, x, y, size, [255, 255, 255]);
        y += size * 1.3;
    }
    label(img, &scene.caption, x, y, size * 0.8, [255, 230, 150]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scene() -> Scene {
        Scene {
            width: 320,
            height: 200,
            prompt: "a red fox in the snow".into(),
            caption: "sandbox".into(),
            seed: 1,
            index: 0,
            count: 1,
            group: false,
            palette: vec![],
            watermark: false,
            base: None,
            boxes: vec![],
            insets: vec![],
        }
    }

    #[test]
    fn renders_at_requested_size_and_reflects_palette() {
        let mut s = scene();
        s.palette = vec![([255, 0, 0], 0.5), ([0, 0, 255], 0.5)];
        let img = render(&s);
        assert_eq!(img.dimensions(), (320, 200));
        // The palette strip: pure red at bottom-left, pure blue at bottom-right.
        assert_eq!(img.get_pixel(2, 198).0, [255, 0, 0, 255]);
        assert_eq!(img.get_pixel(317, 198).0, [0, 0, 255, 255]);
    }

    #[test]
    fn boxes_are_outlined_where_they_are() {
        let mut s = scene();
        s.base = Some(RgbaImage::from_pixel(320, 200, Rgba([0, 0, 0, 255])));
        s.boxes = vec![Outline {
            x1: 100.0,
            y1: 120.0,
            x2: 200.0,
            y2: 180.0,
        }];
        let img = render(&s);
        assert_eq!(img.get_pixel(150, 120).0, [255, 196, 0, 255]);
        assert_eq!(img.get_pixel(100, 150).0, [255, 196, 0, 255]);
        assert_ne!(img.get_pixel(90, 150).0, [255, 196, 0, 255]);
    }
}
