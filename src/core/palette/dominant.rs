//! Palettes taken from images: the dominant colours of a picture and how much of it each covers,
//! found by k-means in Oklab (a perceptual colour space, so "close" means close to the eye) on a
//! small copy of the image, and rounded to a palette that totals exactly 100.00 %.

use image::DynamicImage;

use crate::core::api::rules::{MAX_PALETTE, MIN_PALETTE};
use crate::core::palette::Palette;

/// The side the image is reduced to first (at most this many pixels each way).
const SAMPLE_SIDE: u32 = 128;
const ROUNDS: usize = 16;

/// The `k` (3–10) most prominent colours of an image with their real shares, largest first.
/// Fully transparent pixels are left out. `None` for an image with no opaque pixel.
pub fn dominant_palette(img: &DynamicImage, k: usize) -> Option<Palette> {
    let k = k.clamp(MIN_PALETTE, MAX_PALETTE);
    let small = img.thumbnail(SAMPLE_SIDE, SAMPLE_SIDE).to_rgba8();
    let points: Vec<[f32; 3]> = small
        .pixels()
        .filter(|p| p[3] >= 128)
        .map(|p| to_oklab([p[0], p[1], p[2]]))
        .collect();
    if points.is_empty() {
        return None;
    }
    let (centres, counts) = kmeans(&points, k);
    let mut found: Vec<([u8; 3], f64)> = centres
        .iter()
        .zip(&counts)
        .map(|(c, &n)| (from_oklab(*c), n as f64))
        .collect();
    found.sort_by(|a, b| b.1.total_cmp(&a.1));
    Palette::from_shares(&found)
}

/// Lloyd's k-means with k-means++ seeding (deterministic: the same image gives the same palette).
fn kmeans(points: &[[f32; 3]], k: usize) -> (Vec<[f32; 3]>, Vec<usize>) {
    let mut rng = fastrand::Rng::with_seed(0x5EED_0FC0_100B);
    let mut centres = vec![points[rng.usize(..points.len())]];
    let mut nearest: Vec<f32> = points.iter().map(|p| dist(p, &centres[0])).collect();
    while centres.len() < k {
        let total: f32 = nearest.iter().sum();
        let next = if total <= f32::EPSILON {
            // Fewer distinct colours than k: repeat one (it ends up empty or splits a cluster).
            points[rng.usize(..points.len())]
        } else {
            let mut target = rng.f32() * total;
            let mut pick = points.len() - 1;
            for (i, d) in nearest.iter().enumerate() {
                target -= d;
                if target <= 0.0 {
                    pick = i;
                    break;
                }
            }
            points[pick]
        };
        for (n, p) in nearest.iter_mut().zip(points) {
            *n = n.min(dist(p, &next));
        }
        centres.push(next);
    }
    let mut assign = vec![0usize; points.len()];
    let mut counts = vec![0usize; k];
    for _ in 0..ROUNDS {
        let mut changed = false;
        for (a, p) in assign.iter_mut().zip(points) {
            let best = (0..k)
                .min_by(|&x, &y| dist(p, &centres[x]).total_cmp(&dist(p, &centres[y])))
                .unwrap_or(0);
            changed |= *a != best;
            *a = best;
        }
        let mut sums = vec![[0f64; 3]; k];
        counts = vec![0; k];
        for (&a, p) in assign.iter().zip(points) {
            counts[a] += 1;
            for c in 0..3 {
                sums[a][c] += f64::from(p[c]);
            }
        }
        for i in 0..k {
            if counts[i] > 0 {
                let n = counts[i] as f64;
                centres[i] = [
                    (sums[i][0] / n) as f32,
                    (sums[i][1] / n) as f32,
                    (sums[i][2] / n) as f32,
                ];
            }
        }
        if !changed {
            break;
        }
    }
    (centres, counts)
}

fn dist(a: &[f32; 3], b: &[f32; 3]) -> f32 {
    (a[0] - b[0]).powi(2) + (a[1] - b[1]).powi(2) + (a[2] - b[2]).powi(2)
}

fn srgb_to_linear(c: u8) -> f32 {
    let c = f32::from(c) / 255.0;
    if c <= 0.040_45 {
        c / 12.92
    } else {
        ((c + 0.055) / 1.055).powf(2.4)
    }
}

fn linear_to_srgb(c: f32) -> u8 {
    let c = c.clamp(0.0, 1.0);
    let s = if c <= 0.003_130_8 {
        c * 12.92
    } else {
        1.055 * c.powf(1.0 / 2.4) - 0.055
    };
    (s * 255.0).round().clamp(0.0, 255.0) as u8
}

/// sRGB → Oklab (Björn Ottosson's matrices).
pub fn to_oklab(rgb: [u8; 3]) -> [f32; 3] {
    let [r, g, b] = rgb.map(srgb_to_linear);
    let l = 0.412_221_47 * r + 0.536_332_55 * g + 0.051_445_995 * b;
    let m = 0.211_903_5 * r + 0.680_699_5 * g + 0.107_396_96 * b;
    let s = 0.088_302_46 * r + 0.281_718_85 * g + 0.629_978_7 * b;
    let (l, m, s) = (l.cbrt(), m.cbrt(), s.cbrt());
    [
        0.210_454_26 * l + 0.793_617_8 * m - 0.004_072_047 * s,
        1.977_998_5 * l - 2.428_592_2 * m + 0.450_593_7 * s,
        0.025_904_037 * l + 0.782_771_77 * m - 0.808_675_77 * s,
    ]
}

/// Oklab → sRGB, clamped to the gamut.
pub fn from_oklab(lab: [f32; 3]) -> [u8; 3] {
    let [l, a, b] = lab;
    let l_ = l + 0.396_337_78 * a + 0.215_803_76 * b;
    let m_ = l - 0.105_561_346 * a - 0.063_854_17 * b;
    let s_ = l - 0.089_484_18 * a - 1.291_485_5 * b;
    let (l, m, s) = (l_.powi(3), m_.powi(3), s_.powi(3));
    [
        linear_to_srgb(4.076_741_7 * l - 3.307_711_6 * m + 0.230_969_94 * s),
        linear_to_srgb(-1.268_438 * l + 2.609_757_4 * m - 0.341_319_38 * s),
        linear_to_srgb(-0.004_196_086_3 * l - 0.703_418_6 * m + 1.707_614_7 * s),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use image::{Rgba, RgbaImage};

    #[test]
    fn oklab_round_trips() {
        for c in [
            [0, 0, 0],
            [255, 255, 255],
            [200, 30, 40],
            [12, 180, 90],
            [40, 60, 230],
        ] {
            assert_eq!(from_oklab(to_oklab(c)), c);
        }
    }

    #[test]
    fn known_colour_areas_give_those_colours_and_shares() {
        // 40 % red, 30 % blue, 20 % green, 10 % white, in bands.
        let areas: [([u8; 3], u32); 4] = [
            ([220, 30, 30], 40),
            ([30, 60, 200], 30),
            ([40, 170, 70], 20),
            ([250, 250, 250], 10),
        ];
        let mut img = RgbaImage::new(400, 300);
        let mut x0 = 0;
        for (rgb, pct) in areas {
            let w = 400 * pct / 100;
            for x in x0..x0 + w {
                for y in 0..300 {
                    img.put_pixel(x, y, Rgba([rgb[0], rgb[1], rgb[2], 255]));
                }
            }
            x0 += w;
        }
        let palette = dominant_palette(&DynamicImage::ImageRgba8(img), 4).unwrap();
        assert_eq!(palette.total(), 10_000, "exactly 100.00 %");
        for (swatch, (rgb, pct)) in palette.swatches().iter().zip(areas) {
            let off = swatch
                .rgb
                .iter()
                .zip(rgb)
                .map(|(a, b)| a.abs_diff(b))
                .max()
                .unwrap_or(0);
            assert!(off <= 6, "{:?} is not {:?}", swatch.rgb, rgb);
            let share = f64::from(swatch.ratio) / 100.0;
            assert!(
                (share - f64::from(pct)).abs() <= 1.5,
                "{:?} covers {share} %, not {pct} %",
                swatch.rgb
            );
        }
    }

    #[test]
    fn shares_round_to_exactly_one_hundred_percent() {
        let p =
            Palette::from_shares(&[([1, 2, 3], 1.0), ([4, 5, 6], 1.0), ([7, 8, 9], 1.0)]).unwrap();
        assert_eq!(p.total(), 10_000);
        let ratios: Vec<u32> = p.swatches().iter().map(|s| s.ratio).collect();
        assert_eq!(ratios, vec![3334, 3333, 3333]);
    }
}
