//! Bounded memory with the largest results the API makes arriving together: four jobs of four
//! 4096×4096 images each, served at once by a fake API on loopback, stay under 400 MB of peak
//! resident memory (the process's own high-water mark). Alone in its test binary, so no other test
//! shares the measurement.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::Arc;
use std::sync::atomic::{AtomicU32, Ordering};
use std::time::Duration;

use axum::extract::{Path as UrlPath, State};
use axum::routing::{get, post};
use common::{KEY, assert_completed, peak_rss_mb};
use wan_studio::core::api::client::ClientConfig;
use wan_studio::core::api::request::{GenerationRequest, Model};
use wan_studio::core::api::server::Server;
use wan_studio::core::engine::{Engine, EngineConfig, Event};
use wan_studio::core::settings::{ApiKey, Paths};

const SIDE: u32 = 4096;
const PER_JOB: usize = 4;

/// A 4096² RGB PNG written row by row, so the test itself never holds the raw image.
fn large_png() -> Vec<u8> {
    let mut out = Vec::new();
    let mut enc = png::Encoder::new(&mut out, SIDE, SIDE);
    enc.set_color(png::ColorType::Rgb);
    enc.set_depth(png::BitDepth::Eight);
    let mut writer = enc.write_header().unwrap();
    let mut stream = writer.stream_writer().unwrap();
    let mut row = vec![0u8; SIDE as usize * 3];
    for y in 0..SIDE {
        for (x, px) in row.chunks_exact_mut(3).enumerate() {
            let x = u32::try_from(x).unwrap();
            px.copy_from_slice(&[(x / 16) as u8, (y / 16) as u8, ((x ^ y) & 0xff) as u8]);
        }
        std::io::Write::write_all(&mut stream, &row).unwrap();
    }
    stream.finish().unwrap();
    drop(writer);
    out
}

struct Api {
    png: Vec<u8>,
    base: String,
    tasks: AtomicU32,
}

async fn serve(png: Vec<u8>) -> reqwest::Url {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    let api = Arc::new(Api {
        png,
        base: base.clone(),
        tasks: AtomicU32::new(0),
    });
    let app = axum::Router::new()
        .route(
            "/api/v1/images/generations",
            post(|State(api): State<Arc<Api>>| async move {
                let n = api.tasks.fetch_add(1, Ordering::SeqCst);
                axum::Json(serde_json::json!({"id": format!("task_{n}"), "status": "processing"}))
            }),
        )
        .route(
            "/api/v1/tasks/{id}",
            get(
                |State(api): State<Arc<Api>>, UrlPath(id): UrlPath<String>| async move {
                    let urls: Vec<String> = (0..PER_JOB)
                        .map(|i| format!("{}/media/{id}/{i}.png", api.base))
                        .collect();
                    axum::Json(serde_json::json!({
                        "id": id, "status": "completed", "output": {"image_urls": urls}
                    }))
                },
            ),
        )
        .route(
            "/media/{id}/{file}",
            get(|State(api): State<Arc<Api>>| async move {
                ([("content-type", "image/png")], api.png.clone())
            }),
        )
        .with_state(api);
    tokio::spawn(async move { axum::serve(listener, app).await });
    reqwest::Url::parse(&base).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn four_jobs_of_four_4096_results_at_once_stay_under_400_mb() {
    let png = large_png();
    let base = serve(png).await;
    let home = tempfile::tempdir().unwrap();
    let mut client = ClientConfig::new(base, ApiKey::new(KEY));
    client.retry_base = Duration::from_millis(50);
    let mut cfg = EngineConfig::new(Paths::new(home.path()), client, Server::Sandbox);
    cfg.poll_interval = Duration::from_millis(20);
    let (engine, mut events) = Engine::start(cfg, tokio::runtime::Handle::current(), None).unwrap();
    let before = peak_rss_mb();

    let mut jobs = Vec::new();
    for i in 0..4 {
        let mut req = GenerationRequest::new(Model::Pro);
        req.prompt = Some(format!("a wide landscape {i}"));
        req.size = Some(format!("{SIDE}x{SIDE}"));
        req.n = i64::try_from(PER_JOB).unwrap();
        jobs.push(engine.submit(req).unwrap().id);
    }
    let started = std::time::Instant::now();
    let mut ended = std::collections::HashMap::new();
    while ended.len() < jobs.len() {
        let event = tokio::time::timeout(Duration::from_mins(2), events.recv())
            .await
            .expect("the jobs move on")
            .expect("the engine runs");
        if let Event::Job(job) = event
            && !job.state.is_active()
        {
            ended.insert(job.id.clone(), *job);
        }
    }
    for done in ended.values() {
        assert_completed(done, PER_JOB);
        assert!(
            done.results
                .iter()
                .all(|r| (r.width, r.height) == (SIDE, SIDE))
        );
    }
    eprintln!("16 results stored in {:?}", started.elapsed());
    let peak = peak_rss_mb();
    eprintln!(
        "peak RSS: {before} MB before the jobs, {peak} MB after 16 results of {SIDE}² ({} decoders)",
        std::thread::available_parallelism().map_or(0, std::num::NonZero::get)
    );
    if cfg!(target_os = "linux") {
        assert!(
            peak < 400,
            "peak RSS {peak} MB (before the jobs: {before} MB)"
        );
    }
}
