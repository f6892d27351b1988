//! File dialogs that always end in something: a native dialog where one can open, and where none
//! can (no desktop portal, no zenity) a built-in path field that says why it is there. Also the
//! About window and the questions asked before something costly or destructive.

use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, Instant};

use eframe::egui::{self, RichText};

use super::cx::{Action, PathPurpose};
use super::theme;

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
    };
    let answer = match (&purpose, &file_name) {
        (PathPurpose::References, _) => {
            let files = picker.pick_images(title, start);
            if !files.is_empty() {
                return Picked::Files(files);
            }
            None
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
    pub fn ui(&mut self, ctx: &egui::Context, out: &mut Vec<Action>) -> bool {
        let (title, what) = match &self.purpose {
            PathPurpose::ExportFolder(items) => (
                "Export to folder",
                format!(
                    "Folder for {} image{} (created if missing; existing files are never replaced):",
                    items.len(),
                    if items.len() == 1 { "" } else { "s" }
                ),
            ),
            PathPurpose::ExportFile(_) => (
                "Export image",
                "File to save the PNG as (an existing file is never replaced):".to_owned(),
            ),
            PathPurpose::References => (
                "Add reference images",
                "Image file to add as a reference (JPEG, PNG, BMP, WEBP, GIF or TIFF):".to_owned(),
            ),
            PathPurpose::SettingsExportDir => (
                "Default export folder",
                "Folder for Quick export:".to_owned(),
            ),
            PathPurpose::Sheet(_) => (
                "Export storyboard sheet",
                "File to save the sheet as (an existing file is never replaced):".to_owned(),
            ),
        };
        let mut keep = true;
        let modal = egui::Modal::new(egui::Id::unique("path_prompt")).show(ctx, |ui| {
            ui.set_max_width(520.0);
            ui.heading(title);
            theme::hint(ui, &format!("{}: type the path instead.", self.why));
            ui.label(what);
            let r = ui.add(
                egui::TextEdit::singleline(&mut self.text)
                    .desired_width(500.0)
                    .hint_text("/home/you/Pictures"),
            );
            r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "Path"));
            let enter = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            ui.horizontal(|ui| {
                let ok = !self.text.trim().is_empty();
                if ui
                    .add_enabled(ok, egui::Button::new("Use this path"))
                    .clicked()
                    || (enter && ok)
                {
                    out.push(Action::Answer(
                        self.purpose.clone(),
                        PathBuf::from(self.text.trim()),
                    ));
                    keep = false;
                }
                if ui.button("Cancel").clicked() {
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
pub fn about_ui(ctx: &egui::Context, info: &AboutInfo, out: &mut Vec<Action>) -> bool {
    let mut open = true;
    let mut close = false;
    egui::Window::new("About Wan Studio")
        .open(&mut open)
        .collapsible(false)
        .resizable(false)
        .show(ctx, |ui| {
            ui.label(RichText::new(format!("Wan Studio {}", env!("CARGO_PKG_VERSION"))).heading());
            ui.label("A desktop studio for Alibaba's Wan 2.7 Image model on reAPI.");
            ui.add_space(6.0);
            egui::Grid::new("about_grid").num_columns(3).show(ui, |ui| {
                ui.label("Data folder");
                ui.add(egui::Label::new(RichText::new(info.data_dir.display().to_string()).monospace()).wrap());
                if ui.button("Open data folder").clicked() {
                    out.push(Action::OpenFolder(info.data_dir.clone()));
                }
                ui.end_row();
                ui.label("Log files");
                ui.add(egui::Label::new(RichText::new(info.log_dir.display().to_string()).monospace()).wrap());
                if ui.button("Open log folder").clicked() {
                    out.push(Action::OpenFolder(info.log_dir.clone()));
                }
                ui.end_row();
            });
            theme::hint(ui, "The log never contains your API key. Attach it to a bug report.");
            ui.add_space(6.0);
            ui.label(RichText::new("Licences").strong());
            ui.label("Wan Studio is free software under the MIT or Apache-2.0 licence, at your choice. It is built with egui, eframe, tokio, reqwest, rusqlite (SQLite, public domain), image and many other open-source crates under MIT, Apache-2.0, BSD, Zlib or similar licences.");
            if ui.button("Close").clicked() {
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
    Retry { job_id: String, body: String },
    /// Delete a job's results from the library (and disk).
    Delete { job_id: String, label: String },
    /// An image Wan Studio made was dropped or opened: a reference, or its settings back?
    MadeHere {
        path: PathBuf,
        request: Box<crate::core::request::GenerationRequest>,
    },
}

/// Draws the question; `Some(action)` when answered yes, and whether it is still open.
pub fn confirm_ui(ctx: &egui::Context, confirm: &Confirm) -> (Option<Action>, bool) {
    let mut second = None;
    let (title, body, yes, action) = match confirm {
        Confirm::SendAgain => (
            "Send it again?",
            "The same request was just sent. Send it again and pay again?".to_owned(),
            "Send again",
            Action::GenerateAgain,
        ),
        Confirm::Retry { job_id, body } => (
            "Send again?",
            body.clone(),
            "Send again",
            Action::Retry(job_id.clone()),
        ),
        Confirm::Delete { job_id, label } => (
            "Delete these results?",
            format!(
                "{label}\n\nThe images are removed from the library and from disk. This cannot be undone."
            ),
            "Delete",
            Action::Delete(job_id.clone()),
        ),
        Confirm::MadeHere { path, request } => {
            second = Some((
                "Restore its settings",
                Action::RestoreSettings(request.clone()),
            ));
            let name = path.file_name().map_or_else(
                || path.display().to_string(),
                |n| n.to_string_lossy().into_owned(),
            );
            let prompt: String = request
                .prompt
                .as_deref()
                .unwrap_or("")
                .chars()
                .take(120)
                .collect();
            (
                "Made with Wan Studio",
                format!(
                    "{name} was made with Wan Studio (\u{201c}{prompt}\u{201d}). Use it as a reference, or restore the settings it was made with (prompt, tier, size, seed, palette)?"
                ),
                "Use as reference",
                Action::UseFileAsReference(path.clone()),
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
            if ui.button("Cancel").clicked() {
                answer = Some(None);
            }
        });
    });
    match answer {
        Some(chosen) => (chosen, false),
        None => (None, !modal.should_close()),
    }
}
