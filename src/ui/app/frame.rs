//! One frame of the window: the views it holds, the top bar, the side panels and the centre, and
//! the keyboard (shortcuts, input methods, paste, dropped files). It only draws and pushes
//! [`Action`]s; the shell carries them out.

use std::path::PathBuf;

use eframe::egui;

use crate::core::draft::Draft;
use crate::core::settings::Panels;
use crate::core::text::i18n::Tr;
use crate::tr;

use super::super::compose::ComposeView;
use super::super::cx::{
    Action, Centre, ConnState, EditAction, SendAction, SetupAction, ShowAction, Side, ViewCx,
};
use super::super::gallery::{GalleryView, STRIP_TILE};
use super::super::queue::QueueView;
use super::super::references::ReferencesView;
use super::super::region_editor::EditorView;
use super::super::settings::SettingsView;
use super::super::spend::SpendView;
use super::super::theme;
use super::super::viewer::ViewerView;
use super::super::widgets::named_button;

/// Below this height of the centre, the viewer folds the references strip to one line.
const FOLD_BELOW: f32 = 720.0;

/// The views, each owning its state.
#[derive(Default)]
pub(super) struct Views {
    pub spend: SpendView,
    pub compose: ComposeView,
    pub references: ReferencesView,
    pub editor: EditorView,
    pub queue: QueueView,
    pub gallery: GalleryView,
    pub viewer: ViewerView,
    pub compare: crate::ui::compare::CompareView,
    pub settings: SettingsView,
    pub batch: crate::ui::batch::BatchDialog,
}

impl Views {
    /// Draws the side panels, the centre and the windows over them.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCx<'_>,
        draft: &mut Draft,
        out: &mut Vec<Action>,
    ) {
        let ctx = ui.ctx().clone();
        let width = ctx.content_rect().width();
        let full_view = self.viewer.full && matches!(cx.centre, Centre::Viewer(_));
        if !full_view && cx.settings.panels.compose {
            egui::Panel::left("compose")
                .resizable(true)
                .default_size((width * 0.25).clamp(260.0, 400.0))
                .min_size(250.0)
                .max_size((width * 0.32).max(260.0))
                .show(ui, |ui| self.compose.ui(ui, cx, draft, out));
        }
        if !full_view && cx.settings.panels.queue {
            egui::Panel::right("queue")
                .resizable(true)
                .default_size((width * 0.19).clamp(200.0, 340.0))
                .min_size(190.0)
                .max_size((width * 0.24).max(200.0))
                .show(ui, |ui| self.queue.ui(ui, cx, out));
        }
        egui::CentralPanel::default_margins().show(ui, |ui| match cx.centre {
            Centre::Viewer(key) if full_view => self.viewer.ui(ui, cx, key, out),
            _ => self.centre_ui(ui, cx, draft, out),
        });
        self.settings.ui(&ctx, cx, out);
        self.spend.ui(&ctx, cx);
        self.batch.ui(&ctx, cx, draft, out);
    }

    /// The centre: the reference strip, then the gallery, the editor (with the latest results
    /// under it) or the viewer.
    fn centre_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCx<'_>,
        draft: &Draft,
        out: &mut Vec<Action>,
    ) {
        if let ConnState::Failed { why, damaged } = cx.conn {
            theme::problem(ui, &tr!(cx.tr, "app-not-connected", why = why.as_str()));
            ui.horizontal(|ui| {
                if ui.button(cx.tr.t("app-try-again")).clicked() {
                    out.push(SetupAction::Reconnect.into());
                }
                if *damaged
                    && ui
                        .button(cx.tr.t("app-rebuild-journal"))
                        .on_hover_text(cx.tr.t("app-rebuild-journal-tip"))
                        .clicked()
                {
                    out.push(SetupAction::RepairJournal.into());
                }
            });
            return;
        }
        // A short window's viewer folds the references to one line: the image gets the room.
        let fold = matches!(cx.centre, Centre::Viewer(_)) && ui.available_height() < FOLD_BELOW;
        if !fold {
            self.references.refold();
        }
        if !(fold && self.references.folded_ui(ui, cx, draft)) {
            self.references.ui(ui, cx, draft, out);
        }
        ui.separator();
        match cx.centre {
            Centre::Gallery => self.gallery.ui(ui, cx, out),
            Centre::Editor { reference } => {
                let strip = STRIP_TILE + 54.0;
                let editor_height = (ui.available_height() - strip).max(200.0);
                ui.allocate_ui(egui::vec2(ui.available_width(), editor_height), |ui| {
                    self.editor.ui(ui, cx, draft, *reference, out);
                });
                ui.separator();
                self.gallery.strip_ui(ui, cx, out);
            }
            Centre::Viewer(key) => self.viewer.ui(ui, cx, key, out),
            Centre::Storyboard(job_id) => super::super::storyboard::ui(ui, cx, job_id, out),
            Centre::Compare(keys) => self.compare.ui(ui, cx, keys, out),
        }
    }
}

/// An input method's state, as the shortcuts need it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
enum Ime {
    #[default]
    Idle,
    Composing,
}

/// The keyboard between frames.
#[derive(Default)]
pub(super) struct Keys {
    ime: Ime,
}

impl Keys {
    /// The window's shortcuts, dropped files and pastes outside text fields. `asking`: a question
    /// or the path field is open (Ctrl+Enter and undo wait for it).
    pub fn ui(&mut self, ctx: &egui::Context, asking: bool, out: &mut Vec<Action>) {
        use egui::{Key, KeyboardShortcut, Modifiers};
        let generate = KeyboardShortcut::new(Modifiers::COMMAND, Key::Enter);
        // An input method's Enter confirms its composition; it never generates.
        let composing = self.track_composition(ctx);
        if !asking && !composing && ctx.input_mut(|i| i.consume_shortcut(&generate)) {
            out.push(SendAction::Generate.into());
        }
        if ctx.input_mut(|i| i.consume_key(Modifiers::NONE, Key::Escape)) {
            out.push(ShowAction::Back.into());
        }
        // Files dropped on the window become references, wherever they land.
        let dropped: Vec<PathBuf> = ctx.input(|i| {
            i.raw
                .dropped_files
                .iter()
                .map(|f| f.path().to_path_buf())
                .filter(|p| p.is_absolute())
                .collect()
        });
        if !dropped.is_empty() {
            out.push(EditAction::AddReferenceFiles(dropped).into());
        }
        // Text fields keep their own undo (and their own paste).
        if ctx.egui_wants_keyboard_input() || asking {
            return;
        }
        let pasted: Vec<egui::Event> = ctx.input(|i| {
            i.events
                .iter()
                .filter(|e| matches!(e, egui::Event::Paste(_) | egui::Event::PasteImage(_)))
                .cloned()
                .collect()
        });
        for event in pasted {
            match event {
                egui::Event::Paste(text) => pasted_text(&text, out),
                egui::Event::PasteImage(image) => {
                    out.push(EditAction::PastedImage(image).into());
                }
                _ => {}
            }
        }

        let redo = KeyboardShortcut::new(Modifiers::COMMAND | Modifiers::SHIFT, Key::Z);
        let redo_y = KeyboardShortcut::new(Modifiers::COMMAND, Key::Y);
        let undo = KeyboardShortcut::new(Modifiers::COMMAND, Key::Z);
        if ctx.input_mut(|i| i.consume_shortcut(&redo) || i.consume_shortcut(&redo_y)) {
            out.push(EditAction::Redo.into());
        } else if ctx.input_mut(|i| i.consume_shortcut(&undo)) {
            out.push(EditAction::Undo.into());
        }
    }

    /// Whether an input method is composing text in a field (from its preedit, until it commits
    /// or clears), this frame included.
    fn track_composition(&mut self, ctx: &egui::Context) -> bool {
        let mut during = self.ime == Ime::Composing;
        ctx.input(|i| {
            for event in &i.events {
                if let egui::Event::Ime(ime) = event {
                    match ime {
                        egui::ImeEvent::Preedit { text, .. } if !text.is_empty() => {
                            self.ime = Ime::Composing;
                            during = true;
                        }
                        egui::ImeEvent::Preedit { .. } | egui::ImeEvent::Commit(_) => {
                            self.ime = Ime::Idle;
                        }
                        _ => {}
                    }
                }
            }
        });
        if !ctx.egui_wants_keyboard_input() {
            self.ime = Ime::Idle;
        }
        during
    }
}

/// Ctrl+V of text outside a text field: an image link, or files copied in a file manager
/// (`file://` lines or plain paths), become references.
fn pasted_text(text: &str, out: &mut Vec<Action>) {
    let mut files = Vec::new();
    for line in text.lines().map(str::trim).filter(|l| !l.is_empty()) {
        if line.starts_with("https://") || line.starts_with("http://") {
            out.push(
                EditAction::AddReferenceUrl {
                    url: line.to_owned(),
                    label: None,
                }
                .into(),
            );
        } else if let Some(path) = crate::core::references::hosting::local_file(line)
            .or_else(|| Some(PathBuf::from(line)).filter(|p| p.is_absolute()))
        {
            files.push(path);
        }
    }
    if !files.is_empty() {
        out.push(EditAction::AddReferenceFiles(files).into());
    }
}

/// The top bar: the panel toggles, the connection's badge, Settings, the theme, About.
pub(super) fn top_bar_ui(
    ui: &mut egui::Ui,
    tr: Tr,
    conn: &ConnState,
    panels: Panels,
    out: &mut Vec<Action>,
) {
    ui.horizontal(|ui| {
        panel_toggle(ui, tr, Side::Compose, panels, out);
        ui.heading("Wan Studio");
        ui.separator();
        match conn {
            ConnState::Ready { server, .. } if server.is_sandbox() => {
                theme::badge(ui, tr.t("app-sandbox-badge"), theme::SANDBOX)
                    .on_hover_text(tr.t("app-sandbox-tip"));
            }
            ConnState::Ready { server, .. } => {
                theme::badge(
                    ui,
                    &tr!(tr, "app-live", server = server.label()),
                    theme::LIVE,
                )
                .on_hover_text(tr.t("app-live-tip"));
            }
            ConnState::Failed { .. } => {
                theme::badge(ui, tr.t("app-not-connected-badge"), theme::ERROR);
            }
            ConnState::Connecting => {
                ui.spinner();
                ui.label(tr.t("app-connecting"));
            }
        }
        ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
            panel_toggle(ui, tr, Side::Queue, panels, out);
            if ui
                .button(tr.t("app-settings"))
                .on_hover_text(tr.t("app-settings-tip"))
                .clicked()
            {
                out.push(ShowAction::Settings.into());
            }
            let dark = ui.visuals().dark_mode;
            let (icon, tip) = if dark {
                ("☀", tr.t("app-light-theme"))
            } else {
                ("🌙", tr.t("app-dark-theme"))
            };
            if named_button(ui, true, egui::Button::new(icon), tip)
                .on_hover_text(tip)
                .clicked()
            {
                out.push(SetupAction::ToggleTheme.into());
            }
            if named_button(ui, true, egui::Button::new("ℹ"), tr.t("app-about"))
                .on_hover_text(tr.t("app-about-tip"))
                .clicked()
            {
                out.push(ShowAction::About.into());
            }
        });
    });
}

/// The ⏴/⏵ button that opens or collapses a side panel; the arrow points the way the panel will
/// go.
fn panel_toggle(ui: &mut egui::Ui, tr: Tr, side: Side, panels: Panels, out: &mut Vec<Action>) {
    let (open, name) = match side {
        Side::Compose if panels.compose => (true, tr.t("app-hide-compose")),
        Side::Compose => (false, tr.t("app-show-compose")),
        Side::Queue if panels.queue => (true, tr.t("app-hide-queue")),
        Side::Queue => (false, tr.t("app-show-queue")),
    };
    // The compose panel is on the left: open, it collapses leftwards; the queue the other way.
    let face = if open == (side == Side::Compose) {
        "⏴"
    } else {
        "⏵"
    };
    if named_button(ui, true, egui::Button::new(face), name)
        .on_hover_text(name)
        .clicked()
    {
        out.push(ShowAction::TogglePanel(side).into());
    }
}
