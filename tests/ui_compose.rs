//! The compose panel: the palette keeps 100.00%, Generate says why it is disabled, and a full run
//! against the sandbox lands a result in the gallery whose settings can be reused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use eframe::egui;
use egui_kittest::kittest::Queryable;
use ui_support::studio;
use wan_studio::core::api::request::Model;
use wan_studio::core::api::rules::Gear;
use wan_studio::core::library::journal::JobState;
use wan_studio::core::palette::TOTAL;

fn ratios(s: &ui_support::Studio) -> Vec<u32> {
    s.app()
        .draft
        .palette
        .swatches()
        .iter()
        .map(|w| w.ratio)
        .collect()
}

fn total(s: &ui_support::Studio) -> u32 {
    s.app().draft.palette.total()
}

#[test]
fn palette_stays_at_exactly_100_percent_through_moves_locks_adds_and_removes() {
    let mut s = studio(1600.0, 1100.0);
    s.harness.get_by_label("Colour palette").click();
    s.settle();
    assert!(s.app().draft.palette_on);
    assert_eq!(ratios(&s), vec![2500, 2500, 2500, 2500]);

    // Move colour 1 to 40%: the others share the rest in proportion.
    s.harness.get_by_label("Ratio 1").set_value_accesskit(40.0);
    s.settle();
    assert_eq!(ratios(&s), vec![4000, 2000, 2000, 2000]);

    // Lock colour 2, move colour 1 again: colour 2 holds.
    s.click("Lock colour 2");
    assert!(s.app().draft.palette.swatches()[1].locked);
    s.harness.get_by_label("Ratio 1").set_value_accesskit(12.34);
    s.settle();
    assert_eq!(ratios(&s)[0], 1234);
    assert_eq!(ratios(&s)[1], 2000, "locked");
    assert_eq!(total(&s), TOTAL);

    // Add two colours, remove one.
    s.click("Add colour");
    s.click("Add colour");
    assert_eq!(s.app().draft.palette.len(), 6);
    assert_eq!(total(&s), TOTAL);
    s.click("Remove colour 3");
    assert_eq!(s.app().draft.palette.len(), 5);
    assert_eq!(total(&s), TOTAL);

    // What is sent is valid on the wire: two decimals, totalling 100.00%.
    let req = s.app().draft.to_request(1);
    let sum: u32 = req
        .color_palette
        .unwrap()
        .iter()
        .map(|e| wan_studio::core::api::rules::parse_ratio(&e.ratio).unwrap())
        .sum();
    assert_eq!(sum, TOTAL);

    // Undo walks back through the palette edits.
    s.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    s.settle();
    assert_eq!(s.app().draft.palette.len(), 6);
    assert_eq!(total(&s), TOTAL);
}

#[test]
fn generate_is_disabled_with_the_reason_shown() {
    let mut s = studio(1600.0, 1100.0);
    // An empty prompt with no references.
    assert!(s.is_disabled("Generate"));
    assert!(s.has_label_containing("Write a prompt"));

    s.harness.get_by_label("Prompt").click();
    s.harness
        .get_by_label("Prompt")
        .type_text("a lighthouse at dusk");
    s.settle();
    assert!(
        !s.is_disabled("Generate"),
        "{:?}",
        s.app().generate_blockers()
    );

    // 4K on Standard: choose it on Pro, then switch the tier. 4K cannot stay chosen where it
    // cannot be sent: it becomes 2K, and the form says so beside the resolution.
    s.click("Pro");
    s.click("4K");
    assert_eq!(s.app().draft.resolution, Gear::K4);
    assert!(!s.is_disabled("Generate"));
    s.click("Standard");
    assert_eq!(s.app().draft.model, Model::Standard);
    assert_eq!(s.app().draft.resolution, Gear::K2);
    assert!(s.has_label_containing("4K needs the Pro tier"));
    assert!(s.is_disabled("4K"), "4K is not on offer on Standard");
    assert!(!s.is_disabled("Generate"));
    assert_eq!(
        s.app().draft.to_request(0).resolution.as_deref(),
        Some("2K"),
        "what is shown is what is sent"
    );

    // n = 5 without group mode: set it in group mode, then leave group mode.
    s.click("Group series");
    s.harness
        .get_by_role_and_label(egui::accesskit::Role::Slider, "Count")
        .set_value_accesskit(5.0);
    s.settle();
    assert_eq!(s.app().draft.n, 5);
    assert!(!s.is_disabled("Generate"));
    s.click("Group series");
    assert!(s.is_disabled("Generate"));
    assert!(s.has_label_containing("5 needs group series mode"));
    s.harness
        .get_by_role_and_label(egui::accesskit::Role::Slider, "Count")
        .set_value_accesskit(2.0);
    s.settle();
    assert!(!s.is_disabled("Generate"));

    // A palette in group mode.
    s.click("Colour palette");
    s.click("Group series");
    assert!(s.is_disabled("Generate"));
    assert!(s.has_label_containing("does not apply to a group series"));
}

#[test]
fn a_full_run_lands_in_the_gallery_and_reuse_restores_the_form() {
    let mut s = studio(1600.0, 1000.0);
    s.harness.get_by_label("Prompt").click();
    s.harness
        .get_by_label("Prompt")
        .type_text("a red fox in fresh snow");
    s.click("Pro");
    s.click("16:9");
    s.click("1K");
    s.click("Random"); // fix the seed
    // Typed, committed on Enter.
    s.harness.get_by_label("Seed value").click();
    s.settle();
    s.harness.get_by_label("Seed value").type_text("4242");
    s.harness.key_press(egui::Key::Enter);
    s.settle();
    s.harness.get_by_label("Negative prompt").click();
    s.harness.get_by_label("Negative prompt").type_text("blur");
    s.settle();
    let sent = s.app().draft.clone();
    assert!(!s.is_disabled("Generate"));

    s.click("Generate");
    // The queue shows the job's progress, then done.
    s.wait("the job to appear in the queue", |app| {
        !app.jobs().is_empty()
    });
    s.wait("the job to finish", |app| {
        app.jobs()[0].state == JobState::Completed
    });
    s.settle();
    assert!(s.has_label_containing("Done · 1 image"));
    let job = s.app().jobs()[0].clone();
    assert_eq!(job.request.seed, Some(4242));
    assert_eq!(job.request.size.as_deref(), Some("16:9"));

    // The result is in the gallery as Result 1.
    s.wait("the gallery tile", |_| true);
    assert!(s.harness.query_by_label("Result 1").is_some());

    // Change the form, then reuse the result's settings from the viewer.
    s.app_mut().draft = wan_studio::core::draft::Draft::default();
    s.click("Result 1");
    assert!(s.harness.query_by_label("Viewer").is_some());
    s.click("Reuse settings");
    let back = &s.app().draft;
    assert_eq!(back.prompt, sent.prompt);
    assert_eq!(back.negative_prompt, sent.negative_prompt);
    assert_eq!(back.model, Model::Pro);
    assert_eq!((back.aspect, back.resolution), ((16, 9), Gear::K1));
    assert_eq!((back.random_seed, back.seed), (false, 4242));

    // Escape closes the viewer.
    s.harness.key_press(egui::Key::Escape);
    s.settle();
    assert!(s.harness.query_by_label("Viewer").is_none());
}

#[test]
fn ctrl_enter_generates() {
    let mut s = studio(1600.0, 1000.0);
    s.harness.get_by_label("Prompt").click();
    s.harness.get_by_label("Prompt").type_text("a paper boat");
    s.settle();
    s.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    s.wait("the job", |app| !app.jobs().is_empty());
    assert_eq!(
        s.app().draft.prompt,
        "a paper boat",
        "Ctrl+Enter did not type a newline"
    );
}

#[test]
fn a_result_is_exported_with_its_prompt_inside_and_never_overwritten() {
    let mut s = studio(1600.0, 1000.0);
    let out = s.home.path().join("exports");
    // Set the export folder in Settings, as an artist would.
    s.click("⚙ Settings");
    s.harness.get_by_label("Export folder").click();
    s.harness
        .get_by_label("Export folder")
        .type_text(out.to_str().unwrap());
    s.click("Save");
    s.wait("the settings to apply", |app| {
        app.settings().export_dir.as_deref() == Some(out.as_path())
    });

    s.harness.get_by_label("Prompt").click();
    s.harness
        .get_by_label("Prompt")
        .type_text("a quiet harbour");
    s.click("1K");
    s.click("Generate");
    s.wait("the job to finish", |app| {
        app.jobs()
            .first()
            .is_some_and(|j| j.state == JobState::Completed)
    });
    s.settle();
    s.click("Result 1");
    // Count finished exports only: a write in progress shows as a hidden `.partial-*` file.
    let exported = |dir: &std::path::Path| -> Vec<std::path::PathBuf> {
        dir.read_dir()
            .map(|d| {
                d.filter_map(Result::ok)
                    .map(|e| e.path())
                    .filter(|p| p.extension().is_some_and(|x| x == "png"))
                    .collect()
            })
            .unwrap_or_default()
    };
    s.click("Quick export");
    s.wait("the file", |_| exported(&out).len() == 1);
    s.click("Quick export");
    s.wait("the second file", |_| exported(&out).len() == 2);
    for path in exported(&out) {
        let bytes = std::fs::read(&path).unwrap();
        let text = wan_studio::core::imaging::png_text(&bytes).unwrap();
        assert!(
            text.iter()
                .any(|(k, v)| k == "prompt" && v == "a quiet harbour")
        );
    }
}

#[test]
fn an_edit_with_no_prompt_is_warned_of_but_can_still_be_sent() {
    let mut s = studio(1600.0, 1000.0);
    s.click("Add sample desk.jpg");
    s.wait("the sample as a reference", |app| {
        app.draft.references.len() == 1
    });
    s.settle();
    let warning = "An edit works best with a prompt";
    assert!(
        s.has_label_containing(warning),
        "the warning is under Generate"
    );
    // Words make it go; none bring it back.
    s.harness.get_by_label("Prompt").click();
    s.harness.get_by_label("Prompt").type_text("make it night");
    s.settle();
    assert!(!s.has_label_containing(warning));
    s.app_mut().draft.prompt.clear();
    s.settle();
    assert!(s.has_label_containing(warning));
    // A warning, not a blocker: Generate sends it.
    s.wait("Generate to be ready", |app| app.jobs().is_empty());
    assert!(!s.is_disabled("Generate"), "the warning does not block");
    s.click("Generate");
    s.wait("the edit to be sent", |app| !app.jobs().is_empty());
    let job = &s.app().jobs()[0];
    assert_eq!(job.request.image_urls.len(), 1);
    assert!(job.request.prompt.as_deref().is_none_or(str::is_empty));
}

#[test]
fn a_typed_seed_of_zero_gets_a_hint_and_is_sent_as_typed() {
    let mut s = studio(1600.0, 1000.0);
    s.write_prompt("a kite over the dunes");
    let hint = "Seed 0 is sent as typed";
    assert!(!s.has_label_containing(hint));
    s.app_mut().draft.random_seed = false;
    s.app_mut().draft.seed = 0;
    s.settle();
    assert!(s.has_label_containing(hint), "the hint is under Generate");
    s.click("Generate");
    s.wait("the job to be sent", |app| !app.jobs().is_empty());
    assert_eq!(s.app().jobs()[0].request.seed, Some(0));
}
