//! Preflight of a 24-megapixel camera photo (6000×4000 JPEG, EXIF orientation 6): decoded, turned
//! upright and re-encoded, as a dropped photo is before upload. Run with
//! `cargo bench --bench preflight`. Target: under 0.6 s on a 2-core machine.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::cast_possible_truncation
)]

use std::time::{Duration, Instant};

use wan_studio::core::references::preflight::{Options, preflight};

#[path = "../tests/common/photos.rs"]
mod photos;

/// A photo-like picture: smooth gradients with fine noise (JPEG has real work to do).
fn camera_jpeg() -> Vec<u8> {
    let mut rng = fastrand::Rng::with_seed(7);
    let img = image::RgbImage::from_fn(6000, 4000, |x, y| {
        let n = rng.u8(..16);
        image::Rgb([
            ((x / 24) as u8).wrapping_add(n),
            ((y / 16) as u8).wrapping_add(n),
            (((x + y) / 40) as u8).wrapping_add(n),
        ])
    });
    photos::jpeg_with_orientation(&img, 90, 6)
}

fn main() {
    let jpeg = camera_jpeg();
    println!(
        "input: 6000×4000 JPEG, orientation 6, {:.1} MB",
        jpeg.len() as f64 / 1e6
    );
    let mut times = Vec::new();
    for _ in 0..5 {
        let started = Instant::now();
        let p = preflight("camera.jpg", &jpeg, &Options::default()).unwrap();
        times.push(started.elapsed());
        assert_eq!(p.sent, (4000, 6000));
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "preflight 24 MP, orientation 6      median {:>6.0} ms   min {:>6.0} ms   max {:>6.0} ms   (target < 600 ms)",
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
    if median > Duration::from_millis(600) {
        println!("ABOVE TARGET");
    }
}
