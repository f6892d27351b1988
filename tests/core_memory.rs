//! Bounded memory: a result that claims to be 16384×16000 is refused from its header, before any
//! pixel is allocated; measured as this process's peak resident memory. Its own test binary, so
//! no other test's memory is counted.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use common::peak_rss_mb;

use wan_studio::core::api::request::{GenerationRequest, Model};
use wan_studio::core::api::rules::max_result_pixels;
use wan_studio::core::api::server::Server;
use wan_studio::core::imaging::{ImagingError, decode_within};
use wan_studio::core::library;
use wan_studio::core::library::journal::JobRecord;
use wan_studio::core::settings::Paths;

/// A PNG whose header claims `w × h` and whose data is a few zero rows: a decompression bomb's
/// shape without its weight.
fn png_claiming(w: u32, h: u32) -> Vec<u8> {
    let chunk = |kind: &[u8], data: &[u8]| {
        let mut out = (u32::try_from(data.len()).unwrap()).to_be_bytes().to_vec();
        out.extend_from_slice(kind);
        out.extend_from_slice(data);
        let mut crc = crc32fast::Hasher::new();
        crc.update(kind);
        crc.update(data);
        out.extend_from_slice(&crc.finalize().to_be_bytes());
        out
    };
    let mut ihdr = w.to_be_bytes().to_vec();
    ihdr.extend_from_slice(&h.to_be_bytes());
    ihdr.extend_from_slice(&[8, 6, 0, 0, 0]); // 8-bit RGBA
    let mut png = Vec::new();
    png.extend_from_slice(&[0x89, b'P', b'N', b'G', b'\r', b'\n', 0x1a, b'\n']);
    png.extend(chunk(b"IHDR", &ihdr));
    // A zlib stream of a few empty rows (the rest "missing").
    png.extend(chunk(
        b"IDAT",
        &[
            0x78, 0x01, 0x01, 0x00, 0x00, 0xff, 0xff, 0x00, 0x00, 0x00, 0x01,
        ],
    ));
    png.extend(chunk(b"IEND", &[]));
    png
}

#[test]
fn a_result_claiming_16384_by_16000_is_refused_without_allocating_it() {
    let bomb = png_claiming(16_384, 16_000);
    let mut req = GenerationRequest::new(Model::Pro);
    req.prompt = Some("x".into());
    let job = JobRecord::new(Server::Sandbox, req.clone());
    let before = peak_rss_mb();

    let err = decode_within(&bomb, max_result_pixels(&req)).unwrap_err();
    assert!(matches!(err, ImagingError::TooLarge(_)), "{err:?}");
    assert!(err.to_string().contains("16384×16000"), "{err}");

    // The engine's way in: storing a downloaded result refuses it the same way, and writes nothing.
    let dir = tempfile::tempdir().unwrap();
    let paths = Paths::new(dir.path());
    let stored = library::store_result(&paths, &job, 0, &bomb);
    assert!(stored.is_err());
    assert!(!paths.library().exists() || std::fs::read_dir(paths.library()).unwrap().count() == 0);

    let after = peak_rss_mb();
    if cfg!(target_os = "linux") {
        assert!(
            after < 400 && after.saturating_sub(before) < 50,
            "peak RSS {before} MB before, {after} MB after: the 1 GB image was never allocated"
        );
    }
}

#[test]
fn a_result_of_the_largest_size_the_request_allows_is_decoded() {
    let mut req = GenerationRequest::new(Model::Standard);
    req.prompt = Some("x".into());
    // 2048² is what Standard can return; a little over is tolerated (the provider rounds sizes).
    assert_eq!(max_result_pixels(&req), 2048 * 2048 + 2048 * 2048 / 4);
    let img = image::RgbaImage::new(2100, 2048);
    let png = wan_studio::core::imaging::encode_png(&img, &[]).unwrap();
    assert!(decode_within(&png, max_result_pixels(&req)).is_ok());
    let too_big = png_claiming(4096, 4096);
    assert!(decode_within(&too_big, max_result_pixels(&req)).is_err());
}
