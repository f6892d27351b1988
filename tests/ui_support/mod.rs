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
    let rt = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .unwrap();
    let home = tempfile::tempdir().unwrap();
    let mut cfg = AppConfig::new(
        rt.handle().clone(),
        Paths::new(home.path()),
        Arc::new(MemoryKeyStore::default()),
    );
    cfg.sandbox_delay = sandbox_delay;
    cfg.sandbox_per_image = Duration::ZERO;
    cfg.poll_interval = Duration::from_millis(40);
    cfg.restore = false;
    let harness = Harness::builder()
        .with_size(egui::vec2(w, h))
        .with_max_steps(10_000)
        .build_eframe(move |cc| StudioApp::new(cc, cfg));
    let mut s = Studio { harness, home, rt };
    s.wait("the backend to connect", StudioApp::is_ready);
    s
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

    pub fn has_label_containing(&self, text: &str) -> bool {
        self.harness
            .query_all_by_label_contains(text)
            .next()
            .is_some()
    }
}

/// Where image pixel `(x, y)` of a `dims` image is on screen in an editor of `canvas`, at
/// `zoom` times the fit, centred (no pan): computed here independently of the app's transform.
pub fn screen_of(canvas: Rect, dims: (f32, f32), zoom: f32, x: f32, y: f32) -> Pos2 {
    let scale = (canvas.width() / dims.0).min(canvas.height() / dims.1) * zoom;
    canvas.center() + egui::vec2((x - dims.0 / 2.0) * scale, (y - dims.1 / 2.0) * scale)
}
