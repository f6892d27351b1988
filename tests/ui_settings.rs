//! Settings: a key saved in Settings switches the window from Sandbox to the API, the key is never
//! shown again, and requests then carry it to the API (and only there).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use std::sync::atomic::Ordering;
use std::time::Duration;

use egui_kittest::kittest::Queryable;
use ui_support::{Studio, studio, studio_with};
use wan_studio::core::api::server::Server;
use wan_studio::core::library::journal::JobState;
use wan_studio::sandbox::{Sandbox, SandboxConfig};

const KEY: &str = "sk-live-ui-test-0123456789-SECRET";

/// A server that speaks the contract and insists on [`KEY`], set as the API address in Settings.
fn point_settings_at_a_test_api(s: &mut Studio) -> Sandbox {
    let api =
        s.rt.block_on(Sandbox::start(SandboxConfig {
            key: Some(KEY.to_owned()),
            base_delay: Duration::from_millis(100),
            per_image_delay: Duration::ZERO,
            ..SandboxConfig::default()
        }))
        .unwrap();
    let url = api.base_url().to_string();
    s.set_api_address(&url);
    api
}

fn save_key(s: &mut Studio) {
    s.enter_key(KEY);
    s.wait("the switch to the API", |app| {
        matches!(app.server(), Some(Server::Api(_)))
    });
    s.settle();
}

fn generate(s: &mut Studio, prompt: &str) {
    s.harness.get_by_label("Prompt").click();
    s.harness.get_by_label("Prompt").type_text(prompt);
    s.click("1K");
    s.click("Generate");
}

#[test]
fn saving_a_key_switches_to_the_api_and_never_shows_the_key() {
    let mut s = studio(1600.0, 1000.0);
    assert_eq!(s.app().server(), Some(&Server::Sandbox));
    assert!(s.has_label_containing("SANDBOX"));
    let api = point_settings_at_a_test_api(&mut s);
    save_key(&mut s);
    assert!(s.has_label_containing("LIVE"));

    // The key is nowhere on screen: not in any label, not in any field's value.
    s.click("⚙ Settings");
    assert!(s.harness.query_all_by_label_contains(KEY).next().is_none());
    assert!(s.harness.query_all_by_value(KEY).next().is_none());
    assert!(
        s.has_label_containing("••••CRET"),
        "only the last four characters are shown"
    );
    s.click("Cancel");

    // A request now goes to the API with the key.
    generate(&mut s, "a red fox");
    s.wait("the job to finish", |app| {
        app.jobs().first().is_some_and(|j| !j.state.is_active())
    });
    assert_eq!(
        s.app().jobs()[0].state,
        JobState::Completed,
        "{:?}",
        s.app().jobs()[0].error
    );
    assert_eq!(api.stats().tasks_created.load(Ordering::SeqCst), 1);
    assert_eq!(
        api.stats().media_requests_with_auth.load(Ordering::SeqCst),
        0
    );

    // Forgetting it goes back to the sandbox.
    s.click("⚙ Settings");
    s.click("Forget key");
    s.wait("the sandbox again", |app| {
        app.server() == Some(&Server::Sandbox)
    });
}

#[test]
fn a_job_in_flight_waits_for_its_own_connection_and_finishes_there() {
    // Slow enough that the job is still processing when the connection changes.
    let mut s = studio_with(1600.0, 1000.0, Duration::from_secs(4));
    let _api = point_settings_at_a_test_api(&mut s);
    generate(&mut s, "a lighthouse at dusk");
    s.wait("the sandbox to accept the job", |app| {
        app.jobs()
            .first()
            .is_some_and(|j| j.state == JobState::Processing && j.task_id.is_some())
    });

    save_key(&mut s);
    let job = s.app().jobs()[0].clone();
    assert_eq!(job.state, JobState::Processing, "kept in flight: {job:?}");
    assert!(job.error.is_none());
    assert!(
        s.has_label_containing("Waiting for Sandbox mode"),
        "the queue says where the job continues"
    );
    assert!(
        !s.has_label_containing("1 running"),
        "it does not count as running on the API"
    );
    // It can be put out of the way meanwhile; it still finishes later.
    s.click("Dismiss");
    s.wait("the job to leave the queue", |app| app.jobs()[0].dismissed);
    s.settle();
    assert!(!s.has_label_containing("Waiting for Sandbox mode"));

    // Back in Sandbox mode the job is polled again and its result comes home.
    s.click("⚙ Settings");
    s.click("Forget key");
    s.wait("the job to finish in the sandbox", |app| {
        app.server() == Some(&Server::Sandbox)
            && app.jobs().first().is_some_and(|j| !j.state.is_active())
    });
    let job = &s.app().jobs()[0];
    assert_eq!(job.state, JobState::Completed, "{:?}", job.error);
    assert_eq!(job.results.len(), 1);
    s.settle();
    assert!(
        s.harness.query_by_label("Result 1").is_some(),
        "its result is in the gallery"
    );
}
