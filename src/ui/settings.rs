//! Settings: the API key (where it really is: the OS keyring, this session only, or the
//! environment; never shown after entry), the API address, per-image prices, the export folder
//! and the theme.

use eframe::egui::{self, RichText};

use crate::core::pricing::{Rates, format_usd, parse_usd};
use crate::core::settings::{ApiKey, AppSettings, KeySource, Theme, parse_base_url};

use super::cx::{Action, PathPurpose, ViewCx};
use super::theme;

/// The settings window's fields while it is open.
#[derive(Debug, Clone)]
pub struct SettingsForm {
    /// A new key being typed; cleared as soon as it is handed on.
    pub key_input: String,
    pub base_url: String,
    pub standard: String,
    pub pro: String,
    pub export_dir: String,
    pub theme: Theme,
    pub errors: Vec<String>,
}

/// The settings window: open while it has a form.
#[derive(Default)]
pub struct SettingsView {
    form: Option<SettingsForm>,
}

impl SettingsView {
    pub fn is_open(&self) -> bool {
        self.form.is_some()
    }

    pub fn close(&mut self) {
        self.form = None;
    }

    pub fn open(&mut self, s: &AppSettings) {
        let price = |micro| format_usd(micro).trim_start_matches('$').to_owned();
        self.form = Some(SettingsForm {
            key_input: String::new(),
            base_url: s.base_url.clone(),
            standard: price(s.rates.standard_micro_usd),
            pro: price(s.rates.pro_micro_usd),
            export_dir: s
                .export_dir
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            theme: s.theme,
            errors: Vec::new(),
        });
    }

    /// A folder chosen for "Export folder" (by a dialog or the path field).
    pub fn set_export_dir(&mut self, dir: &std::path::Path) {
        if let Some(form) = &mut self.form {
            form.export_dir = dir.display().to_string();
        }
    }

    pub fn ui(&mut self, ctx: &egui::Context, cx: &ViewCx<'_>, out: &mut Vec<Action>) {
        let Some(form) = &mut self.form else {
            return;
        };
        let mut open = true;
        let mut close = false;
        egui::Window::new("Settings")
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .default_width(480.0)
            .show(ctx, |ui| {
                key_ui(ui, cx, form, out);
                ui.separator();
                if fields_ui(ui, form) {
                    out.push(Action::Ask(PathPurpose::SettingsExportDir));
                }
                for e in &form.errors {
                    theme::problem(ui, e);
                }
                ui.separator();
                ui.horizontal(|ui| {
                    if ui.button("Save").clicked() {
                        match settings_from(form, cx.settings) {
                            Ok(new) => {
                                out.push(Action::SaveSettings(new));
                                close = true;
                            }
                            Err(errors) => form.errors = errors,
                        }
                    }
                    if ui.button("Cancel").clicked() {
                        close = true;
                    }
                });
            });
        if close || !open {
            self.form = None;
        }
    }
}

fn key_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, form: &mut SettingsForm, out: &mut Vec<Action>) {
    ui.label(RichText::new("API access").strong());
    ui.add(egui::Label::new(cx.key.status()).wrap());
    let env_key = cx.key.source == KeySource::Environment;
    ui.horizontal(|ui| {
        let label = ui.label("New key");
        ui.add(
            egui::TextEdit::singleline(&mut form.key_input)
                .password(true)
                .desired_width(240.0)
                .hint_text("paste your reAPI key"),
        )
        .labelled_by(label.id)
        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "API key"));
        if ui
            .add_enabled(
                !form.key_input.trim().is_empty(),
                egui::Button::new("Save key"),
            )
            .on_hover_text("Check it with the API (free), keep it in the OS keyring where there is one, and switch to reAPI")
            .clicked()
        {
            if let Some(key) = ApiKey::new(&form.key_input) {
                out.push(Action::SaveKey(key));
            }
            form.key_input.clear();
        }
        let has_key = matches!(cx.key.source, KeySource::Keyring | KeySource::Session);
        if ui
            .add_enabled(has_key, egui::Button::new("Forget key"))
            .on_hover_text("Remove the key (from the keyring too); back to Sandbox mode")
            .clicked()
        {
            out.push(Action::ForgetKey);
        }
    });
    if env_key {
        theme::hint(
            ui,
            "REAPI_API_KEY is set: it is used whatever is stored here.",
        );
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
                        .hint_text("Pictures/Wan Studio"),
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

fn settings_from(form: &SettingsForm, current: &AppSettings) -> Result<AppSettings, Vec<String>> {
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
    if !errors.is_empty() {
        return Err(errors);
    }
    let export_dir = form.export_dir.trim();
    Ok(AppSettings {
        base_url: form.base_url.trim().to_owned(),
        rates: Rates {
            standard_micro_usd: standard.unwrap_or_default(),
            pro_micro_usd: pro.unwrap_or_default(),
        },
        export_dir: (!export_dir.is_empty()).then(|| export_dir.into()),
        theme: form.theme,
        ..current.clone()
    })
}
