//! The `wan-studio` binary: exit codes, output, kill and resume, secrets.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::cli::*;
use common::*;
use wan_studio::sandbox::{Endpoint, Fault};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_in_the_sandbox_writes_two_pngs() {
    let home = tempfile::tempdir().unwrap();
    let out_dir = home.path().join("out");
    let mut c = cli(home.path(), None);
    c.args([
        "generate",
        "--sandbox",
        "--prompt",
        "a red fox",
        "-n",
        "2",
        "--json",
        "--out",
    ])
    .arg(&out_dir);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let v = json(&o);
    assert_eq!(v["status"], "completed");
    assert!(v["task_id"].as_str().unwrap().starts_with("task_"));
    let files = v["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    for f in files {
        let p = Path::new(f.as_str().unwrap());
        assert!(p.starts_with(&out_dir), "{}", p.display());
        assert_eq!(png_size(p), (2048, 2048));
    }
    assert!(
        stderr(&o).contains("here nothing is charged"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_samples_can_be_named_for_a_region_edit() {
    let home = tempfile::tempdir().unwrap();
    let mut c = cli(home.path(), None);
    c.args([
        "generate",
        "--sandbox",
        "--prompt",
        "a cat on the desk",
        "--ref",
        "sample:desk.jpg",
        "--box",
        "0:200,300,600,700",
        "--json",
    ]);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["mode"], "region edit");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn invalid_input_exits_2_and_sends_nothing() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let mut c = cli(home.path(), Some(&sb));
    c.args(["generate", "--prompt", "x", "--size", "4K", "-n", "5"]);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(err.contains("size: 4K needs the Pro tier"), "{err}");
    assert!(err.contains("n: Count must be 1 to 4"), "{err}");
    let mut bad_box = cli(home.path(), Some(&sb));
    bad_box.args([
        "generate",
        "--prompt",
        "x",
        "--ref",
        "https://example.com/a.png",
        "--box",
        "3:1,2,3,4",
    ]);
    let o = output(bad_box).await;
    assert_eq!(o.status.code(), Some(2));
    assert!(
        stderr(&o).contains("there is no reference 3"),
        "{}",
        stderr(&o)
    );
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_missing_key_names_the_variable_and_the_sandbox() {
    let home = tempfile::tempdir().unwrap();
    let mut c = cli(home.path(), None);
    c.args(["generate", "--prompt", "a red fox"]);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(2));
    let err = stderr(&o);
    assert!(
        err.contains("REAPI_API_KEY") && err.contains("--sandbox"),
        "{err}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_is_never_sent_over_plain_http_off_loopback() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    // 0.0.0.0 reaches this machine's sandbox on Linux, but it is not a loopback address: a key
    // sent there travels in clear wherever the name or route leads.
    let port = sb.addr().port();
    let generate_at = |base: &str| {
        let mut c = cli(home.path(), None);
        c.env("REAPI_BASE_URL", base)
            .env("REAPI_API_KEY", KEY)
            .args(["generate", "--prompt", "a red fox"]);
        output(c)
    };
    for base in [
        format!("http://0.0.0.0:{port}"),
        "http://example.invalid".to_owned(),
    ] {
        let o = generate_at(&base).await;
        assert_eq!(o.status.code(), Some(2), "{base}: {}", stderr(&o));
        let err = stderr(&o);
        assert!(err.contains("is not https"), "{err}");
        assert!(!err.contains(KEY), "the key is never printed");
    }
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 0);
    assert_eq!(sb.stats().polls.load(Ordering::SeqCst), 0);
    // The loopback address itself is fine (that is how the sandbox tests run).
    let o = generate_at(&format!("http://127.0.0.1:{port}")).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_servers_escape_codes_are_shown_not_obeyed_now_and_in_history() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    // A window title, a screen clear and a right-to-left override in the server's words.
    sb.fail_next_task("70001", "bad\u{1b}]0;pwned\u{7}\u{1b}[2J \u{202e}txt.exe");
    let mut c = cli(home.path(), Some(&sb));
    c.args(["generate", "--prompt", "a fox \u{202e}gnp"]);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let mut h = cli(home.path(), None);
    h.arg("history");
    let history = output(h).await;
    let mut hj = cli(home.path(), None);
    hj.args(["history", "--json"]);
    let history_json = output(hj).await;
    for (what, text) in [
        ("generate", stderr(&o)),
        (
            "history",
            String::from_utf8_lossy(&history.stdout).into_owned(),
        ),
        (
            "history --json",
            String::from_utf8_lossy(&history_json.stdout).into_owned(),
        ),
    ] {
        assert!(
            !text.contains(['\u{1b}', '\u{7}', '\u{202e}']),
            "{what} passed a control character through: {text:?}"
        );
    }
    assert!(stderr(&o).contains("\\u{1b}]0;pwned"), "{}", stderr(&o));
    assert!(String::from_utf8_lossy(&history.stdout).contains("\\u{202e}txt.exe"));
    assert!(String::from_utf8_lossy(&history_json.stdout).contains("\\u202e"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_task_exits_4_with_the_servers_message() {
    let sb = sandbox().await;
    sb.fail_next_task("60001", "Internal error, credits refunded.");
    let home = tempfile::tempdir().unwrap();
    let mut c = cli(home.path(), Some(&sb));
    c.args(["generate", "--prompt", "a red fox"]);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(4), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(err.contains("Internal error, credits refunded."), "{err}");
    assert!(err.contains("request_id req_"), "{err}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_refused_key_exits_3() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let mut c = cli(home.path(), Some(&sb));
    c.env("REAPI_API_KEY", "sk-wrong")
        .args(["generate", "--prompt", "a red fox"]);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(3), "{}", stderr(&o));
    assert!(stderr(&o).contains("Invalid API key"), "{}", stderr(&o));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_unknown_outcome_exits_5_and_is_sent_once() {
    let sb = sandbox().await;
    sb.inject(Endpoint::Submit, Fault::DropConnection);
    let home = tempfile::tempdir().unwrap();
    let mut c = cli(home.path(), Some(&sb));
    c.args(["generate", "--prompt", "a red fox", "--json"]);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(5), "{}", stderr(&o));
    assert_eq!(json(&o)["status"], "unknown_outcome");
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 1);
}

/// Starts `generate`, waits for the task id on stderr, and kills the process with SIGKILL.
async fn kill_mid_poll(mut c: Command) {
    tokio::task::spawn_blocking(move || {
        let mut child = c
            .stderr(Stdio::piped())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let lines = BufReader::new(child.stderr.take().unwrap()).lines();
        for line in lines {
            if line.unwrap().starts_with("Processing: task task_") {
                break;
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
    })
    .await
    .unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_mid_poll_then_resume_downloads_the_results() {
    let sb = sandbox_with(Duration::from_secs(2)).await;
    let home = tempfile::tempdir().unwrap();
    let mut c = cli(home.path(), Some(&sb));
    c.args(["generate", "--prompt", "a lighthouse", "-n", "2"]);
    kill_mid_poll(c).await;
    assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 1);

    let mut r = cli(home.path(), Some(&sb));
    r.args(["resume", "--json"]);
    let o = output(r).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let jobs = json(&o);
    assert_eq!(jobs.as_array().unwrap().len(), 1);
    assert_eq!(jobs[0]["status"], "completed");
    let files = jobs[0]["files"].as_array().unwrap();
    assert_eq!(files.len(), 2);
    assert!(
        files
            .iter()
            .all(|f| Path::new(f.as_str().unwrap()).is_file())
    );
    assert_eq!(
        sb.stats().submits_received.load(Ordering::SeqCst),
        1,
        "never resent"
    );

    let mut h = cli(home.path(), Some(&sb));
    h.args(["history", "--json"]);
    let o = output(h).await;
    let history = json(&o);
    assert_eq!(history[0]["status"], "completed");
    assert_eq!(history[0]["files"].as_array().unwrap().len(), 2);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn sandbox_jobs_survive_the_process_and_resume_with_sandbox() {
    let home = tempfile::tempdir().unwrap();
    let mut c = cli(home.path(), None);
    c.args(["generate", "--sandbox", "--prompt", "a paper boat"]);
    kill_mid_poll(c).await;
    let mut r = cli(home.path(), None);
    r.args(["resume", "--sandbox", "--json"]);
    let o = output(r).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)[0]["status"], "completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_is_in_no_log_line_and_no_file() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let mut c = cli(home.path(), Some(&sb));
    c.env("RUST_LOG", "trace")
        .args(["-vv", "generate", "--prompt", "a red fox", "--ref"])
        .arg(&sb.sample_urls()[0]);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(stderr(&o).len() > 1000, "trace logging was on");
    assert!(!stderr(&o).contains(KEY), "the key was logged");
    assert!(!String::from_utf8_lossy(&o.stdout).contains(KEY));
    let mut stack = vec![home.path().to_path_buf()];
    while let Some(dir) = stack.pop() {
        for e in std::fs::read_dir(dir).unwrap().flatten() {
            if e.path().is_dir() {
                stack.push(e.path());
            } else {
                let bytes = std::fs::read(e.path()).unwrap();
                assert!(
                    !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
                    "{:?}",
                    e.path()
                );
            }
        }
    }
    assert_eq!(
        sb.stats().media_requests_with_auth.load(Ordering::SeqCst),
        0
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn without_a_trust_store_the_sandbox_works_and_https_says_what_is_missing() {
    // A minimal system without ca-certificates, simulated by pointing the trust store nowhere.
    let home = tempfile::tempdir().unwrap();
    let mut c = cli(home.path(), None);
    c.env("SSL_CERT_FILE", "/nonexistent")
        .env("SSL_CERT_DIR", "/nonexistent");
    c.args([
        "generate",
        "--sandbox",
        "--prompt",
        "a fox",
        "--size",
        "1K",
        "--json",
    ]);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["status"], "completed");

    let mut c = cli(home.path(), None);
    c.env("SSL_CERT_FILE", "/nonexistent")
        .env("SSL_CERT_DIR", "/nonexistent")
        .env("REAPI_API_KEY", "k");
    c.args(["generate", "--prompt", "a fox"]);
    let o = output(c).await;
    assert_ne!(o.status.code(), Some(0));
    assert!(
        stderr(&o).contains("install the ca-certificates package"),
        "{}",
        stderr(&o)
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_journal_failure_ends_generate_with_exit_6_and_loses_no_task() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    // A full disk from the k-th journal write on, for every k a generate reaches.
    let mut storage_exits = 0;
    let mut skip = 0;
    loop {
        assert!(
            skip < 40,
            "a generate makes a bounded number of journal writes"
        );
        let mut c = cli(home.path(), Some(&sb));
        c.env(
            "WAN_STUDIO_FAILPOINTS",
            format!("journal-writes={skip}:100000"),
        )
        .args(["generate", "--prompt", "a red fox", "-n", "2", "--json"]);
        let started = std::time::Instant::now();
        let o = tokio::time::timeout(Duration::from_secs(30), output(c))
            .await
            .unwrap_or_else(|_| panic!("generate with journal write {skip} failing never ended"));
        let code = o.status.code();
        assert!(
            started.elapsed() < Duration::from_secs(20),
            "journal write {skip} failing: ended only after {:?}",
            started.elapsed()
        );
        if code == Some(0) {
            break; // the failpoint lies past the last write
        }
        assert_eq!(
            code,
            Some(6),
            "journal write {skip} failing: exit 6 (local storage), got {code:?}: {}",
            stderr(&o)
        );
        storage_exits += 1;
        skip += 1;
    }
    eprintln!("{storage_exits} failing journal writes tried, each ended with exit 6");
    assert!(storage_exits >= 5, "only {storage_exits} writes were tried");

    // The disk has room again: one resume brings home every task that was accepted.
    let submits = sb.stats().submits_received.load(Ordering::SeqCst);
    let mut c = cli(home.path(), Some(&sb));
    c.args(["resume", "--json"]);
    let o = output(c).await;
    assert!(
        matches!(o.status.code(), Some(0 | 5)),
        "resume: {:?} {}",
        o.status.code(),
        stderr(&o)
    );
    let mut c = cli(home.path(), None);
    c.args(["history", "--json"]);
    let o = output(c).await;
    let text = String::from_utf8_lossy(&o.stdout).into_owned();
    let jobs = json(&o).as_array().cloned().unwrap();
    let with_task: Vec<_> = jobs.iter().filter(|j| j["task_id"].is_string()).collect();
    assert_eq!(
        with_task.len() as u64,
        sb.stats().tasks_created.load(Ordering::SeqCst),
        "every accepted task is in the journal: {text}"
    );
    for j in &with_task {
        assert_eq!(j["status"], "completed", "{j}");
    }
    assert_eq!(
        sb.stats().submits_received.load(Ordering::SeqCst),
        submits,
        "resume sends nothing"
    );
}

use common::photos::rotated_photo;

fn journalled_request(home: &Path) -> wan_studio::core::api::request::GenerationRequest {
    let journal = wan_studio::core::library::journal::Journal::open(
        &wan_studio::core::settings::Paths::new(home),
    )
    .unwrap();
    journal.list().unwrap().remove(0).request
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_on_disk_is_a_reference_in_the_sandbox_with_no_setup() {
    let home = tempfile::tempdir().unwrap();
    let photo = rotated_photo(home.path());
    let mut c = cli(home.path(), None);
    c.args([
        "generate",
        "--sandbox",
        "--prompt",
        "a cat on the desk",
        "--ref",
    ])
    .arg(&photo)
    .args(["--box", "0:40,30,160,110", "--json"]);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(json(&o)["mode"], "region edit");
    assert!(
        stderr(&o).contains("Rotated as its camera recorded"),
        "the preparation is said: {}",
        stderr(&o)
    );
    let sent = journalled_request(home.path());
    assert!(
        sent.image_urls[0].contains("/uploads/"),
        "{:?}",
        sent.image_urls
    );
    assert_eq!(sent.bbox_list, Some(vec![vec![[40, 30, 160, 110]]]));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_on_disk_goes_through_the_bucket_and_its_boxes_through_the_downscale() {
    let s3 = common::s3::S3Server::start();
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    // 8400×1400: 400 pixels a side too many, so it is sent at 8000×1333.
    let wide = image::DynamicImage::ImageRgb8(image::RgbImage::from_fn(8400, 1400, |x, _| {
        image::Rgb([u8::try_from(x / 40 % 256).unwrap(), 120, 60])
    }));
    let photo = home.path().join("wide.jpg");
    wide.save(&photo).unwrap();
    let mut c = cli(home.path(), Some(&sb));
    c.env("WAN_STUDIO_S3_BUCKET", common::s3::BUCKET)
        .env("WAN_STUDIO_S3_PATH_STYLE", "1")
        .env("AWS_ENDPOINT_URL", s3.endpoint())
        .env("AWS_REGION", "us-east-1")
        .env("AWS_ACCESS_KEY_ID", common::s3::ACCESS_KEY)
        .env("AWS_SECRET_ACCESS_KEY", common::s3::SECRET)
        .env("RUST_LOG", "trace")
        .args(["generate", "--prompt", "a kite over the dunes", "--ref"])
        .arg(&photo)
        .args(["--box", "0:840,140,1680,700", "--json"]);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let sent = sb.requests().remove(0);
    assert!(
        sent.image_urls[0].starts_with(&format!("{}/{}/", s3.endpoint(), common::s3::BUCKET))
            && sent.image_urls[0].contains("X-Amz-Signature="),
        "the sandbox fetched a presigned link: {}",
        sent.image_urls[0]
    );
    assert_eq!(
        sent.bbox_list,
        Some(vec![vec![[800, 133, 1600, 667]]]),
        "the box drawn on 8400×1400 lands on the same place of the 8000×1333 sent"
    );
    assert!(stderr(&o).contains("Downscaled from 8400×1400 to 8000×1333"));
    // The storage secret is in no output and no file.
    assert!(!stderr(&o).contains(common::s3::SECRET));
    assert!(!String::from_utf8_lossy(&o.stdout).contains(common::s3::SECRET));
    for entry in walk(home.path()) {
        let bytes = std::fs::read(&entry).unwrap_or_default();
        assert!(
            !bytes
                .windows(common::s3::SECRET.len())
                .any(|w| w == common::s3::SECRET.as_bytes()),
            "{} holds the secret",
            entry.display()
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_photo_on_disk_without_a_host_is_refused_before_anything_is_sent() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let photo = rotated_photo(home.path());
    let mut c = cli(home.path(), Some(&sb));
    c.args(["generate", "--prompt", "a cat", "--ref"])
        .arg(&photo);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    let err = stderr(&o);
    assert!(
        err.contains("WAN_STUDIO_S3_BUCKET")
            && err.contains("--sandbox")
            && err.contains("Nothing was sent"),
        "{err}"
    );
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn history_searches_filters_and_says_what_was_spent() {
    let home = tempfile::tempdir().unwrap();
    for (prompt, model, n) in [
        ("a red fox in snow", "standard", "2"),
        ("a harbour in fog", "pro", "1"),
    ] {
        let mut c = cli(home.path(), None);
        c.args([
            "generate",
            "--sandbox",
            "--size",
            "1K",
            "--prompt",
            prompt,
            "--model",
            model,
            "-n",
            n,
        ]);
        let o = output(c).await;
        assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    }
    let history = |args: &[&str]| {
        let mut c = cli(home.path(), None);
        c.arg("history").args(args);
        c
    };
    let o = output(history(&["--search", "FOX", "--json"])).await;
    let v = json(&o);
    assert_eq!(v.as_array().unwrap().len(), 1);
    assert_eq!(v[0]["prompt"], "a red fox in snow");
    let o = output(history(&[
        "--model",
        "pro",
        "--since",
        "2000-01-01",
        "--json",
    ]))
    .await;
    assert_eq!(json(&o)[0]["prompt"], "a harbour in fog");
    let o = output(history(&["--favourites", "--json"])).await;
    assert_eq!(json(&o).as_array().unwrap().len(), 0, "nothing starred yet");
    let o = output(history(&["--since", "2999-01-01"])).await;
    assert!(String::from_utf8_lossy(&o.stdout).contains("No job matches."));
    let o = output(history(&["--since", "yesterday"])).await;
    assert_eq!(o.status.code(), Some(2), "a bad date is refused");
    assert!(stderr(&o).contains("YYYY-MM-DD"), "{}", stderr(&o));
    // All three ran in the sandbox: nothing was paid, and the sandbox's ledger says what they
    // would have cost (2 Standard images at $0.030 and 1 Pro at $0.075).
    let o = output(history(&["--spend", "--json"])).await;
    let v = json(&o);
    assert_eq!(v["images"], 0);
    assert_eq!(v["micro_usd"], 0);
    assert_eq!(v["months"].as_array().unwrap().len(), 0);
    assert_eq!(v["sandbox"]["paid"], false);
    assert_eq!(v["sandbox"]["images"], 3);
    assert_eq!(v["sandbox"]["micro_usd"], 135_000);
    assert_eq!(v["sandbox"]["usd"], "$0.135");
    let o = output(history(&["--spend"])).await;
    let text = String::from_utf8_lossy(&o.stdout);
    assert!(text.contains("In all: 0 images, $0.00"), "{text}");
    assert!(
        text.contains("Sandbox results, not counted above (nothing was paid): 3 images, $0.135"),
        "{text}"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_edit_with_no_prompt_is_warned_of_and_still_sent() {
    let home = tempfile::tempdir().unwrap();
    let mut c = cli(home.path(), None);
    c.args([
        "generate",
        "--sandbox",
        "--ref",
        "sample:desk.jpg",
        "--json",
    ]);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("warning: an edit with no prompt"),
        "{}",
        stderr(&o)
    );
    assert_eq!(json(&o)["status"], "completed");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_typed_seed_of_zero_is_sent_as_typed_with_a_note() {
    let home = tempfile::tempdir().unwrap();
    let mut c = cli(home.path(), None);
    c.args([
        "generate",
        "--sandbox",
        "--prompt",
        "a kite",
        "--seed",
        "0",
        "--json",
    ]);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("note: seed 0 is sent as typed"),
        "{}",
        stderr(&o)
    );
    assert_eq!(journalled_request(home.path()).seed, Some(0));
}
