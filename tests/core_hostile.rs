//! A hostile world gets nowhere: a lying API, a redirecting CDN and a forged library, each served
//! by a small loopback server written for these tests (`common::hostile`), against the trust
//! boundary (`core::api::boundary`).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::Write as _;
use std::time::{Duration, Instant};

use common::hostile::{Hostile, Reply, Trap};
use common::{KEY, text};
use wan_studio::core::api::client::{
    ApiClient, ClientBuildError, ClientConfig, DownloadError, PollError, SubmitError,
    download_media, media_client,
};
use wan_studio::core::api::request::Model;
use wan_studio::core::api::server::Server;
use wan_studio::core::engine::{Engine, EngineConfig};
use wan_studio::core::library::journal::{JobState, Journal, Ledger};
use wan_studio::core::settings::{ApiKey, Paths, parse_base_url};

fn config(base: reqwest::Url) -> ClientConfig {
    let mut c = ClientConfig::new(base, ApiKey::new(KEY));
    c.retry_base = Duration::from_millis(20);
    c.submit_timeout = Duration::from_secs(1);
    c.poll_timeout = Duration::from_secs(1);
    c
}

fn client(h: &Hostile) -> ApiClient {
    ApiClient::new(config(h.url())).unwrap()
}

/// A small real PNG, as a CDN would serve it.
fn small_png() -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(8, 8, image::Rgba([200, 100, 50, 255]));
    wan_studio::core::imaging::encode_png(&img, &[]).unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn plain_http_bases_off_loopback_are_refused_before_any_connection() {
    let trap = Trap::start().await;
    for base in [
        format!("http://0.0.0.0:{}/", trap.port),
        "http://example.invalid/".to_owned(),
        format!("http://93.184.216.34:{}/", trap.port),
    ] {
        let url = reqwest::Url::parse(&base).unwrap();
        let err = ApiClient::new(ClientConfig::new(url, ApiKey::new(KEY))).unwrap_err();
        assert!(
            matches!(err, ClientBuildError::Insecure(_)),
            "{base}: {err}"
        );
        assert!(err.to_string().contains("is not https"), "{err}");
        let refused = parse_base_url(&base).unwrap_err().to_string();
        assert!(refused.contains("https"), "{base}: {refused}");
    }
    // Loopback by name or number stays allowed (the sandbox, a local proxy).
    for ok in [
        "http://127.0.0.1:9/",
        "http://localhost:9/",
        "http://[::1]:9/",
    ] {
        assert!(parse_base_url(ok).is_ok(), "{ok}");
    }
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(trap.connections(), 0, "no connection was attempted");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_redirect_to_a_forbidden_place_is_not_followed() {
    let trap = Trap::start().await;
    let trap_port = trap.port;
    let png = small_png();
    let cdn = Hostile::start(move |asked, base| match asked.path.as_str() {
        "/to-plain-http" => Reply::redirect(&format!("http://0.0.0.0:{trap_port}/x.png")),
        "/to-metadata" => Reply::redirect("https://169.254.169.254/latest/meta-data/"),
        "/to-alibaba-metadata" => Reply::redirect("http://100.100.100.200/latest/meta-data/"),
        "/to-file" => Reply::redirect("file:///etc/passwd"),
        "/fine" => Reply::redirect(&format!("{base}/img.png")),
        "/img.png" => Reply::png(png.clone()),
        loop_path if loop_path.starts_with("/hop/") => {
            let n: u32 = loop_path[5..].parse().unwrap_or(0);
            Reply::redirect(&format!("{base}/hop/{}", n + 1))
        }
        _ => Reply::json(404, &serde_json::json!({})),
    })
    .await;
    let media = media_client(Duration::from_secs(2), Duration::from_secs(2)).unwrap();
    for path in [
        "/to-plain-http",
        "/to-metadata",
        "/to-alibaba-metadata",
        "/to-file",
        "/hop/0",
    ] {
        let err = download_media(&media, &format!("{}{path}", cdn.base()), 1 << 20)
            .await
            .unwrap_err();
        // Refused for good: asking again would be refused again.
        assert!(
            matches!(err, DownloadError::Permanent(_)),
            "{path}: {err:?}"
        );
    }
    // At most five hops: the first link and five redirects were asked, no more.
    assert_eq!(cdn.count("/hop/"), 6);
    // A redirect that keeps the rules is followed.
    let fine = download_media(&media, &format!("{}/fine", cdn.base()), 1 << 20)
        .await
        .unwrap();
    assert_eq!(fine, small_png());
    // The link a redirect pointed at directly is refused too.
    let err = download_media(&media, &format!("http://0.0.0.0:{trap_port}/x"), 1 << 20)
        .await
        .unwrap_err();
    assert!(err.to_string().contains("0.0.0.0"), "{err}");
    tokio::time::sleep(Duration::from_millis(100)).await;
    assert_eq!(trap.connections(), 0, "nothing reached the forbidden host");
    // The CDN never saw the key: the media client carries none.
    assert!(
        cdn.requests()
            .iter()
            .all(|a| a.header("authorization").is_none())
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_submit_answer_is_an_unknown_outcome_never_resent() {
    for say_length in [true, false] {
        let api = Hostile::start(move |_, _| Reply::Huge {
            len: 300 * 1024 * 1024,
            say_length,
        })
        .await;
        let err = client(&api)
            .submit(&text(Model::Standard, "a fox"))
            .await
            .unwrap_err();
        let SubmitError::UnknownOutcome(why) = &err else {
            panic!("{err:?}");
        };
        assert!(why.contains("the server's answer is too large"), "{why}");
        assert_eq!(api.count("/api/v1/images/generations"), 1, "never resent");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_huge_poll_answer_is_refused_and_asked_again_later() {
    let api = Hostile::start(|_, _| Reply::Huge {
        len: 300 * 1024 * 1024,
        say_length: false,
    })
    .await;
    let err = client(&api).poll("task_1").await.unwrap_err();
    let PollError::Transient(why) = &err else {
        panic!("{err:?}");
    };
    assert!(why.contains("too large"), "{why}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_trickled_answer_ends_by_its_deadline_with_no_resend() {
    // Headers at once, then a byte every 100 ms of a 100-byte body: ten seconds if waited out.
    let api = Hostile::start(|_, _| Reply::Trickle {
        len: 100,
        every: Duration::from_millis(100),
    })
    .await;
    let started = Instant::now();
    let err = client(&api)
        .submit(&text(Model::Standard, "a fox"))
        .await
        .unwrap_err();
    let took = started.elapsed();
    assert!(matches!(err, SubmitError::UnknownOutcome(_)), "{err:?}");
    assert!(took < Duration::from_secs(4), "the deadline held: {took:?}");
    assert_eq!(api.count("/api/v1/images/generations"), 1, "never resent");

    let started = Instant::now();
    let err = client(&api).poll("task_1").await.unwrap_err();
    assert!(matches!(err, PollError::Transient(_)), "{err:?}");
    assert!(started.elapsed() < Duration::from_secs(4));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_servers_long_error_is_cut_once_to_two_kib() {
    let long = format!("{}\u{1b}]0;title\u{7}", "no. ".repeat(100_000));
    let api = Hostile::start(move |_, _| {
        Reply::json(
            400,
            &serde_json::json!({"error": {"code": "20001", "message": long.clone()}}),
        )
    })
    .await;
    let err = client(&api)
        .submit(&text(Model::Standard, "a fox"))
        .await
        .unwrap_err();
    let SubmitError::Refused { error, .. } = &err else {
        panic!("{err:?}");
    };
    assert!(error.message.len() <= 2048, "{}", error.message.len());
    assert!(error.message.ends_with('…'));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_after_is_bounded_and_said() {
    // An hour: not waited, and the refusal says why.
    let api = Hostile::start(|_, _| Reply::Whole {
        status: 429,
        headers: vec![("retry-after".into(), "3600".into())],
        body: br#"{"error":{"code":"50001","message":"slow down"}}"#.to_vec(),
    })
    .await;
    let started = Instant::now();
    let err = client(&api)
        .submit(&text(Model::Standard, "a fox"))
        .await
        .unwrap_err();
    assert!(started.elapsed() < Duration::from_secs(2));
    let SubmitError::RateLimited { error } = &err else {
        panic!("{err:?}");
    };
    assert!(
        error.message.contains("asks to wait 3600 s"),
        "{}",
        error.message
    );
    assert_eq!(api.count("/api/v1/images/generations"), 1);

    // A negative value is no wait at all: the studio's own back-off applies and the next try is
    // accepted.
    let tries = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let seen = std::sync::Arc::clone(&tries);
    let api = Hostile::start(move |_, _| {
        if seen.fetch_add(1, std::sync::atomic::Ordering::SeqCst) == 0 {
            Reply::Whole {
                status: 429,
                headers: vec![("retry-after".into(), "-5".into())],
                body: br#"{"error":{"code":"50001","message":"slow down"}}"#.to_vec(),
            }
        } else {
            Reply::json(
                200,
                &serde_json::json!({"id": "task_1", "status": "processing"}),
            )
        }
    })
    .await;
    let task = client(&api)
        .submit(&text(Model::Standard, "a fox"))
        .await
        .unwrap();
    assert_eq!(task.id, "task_1");
    assert_eq!(api.count("/api/v1/images/generations"), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_listing_a_thousand_links_for_one_image_brings_home_one_and_bills_one() {
    let png = small_png();
    let api = Hostile::start(move |asked, base| {
        if asked.path == "/api/v1/images/generations" {
            Reply::json(200, &serde_json::json!({"id": "task_1", "status": "processing"}))
        } else if asked.path.starts_with("/api/v1/tasks/") {
            let urls: Vec<String> = (0..1000).map(|i| format!("{base}/media/{i}.png")).collect();
            Reply::json(
                200,
                &serde_json::json!({"id": "task_1", "status": "completed", "output": {"image_urls": urls}}),
            )
        } else {
            Reply::png(png.clone())
        }
    })
    .await;
    let home = tempfile::tempdir().unwrap();
    let mut cfg = EngineConfig::new(Paths::new(home.path()), config(api.url()), Server::Sandbox);
    cfg.poll_interval = Duration::from_millis(20);
    let (engine, mut events) = Engine::start(cfg, tokio::runtime::Handle::current(), None).unwrap();
    let job = engine.submit(text(Model::Standard, "a fox")).unwrap();
    let done = common::finish(&mut events, &job.id).await;
    assert_eq!(done.state, JobState::Completed, "{:?}", done.error);
    assert_eq!(done.results.len(), 1);
    assert_eq!(done.result_urls.len(), 1, "only the link asked for is kept");
    assert_eq!(
        api.count("/media/"),
        1,
        "the other 999 links were never fetched"
    );
    let spend = engine.journal().spend(Ledger::Sandbox).unwrap();
    assert_eq!(spend.images, 1, "the ledger bills what was kept");
}

/// A library PNG with `chunks` (whole chunks) right after its header.
fn library_png(chunks: &[Vec<u8>]) -> Vec<u8> {
    let extra: Vec<u8> = chunks.concat();
    wan_studio::core::credentials::png::with_after_header(&small_png(), &extra).unwrap()
}

/// An iTXt chunk whose text is `inflated` bytes of spaces, compressed (streamed, never held).
fn compressed_itxt(keyword: &str, inflated: usize) -> Vec<u8> {
    let mut z = flate2::write::ZlibEncoder::new(Vec::new(), flate2::Compression::best());
    let piece = vec![b' '; 1 << 20];
    let mut left = inflated;
    while left > 0 {
        let n = left.min(piece.len());
        z.write_all(&piece[..n]).unwrap();
        left -= n;
    }
    let deflated = z.finish().unwrap();
    let mut data = keyword.as_bytes().to_vec();
    data.extend_from_slice(&[0, 1, 0, 0, 0]); // keyword end, compressed, zlib, no language, no translation
    data.extend_from_slice(&deflated);
    wan_studio::core::credentials::png::whole_chunk(b"iTXt", &data).unwrap()
}

fn plain_itxt(keyword: &str, text: &str) -> Vec<u8> {
    wan_studio::core::credentials::png::itxt_chunk(keyword, text).unwrap()
}

#[test]
fn repair_reads_a_forged_library_defensively() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    let lib = paths.library();
    let params = |prompt: &str| {
        let mut r = text(Model::Standard, prompt);
        r.n = 1;
        serde_json::to_string(&r).unwrap()
    };
    let write = |folder: &str, png: Vec<u8>| {
        let dir = lib.join(folder);
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("01.png"), png).unwrap();
    };
    // A bomb: the parameters chunk inflates to 64 MiB. Skipped, never inflated past its limit.
    write(
        "0123456789abcdef0123456789abcdef",
        library_png(&[compressed_itxt("parameters", 64 << 20)]),
    );
    // A forged task id and escape codes in the prompt.
    write(
        "fedcba9876543210fedcba9876543210",
        library_png(&[
            plain_itxt(
                "parameters",
                &params("a fox\u{1b}]0;pwned\u{7}\u{1b}[2J at dawn"),
            ),
            plain_itxt("task_id", "../../etc/passwd"),
        ]),
    );
    // A folder whose name is no job id.
    write(
        "not a job!",
        library_png(&[plain_itxt("parameters", &params("a cat"))]),
    );
    let repaired = wan_studio::core::library::repair(&paths).unwrap();
    assert_eq!((repaired.jobs, repaired.results), (1, 1));
    let journal = Journal::open(&paths).unwrap();
    let jobs = journal.list().unwrap();
    assert_eq!(jobs.len(), 1);
    let job = &jobs[0];
    assert_eq!(job.id.as_str(), "fedcba9876543210fedcba9876543210");
    assert_eq!(job.task_id, None, "a forged task id is dropped");
    assert_eq!(
        job.request.prompt.as_deref(),
        Some("a fox]0;pwned[2J at dawn")
    );
}
