//! The presets row at the top of the compose form: put a kept preset in the form, keep the form's
//! settings under a name, forget one. A preset holds the settings, never the prompt or the
//! references (`core::presets`).

use eframe::egui::{self, RichText};

use super::cx::{Action, EditAction, ViewCx};
use super::widgets::named_button;
use crate::core::presets::MAX_NAME_CHARS;
use crate::tr;

/// The presets row's own state: the name being typed.
#[derive(Default)]
pub struct PresetsView {
    name: String,
}

impl PresetsView {
    pub fn ui(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, out: &mut Vec<Action>) {
        let tr = cx.tr;
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(tr.t("preset-title")).strong());
            ui.menu_button(tr.t("preset-saved"), |ui| {
                if cx.presets.is_empty() {
                    ui.label(RichText::new(tr.t("preset-none-saved")).weak());
                }
                for saved in cx.presets.iter() {
                    ui.horizontal(|ui| {
                        let r = named_button(
                            ui,
                            true,
                            egui::Button::new(&saved.name),
                            &tr!(tr, "preset-load", name = &saved.name),
                        )
                        .on_hover_text(tr.t("preset-load-tip"));
                        if r.clicked() {
                            out.push(Action::Edit(EditAction::LoadPreset(saved.name.clone())));
                            ui.close();
                        }
                        let r = named_button(
                            ui,
                            true,
                            egui::Button::new("✖").small(),
                            &tr!(tr, "preset-delete", name = &saved.name),
                        )
                        .on_hover_text(tr.t("preset-delete-tip"));
                        if r.clicked() {
                            out.push(Action::Edit(EditAction::DeletePreset(saved.name.clone())));
                        }
                    });
                }
            })
            .response
            .on_hover_text(tr.t("preset-saved-tip"));
            let r = ui.add(
                egui::TextEdit::singleline(&mut self.name)
                    .hint_text(tr.t("preset-name-hint"))
                    .desired_width(110.0)
                    .char_limit(MAX_NAME_CHARS),
            );
            r.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::TextInput, true, tr.t("preset-name"))
            });
            let entered = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let named = !self.name.trim().is_empty();
            let replaces = cx.presets.get(&self.name).is_some();
            let save = named_button(
                ui,
                named,
                egui::Button::new(tr.t("preset-save")),
                tr.t("preset-save"),
            )
            .on_hover_text(if replaces {
                tr.t("preset-replaces-tip")
            } else {
                tr.t("preset-keep-tip")
            })
            .on_disabled_hover_text(tr.t("preset-name-first"));
            if named && (save.clicked() || entered) {
                out.push(Action::Edit(EditAction::SavePreset(std::mem::take(
                    &mut self.name,
                ))));
            }
        });
    }
}
