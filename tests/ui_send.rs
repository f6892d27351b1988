//! What the form shows is what is sent: a value still being typed (seed, count, custom size, a
//! palette share, a box corner) is committed before any send, Ctrl+Enter included, through the
//! field's own code; a value that cannot be used as typed blocks the send and nothing is
//! journalled. And the variations a send makes are told apart: counts say their rule, the images
//! of one request read "Image k of n", and captions carry the seed.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use std::time::Duration;

use eframe::egui;
use egui_kittest::kittest::{NodeT, Queryable};
use ui_support::{DESK, Studio, screen_of, studio};
use wan_studio::core::library::journal::{JobRecord, JobState, Journal};
use wan_studio::core::settings::Paths;

/// Clicks the field and types `text` into it, without Enter: the field keeps the keyboard.
fn type_pending(s: &mut Studio, label: &str, text: &str) {
    s.harness.get_by_label(label).click();
    s.settle();
    s.harness.get_by_label(label).type_text(text);
    s.settle();
}

fn ctrl_enter(s: &mut Studio) {
    s.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    s.settle();
}

/// The jobs as the journal holds them (read on a connection of its own, as another process would).
fn journalled(s: &Studio) -> Vec<JobRecord> {
    Journal::open(&Paths::new(s.home.path()))
        .unwrap()
        .list()
        .unwrap()
}

/// Waits until the journal holds one job, and returns it.
fn the_journalled_job(s: &mut Studio) -> JobRecord {
    s.wait("the job to be journalled", |app| !app.jobs().is_empty());
    let jobs = journalled(s);
    assert_eq!(jobs.len(), 1, "one send, one job");
    jobs.into_iter().next().unwrap()
}

fn ready_prompt(s: &mut Studio) {
    s.write_prompt("a lighthouse on a cliff");
}

#[test]
fn ctrl_enter_sends_the_seed_being_typed() {
    let mut s = studio(1600.0, 1000.0);
    ready_prompt(&mut s);
    s.click("Random"); // a fixed seed
    type_pending(&mut s, "Seed value", "201");
    assert_eq!(s.value_of("Seed value"), "201", "the field shows 201");
    assert_ne!(
        s.app().draft.seed,
        201,
        "not committed yet: no Enter was pressed"
    );
    ctrl_enter(&mut s);
    let job = the_journalled_job(&mut s);
    assert_eq!(
        job.request.seed,
        Some(201),
        "what was on screen is what was sent"
    );
    assert_eq!(s.app().draft.seed, 201, "and the form holds it, committed");
    assert!(
        s.has_label_containing("Sent ✔ seed 201"),
        "the footer says what left"
    );
}

#[test]
fn ctrl_enter_sends_the_count_being_typed() {
    let mut s = studio(1600.0, 1000.0);
    ready_prompt(&mut s);
    type_pending(&mut s, "Count value", "3");
    ctrl_enter(&mut s);
    let job = the_journalled_job(&mut s);
    assert_eq!(job.request.n, 3);
}

#[test]
fn ctrl_enter_sends_the_custom_size_being_typed() {
    let mut s = studio(1600.0, 1000.0);
    ready_prompt(&mut s);
    s.click("Custom");
    s.type_into("Custom height", "1024");
    type_pending(&mut s, "Custom width", "1200");
    ctrl_enter(&mut s);
    let job = the_journalled_job(&mut s);
    assert_eq!(job.request.size.as_deref(), Some("1200x1024"));
}

#[test]
fn ctrl_enter_sends_the_palette_share_being_typed() {
    let mut s = studio(1600.0, 1000.0);
    ready_prompt(&mut s);
    s.click("Colour palette");
    type_pending(&mut s, "Percent 1", "40");
    ctrl_enter(&mut s);
    let job = the_journalled_job(&mut s);
    let palette = job.request.color_palette.unwrap();
    assert_eq!(palette[0].ratio, "40.00%");
    let total: u32 = palette
        .iter()
        .map(|e| wan_studio::core::api::rules::parse_ratio(&e.ratio).unwrap())
        .sum();
    assert_eq!(
        total,
        wan_studio::core::palette::TOTAL,
        "still exactly 100.00%"
    );
}

#[test]
fn ctrl_enter_sends_the_box_corner_being_typed() {
    let mut s = studio(1600.0, 1000.0);
    s.open_desk_in_editor();
    let canvas = s.rect_of("Region editor");
    s.drag(
        screen_of(canvas, DESK, 1.0, 300.0, 100.0),
        screen_of(canvas, DESK, 1.0, 700.0, 400.0),
    );
    assert_eq!(s.boxes(0), vec![[300, 100, 700, 400]]);
    s.harness.get_by_label("Prompt").click();
    s.harness
        .get_by_label("Prompt")
        .type_text("replace the clock with a cat");
    s.settle();
    type_pending(&mut s, "Box 1 x2", "900");
    ctrl_enter(&mut s);
    let job = the_journalled_job(&mut s);
    assert_eq!(
        job.request.bbox_list,
        Some(vec![vec![[300, 100, 900, 400]]])
    );
}

#[test]
fn a_typed_value_that_cannot_be_used_blocks_the_send_and_nothing_is_journalled() {
    let mut s = studio(1600.0, 1000.0);
    ready_prompt(&mut s);
    s.click("Random");
    type_pending(&mut s, "Seed value", "2o1");
    ctrl_enter(&mut s);
    assert!(
        s.has_label_containing("Not sent: Seed value holds “2o1”"),
        "the field's own message says why"
    );
    // Out of range is refused too: it would not be what the field shows.
    s.harness.key_press(egui::Key::Escape);
    s.settle();
    s.click("Colour palette");
    type_pending(&mut s, "Percent 1", "120");
    ctrl_enter(&mut s);
    assert!(s.has_label_containing("Not sent: Percent 1 holds “120”"));
    // Clicking Generate is a send too, and the same rule holds (the click takes the keyboard
    // from the field, which then commits what it can: 120 becomes the largest share).
    s.idle(Duration::from_millis(500));
    assert!(
        journalled(&s).is_empty(),
        "nothing was journalled, nothing sent"
    );
    assert!(s.app().jobs().is_empty());
}

#[test]
fn a_count_over_the_rule_says_the_rule_and_the_way_to_twelve() {
    let mut s = studio(1600.0, 1000.0);
    s.harness.get_by_label("Count value").click();
    s.settle();
    s.harness.get_by_label("Count value").type_text("6");
    s.settle();
    assert!(
        s.has_label_containing("becomes 4 on Enter"),
        "said while typing"
    );
    s.harness.key_press(egui::Key::Enter);
    s.settle();
    assert_eq!(s.app().draft.n, 4, "6 clamps to 4 without a group series");
    assert!(
        s.has_label_containing("6 became 4. Count is 1–4; a group series takes up to 12."),
        "the hint stays under the field"
    );
    // In a group series, 6 is allowed.
    s.click("Group series");
    s.type_into("Count value", "6");
    assert_eq!(s.app().draft.n, 6);
    assert!(!s.has_label_containing("became"));
}

/// Generates `n` images with a fixed seed and waits until they are home.
fn generate_n(s: &mut Studio, n: &str, seed: &str) {
    ready_prompt(s);
    s.type_into("Count value", n);
    if s.app().draft.random_seed {
        s.click("Random");
    }
    s.type_into("Seed value", seed);
    s.click("Generate");
    s.wait("the job to finish", |app| {
        app.jobs()
            .first()
            .is_some_and(|j| j.state == JobState::Completed)
    });
    s.settle();
}

#[test]
fn the_images_of_one_request_read_image_k_of_n_not_series() {
    let mut s = studio(1600.0, 1000.0);
    generate_n(&mut s, "4", "42");
    s.click("Result 1");
    assert!(s.harness.query_by_label("Viewer").is_some());
    assert!(s.has_label_containing("1 of 4"));
    assert!(
        s.harness.query_by_label("Image").is_some(),
        "labelled Image"
    );
    assert!(s.harness.query_by_label("Series").is_none(), "not a series");
    assert!(s.harness.query_by_label("Export series…").is_none());
    assert!(s.harness.query_by_label("Open as storyboard").is_none());
    assert!(s.harness.query_by_label("Export all 4 images…").is_some());
    // Reusing one image's settings says it is the whole request that comes back.
    s.click("Reuse settings");
    assert!(s.has_label_containing("the whole request that made these images: n = 4, seed 42"));
    assert_eq!((s.app().draft.n, s.app().draft.seed), (4, 42));
}

#[test]
fn gallery_captions_carry_the_seed_and_a_seed_can_be_searched() {
    let mut s = studio(1600.0, 1000.0);
    generate_n(&mut s, "1", "4242");
    let caption = s
        .harness
        .get_by_label("Result 1")
        .accesskit_node()
        .description()
        .unwrap_or_default();
    assert!(caption.contains("seed 4242"), "{caption}");
    assert!(caption.contains("a lighthouse"), "{caption}");
    // The queue's row says it too.
    assert!(s.has_label_containing("seed 4242 · a lighthouse"));

    // A second variation, on Pro: the captions say what differs.
    s.click("Pro");
    s.type_into("Seed value", "77");
    s.click("Generate");
    s.wait("the second job", |app| {
        app.jobs().len() == 2 && app.jobs()[0].state == JobState::Completed
    });
    s.settle();
    let newest = s
        .harness
        .get_by_label("Result 1")
        .accesskit_node()
        .description()
        .unwrap_or_default();
    assert!(newest.starts_with("seed 77 · Pro · "), "{newest}");

    // seed:4242 finds the first one alone.
    s.harness.get_by_label("Search prompts").click();
    s.harness
        .get_by_label("Search prompts")
        .type_text("seed:4242");
    s.settle();
    s.wait("the search", |app| app.gallery_len() == 1);
    let key = &s.app().gallery_keys()[0];
    let job = s
        .app()
        .jobs()
        .into_iter()
        .find(|j| j.id == key.job_id)
        .unwrap();
    assert_eq!(job.request.seed, Some(4242));
}

#[test]
fn a_send_the_engine_refuses_is_never_acknowledged_as_sent() {
    let home = tempfile::tempdir().unwrap();
    // Something in the way of the room a submit's answer is held in: the engine sends nothing.
    std::fs::write(home.path().join("slots"), b"not a folder").unwrap();
    let mut s = ui_support::studio_in(1600.0, 1000.0, home, |_| {});
    ready_prompt(&mut s);
    s.click("Generate");
    s.wait_for_label("Nothing was sent");
    s.idle(Duration::from_millis(300));
    assert!(
        !s.has_label_containing("Sent ✔"),
        "the footer does not say Sent for a request that never left"
    );
    assert!(journalled(&s).is_empty(), "nothing journalled");
}
