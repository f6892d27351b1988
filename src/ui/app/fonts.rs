//! The font for Chinese, Japanese and Korean text: looked for off the UI thread at start, added
//! after egui's own fonts when found, and — where none is installed and a prompt needs one — a
//! note, once a run, naming the package that brings one.

use std::time::Instant;

use eframe::egui;

use crate::core::draft::Draft;
use crate::msg;

use super::super::cx::CjkFont;
use super::super::jobs::Jobs;
use super::chores::Done;
use super::services::Services;

/// The fonts area.
pub(super) struct Fonts {
    /// Being looked for, found (its family), or missing.
    pub cjk: CjkFont,
    /// When the note that asks for a CJK font was shown (once a run).
    noted: Option<Instant>,
    /// The library version whose prompts were last looked through for CJK text.
    scanned: Option<u64>,
}

impl Fonts {
    /// Starts looking for the font; the first frame never waits for it (egui's own fonts draw
    /// until it arrives).
    pub fn look(svc: &mut Services) -> Fonts {
        let fonts = svc.cfg.fonts.clone();
        svc.chores.run(async move {
            let found =
                tokio::task::spawn_blocking(move || crate::core::text::fonts::cjk_from(&fonts))
                    .await;
            Done::Font(found.ok().flatten())
        });
        Fonts {
            cjk: CjkFont::Looking,
            noted: None,
            scanned: None,
        }
    }

    /// Adds the CJK face after egui's fonts (it draws only what they cannot).
    pub fn install(
        &mut self,
        ctx: &egui::Context,
        found: Option<crate::core::text::fonts::CjkFont>,
    ) {
        let Some(font) = found else {
            self.cjk = CjkFont::Missing;
            return;
        };
        let data: egui::epaint::text::Blob = font.data.clone();
        let lowest = |family| egui::InsertFontFamily {
            family,
            priority: egui::FontPriority::Lowest,
        };
        ctx.add_font(egui::FontInsert::new(
            "cjk",
            egui::FontData::from_blob(data, font.index),
            vec![
                lowest(egui::FontFamily::Proportional),
                lowest(egui::FontFamily::Monospace),
            ],
        ));
        self.cjk = CjkFont::Found(font.family);
        ctx.request_repaint();
    }

    /// Once a run, where no CJK font is installed and a prompt holds CJK text, says which
    /// package brings one.
    pub fn note_missing(&mut self, svc: &mut Services, draft: &Draft, jobs: &Jobs) {
        if self.noted.is_some() || self.cjk != CjkFont::Missing {
            return;
        }
        // The library's prompts are looked through once each time it changes, not every frame.
        let library_changed = self.scanned != Some(jobs.version);
        self.scanned = Some(jobs.version);
        let needs = crate::core::text::fonts::needs_cjk(&draft.prompt)
            || crate::core::text::fonts::needs_cjk(&draft.negative_prompt)
            || (library_changed
                && jobs
                    .shelf
                    .iter()
                    .any(|s| crate::core::text::fonts::needs_cjk(&s.prompt)));
        if needs {
            self.noted = Some(Instant::now());
            svc.notices.say_long(msg!(
                "app-no-cjk-font",
                package = crate::core::text::fonts::install_hint()
            ));
        }
    }
}
