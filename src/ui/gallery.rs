//! The gallery: every result, newest first, series kept together and in order. Only visible rows are
//! laid out; thumbnails come through the texture cache.

use eframe::egui::{self, RichText};

use crate::core::engine::{ExportDest, ImageSource};
use crate::core::journal::{JobRecord, ResultRecord};

use super::app::{Chore, Confirm, StudioApp};
use super::textures::{Request, TexState};
use super::theme;

pub const TILE: f32 = 168.0;
const CAPTION: f32 = 20.0;
const GAP: f32 = 8.0;

pub(crate) fn thumb_key(job_id: &str, index: u32) -> String {
    format!("thumb:{job_id}:{index}")
}

fn thumb_request(r: &ResultRecord) -> Request {
    Request {
        source: ImageSource::File(r.thumbnail.clone()),
        max_side: crate::core::imaging::THUMBNAIL_SIDE,
        reference: false,
        keep_pixels: false,
    }
}

#[derive(Clone, Copy)]
enum TileAction {
    Open,
    Toggle,
    UseAsReference,
    Reuse,
    Export,
    Delete,
}

impl StudioApp {
    pub(crate) fn gallery_ui(&mut self, ui: &mut egui::Ui) {
        let total = self.gallery.len();
        ui.horizontal(|ui| {
            ui.heading("Gallery");
            ui.label(
                RichText::new(format!(
                    "{total} result{}",
                    if total == 1 { "" } else { "s" }
                ))
                .weak(),
            );
            if !self.selection.is_empty() {
                ui.separator();
                let n = self.selection.len();
                if ui
                    .button(format!("Export {n} selected…"))
                    .on_hover_text("Choose a folder; existing files are never replaced")
                    .clicked()
                {
                    let items: Vec<(String, u32)> = self.selection.iter().cloned().collect();
                    self.export_to_folder(items);
                }
                let folder = self.export_dir();
                if ui
                    .button("Quick export")
                    .on_hover_text(format!(
                        "Save the selection into {} without asking",
                        folder.display()
                    ))
                    .clicked()
                {
                    let items: Vec<(String, u32)> = self.selection.iter().cloned().collect();
                    self.send(crate::core::engine::Command::Export {
                        items,
                        dest: ExportDest::Folder(folder),
                    });
                }
                if ui.button("Clear selection").clicked() {
                    self.selection.clear();
                }
            } else if total > 0 {
                theme::hint(
                    ui,
                    "Click a result to open it · Ctrl+click selects several for export",
                );
            }
        });
        if total == 0 {
            ui.add_space(40.0);
            ui.vertical_centered(|ui| {
                ui.label(RichText::new("No results yet").heading());
                theme::hint(ui, "Write a prompt and press Generate: results land here the moment they are safely copied to your library.");
            });
            return;
        }
        let cols = (((ui.available_width() + GAP) / (TILE + GAP)).floor() as usize).max(1);
        let rows = total.div_ceil(cols);
        let mut action: Option<(usize, TileAction)> = None;
        egui::ScrollArea::vertical()
            .id_salt("gallery")
            .auto_shrink([false, false])
            .show_rows(ui, TILE + CAPTION + GAP, rows, |ui, range| {
                for row in range {
                    ui.horizontal(|ui| {
                        for col in 0..cols {
                            let k = row * cols + col;
                            if k >= total {
                                break;
                            }
                            if let Some(a) = self.tile_ui(ui, k) {
                                action = Some((k, a));
                            }
                        }
                    });
                }
            });
        if let Some((k, a)) = action {
            self.tile_action(k, a);
        }
    }

    fn tile_ui(&mut self, ui: &mut egui::Ui, k: usize) -> Option<TileAction> {
        let item = self.gallery[k].clone();
        let job = &self.jobs[item.job];
        let r = job.results[item.result].clone();
        let (job_id, series, prompt) = (
            job.id.clone(),
            job.results.len(),
            job.request.prompt.clone().unwrap_or_default(),
        );
        let selected = self.selection.contains(&(job_id.clone(), r.index));
        let (rect, resp) =
            ui.allocate_exact_size(egui::vec2(TILE, TILE + CAPTION), egui::Sense::click());
        resp.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::Button, true, format!("Result {}", k + 1))
        });
        if !ui.is_rect_visible(rect) {
            return None;
        }
        let image_rect = egui::Rect::from_min_size(rect.min, egui::vec2(TILE, TILE));
        let painter = ui.painter();
        painter.rect_filled(image_rect, 4.0, ui.visuals().extreme_bg_color);
        if let Some(commands) = self.backend.as_ref().map(|b| b.commands.clone()) {
            match self
                .textures
                .get(&thumb_key(&job_id, r.index), &thumb_request(&r), &commands)
            {
                TexState::Ready {
                    texture,
                    source_dims,
                    ..
                } => {
                    let fit = super::references::fit_rect(image_rect.shrink(2.0), *source_dims);
                    painter.image(
                        texture.id(),
                        fit,
                        egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
                        egui::Color32::WHITE,
                    );
                }
                TexState::Failed(_) => {
                    painter.text(
                        image_rect.center(),
                        egui::Align2::CENTER_CENTER,
                        "⚠",
                        egui::FontId::proportional(24.0),
                        theme::ERROR,
                    );
                }
                TexState::Loading => {
                    painter.text(
                        image_rect.center(),
                        egui::Align2::CENTER_CENTER,
                        "…",
                        egui::FontId::proportional(24.0),
                        ui.visuals().weak_text_color(),
                    );
                }
            }
        }
        let painter = ui.painter();
        if selected || resp.hovered() {
            let colour = if selected {
                ui.visuals().selection.stroke.color
            } else {
                ui.visuals().widgets.hovered.bg_stroke.color
            };
            painter.rect_stroke(
                image_rect,
                4.0,
                egui::Stroke::new(if selected { 3.0 } else { 1.5 }, colour),
                egui::StrokeKind::Inside,
            );
        }
        if series > 1 {
            let tag = egui::Rect::from_min_size(
                image_rect.min + egui::vec2(4.0, 4.0),
                egui::vec2(44.0, 18.0),
            );
            painter.rect_filled(tag, 3.0, egui::Color32::from_black_alpha(170));
            painter.text(
                tag.center(),
                egui::Align2::CENTER_CENTER,
                format!("{}/{series}", r.index + 1),
                egui::FontId::proportional(12.0),
                egui::Color32::WHITE,
            );
        }
        let caption: String = prompt.chars().take(26).collect();
        painter.text(
            egui::pos2(rect.min.x + 2.0, image_rect.max.y + 3.0),
            egui::Align2::LEFT_TOP,
            caption,
            egui::FontId::proportional(12.0),
            ui.visuals().text_color(),
        );
        let mut action = None;
        let resp = resp.on_hover_text(format!("{prompt}\n{} × {} px", r.width, r.height));
        if resp.clicked() {
            action = Some(if ui.input(|i| i.modifiers.command || i.modifiers.shift) {
                TileAction::Toggle
            } else {
                TileAction::Open
            });
        }
        resp.context_menu(|ui| {
            for (text, a) in [
                ("Open", TileAction::Open),
                ("Select / deselect", TileAction::Toggle),
                ("Use as reference", TileAction::UseAsReference),
                ("Reuse settings", TileAction::Reuse),
                ("Export…", TileAction::Export),
                ("Delete…", TileAction::Delete),
            ] {
                if ui.button(text).clicked() {
                    action = Some(a);
                    ui.close();
                }
            }
        });
        action
    }

    fn tile_action(&mut self, k: usize, action: TileAction) {
        let Some(item) = self.gallery.get(k).cloned() else {
            return;
        };
        let job = self.jobs[item.job].clone();
        let index = job.results[item.result].index;
        match action {
            TileAction::Open => self.open_viewer(&job.id, index),
            TileAction::Toggle => {
                let key = (job.id.clone(), index);
                if !self.selection.remove(&key) {
                    self.selection.insert(key);
                }
            }
            TileAction::UseAsReference => self.use_as_reference(&job, index),
            TileAction::Reuse => self.reuse_settings(&job),
            TileAction::Export => self.export_one(&job, index),
            TileAction::Delete => self.ask_delete(&job),
        }
    }

    /// Adds a result as a reference, through its link while the link lives.
    pub fn use_as_reference(&mut self, job: &JobRecord, index: u32) {
        match result_link(job, index) {
            Ok(url) => {
                if self.add_reference(&url, Some(format!("result {}", index + 1))) {
                    self.notify("Added as a reference.");
                }
            }
            Err(why) => self.notify_error(why),
        }
    }

    /// Restores the whole compose form from a job, seed included.
    pub fn reuse_settings(&mut self, job: &JobRecord) {
        self.draft = crate::core::draft::Draft::from_request(&job.request);
        self.undo.clear();
        self.selected_reference = None;
        self.notify("Settings restored, seed included.");
    }

    pub(crate) fn ask_delete(&mut self, job: &JobRecord) {
        let n = job.results.len();
        let label = format!(
            "\"{}\" — {n} image{}.",
            job.request.prompt_excerpt(60),
            if n == 1 { "" } else { "s" }
        );
        self.confirm = Some(Confirm::Delete {
            job_id: job.id.clone(),
            label,
        });
    }

    /// A native save dialog for one result (it asks before replacing a file).
    pub(crate) fn export_one(&mut self, job: &JobRecord, index: u32) {
        let name = format!("{}.png", crate::core::library::export_name(job, index));
        let dir = self.export_dir();
        let items = vec![(job.id.clone(), index)];
        self.chore(async move {
            let picked = rfd::AsyncFileDialog::new()
                .set_title("Export image")
                .set_directory(&dir)
                .set_file_name(name)
                .add_filter("PNG image", &["png"])
                .save_file()
                .await;
            Chore::ExportTo(
                items,
                picked.map(|f| ExportDest::File(f.path().to_path_buf())),
            )
        });
    }

    /// A native folder dialog, then every item into it under names that never replace a file.
    pub(crate) fn export_to_folder(&mut self, items: Vec<(String, u32)>) {
        let dir = self.export_dir();
        self.chore(async move {
            let picked = rfd::AsyncFileDialog::new()
                .set_title("Export to folder")
                .set_directory(&dir)
                .pick_folder()
                .await;
            Chore::ExportTo(
                items,
                picked.map(|f| ExportDest::Folder(f.path().to_path_buf())),
            )
        });
    }

    pub(crate) fn export_dir(&self) -> std::path::PathBuf {
        self.settings
            .export_dir
            .clone()
            .or_else(|| {
                directories::UserDirs::new()
                    .and_then(|d| d.picture_dir().map(std::path::Path::to_path_buf))
            })
            .unwrap_or_else(|| self.cfg.paths.home.clone())
    }
}

/// How long a result link is trusted: upstream keeps results for a day.
const LINK_LIFETIME_MS: i64 = 23 * 3600 * 1000;

/// The link a result can be used as a reference by, or why it cannot.
pub fn result_link(job: &JobRecord, index: u32) -> Result<String, String> {
    let url = job
        .result_urls
        .get(index as usize)
        .ok_or_else(|| "This result has no link to use as a reference.".to_owned())?;
    let finished = job
        .finished_at_ms
        .or(job.submitted_at_ms)
        .unwrap_or(job.created_at_ms);
    if crate::core::journal::now_ms() - finished > LINK_LIFETIME_MS {
        return Err("This result's link has expired (results are kept upstream for about a day); it cannot be used as a reference.".to_owned());
    }
    Ok(url.clone())
}
