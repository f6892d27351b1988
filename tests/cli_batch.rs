//! `wan-studio batch` against the sandbox: priced before sending, capped, limited in flight, and
//! resumed after a kill without sending anything twice.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::collections::HashMap;
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::Stdio;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::cli::*;
use common::*;
use wan_studio::core::job::JobState;
use wan_studio::sandbox::Sandbox;

/// Writes a job file into `dir` and returns its path.
fn job_file(dir: &Path, name: &str, text: &str) -> std::path::PathBuf {
    let path = dir.join(name);
    std::fs::write(&path, text).unwrap();
    path
}

/// 4 Standard jobs of one image (a {red|blue} × two sizes) and 3 Pro jobs of two images.
const SEVEN: &str = concat!(
    "# foxes and owls\n",
    "{\"prompt\": \"a {red|blue} fox\", \"matrix\": {\"size\": [\"1:1\", \"16:9\"]}}\n",
    "{\"prompt\": \"一只猫头鹰\", \"model\": \"wan2.7-image-pro\", \"seed\": 7, \"repeat\": 3, \"n\": 2}\n",
);

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_dry_run_counts_and_prices_and_sends_nothing() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let file = job_file(home.path(), "jobs.jsonl", SEVEN);
    let mut c = cli(home.path(), Some(&sb));
    c.arg("batch").arg(&file).args(["--dry-run", "--json"]);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let plan = json(&o);
    assert_eq!(plan["jobs"], 7);
    assert_eq!(plan["images"], 4 + 3 * 2);
    // Standard $0.030 × 4 + Pro $0.075 × 6.
    assert_eq!(plan["cost_micro_usd"], 4 * 30_000 + 6 * 75_000);
    assert!((plan["cost_usd"].as_f64().unwrap() - 0.57).abs() < 1e-9);
    let rows = plan["rows"].as_array().unwrap();
    assert_eq!(rows[1]["prompt"], "a blue fox");
    assert_eq!(rows[2]["size"], "16:9");
    assert_eq!(rows[6]["seed"], 9, "repeats take successive seeds");
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 0);

    // Without --json: a table and the total; and no API key is needed to price.
    let mut c = cli(home.path(), None);
    c.arg("batch").arg(&file).arg("--dry-run");
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let table = String::from_utf8_lossy(&o.stdout).into_owned();
    assert!(table.contains("一只猫头鹰"), "{table}");
    assert!(table.contains("Total: 7 jobs, 10 images, $0.57"), "{table}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn max_cost_refuses_with_exit_2_and_nothing_sent() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let file = job_file(home.path(), "jobs.jsonl", SEVEN);
    let mut c = cli(home.path(), Some(&sb));
    c.arg("batch").arg(&file).args(["--max-cost", "0.50"]);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("more than --max-cost $0.50"),
        "{}",
        stderr(&o)
    );
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_bad_line_names_its_number_and_nothing_is_sent() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let file = job_file(
        home.path(),
        "jobs.jsonl",
        "{\"prompt\": \"a\"}\n{\"prompt\": \"b\"}\n{\"prompt\": \"c\", \"n\": 13}\n",
    );
    let mut c = cli(home.path(), Some(&sb));
    c.arg("batch").arg(&file);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("line 3 (job 3): n: Count must be 1 to 4; 13 was asked for."),
        "{}",
        stderr(&o)
    );
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 0);

    // A CSV with an unknown column is refused the same way.
    let csv = job_file(home.path(), "jobs.csv", "prompt,colour\na fox,red\n");
    let mut c = cli(home.path(), Some(&sb));
    c.arg("batch").arg(&csv);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("line 1: colour: an unknown column"),
        "{}",
        stderr(&o)
    );
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 0);
}

fn eight_prompts() -> (String, Vec<String>) {
    let prompts: Vec<String> = (1..=8).map(|i| format!("lantern {i}")).collect();
    let text = prompts.iter().fold(String::new(), |mut t, p| {
        use std::fmt::Write as _;
        let _ = writeln!(t, "{{\"prompt\": \"{p}\"}}");
        t
    });
    (text, prompts)
}

/// Each prompt the sandbox made a task of, and how many times.
fn sent_prompts(sb: &Sandbox) -> HashMap<String, usize> {
    let mut seen = HashMap::new();
    for r in sb.requests() {
        *seen.entry(r.prompt.unwrap_or_default()).or_insert(0) += 1;
    }
    seen
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn at_most_two_in_flight_and_every_job_submitted_exactly_once() {
    let sb = sandbox_with(Duration::from_millis(400)).await;
    let home = tempfile::tempdir().unwrap();
    let (text, prompts) = eight_prompts();
    let file = job_file(home.path(), "jobs.jsonl", &text);
    let out = home.path().join("out");
    let mut c = cli(home.path(), Some(&sb));
    c.arg("batch")
        .arg(&file)
        .args(["--concurrency", "2", "--json", "--out"])
        .arg(&out);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = json(&o);
    assert_eq!(report["done"], 8);
    assert_eq!(report["images"], 8);
    let most = sb.stats().most_running.load(Ordering::SeqCst);
    assert!(most <= 2, "{most} tasks ran at once");
    assert_eq!(most, 2, "two ran side by side");
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 8);
    let seen = sent_prompts(&sb);
    for p in &prompts {
        assert_eq!(seen.get(p), Some(&1), "{p} sent once");
    }
    for n in 1..=8 {
        assert!(
            out.join(format!("job{n:05}-1.png")).is_file(),
            "job {n} copied out"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn killed_part_way_and_run_again_it_sends_nothing_twice_and_brings_every_image_home() {
    let sb = sandbox_with(Duration::from_millis(700)).await;
    let home = tempfile::tempdir().unwrap();
    let (text, prompts) = eight_prompts();
    let file = job_file(home.path(), "jobs.jsonl", &text);
    let mut c = cli(home.path(), Some(&sb));
    c.arg("batch").arg(&file).args(["--concurrency", "2"]);
    // Killed (SIGKILL) with two jobs home, two in flight with their task ids journalled, and
    // four never sent. (A kill while a submit is on the wire makes that job's outcome unknown:
    // it is never resent, `core_faults` covers that.)
    let id = wan_studio::core::batch::batch_id(text.as_bytes());
    let paths = wan_studio::core::settings::Paths::new(home.path());
    tokio::task::spawn_blocking(move || {
        let mut child = c
            .stderr(Stdio::null())
            .stdout(Stdio::null())
            .spawn()
            .unwrap();
        let deadline = std::time::Instant::now() + Duration::from_secs(30);
        loop {
            assert!(
                std::time::Instant::now() < deadline,
                "the batch never got there"
            );
            std::thread::sleep(Duration::from_millis(15));
            let Ok(journal) = wan_studio::core::library::journal::Journal::open(&paths) else {
                continue;
            };
            let jobs = journal.batch_jobs(&id).unwrap_or_default();
            let count = |s: JobState| jobs.iter().filter(|j| j.state == s).count();
            let polling = jobs
                .iter()
                .filter(|j| j.state == JobState::Processing && j.task_id.is_some())
                .count();
            if jobs.len() == 4 && count(JobState::Completed) == 2 && polling == 2 {
                break;
            }
        }
        child.kill().unwrap();
        child.wait().unwrap();
    })
    .await
    .unwrap();
    let before = sb.stats().submits_received.load(Ordering::SeqCst);
    assert_eq!(before, 4, "four sent before the kill");

    let mut again = cli(home.path(), Some(&sb));
    again.arg("batch").arg(&file).arg("--json");
    let o = output(again).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("sent by an earlier run"),
        "{}",
        stderr(&o)
    );
    let report = json(&o);
    assert_eq!(report["done"], 8, "{report}");
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 8);
    let seen = sent_prompts(&sb);
    for p in &prompts {
        assert_eq!(seen.get(p), Some(&1), "{p} sent once");
    }
    for job in report["jobs"].as_array().unwrap() {
        let files = job["files"].as_array().unwrap();
        assert_eq!(files.len(), 1, "{job}");
        assert!(Path::new(files[0].as_str().unwrap()).is_file());
    }

    // A third run has nothing to send; --status counts the batch as ended.
    let mut third = cli(home.path(), Some(&sb));
    third.arg("batch").arg(&file).arg("--json");
    let o = output(third).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 8);
    let mut status = cli(home.path(), None);
    status.args(["batch", "--status", "--json"]);
    let o = output(status).await;
    let list = json(&o);
    assert_eq!(list[0]["jobs"], 8);
    assert_eq!(list[0]["completed"], 8);
    assert_eq!(list[0]["sent"], 8);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cancel_stops_the_sending_and_what_is_in_flight_finishes() {
    let sb = sandbox_with(Duration::from_secs(1)).await;
    let home = tempfile::tempdir().unwrap();
    let (text, _) = eight_prompts();
    let file = job_file(home.path(), "jobs.jsonl", &text);
    let mut c = cli(home.path(), Some(&sb));
    c.arg("batch")
        .arg(&file)
        .args(["--concurrency", "1", "--json"]);
    let home_path = home.path().to_owned();
    let o = tokio::task::spawn_blocking(move || {
        let mut child = c
            .stderr(Stdio::piped())
            .stdout(Stdio::piped())
            .spawn()
            .unwrap();
        let mut lines = BufReader::new(child.stderr.take().unwrap()).lines();
        let mut id = String::new();
        for line in lines.by_ref() {
            let line = line.unwrap();
            if line.starts_with("Job 1: done") {
                break;
            }
        }
        // The batch's id, from --status, and cancelled from a second process.
        let mut status = cli(&home_path, None);
        status.args(["batch", "--status", "--json"]);
        let listed: serde_json::Value =
            serde_json::from_slice(&status.output().unwrap().stdout).unwrap();
        id.push_str(listed[0]["id"].as_str().unwrap());
        let mut cancel = cli(&home_path, None);
        cancel.args(["batch", "--cancel", &id]);
        assert!(cancel.status().unwrap().success());
        let rest: Vec<String> = lines.map_while(Result::ok).collect();
        let out = child.wait_with_output().unwrap();
        (out, rest.join("\n"))
    })
    .await
    .unwrap();
    let (out, said) = o;
    assert_eq!(out.status.code(), Some(0), "{said}");
    assert!(said.contains("was cancelled"), "{said}");
    let report: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(report["cancelled"], true);
    let sent = sb.stats().submits_received.load(Ordering::SeqCst);
    assert!(sent <= 2, "{sent} sent after the cancel");
    assert_eq!(
        report["done"], sent,
        "what was in flight finished and is kept"
    );
    assert_eq!(report["waiting"], 8 - sent);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_cancelled_batch_sends_no_more_and_a_changed_file_is_a_new_batch() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let file = job_file(
        home.path(),
        "jobs.jsonl",
        "{\"prompt\": \"a {red|blue} kite\"}\n",
    );
    let mut dry = cli(home.path(), None);
    dry.arg("batch").arg(&file).args(["--dry-run", "--json"]);
    let id = json(&output(dry).await)["batch"]
        .as_str()
        .unwrap()
        .to_owned();
    // A batch never run is not in the library: cancelling it says so.
    let mut c = cli(home.path(), None);
    c.args(["batch", "--cancel", &id]);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(stderr(&o).contains("there is no batch"), "{}", stderr(&o));

    let mut run = cli(home.path(), Some(&sb));
    run.arg("batch").arg(&file);
    assert_eq!(output(run).await.status.code(), Some(0));
    let mut c = cli(home.path(), None);
    c.args(["batch", "--cancel", &id]);
    assert_eq!(output(c).await.status.code(), Some(0));
    let mut status = cli(home.path(), None);
    status.args(["batch", "--status", &id, "--json"]);
    assert_eq!(json(&output(status).await)[0]["cancelled"], true);

    // The file changes: a new batch, said so, and sent in full.
    std::fs::write(&file, "{\"prompt\": \"a {red|blue|green} kite\"}\n").unwrap();
    let mut run = cli(home.path(), Some(&sb));
    run.arg("batch").arg(&file).arg("--json");
    let o = output(run).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    assert_ne!(json(&o)["batch"], id.as_str());
    assert_eq!(json(&o)["done"], 3);
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 2 + 3);
}

/// Saves a preset "wide pro" (Pro, 16:9 at 1K, two images, seed 77, a negative prompt) in `home`.
fn save_wide_pro(home: &Path) {
    use wan_studio::core::api::request::Model;
    use wan_studio::core::api::rules::Gear;
    use wan_studio::core::draft::Draft;
    use wan_studio::core::presets::{Preset, SavedPresets};
    let paths = wan_studio::core::settings::Paths::new(home);
    let draft = Draft {
        model: Model::Pro,
        aspect: (16, 9),
        resolution: Gear::K1,
        n: 2,
        random_seed: false,
        seed: 77,
        negative_prompt: "blurry".into(),
        ..Draft::default()
    };
    let mut saved = SavedPresets::default();
    saved.put("wide pro", Preset::of(&draft)).unwrap();
    saved.save(&paths).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn generate_and_job_files_start_from_a_preset_and_an_unknown_one_is_refused() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    save_wide_pro(home.path());
    let mut c = cli(home.path(), Some(&sb));
    c.args([
        "generate",
        "--preset",
        "Wide Pro",
        "--prompt",
        "a harbour",
        "-n",
        "1",
    ]);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let sent = sb.requests();
    let r = &sent[0];
    assert_eq!(r.model.id(), "wan2.7-image-pro");
    assert_eq!(
        (r.size.as_deref(), r.resolution.as_deref()),
        (Some("16:9"), Some("1K"))
    );
    assert_eq!(
        (r.n, r.seed),
        (1, Some(77)),
        "the flag wins over the preset's count"
    );
    assert_eq!(r.negative_prompt.as_deref(), Some("blurry"));

    let mut c = cli(home.path(), Some(&sb));
    c.args(["generate", "--preset", "square", "--prompt", "x"]);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
    assert!(
        stderr(&o).contains("there is no preset named 'square' (the presets are: wide pro)"),
        "{}",
        stderr(&o)
    );

    let file = job_file(
        home.path(),
        "jobs.jsonl",
        "{\"prompt\": \"a {red|blue} kite\", \"preset\": \"wide pro\"}\n",
    );
    let mut c = cli(home.path(), None);
    c.arg("batch").arg(&file).args(["--dry-run", "--json"]);
    let plan = json(&output(c).await);
    assert_eq!(plan["jobs"], 2);
    assert_eq!(plan["images"], 4, "two images each, from the preset");
    assert_eq!(plan["rows"][0]["model"], "wan2.7-image-pro");
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_429_waits_and_sends_again_rather_than_failing_a_job() {
    use wan_studio::sandbox::{Endpoint, Fault};
    let sb = sandbox_with(Duration::from_millis(300)).await;
    sb.inject(
        Endpoint::Submit,
        Fault::RateLimit {
            retry_after_secs: 1,
        },
    );
    let home = tempfile::tempdir().unwrap();
    let (text, prompts) = eight_prompts();
    let four = text.lines().take(4).collect::<Vec<_>>().join("\n");
    let file = job_file(home.path(), "jobs.jsonl", &four);
    let mut c = cli(home.path(), Some(&sb));
    c.arg("batch")
        .arg(&file)
        .args(["--concurrency", "2", "--json"]);
    let o = output(c).await;
    assert_eq!(o.status.code(), Some(0), "{}", stderr(&o));
    let report = json(&o);
    assert_eq!(
        (report["done"].as_u64(), report["failed"].as_u64()),
        (Some(4), Some(0))
    );
    // The refused submit was not a task: four tasks, five submits (one answered 429).
    assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 4);
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 5);
    let seen = sent_prompts(&sb);
    for p in &prompts[..4] {
        assert_eq!(seen.get(p), Some(&1), "{p} made once");
    }
    assert!(sb.stats().most_running.load(Ordering::SeqCst) <= 2);
}
