//! A 4096×4096 result as the engine brings it home: from the downloaded bytes to the thumbnail the
//! gallery can draw (decoded within the request's limit, thumbnailed from the decoded pixels with
//! fast_image_resize, handed to the window in memory), against decoding the PNG alone. Then the
//! writes (the result file with its text, the thumbnail PNG, each fsynced) that follow while the
//! thumbnail is already on screen. Run with `cargo bench --bench results`.
//! Then the content credentials alone (XMP spliced in, the C2PA manifest hashed over the file and
//! signed), as `write_result` adds them.
//! Targets: bytes → drawable thumbnail ≤ 1.1 × the decode alone; credentials ≤ 60 ms.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::cast_possible_truncation
)]

use std::time::{Duration, Instant};

use wan_studio::core::api::request::{GenerationRequest, Model};
use wan_studio::core::api::server::Server;
use wan_studio::core::imaging;
use wan_studio::core::library;
use wan_studio::core::library::journal::JobRecord;
use wan_studio::core::settings::Paths;

const RUNS: usize = 7;

/// A picture like a generated one: smooth gradients with fine noise (the PNG has real work to do).
fn result_png() -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(11);
    let img = image::RgbImage::from_fn(4096, 4096, |x, y| {
        let n = rng.u8(..12);
        image::Rgb([
            ((x / 16) as u8).wrapping_add(n),
            ((y / 16) as u8).wrapping_add(n),
            (((x + y) / 32) as u8).wrapping_add(n),
        ])
    });
    let mut out = Vec::new();
    image::DynamicImage::ImageRgb8(img)
        .write_to(&mut std::io::Cursor::new(&mut out), image::ImageFormat::Png)
        .unwrap();
    out
}

fn median(mut times: Vec<Duration>) -> Duration {
    times.sort();
    times[times.len() / 2]
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1e3
}

fn main() {
    let png = result_png();
    println!("input: 4096×4096 PNG, {:.1} MB", png.len() as f64 / 1e6);
    let mut request = GenerationRequest::new(Model::Pro);
    request.prompt = Some("a harbour at dawn".to_owned());
    request.size = Some("4096x4096".to_owned());
    let job = JobRecord::new(Server::Sandbox, request.clone());
    let limit = wan_studio::core::api::rules::max_result_pixels(&request);
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());

    let mut decode = Vec::new();
    let mut to_thumbnail = Vec::new();
    let mut image_crate_thumbnail = Vec::new();
    let mut writes = Vec::new();
    for run in 0..RUNS {
        let t = Instant::now();
        let img = imaging::decode_within(&png, limit).unwrap();
        decode.push(t.elapsed());
        // For comparison: the image crate's own thumbnail of the same pixels.
        let t = Instant::now();
        let old = img.thumbnail(imaging::THUMBNAIL_SIDE, imaging::THUMBNAIL_SIDE);
        image_crate_thumbnail.push(t.elapsed());
        assert_eq!(old.width(), imaging::THUMBNAIL_SIDE);
        drop(img);

        let t = Instant::now();
        let decoded = library::decode_result(&request, &png).unwrap();
        to_thumbnail.push(t.elapsed());
        assert_eq!(decoded.dims, (4096, 4096));
        assert_eq!(decoded.thumbnail.dimensions(), (320, 320));

        let t = Instant::now();
        let u32_run = u32::try_from(run).unwrap();
        let record = library::write_result(&paths, &job, u32_run, &png, &decoded).unwrap();
        writes.push(t.elapsed());
        assert!(record.path.exists());
    }
    let (decode, to_thumbnail) = (median(decode), median(to_thumbnail));
    println!(
        "decode alone                              median {:>6.0} ms",
        ms(decode)
    );
    println!(
        "bytes → thumbnail drawable (decode + fast_image_resize)  median {:>6.0} ms   = {:.2} × decode (target ≤ 1.10)",
        ms(to_thumbnail),
        to_thumbnail.as_secs_f64() / decode.as_secs_f64()
    );
    println!(
        "  for comparison, image's own thumbnail of the decoded pixels: median {:>6.0} ms",
        ms(median(image_crate_thumbnail))
    );
    println!(
        "then, while it is on screen: result file + thumbnail written (fsync, credentials signed) median {:>6.0} ms",
        ms(median(writes))
    );

    let policy = library::provenance::policy(&paths);
    let identity = library::provenance::identity(&paths, &policy).unwrap();
    let story = library::provenance::story(&paths, &job, 0, &policy);
    let mut embeds = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let signed = wan_studio::core::credentials::embed(&png, &story, &identity).unwrap();
        embeds.push(t.elapsed());
        assert!(wan_studio::core::credentials::has_manifest(&signed));
    }
    println!(
        "content credentials (XMP + C2PA manifest hashed and signed)  median {:>6.1} ms   (target ≤ 60)",
        ms(median(embeds))
    );
    // For scale: the one SHA-256 pass over the file the manifest's hash needs.
    let mut hashes = Vec::new();
    for _ in 0..RUNS {
        let t = Instant::now();
        let digest = <sha2::Sha256 as sha2::Digest>::digest(&png);
        hashes.push(t.elapsed());
        assert_eq!(digest.len(), 32);
    }
    println!(
        "  for scale: one SHA-256 over the file median {:>6.1} ms",
        ms(median(hashes))
    );
}
