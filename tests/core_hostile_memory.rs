//! Memory stays bounded whatever a hostile world sends: a 300 MB submit or poll answer, and a
//! library PNG whose prompt inflates to 512 MB, measured as `core_peak_memory.rs` does (the
//! process's own high-water mark), alone in this test binary so nothing else shares it.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write as _;
use std::time::Duration;

use common::hostile::{Hostile, Reply};
use common::{KEY, peak_rss_mb, text};
use wan_studio::core::api::client::{ApiClient, ClientConfig, SubmitError};
use wan_studio::core::api::request::Model;
use wan_studio::core::settings::{ApiKey, Paths};

/// What a hostile input may add to the high-water mark. Without the boundary the 300 MB answer
/// took the process to 623 MB, and the bomb took `repair` to 523 MB.
const MAX_GROWTH_MB: u64 = 64;

/// A PNG whose `parameters` iTXt chunk inflates to `inflated` bytes, written to `path` with the
/// compressed stream built piece by piece (the test never holds the inflated text).
fn write_bomb(path: &std::path::Path, inflated: usize) {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::default());
    let piece = vec![b'a'; 1 << 20];
    for _ in 0..inflated / piece.len() {
        z.write_all(&piece).unwrap();
    }
    let mut data = b"parameters".to_vec();
    data.extend_from_slice(&[0, 1, 0, 0, 0]);
    data.extend_from_slice(&z.finish().unwrap());
    let chunk = wan_studio::core::credentials::png::whole_chunk(b"iTXt", &data).unwrap();
    let img = image::RgbaImage::from_pixel(8, 8, image::Rgba([1, 2, 3, 255]));
    let png = wan_studio::core::imaging::encode_png(&img, &[]).unwrap();
    let bomb = wan_studio::core::credentials::png::with_after_header(&png, &chunk).unwrap();
    std::fs::create_dir_all(path.parent().unwrap()).unwrap();
    std::fs::write(path, bomb).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn hostile_answers_and_library_files_leave_memory_bounded() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    write_bomb(
        &paths
            .library()
            .join("0123456789abcdef0123456789abcdef/01.png"),
        512 << 20,
    );
    let api = Hostile::start(|asked, _| Reply::Huge {
        len: 300 * 1024 * 1024,
        // The submit says its length (refused at once), the poll does not (refused as it grows).
        say_length: asked.method == "POST",
    })
    .await;
    let mut cfg = ClientConfig::new(api.url(), ApiKey::new(KEY));
    cfg.submit_timeout = Duration::from_mins(1);
    cfg.poll_timeout = Duration::from_mins(1);
    let client = ApiClient::new(cfg).unwrap();
    let before = peak_rss_mb();

    let err = client
        .submit(&text(Model::Standard, "a fox"))
        .await
        .unwrap_err();
    assert!(matches!(err, SubmitError::UnknownOutcome(_)), "{err:?}");
    assert!(client.poll("task_1").await.is_err());
    let after_answers = peak_rss_mb();
    assert!(
        after_answers - before < MAX_GROWTH_MB,
        "300 MB answers: {before} MB → {after_answers} MB"
    );

    let repaired =
        tokio::task::spawn_blocking(move || wan_studio::core::library::repair(&paths).unwrap())
            .await
            .unwrap();
    assert_eq!(repaired.jobs, 0, "the bomb's file is skipped");
    let after_repair = peak_rss_mb();
    assert!(
        after_repair - before < MAX_GROWTH_MB,
        "a 512 MB text bomb: {before} MB → {after_repair} MB"
    );
}
