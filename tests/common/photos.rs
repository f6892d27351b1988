//! Camera-like JPEGs for the tests and the preflight bench: an EXIF orientation spliced in after
//! the start marker, as cameras and phones write it.
#![allow(dead_code, clippy::unwrap_used)]

/// `img` as a JPEG whose EXIF block records `orientation` (1–8).
pub fn jpeg_with_orientation(img: &image::RgbImage, quality: u8, orientation: u8) -> Vec<u8> {
    let mut plain = Vec::new();
    image::codecs::jpeg::JpegEncoder::new_with_quality(&mut plain, quality)
        .encode_image(img)
        .unwrap();
    let mut exif = b"Exif\0\0MM\0\x2a\0\0\0\x08\0\x01".to_vec();
    exif.extend([0x01, 0x12, 0, 3, 0, 0, 0, 1, 0, orientation, 0, 0]);
    exif.extend([0, 0, 0, 0]); // no next IFD
    let len = u16::try_from(exif.len() + 2).unwrap().to_be_bytes();
    let mut jpeg = plain[..2].to_vec();
    jpeg.extend([0xFF, 0xE1, len[0], len[1]]);
    jpeg.extend(exif);
    jpeg.extend(&plain[2..]);
    jpeg
}

/// A camera JPEG in `dir`: stored 300×400, orientation 6, so shown 400×300.
pub fn rotated_photo(dir: &std::path::Path) -> std::path::PathBuf {
    let stored = image::RgbImage::from_fn(300, 400, |x, y| {
        image::Rgb([
            u8::try_from(x % 256).unwrap(),
            u8::try_from(y % 256).unwrap(),
            80,
        ])
    });
    let path = dir.join("photo.jpg");
    std::fs::write(&path, jpeg_with_orientation(&stored, 90, 6)).unwrap();
    path
}
