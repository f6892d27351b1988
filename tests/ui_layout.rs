//! The workspace fits any screen: at 1024×640 and at 2560×1440 every main control is on screen,
//! inside the window and under no other; the region editor and the latest results are seen
//! together.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use eframe::egui::{self, Rect};
use egui_kittest::kittest::Queryable;
use ui_support::studio;

const MAIN: [&str; 7] = [
    "Generate",
    "Prompt",
    "Negative prompt",
    "Region editor",
    "Result 1",
    "Queue",
    "⚙ Settings",
];

fn check_layout(w: f32, h: f32) {
    let mut s = studio(w, h);
    s.generate_and_wait("a lighthouse at dusk");
    s.open_desk_in_editor();
    let window = Rect::from_min_size(egui::Pos2::ZERO, egui::vec2(w, h));
    let rects: Vec<(&str, Rect)> = MAIN.iter().map(|l| (*l, s.rect_of(l))).collect();
    for (label, r) in &rects {
        assert!(
            r.width() >= 8.0 && r.height() >= 8.0,
            "{w}×{h}: {label} is squeezed to {r:?}"
        );
        assert!(
            window.contains_rect(*r),
            "{w}×{h}: {label} at {r:?} is not inside the window"
        );
    }
    for (i, (a, ra)) in rects.iter().enumerate() {
        for (b, rb) in &rects[i + 1..] {
            let overlap = ra.intersect(*rb);
            assert!(
                overlap.width() <= 0.5 || overlap.height() <= 0.5,
                "{w}×{h}: {a} {ra:?} and {b} {rb:?} cover each other"
            );
        }
    }
    // The gallery strip under the editor shows what arrives while boxes are drawn.
    let editor = s.rect_of("Region editor");
    let result = s.rect_of("Result 1");
    assert!(result.min.y >= editor.max.y, "results sit under the editor");
}

#[test]
fn every_main_control_fits_a_small_window() {
    check_layout(1024.0, 640.0);
}

#[test]
fn every_main_control_fits_a_large_window() {
    check_layout(2560.0, 1440.0);
}

#[test]
fn side_panels_collapse_and_come_back() {
    let mut s = studio(1024.0, 640.0);
    assert!(s.harness.query_by_label("Prompt").is_some());
    s.click("Hide the compose panel");
    assert!(s.harness.query_by_label("Prompt").is_none());
    assert!(
        !s.app().settings().panels.compose,
        "remembered in the settings"
    );
    s.click("Show the compose panel");
    assert!(s.harness.query_by_label("Prompt").is_some());
    s.click("Hide the queue panel");
    assert!(s.harness.query_by_label("Queue").is_none());
    s.click("Show the queue panel");
    assert!(s.harness.query_by_label("Queue").is_some());
}

#[test]
fn the_viewer_fills_the_window_steps_through_results_and_zooms_truly() {
    let mut s = studio(1280.0, 800.0);
    s.generate_and_wait("a red fox");
    // The same request again asks first; this time it is meant.
    s.click("Generate");
    s.click("Send again");
    s.wait("a second result", |app| {
        app.jobs().len() == 2
            && app.jobs()[0].state == wan_studio::core::library::journal::JobState::Completed
    });
    s.settle();
    s.click("Result 1");
    assert!(s.has_label_containing("1 of 2"));
    s.harness.key_press(egui::Key::ArrowRight);
    s.settle();
    assert!(
        s.has_label_containing("2 of 2"),
        "→ steps to the next result"
    );
    s.harness.key_press(egui::Key::ArrowLeft);
    s.settle();
    assert!(s.has_label_containing("1 of 2"));

    // Full window: the panels make way; Escape leaves it (and the viewer stays).
    s.harness.key_press(egui::Key::F);
    s.settle();
    assert!(s.harness.query_by_label("Generate").is_none());
    let viewer = s.rect_of("Viewer");
    assert!(
        viewer.width() > 1200.0,
        "the image has the whole width: {viewer:?}"
    );
    s.harness.key_press(egui::Key::Escape);
    s.settle();
    assert!(s.harness.query_by_label("Generate").is_some());
    assert!(s.harness.query_by_label("Viewer").is_some());

    // 1:1 is one image pixel per screen pixel; Fit is not 100 %.
    s.wait("the full image", |_| true);
    s.click("Zoom 1:1");
    assert!(s.has_label_containing("100 %"));
}

/// The compose panel's content edges, read off its footer: Generate and Batch… span the
/// panel's width between them.
fn panel_edges(s: &ui_support::Studio) -> (f32, f32) {
    let g = s.rect_of("Generate");
    let b = s.rect_of("Batch…");
    (g.min.x, b.max.x)
}

fn check_palette_fits(w: f32, h: f32) {
    let mut s = studio(w, h);
    let before = panel_edges(&s);
    s.reveal_in_compose("Colour palette");
    s.click("Colour palette");
    assert!(s.app().draft.palette_on);
    assert_eq!(
        panel_edges(&s),
        before,
        "{w}×{h}: the palette does not widen the panel"
    );
    // An out-of-range share, still being typed: its hint wraps inside the panel, and the row's
    // lock and remove stay in view.
    s.reveal_in_compose("Ratio 2");
    s.harness.get_by_label("Percent 1").click();
    s.settle();
    s.harness.get_by_label("Percent 1").type_text("120");
    s.settle();
    let (left, right) = panel_edges(&s);
    assert_eq!(
        (left, right),
        before,
        "{w}×{h}: the hint does not widen the panel"
    );
    let hints: Vec<Rect> = s
        .harness
        .query_all_by_label_contains("on Enter")
        .map(|n| n.rect())
        .collect();
    assert!(!hints.is_empty(), "{w}×{h}: the hint is shown");
    for r in hints {
        assert!(
            r.min.x >= left - 1.0 && r.max.x <= right + 1.0,
            "{w}×{h}: a hint at {r:?} reaches past the panel ({left}–{right})"
        );
    }
    for control in ["Lock colour 1", "Remove colour 1", "Ratio 1"] {
        let r = s.rect_of(control);
        assert!(
            r.min.x >= left - 1.0 && r.max.x <= right + 1.0 && r.width() >= 8.0,
            "{w}×{h}: {control} at {r:?} is outside the panel ({left}–{right})"
        );
    }
    s.harness.key_press(egui::Key::Enter);
    s.settle();
    s.reveal_in_compose("Colour palette");
    s.click("Colour palette");
    assert!(!s.app().draft.palette_on);
    assert_eq!(
        panel_edges(&s),
        before,
        "{w}×{h}: the panel's width after the palette is its width before"
    );
}

#[test]
fn palette_hints_stay_in_the_compose_panel_in_a_small_window() {
    check_palette_fits(1024.0, 640.0);
}

#[test]
fn palette_hints_stay_in_the_compose_panel_in_a_large_window() {
    check_palette_fits(1600.0, 1000.0);
}

#[test]
fn a_share_that_cannot_move_says_why() {
    let mut s = studio(1600.0, 1000.0);
    s.click("Colour palette");
    s.click("Remove colour 4");
    s.click("Lock colour 1");
    s.click("Lock colour 2");
    let p = &s.app().draft.palette;
    assert_eq!(p.len(), 3, "{p:?}");
    assert!(p.swatches()[0].locked && p.swatches()[1].locked, "{p:?}");
    assert!(s.is_disabled("Ratio 3"));
    assert!(s.has_label_containing("Every other colour is locked"));
}

#[test]
fn settings_opens_below_the_top_bar() {
    for (w, h) in [(1024.0, 640.0), (1600.0, 1000.0)] {
        let mut s = studio(w, h);
        let bar = s.rect_of("⚙ Settings");
        s.click("⚙ Settings");
        let field = s.rect_of("API key");
        let title = s
            .harness
            .query_all_by_label("Settings")
            .map(|n| n.rect())
            .find(|r| r.min.y > 0.0)
            .unwrap_or(field);
        assert!(
            title.min.y >= bar.max.y && field.min.y >= bar.max.y,
            "{w}×{h}: Settings ({title:?}) opens over the top bar ({bar:?})"
        );
    }
}

#[test]
fn the_viewer_gives_its_image_the_room_a_small_window_has() {
    let mut s = studio(1024.0, 640.0);
    s.generate_and_wait("a lighthouse at dusk");
    s.click("Result 1");
    let canvas = s.rect_of("Viewer");
    assert!(
        canvas.height() >= 340.0 && canvas.width() >= 400.0,
        "the image has most of the centre: {canvas:?}"
    );
}
