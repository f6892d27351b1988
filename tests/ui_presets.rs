//! Presets in the window: the form's settings are named and kept, put back from the menu (the
//! prompt and references stay), forgotten, and survive a restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use std::time::{Duration, Instant};

use eframe::egui;
use egui_kittest::kittest::Queryable;

use ui_support::{Studio, studio, studio_in};
use wan_studio::core::api::request::Model;
use wan_studio::core::api::rules::Gear;
use wan_studio::core::presets::SavedPresets;
use wan_studio::core::settings::Paths;

/// Steps the window until the presets file says `done`.
fn wait_on_disk(s: &mut Studio, what: &str, done: impl Fn(&SavedPresets) -> bool) {
    let paths = Paths::new(s.home.path());
    let deadline = Instant::now() + Duration::from_secs(10);
    while !done(&SavedPresets::load(&paths).unwrap()) {
        assert!(Instant::now() < deadline, "{what}: never written");
        s.harness.step();
        std::thread::sleep(Duration::from_millis(10));
    }
}

#[test]
fn a_preset_saved_and_loaded_restores_the_form_but_not_the_prompt() {
    let mut s = studio(1600.0, 1000.0);
    {
        let d = &mut s.app_mut().draft;
        d.model = Model::Pro;
        d.aspect = (16, 9);
        d.resolution = Gear::K1;
        d.n = 3;
        d.random_seed = false;
        d.seed = 4242;
        d.negative_prompt = "blurry, text".into();
        d.watermark = true;
    }
    s.settle();
    let kept = s.app().draft.clone();
    s.type_into("Preset name", "Wide pro");
    wait_on_disk(&mut s, "saved", |p| p.get("wide pro").is_some());

    // Another form, another prompt: loading the preset brings the settings back, not the prompt.
    {
        let d = &mut s.app_mut().draft;
        d.model = Model::Standard;
        d.aspect = (1, 1);
        d.n = 1;
        d.random_seed = true;
        d.negative_prompt.clear();
        d.watermark = false;
        d.prompt = "a lighthouse".into();
    }
    s.settle();
    s.click("Presets");
    s.click("Load preset Wide pro");
    let d = &s.app().draft;
    assert_eq!(d.prompt, "a lighthouse");
    assert_eq!(
        (d.model, d.aspect, d.resolution, d.n, d.random_seed, d.seed),
        (Model::Pro, (16, 9), Gear::K1, 3, false, 4242)
    );
    assert_eq!(
        (d.negative_prompt.as_str(), d.watermark),
        ("blurry, text", true)
    );
    assert_eq!(
        wan_studio::core::draft::Draft {
            prompt: kept.prompt.clone(),
            ..d.clone()
        },
        kept
    );
    assert!(s.has_label_containing("Preset “Wide pro” is in the form."));

    // A restart: still offered; then forgotten.
    let Studio { harness, home, rt } = s;
    drop(harness);
    drop(rt);
    let mut s = studio_in(1600.0, 1000.0, home, |_| {});
    s.click("Presets");
    assert!(s.has_label_containing("Wide pro"));
    s.click("Delete preset Wide pro");
    wait_on_disk(&mut s, "forgotten", SavedPresets::is_empty);
}

/// Replaces the whole text of the focused field `label` with `text`, then Enter.
fn retype(s: &mut Studio, label: &str, text: &str) {
    s.harness.get_by_label(label).click();
    s.settle();
    s.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    s.harness.get_by_label(label).type_text(text);
    s.settle();
    s.harness.key_press(egui::Key::Enter);
    s.settle();
}

#[test]
fn presets_are_renamed_exported_and_imported_from_the_menu() {
    let mut s = studio(1600.0, 1000.0);
    s.app_mut().draft.n = 3;
    s.settle();
    s.type_into("Preset name", "Draft");
    wait_on_disk(&mut s, "saved", |p| p.get("draft").is_some());

    // Renamed in the menu (any letters).
    s.click("Presets");
    s.click("Rename preset Draft");
    retype(&mut s, "New name for preset Draft", "Ébauche à trois");
    wait_on_disk(&mut s, "renamed", |p| {
        p.get("Ébauche à trois").is_some() && p.get("draft").is_none()
    });
    assert!(s.has_label_containing("Preset “Draft” is now “Ébauche à trois”."));

    // Exported through the path field (no file dialog here), then forgotten.
    // The menu stays open after a rename (it shows the new name).
    let file = s.home.path().join("mine.json");
    s.click("Export presets…");
    retype(&mut s, "Path", &file.display().to_string());
    s.wait("the export", |_| file.is_file());
    let exported = SavedPresets::read(&file).unwrap();
    assert_eq!(exported.get("Ébauche à trois").map(|p| p.n), Some(3));
    s.click("Presets");
    s.click("Delete preset Ébauche à trois");
    wait_on_disk(&mut s, "forgotten", SavedPresets::is_empty);

    // Imported back (the menu is still open after a delete): kept again.
    s.click("Import presets…");
    retype(&mut s, "Path", &file.display().to_string());
    wait_on_disk(&mut s, "imported", |p| p.get("Ébauche à trois").is_some());
    assert!(s.has_label_containing("Imported 1 preset from"));

    // Exporting again to the same typed path does not replace the file: it says so.
    let before = std::fs::read(&file).unwrap();
    s.click("Presets");
    s.click("Export presets…");
    retype(&mut s, "Path", &file.display().to_string());
    s.wait_for_label("The presets were not exported");
    assert!(s.has_label_containing("exists already"));
    assert_eq!(std::fs::read(&file).unwrap(), before);

    // A file that is not a presets file is refused by name, and nothing kept changes.
    let junk = s.home.path().join("junk.json");
    std::fs::write(&junk, b"{\"not\": \"presets\"").unwrap();
    s.click("Presets");
    s.click("Import presets…");
    retype(&mut s, "Path", &junk.display().to_string());
    s.wait_for_label("The presets were not imported");
    assert!(s.has_label_containing("is not a presets file"));
    let kept = SavedPresets::load(&Paths::new(s.home.path())).unwrap();
    assert_eq!(kept.len(), 1);
}
