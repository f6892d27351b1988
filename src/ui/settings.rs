//! Settings: the API key (where it really is: the OS keyring, this session only, or the
//! environment; never shown after entry), the API address, per-image prices, the export folder
//! and the theme; and reference hosting (an S3-compatible bucket, its secret in the OS keyring,
//! and a Test button that uploads a tiny image and reads it back through its presigned link).

use eframe::egui::{self, RichText};

use crate::core::api::pricing::{Rates, format_usd, parse_usd};
use crate::core::references::hosting::{S3Host, S3Settings};
use crate::core::settings::{ApiKey, AppSettings, KeySource, Theme, parse_base_url};

use super::cx::{Action, LibraryAction, PathPurpose, SetupAction, ViewCx};
use super::theme;
use crate::core::text::i18n::{Lang, Tr};
use crate::tr;

/// Window heights under which the settings scroll (they need about 700 px).
const SCROLL_BELOW: f32 = 800.0;

/// The settings window's fields while it is open.
#[derive(Debug, Clone)]
pub struct SettingsForm {
    /// A new key being typed; cleared as soon as it is handed on.
    pub key_input: String,
    pub base_url: String,
    pub standard: String,
    pub pro: String,
    /// Dollars a month, or empty for no budget.
    pub budget: String,
    pub export_dir: String,
    pub theme: Theme,
    pub flatten_onto: [u8; 3],
    /// The prompt and parameters go into the content credentials.
    pub credentials_prompt: bool,
    /// The artist's own signing certificate chain and key (PEM paths), or empty.
    pub signing_chain: String,
    pub signing_key: String,
    pub errors: Vec<String>,
    pub host: HostForm,
}

/// The reference host's fields.
#[derive(Debug, Clone, Default)]
pub struct HostForm {
    pub endpoint: String,
    pub region: String,
    pub bucket: String,
    pub prefix: String,
    pub path_style: bool,
    pub access_key_id: String,
    /// A new secret being typed; handed to the keyring on Save or used by Test.
    pub secret_input: String,
    pub expiry_minutes: String,
    /// What the last Test found.
    pub tested: Option<Result<String, String>>,
    pub testing: bool,
}

impl HostForm {
    fn from(s: Option<&S3Settings>) -> HostForm {
        match s {
            Some(s) => HostForm {
                endpoint: s.endpoint.clone(),
                region: s.region.clone(),
                bucket: s.bucket.clone(),
                prefix: s.prefix.clone(),
                path_style: s.path_style,
                access_key_id: s.access_key_id.clone(),
                secret_input: String::new(),
                expiry_minutes: (s.link_expiry_secs / 60).to_string(),
                tested: None,
                testing: false,
            },
            None => HostForm {
                region: "us-east-1".to_owned(),
                expiry_minutes: "60".to_owned(),
                ..HostForm::default()
            },
        }
    }

    /// `Ok(None)` when no bucket is named (no hosting); the settings, or what is wrong.
    fn settings(&self) -> Result<Option<S3Settings>, String> {
        if self.bucket.trim().is_empty() && self.endpoint.trim().is_empty() {
            return Ok(None);
        }
        let minutes: u64 = self.expiry_minutes.trim().parse().map_err(|_| {
            format!(
                "Reference hosting: '{}' is not a number of minutes.",
                self.expiry_minutes
            )
        })?;
        if !(1..=7 * 24 * 60).contains(&minutes) {
            return Err("Reference hosting: links may last 1 minute to 7 days.".to_owned());
        }
        let settings = S3Settings {
            endpoint: self.endpoint.trim().to_owned(),
            region: self.region.trim().to_owned(),
            bucket: self.bucket.trim().to_owned(),
            prefix: self.prefix.trim().to_owned(),
            path_style: self.path_style,
            access_key_id: self.access_key_id.trim().to_owned(),
            link_expiry_secs: minutes * 60,
        };
        // The same checks a send makes, with a placeholder secret (the real one may be stored).
        S3Host::new(&settings, "x").map_err(|e| format!("Reference hosting: {e}"))?;
        Ok(Some(settings))
    }
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
            budget: s.monthly_budget_micro_usd.map(price).unwrap_or_default(),
            export_dir: s
                .export_dir
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            theme: s.theme,
            flatten_onto: s.flatten_onto,
            credentials_prompt: s.credentials.include_prompt,
            signing_chain: path_text(s.credentials.signing_chain.as_deref()),
            signing_key: path_text(s.credentials.signing_key.as_deref()),
            errors: Vec::new(),
            host: HostForm::from(s.reference_host.as_ref()),
        });
    }

    /// What Settings' Test of a reference host found.
    pub fn set_test_result(&mut self, result: Result<String, String>) {
        if let Some(form) = &mut self.form {
            form.host.testing = false;
            form.host.tested = Some(result);
        }
    }

    /// A folder chosen for tr.t("settings-export-folder") (by a dialog or the path field).
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
        let tr = cx.tr;
        cx.place_window(egui::Window::new(tr.t("settings-title")), 480.0)
            .open(&mut open)
            .collapsible(false)
            .resizable(false)
            .show(ctx, |ui| {
                let mut body = |ui: &mut egui::Ui| {
                    language_ui(ui, cx, out);
                    ui.separator();
                    key_ui(ui, cx, form, out);
                    ui.separator();
                    if fields_ui(ui, tr, form) {
                        out.push(Action::Library(LibraryAction::Ask(
                            PathPurpose::SettingsExportDir,
                        )));
                    }
                    ui.separator();
                    host_ui(ui, cx, &mut form.host, out);
                };
                // In a short window the fields scroll, so Save and Cancel always stay in view.
                let height = ctx.content_rect().height();
                if height < SCROLL_BELOW {
                    egui::ScrollArea::vertical()
                        .max_height((height - 140.0).max(160.0))
                        .show(ui, body);
                } else {
                    body(ui);
                }
                for e in &form.errors {
                    theme::problem(ui, e);
                }
                ui.separator();
                ui.horizontal(|ui| {
                    if ui.button(tr.t("settings-save")).clicked() {
                        match settings_from(tr, form, cx.settings) {
                            Ok(new) => {
                                if let Some(secret) = ApiKey::new(&form.host.secret_input) {
                                    out.push(Action::Setup(SetupAction::SaveStorageSecret(secret)));
                                }
                                form.host.secret_input.clear();
                                out.push(Action::Setup(SetupAction::SaveSettings(new)));
                                close = true;
                            }
                            Err(errors) => form.errors = errors,
                        }
                    }
                    if ui.button(tr.t("settings-cancel")).clicked() {
                        close = true;
                    }
                });
            });
        if close || !open {
            self.form = None;
        }
    }
}

/// The window's language: applied at once, no restart; the OS's unless one is chosen.
fn language_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, out: &mut Vec<Action>) {
    let tr = cx.tr;
    let os = cx.os_language;
    let chosen = cx.settings.language;
    let name = |choice: Option<Lang>| match choice {
        None => tr!(tr, "settings-language-system", language = os.native_name()),
        Some(lang) => lang.native_name().to_owned(),
    };
    ui.horizontal(|ui| {
        let label = ui.label(RichText::new(tr.t("settings-language")).strong());
        egui::ComboBox::from_id_salt("settings-language")
            .selected_text(name(chosen))
            .show_ui(ui, |ui| {
                for choice in [None, Some(Lang::En), Some(Lang::ZhCn)] {
                    if ui
                        .selectable_label(chosen == choice, name(choice))
                        .clicked()
                        && chosen != choice
                    {
                        out.push(Action::Setup(SetupAction::SetLanguage(choice)));
                    }
                }
            })
            .response
            .labelled_by(label.id)
            .on_hover_text(tr.t("settings-language-tip"));
    });
    let font = match &cx.cjk {
        super::cx::CjkFont::Looking => tr.t("settings-font-looking").to_owned(),
        super::cx::CjkFont::Found(family) => {
            tr!(tr, "settings-font-found", family = family.as_str())
        }
        super::cx::CjkFont::Missing => tr!(
            tr,
            "settings-font-missing",
            package = crate::core::text::fonts::install_hint()
        ),
    };
    ui.add(egui::Label::new(RichText::new(font).small().weak()).wrap());
}

fn key_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, form: &mut SettingsForm, out: &mut Vec<Action>) {
    let tr = cx.tr;
    ui.label(RichText::new(tr.t("settings-api-access")).strong());
    ui.add(egui::Label::new(cx.key.status_in(tr)).wrap());
    let env_key = cx.key.source == KeySource::Environment;
    ui.horizontal(|ui| {
        let label = ui.label(tr.t("settings-new-key"));
        ui.add(
            egui::TextEdit::singleline(&mut form.key_input)
                .password(true)
                .desired_width(240.0)
                .hint_text(tr.t("settings-key-hint")),
        )
        .labelled_by(label.id)
        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, "API key"));
        if ui
            .add_enabled(
                !form.key_input.trim().is_empty(),
                egui::Button::new(tr.t("settings-save-key")),
            )
            .on_hover_text(tr.t("settings-save-key-tip"))
            .clicked()
        {
            if let Some(key) = ApiKey::new(&form.key_input) {
                out.push(Action::Setup(SetupAction::SaveKey(key)));
            }
            form.key_input.clear();
        }
        let has_key = matches!(cx.key.source, KeySource::Keyring | KeySource::Session);
        if ui
            .add_enabled(has_key, egui::Button::new(tr.t("settings-forget-key")))
            .on_hover_text(tr.t("settings-forget-key-tip"))
            .clicked()
        {
            out.push(Action::Setup(SetupAction::ForgetKey));
        }
    });
    if env_key {
        theme::hint(ui, tr.t("settings-env-key"));
    }
}

/// Reference hosting: where local references are uploaded when sending to the API.
fn host_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, form: &mut HostForm, out: &mut Vec<Action>) {
    let tr = cx.tr;
    ui.label(RichText::new(tr.t("settings-hosting")).strong());
    ui.add(egui::Label::new(tr.t("settings-hosting-about")).wrap());
    egui::Grid::new("hosting_grid")
        .num_columns(2)
        .spacing([12.0, 6.0])
        .show(ui, |ui| {
            let row = |ui: &mut egui::Ui, label: &str, text: &mut String, hint: &str| {
                let l = ui.label(label);
                ui.add(
                    egui::TextEdit::singleline(text)
                        .desired_width(260.0)
                        .hint_text(hint),
                )
                .labelled_by(l.id);
                ui.end_row();
            };
            row(
                ui,
                tr.t("settings-endpoint"),
                &mut form.endpoint,
                "https://s3.eu-west-1.amazonaws.com",
            );
            row(
                ui,
                tr.t("settings-region"),
                &mut form.region,
                tr.t("settings-region-hint"),
            );
            row(
                ui,
                tr.t("settings-bucket"),
                &mut form.bucket,
                tr.t("settings-bucket-hint"),
            );
            row(
                ui,
                tr.t("settings-prefix"),
                &mut form.prefix,
                tr.t("settings-prefix-hint"),
            );
            row(ui, tr.t("settings-access-key"), &mut form.access_key_id, "");
            let l = ui.label(tr.t("settings-secret"));
            ui.add(
                egui::TextEdit::singleline(&mut form.secret_input)
                    .password(true)
                    .desired_width(260.0)
                    .hint_text(if cx.storage_secret_set {
                        tr.t("settings-secret-stored")
                    } else {
                        tr.t("settings-secret-keyring")
                    }),
            )
            .labelled_by(l.id);
            ui.end_row();
            row(ui, tr.t("settings-expiry"), &mut form.expiry_minutes, "60");
            ui.label("");
            ui.checkbox(&mut form.path_style, tr.t("settings-path-style"))
                .on_hover_text(tr.t("settings-path-style-tip"));
            ui.end_row();
        });
    ui.horizontal(|ui| {
        let test = ui
            .add_enabled(!form.testing, egui::Button::new(tr.t("settings-test")))
            .on_hover_text(tr.t("settings-test-tip"));
        if test.clicked() {
            match form.settings() {
                Ok(Some(settings)) => {
                    form.testing = true;
                    form.tested = None;
                    out.push(Action::Setup(SetupAction::TestHost {
                        settings,
                        secret: ApiKey::new(&form.secret_input),
                    }));
                }
                Ok(None) => {
                    form.tested = Some(Err(tr.t("settings-host-name-first").to_owned()));
                }
                Err(e) => form.tested = Some(Err(e)),
            }
        }
        if form.testing {
            ui.spinner();
            ui.label(tr.t("settings-testing"));
        }
    });
    match &form.tested {
        Some(Ok(_)) => {
            ui.label(RichText::new(tr.t("settings-test-ok")).color(theme::ok_text(ui.visuals())));
        }
        Some(Err(e)) => theme::problem(ui, &tr!(tr, "settings-test-failed", why = tr.of(e))),
        None => {}
    }
}

/// The address, prices, export folder and theme. Returns whether tr.t("settings-choose") was clicked.
fn fields_ui(ui: &mut egui::Ui, tr: Tr, form: &mut SettingsForm) -> bool {
    let mut pick_dir = false;
    egui::Grid::new("settings_grid")
        .num_columns(2)
        .spacing([12.0, 8.0])
        .show(ui, |ui| {
            let l = ui.label(tr.t("settings-base-url"));
            ui.add(egui::TextEdit::singleline(&mut form.base_url).desired_width(280.0))
                .labelled_by(l.id)
                .on_hover_text(tr.t("settings-base-url-tip"));
            ui.end_row();
            let l = ui.label(tr.t("settings-standard-price"));
            ui.add(egui::TextEdit::singleline(&mut form.standard).desired_width(90.0))
                .labelled_by(l.id)
                .on_hover_text(tr.t("settings-price-tip"));
            ui.end_row();
            let l = ui.label(tr.t("settings-pro-price"));
            ui.add(egui::TextEdit::singleline(&mut form.pro).desired_width(90.0))
                .labelled_by(l.id)
                .on_hover_text(tr.t("settings-price-tip"));
            ui.end_row();
            let l = ui.label(tr.t("settings-budget"));
            ui.add(
                egui::TextEdit::singleline(&mut form.budget)
                    .desired_width(90.0)
                    .hint_text(tr.t("settings-budget-hint")),
            )
            .labelled_by(l.id)
            .on_hover_text(tr.t("settings-budget-tip"));
            ui.end_row();
            let l = ui.label(tr.t("settings-export-folder"));
            ui.horizontal(|ui| {
                ui.add(
                    egui::TextEdit::singleline(&mut form.export_dir)
                        .desired_width(220.0)
                        .hint_text("Pictures/Wan Studio"),
                )
                .labelled_by(l.id);
                if ui.button(tr.t("settings-choose")).clicked() {
                    pick_dir = true;
                }
            });
            ui.end_row();
            ui.label(tr.t("settings-theme"));
            ui.horizontal(|ui| {
                ui.selectable_value(
                    &mut form.theme,
                    Theme::System,
                    tr.t("settings-theme-system"),
                );
                ui.selectable_value(&mut form.theme, Theme::Light, tr.t("settings-theme-light"));
                ui.selectable_value(&mut form.theme, Theme::Dark, tr.t("settings-theme-dark"));
            });
            ui.end_row();
            let l = ui.label(tr.t("settings-transparency"));
            ui.horizontal(|ui| {
                egui::color_picker::color_edit_button_srgb(ui, &mut form.flatten_onto)
                    .labelled_by(l.id)
                    .on_hover_text(tr.t("settings-transparency-tip"));
                if form.flatten_onto != [255, 255, 255]
                    && ui.small_button(tr.t("settings-white")).clicked()
                {
                    form.flatten_onto = [255, 255, 255];
                }
            });
            ui.end_row();
            ui.label(tr.t("settings-credentials"));
            ui.checkbox(
                &mut form.credentials_prompt,
                tr.t("settings-credentials-prompt"),
            )
            .on_hover_text(tr.t("settings-credentials-prompt-tip"));
            ui.end_row();
            let l = ui.label(tr.t("settings-signing-chain"));
            ui.add(
                egui::TextEdit::singleline(&mut form.signing_chain)
                    .hint_text(tr.t("settings-signing-local"))
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(l.id)
            .on_hover_text(tr.t("settings-signing-tip"));
            ui.end_row();
            let l = ui.label(tr.t("settings-signing-key"));
            ui.add(
                egui::TextEdit::singleline(&mut form.signing_key)
                    .hint_text(tr.t("settings-signing-local"))
                    .desired_width(f32::INFINITY),
            )
            .labelled_by(l.id)
            .on_hover_text(tr.t("settings-signing-tip"));
            ui.end_row();
        });
    pick_dir
}

fn path_text(p: Option<&std::path::Path>) -> String {
    p.map(|p| p.display().to_string()).unwrap_or_default()
}

/// The signing identity the form names: both files or neither.
fn signing_from(
    tr: Tr,
    form: &SettingsForm,
    errors: &mut Vec<String>,
) -> (Option<std::path::PathBuf>, Option<std::path::PathBuf>) {
    let (chain, key) = (form.signing_chain.trim(), form.signing_key.trim());
    if chain.is_empty() && key.is_empty() {
        return (None, None);
    }
    if chain.is_empty() || key.is_empty() {
        errors.push(tr.t("settings-signing-both").to_owned());
        return (None, None);
    }
    // The files are read when an image is signed (off this thread); a chain or key that cannot
    // be used is logged there and the image keeps its XMP marking.
    (Some(chain.into()), Some(key.into()))
}

fn settings_from(
    tr: Tr,
    form: &SettingsForm,
    current: &AppSettings,
) -> Result<AppSettings, Vec<String>> {
    let mut errors = Vec::new();
    if let Err(e) = parse_base_url(&form.base_url) {
        errors.push(tr!(tr, "settings-bad-url", why = e.to_string()));
    }
    let standard = parse_usd(&form.standard);
    let pro = parse_usd(&form.pro);
    if standard.is_none() {
        errors.push(tr!(tr, "settings-bad-standard", value = &form.standard));
    }
    if pro.is_none() {
        errors.push(tr!(tr, "settings-bad-pro", value = &form.pro));
    }
    let budget = form.budget.trim();
    let budget = if budget.is_empty() {
        None
    } else if let Some(b) = parse_usd(budget) {
        Some(b)
    } else {
        errors.push(tr!(tr, "settings-bad-budget", value = budget));
        None
    };
    let reference_host = form.host.settings().unwrap_or_else(|e| {
        errors.push(tr.of(&e).to_owned());
        None
    });
    let (signing_chain, signing_key) = signing_from(tr, form, &mut errors);
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
        flatten_onto: form.flatten_onto,
        reference_host,
        monthly_budget_micro_usd: budget,
        credentials: crate::core::settings::CredentialsSettings {
            include_prompt: form.credentials_prompt,
            signing_chain,
            signing_key,
        },
        ..current.clone()
    })
}
