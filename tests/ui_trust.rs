//! The defects an artist met in the first hour, each driven through the real window: one click,
//! one job; typed numbers that stick; a key without a keyring; file actions without a dialog; and
//! a form that survives a crash.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use std::sync::Arc;
use std::sync::atomic::Ordering;
use std::time::Duration;

use eframe::egui;
use egui_kittest::kittest::Queryable;
use ui_support::{DESK, screen_of, studio, studio_in};
use wan_studio::core::api::server::Server;
use wan_studio::core::settings::NoKeyring;
use wan_studio::sandbox::{Sandbox, SandboxConfig};

#[test]
fn a_double_click_on_generate_sends_one_job_and_asks_before_paying_again() {
    let mut s = studio(1600.0, 1000.0);
    s.write_prompt("a paper lantern");
    // Two clicks in quick succession, as a double-click.
    s.harness.get_by_label("Generate").click();
    s.harness.step();
    s.harness.get_by_label("Generate").click();
    s.settle();
    s.wait("the job", |app| !app.jobs().is_empty());
    s.idle(Duration::from_millis(400));
    assert_eq!(s.app().jobs().len(), 1, "one click, one job");
    assert!(s.has_label_containing("Send it again and pay again?"));
    s.click("Cancel");
    s.idle(Duration::from_millis(200));
    assert_eq!(s.app().jobs().len(), 1);
    assert!(
        s.has_label_containing("Sent ✔"),
        "Generate acknowledges the send"
    );

    // A repeated Ctrl+Enter asks too; saying yes sends it again, on purpose.
    s.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Enter);
    s.settle();
    assert!(s.has_label_containing("Send it again and pay again?"));
    s.click("Send again");
    s.wait("the second job", |app| app.jobs().len() == 2);
}

#[test]
fn typing_a_box_coordinate_commits_once_on_enter() {
    let mut s = studio(1600.0, 1000.0);
    s.open_desk_in_editor();
    let canvas = s.rect_of("Region editor");
    s.drag(
        screen_of(canvas, DESK, 1.0, 300.0, 100.0),
        screen_of(canvas, DESK, 1.0, 700.0, 400.0),
    );
    s.type_into("Box 1 x2", "1024");
    assert_eq!(s.boxes(0), vec![[300, 100, 1024, 400]]);

    // x2 = 1024 → 500: the first key must not make the box 5..300.
    s.harness.get_by_label("Box 1 x2").click();
    s.settle();
    s.harness.get_by_label("Box 1 x2").type_text("5");
    s.settle();
    assert_eq!(
        s.boxes(0),
        vec![[300, 100, 1024, 400]],
        "nothing applies per keystroke"
    );
    s.harness.get_by_label("Box 1 x2").type_text("00");
    s.settle();
    s.harness.key_press(egui::Key::Enter);
    s.settle();
    assert_eq!(s.boxes(0), vec![[300, 100, 500, 400]]);

    // One commit, one undo step.
    s.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    s.settle();
    assert_eq!(s.boxes(0), vec![[300, 100, 1024, 400]]);
    s.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    s.settle();
    assert_eq!(
        s.boxes(0),
        vec![[300, 100, 700, 400]],
        "back to the drawn box"
    );
}

#[test]
fn a_tiny_drag_makes_no_box_and_a_removed_reference_comes_back_with_undo() {
    let mut s = studio(1600.0, 1000.0);
    s.open_desk_in_editor();
    let canvas = s.rect_of("Region editor");
    let at = screen_of(canvas, DESK, 1.0, 500.0, 500.0);
    s.drag(at, at + egui::vec2(2.0, 2.0));
    assert!(s.boxes(0).is_empty(), "a twitch of the mouse is not a box");
    s.drag(
        screen_of(canvas, DESK, 1.0, 100.0, 100.0),
        screen_of(canvas, DESK, 1.0, 300.0, 300.0),
    );
    assert_eq!(s.boxes(0).len(), 1);
    s.click("Remove reference 1");
    assert!(s.app().draft.references.is_empty());
    s.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    s.settle();
    assert_eq!(s.app().draft.references.len(), 1, "the reference is back");
    assert_eq!(s.boxes(0), vec![[100, 100, 300, 300]], "with its boxes");
}

const KEY: &str = "sk-live-ui-trust-0123456789-SECRET";

#[test]
fn forget_key_returns_to_sandbox_on_a_machine_without_a_keyring() {
    let mut s = studio_in(1600.0, 1000.0, tempfile::tempdir().unwrap(), |cfg| {
        cfg.key_store = Arc::new(NoKeyring);
    });
    let api =
        s.rt.block_on(Sandbox::start(SandboxConfig {
            key: Some(KEY.to_owned()),
            ..SandboxConfig::default()
        }))
        .unwrap();
    let url = api.base_url().to_string();
    s.set_api_address(&url);

    // A wrong key is refused by the API (checked for free) and not used.
    s.enter_key("sk-wrong");
    s.wait_for_label("refused this key");
    assert!(s.app().key_status().contains("No key"));
    assert_eq!(s.app().server(), Some(&Server::Sandbox));

    // The right key is accepted, and held for this session only: there is no keyring.
    s.enter_key(KEY);
    s.wait("the API", |app| {
        matches!(app.server(), Some(Server::Api(_)))
    });
    s.settle();
    assert!(s.has_label_containing("accepted the key"));
    assert!(
        s.app().key_status().contains("held for this session only"),
        "{}",
        s.app().key_status()
    );
    assert!(!s.app().key_status().contains("OS keyring"));
    assert!(s.has_label_containing("held for this session only"));

    s.click("Forget key");
    s.wait("Sandbox mode", |app| app.server() == Some(&Server::Sandbox));
    assert!(s.app().key_status().contains("No key"));
    assert!(s.has_label_containing("SANDBOX"));
    assert!(
        api.stats().polls.load(Ordering::SeqCst) >= 2,
        "both keys were checked"
    );
    assert_eq!(
        api.stats().tasks_created.load(Ordering::SeqCst),
        0,
        "checking is free"
    );
}

#[test]
fn export_without_a_file_dialog_asks_for_a_path_and_writes_the_file() {
    let mut s = studio(1600.0, 1000.0);
    s.generate_and_wait("a quiet harbour");
    s.click("Result 1");
    s.click("Export…");
    assert!(
        s.has_label_containing("No file dialog can open here: type the path instead."),
        "it says why the path field is there"
    );
    let suggested = s.value_of("Path");
    assert!(
        std::path::Path::new(&suggested)
            .extension()
            .is_some_and(|e| e == "png"),
        "prefilled: {suggested}"
    );
    let target = s.home.path().join("out/harbour.png");
    s.harness
        .get_by_label("Path")
        .set_text_value_accesskit(target.to_str().unwrap());
    s.settle();
    s.click("Use this path");
    s.wait("the exported file", |_| target.is_file());
    let text = wan_studio::core::imaging::png_text(&std::fs::read(&target).unwrap()).unwrap();
    assert!(
        text.iter()
            .any(|(k, v)| k == "prompt" && v == "a quiet harbour")
    );
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt;
        let mode = std::fs::metadata(&target).unwrap().permissions().mode();
        assert_eq!(mode & 0o044, 0o044, "readable by other programs: {mode:o}");
    }

    // The same typed path again: nothing asked, so nothing is replaced; the artist is told.
    let before = std::fs::read(&target).unwrap();
    s.click("Export…");
    s.harness
        .get_by_label("Path")
        .set_text_value_accesskit(target.to_str().unwrap());
    s.settle();
    s.click("Use this path");
    s.wait_for_label("already there");
    assert_eq!(std::fs::read(&target).unwrap(), before);

    // Settings › Choose… works the same way.
    s.click("⚙ Settings");
    s.click("Choose…");
    let dir = s.home.path().join("picked");
    s.harness
        .get_by_label("Path")
        .set_text_value_accesskit(dir.to_str().unwrap());
    s.settle();
    s.click("Use this path");
    assert_eq!(s.value_of("Export folder"), dir.to_str().unwrap());
}

#[test]
fn the_compose_form_survives_a_crash() {
    let home = tempfile::tempdir().unwrap();
    let keep = home.path().to_path_buf();
    let mut s = studio_in(1600.0, 1000.0, home, |cfg| cfg.restore = true);
    s.harness.get_by_label("Prompt").click();
    s.harness
        .get_by_label("Prompt")
        .type_text("a lighthouse in a storm, oil on canvas");
    s.click("Pro");
    s.idle(Duration::from_secs(1));
    // A crash: the window goes away without any goodbye (no save on exit).
    let Studio {
        harness, home, rt, ..
    } = s;
    std::mem::forget(harness);
    drop(rt);
    assert_eq!(home.path(), keep);

    let again = studio_in(1600.0, 1000.0, home, |cfg| cfg.restore = true);
    assert_eq!(
        again.app().draft.prompt,
        "a lighthouse in a storm, oil on canvas"
    );
    assert_eq!(
        again.app().draft.model,
        wan_studio::core::api::request::Model::Pro
    );
}

use ui_support::Studio;

#[test]
fn a_job_that_never_left_the_machine_says_so_and_retry_says_nothing_was_charged() {
    let mut s = studio(1600.0, 1000.0);
    // An API address where nothing listens: the submit cannot connect, so it is never sent.
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/", closed.local_addr().unwrap());
    drop(closed);
    s.set_api_address(&url);
    s.enter_key(KEY);
    s.wait("the API", |app| {
        matches!(app.server(), Some(Server::Api(_)))
    });
    s.wait_for_label("could not be checked");
    s.click("Cancel"); // close Settings

    s.write_prompt("a kite over the dunes");
    s.click("Generate");
    s.wait("the job to end", |app| {
        app.jobs().first().is_some_and(|j| !j.state.is_active())
    });
    s.settle();
    assert_eq!(
        s.app().jobs()[0].state,
        wan_studio::core::library::journal::JobState::NotSent
    );
    assert!(s.has_label_containing(
        "Could not reach 127.0.0.1: nothing answered at that address (connection refused). Nothing was sent and nothing was charged."
    ));
    s.click("Retry…");
    assert!(s.has_label_containing("never left this machine: nothing was charged"));
    assert!(s.has_label_containing("sent to 127.0.0.1"));
    assert!(!s.has_label_containing("charged twice"));
    s.click("Cancel");
}

#[test]
fn a_damaged_journal_is_reported_and_rebuilt_from_the_window() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(home.path().join("journal.sqlite3"), vec![0x5A_u8; 8192]).unwrap();
    let mut s = ui_support::studio_unready(1600.0, 1000.0, home);
    s.wait_for_label("is damaged");
    assert!(
        !s.app().is_ready(),
        "nothing can be sent on a damaged journal"
    );
    assert!(s.is_disabled("Generate"));
    s.click("Rebuild the journal");
    s.wait(
        "the rebuilt journal to connect",
        wan_studio::ui::StudioApp::is_ready,
    );
    let kept = std::fs::read_dir(s.home.path())
        .unwrap()
        .filter_map(Result::ok)
        .any(|e| {
            e.file_name()
                .to_string_lossy()
                .starts_with("journal.sqlite3.damaged-")
        });
    assert!(kept, "the damaged journal is kept aside");
}
