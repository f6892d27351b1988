//! Colours and small visual helpers shared by the views. Every text colour here reads at WCAG AA
//! (4.5:1) on what it is drawn on, in both themes; `tests::every_text_pair_reads_at_aa` checks it.

use eframe::egui::{self, Color32, RichText};

use crate::core::settings::Theme;

/// Badge fills, each with the text colour drawn on it.
pub const SANDBOX: Color32 = Color32::from_rgb(0xE0, 0x9A, 0x1F);
pub const SANDBOX_TEXT: Color32 = Color32::BLACK;
pub const LIVE: Color32 = Color32::from_rgb(0x1E, 0x7B, 0x45);
pub const RUNNING: Color32 = Color32::from_rgb(0x2F, 0x6B, 0xC0);
pub const ERROR: Color32 = Color32::from_rgb(0xB3, 0x26, 0x1E);
pub const WARN: Color32 = Color32::from_rgb(0x9A, 0x5B, 0x00);
/// A job kept for another connection: neither running nor ended.
pub const WAITING: Color32 = Color32::from_rgb(0x5F, 0x66, 0x70);
/// The primary action (Generate): white text on it reads at 6.3:1.
pub const ACCENT: Color32 = Color32::from_rgb(0x1F, 0x5F, 0xAE);
/// Box outlines on images: the first and the second box on a reference.
pub const BOX_COLOURS: [Color32; 2] = [
    Color32::from_rgb(255, 196, 0),
    Color32::from_rgb(0, 220, 255),
];

/// Styles every frame uses, for both themes.
pub fn install(ctx: &egui::Context) {
    ctx.all_styles_mut(|style| {
        style.spacing.item_spacing = egui::vec2(8.0, 6.0);
        style.spacing.button_padding = egui::vec2(8.0, 4.0);
        // Labels that name things are not text to select; what an artist may copy (prompts,
        // errors, metadata, paths, notices) says so where it is shown. A selectable label also
        // costs its selection bookkeeping every frame, for every label in the window.
        style.interaction.selectable_labels = false;
    });
    ctx.style_mut_of(egui::Theme::Light, |style| tune(&mut style.visuals));
    ctx.style_mut_of(egui::Theme::Dark, |style| tune(&mut style.visuals));
}

/// Text colours that read well: egui's weak text is a faded colour that falls under 3:1.
pub fn tune(v: &mut egui::Visuals) {
    if v.dark_mode {
        v.widgets.noninteractive.fg_stroke.color = Color32::from_gray(200);
        v.weak_text_color = Some(Color32::from_gray(150));
    } else {
        v.widgets.noninteractive.fg_stroke.color = Color32::from_gray(40);
        v.weak_text_color = Some(Color32::from_gray(100));
    }
}

pub fn apply(ctx: &egui::Context, theme: Theme) {
    ctx.set_theme(match theme {
        Theme::System => egui::ThemePreference::System,
        Theme::Light => egui::ThemePreference::Light,
        Theme::Dark => egui::ThemePreference::Dark,
    });
}

/// Error text for this theme.
pub fn error_text(v: &egui::Visuals) -> Color32 {
    if v.dark_mode {
        Color32::from_rgb(0xFF, 0x8A, 0x80)
    } else {
        ERROR
    }
}

/// Good-news text ("Sent ✓") for this theme.
pub fn ok_text(v: &egui::Visuals) -> Color32 {
    if v.dark_mode {
        Color32::from_rgb(0x5C, 0xD0, 0x8A)
    } else {
        LIVE
    }
}

/// Warning text for this theme.
pub fn warn_text(v: &egui::Visuals) -> Color32 {
    if v.dark_mode { SANDBOX } else { WARN }
}

/// The text colour drawn on a badge fill.
pub fn on_fill(fill: Color32) -> Color32 {
    if fill == SANDBOX {
        SANDBOX_TEXT
    } else {
        Color32::WHITE
    }
}

/// A small coloured label, like a tag.
pub fn badge(ui: &mut egui::Ui, text: &str, fill: Color32) -> egui::Response {
    egui::Frame::new()
        .fill(fill)
        .corner_radius(4.0)
        .inner_margin(egui::Margin::symmetric(6, 2))
        .show(ui, |ui| {
            ui.label(RichText::new(text).strong().color(on_fill(fill)))
        })
        .inner
}

/// A problem shown beside the control that caused it (it wraps, never cut).
pub fn problem(ui: &mut egui::Ui, text: &str) {
    let colour = error_text(ui.visuals());
    ui.add(egui::Label::new(RichText::new(format!("⚠ {text}")).color(colour)).wrap());
}

/// A short problem on the same line as its field.
pub fn inline_problem(ui: &mut egui::Ui, text: &str) {
    let colour = error_text(ui.visuals());
    ui.label(RichText::new(text).small().color(colour));
}

/// A quieter explanation line.
pub fn hint(ui: &mut egui::Ui, text: &str) {
    ui.add(egui::Label::new(RichText::new(text).small().weak()).wrap());
}

/// The primary button: accent fill and white text when enabled; plainly greyed when not.
pub fn primary_button(text: &str, enabled: bool, width: f32) -> egui::Button<'static> {
    let mut rich = RichText::new(text.to_owned()).strong().size(16.0);
    if enabled {
        rich = rich.color(Color32::WHITE);
    }
    let b = egui::Button::new(rich).min_size(egui::vec2(width, 34.0));
    if enabled { b.fill(ACCENT) } else { b }
}

/// WCAG relative luminance of an sRGB colour.
pub fn luminance(c: Color32) -> f64 {
    let lin = |v: u8| {
        let v = f64::from(v) / 255.0;
        if v <= 0.039_28 {
            v / 12.92
        } else {
            ((v + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * lin(c.r()) + 0.7152 * lin(c.g()) + 0.0722 * lin(c.b())
}

/// WCAG contrast ratio between two opaque colours (1 to 21).
pub fn contrast(a: Color32, b: Color32) -> f64 {
    let (la, lb) = (luminance(a), luminance(b));
    let (hi, lo) = if la > lb { (la, lb) } else { (lb, la) };
    (hi + 0.05) / (lo + 0.05)
}

/// `fg` (possibly translucent) as it looks over the opaque `bg`.
pub fn over(fg: Color32, bg: Color32) -> Color32 {
    let a = f32::from(fg.a()) / 255.0;
    // egui colours are premultiplied.
    let mix = |f: u8, b: u8| (f32::from(f) + f32::from(b) * (1.0 - a)).round().min(255.0) as u8;
    Color32::from_rgb(
        mix(fg.r(), bg.r()),
        mix(fg.g(), bg.g()),
        mix(fg.b(), bg.b()),
    )
}

/// Every (name, text, background) pair the window draws text with, for a theme's visuals.
pub fn text_pairs(v: &egui::Visuals) -> Vec<(&'static str, Color32, Color32)> {
    let panel = v.panel_fill;
    let w = &v.widgets;
    vec![
        ("text on panel", v.text_color(), panel),
        (
            "weak text on panel",
            over(v.weak_text_color(), panel),
            panel,
        ),
        (
            "button text",
            w.inactive.fg_stroke.color,
            w.inactive.weak_bg_fill,
        ),
        (
            "hovered button text",
            w.hovered.fg_stroke.color,
            w.hovered.weak_bg_fill,
        ),
        (
            "selected choice",
            v.selection.stroke.color,
            v.selection.bg_fill,
        ),
        ("error text", error_text(v), panel),
        ("warning text", warn_text(v), panel),
        ("good-news text", ok_text(v), panel),
        ("Generate", Color32::WHITE, ACCENT),
        ("sandbox badge", on_fill(SANDBOX), SANDBOX),
        ("live badge", on_fill(LIVE), LIVE),
        ("running badge", on_fill(RUNNING), RUNNING),
        ("error badge", on_fill(ERROR), ERROR),
        ("warning badge", on_fill(WARN), WARN),
        ("waiting badge", on_fill(WAITING), WAITING),
        ("text field", v.text_color(), v.text_edit_bg_color()),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_text_pair_reads_at_aa() {
        for dark in [false, true] {
            let mut v = if dark {
                egui::Visuals::dark()
            } else {
                egui::Visuals::light()
            };
            tune(&mut v);
            for (name, fg, bg) in text_pairs(&v) {
                let c = contrast(fg, bg);
                assert!(
                    c >= 4.5,
                    "{} theme: {name} is {c:.2}:1 ({fg:?} on {bg:?})",
                    if dark { "dark" } else { "light" }
                );
            }
        }
    }

    #[test]
    fn an_enabled_generate_looks_unlike_a_disabled_one() {
        let v = {
            let mut v = egui::Visuals::light();
            tune(&mut v);
            v
        };
        // Disabled: egui's inactive button, faded.
        let disabled_fill = v.widgets.inactive.weak_bg_fill;
        assert!(
            contrast(ACCENT, disabled_fill) >= 3.0,
            "the enabled fill stands out from the disabled one"
        );
        assert!((contrast(Color32::WHITE, Color32::WHITE) - 1.0).abs() < 1e-9);
        assert!(contrast(Color32::BLACK, Color32::WHITE) > 20.9);
    }
}
