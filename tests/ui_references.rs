//! References from anywhere, in the window: a file dropped on it, an image pasted with Ctrl+V, and a
//! box drawn on a photo that is downscaled before it is sent, which reaches the request in the
//! uploaded image's pixels (Sandbox mode: its own hosting, no setup).
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod ui_support;

use std::path::{Path, PathBuf};
use std::sync::Arc;

use eframe::egui;
use egui_kittest::kittest::Queryable;
use ui_support::{screen_of, studio};
use wan_studio::core::library::journal::JobState;

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

#[path = "common/photos.rs"]
mod photos;
use photos::rotated_photo;

#[test]
fn a_file_dropped_on_the_window_becomes_a_reference_shown_upright() {
    let mut s = studio(1600.0, 1000.0);
    let dir = tempfile::tempdir().unwrap();
    let photo = rotated_photo(dir.path());
    s.harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(photo.clone())));
    s.settle();
    assert_eq!(
        s.app().draft.references.len(),
        1,
        "the drop made a reference"
    );
    assert_eq!(s.app().draft.references[0].label, "photo.jpg");
    s.wait("the photo to be looked at", |app| {
        app.draft.references[0].dims.is_some()
    });
    assert_eq!(
        s.app().draft.references[0].dims,
        Some((400, 300)),
        "boxes live in the pixels of the picture as a viewer shows it"
    );
    s.settle();
    assert!(
        s.has_label_containing("Rotated as its camera recorded"),
        "the card says what will be done before it is sent"
    );
    assert!(s.harness.query_by_label("Reference 1").is_some());
}

#[test]
fn an_image_pasted_with_ctrl_v_becomes_a_reference() {
    let mut s = studio(1600.0, 1000.0);
    let pixels = vec![egui::Color32::from_rgb(40, 120, 200); 320 * 260];
    let image = egui::ColorImage::new([320, 260], pixels);
    s.harness.event(egui::Event::PasteImage(Arc::new(image)));
    s.wait("the pasted image to be kept and added", |app| {
        app.draft.references.len() == 1
    });
    let r = &s.app().draft.references[0];
    assert!(
        r.label.starts_with("pasted-")
            && std::path::Path::new(&r.label).extension() == Some("png".as_ref()),
        "{}",
        r.label
    );
    s.wait("the pasted image to load", |app| {
        app.draft.references[0].dims == Some((320, 260))
    });

    // A link pasted outside any text field is a reference too.
    s.harness.event(egui::Event::Paste(
        "https://images.example/harbour.jpg".into(),
    ));
    s.settle();
    assert_eq!(s.app().draft.references.len(), 2);
    assert_eq!(
        s.app().draft.references[1].url,
        "https://images.example/harbour.jpg"
    );
}

#[test]
fn a_box_drawn_on_a_photo_too_large_reaches_the_request_in_the_uploaded_pixels() {
    let mut s = studio(1600.0, 1000.0);
    let dir = tempfile::tempdir().unwrap();
    // 9600×2400: sent at 8000×2000 (the provider's limit is 8000 a side).
    let big = image::RgbImage::from_fn(9600, 2400, |x, _| {
        image::Rgb([u8::try_from(x / 40 % 256).unwrap(), 110, 70])
    });
    let path = dir.path().join("panorama.png");
    big.save(&path).unwrap();
    s.harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(path)));
    s.settle();
    s.wait("the panorama to be looked at", |app| {
        app.draft
            .references
            .first()
            .is_some_and(|r| r.dims.is_some())
    });
    s.click("Reference 1");
    let canvas = s.rect_of("Region editor");
    let dims = (9600.0, 2400.0);
    s.drag(
        screen_of(canvas, dims, 1.0, 1200.0, 600.0),
        screen_of(canvas, dims, 1.0, 3600.0, 1800.0),
    );
    let drawn = s.boxes(0);
    assert_eq!(drawn.len(), 1);
    let [x0, y0, x1, y1] = drawn[0];
    // Within a screen pixel of where it was drawn (the canvas shows 9600 px in ~1000).
    let near = |v: i64, want: i64| (v - want).abs() <= 12;
    assert!(
        near(x0, 1200) && near(y0, 600) && near(x1, 3600) && near(y1, 1800),
        "{drawn:?}"
    );

    s.write_prompt("a kite over the dunes");
    s.click("Generate");
    s.wait("the job to be sent and finish", |app| {
        app.jobs().iter().any(|j| j.state == JobState::Completed)
    });
    let job = s.app().jobs()[0].clone();
    assert!(
        job.request.image_urls[0].contains("/uploads/"),
        "sent through the sandbox's own hosting: {:?}",
        job.request.image_urls
    );
    let scale = |v: i64| (v as f64 * 8000.0 / 9600.0).round() as i64;
    assert_eq!(
        job.request.bbox_list,
        Some(vec![vec![[scale(x0), scale(y0), scale(x1), scale(y1)]]]),
        "the box drawn on 9600×2400 lands on the same place of the 8000×2000 sent"
    );
}

#[path = "common/s3.rs"]
mod s3;

const API_KEY: &str = "sk-live-hosting-test-0123456789";

#[test]
fn reference_hosting_is_tested_in_settings_and_a_dropped_photo_goes_to_the_api_through_the_bucket()
{
    let bucket = s3::S3Server::start();
    let mut s = studio(1600.0, 1000.0);
    // The API: a sandbox on loopback that insists on a key, as reAPI would.
    let api =
        s.rt.block_on(wan_studio::sandbox::Sandbox::start(
            wan_studio::sandbox::SandboxConfig {
                key: Some(API_KEY.to_owned()),
                base_delay: std::time::Duration::from_millis(100),
                per_image_delay: std::time::Duration::ZERO,
                ..Default::default()
            },
        ))
        .unwrap();
    s.set_api_address(api.base_url().as_str());

    // Settings › Reference hosting, filled in as an artist would; a wrong secret first.
    s.click("⚙ Settings");
    let fill = |s: &mut ui_support::Studio, label: &str, text: &str| {
        s.harness.get_by_label(label).set_text_value_accesskit(text);
        s.settle();
    };
    fill(&mut s, "Storage endpoint", &bucket.endpoint());
    fill(&mut s, "Region", "us-east-1");
    fill(&mut s, "Bucket", s3::BUCKET);
    fill(&mut s, "Access key ID", s3::ACCESS_KEY);
    fill(&mut s, "Secret access key", "not-the-secret");
    s.click("Path-style addressing");
    s.click("Test");
    s.wait_for_label("Test failed: the storage refused the access key or secret");
    fill(&mut s, "Secret access key", s3::SECRET);
    s.click("Test");
    s.wait_for_label("✔ Works: uploaded, and read back through a presigned link.");
    assert!(
        s.harness.query_all_by_value(s3::SECRET).next().is_none(),
        "the secret is never shown"
    );
    s.click("Save");
    s.wait("hosting to be saved", |app| {
        app.settings().reference_host.is_some()
    });

    // Now the API, with a key.
    s.enter_key(API_KEY);
    s.wait("the switch to the API", |app| {
        matches!(
            app.server(),
            Some(wan_studio::core::api::server::Server::Api(_))
        )
    });
    s.settle();
    if s.harness.query_by_label("Save").is_some() {
        s.click("Cancel");
    }
    let dir = tempfile::tempdir().unwrap();
    let photo = rotated_photo(dir.path());
    s.harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(photo)));
    s.settle();
    s.wait("the photo to be looked at", |app| {
        app.draft
            .references
            .first()
            .is_some_and(|r| r.dims.is_some())
    });
    s.write_prompt("a cat on the desk");
    s.click("Generate");
    s.wait("the job to finish", |app| {
        app.jobs().iter().any(|j| j.state == JobState::Completed)
    });
    let sent = api.requests().remove(0);
    assert!(
        sent.image_urls[0].starts_with(&format!("{}/{}/", bucket.endpoint(), s3::BUCKET))
            && sent.image_urls[0].contains("X-Amz-Signature="),
        "the API fetched the photo through a presigned link: {}",
        sent.image_urls[0]
    );
    assert_eq!(bucket.objects().len(), 2, "the test image and the photo");
}

#[test]
fn images_opened_with_the_app_are_its_references_and_add_files_falls_back_to_a_path_field() {
    let files = tempfile::tempdir().unwrap();
    let photo = rotated_photo(files.path());
    let home = tempfile::tempdir().unwrap();
    let opened = photo.clone();
    let mut s = ui_support::studio_in(1600.0, 1000.0, home, move |cfg| {
        cfg.open = vec![opened];
    });
    assert_eq!(
        s.app().draft.references.len(),
        1,
        "\"Open with\" made a reference"
    );
    assert_eq!(s.app().draft.references[0].label, "photo.jpg");

    // No file dialog on this desktop: Add files… offers the path field instead.
    s.click("Add files…");
    assert!(s.has_label_containing("Image file to add as a reference"));
    let second = files.path().join("second.png");
    image::RgbImage::from_pixel(400, 400, image::Rgb([200, 90, 40]))
        .save(&second)
        .unwrap();
    s.harness
        .get_by_label("Path")
        .set_text_value_accesskit(second.to_str().unwrap());
    s.settle();
    s.click("Use this path");
    s.wait("the PNG to be looked at and added", |app| {
        app.draft.references.len() == 2
    });
    assert_eq!(s.app().draft.references[1].label, "second.png");
}

#[test]
fn an_image_wan_studio_made_offers_its_settings_back_or_to_be_a_reference() {
    let mut s = studio(1600.0, 1000.0);
    s.generate_and_wait("a lighthouse in fog");
    let made = s.app().jobs()[0].results[0].path.clone();
    let copy = s.home.path().join("lighthouse.png");
    std::fs::copy(&made, &copy).unwrap();

    // A fresh form, then the image is dropped: its settings come back.
    s.harness.get_by_label("Prompt").click();
    s.harness
        .key_press_modifiers(egui::Modifiers::COMMAND, egui::Key::A);
    s.harness.key_press(egui::Key::Backspace);
    s.settle();
    assert_eq!(s.app().draft.prompt, "");
    s.harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(copy.clone())));
    s.settle();
    s.wait_for_label("Made with Wan Studio");
    s.click("Restore its settings");
    assert_eq!(s.app().draft.prompt, "a lighthouse in fog");
    assert!(
        s.app().draft.references.is_empty(),
        "not added as a reference"
    );

    // Dropped again: this time as a reference.
    s.harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(copy)));
    s.settle();
    s.wait_for_label("Made with Wan Studio");
    s.click("Use as reference");
    assert_eq!(s.app().draft.references.len(), 1);
    assert_eq!(s.app().draft.references[0].label, "lighthouse.png");
}

#[test]
fn settings_with_reference_hosting_fit_the_smallest_window() {
    let mut s = studio(1024.0, 640.0);
    s.click("⚙ Settings");
    for label in ["Save", "Cancel"] {
        let r = s.rect_of(label);
        assert!(
            r.max.y <= 640.0 && r.max.x <= 1024.0,
            "{label} is inside the 1024×640 window: {r:?}"
        );
    }
}

#[test]
fn transparency_is_flattened_onto_the_colour_chosen_in_settings() {
    let home = tempfile::tempdir().unwrap();
    let settings = wan_studio::core::settings::AppSettings {
        flatten_onto: [0x20, 0x20, 0x20],
        ..Default::default()
    };
    settings
        .save(&wan_studio::core::settings::Paths::new(home.path()))
        .unwrap();
    let mut s = ui_support::studio_in(1600.0, 1000.0, home, |_| {});
    s.wait("the settings to load", |app| {
        app.settings().flatten_onto == [0x20, 0x20, 0x20]
    });
    let dir = tempfile::tempdir().unwrap();
    let cutout = dir.path().join("cutout.png");
    image::RgbaImage::from_fn(400, 300, |x, _| {
        if x < 200 {
            image::Rgba([0, 0, 255, 255])
        } else {
            image::Rgba([0, 0, 0, 0])
        }
    })
    .save(&cutout)
    .unwrap();
    s.harness
        .input_mut()
        .dropped_files
        .push(Arc::new(Dropped(cutout)));
    s.settle();
    s.wait("the cut-out to be looked at", |app| {
        app.draft
            .references
            .first()
            .is_some_and(|r| r.note.is_some())
    });
    assert_eq!(
        s.app().draft.references[0].note.as_deref().map(|n| {
            wan_studio::core::references::preflight::summary_of(
                n,
                wan_studio::core::text::i18n::Lang::En,
            )
        }),
        Some("Transparency flattened onto #202020.".to_owned())
    );
    assert!(s.has_label_containing("ℹ Transparency flattened onto #202020."));
    s.write_prompt("a blue shape on grey");
    s.click("Generate");
    s.wait("the job to finish", |app| {
        app.jobs().iter().any(|j| j.state == JobState::Completed)
    });
    let link = s.app().jobs()[0].request.image_urls[0].clone();
    let bytes =
        s.rt.block_on(async { reqwest::get(&link).await.unwrap().bytes().await.unwrap() });
    let sent = image::load_from_memory(&bytes).unwrap().to_rgb8();
    assert_eq!(sent.get_pixel(10, 10).0, [0, 0, 255]);
    assert_eq!(
        sent.get_pixel(390, 10).0,
        [0x20, 0x20, 0x20],
        "what was sent is flattened as chosen"
    );
}
