//! Settings: the API key (OS keyring; the environment wins; never shown after entry), the API
//! address, per-image prices, the export folder and the theme.

use std::sync::Arc;

use eframe::egui::{self, RichText};

use crate::core::pricing::{Rates, format_usd, parse_usd};
use crate::core::settings::{ApiKey, AppSettings, KeySource, Theme, parse_base_url};

use super::app::{Chore, KeyChoice, StudioApp};
use super::theme;

/// The settings window's fields while it is open.
#[derive(Debug, Clone)]
pub struct SettingsForm {
    /// A new key being typed; cleared as soon as it is handed to the keyring.
    pub key_input: String,
    pub base_url: String,
    pub standard: String,
    pub pro: String,
    pub export_dir: String,
    pub theme: Theme,
    pub errors: Vec<String>,
}

impl StudioApp {
    pub fn open_settings(&mut self) {
        let s = &self.settings;
        self.settings_form = Some(SettingsForm {
            key_input: String::new(),
            base_url: s.base_url.clone(),
            standard: format_usd(s.rates.standard_micro_usd)
                .trim_start_matches('$')
                .to_owned(),
            pro: format_usd(s.rates.pro_micro_usd)
                .trim_start_matches('$')
                .to_owned(),
            export_dir: s
                .export_dir
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            theme: s.theme,
            errors: Vec::new(),
        });
    }

    pub(crate) fn key_saved(&mut self, result: Result<Option<ApiKey>, String>) {
        match result {
            Ok(key) => {
                let live = key.is_some();
                self.notify(if live {
                    "Key saved. Connecting to reAPI…"
                } else {
                    "Key forgotten. Back to Sandbox mode."
                });
                let settings = self.settings.clone();
                self.start(Some(settings), KeyChoice::Use(key));
            }
            Err(e) => self.notify_error(e),
        }
    }

    fn key_status(&self) -> String {
        match (self.key_source, &self.key_hint) {
            (KeySource::Environment, Some(h)) => {
                format!("Using {h} from REAPI_API_KEY (the environment wins over the keyring).")
            }
            (KeySource::Keyring, Some(h)) => {
                format!("Key {h} stored in {}.", self.cfg.key_store.describe())
            }
            _ => "No key: Wan Studio runs in Sandbox mode.".to_owned(),
        }
    }

    pub(crate) fn settings_ui(&mut self, ctx: &egui::Context) {
        let Some(mut form) = self.settings_form.take() else {
            return;
        };
        let mut open = true;
        let mut save = false;
        let mut cancel = false;
        let mut store_key = false;
        let mut forget_key = false;
        let mut pick_dir = false;
        let status = self.key_status();
        let env_key = self.key_source == KeySource::Environment;
        egui::Window::new("Settings")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .default_width(480.0)
            .show(ctx, |ui| {
                ui.label(RichText::new("API access").strong());
                ui.label(status);
                ui.horizontal(|ui| {
                    let label = ui.label("New key");
                    ui.add(
                        egui::TextEdit::singleline(&mut form.key_input)
                            .password(true)
                            .desired_width(260.0)
                            .hint_text("paste your reAPI key"),
                    )
                    .labelled_by(label.id)
                    .widget_info(|| {
                        egui::WidgetInfo::labeled(egui::Role::TextInput, true, "API key")
                    });
                    if ui
                        .add_enabled(
                            !form.key_input.trim().is_empty(),
                            egui::Button::new("Save key"),
                        )
                        .on_hover_text("Store it in the OS keyring and switch to reAPI")
                        .clicked()
                    {
                        store_key = true;
                    }
                    if ui
                        .add_enabled(
                            self.key_source == KeySource::Keyring,
                            egui::Button::new("Forget key"),
                        )
                        .on_hover_text("Remove it from the keyring; back to Sandbox mode")
                        .clicked()
                    {
                        forget_key = true;
                    }
                });
                if env_key {
                    theme::hint(
                        ui,
                        "REAPI_API_KEY is set: it is used whatever is stored here.",
                    );
                }
                ui.separator();
                pick_dir = fields_ui(ui, &mut form);
                for e in &form.errors {
                    theme::problem(ui, e);
                }
                ui.separator();
                ui.horizontal(|ui| {
                    if ui.button("Save").clicked() {
                        save = true;
                    }
                    if ui.button("Cancel").clicked() {
                        cancel = true;
                    }
                });
            });
        if store_key {
            if let Some(key) = ApiKey::new(&form.key_input) {
                let store = Arc::clone(&self.cfg.key_store);
                self.chore(async move {
                    let saved = key.clone();
                    match tokio::task::spawn_blocking(move || store.store(&saved)).await {
                        Ok(Ok(())) => Chore::KeySaved(Ok(Some(key))),
                        // No keyring: use the key for this session anyway, and say so.
                        Ok(Err(e)) => Chore::KeySaved(Ok(Some(key))).with_notice(e.to_string()),
                        Err(e) => Chore::KeySaved(Err(e.to_string())),
                    }
                });
            }
            form.key_input.clear();
        }
        if forget_key {
            let store = Arc::clone(&self.cfg.key_store);
            self.chore(async move {
                match tokio::task::spawn_blocking(move || store.forget()).await {
                    Ok(Ok(())) => Chore::KeySaved(Ok(None)),
                    Ok(Err(e)) => Chore::KeySaved(Err(e.to_string())),
                    Err(e) => Chore::KeySaved(Err(e.to_string())),
                }
            });
        }
        if pick_dir {
            let dir = self.export_dir();
            self.chore(async move {
                let picked = rfd::AsyncFileDialog::new()
                    .set_title("Default export folder")
                    .set_directory(&dir)
                    .pick_folder()
                    .await;
                Chore::ExportDir(picked.map(|f| f.path().to_path_buf()))
            });
        }
        if save {
            match Self::settings_from(&form) {
                Ok(new) => {
                    self.apply_settings(new);
                    return;
                }
                Err(errors) => form.errors = errors,
            }
        }
        if open && !cancel {
            self.settings_form = Some(form);
        }
    }

    /// Writes the current settings to disk off the UI thread; a failure becomes a notice.
    pub(crate) fn save_settings(&mut self) {
        let (settings, paths) = (self.settings.clone(), self.cfg.paths.clone());
        self.chore(async move {
            match tokio::task::spawn_blocking(move || settings.save(&paths)).await {
                Ok(Ok(())) => Chore::Done,
                Ok(Err(e)) => Chore::Notice(e.to_string()),
                Err(e) => Chore::Notice(e.to_string()),
            }
        });
    }

    fn settings_from(form: &SettingsForm) -> Result<AppSettings, Vec<String>> {
        let mut errors = Vec::new();
        if let Err(e) = parse_base_url(&form.base_url) {
            errors.push(format!("API base URL: {e}"));
        }
        let standard = parse_usd(&form.standard);
        let pro = parse_usd(&form.pro);
        if standard.is_none() {
            errors.push(format!(
                "Standard price: '{}' is not a dollar amount such as 0.030.",
                form.standard
            ));
        }
        if pro.is_none() {
            errors.push(format!(
                "Pro price: '{}' is not a dollar amount such as 0.075.",
                form.pro
            ));
        }
        let export_dir = form.export_dir.trim();
        if !errors.is_empty() {
            return Err(errors);
        }
        Ok(AppSettings {
            base_url: form.base_url.trim().to_owned(),
            rates: Rates {
                standard_micro_usd: standard.unwrap_or_default(),
                pro_micro_usd: pro.unwrap_or_default(),
            },
            export_dir: (!export_dir.is_empty()).then(|| export_dir.into()),
            theme: form.theme,
        })
    }

    fn apply_settings(&mut self, new: AppSettings) {
        let reconnect = new.base_url != self.settings.base_url
            && !self.mode().is_some_and(crate::backend::Mode::is_sandbox);
        theme::apply(&self.ctx, new.theme);
        self.settings = new.clone();
        self.save_settings();
        if reconnect {
            self.start(Some(new), KeyChoice::Stored);
        }
        self.notify("Settings saved.");
    }
}

/// The address, prices, export folder and theme. Returns whether "Choose…" was clicked.
fn fields_ui(ui: &mut egui::Ui, form: &mut SettingsForm) -> bool {
    let mut pick_dir = false;
    egui::Grid::new("settings_grid")
        .num_columns(2)
        .spacing([12.0, 8.0])
        .show(ui, |ui| {
            let l = ui.label("API base URL");
            ui.add(egui::TextEdit::singleline(&mut form.base_url).desired_width(280.0))
                .labelled_by(l.id)
                .on_hover_text("reAPI's address; REAPI_BASE_URL overrides it.");
            ui.end_row();
            let l = ui.label("Standard, $ per image");
            ui.add(egui::TextEdit::singleline(&mut form.standard).desired_width(90.0))
                .labelled_by(l.id)
                .on_hover_text("From the model page; used for the price estimate.");
            ui.end_row();
            let l = ui.label("Pro, $ per image");
            ui.add(egui::TextEdit::singleline(&mut form.pro).desired_width(90.0))
                .labelled_by(l.id)
                .on_hover_text("From the model page; used for the price estimate.");
            ui.end_row();
            let l = ui.label("Export folder");
            ui.horizontal(|ui| {
                ui.add(
                    egui::TextEdit::singleline(&mut form.export_dir)
                        .desired_width(220.0)
                        .hint_text("Pictures"),
                )
                .labelled_by(l.id);
                if ui.button("Choose…").clicked() {
                    pick_dir = true;
                }
            });
            ui.end_row();
            ui.label("Theme");
            ui.horizontal(|ui| {
                ui.selectable_value(&mut form.theme, Theme::System, "System");
                ui.selectable_value(&mut form.theme, Theme::Light, "Light");
                ui.selectable_value(&mut form.theme, Theme::Dark, "Dark");
            });
            ui.end_row();
        });
    pick_dir
}

impl Chore {
    /// A chore's answer with a message to show as well.
    fn with_notice(self, text: String) -> Chore {
        Chore::Many(vec![Chore::Notice(text), self])
    }
}
