//! Reference images: the provider's limits (checked before a credit is spent) and loading any image
//! for display, downscaled off the UI thread.

pub mod hosting;
pub mod links;
pub mod preflight;
pub mod regions;

use std::sync::Arc;

use image::{DynamicImage, ImageFormat, RgbaImage};

use crate::core::api::rules::{
    MAX_REFERENCE_BYTES, MAX_REFERENCE_SIDE, MIN_REFERENCE_SIDE, aspect_out_of_range,
};
use crate::core::imaging::{self, ImagingError};

/// The largest image file read from disk to become a reference (or be shown): far above any photo
/// or 16K PNG, far below what would strain memory. A larger file is refused before it is read.
pub const MAX_SOURCE_BYTES: u64 = 256 * 1024 * 1024;

/// Reads an image file from disk within [`MAX_SOURCE_BYTES`]; the error names the file.
pub async fn read_source(path: &std::path::Path) -> Result<Vec<u8>, String> {
    let shown = || crate::core::text::terminal::printable(&path.display().to_string()).into_owned();
    let meta = tokio::fs::metadata(path)
        .await
        .map_err(|e| format!("{} could not be read: {e}", shown()))?;
    if meta.len() > MAX_SOURCE_BYTES {
        return Err(format!(
            "{} is {} MB; an image file may be at most {} MB",
            shown(),
            meta.len() / (1024 * 1024),
            MAX_SOURCE_BYTES / (1024 * 1024)
        ));
    }
    tokio::fs::read(path)
        .await
        .map_err(|e| format!("{} could not be read: {e}", shown()))
}

/// Checks encoded bytes against the provider's reference limits and decodes them.
/// The error is a sentence that completes "Reference N …".
pub fn check_reference(bytes: &[u8]) -> Result<DynamicImage, String> {
    if bytes.len() as u64 > MAX_REFERENCE_BYTES {
        return Err(format!(
            "is {:.1} MB; the limit is 20 MB.",
            bytes.len() as f64 / (1024.0 * 1024.0)
        ));
    }
    let format = imaging::sniff_format(bytes);
    match format {
        Some(ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::Bmp | ImageFormat::WebP) => {}
        Some(ImageFormat::Gif) => return Err("is a GIF; use JPEG, PNG, BMP or WEBP.".to_owned()),
        _ => return Err("is not a JPEG, PNG, BMP or WEBP image.".to_owned()),
    }
    let decoded = imaging::decode_limited(bytes).map_err(|e| format!("could not be read: {e}."))?;
    let (w, h) = (decoded.width(), decoded.height());
    let side = MIN_REFERENCE_SIDE..=MAX_REFERENCE_SIDE;
    if !side.contains(&w) || !side.contains(&h) {
        return Err(format!("is {w}x{h}; each side must be 240 to 8000 pixels."));
    }
    if aspect_out_of_range(w, h) {
        return Err(format!(
            "is {w}x{h}; the aspect ratio must lie between 1:8 and 8:1."
        ));
    }
    if format == Some(ImageFormat::Png) && imaging::has_transparency(&decoded) {
        return Err("is a PNG with transparency; flatten it first.".to_owned());
    }
    Ok(decoded)
}

/// Where an image for display comes from.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub enum ImageSource {
    File(std::path::PathBuf),
    /// Downloaded without credentials (https, or http on this machine).
    Url(String),
}

/// An image ready to become a texture: downscaled pixels plus the source's true size.
#[derive(Debug, Clone)]
pub struct LoadedImage {
    /// The source image's size (boxes live in these pixels).
    pub source_dims: (u32, u32),
    /// At most `max_side` on the longest side.
    pub pixels: Arc<RgbaImage>,
    /// What preflight will do to it before it is sent (a local reference's card says so).
    pub note: Option<Vec<crate::core::text::i18n::Message>>,
}

impl LoadedImage {
    /// Bytes the pixels take in memory (and roughly on the GPU).
    pub fn byte_size(&self) -> usize {
        self.pixels.as_raw().len()
    }
}

/// Decodes (with limits) and downscales for display.
pub fn load_for_display(bytes: &[u8], max_side: u32) -> Result<LoadedImage, ImagingError> {
    let img = imaging::decode_limited(bytes)?;
    Ok(display_copy(&img, max_side))
}

/// A display copy of an already-decoded image.
pub fn display_copy(img: &DynamicImage, max_side: u32) -> LoadedImage {
    LoadedImage {
        source_dims: (img.width(), img.height()),
        pixels: Arc::new(imaging::thumbnail(img, max_side.max(1))),
        note: None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn png(w: u32, h: u32, alpha: u8) -> Vec<u8> {
        imaging::encode_png(
            &RgbaImage::from_pixel(w, h, image::Rgba([9, 9, 9, alpha])),
            &[],
        )
        .unwrap()
    }

    #[test]
    fn limits_are_checked() {
        assert!(check_reference(&png(300, 300, 255)).is_ok());
        assert!(
            check_reference(&png(200, 300, 255))
                .unwrap_err()
                .contains("240 to 8000")
        );
        assert!(
            check_reference(&png(300, 300, 128))
                .unwrap_err()
                .contains("transparency")
        );
        assert!(
            check_reference(b"GIF89a\x01\x00\x01\x00")
                .unwrap_err()
                .contains("GIF")
        );
        assert!(
            check_reference(b"hello")
                .unwrap_err()
                .contains("not a JPEG")
        );
    }

    #[test]
    fn display_copies_keep_the_source_size() {
        let l = load_for_display(&png(1000, 500, 255), 100).unwrap();
        assert_eq!(l.source_dims, (1000, 500));
        assert_eq!(l.pixels.dimensions(), (100, 50));
    }
}
