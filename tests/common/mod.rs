//! Shared helpers: a sandbox on loopback and an engine pointed at it, with short timings.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

pub mod cli;
pub mod hostile;
pub mod photos;
pub mod s3;

use std::time::Duration;

use tokio::sync::mpsc;
use wan_studio::core::api::client::ClientConfig;
use wan_studio::core::api::request::{GenerationRequest, Model};
use wan_studio::core::api::server::Server;
use wan_studio::core::engine::{Engine, EngineConfig, Event};
use wan_studio::core::library::journal::{JobRecord, JobState};
use wan_studio::core::settings::{ApiKey, Paths};
use wan_studio::sandbox::{Sandbox, SandboxConfig};

pub const KEY: &str = "sk-test-0123456789abcdef-SECRET";

/// A sandbox that insists on [`KEY`] and answers quickly.
pub async fn sandbox() -> Sandbox {
    sandbox_with(Duration::from_millis(150)).await
}

pub async fn sandbox_with(delay: Duration) -> Sandbox {
    Sandbox::start(SandboxConfig {
        key: Some(KEY.to_owned()),
        base_delay: delay,
        per_image_delay: Duration::ZERO,
        ..SandboxConfig::default()
    })
    .await
    .expect("sandbox starts")
}

pub fn client_config(sandbox: &Sandbox) -> ClientConfig {
    let mut c = ClientConfig::new(sandbox.base_url(), ApiKey::new(KEY));
    c.retry_base = Duration::from_millis(50);
    c.submit_timeout = Duration::from_secs(2);
    c.poll_timeout = Duration::from_secs(2);
    c
}

pub fn engine(sandbox: &Sandbox, home: &std::path::Path) -> (Engine, mpsc::Receiver<Event>) {
    let mut cfg = EngineConfig::new(Paths::new(home), client_config(sandbox), Server::Sandbox);
    cfg.poll_interval = Duration::from_millis(40);
    cfg.lost_task_patience = Duration::from_millis(600);
    Engine::start(cfg, tokio::runtime::Handle::current(), None).expect("engine starts")
}

pub fn text(model: Model, prompt: &str) -> GenerationRequest {
    let mut r = GenerationRequest::new(model);
    r.prompt = Some(prompt.to_owned());
    r
}

/// Waits until the job reaches a state that is no longer active; returns its record.
pub async fn finish(events: &mut mpsc::Receiver<Event>, job_id: &str) -> JobRecord {
    wait_for(events, job_id, |j| !j.state.is_active()).await
}

/// Waits (up to 60 s) for a snapshot of the job that satisfies `pred`.
pub async fn wait_for(
    events: &mut mpsc::Receiver<Event>,
    job_id: &str,
    pred: impl Fn(&JobRecord) -> bool,
) -> JobRecord {
    let deadline = tokio::time::Instant::now() + Duration::from_mins(1);
    loop {
        let ev = tokio::time::timeout_at(deadline, events.recv())
            .await
            .unwrap_or_else(|_| panic!("job {job_id} did not get there in time"))
            .expect("engine alive");
        if let Event::Job(job) = ev
            && job.id == job_id
            && pred(&job)
        {
            return *job;
        }
    }
}

pub fn assert_completed(job: &JobRecord, images: usize) {
    assert_eq!(job.state, JobState::Completed, "error: {:?}", job.error);
    assert_eq!(job.results.len(), images);
    for r in &job.results {
        assert!(r.path.is_file(), "{} missing", r.path.display());
        assert!(r.thumbnail.is_file(), "{} missing", r.thumbnail.display());
    }
}

pub fn png_size(path: &std::path::Path) -> (u32, u32) {
    let bytes = std::fs::read(path).unwrap();
    assert_eq!(
        &bytes[..8],
        b"\x89PNG\r\n\x1a\n",
        "{} is not a PNG",
        path.display()
    );
    wan_studio::core::imaging::dimensions(&bytes).unwrap()
}

/// Every file under `dir`, at any depth.
pub fn walk(dir: &std::path::Path) -> Vec<std::path::PathBuf> {
    let mut out = Vec::new();
    for e in std::fs::read_dir(dir).into_iter().flatten().flatten() {
        let p = e.path();
        if p.is_dir() {
            out.extend(walk(&p));
        } else {
            out.push(p);
        }
    }
    out
}

/// This process's peak resident memory (Linux; 0 elsewhere), in MB.
pub fn peak_rss_mb() -> u64 {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmHWM:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<u64>().ok())
        .map_or(0, |kb| kb / 1024)
}
