//! End to end against the sandbox on loopback: every mode, results copied home.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::Ordering;

use common::*;
use wan_studio::core::api::request::{Model, PaletteEntry};
use wan_studio::core::imaging;
use wan_studio::sandbox::SAMPLES;

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn text_to_image() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let mut req = text(Model::Standard, "a red fox in fresh snow");
    req.n = 2;
    req.seed = Some(7);
    let job = engine.submit(req).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_completed(&done, 2);
    assert!(done.task_id.as_deref().unwrap().starts_with("task_"));
    assert_eq!(png_size(&done.results[0].path), (2048, 2048));
    // The prompt and parameters travel with the file.
    let meta = imaging::png_text(&std::fs::read(&done.results[0].path).unwrap()).unwrap();
    assert!(meta.contains(&("prompt".into(), "a red fox in fresh snow".into())));
    assert!(meta.contains(&("seed".into(), "7".into())));
    assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn editing_with_references_follows_the_last_reference() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let mut req = text(Model::Pro, "blend these into one scene");
    // mountains is 1536x1024 (3:2), portrait 896x1152: the output follows the last one.
    req.image_urls = vec![sb.sample_urls()[0].clone(), sb.sample_urls()[2].clone()];
    let job = engine.submit(req).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_completed(&done, 1);
    let (w, h) = png_size(&done.results[0].path);
    let aspect = f64::from(w) / f64::from(h);
    assert!((aspect - 896.0 / 1152.0).abs() < 0.02, "{w}x{h}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn region_edit_outlines_the_box_where_it_was_drawn() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let mut req = text(Model::Standard, "replace the clock with a cat");
    let desk = sb.sample_urls()[1].clone(); // 1024x1024
    req.image_urls = vec![sb.sample_urls()[0].clone(), desk];
    req.bbox_list = Some(vec![vec![], vec![[200, 300, 600, 700]]]);
    req.size = Some("1024x1024".into());
    let job = engine.submit(req).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_completed(&done, 1);
    let img = imaging::decode_limited(&std::fs::read(&done.results[0].path).unwrap())
        .unwrap()
        .to_rgba8();
    assert_eq!(img.dimensions(), (1024, 1024));
    // The box's outline colour sits on its edges, in the reference's own pixels.
    let outline = [255, 196, 0, 255];
    assert_eq!(img.get_pixel(400, 301).0, outline, "top edge");
    assert_eq!(img.get_pixel(201, 500).0, outline, "left edge");
    assert_eq!(img.get_pixel(598, 690).0, outline, "right edge");
    assert_ne!(img.get_pixel(400, 290).0, outline, "outside the box");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_box_past_the_edge_fails_the_task_like_the_service() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let mut req = text(Model::Standard, "x");
    req.image_urls = vec![sb.sample_urls()[1].clone()];
    req.bbox_list = Some(vec![vec![[900, 900, 1100, 1000]]]);
    let job = engine.submit(req).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_eq!(
        done.state,
        wan_studio::core::library::journal::JobState::Failed
    );
    assert!(
        done.error
            .unwrap()
            .message
            .contains("reaches past the edge of the 1024x1024 image")
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn palette_colours_appear_in_the_result() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let mut req = text(Model::Standard, "a quiet harbour");
    req.size = Some("1K".into());
    req.color_palette = Some(vec![
        PaletteEntry {
            hex: "#FF0000".into(),
            ratio: "30.00%".into(),
        },
        PaletteEntry {
            hex: "#00FF00".into(),
            ratio: "30.00%".into(),
        },
        PaletteEntry {
            hex: "#0000FF".into(),
            ratio: "40.00%".into(),
        },
    ]);
    let job = engine.submit(req).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_completed(&done, 1);
    let img = imaging::decode_limited(&std::fs::read(&done.results[0].path).unwrap())
        .unwrap()
        .to_rgba8();
    let y = img.height() - 2;
    assert_eq!(img.get_pixel(5, y).0, [255, 0, 0, 255]);
    assert_eq!(img.get_pixel(img.width() / 2, y).0, [0, 255, 0, 255]);
    assert_eq!(img.get_pixel(img.width() - 5, y).0, [0, 0, 255, 255]);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn group_series_of_twelve_arrives_in_order() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let mut req = text(Model::Standard, "a storyboard: a paper boat's journey");
    req.enable_sequential = Some(true);
    req.n = 12;
    req.size = Some("1K".into());
    let job = engine.submit(req).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_completed(&done, 12);
    assert_eq!(done.result_urls.len(), 12);
    let client = reqwest::Client::new();
    for (i, r) in done.results.iter().enumerate() {
        assert_eq!(r.index as usize, i);
        assert!(r.path.ends_with(format!("{:02}.png", i + 1)));
        // The stored file holds exactly the pixels the server had at position i.
        let served = client
            .get(&done.result_urls[i])
            .send()
            .await
            .unwrap()
            .bytes()
            .await
            .unwrap();
        let ours = imaging::decode_limited(&std::fs::read(&r.path).unwrap())
            .unwrap()
            .to_rgba8();
        let theirs = imaging::decode_limited(&served).unwrap().to_rgba8();
        assert!(ours == theirs, "result {i} is out of order");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_k_on_pro() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let mut req = text(Model::Pro, "a print-ready poster of a mountain lake");
    req.size = Some("4K".into());
    let job = engine.submit(req).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_completed(&done, 1);
    assert_eq!(png_size(&done.results[0].path), (4096, 4096));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_requests_are_never_sent() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let (engine, _events) = engine(&sb, home.path());
    let mut req = text(Model::Standard, "x");
    req.size = Some("4K".into());
    assert!(matches!(
        engine.submit(req),
        Err(wan_studio::core::engine::EngineError::Invalid(_))
    ));
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 0);
    assert!(
        engine.jobs().unwrap().is_empty(),
        "nothing journalled either"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_answers_invalid_bodies_with_the_catalogue_codes() {
    let sb = sandbox().await;
    let http = reqwest::Client::new();
    let url = format!("{}api/v1/images/generations", sb.base_url());
    let post = |body: &'static str| {
        http.post(&url)
            .header("Authorization", format!("Bearer {KEY}"))
            .header("Content-Type", "application/json")
            .body(body)
            .send()
    };
    let cases = [
        ("[1, 2]", "20001"),
        ("{\"prompt\": \"x\"}", "20002"),
        ("{\"model\": \"dall-e\", \"prompt\": \"x\"}", "20004"),
        (
            "{\"model\": \"wan2.7-image\", \"prompt\": \"x\", \"size\": \"4K\"}",
            "20005",
        ),
        (
            "{\"model\": \"wan2.7-image\", \"prompt\": \"x\", \"n\": \"two\"}",
            "20003",
        ),
    ];
    for (body, code) in cases {
        let resp = post(body).await.unwrap();
        assert_eq!(resp.status().as_u16(), 400, "{body}");
        let v: serde_json::Value = resp.json().await.unwrap();
        assert_eq!(v["error"]["code"], code, "{body}: {v}");
        assert!(v["error"]["request_id"].is_string());
    }
    // Without the key: 401.
    let resp = http.post(&url).body("{}").send().await.unwrap();
    assert_eq!(resp.status().as_u16(), 401);
    assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn unreachable_reference_fails_the_task() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let mut req = text(Model::Standard, "x");
    req.image_urls = vec![format!("{}samples/missing.jpg", sb.base_url())];
    let job = engine.submit(req).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_eq!(
        done.state,
        wan_studio::core::library::journal::JobState::Failed
    );
    let err = done.error.unwrap();
    assert!(err.message.contains("could not be downloaded"), "{err:?}");
    assert!(err.request_id.is_some());
}

#[test]
fn samples_are_real_images_within_the_reference_limits() {
    for (name, bytes) in SAMPLES {
        let (w, h) = imaging::dimensions(bytes).unwrap();
        assert!(
            (240..=8000).contains(&w) && (240..=8000).contains(&h),
            "{name}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_sandbox_keeps_its_address_between_runs() {
    use wan_studio::backend::{Options, connect};
    let home = tempfile::tempdir().unwrap();
    let opts = Options::new(
        wan_studio::core::settings::Paths::new(home.path()),
        None,
        "https://reapi.ai".parse().unwrap(),
    );
    let first = connect(&opts, false, None).await.unwrap();
    let url = first.sandbox.as_ref().unwrap().base_url();
    drop(first);
    tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    let second = connect(&opts, false, None).await.unwrap();
    assert_eq!(
        second.sandbox.as_ref().unwrap().base_url(),
        url,
        "sample and result links stay valid"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_group_series_may_come_back_shorter_and_that_is_a_success() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let mut req = text(Model::Standard, "a storyboard of a paper boat, six panels");
    req.n = 6;
    req.enable_sequential = Some(true);
    // The model decides how many images make the series: this time four.
    sb.shorten_next_series(4);
    let job = engine.submit(req).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_completed(&done, 4);
    assert!(done.error.is_none());
    assert_eq!(
        wan_studio::ui::status_text(&done, 0),
        "Done · 4 of 6 images",
        "the queue says how many came back, not a failure"
    );
    // The estimate for a series is an upper bound.
    let draft = wan_studio::core::draft::Draft::from_request(&done.request);
    let estimate = draft.estimate(&wan_studio::core::api::pricing::Rates::default());
    assert!(estimate.up_to);
    assert!(
        estimate.to_string().starts_with("up to 6 images"),
        "{estimate}"
    );
}
