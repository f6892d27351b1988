//! The library in the window: search as you type, stars that never move the scroll, series on
//! rows of their own, a storyboard that says "k of n", lineage links both ways, and a budget that
//! blocks Generate.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use std::collections::HashMap;
use std::time::Duration;

use eframe::egui;
use egui_kittest::kittest::Queryable;
use ui_support::{Studio, studio, studio_in};
use wan_studio::core::api::request::{GenerationRequest, Model};
use wan_studio::core::api::server::Server;
use wan_studio::core::library::journal::{JobId, JobRecord, JobState, Journal, ResultRecord};
use wan_studio::core::settings::Paths;
use wan_studio::ui::{Centre, ResultKey};

/// Writes finished jobs straight into a data folder's journal: (prompt, results, series).
/// Newest first in the order given. Returns their ids.
fn library(home: &std::path::Path, jobs: &[(String, u32, bool)]) -> Vec<JobId> {
    let paths = Paths::new(home);
    let j = Journal::open(&paths).unwrap();
    let thumb = home.join("thumb.png");
    let img = image::RgbaImage::from_pixel(64, 64, image::Rgba([90, 120, 160, 255]));
    std::fs::write(
        &thumb,
        wan_studio::core::imaging::encode_png(&img, &[]).unwrap(),
    )
    .unwrap();
    let now = wan_studio::core::library::journal::now_ms();
    let mut ids = Vec::new();
    for (i, (prompt, results, series)) in jobs.iter().enumerate() {
        let mut req = GenerationRequest::new(Model::Standard);
        req.prompt = Some(prompt.clone());
        if *series {
            req.enable_sequential = Some(true);
            req.n = 12;
        }
        let mut job = JobRecord::new(Server::Sandbox, req);
        job.created_at_ms = now - 1000 * i64::try_from(i).unwrap();
        job.state = JobState::Completed;
        j.insert(&job).unwrap();
        for index in 0..*results {
            j.add_result(&ResultRecord {
                job_id: job.id.clone(),
                index,
                path: thumb.clone(),
                thumbnail: thumb.clone(),
                width: 64,
                height: 64,
                favourite: false,
                rating: 0,
            })
            .unwrap();
        }
        j.set_state(&job.id, JobState::Completed, None).unwrap();
        ids.push(job.id);
    }
    ids
}

fn window_on(w: f32, h: f32, home: tempfile::TempDir) -> Studio {
    let mut s = studio_in(w, h, home, |_| {});
    s.wait("the library to load", |app| !app.gallery_keys().is_empty());
    s.settle();
    s
}

#[test]
fn typing_in_search_narrows_the_gallery_to_matching_prompts() {
    let home = tempfile::tempdir().unwrap();
    let jobs: Vec<(String, u32, bool)> = (0..40)
        .map(|i| {
            let subject = if i % 10 == 3 { "lighthouse" } else { "meadow" };
            (format!("{subject} number {i}"), 1, false)
        })
        .collect();
    library(home.path(), &jobs);
    let mut s = window_on(1400.0, 900.0, home);
    assert_eq!(s.app().gallery_keys().len(), 40);
    s.harness.get_by_label("Search prompts").click();
    s.harness.get_by_label("Search prompts").type_text("lig");
    s.wait("the search to answer", |app| app.gallery_keys().len() == 4);
    s.settle();
    assert!(s.has_label_containing("4 of 40 found"));
    // Clearing the filters brings everything back.
    s.click("Clear filters");
    s.wait("everything again", |app| app.gallery_keys().len() == 40);
}

#[test]
fn one_and_two_letter_words_narrow_the_gallery_as_they_are_typed() {
    let home = tempfile::tempdir().unwrap();
    let jobs: Vec<(String, u32, bool)> = (0..40)
        .map(|i| {
            let subject = if i % 10 == 3 { "Lighthouse" } else { "meadow" };
            (format!("{subject} number {i}"), 1, false)
        })
        .collect();
    library(home.path(), &jobs);
    let mut s = window_on(1400.0, 900.0, home);
    s.harness.get_by_label("Search prompts").click();
    // Shorter than the index's trigrams: matched against the prompts in memory, any case.
    s.harness.get_by_label("Search prompts").type_text("li");
    s.wait("two letters to answer", |app| app.gallery_keys().len() == 4);
    // Two short words: both must be there ("Lighthouse number 13").
    s.harness.get_by_label("Search prompts").type_text(" 13");
    s.wait("both words to answer", |app| app.gallery_keys().len() == 1);
    s.settle();
    assert!(s.has_label_containing("1 of 40 found"));
}

#[test]
fn starring_far_down_the_gallery_keeps_the_scroll_position() {
    let home = tempfile::tempdir().unwrap();
    let jobs: Vec<(String, u32, bool)> = (0..300)
        .map(|i| (format!("harbour study {i}"), 1, false))
        .collect();
    let ids = library(home.path(), &jobs);
    let mut s = window_on(1400.0, 900.0, home);
    let over = s.rect_of("Result 1").center();
    s.harness.hover_at(over);
    for _ in 0..40 {
        s.harness.event(egui::Event::MouseWheel {
            unit: egui::MouseWheelUnit::Point,
            delta: egui::vec2(0.0, -400.0),
            phase: egui::TouchPhase::Move,
            source: egui::MouseWheelSource::Unknown,
            modifiers: egui::Modifiers::NONE,
        });
        s.harness.step();
    }
    s.settle();
    assert!(
        s.harness.query_by_label("Result 1").is_none(),
        "scrolled far down"
    );
    // The first tile in view now, and where it is.
    let visible: Vec<usize> = (1..=300)
        .filter(|k| s.harness.query_by_label(&format!("Result {k}")).is_some())
        .collect();
    let target = visible[visible.len() / 2];
    let before = s.rect_of(&format!("Result {target}"));
    s.harness.hover_at(before.center());
    s.settle();
    s.harness.key_press(egui::Key::S);
    s.settle();
    let key = ResultKey::new(&ids[target - 1], 0);
    s.wait("the star to show", |app| {
        app.marks(&key).is_some_and(|(favourite, _)| favourite)
    });
    s.settle();
    assert_eq!(
        s.rect_of(&format!("Result {target}")),
        before,
        "the gallery did not move"
    );
    // And by mouse: the star's own button on another tile.
    let other = visible[visible.len() / 2 + 1];
    let before = s.rect_of(&format!("Result {other}"));
    s.click(&format!("Star result {other}"));
    s.settle();
    assert_eq!(s.rect_of(&format!("Result {other}")), before);
    // 4 rates it; both stars and the rating are in the journal.
    s.harness
        .hover_at(s.rect_of(&format!("Result {target}")).center());
    s.settle();
    s.harness.key_press(egui::Key::Num4);
    s.settle();
    let journal_says = |home: &std::path::Path| {
        let j = Journal::open(&Paths::new(home)).unwrap();
        let a = j.get(&ids[target - 1]).unwrap().unwrap().results[0].clone();
        let b = j.get(&ids[other - 1]).unwrap().unwrap().results[0].clone();
        (a.favourite, a.rating, b.favourite)
    };
    let home = s.home.path().to_path_buf();
    let deadline = std::time::Instant::now() + Duration::from_secs(10);
    while journal_says(&home) != (true, 4, true) {
        assert!(
            std::time::Instant::now() < deadline,
            "journal: {:?}",
            journal_says(&home)
        );
        s.harness.step();
        std::thread::sleep(Duration::from_millis(20));
    }
}

#[test]
fn a_twelve_panel_series_never_shares_a_row_at_three_widths() {
    let mut jobs: Vec<(String, u32, bool)> = Vec::new();
    jobs.push(("single a".into(), 1, false));
    jobs.push(("single b".into(), 2, false));
    jobs.push(("twelve moments of a fox".into(), 12, true));
    jobs.push(("single c".into(), 1, false));
    jobs.push(("ten of twelve".into(), 10, true));
    jobs.push(("single d".into(), 3, false));
    for width in [1100.0, 1500.0, 1900.0] {
        let home = tempfile::tempdir().unwrap();
        let ids = library(home.path(), &jobs);
        let mut s = window_on(width, 3000.0, home);
        let keys = s.app().gallery_keys();
        assert_eq!(keys.len(), 29);
        let series: Vec<&JobId> = vec![&ids[2], &ids[4]];
        // Rows by the tiles' top edge.
        let mut rows: HashMap<i32, Vec<&ResultKey>> = HashMap::new();
        for (k, key) in keys.iter().enumerate() {
            let label = format!("Result {}", k + 1);
            let Some(top) = s.harness.query_by_label(&label).map(|n| n.rect().top()) else {
                continue;
            };
            rows.entry(top.round() as i32).or_default().push(key);
        }
        assert!(rows.len() > 3, "at {width}: several rows in view");
        for (top, row) in &rows {
            let has_series = row.iter().any(|k| series.contains(&&k.job_id));
            if has_series {
                assert!(
                    row.iter().all(|k| k.job_id == row[0].job_id),
                    "at {width} px the row at {top} mixes a series with other results"
                );
            }
        }
        // The series' panels keep their order.
        let order: Vec<u32> = keys
            .iter()
            .filter(|k| k.job_id == ids[2])
            .map(|k| k.index)
            .collect();
        assert_eq!(order, (0..12).collect::<Vec<_>>());
        // The shorter series says so in its storyboard.
        s.app_mut().handle(wan_studio::ui::Action::Show(
            wan_studio::ui::ShowAction::Storyboard(ids[4].clone()),
        ));
        s.settle();
        assert!(s.has_label_containing("10 of 12 panels"));
        assert!(s.harness.query_by_label("Panel 10").is_some());
        drop(s);
    }
}

#[test]
fn a_result_used_as_a_reference_is_made_from_it_and_used_in_the_new_one() {
    let mut s = studio(1500.0, 950.0);
    s.generate_and_wait("a red fox in the snow");
    let parent = s.app().jobs()[0].id.clone();
    s.click("Result 1");
    s.click("Use as reference");
    s.click("⬅ Gallery");
    s.harness.get_by_label("Prompt").click();
    s.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    s.harness.get_by_label("Prompt").type_text("make it blue");
    s.settle();
    s.click("Generate");
    s.wait("the edit to finish", |app| {
        app.jobs().len() == 2 && app.jobs()[0].state == JobState::Completed
    });
    let child = s.app().jobs()[0].id.clone();
    assert_eq!(s.app().jobs()[0].made_from[0].job_id, parent);
    s.app_mut().handle(wan_studio::ui::Action::Show(
        wan_studio::ui::ShowAction::Viewer(ResultKey::new(&child, 0)),
    ));
    s.wait_for_label("Made from 1");
    s.click("Made from 1");
    assert_eq!(
        s.app().centre(),
        &Centre::Viewer(ResultKey::new(&parent, 0))
    );
    s.wait_for_label("Used in 1");
    s.click("Used in 1");
    assert_eq!(s.app().centre(), &Centre::Viewer(ResultKey::new(&child, 0)));
    // Two Standard images so far: the spend window says what they cost.
    s.click("⬅ Gallery");
    s.click("Spend…");
    s.wait_for_label("2 images");
    assert!(s.has_label_containing("$0.06"));
    // In the sandbox nothing was paid, and the window says so.
    assert!(s.has_label_containing("Sandbox mode: what these results would have cost"));
}

#[test]
fn a_monthly_budget_blocks_generate_with_the_reason() {
    let mut s = studio(1400.0, 900.0);
    s.write_prompt("a lighthouse");
    assert!(s.app().generate_blockers().is_empty());
    s.click("⚙ Settings");
    s.harness
        .get_by_label("Monthly budget, $")
        .set_text_value_accesskit("0.01");
    s.settle();
    s.click("Save");
    s.wait("the budget to be saved", |app| {
        app.settings().monthly_budget_micro_usd == Some(10_000)
    });
    let blockers = s.app().generate_blockers();
    assert!(
        blockers
            .iter()
            .any(|b| b.contains("past its budget") && b.contains("$0.01")),
        "{blockers:?}"
    );
    s.click("Generate");
    s.idle(Duration::from_millis(400));
    assert!(s.app().jobs().is_empty(), "nothing was sent");
    // A budget with room lets it go.
    s.click("⚙ Settings");
    s.harness
        .get_by_label("Monthly budget, $")
        .set_text_value_accesskit("20");
    s.settle();
    s.click("Save");
    s.wait("the new budget", |app| app.generate_blockers().is_empty());
}

#[test]
fn a_result_whose_file_is_gone_shows_its_thumbnail_and_says_so() {
    let home = tempfile::tempdir().unwrap();
    let ids = library(home.path(), &[("a harbour at dawn".to_owned(), 2, false)]);
    let paths = Paths::new(home.path());
    // The first result has a thumbnail of its own; neither has its full-size file any more.
    let thumb = wan_studio::core::library::thumbnail_path(&paths, &ids[0], 0);
    std::fs::create_dir_all(thumb.parent().unwrap()).unwrap();
    std::fs::copy(home.path().join("thumb.png"), &thumb).unwrap();
    std::fs::remove_file(home.path().join("thumb.png")).unwrap();
    let mut s = window_on(1500.0, 950.0, home);
    s.app_mut().handle(wan_studio::ui::Action::Show(
        wan_studio::ui::ShowAction::Viewer(ResultKey::new(&ids[0], 0)),
    ));
    s.wait_for_label("thumb.png could not be read");
    s.wait_for_label("Showing its thumbnail: the full-size file could not be read.");
    // The second has neither: the error says so, and no thumbnail is claimed.
    s.app_mut().handle(wan_studio::ui::Action::Show(
        wan_studio::ui::ShowAction::Viewer(ResultKey::new(&ids[0], 1)),
    ));
    s.wait("the second result in the viewer", |app| {
        app.centre() == &Centre::Viewer(ResultKey::new(&ids[0], 1))
    });
    s.wait_for_label("thumb.png could not be read");
    s.idle(Duration::from_millis(300));
    assert!(!s.has_label_containing("Showing its thumbnail"));
}
