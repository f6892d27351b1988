//! Compare: two results selected in the gallery open side by side, the parameters that differ
//! are marked, and Keep (or its number key) stars the winner.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use eframe::egui;
use egui_kittest::kittest::Queryable;
use ui_support::studio;
use wan_studio::core::library::journal::JobState;
use wan_studio::ui::Centre;

#[test]
fn compare_opens_with_two_selected_results_and_marks_what_differs() {
    let mut s = studio(1500.0, 950.0);
    // The same prompt twice, on two fixed seeds: only the seed differs.
    s.write_prompt("a paper lantern");
    s.app_mut().draft.random_seed = false;
    s.app_mut().draft.seed = 11;
    s.click("Generate");
    s.wait("the first", |app| {
        app.jobs()
            .first()
            .is_some_and(|j| j.state == JobState::Completed)
    });
    s.app_mut().draft.seed = 22;
    s.settle();
    s.click("Generate");
    s.wait("the second", |app| {
        app.jobs().len() == 2 && app.jobs().iter().all(|j| j.state == JobState::Completed)
    });
    s.settle();
    assert!(
        s.harness.query_by_label("Compare").is_none(),
        "nothing selected"
    );
    s.harness
        .get_by_label("Result 1")
        .click_modifiers(egui::Modifiers::COMMAND);
    s.settle();
    assert!(s.is_disabled("Compare"), "one selected is not enough");
    s.harness
        .get_by_label("Result 2")
        .click_modifiers(egui::Modifiers::COMMAND);
    s.settle();
    s.click("Compare");
    assert!(matches!(s.app().centre(), Centre::Compare(keys) if keys.len() == 2));
    s.wait_for_label("Candidate 1");
    assert!(s.has_label_containing("Seed (differs)"));
    assert!(!s.has_label_containing("Tier (differs)"));
    assert!(!s.has_label_containing("Prompt (differs)"));
    assert!(s.harness.query_by_label("Candidate 2, image").is_some());

    // Keep 2 stars the second candidate; the number key 1 stars the first.
    let second = match s.app().centre() {
        Centre::Compare(keys) => keys[1].clone(),
        _ => unreachable!(),
    };
    s.click("Keep 2");
    s.wait("the star", |app| {
        app.jobs()
            .iter()
            .any(|j| j.id == second.job_id && j.results[0].favourite)
    });
    s.harness.key_press(egui::Key::Num1);
    s.wait("the other star", |app| {
        app.jobs().iter().all(|j| j.results[0].favourite)
    });
    s.harness.key_press(egui::Key::Escape);
    s.settle();
    assert_eq!(s.app().centre(), &Centre::Gallery);
}
