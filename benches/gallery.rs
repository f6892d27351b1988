//! Frame time of the window with thousands of results in the gallery, the texture memory it
//! settles at while scrolling through all of them, and the frame time while a 1,000-job batch runs
//! in the sandbox (started through the Batch dialog, as an artist would). Run with
//! `cargo bench --bench gallery`.
//!
//! Frames are stepped through egui_kittest (no GPU), which also builds the AccessKit tree every
//! frame: the numbers are an upper bound on the app's own CPU time per frame.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::print_stdout,
    clippy::cast_precision_loss
)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::Harness;
use egui_kittest::kittest::Queryable;
use wan_studio::core::api::request::{GenerationRequest, Model};
use wan_studio::core::api::server::Server;
use wan_studio::core::engine::Event;
use wan_studio::core::library;
use wan_studio::core::library::journal::{JobRecord, JobState, ResultRecord, Shelved};
use wan_studio::core::settings::{MemoryKeyStore, Paths};
use wan_studio::ui::{AppConfig, StudioApp};

const JOBS: usize = 5_000;
const PER_JOB: u32 = 2;

fn percentile(sorted: &[Duration], p: f64) -> Duration {
    sorted[((sorted.len() - 1) as f64 * p).round() as usize]
}

fn report(name: &str, mut times: Vec<Duration>) {
    times.sort();
    let mean = times.iter().sum::<Duration>() / u32::try_from(times.len()).unwrap();
    println!(
        "{name:<34} mean {:>6.2} ms   p50 {:>6.2} ms   p95 {:>6.2} ms   max {:>6.2} ms",
        mean.as_secs_f64() * 1e3,
        percentile(&times, 0.5).as_secs_f64() * 1e3,
        percentile(&times, 0.95).as_secs_f64() * 1e3,
        times.last().unwrap().as_secs_f64() * 1e3,
    );
}

/// Steps frames until `done` (at most 30 s).
fn until<S>(h: &mut Harness<'_, S>, what: &str, done: impl Fn(&Harness<'_, S>) -> bool) {
    let since = Instant::now();
    while !done(h) {
        assert!(
            since.elapsed() < Duration::from_secs(30),
            "{what} never came"
        );
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
}

fn main() {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    // One real thumbnail on disk, linked where each result's thumbnail lives (each is still its own
    // texture key and its own file to load).
    let thumb = home.path().join("thumb.png");
    let pixels = image::RgbaImage::from_fn(320, 180, |x, y| {
        image::Rgba([(x % 256) as u8, (y % 256) as u8, 128, 255])
    });
    std::fs::write(
        &thumb,
        wan_studio::core::imaging::encode_png(&pixels, &[]).unwrap(),
    )
    .unwrap();

    let mut cfg = AppConfig::new(
        rt.handle().clone(),
        paths.clone(),
        Arc::new(MemoryKeyStore::default()),
    );
    cfg.fonts = wan_studio::core::text::fonts::FontSource::None;
    cfg.restore = false;
    let mut h = Harness::builder()
        .with_size(egui::vec2(1600.0, 1000.0))
        .build_eframe(move |cc| StudioApp::new(cc, cfg));
    while !h.state().is_ready() {
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }
    // Let the engine's own (empty) job list arrive before ours replaces it.
    let settle = Instant::now();
    while settle.elapsed() < Duration::from_millis(500) {
        h.step();
        std::thread::sleep(Duration::from_millis(5));
    }

    let jobs: Vec<JobRecord> = (0..JOBS)
        .map(|i| {
            let mut req = GenerationRequest::new(Model::Standard);
            req.prompt = Some(format!("result number {i}: a quiet harbour at dawn"));
            let mut job = JobRecord::new(Server::Sandbox, req);
            job.state = JobState::Completed;
            job.created_at_ms -= i64::try_from(i).unwrap();
            for k in 0..PER_JOB {
                let at = library::thumbnail_path(&paths, &job.id, k);
                std::fs::create_dir_all(at.parent().unwrap()).unwrap();
                std::fs::hard_link(&thumb, &at).unwrap();
            }
            job.results = (0..PER_JOB)
                .map(|k| ResultRecord {
                    job_id: job.id.clone(),
                    index: k,
                    path: thumb.clone(),
                    thumbnail: thumb.clone(),
                    width: 2048,
                    height: 1152,
                    favourite: false,
                    rating: 0,
                })
                .collect();
            job
        })
        .collect();
    let started = Instant::now();
    h.state_mut().handle_event(Event::Library {
        shelf: jobs.iter().map(Shelved::of).collect(),
        live: Vec::new(),
        older: jobs.len(),
    });
    h.step();
    println!(
        "{} results: first frame after loading them took {:.1} ms",
        JOBS * PER_JOB as usize,
        started.elapsed().as_secs_f64() * 1e3
    );

    for _ in 0..30 {
        h.step();
        std::thread::sleep(Duration::from_millis(2));
    }
    let idle: Vec<Duration> = (0..200)
        .map(|_| {
            let t = Instant::now();
            h.step();
            t.elapsed()
        })
        .collect();
    report("gallery frame, still", idle);

    let over = h.get_by_label("Result 1").rect().center();
    h.hover_at(over);
    let mut scrolling = Vec::new();
    let mut peak_bytes = 0;
    for _ in 0..1500 {
        h.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, -220.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: egui::Modifiers::NONE,
        });
        let t = Instant::now();
        h.step();
        scrolling.push(t.elapsed());
        peak_bytes = peak_bytes.max(h.state().texture_bytes());
    }
    report("gallery frame, scrolling", scrolling);
    println!(
        "texture memory while scrolling through all {} thumbnails: peak {:.0} MB (budget {:.0} MB)",
        JOBS * PER_JOB as usize,
        peak_bytes as f64 / 1_048_576.0,
        wan_studio::ui::TEXTURE_BUDGET_BYTES as f64 / 1_048_576.0
    );

    batch_frames(&mut h, home.path());
    drop(h);
}

/// A 1,000-job batch from a job file, started through the Batch dialog; frames are measured
/// while its jobs are sent, polled and copied home and its queue row counts up.
fn batch_frames(h: &mut Harness<'_, StudioApp>, home: &std::path::Path) {
    let file = home.join("thousand.jsonl");
    std::fs::write(
        &file,
        "{\"prompt\": \"a quiet harbour at dawn\", \"size\": \"1:1\", \"resolution\": \"1K\", \"seed\": 1, \"repeat\": 1000}\n",
    )
    .unwrap();
    h.get_by_label("Batch…").click();
    until(h, "the Batch dialog", |h| {
        h.query_by_label("From a job file").is_some()
    });
    h.get_by_label("From a job file").click();
    until(h, "the job file field", |h| {
        h.query_by_label("Job file").is_some()
    });
    h.get_by_label("Job file").click();
    h.step();
    h.get_by_label("Job file")
        .type_text(&file.display().to_string());
    h.step();
    h.key_press(egui::Key::Enter);
    until(h, "the batch's price", |h| {
        h.query_by_label_contains("1000 jobs").is_some()
    });
    h.get_by_label("Start batch").click();
    until(h, "the batch's first job", |h| {
        h.state().jobs().iter().any(|j| j.batch.is_some())
    });
    let running: Vec<Duration> = (0..300)
        .map(|_| {
            // About a 60 Hz display's pace, so the engine's events arrive between frames.
            std::thread::sleep(Duration::from_millis(16));
            let t = Instant::now();
            h.step();
            t.elapsed()
        })
        .collect();
    let batch_jobs = h
        .state()
        .jobs()
        .iter()
        .filter(|j| j.batch.is_some())
        .count();
    report("gallery frame, 1,000-job batch", running);
    println!("  (its jobs in the window after 300 frames: {batch_jobs})");
}
