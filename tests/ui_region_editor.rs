//! The region editor, driven with the mouse: boxes land in source pixels exactly where they were
//! drawn, at any zoom and window size; move, resize, delete; a third box is refused.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use eframe::egui;
use egui_kittest::kittest::Queryable;
use ui_support::{DESK, screen_of, studio};

#[test]
fn a_dragged_box_lands_in_source_pixels_at_fit_and_at_200_percent() {
    let mut s = studio(1600.0, 1000.0);
    s.open_desk_in_editor();
    let canvas = s.rect_of("Region editor");

    // At fit.
    s.drag(
        screen_of(canvas, DESK, 1.0, 200.0, 300.0),
        screen_of(canvas, DESK, 1.0, 600.0, 700.0),
    );
    assert_eq!(s.boxes(0), vec![[200, 300, 600, 700]]);
    let req = s.app().draft.to_request(0);
    assert_eq!(req.bbox_list, Some(vec![vec![[200, 300, 600, 700]]]));

    // Zoomed to 200% about the centre: the same screen distance now covers half the pixels.
    s.click("Zoom in");
    s.drag(
        screen_of(canvas, DESK, 2.0, 640.0, 420.0),
        screen_of(canvas, DESK, 2.0, 700.0, 500.0),
    );
    assert_eq!(s.boxes(0), vec![[200, 300, 600, 700], [640, 420, 700, 500]]);
}

#[test]
fn a_box_lands_right_in_a_smaller_window_too() {
    let mut s = studio(1200.0, 800.0);
    s.open_desk_in_editor();
    let canvas = s.rect_of("Region editor");
    assert!(
        canvas.max.x <= 1200.0 && canvas.max.y <= 800.0,
        "the editor fits the window: {canvas:?}"
    );
    // Drawn from bottom-right to top-left: still stored as x1 < x2, y1 < y2.
    s.drag(
        screen_of(canvas, DESK, 1.0, 900.0, 800.0),
        screen_of(canvas, DESK, 1.0, 100.0, 60.0),
    );
    assert_eq!(s.boxes(0), vec![[100, 60, 900, 800]]);
    // A drag that leaves the image is clamped to it.
    s.app_mut().draft.references[0].boxes.clear();
    let outside = canvas.right_bottom() + egui::vec2(-2.0, -2.0);
    s.drag(screen_of(canvas, DESK, 1.0, 800.0, 800.0), outside);
    let b = s.boxes(0)[0];
    assert_eq!((b[0], b[1]), (800, 800));
    assert!(b[2] == 1024 || b[3] == 1024, "clamped to the edge: {b:?}");
}

#[test]
fn move_resize_delete_and_a_refused_third_box() {
    let mut s = studio(1600.0, 1000.0);
    s.open_desk_in_editor();
    let canvas = s.rect_of("Region editor");
    let at = |x: f32, y: f32| screen_of(canvas, DESK, 1.0, x, y);
    s.drag(at(100.0, 100.0), at(300.0, 200.0));
    s.drag(at(500.0, 500.0), at(700.0, 650.0));
    assert_eq!(s.boxes(0).len(), 2);

    // Move: drag from inside the first box by (+50, +40) pixels.
    s.drag(at(200.0, 150.0), at(250.0, 190.0));
    assert_eq!(s.boxes(0)[0], [150, 140, 350, 240]);

    // Resize: drag the second box's bottom-right corner.
    s.drag(at(700.0, 650.0), at(800.0, 900.0));
    assert_eq!(s.boxes(0)[1], [500, 500, 800, 900]);

    // A third box is refused, with a visible hint.
    s.drag(at(50.0, 700.0), at(150.0, 800.0));
    assert_eq!(s.boxes(0).len(), 2);
    assert!(s.has_label_containing("At most 2 boxes per image"));

    // Select the first box by clicking in it, then Delete removes it.
    s.harness.get_by_label("Region editor").hover();
    s.harness.hover_at(at(250.0, 190.0));
    s.harness.step();
    s.harness.drag_at(at(250.0, 190.0));
    s.harness.step();
    s.harness.drop_at(at(250.0, 190.0));
    s.settle();
    s.harness.key_press(egui::Key::Delete);
    s.settle();
    assert_eq!(s.boxes(0), vec![[500, 500, 800, 900]]);

    // Undo brings it back; redo removes it again.
    s.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    s.settle();
    assert_eq!(s.boxes(0).len(), 2);
    s.harness.key_press_modifiers(
        egui::Modifiers::COMMAND | egui::Modifiers::SHIFT,
        egui::Key::Z,
    );
    s.settle();
    assert_eq!(s.boxes(0), vec![[500, 500, 800, 900]]);
}

#[test]
fn typed_coordinates_are_clamped_to_the_image() {
    let mut s = studio(1600.0, 1000.0);
    s.open_desk_in_editor();
    let canvas = s.rect_of("Region editor");
    s.drag(
        screen_of(canvas, DESK, 1.0, 100.0, 100.0),
        screen_of(canvas, DESK, 1.0, 300.0, 200.0),
    );
    // Typed as an artist types: nothing applies until Enter, then it is clamped to the image.
    s.harness.get_by_label("Box 1 x2").click();
    s.settle();
    s.harness.get_by_label("Box 1 x2").type_text("5000");
    s.settle();
    assert_eq!(
        s.boxes(0),
        vec![[100, 100, 300, 200]],
        "nothing applied while typing"
    );
    assert!(s.has_label_containing("becomes 1024 on Enter"));
    s.harness.key_press(egui::Key::Enter);
    s.settle();
    assert_eq!(s.boxes(0), vec![[100, 100, 1024, 200]]);
}
