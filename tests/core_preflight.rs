//! Preflight, one limit at a time, on images the tests make: what can be fixed is fixed and said,
//! what cannot is refused with the file's name and the limit, and boxes follow the picture through
//! every EXIF orientation and through a downscale.
#![allow(clippy::unwrap_used, clippy::expect_used)]

use image::metadata::Orientation;
use image::{DynamicImage, ImageFormat, Rgb, RgbImage, Rgba, RgbaImage};
use wan_studio::core::references::preflight::{Options, preflight};

fn encode(img: &DynamicImage, format: ImageFormat) -> Vec<u8> {
    let mut out = std::io::Cursor::new(Vec::new());
    img.write_to(&mut out, format).unwrap();
    out.into_inner()
}

#[path = "common/photos.rs"]
mod photos;

/// A JPEG of `img` whose EXIF block records `orientation` (1–8).
fn jpeg_with_orientation(img: &DynamicImage, orientation: u8) -> Vec<u8> {
    photos::jpeg_with_orientation(&img.to_rgb8(), 95, orientation)
}

/// A picture as a viewer should show it: grey, with a red block where the box is drawn.
const BOX: [i64; 4] = [40, 30, 160, 110];
fn shown_picture() -> DynamicImage {
    DynamicImage::ImageRgb8(RgbImage::from_fn(400, 300, |x, y| {
        let inside = (40..160).contains(&x) && (30..110).contains(&y);
        if inside {
            Rgb([230, 20, 20])
        } else {
            Rgb([120, 120, 120])
        }
    }))
}

fn oriented(img: &DynamicImage, o: Orientation) -> DynamicImage {
    let mut i = img.clone();
    i.apply_orientation(o);
    i
}

const ALL: [(u8, Orientation); 8] = [
    (1, Orientation::NoTransforms),
    (2, Orientation::FlipHorizontal),
    (3, Orientation::Rotate180),
    (4, Orientation::FlipVertical),
    (5, Orientation::Rotate90FlipH),
    (6, Orientation::Rotate90),
    (7, Orientation::Rotate270FlipH),
    (8, Orientation::Rotate270),
];

/// The stored pixels that a camera writes so that applying `o` shows `shown`.
fn stored_for(shown: &DynamicImage, o: Orientation) -> DynamicImage {
    // The inverse is whichever orientation, applied first, makes `o` give the picture back.
    let probe = DynamicImage::ImageRgb8(RgbImage::from_fn(3, 2, |x, y| {
        Rgb([u8::try_from(x * 10 + y).unwrap(), 0, 0])
    }));
    let inverse = ALL
        .iter()
        .map(|(_, c)| *c)
        .find(|c| oriented(&oriented(&probe, *c), o) == probe)
        .unwrap();
    oriented(shown, inverse)
}

fn is_red(p: Rgb<u8>) -> bool {
    p[0] > 180 && p[1] < 80 && p[2] < 80
}

#[test]
fn a_file_that_needs_nothing_is_sent_byte_for_byte() {
    let bytes = encode(&shown_picture(), ImageFormat::Jpeg);
    let p = preflight("photo.jpg", &bytes, &Options::default()).unwrap();
    assert!(p.untouched());
    assert_eq!(p.bytes, bytes);
    assert_eq!((p.shown, p.sent), ((400, 300), (400, 300)));
    assert_eq!(p.map_boxes(&[BOX]), vec![BOX]);
    assert_eq!(p.summary(), "");
}

#[test]
fn every_exif_orientation_is_applied_and_the_box_lands_on_what_was_drawn() {
    let shown = shown_picture();
    for (tag, o) in ALL {
        let bytes = jpeg_with_orientation(&stored_for(&shown, o), tag);
        let p = preflight("camera.jpg", &bytes, &Options::default()).unwrap();
        assert_eq!(
            p.shown,
            (400, 300),
            "orientation {tag}: as a viewer shows it"
        );
        assert_eq!(p.sent, (400, 300), "orientation {tag}");
        assert_eq!(p.untouched(), tag == 1, "orientation {tag}: {:?}", p.notes);
        if tag != 1 {
            assert!(
                p.summary().starts_with("Rotated as its camera recorded"),
                "{}",
                p.summary()
            );
        }
        // What is sent has the red block exactly inside the box the artist drew.
        let sent = image::load_from_memory(&p.bytes).unwrap().to_rgb8();
        let [x0, y0, x1, y1] = p.map_boxes(&[BOX])[0].map(|v| u32::try_from(v).unwrap());
        for (x, y) in [
            (x0 + 4, y0 + 4),
            (x1 - 5, y1 - 5),
            (u32::midpoint(x0, x1), u32::midpoint(y0, y1)),
        ] {
            assert!(
                is_red(*sent.get_pixel(x, y)),
                "orientation {tag}: ({x},{y}) inside"
            );
        }
        for (x, y) in [(x0 - 6, y0 + 10), (x1 + 5, y0 + 10), (x0 + 10, y1 + 5)] {
            assert!(
                !is_red(*sent.get_pixel(x, y)),
                "orientation {tag}: ({x},{y}) outside"
            );
        }
    }
}

#[test]
fn a_picture_too_large_is_downscaled_and_its_boxes_follow() {
    // 9600×2400: a panorama, 1,200 pixels a side too many. Red where the box is drawn.
    let drawn = [1200i64, 600, 3600, 1800];
    let img = DynamicImage::ImageRgb8(RgbImage::from_fn(9600, 2400, |x, y| {
        if (1200..3600).contains(&x) && (600..1800).contains(&y) {
            Rgb([230, 20, 20])
        } else {
            Rgb([u8::try_from(x / 40 % 256).unwrap(), 90, 140])
        }
    }));
    let bytes = encode(&img, ImageFormat::Png);
    let p = preflight("panorama.png", &bytes, &Options::default()).unwrap();
    assert_eq!(p.shown, (9600, 2400));
    assert_eq!(p.sent, (8000, 2000));
    assert!(
        p.summary()
            .starts_with("Downscaled from 9600×2400 to 8000×2000"),
        "{}",
        p.summary()
    );
    assert_eq!(p.map_boxes(&[drawn]), vec![[1000, 500, 3000, 1500]]);
    let sent = image::load_from_memory(&p.bytes).unwrap().to_rgb8();
    assert_eq!(sent.dimensions(), (8000, 2000));
    assert!(is_red(*sent.get_pixel(1010, 510)) && is_red(*sent.get_pixel(2990, 1490)));
    assert!(!is_red(*sent.get_pixel(990, 510)) && !is_red(*sent.get_pixel(3010, 1490)));
}

#[test]
fn transparency_is_flattened_onto_white_or_the_chosen_colour() {
    let img = DynamicImage::ImageRgba8(RgbaImage::from_fn(300, 300, |x, _| {
        if x < 150 {
            Rgba([0, 0, 255, 255])
        } else {
            Rgba([0, 0, 0, 0])
        }
    }));
    let bytes = encode(&img, ImageFormat::Png);
    let p = preflight("cutout.png", &bytes, &Options::default()).unwrap();
    assert_eq!(p.format, ImageFormat::Png, "a drawing stays lossless");
    assert_eq!(p.summary(), "Transparency flattened onto white.");
    let sent = image::load_from_memory(&p.bytes).unwrap();
    assert!(!sent.color().has_alpha());
    let sent = sent.to_rgb8();
    assert_eq!(sent.get_pixel(10, 10).0, [0, 0, 255]);
    assert_eq!(sent.get_pixel(290, 10).0, [255, 255, 255]);

    let grey = Options {
        flatten_onto: [0x20, 0x20, 0x20],
    };
    let p = preflight("cutout.png", &bytes, &grey).unwrap();
    assert_eq!(p.summary(), "Transparency flattened onto #202020.");
    let sent = image::load_from_memory(&p.bytes).unwrap().to_rgb8();
    assert_eq!(sent.get_pixel(290, 10).0, [0x20, 0x20, 0x20]);

    // An alpha channel that is opaque everywhere is no reason to touch the file.
    let opaque = DynamicImage::ImageRgba8(RgbaImage::from_pixel(300, 300, Rgba([9, 9, 9, 255])));
    let bytes = encode(&opaque, ImageFormat::Png);
    assert!(
        preflight("opaque.png", &bytes, &Options::default())
            .unwrap()
            .untouched()
    );
}

#[test]
fn other_formats_are_converted() {
    let img = shown_picture();
    for (format, name) in [(ImageFormat::Gif, "GIF"), (ImageFormat::Tiff, "TIFF")] {
        let bytes = encode(&img, format);
        let p = preflight("drawing", &bytes, &Options::default()).unwrap();
        assert_eq!(p.format, ImageFormat::Png);
        assert_eq!(p.summary(), format!("Converted from {name} to PNG."));
        assert_eq!(p.sent, (400, 300));
    }
}

#[test]
fn a_file_too_heavy_is_re_encoded_under_20_mb() {
    // An uncompressed BMP of 3000×2400 is 21.6 MB: the pixels are fine, the weight is not.
    let img = DynamicImage::ImageRgb8(RgbImage::from_fn(3000, 2400, |x, y| {
        Rgb([
            u8::try_from(x % 256).unwrap(),
            u8::try_from(y % 256).unwrap(),
            60,
        ])
    }));
    let bytes = encode(&img, ImageFormat::Bmp);
    assert!(bytes.len() > 20 * 1024 * 1024);
    let p = preflight("scan.bmp", &bytes, &Options::default()).unwrap();
    assert!(p.bytes.len() <= 20 * 1024 * 1024);
    assert_eq!(p.sent, (3000, 2400), "no pixel lost");
    assert!(
        p.summary().contains("made lighter: 20.6 MB →"),
        "{}",
        p.summary()
    );
}

#[test]
fn what_cannot_be_fixed_is_refused_with_the_file_and_the_limit() {
    let small = encode(
        &DynamicImage::ImageRgb8(RgbImage::new(200, 300)),
        ImageFormat::Png,
    );
    let e = preflight("icon.png", &small, &Options::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "icon.png is 200×300; each side must be at least 240 pixels."
    );

    let thin = encode(
        &DynamicImage::ImageRgb8(RgbImage::new(2000, 240)),
        ImageFormat::Png,
    );
    let e = preflight("strip.png", &thin, &Options::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "strip.png is 2000×240; its shape must lie between 1:8 and 8:1."
    );

    let e = preflight("notes.txt", b"just some words", &Options::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "notes.txt is not an image Wan Studio can read (JPEG, PNG, BMP, WEBP, GIF or TIFF)."
    );

    // A JPEG's start marker and then nothing a decoder can use.
    let mut cut = b"\xFF\xD8\xFF\xE0\x00\x10JFIF\x00".to_vec();
    cut.extend([0x5A; 64]);
    let e = preflight("cut.jpg", &cut, &Options::default()).unwrap_err();
    assert!(
        e.to_string().starts_with("cut.jpg could not be read"),
        "{e}"
    );
}

#[test]
fn a_decompression_bomb_is_refused_from_its_header() {
    // A PNG header claiming 20000×20000 (400 megapixels) and nothing behind it.
    let mut png = b"\x89PNG\r\n\x1a\n".to_vec();
    let mut ihdr = b"IHDR".to_vec();
    ihdr.extend(20_000u32.to_be_bytes());
    ihdr.extend(20_000u32.to_be_bytes());
    ihdr.extend([8, 2, 0, 0, 0]);
    png.extend(13u32.to_be_bytes());
    png.extend(&ihdr);
    png.extend(crc32fast::hash(&ihdr).to_be_bytes());
    let e = preflight("bomb.png", &png, &Options::default()).unwrap_err();
    assert_eq!(
        e.to_string(),
        "bomb.png is too large to open safely (20000×20000, more than 64 megapixels)."
    );
}

#[test]
fn what_preflight_did_is_said_in_the_windows_language() {
    use wan_studio::core::references::preflight::summary_of;
    use wan_studio::core::text::i18n::{Lang, Message};
    let notes = [
        Message::new("preflight-rotated"),
        Message::new("preflight-reencoded").with("format", "JPEG"),
    ];
    assert_eq!(
        summary_of(&notes, Lang::En),
        "Rotated as its camera recorded; re-encoded as JPEG."
    );
    assert_eq!(
        summary_of(&notes, Lang::ZhCn),
        "已按相机记录的方向旋转；已重新编码为 JPEG。"
    );
    assert_eq!(summary_of(&[], Lang::ZhCn), "");
}
