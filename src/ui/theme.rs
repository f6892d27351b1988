//! Colours and small visual helpers shared by the panels.

use eframe::egui::{self, Color32, RichText};

use crate::core::settings::Theme;

pub const SANDBOX: Color32 = Color32::from_rgb(0xE0, 0x9A, 0x1F);
pub const LIVE: Color32 = Color32::from_rgb(0x2E, 0x9E, 0x5B);
pub const ERROR: Color32 = Color32::from_rgb(0xD9, 0x48, 0x3B);
pub const ERROR_BG: Color32 = Color32::from_rgb(0x5A, 0x1E, 0x1A);
pub const WARN: Color32 = Color32::from_rgb(0xE0, 0x9A, 0x1F);
/// A job kept for another connection: neither running nor ended.
pub const WAITING: Color32 = Color32::from_rgb(0x8A, 0x8F, 0x98);
/// Box outlines: the first and the second box on a reference.
pub const BOX_COLOURS: [Color32; 2] = [
    Color32::from_rgb(255, 196, 0),
    Color32::from_rgb(0, 220, 255),
];

/// Styles every frame uses.
pub fn install(ctx: &egui::Context) {
    ctx.all_styles_mut(|style| {
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(8.0, 4.0);
    });
}

pub fn apply(ctx: &egui::Context, theme: Theme) {
    ctx.set_theme(match theme {
        Theme::System => egui::ThemePreference::System,
        Theme::Light => egui::ThemePreference::Light,
        Theme::Dark => egui::ThemePreference::Dark,
    });
}

/// A small coloured label, like a tag.
pub fn badge(ui: &mut egui::Ui, text: &str, colour: Color32) -> egui::Response {
    egui::Frame::new()
        .fill(colour)
        .corner_radius(4.0)
        .inner_margin(egui::Margin::symmetric(6, 2))
        .show(ui, |ui| {
            ui.label(RichText::new(text).strong().color(Color32::WHITE))
        })
        .inner
}

/// A problem shown beside the control that caused it.
pub fn problem(ui: &mut egui::Ui, text: &str) {
    ui.label(RichText::new(format!("⚠ {text}")).color(ERROR));
}

/// A quieter explanation line.
pub fn hint(ui: &mut egui::Ui, text: &str) {
    ui.label(RichText::new(text).small().weak());
}
