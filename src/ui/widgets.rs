//! Small widgets the views share.

use std::ops::RangeInclusive;

use eframe::egui::{self, RichText};
use egui::text::{CCursor, CCursorRange};

use super::theme;

/// A typed number that commits on Enter or when the field loses focus, never per keystroke.
/// While typing nothing is clamped or applied; a value out of range is shown as a problem beside
/// the field, then clamped on commit. `decimals` scales the integer: 2 shows hundredths as `25.00`.
pub struct NumberField<'a> {
    salt: u64,
    label: &'a str,
    value: i64,
    range: RangeInclusive<i64>,
    decimals: u32,
    width: f32,
    suffix: &'a str,
    enabled: bool,
}

impl<'a> NumberField<'a> {
    /// `label` is what a screen reader (and a test) calls the field.
    pub fn new(label: &'a str, value: i64, range: RangeInclusive<i64>) -> NumberField<'a> {
        NumberField {
            salt: 0,
            label,
            value,
            range,
            decimals: 0,
            width: 64.0,
            suffix: "",
            enabled: true,
        }
    }

    /// Tells apart fields with the same label in one place.
    #[must_use]
    pub fn id_salt(mut self, salt: u64) -> Self {
        self.salt = salt;
        self
    }

    #[must_use]
    pub fn decimals(mut self, decimals: u32) -> Self {
        self.decimals = decimals;
        self
    }

    #[must_use]
    pub fn width(mut self, width: f32) -> Self {
        self.width = width;
        self
    }

    #[must_use]
    pub fn suffix(mut self, suffix: &'a str) -> Self {
        self.suffix = suffix;
        self
    }

    #[must_use]
    pub fn enabled(mut self, enabled: bool) -> Self {
        self.enabled = enabled;
        self
    }

    fn format(&self, v: i64) -> String {
        if self.decimals == 0 {
            return v.to_string();
        }
        let scale = 10_i64.pow(self.decimals);
        let sign = if v < 0 { "-" } else { "" };
        let v = v.abs();
        format!(
            "{sign}{}.{:0width$}",
            v / scale,
            v % scale,
            width = self.decimals as usize
        )
    }

    fn parse(&self, text: &str) -> Option<i64> {
        let text = text.trim().trim_end_matches(self.suffix.trim()).trim();
        if self.decimals == 0 {
            return text.parse().ok();
        }
        let v: f64 = text.parse().ok()?;
        let scaled = (v * 10_f64.powi(self.decimals.cast_signed())).round();
        scaled.is_finite().then_some(scaled as i64)
    }

    /// Draws the field. Returns the committed value when the artist committed a change.
    pub fn show(self, ui: &mut egui::Ui) -> Option<i64> {
        let id = ui.make_persistent_id(("number", self.label, self.salt));
        let buffer_id = id.with("buffer");
        let edit_id = id.with("edit");
        let mut text = ui
            .data(|d| d.get_temp::<String>(buffer_id))
            .unwrap_or_else(|| self.format(self.value));
        let label = self.label.to_owned();
        let response = ui.add_enabled(
            self.enabled,
            egui::TextEdit::singleline(&mut text)
                .id(edit_id)
                .desired_width(self.width),
        );
        response.widget_info(|| {
            let mut info = egui::WidgetInfo::text_edit(self.enabled, &text, &text, "");
            info.label = Some(label.clone());
            info
        });
        if response.gained_focus() {
            // The whole number is selected, so typing replaces it.
            if let Some(mut state) = egui::TextEdit::load_state(ui.ctx(), edit_id) {
                let len = text.chars().count();
                state
                    .cursor
                    .set_char_range(Some(CCursorRange::two(CCursor::new(0), CCursor::new(len))));
                state.store(ui.ctx(), edit_id);
            }
        }
        if !self.suffix.is_empty() {
            ui.label(self.suffix);
        }
        let parsed = self.parse(&text);
        if response.has_focus() {
            ui.data_mut(|d| d.insert_temp(buffer_id, text));
            match parsed {
                None => theme::inline_problem(ui, "not a number"),
                Some(v) if !self.range.contains(&v) => theme::inline_problem(
                    ui,
                    &format!(
                        "{}–{}: becomes {} on Enter",
                        self.format(*self.range.start()),
                        self.format(*self.range.end()),
                        self.format(v.clamp(*self.range.start(), *self.range.end()))
                    ),
                ),
                Some(_) => {}
            }
            return None;
        }
        ui.data_mut(|d| d.remove::<String>(buffer_id));
        // Left (Enter, Tab, a click elsewhere), or set whole by assistive technology.
        if response.lost_focus() || response.changed() {
            let committed = parsed?.clamp(*self.range.start(), *self.range.end());
            return (committed != self.value).then_some(committed);
        }
        None
    }
}

/// A button whose accessible name differs from its face (icons): `name` is what tests and screen
/// readers find.
pub fn named_button(
    ui: &mut egui::Ui,
    enabled: bool,
    button: egui::Button<'_>,
    name: &str,
) -> egui::Response {
    let r = ui.add_enabled(enabled, button);
    let name = name.to_owned();
    r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, enabled, name.clone()));
    r
}

/// What the zoom controls were asked for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ZoomAsk {
    Fit,
    /// One image pixel per screen pixel.
    OneToOne,
    Out,
    In,
}

/// The zoom controls the image views share: the true zoom (100 % is one image pixel per screen
/// pixel), then Fit, 1:1, − and +.
pub fn zoom_controls(
    ui: &mut egui::Ui,
    tr: crate::core::i18n::Tr,
    true_zoom: f32,
    fit_tip: &str,
) -> Option<ZoomAsk> {
    ui.label(format!("{:.0} %", true_zoom * 100.0))
        .on_hover_text(tr.t("zoom-tip"));
    let mut ask = None;
    if ui.button(tr.t("zoom-fit")).on_hover_text(fit_tip).clicked() {
        ask = Some(ZoomAsk::Fit);
    }
    if named_button(ui, true, egui::Button::new("1:1"), tr.t("zoom-1-1"))
        .on_hover_text(tr.t("zoom-1-1-tip"))
        .clicked()
    {
        ask = Some(ZoomAsk::OneToOne);
    }
    if named_button(ui, true, egui::Button::new("−"), tr.t("zoom-out"))
        .on_hover_text(tr.t("zoom-out"))
        .clicked()
    {
        ask = Some(ZoomAsk::Out);
    }
    if named_button(ui, true, egui::Button::new("+"), tr.t("zoom-in"))
        .on_hover_text(tr.t("zoom-in-tip"))
        .clicked()
    {
        ask = Some(ZoomAsk::In);
    }
    ask
}

/// A heading-sized label that says what a section is.
pub fn section(ui: &mut egui::Ui, text: &str) -> egui::Response {
    ui.label(RichText::new(text).strong())
}
