//! File dialogs that always end in something: a native dialog where one can open, and where none
//! can (no desktop portal, no zenity) a built-in path field that says why it is there. Also the
//! About window and the questions asked before something costly or destructive.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui::{self, RichText};

use super::cx::{Action, EditAction, LibraryAction, PathPurpose, SendAction, ShowAction};
use super::theme;
use crate::core::job::JobId;
use crate::core::text::i18n::Tr;
use crate::tr;

/// Native file dialogs, behind a trait so tests can stand in for the desktop.
pub trait FilePicker: Send + Sync {
    /// Why no native dialog can open here, if none can.
    fn unavailable(&self) -> Option<String>;
    /// A folder, or `None` if the artist cancelled (or the dialog failed).
    fn pick_folder(&self, title: &str, start: &Path) -> Option<PathBuf>;
    /// A file to save to, or `None`.
    fn save_file(&self, title: &str, start: &Path, name: &str) -> Option<PathBuf>;
    /// Image files to open (several at once); empty if the artist cancelled.
    fn pick_images(&self, title: &str, start: &Path) -> Vec<PathBuf>;
    /// A job file (JSON Lines or CSV) or a presets file (JSON) to open, or `None`.
    fn pick_job_file(&self, title: &str, start: &Path) -> Option<PathBuf>;
}

/// The image files the app reads, for file dialogs and the desktop entry.
pub const IMAGE_EXTENSIONS: &[&str] = &[
    "jpg", "jpeg", "png", "webp", "bmp", "gif", "tif", "tiff", "JPG", "JPEG", "PNG",
];

/// The platform's dialogs through `rfd`.
pub struct NativePicker;

impl FilePicker for NativePicker {
    fn unavailable(&self) -> Option<String> {
        if !cfg!(target_os = "linux") {
            return None;
        }
        // rfd asks the desktop portal over D-Bus, then falls back to zenity.
        let on_path = |name: &str| {
            std::env::var_os("PATH")
                .is_some_and(|p| std::env::split_paths(&p).any(|d| d.join(name).is_file()))
        };
        let portal = std::env::var_os("DBUS_SESSION_BUS_ADDRESS").is_some()
            && [
                "/usr/libexec/xdg-desktop-portal",
                "/usr/lib/xdg-desktop-portal",
                "/usr/lib/xdg-desktop-portal/xdg-desktop-portal",
            ]
            .iter()
            .any(|p| Path::new(p).exists());
        (!portal && !on_path("zenity"))
            .then(|| "No file dialog can open here (no desktop portal and no zenity)".to_owned())
    }

    fn pick_folder(&self, title: &str, start: &Path) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title(title)
            .set_directory(start)
            .pick_folder()
    }

    fn save_file(&self, title: &str, start: &Path, name: &str) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title(title)
            .set_directory(start)
            .set_file_name(name)
            .add_filter("PNG image", &["png"])
            .save_file()
    }

    fn pick_images(&self, title: &str, start: &Path) -> Vec<PathBuf> {
        rfd::FileDialog::new()
            .set_title(title)
            .set_directory(start)
            .add_filter("Images", IMAGE_EXTENSIONS)
            .pick_files()
            .unwrap_or_default()
    }

    fn pick_job_file(&self, title: &str, start: &Path) -> Option<PathBuf> {
        rfd::FileDialog::new()
            .set_title(title)
            .set_directory(start)
            .add_filter("Job files", &["jsonl", "csv", "json", "txt"])
            .pick_file()
    }
}

/// Stands for a desktop with no dialog at all.
pub struct NoPicker;

impl FilePicker for NoPicker {
    fn unavailable(&self) -> Option<String> {
        Some("No file dialog can open here".to_owned())
    }

    fn pick_folder(&self, _title: &str, _start: &Path) -> Option<PathBuf> {
        None
    }

    fn save_file(&self, _title: &str, _start: &Path, _name: &str) -> Option<PathBuf> {
        None
    }

    fn pick_images(&self, _title: &str, _start: &Path) -> Vec<PathBuf> {
        Vec::new()
    }

    fn pick_job_file(&self, _title: &str, _start: &Path) -> Option<PathBuf> {
        None
    }
}

/// What a dialog answered, read off the UI thread.
pub enum Picked {
    Path(PathPurpose, PathBuf),
    /// Image files to add as references.
    Files(Vec<PathBuf>),
    Cancelled,
    /// It came back at once with nothing: it most likely could not open.
    Failed(PathPurpose, PathBuf, String),
}

/// Shows a native dialog off the UI thread. A dialog that returns nothing within a blink did not
/// open (rfd reports a failure as a cancel), so the path field is offered then.
pub fn pick(
    picker: &Arc<dyn FilePicker>,
    purpose: PathPurpose,
    start: &Path,
    file_name: Option<String>,
) -> Picked {
    let opened = Instant::now();
    let title = match &purpose {
        PathPurpose::ExportFolder(_) => "Export to folder",
        PathPurpose::ExportFile(_) => "Export image",
        PathPurpose::SettingsExportDir => "Default export folder",
        PathPurpose::References => "Add reference images",
        PathPurpose::Sheet(_) => "Export storyboard sheet",
        PathPurpose::JobFile => "Open a job file",
        PathPurpose::PresetsExport => "Export presets",
        PathPurpose::PresetsImport => "Import presets",
    };
    let answer = match (&purpose, &file_name) {
        (PathPurpose::References, _) => {
            let files = picker.pick_images(title, start);
            if !files.is_empty() {
                return Picked::Files(files);
            }
            None
        }
        (PathPurpose::JobFile | PathPurpose::PresetsImport, _) => {
            picker.pick_job_file(title, start)
        }
        (_, Some(name)) => picker.save_file(title, start, name),
        (_, None) => picker.pick_folder(title, start),
    };
    match answer {
        Some(p) => Picked::Path(purpose, p),
        None if opened.elapsed() < Duration::from_millis(250) => {
            let suggested = file_name.map_or_else(|| start.to_path_buf(), |n| start.join(n));
            Picked::Failed(
                purpose,
                suggested,
                "The file dialog did not open".to_owned(),
            )
        }
        None => Picked::Cancelled,
    }
}

/// The built-in path field, shown where no dialog could open.
pub struct PathPrompt {
    purpose: PathPurpose,
    text: String,
    why: String,
}

impl PathPrompt {
    pub fn new(purpose: PathPurpose, suggested: &Path, why: String) -> PathPrompt {
        PathPrompt {
            purpose,
            text: suggested.display().to_string(),
            why,
        }
    }

    /// Draws the prompt; false once it is answered or cancelled.
    pub fn ui(&mut self, ctx: &egui::Context, tr: Tr, out: &mut Vec<Action>) -> bool {
        let (title, what) = match &self.purpose {
            PathPurpose::ExportFolder(items) => (
                tr.t("path-export-folder"),
                tr!(tr, "path-folder-for", n = items.len()),
            ),
            PathPurpose::ExportFile(_) => (
                tr.t("path-export-image"),
                tr.t("path-export-file").to_owned(),
            ),
            PathPurpose::References => (
                tr.t("path-add-references"),
                tr.t("path-reference-file").to_owned(),
            ),
            PathPurpose::SettingsExportDir => (
                tr.t("path-default-export"),
                tr.t("path-quick-export").to_owned(),
            ),
            PathPurpose::Sheet(_) => (tr.t("path-sheet"), tr.t("path-sheet-file").to_owned()),
            PathPurpose::JobFile => (tr.t("path-job-file"), tr.t("path-job-file-what").to_owned()),
            PathPurpose::PresetsExport => (
                tr.t("path-presets-export"),
                tr.t("path-presets-export-what").to_owned(),
            ),
            PathPurpose::PresetsImport => (
                tr.t("path-presets-import"),
                tr.t("path-presets-import-what").to_owned(),
            ),
        };
        let mut keep = true;
        let modal = egui::Modal::new(egui::Id::unique("path_prompt")).show(ctx, |ui| {
            ui.set_max_width(520.0);
            ui.heading(title);
            theme::hint(ui, &tr!(tr, "path-type-instead", why = tr.of(&self.why)));
            ui.label(what);
            let r = ui.add(
                egui::TextEdit::singleline(&mut self.text)
                    .desired_width(500.0)
                    .hint_text("/home/you/Pictures"),
            );
            r.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::TextInput, true, tr.t("path-path"))
            });
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            ui.horizontal(|ui| {
                let ok = !self.text.trim().is_empty();
                if ui
                    .add_enabled(ok, egui::Button::new(tr.t("path-use")))
                    .clicked()
                    || (enter && ok)
                {
                    out.push(Action::Library(LibraryAction::Answer(
                        self.purpose.clone(),
                        PathBuf::from(self.text.trim()),
                    )));
                    keep = false;
                }
                if ui.button(tr.t("settings-cancel")).clicked() {
                    keep = false;
                }
            });
        });
        keep && !modal.should_close()
    }
}

/// What the About window shows.
pub struct AboutInfo {
    pub data_dir: PathBuf,
    pub log_dir: PathBuf,
}

/// The About window; false once closed.
pub fn about_ui(ctx: &egui::Context, tr: Tr, info: &AboutInfo, out: &mut Vec<Action>) -> bool {
    let mut open = true;
    let mut close = false;
    egui::Window::new(tr.t("app-about"))
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            ui.label(RichText::new(format!("Wan Studio {}", env!("CARGO_PKG_VERSION"))).heading());
            ui.label(tr.t("about-what"));
            ui.add_space(6.0);
            egui::Grid::new("about_grid").num_columns(3).show(ui, |ui| {
                ui.label(tr.t("about-data"));
                ui.add(
                    egui::Label::new(
                        RichText::new(info.data_dir.display().to_string()).monospace(),
                    )
                    .wrap()
                    .selectable(true),
                );
                if ui.button(tr.t("about-open-data")).clicked() {
                    out.push(Action::Show(ShowAction::Folder(info.data_dir.clone())));
                }
                ui.end_row();
                ui.label(tr.t("about-logs"));
                ui.add(
                    egui::Label::new(RichText::new(info.log_dir.display().to_string()).monospace())
                        .wrap()
                        .selectable(true),
                );
                if ui.button(tr.t("about-open-logs")).clicked() {
                    out.push(Action::Show(ShowAction::Folder(info.log_dir.clone())));
                }
                ui.end_row();
            });
            theme::hint(ui, tr.t("about-log-safe"));
            ui.add_space(6.0);
            ui.label(RichText::new(tr.t("about-licences")).strong());
            ui.label(tr.t("about-licence-text"));
            if ui.button(tr.t("about-close")).clicked() {
                close = true;
            }
        });
    open && !close
}

/// A question asked before something costly or destructive.
#[derive(Debug, Clone, PartialEq)]
pub enum Confirm {
    /// The same request was sent moments ago.
    SendAgain,
    /// Send a finished job's request again as a new job.
    Retry { job_id: JobId, body: String },
    /// Delete a job's results from the library (and disk).
    Delete { job_id: JobId, label: String },
    /// An image Wan Studio made was dropped or opened: a reference, or its settings back?
    MadeHere {
        path: PathBuf,
        request: Box<crate::core::api::request::GenerationRequest>,
    },
}

/// Draws the question; `Some(action)` when answered yes, and whether it is still open.
pub fn confirm_ui(ctx: &egui::Context, tr: Tr, confirm: &Confirm) -> (Option<Action>, bool) {
    let mut second = None;
    let (title, body, yes, action) = match confirm {
        Confirm::SendAgain => (
            tr.t("confirm-send-it-again"),
            tr.t("confirm-send-again-body").to_owned(),
            tr.t("confirm-send-again"),
            Action::Send(SendAction::GenerateAgain),
        ),
        Confirm::Retry { job_id, body } => (
            tr.t("confirm-send-again-title"),
            tr.of(body).to_owned(),
            tr.t("confirm-send-again"),
            Action::Library(LibraryAction::Retry(job_id.clone())),
        ),
        Confirm::Delete { job_id, label } => (
            tr.t("confirm-delete-title"),
            tr!(tr, "confirm-delete-body", label = label),
            tr.t("confirm-delete"),
            Action::Library(LibraryAction::Delete(job_id.clone())),
        ),
        Confirm::MadeHere { path, request } => {
            second = Some((
                tr.t("confirm-restore"),
                Action::Edit(EditAction::RestoreSettings(request.clone())),
            ));
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let prompt: String =
                crate::core::text::terminal::shown(request.prompt.as_deref().unwrap_or(""))
                    .chars()
                    .take(120)
                    .collect();
            (
                tr.t("confirm-made-here"),
                tr!(tr, "confirm-made-here-body", name = name, prompt = prompt),
                tr.t("gallery-use-as-reference"),
                Action::Edit(EditAction::UseFileAsReference(path.clone())),
            )
        }
    };
    let mut answer = None;
    let modal = egui::Modal::new(egui::Id::unique("confirm")).show(ctx, |ui| {
        ui.set_max_width(440.0);
        ui.heading(title);
        ui.add(egui::Label::new(body).wrap());
        ui.add_space(8.0);
        ui.horizontal(|ui| {
            if ui.button(yes).clicked() {
                answer = Some(Some(action.clone()));
            }
            if let Some((label, other)) = &second
                && ui.button(*label).clicked()
            {
                answer = Some(Some(other.clone()));
            }
            if ui.button(tr.t("settings-cancel")).clicked() {
                answer = Some(None);
            }
        });
    });
    match answer {
        Some(chosen) => (chosen, false),
        None => (None, !modal.should_close()),
    }
}
