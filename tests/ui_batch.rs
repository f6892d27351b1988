//! Batches in the window: the Batch dialog expands and prices the form before anything is sent,
//! a started batch runs every job once and shows as one row in the queue, and its results are
//! found in the gallery by batch.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;
mod ui_support;

use std::collections::BTreeSet;
use std::time::Duration;

use egui_kittest::kittest::Queryable;
use ui_support::{Studio, studio};
use wan_studio::core::api::pricing::format_usd;
use wan_studio::core::api::request::Model;
use wan_studio::core::library::journal::JobState;

/// A prompt with two alternatives, a fixed seed, 1K (fast in the sandbox).
fn form(s: &mut Studio) {
    s.write_prompt("a {red|blue} kite over dunes");
    let d = &mut s.app_mut().draft;
    d.random_seed = false;
    d.seed = 500;
    s.settle();
}

fn open_dialog(s: &mut Studio) {
    s.click("Batch…");
    assert!(
        s.has_label_containing("From the form"),
        "the Batch dialog opened"
    );
}

#[test]
fn the_batch_dialog_shows_the_count_and_price_before_sending() {
    let mut s = studio(1600.0, 1000.0);
    form(&mut s);
    open_dialog(&mut s);
    s.type_into("Number of seeds", "3");
    s.click("Batch size 1:1");
    s.click("Batch size 16:9");

    // 2 alternatives × 3 seeds × 2 sizes, each one image at the Standard rate.
    let rate = s
        .app()
        .settings()
        .rates
        .per_image_micro_usd(Model::Standard);
    let total = format!("12 jobs · 12 images ≈ {}", format_usd(12 * rate));
    s.wait_for_label(&total);
    assert!(
        s.has_label_containing("… and 4 more"),
        "the first 8 rows are listed"
    );
    assert!(s.has_label_containing("a red kite over dunes"));
    assert!(s.has_label_containing("a blue kite over dunes"));
    assert!(s.has_label_containing("successive seeds from 500"));
    // Sizes vary in the order they are shown (1:1 before 16:9), not alphabetically.
    // The rows' size cells ("1:1 2K"); the form's own buttons have no resolution after them.
    let top = |label: &str| {
        s.harness
            .query_all_by_label_contains(label)
            .map(|n| n.rect().min.y)
            .fold(f32::INFINITY, f32::min)
    };
    assert!(top("1:1 ") < top("16:9 "), "job 1 is the first size ticked");

    // Nothing was sent to price it: the journal holds no job.
    s.idle(Duration::from_millis(300));
    assert!(s.app().jobs().is_empty(), "a preview sends nothing");

    // Unticking a size prices the batch again, before anything is sent.
    s.click("Batch size 16:9");
    s.wait_for_label(&format!("6 jobs · 6 images ≈ {}", format_usd(6 * rate)));
    s.click("Close");
    assert!(
        !s.has_label_containing("From the form"),
        "the dialog closed"
    );
    assert!(s.app().jobs().is_empty());
}

#[test]
fn a_batch_from_the_form_runs_every_job_once_and_is_one_row_in_the_queue() {
    let mut s = studio(1600.0, 1000.0);
    form(&mut s);
    open_dialog(&mut s);
    s.type_into("Number of seeds", "2");
    s.wait_for_label("4 jobs · 4 images");
    s.click("Start batch");
    assert!(
        !s.has_label_containing("From the form"),
        "Start closes the dialog"
    );

    // One row for the batch, with its progress; then every job done, each sent once.
    s.wait_for_label("of 4 done");
    s.wait("every job of the batch to finish", |app| {
        let jobs = app.jobs();
        jobs.len() == 4 && jobs.iter().all(|j| j.state == JobState::Completed)
    });
    let jobs = s.app().jobs();
    let numbers: BTreeSet<u32> = jobs
        .iter()
        .map(|j| j.batch.as_ref().expect("a job of the batch").number)
        .collect();
    assert_eq!(
        numbers,
        BTreeSet::from([1, 2, 3, 4]),
        "each number sent once"
    );
    let seeds: BTreeSet<(String, i64)> = jobs
        .iter()
        .map(|j| {
            (
                j.request.prompt.clone().unwrap_or_default(),
                j.request.seed.unwrap_or_default(),
            )
        })
        .collect();
    assert_eq!(
        seeds,
        BTreeSet::from([
            ("a red kite over dunes".to_owned(), 500),
            ("a red kite over dunes".to_owned(), 501),
            ("a blue kite over dunes".to_owned(), 500),
            ("a blue kite over dunes".to_owned(), 501),
        ])
    );
    s.wait_for_label("4 of 4 done");
    s.wait_for_label("Finished");

    // The form's batch was kept as a job file in the data folder (so it can be resumed).
    let id = jobs[0].batch.as_ref().unwrap().id.clone();
    let kept = s.home.path().join("batches").join(format!("{id}.jsonl"));
    assert!(kept.is_file(), "{} kept", kept.display());

    // Show results: the gallery, searched by the batch, holds its four results.
    s.click("Show results");
    s.wait("the batch's results in the gallery", |app| {
        !app.is_searching() && app.gallery_len() == 4
    });
    assert_eq!(s.value_of("Search prompts"), format!("batch:{id}"));
}

#[test]
fn pausing_a_batch_stops_sending_and_resume_sends_the_rest_once() {
    let mut s = ui_support::studio_with(1600.0, 1000.0, Duration::from_millis(600));
    form(&mut s);
    open_dialog(&mut s);
    s.type_into("Number of seeds", "3");
    s.wait_for_label("6 jobs");
    // One at a time, so a pause leaves most of it unsent.
    s.type_into("Tasks at once", "1");
    s.click("Start batch");
    s.wait("the first job to be sent", |app| !app.jobs().is_empty());
    s.click("Pause");
    s.wait_for_label("Paused");
    // What was in flight finishes; nothing new is sent while paused.
    s.wait("the job in flight to finish", |app| {
        app.jobs().iter().all(|j| !j.state.is_active())
    });
    let sent = s.app().jobs().len();
    assert!(sent < 6, "the pause held back the rest ({sent} sent)");
    s.idle(Duration::from_millis(800));
    assert_eq!(s.app().jobs().len(), sent, "nothing is sent while paused");

    s.click("Resume");
    s.wait("every job to finish", |app| {
        let jobs = app.jobs();
        jobs.len() == 6 && jobs.iter().all(|j| j.state == JobState::Completed)
    });
    let numbers: BTreeSet<u32> = s
        .app()
        .jobs()
        .iter()
        .map(|j| j.batch.as_ref().unwrap().number)
        .collect();
    assert_eq!(numbers.len(), 6, "no number sent twice");
}

#[test]
fn cancelling_a_batch_sends_nothing_more_and_keeps_what_flew() {
    let mut s = ui_support::studio_with(1600.0, 1000.0, Duration::from_millis(600));
    form(&mut s);
    open_dialog(&mut s);
    s.type_into("Number of seeds", "4");
    s.wait_for_label("8 jobs");
    s.type_into("Tasks at once", "1");
    s.click("Start batch");
    s.wait("the first job to be sent", |app| !app.jobs().is_empty());
    s.click("Cancel");
    s.wait_for_label("Cancelled");
    s.wait("what flew to finish", |app| {
        app.jobs().iter().all(|j| !j.state.is_active())
    });
    let sent = s.app().jobs().len();
    assert!(sent < 8, "cancel held back the rest ({sent} sent)");
    assert!(
        s.app()
            .jobs()
            .iter()
            .all(|j| j.state == JobState::Completed),
        "what was in flight is kept"
    );
    s.idle(Duration::from_millis(800));
    assert_eq!(s.app().jobs().len(), sent, "nothing more is sent");
    assert!(
        s.harness.query_by_label("Resume").is_none(),
        "a cancelled batch is not resumed"
    );
}

#[test]
fn a_batch_the_command_line_runs_shows_up_in_a_running_window() {
    let mut s = studio(1600.0, 1000.0);
    let file = s.home.path().join("kites.jsonl");
    std::fs::write(
        &file,
        "{\"model\": \"wan2.7-image\", \"prompt\": \"a {red|blue|green} kite\", \"size\": \"1:1\", \"seed\": 7}\n",
    )
    .unwrap();
    // Another process, on the same data folder, started after the window.
    let mut cli = common::cli::cli(s.home.path(), None);
    let cli = cli
        .args(["batch", "--sandbox", "--json"])
        .arg(&file)
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    let ran = std::thread::spawn(move || cli.wait_with_output().unwrap());

    // Its row appears while it runs, and its jobs stream in as they change.
    s.wait("the command line's batch in the queue", |app| {
        app.jobs().iter().any(|j| j.batch.is_some())
    });
    s.wait("its three jobs, each completed", |app| {
        let jobs = app.jobs();
        jobs.len() == 3 && jobs.iter().all(|j| j.state == JobState::Completed)
    });
    let o = ran.join().unwrap();
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    s.wait_for_label("3 of 3 done");
    let prompts: BTreeSet<String> = s
        .app()
        .jobs()
        .iter()
        .filter_map(|j| j.request.prompt.clone())
        .collect();
    assert_eq!(
        prompts,
        BTreeSet::from([
            "a red kite".into(),
            "a blue kite".into(),
            "a green kite".into()
        ])
    );
    // Each was sent once, by the command line: three jobs, three tasks, no copy of any.
    let tasks: BTreeSet<String> = s
        .app()
        .jobs()
        .iter()
        .filter_map(|j| j.task_id.clone())
        .collect();
    assert_eq!(tasks.len(), 3, "one task per job");
}
