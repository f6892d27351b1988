//! Content credentials in the window: the viewer's section says what a result's marks say, a
//! reference file that carries credentials shows them, and Settings keeps the prompt out.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use egui_kittest::kittest::Queryable;
use ui_support::studio;
use wan_studio::core::library::journal::JobState;
use wan_studio::ui::{Action, ResultKey, ShowAction};

#[test]
fn the_viewer_shows_a_results_credentials_and_an_edit_names_the_result_it_came_from() {
    let mut s = studio(1500.0, 950.0);
    s.generate_and_wait("a red fox in the snow");
    let parent = s.app().jobs()[0].id.clone();
    s.click("Result 1");
    s.wait_for_label("Signed, and unchanged since");
    assert!(s.has_label_containing("Content credentials"));
    assert!(s.has_label_containing("Yes (trained algorithmic media)"));
    assert!(s.has_label_containing("on no trust list"));

    s.click("Use as reference");
    s.click("⬅ Gallery");
    // The reference tile says the file carries credentials.
    s.wait_for_label("Credentials: AI-generated");
    s.harness.get_by_label("Prompt").click();
    s.harness
        .key_press_modifiers(eframe::egui::Modifiers::COMMAND, eframe::egui::Key::A);
    s.harness.get_by_label("Prompt").type_text("make it blue");
    s.settle();
    s.click("Generate");
    s.wait("the edit to finish", |app| {
        app.jobs().len() == 2 && app.jobs()[0].state == JobState::Completed
    });
    let child = s.app().jobs()[0].id.clone();
    assert_ne!(child, parent);
    s.app_mut()
        .handle(Action::Show(ShowAction::Viewer(ResultKey::new(&child, 0))));
    s.wait_for_label("Signed, and unchanged since");
    // The parent's file is an ingredient with its own credentials linked (✔).
    s.wait_for_label("01.png ✔");
}

#[test]
fn settings_keep_the_prompt_out_of_the_credentials() {
    let mut s = studio(1400.0, 900.0);
    assert!(
        s.app().settings().credentials.include_prompt,
        "on by default"
    );
    s.click("⚙ Settings");
    s.click("Include prompt and parameters in credentials");
    s.click("Save");
    s.wait("the setting to be saved", |app| {
        !app.settings().credentials.include_prompt
    });
    s.generate_and_wait("a quiet secret");
    let path = s.app().jobs()[0].results[0].path.clone();
    let report = wan_studio::core::credentials::read(&std::fs::read(path).unwrap()).unwrap();
    assert!(report.ai_generated);
    assert_eq!(report.prompt, None);
}
