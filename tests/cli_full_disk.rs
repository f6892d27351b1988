//! A nearly full disk never loses a paid task: swept over the free space a data folder's disk has
//! left (16 KiB to 160 KiB in 4 KiB steps), `generate -n 4` either sends nothing, or records the
//! task id so that `resume`, once space is freed, brings every image home.
//!
//! Each level runs in a private mount namespace (`unshare`) with a small tmpfs as the data folder,
//! so nothing is left mounted whatever happens to the test.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::path::Path;
use std::process::Command;
use std::sync::atomic::Ordering;
use std::time::Duration;

use common::cli::{BIN, cli, output, stderr};
use common::{KEY, sandbox_with};

/// One level of the sweep: what came of it.
#[derive(Debug)]
struct Level {
    free_kib: u64,
    /// The free space the generate really started with (KiB).
    measured_kib: u64,
    generate_exit: i32,
    generate_stderr: String,
    sent: u64,
    history: serde_json::Value,
}

/// Runs one level in a private mount namespace: the data folder `home` (prepared on the real
/// disk) is copied onto a tmpfs, the disk is filled to `free_kib` free, `generate -n 4` runs,
/// then the filler goes and `resume` runs; `history --json` is written to `out`.
fn run_level(
    base: &reqwest::Url,
    prepared: &Path,
    out: &Path,
    free_kib: u64,
) -> (i32, String, u64, serde_json::Value) {
    let script = r#"
set -u
mount -t tmpfs -o size=16m tmpfs "$DISK" || exit 90
cp -a "$PREPARED/." "$DISK/"
rm -f "$DISK/space-reserve"
export WAN_STUDIO_HOME="$DISK"
avail=$(( $(stat -f -c '%a' "$DISK") * $(stat -f -c '%S' "$DISK") ))
head -c $(( avail - FREE_KIB * 1024 )) /dev/zero > "$DISK/filler" 2>/dev/null
echo $(( $(stat -f -c '%a' "$DISK") * $(stat -f -c '%S' "$DISK") / 1024 )) > "$OUT/measured"
"$BIN" generate --prompt "level $FREE_KIB" -n 4 > "$OUT/generate.out" 2> "$OUT/generate.err"
echo $? > "$OUT/generate.code"
rm -f "$DISK/filler"
"$BIN" resume > "$OUT/resume.out" 2> "$OUT/resume.err"
"$BIN" history --json > "$OUT/history.json" 2> "$OUT/history.err"
"#;
    let mut c = Command::new("unshare");
    // As root a private mount namespace is enough; otherwise a user namespace maps us to root in it.
    if !is_root() {
        c.arg("--map-root-user");
    }
    let disk = out.join("disk");
    std::fs::create_dir_all(&disk).unwrap();
    let status = c
        .args(["--mount", "sh", "-c", script])
        .env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("DISK", &disk)
        .env("PREPARED", prepared)
        .env("OUT", out)
        .env("FREE_KIB", free_kib.to_string())
        .env("BIN", BIN)
        .env("WAN_STUDIO_POLL_MS", "50")
        .env("REAPI_BASE_URL", base.as_str())
        .env("REAPI_API_KEY", KEY)
        .status()
        .expect("unshare runs (util-linux)");
    assert_ne!(
        status.code(),
        Some(90),
        "a tmpfs could not be mounted in a private namespace: this test needs root, or user namespaces"
    );
    let read = |name: &str| std::fs::read_to_string(out.join(name)).unwrap_or_default();
    let code = read("generate.code").trim().parse().unwrap_or(-1);
    let measured = read("measured").trim().parse().unwrap_or(0);
    let history = serde_json::from_str(&read("history.json")).unwrap_or_else(|e| {
        panic!(
            "history --json at {free_kib} KiB ({e}): {}\n{}",
            read("history.json"),
            read("history.err")
        )
    });
    (code, read("generate.err"), measured, history)
}

fn is_root() -> bool {
    Command::new("id")
        .arg("-u")
        .output()
        .is_ok_and(|o| String::from_utf8_lossy(&o.stdout).trim() == "0")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_nearly_full_disk_either_sends_nothing_or_keeps_the_task_for_resume() {
    let sb = sandbox_with(Duration::from_millis(100)).await;
    let work = tempfile::tempdir().unwrap();
    // A data folder in use (journal, signing identity, one result), as on an artist's machine.
    let prepared = work.path().join("prepared");
    let mut warm = cli(&prepared, Some(&sb));
    warm.args(["generate", "--prompt", "warm up"]);
    let warmed = output(warm).await;
    assert!(warmed.status.success(), "{}", stderr(&warmed));

    let mut levels = Vec::new();
    // The sweep, then a few levels with room to journal but not for four results.
    let sweep = (16..=160)
        .step_by(4)
        .chain([1024 + 128, 1024 + 512, 2048, 2048 + 512]);
    for free_kib in sweep {
        let out = work.path().join(format!("level-{free_kib}"));
        std::fs::create_dir_all(&out).unwrap();
        let before = sb.stats().tasks_created.load(Ordering::SeqCst);
        let submits_before = sb.stats().submits_received.load(Ordering::SeqCst);
        let (base, prepared, dir) = (sb.base_url(), prepared.clone(), out.clone());
        let (generate_exit, generate_stderr, measured_kib, history) =
            tokio::task::spawn_blocking(move || run_level(&base, &prepared, &dir, free_kib))
                .await
                .unwrap();
        let sent = sb.stats().tasks_created.load(Ordering::SeqCst) - before;
        let submits = sb.stats().submits_received.load(Ordering::SeqCst) - submits_before;
        assert_eq!(
            submits, sent,
            "{free_kib} KiB: every submit that went out made one task"
        );
        levels.push(Level {
            free_kib,
            measured_kib,
            generate_exit,
            generate_stderr,
            sent,
            history,
        });
    }

    for l in &levels {
        eprintln!(
            "{:>5} KiB free (measured {:>5}): exit {}, {} sent",
            l.free_kib, l.measured_kib, l.generate_exit, l.sent
        );
    }
    let mut sent_levels = 0;
    for level in &levels {
        let prompt = format!("level {}", level.free_kib);
        let jobs: Vec<&serde_json::Value> = level
            .history
            .as_array()
            .unwrap()
            .iter()
            .filter(|j| j["prompt"] == prompt.as_str())
            .collect();
        assert!(
            level.measured_kib.abs_diff(level.free_kib) <= 4,
            "{level:?}: the disk was filled to the level"
        );
        match level.sent {
            0 => {
                assert_ne!(level.generate_exit, 0, "{level:?}");
                assert!(
                    jobs.iter()
                        .all(|j| j["files"].as_array().is_none_or(Vec::is_empty)),
                    "{level:?}"
                );
            }
            1 => {
                sent_levels += 1;
                // The paid task was recorded: resume, with room again, brought all four home.
                assert_eq!(jobs.len(), 1, "{level:?}");
                let job = jobs[0];
                assert_eq!(job["status"], "completed", "{level:?}: {job}");
                assert!(job["task_id"].is_string(), "{level:?}");
                assert_eq!(
                    job["files"].as_array().map(Vec::len),
                    Some(4),
                    "{level:?}: {job}"
                );
            }
            n => panic!("{level:?}: {n} tasks for one generate"),
        }
    }
    // Too full to journal the job: refused before anything was sent, at every level of the sweep.
    assert!(
        levels
            .iter()
            .filter(|l| l.free_kib <= 160)
            .all(|l| l.sent == 0),
        "{levels:#?}"
    );
    // With room for the journal but not for the results, it sends, and resume brought them home.
    assert!(sent_levels > 0, "{levels:#?}");
    // A refusal says what to do.
    let refusal = levels
        .iter()
        .find(|l| l.sent == 0)
        .map(|l| l.generate_stderr.clone())
        .unwrap_or_default();
    assert!(
        refusal.contains("is full")
            && refusal.contains("MiB")
            && refusal.contains("Nothing was sent"),
        "{refusal}"
    );
}
