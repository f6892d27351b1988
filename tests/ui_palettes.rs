//! Palettes in the window: the eyedropper takes the colour under a click in the region editor and
//! in the viewer into a colour of the palette; a palette is named, kept, put back and forgotten,
//! and the kept ones survive a restart.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use eframe::egui;
use egui_kittest::kittest::Queryable;
use ui_support::{Studio, screen_of, studio, studio_in};
use wan_studio::core::palette::palettes::SavedPalettes;
use wan_studio::core::settings::Paths;
use wan_studio::ui::Centre;

/// A file as the OS hands a drop to the window.
#[derive(Debug)]
struct Dropped(PathBuf);

impl egui::DroppedFile for Dropped {
    fn path(&self) -> &Path {
        &self.0
    }
    fn bytes(&self) -> Result<Vec<u8>, String> {
        std::fs::read(&self.0).map_err(|e| e.to_string())
    }
}

const RED: [u8; 3] = [200, 30, 40];
const BLUE: [u8; 3] = [20, 60, 200];
const PICTURE: (f32, f32) = (600.0, 400.0);

/// A 600 × 400 picture, red on the left half and blue on the right, dropped on the window and
/// opened in the region editor.
fn two_colour_reference_in_editor(s: &mut Studio, dir: &Path) {
    let path = dir.join("two-colours.png");
    let img = image::RgbImage::from_fn(600, 400, |x, _| {
        image::Rgb(if x < 300 { RED } else { BLUE })
    });
    img.save(&path).unwrap();
    s.harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(path)));
    s.settle();
    s.wait("the picture to be looked at", |app| {
        app.draft
            .references
            .first()
            .is_some_and(|r| r.dims == Some((600, 400)))
    });
    s.click("Reference 1");
    s.wait("the editor to show it", |app| {
        *app.centre() == Centre::Editor { reference: 0 }
    });
    // The texture (and the pixels the eyedropper reads) arrive from the loader.
    for _ in 0..200 {
        s.harness.step();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    s.settle();
}

fn click_at(s: &mut Studio, at: egui::Pos2) {
    s.harness.hover_at(at);
    s.harness.step();
    s.harness.drag_at(at);
    s.harness.step();
    s.harness.drop_at(at);
    s.settle();
}

fn rgb(s: &Studio, i: usize) -> [u8; 3] {
    s.app().draft.palette.swatches()[i].rgb
}

#[test]
fn the_eyedropper_takes_the_colour_under_a_click_into_the_chosen_colour() {
    let mut s = studio(1600.0, 1000.0);
    let dir = tempfile::tempdir().unwrap();
    two_colour_reference_in_editor(&mut s, dir.path());
    assert!(!s.app().draft.palette_on);
    let canvas = s.rect_of("Region editor");
    let at = |x: f32, y: f32| screen_of(canvas, PICTURE, 1.0, x, y);

    // The toolbar's eyedropper, into colour 1: a click on the blue half.
    s.click("Eyedropper");
    click_at(&mut s, at(450.0, 200.0));
    assert!(
        s.app().draft.palette_on,
        "picking a colour turns the palette on"
    );
    assert_eq!(rgb(&s, 0), BLUE);
    assert!(
        s.app().draft.references[0].boxes.is_empty(),
        "a pick is not a box"
    );
    // The palette total is untouched by a colour change.
    assert_eq!(s.app().draft.palette.total(), 10_000);

    // Armed from the palette's own row for colour 2: a click on the red half.
    let second = rgb(&s, 1);
    s.click("Pick colour 2 from an image");
    click_at(&mut s, at(100.0, 300.0));
    assert_eq!(rgb(&s, 1), RED);
    assert_eq!(rgb(&s, 0), BLUE, "colour 1 kept its pick");

    // One pick is one undo step.
    s.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::Z);
    s.settle();
    assert_eq!(rgb(&s, 1), second, "Ctrl+Z takes the pick back");
    assert_eq!(rgb(&s, 0), BLUE);

    // Escape puts the eyedropper down: a click on the image then draws nothing and picks nothing.
    s.click("Pick colour 3 from an image");
    s.harness.key_press(egui::Key::Escape);
    s.settle();
    assert_eq!(
        *s.app().centre(),
        Centre::Editor { reference: 0 },
        "the editor stays"
    );
    let third = rgb(&s, 2);
    click_at(&mut s, at(450.0, 100.0));
    assert_eq!(rgb(&s, 2), third);
}

#[test]
fn the_eyedropper_in_the_viewer_reads_the_result_itself() {
    let mut s = studio(1600.0, 1000.0);
    s.generate_and_wait("a lighthouse at dusk");
    s.click("Result 1");
    s.wait("the viewer", |app| {
        matches!(app.centre(), Centre::Viewer(_))
    });
    for _ in 0..200 {
        s.harness.step();
        std::thread::sleep(std::time::Duration::from_millis(5));
    }
    s.settle();
    let job = s.app().jobs()[0].clone();
    let result = &job.results[0];
    let file = image::open(&result.path).unwrap().to_rgb8();
    let (w, h) = file.dimensions();
    let canvas = s.rect_of("Viewer");
    // At fit the image is centred in the canvas: a point a third of the way in.
    let dims = (w as f32, h as f32);
    let (x, y) = (w / 3, h / 3);
    let at = screen_of(canvas, dims, 1.0, x as f32 + 0.5, y as f32 + 0.5);
    s.click("Eyedropper");
    click_at(&mut s, at);
    let picked = rgb(&s, 0);
    // The pixel under the pointer, give or take one pixel of rounding between screen and image.
    let near: Vec<[u8; 3]> = (x.saturating_sub(1)..=x + 1)
        .flat_map(|px| (y.saturating_sub(1)..=y + 1).map(move |py| (px, py)))
        .map(|(px, py)| file.get_pixel(px, py).0)
        .collect();
    assert!(near.contains(&picked), "{picked:?} is not near {near:?}");
    assert!(s.app().draft.palette_on);
}

#[test]
fn a_palette_is_named_kept_put_back_and_forgotten_and_survives_a_restart() {
    let mut s = studio(1600.0, 1000.0);
    s.click("Colour palette");
    assert!(s.app().draft.palette_on);
    let kept = s.app().draft.palette.clone();
    s.type_into("Palette name", "Autumn dusk");
    // Saved on disk, off the UI thread.
    let paths = Paths::new(s.home.path());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while SavedPalettes::load(&paths)
        .unwrap()
        .get("Autumn dusk")
        .is_none()
    {
        assert!(std::time::Instant::now() < deadline, "never written");
        s.harness.step();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
    assert_eq!(
        SavedPalettes::load(&paths).unwrap().get("Autumn dusk"),
        Some(&kept)
    );

    // Change the form's palette, then put the kept one back from the menu.
    s.harness.get_by_label("Hex 1").click();
    s.settle();
    s.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    s.harness.get_by_label("Hex 1").type_text("#123456");
    s.harness.key_press(egui::Key::Enter);
    s.settle();
    assert_eq!(rgb(&s, 0), [0x12, 0x34, 0x56]);
    s.click("Saved palettes");
    s.click("Autumn dusk");
    assert_eq!(s.app().draft.palette, kept);

    // A restart: the kept palette is still offered.
    let Studio { harness, home, rt } = s;
    drop(harness);
    drop(rt);
    let mut s = studio_in(1600.0, 1000.0, home, |_| {});
    s.click("Colour palette");
    s.click("Saved palettes");
    assert!(s.harness.query_by_label("Autumn dusk").is_some());
    s.click("Delete palette Autumn dusk");
    let paths = Paths::new(s.home.path());
    let deadline = std::time::Instant::now() + std::time::Duration::from_secs(10);
    while !SavedPalettes::load(&paths).unwrap().is_empty() {
        assert!(std::time::Instant::now() < deadline, "never forgotten");
        s.harness.step();
        std::thread::sleep(std::time::Duration::from_millis(10));
    }
}
