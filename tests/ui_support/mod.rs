//! The studio window under egui_kittest: a real `StudioApp` on a real sandbox, no GPU.
#![allow(dead_code, clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui::{self, Pos2, Rect};
use egui_kittest::Harness;
use egui_kittest::kittest::{NodeT, Queryable};
use wan_studio::core::settings::{MemoryKeyStore, Paths};
use wan_studio::ui::{AppConfig, StudioApp};

pub struct Studio {
    pub harness: Harness<'static, StudioApp>,
    pub home: tempfile::TempDir,
    // Declared last: dropped after the harness (whose app holds handles to it).
    pub rt: tokio::runtime::Runtime,
}

/// A window of `w × h` points, connected to its own sandbox, with short timings.
pub fn studio(w: f32, h: f32) -> Studio {
    studio_with(w, h, Duration::from_millis(150))
}

/// Like [`studio`], with the sandbox taking `sandbox_delay` over each task.
pub fn studio_with(w: f32, h: f32, sandbox_delay: Duration) -> Studio {
    studio_in(w, h, tempfile::tempdir().unwrap(), |cfg| {
        cfg.sandbox_delay = sandbox_delay;
    })
}

/// A window on the data folder `home`, its configuration adjusted by `adjust`.
pub fn studio_in(
    w: f32,
    h: f32,
    home: tempfile::TempDir,
    adjust: impl FnOnce(&mut AppConfig),
) -> Studio {
    let mut s = build(w, h, home, adjust);
    s.wait("the backend to connect", StudioApp::is_ready);
    s
}

/// The window, not yet connected.
fn build(w: f32, h: f32, home: tempfile::TempDir, adjust: impl FnOnce(&mut AppConfig)) -> Studio {
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let mut cfg = AppConfig::new(
        rt.handle().clone(),
        Paths::new(home.path()),
        Arc::new(MemoryKeyStore::default()),
    );
    cfg.fonts = wan_studio::core::text::fonts::FontSource::None;
    cfg.sandbox_delay = Duration::from_millis(150);
    cfg.sandbox_per_image = Duration::ZERO;
    cfg.poll_interval = Duration::from_millis(40);
    cfg.retry_base = Duration::from_millis(50);
    cfg.restore = false;
    // No desktop here: file actions must fall back to the built-in path field.
    cfg.picker = Arc::new(wan_studio::ui::dialogs::NoPicker);
    adjust(&mut cfg);
    let harness = Harness::builder()
        .with_size(egui::vec2(w, h))
        .with_max_steps(10_000)
        .build_eframe(move |cc| StudioApp::new(cc, cfg));
    Studio { harness, home, rt }
}

/// A window on `home` that may fail to connect (a damaged journal): nothing is waited for.
pub fn studio_unready(w: f32, h: f32, home: tempfile::TempDir) -> Studio {
    build(w, h, home, |_| {})
}

impl Studio {
    pub fn app(&self) -> &StudioApp {
        self.harness.state()
    }

    pub fn app_mut(&mut self) -> &mut StudioApp {
        self.harness.state_mut()
    }

    /// Steps frames (real time passes) until `pred` holds, for up to 30 s.
    pub fn wait(&mut self, what: &str, pred: impl Fn(&StudioApp) -> bool) {
        let deadline = Instant::now() + Duration::from_secs(30);
        loop {
            self.harness.step();
            if pred(self.harness.state()) {
                return;
            }
            assert!(Instant::now() < deadline, "timed out waiting for {what}");
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// A few frames, for layout and events to settle.
    pub fn settle(&mut self) {
        for _ in 0..4 {
            self.harness.step();
        }
    }

    pub fn click(&mut self, label: &str) {
        self.harness.get_by_label(label).click();
        self.settle();
    }

    pub fn rect_of(&self, label: &str) -> Rect {
        self.harness.get_by_label(label).rect()
    }

    /// Press at `from`, move through the middle to `to`, release: as a mouse does.
    pub fn drag(&mut self, from: Pos2, to: Pos2) {
        let h = &mut self.harness;
        h.hover_at(from);
        h.step();
        h.drag_at(from);
        h.step();
        for t in [0.25, 0.5, 0.75, 1.0] {
            h.hover_at(from + (to - from) * t);
            h.step();
        }
        h.drop_at(to);
        h.step();
        self.settle();
    }

    /// Adds the sandbox's desk sample (1024 × 1024) and opens it in the region editor.
    pub fn open_desk_in_editor(&mut self) {
        self.click("Add sample desk.jpg");
        self.click("Reference 1");
        self.wait("the reference to load", |app| {
            app.draft
                .references
                .first()
                .is_some_and(|r| r.dims == Some((1024, 1024)))
        });
        self.settle();
    }

    pub fn boxes(&self, reference: usize) -> Vec<[i64; 4]> {
        self.app().draft.references[reference].boxes.clone()
    }

    pub fn is_disabled(&self, label: &str) -> bool {
        self.harness
            .get_by_label(label)
            .accesskit_node()
            .is_disabled()
    }

    /// Sets the API address in Settings, as an artist would, and waits until it is saved.
    pub fn set_api_address(&mut self, url: &str) {
        self.click("⚙ Settings");
        self.harness
            .get_by_label("API base URL")
            .set_text_value_accesskit(url);
        self.settle();
        self.click("Save");
        self.wait("the address to be saved", |app| {
            app.settings().base_url == url
        });
    }

    /// Types a key into Settings (opening it if needed) and presses Save key.
    pub fn enter_key(&mut self, key: &str) {
        if self.harness.query_by_label("API key").is_none() {
            self.click("⚙ Settings");
        }
        self.harness.get_by_label("API key").click();
        self.harness.get_by_label("API key").type_text(key);
        self.settle();
        self.click("Save key");
    }

    /// Types `text` into the field labelled `label` and commits it with Enter.
    pub fn type_into(&mut self, label: &str, text: &str) {
        self.harness.get_by_label(label).click();
        self.settle();
        self.harness.get_by_label(label).type_text(text);
        self.settle();
        self.harness.key_press(egui::Key::Enter);
        self.settle();
    }

    /// Writes a prompt and picks 1K (fast in the sandbox).
    pub fn write_prompt(&mut self, prompt: &str) {
        self.harness.get_by_label("Prompt").click();
        self.harness.get_by_label("Prompt").type_text(prompt);
        self.settle();
        self.click("1K");
    }

    /// Generates and waits until the first job is done.
    pub fn generate_and_wait(&mut self, prompt: &str) {
        self.write_prompt(prompt);
        self.click("Generate");
        self.wait("the job to finish", |app| {
            app.jobs()
                .first()
                .is_some_and(|j| j.state == wan_studio::core::library::journal::JobState::Completed)
        });
        self.settle();
    }

    /// Steps frames for `d` of real time (for things that must *not* happen).
    pub fn idle(&mut self, d: Duration) {
        let until = Instant::now() + d;
        while Instant::now() < until {
            self.harness.step();
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// Steps frames until a label containing `text` is on screen, for up to 30 s.
    pub fn wait_for_label(&mut self, text: &str) {
        let deadline = Instant::now() + Duration::from_secs(30);
        while !self.has_label_containing(text) {
            assert!(Instant::now() < deadline, "timed out waiting for '{text}'");
            self.harness.step();
            std::thread::sleep(Duration::from_millis(10));
        }
    }

    /// The value of the field labelled `label`.
    pub fn value_of(&self, label: &str) -> String {
        self.harness
            .get_by_label(label)
            .accesskit_node()
            .value()
            .unwrap_or_default()
    }

    /// Scrolls the compose form down until the control labelled `label` is laid out in view
    /// (a small window shows the palette's rows only after scrolling), with the mouse wheel
    /// over the form as an artist would.
    pub fn reveal_in_compose(&mut self, label: &str) {
        // Over the form, just above the footer (which never scrolls).
        let generate = self.rect_of("Generate");
        let over = egui::pos2(generate.center().x, generate.min.y - 60.0);
        // In view: laid out, and above the footer (the form scrolls under it, clipped).
        let in_view = |s: &Self| {
            let footer = s.rect_of("Generate").min.y - 24.0;
            s.harness
                .query_by_label(label)
                .is_some_and(|n| n.rect().max.y < footer)
        };
        for _ in 0..30 {
            if in_view(self) {
                return;
            }
            self.harness.hover_at(over);
            self.harness.event(egui::Event::MouseWheel {
                unit: egui::MouseWheelUnit::Point,
                delta: egui::vec2(0.0, -60.0),
                phase: egui::TouchPhase::Move,
                source: egui::MouseWheelSource::Unknown,
                modifiers: egui::Modifiers::NONE,
            });
            self.settle();
        }
        assert!(in_view(self), "{label} never came into view");
    }

    pub fn has_label_containing(&self, text: &str) -> bool {
        self.harness
            .query_all_by_label_contains(text)
            .next()
            .is_some()
    }
}

/// The sandbox's desk sample.
pub const DESK: (f32, f32) = (1024.0, 1024.0);

/// Where image pixel `(x, y)` of a `dims` image is on screen in an editor of `canvas`, at
/// `zoom` times the fit, centred (no pan): computed here independently of the app's transform.
pub fn screen_of(canvas: Rect, dims: (f32, f32), zoom: f32, x: f32, y: f32) -> Pos2 {
    let scale = (canvas.width() / dims.0).min(canvas.height() / dims.1) * zoom;
    canvas.center() + egui::vec2((x - dims.0 / 2.0) * scale, (y - dims.1 / 2.0) * scale)
}
