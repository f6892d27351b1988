//! Presets in the window: the form's settings are named and kept, put back from the menu (the
//! prompt and references stay), forgotten, and survive a restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use std::time::{Duration, Instant};

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
