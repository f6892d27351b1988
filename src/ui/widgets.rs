//! Small widgets the views share.

use std::ops::RangeInclusive;

use eframe::egui::{self, RichText};
use egui::text::{CCursor, CCursorRange};

use super::theme;
use crate::core::text::i18n::Tr;

/// A value typed into a field and not committed yet (the field still has the keyboard), as the
/// send path sees it. Whatever sends first commits it through the field's own code, exactly as
/// Enter or a click elsewhere would, or refuses to send when it cannot be used as it stands.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Pending {
    /// The field's accessible name ("Seed value", "Ratio 2 %").
    pub field: String,
    /// What is typed in it.
    pub text: String,
    /// Why the typed text cannot be used as it stands, in the field's own words.
    pub problem: Option<String>,
    /// The frame that drew it (an older one no longer holds).
    pass: u64,
}

fn pending_id() -> egui::Id {
    egui::Id::unique("wan-studio-pending-edit")
}

/// Records that the field `field` holds `text`, not committed yet (fields call this while they
/// have the keyboard and what they show differs from the value they were given).
pub fn note_pending(ctx: &egui::Context, field: &str, text: &str, problem: Option<String>) {
    let pass = ctx.cumulative_pass_nr();
    ctx.data_mut(|d| {
        d.insert_temp(
            pending_id(),
            Pending {
                field: field.to_owned(),
                text: text.to_owned(),
                problem,
                pass,
            },
        );
    });
}

/// The edit pending in the frame being drawn, if any field holds one (at most one field has the
/// keyboard). Ask after the views have drawn.
pub fn pending(ctx: &egui::Context) -> Option<Pending> {
    let pass = ctx.cumulative_pass_nr();
    ctx.data(|d| d.get_temp::<Pending>(pending_id()))
        .filter(|p| p.pass == pass)
}

/// Takes the keyboard from the field holding a pending edit: on the next frame it commits as it
/// does when the artist presses Enter or clicks elsewhere.
pub fn commit_pending(ctx: &egui::Context) {
    ctx.memory_mut(egui::Memory::stop_text_input);
}

/// What a [`NumberField`] did this frame.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Typed {
    /// The value committed this frame, when the artist committed a change.
    pub committed: Option<i64>,
    /// What was typed, when the commit had to bring it into range.
    pub clamped_from: Option<i64>,
    /// While the field has the keyboard: why what is typed cannot be used as it stands.
    pub problem: Option<String>,
}

impl Typed {
    /// The problem, if any, on a line of its own under the field's row (it wraps within the
    /// panel and never pushes the row's other controls away).
    pub fn problem_ui(&self, ui: &mut egui::Ui) {
        if let Some(p) = &self.problem {
            theme::problem(ui, p);
        }
    }
}

/// A rule beyond the range that a typed value must pass (a box's corner must stay left of the
/// other): `Some(why)` refuses it.
pub type Check<'a> = &'a dyn Fn(i64) -> Option<String>;

/// A typed number that commits on Enter or when the field loses focus, never per keystroke.
/// While typing nothing is clamped or applied; a value out of range is reported (see
/// [`Typed::problem`]) and clamped on commit. `decimals` scales the integer: 2 shows hundredths
/// as `25.00`. While it holds an uncommitted value it says so ([`pending`]), so a send from the
/// keyboard commits it first.
pub struct NumberField<'a> {
    tr: Tr,
    salt: u64,
    label: &'a str,
    value: i64,
    range: RangeInclusive<i64>,
    decimals: u32,
    width: f32,
    suffix: &'a str,
    enabled: bool,
    check: Option<Check<'a>>,
    /// Whether the field draws its suffix after itself (a right-to-left row draws it itself).
    draws_suffix: bool,
}

impl<'a> NumberField<'a> {
    /// `label` is what a screen reader (and a test) calls the field.
    pub fn new(tr: Tr, label: &'a str, value: i64, range: RangeInclusive<i64>) -> NumberField<'a> {
        NumberField {
            tr,
            salt: 0,
            label,
            value,
            range,
            decimals: 0,
            width: 64.0,
            suffix: "",
            enabled: true,
            check: None,
            draws_suffix: true,
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

    /// The suffix is still understood when typed, but the caller draws it (in a right-to-left row
    /// it goes before the field).
    #[must_use]
    pub fn suffix_drawn_apart(mut self) -> Self {
        self.draws_suffix = false;
        self
    }

    /// A rule the value must pass besides its range; a value that fails it is not committed.
    #[must_use]
    pub fn check(mut self, check: Check<'a>) -> Self {
        self.check = Some(check);
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

    fn clamp(&self, v: i64) -> i64 {
        v.clamp(*self.range.start(), *self.range.end())
    }

    /// Why `parsed` cannot be used as typed, if it cannot.
    fn problem(&self, parsed: Option<i64>) -> Option<String> {
        let tr = self.tr;
        let Some(v) = parsed else {
            return Some(tr.t("field-not-a-number").to_owned());
        };
        if !self.range.contains(&v) {
            return Some(crate::tr!(
                tr,
                "field-out-of-range",
                lo = self.format(*self.range.start()),
                hi = self.format(*self.range.end()),
                clamped = self.format(self.clamp(v))
            ));
        }
        self.check.and_then(|check| check(v))
    }

    /// Draws the field (and its suffix). Problems are not drawn here but returned, so the caller
    /// puts them under its row.
    pub fn show(self, ui: &mut egui::Ui) -> Typed {
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
        if self.draws_suffix && !self.suffix.is_empty() {
            ui.label(self.suffix);
        }
        let parsed = self.parse(&text);
        if response.has_focus() {
            let problem = self.problem(parsed);
            if parsed != Some(self.value) || problem.is_some() {
                note_pending(ui.ctx(), self.label, &text, problem.clone());
            }
            ui.data_mut(|d| d.insert_temp(buffer_id, text));
            return Typed {
                problem,
                ..Typed::default()
            };
        }
        ui.data_mut(|d| d.remove::<String>(buffer_id));
        // Left (Enter, Tab, a click elsewhere, a send that commits first), or set whole by
        // assistive technology.
        if !(response.lost_focus() || response.changed()) {
            return Typed::default();
        }
        let Some(typed) = parsed else {
            return Typed::default();
        };
        let committed = self.clamp(typed);
        if self.check.is_some_and(|check| check(committed).is_some()) {
            return Typed::default();
        }
        Typed {
            committed: (committed != self.value).then_some(committed),
            clamped_from: (committed != typed).then_some(typed),
            problem: None,
        }
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
    tr: crate::core::text::i18n::Tr,
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

/// The toolbar's way back to the gallery (the viewer's and Compare's).
pub fn gallery_button(
    ui: &mut egui::Ui,
    tr: crate::core::text::i18n::Tr,
    out: &mut Vec<super::cx::Action>,
) {
    if ui
        .button(tr.t("viewer-gallery"))
        .on_hover_text(tr.t("viewer-close-tip"))
        .clicked()
    {
        out.push(super::cx::Action::Show(super::cx::ShowAction::Gallery));
    }
}
