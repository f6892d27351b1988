//! Preflight: any image an artist has, made into a reference the provider accepts, before anything
//! is uploaded or paid. What can be fixed without surprising the artist is fixed and said in words
//! (orientation applied, transparency flattened, format converted, downscaled, re-encoded); what
//! cannot is refused with the file's name and the limit. An image that needs nothing is sent as it
//! is, byte for byte.
//!
//! Boxes are drawn in the pixels of the image as a viewer shows it (orientation applied, before any
//! downscale); [`Prepared::map_boxes`] carries them into the pixels of the image that is sent.

use image::{DynamicImage, ImageFormat, metadata::Orientation};

use crate::core::api::request::BBox;
use crate::core::api::rules::{
    MAX_REFERENCE_BYTES, MAX_REFERENCE_SIDE, MIN_REFERENCE_SIDE, aspect_out_of_range,
};
use crate::core::imaging::{self, ImagingError};

/// The largest image preflight opens at all: 64 megapixels (an 8000×8000 picture, or a 9000×6000
/// photo that is then downscaled). Anything that claims more is refused from its header.
pub const MAX_PREFLIGHT_PIXELS: u64 = 64_000_000;

/// What preflight may do on the artist's behalf.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Options {
    /// The colour transparent pixels are flattened onto.
    pub flatten_onto: [u8; 3],
}

impl Default for Options {
    fn default() -> Self {
        Options {
            flatten_onto: [255, 255, 255],
        }
    }
}

/// A reference ready to upload.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Prepared {
    /// The bytes to send: the file itself when nothing had to change.
    pub bytes: Vec<u8>,
    pub format: ImageFormat,
    /// The picture as a viewer shows it: boxes are drawn in these pixels.
    pub shown: (u32, u32),
    /// The picture that is sent: boxes are sent in these pixels.
    pub sent: (u32, u32),
    /// What was done, one short phrase each ("rotated as its camera recorded"); empty when the file
    /// is sent untouched.
    pub notes: Vec<crate::core::text::i18n::Message>,
}

impl Prepared {
    /// Whether the file is sent exactly as it is.
    pub fn untouched(&self) -> bool {
        self.notes.is_empty()
    }

    /// The MIME type of [`Prepared::bytes`].
    pub fn content_type(&self) -> &'static str {
        self.format.to_mime_type()
    }

    /// Boxes drawn on the shown picture, in the pixels of the picture that is sent.
    pub fn map_boxes(&self, boxes: &[BBox]) -> Vec<BBox> {
        if self.shown == self.sent {
            return boxes.to_vec();
        }
        crate::core::references::regions::rescale(boxes, self.shown, self.sent)
    }

    /// The notes as one sentence for a reference's card: "Rotated as its camera recorded;
    /// downscaled from 9000×6000 to 8000×5333." Empty when untouched.
    pub fn summary(&self) -> String {
        summary_of(&self.notes, crate::core::text::i18n::Lang::En)
    }
}

/// What preflight did, as one sentence in `lang`: "Rotated as its camera recorded; re-encoded as
/// JPEG.", "已按相机记录旋转；已重新编码为 JPEG。".
pub fn summary_of(
    notes: &[crate::core::text::i18n::Message],
    lang: crate::core::text::i18n::Lang,
) -> String {
    use crate::core::text::i18n::Lang;
    let parts: Vec<String> = notes.iter().map(|n| n.render(lang)).collect();
    match lang {
        Lang::En => {
            let mut s = parts.join("; ");
            if let Some(first) = s.chars().next() {
                s = first.to_uppercase().collect::<String>() + &s[first.len_utf8()..];
                s.push('.');
            }
            s
        }
        Lang::ZhCn if parts.is_empty() => String::new(),
        Lang::ZhCn => parts.join("；") + "。",
    }
}

/// Why a file cannot be a reference. The message names the file and the limit.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{name} {why}")]
pub struct Refused {
    pub name: String,
    pub why: String,
}

fn refuse(name: &str, why: impl Into<String>) -> Refused {
    Refused {
        name: name.to_owned(),
        why: why.into(),
    }
}

/// Formats the provider accepts as they are.
fn accepted(format: ImageFormat) -> bool {
    matches!(
        format,
        ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Bmp | ImageFormat::WebP
    )
}

/// Formats Wan Studio can read and convert.
pub const READABLE: &str = "JPEG, PNG, BMP, WEBP, GIF or TIFF";

/// Makes `bytes` (a file called `name`) into a reference the provider accepts, or says why not.
pub fn preflight(name: &str, bytes: &[u8], opts: &Options) -> Result<Prepared, Refused> {
    preflight_with_image(name, bytes, opts).map(|(p, _)| p)
}

/// [`preflight`], also returning the picture as it is shown (orientation applied, full size), for
/// a window to display without decoding it twice.
pub fn preflight_with_image(
    name: &str,
    bytes: &[u8],
    opts: &Options,
) -> Result<(Prepared, DynamicImage), Refused> {
    let format = imaging::sniff_format(bytes)
        .filter(|f| accepted(*f) || matches!(f, ImageFormat::Gif | ImageFormat::Tiff))
        .ok_or_else(|| {
            refuse(
                name,
                format!("is not an image Wan Studio can read ({READABLE})."),
            )
        })?;
    let (img, orientation) =
        imaging::decode_oriented_within(bytes, MAX_PREFLIGHT_PIXELS).map_err(|e| match e {
            ImagingError::TooLarge(_) => {
                let claimed = imaging::claimed_dimensions(bytes)
                    .map(|(w, h)| format!("{w}×{h}, "))
                    .unwrap_or_default();
                refuse(
                    name,
                    format!(
                        "is too large to open safely ({claimed}more than {} megapixels).",
                        MAX_PREFLIGHT_PIXELS / 1_000_000
                    ),
                )
            }
            other => refuse(name, format!("could not be read: {other}.")),
        })?;
    let shown = (img.width(), img.height());
    let (w, h) = shown;
    if w.min(h) < MIN_REFERENCE_SIDE {
        return Err(refuse(
            name,
            format!("is {w}×{h}; each side must be at least {MIN_REFERENCE_SIDE} pixels."),
        ));
    }
    if aspect_out_of_range(w, h) {
        return Err(refuse(
            name,
            format!("is {w}×{h}; its shape must lie between 1:8 and 8:1."),
        ));
    }

    let rotated = orientation != Orientation::NoTransforms;
    let transparent = imaging::has_transparency(&img);
    let foreign = !accepted(format);
    let too_large = w.max(h) > MAX_REFERENCE_SIDE;
    let too_heavy = bytes.len() as u64 > MAX_REFERENCE_BYTES;
    if !(rotated || transparent || foreign || too_large || too_heavy) {
        let untouched = Prepared {
            bytes: bytes.to_vec(),
            format,
            shown,
            sent: shown,
            notes: Vec::new(),
        };
        return Ok((untouched, img));
    }

    let mut notes = Vec::new();
    if rotated {
        notes.push(crate::msg!("preflight-rotated"));
    }
    let original = img;
    // Work on RGB: flattened if transparent, the decoded picture itself when it already is RGB.
    let mut work: std::borrow::Cow<'_, DynamicImage> = if transparent {
        notes.push(if opts.flatten_onto == [255, 255, 255] {
            crate::msg!("preflight-flattened-white")
        } else {
            let [r, g, b] = opts.flatten_onto;
            crate::msg!(
                "preflight-flattened",
                colour = format!("#{r:02X}{g:02X}{b:02X}")
            )
        });
        std::borrow::Cow::Owned(DynamicImage::ImageRgb8(flatten(
            &original,
            opts.flatten_onto,
        )))
    } else if matches!(original, DynamicImage::ImageRgb8(_)) {
        std::borrow::Cow::Borrowed(&original)
    } else {
        std::borrow::Cow::Owned(DynamicImage::ImageRgb8(original.to_rgb8()))
    };
    if too_large {
        let (nw, nh) = fit_within(shown, MAX_REFERENCE_SIDE);
        notes.push(crate::msg!(
            "preflight-downscaled",
            w = w,
            h = h,
            nw = nw,
            nh = nh,
            max = MAX_REFERENCE_SIDE
        ));
        work = std::borrow::Cow::Owned(work.resize_exact(
            nw,
            nh,
            image::imageops::FilterType::CatmullRom,
        ));
    }
    let img = work;
    // Photographs stay JPEG; drawings (PNG, BMP, GIF, …) stay lossless while they fit.
    let lossless = format != ImageFormat::Jpeg;
    let (bytes_out, format_out) = encode_to_fit(&img, lossless)
        .map_err(|e| refuse(name, format!("could not be prepared: {e}.")))?;
    if foreign {
        notes.push(crate::msg!(
            "preflight-converted",
            from = format_name(format),
            to = format_name(format_out)
        ));
    } else if format_out != format {
        notes.push(crate::msg!(
            "preflight-reencoded",
            format = format_name(format_out)
        ));
    }
    if too_heavy {
        notes.push(crate::msg!(
            "preflight-lighter",
            from = megabytes(bytes.len()),
            to = megabytes(bytes_out.len())
        ));
    }
    let prepared = Prepared {
        sent: (img.width(), img.height()),
        bytes: bytes_out,
        format: format_out,
        shown,
        notes,
    };
    Ok((prepared, original))
}

/// The largest size of the same shape whose longest side is at most `limit`.
fn fit_within((w, h): (u32, u32), limit: u32) -> (u32, u32) {
    let scale = f64::from(limit) / f64::from(w.max(h));
    #[allow(clippy::cast_possible_truncation, clippy::cast_sign_loss)] // at most `limit`
    let side = |v: u32| ((f64::from(v) * scale).round() as u32).clamp(1, limit);
    (side(w), side(h))
}

/// Encodes within the provider's 20 MB: lossless PNG when asked and small enough, else JPEG at a
/// falling quality.
fn encode_to_fit(
    img: &DynamicImage,
    lossless: bool,
) -> Result<(Vec<u8>, ImageFormat), ImagingError> {
    if lossless {
        let mut out = Vec::new();
        img.write_with_encoder(image::codecs::png::PngEncoder::new(&mut out))
            .map_err(|e| ImagingError::Encode(e.to_string()))?;
        if out.len() as u64 <= MAX_REFERENCE_BYTES {
            return Ok((out, ImageFormat::Png));
        }
    }
    let converted;
    let rgb = if let Some(rgb) = img.as_rgb8() {
        rgb
    } else {
        converted = img.to_rgb8();
        &converted
    };
    let mut last = Vec::new();
    for quality in [92, 85, 75, 60] {
        // jpeg-encoder: SIMD where the CPU has it, about twice the speed of image's own encoder
        // on a 24-megapixel photo.
        let mut out = Vec::new();
        jpeg_encoder::Encoder::new(&mut out, quality)
            .encode(
                rgb.as_raw(),
                u16::try_from(rgb.width()).map_err(|_| ImagingError::Encode("too wide".into()))?,
                u16::try_from(rgb.height()).map_err(|_| ImagingError::Encode("too tall".into()))?,
                jpeg_encoder::ColorType::Rgb,
            )
            .map_err(|e| ImagingError::Encode(e.to_string()))?;
        if out.len() as u64 <= MAX_REFERENCE_BYTES {
            return Ok((out, ImageFormat::Jpeg));
        }
        last = out;
    }
    Err(ImagingError::Encode(format!(
        "it is still {} at the lowest quality tried",
        megabytes(last.len())
    )))
}

fn flatten(img: &DynamicImage, onto: [u8; 3]) -> image::RgbImage {
    let rgba = img.to_rgba8();
    image::RgbImage::from_fn(rgba.width(), rgba.height(), |x, y| {
        let p = rgba.get_pixel(x, y).0;
        let a = u32::from(p[3]);
        let mix = |c: u8, bg: u8| {
            #[allow(clippy::cast_possible_truncation)] // a weighted mean of two bytes
            let v = ((u32::from(c) * a + u32::from(bg) * (255 - a) + 127) / 255) as u8;
            v
        };
        image::Rgb([mix(p[0], onto[0]), mix(p[1], onto[1]), mix(p[2], onto[2])])
    })
}

fn format_name(f: ImageFormat) -> &'static str {
    match f {
        ImageFormat::Jpeg => "JPEG",
        ImageFormat::Png => "PNG",
        ImageFormat::Bmp => "BMP",
        ImageFormat::WebP => "WEBP",
        ImageFormat::Gif => "GIF",
        ImageFormat::Tiff => "TIFF",
        _ => "another format",
    }
}

#[allow(clippy::cast_precision_loss)] // shown to one decimal
fn megabytes(n: usize) -> String {
    format!("{:.1} MB", n as f64 / (1024.0 * 1024.0))
}
