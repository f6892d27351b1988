//! The palette editor: 3–10 swatches, each with a colour picker, a hex field, a ratio slider and a
//! lock; the ratios always total exactly 100.00% (the core's [`Palette`] guarantees it).

use eframe::egui::{self, RichText};

use crate::core::palette::{Palette, TOTAL};
use crate::core::rules::{Field, MAX_PALETTE, MIN_PALETTE, Problems, format_ratio, parse_hex};

use super::app::StudioApp;
use super::theme;

/// One frame's palette edit, applied after drawing.
#[derive(Clone, Copy)]
enum Edit {
    Colour(usize, [u8; 3]),
    Ratio(usize, u32),
    Lock(usize, bool),
    Add,
    Remove(usize),
}

impl StudioApp {
    pub(crate) fn palette_ui(&mut self, ui: &mut egui::Ui, problems: &Problems) {
        let why_not = self.draft.why_no_palette();
        let mut on = self.draft.palette_on;
        let r = ui.add_enabled(
            why_not.is_none() || on,
            egui::Checkbox::new(&mut on, RichText::new("Colour palette").strong()),
        );
        let r = match why_not {
            Some(why) => r.on_hover_text(why).on_disabled_hover_text(why),
            None => r.on_hover_text("Steer the colours: 3 to 10 swatches whose shares total 100%."),
        };
        if r.changed() {
            self.record_edit();
            self.draft.palette_on = on;
        }
        for p in problems
            .iter()
            .filter(|p| matches!(p.field, Field::ColorPalette | Field::Swatch(_)))
        {
            theme::problem(ui, &p.message);
        }
        if !self.draft.palette_on {
            return;
        }
        let palette = self.draft.palette.clone();
        let mut edit = None;
        for i in 0..palette.len() {
            if let Some(e) = swatch_row_ui(ui, &palette, i) {
                edit = Some(e);
            }
        }
        ui.horizontal(|ui| {
            let r = ui
                .add_enabled(
                    palette.len() < MAX_PALETTE,
                    egui::Button::new("+ Add colour"),
                )
                .on_disabled_hover_text(format!("A palette holds at most {MAX_PALETTE} colours."));
            r.widget_info(|| {
                egui::WidgetInfo::labeled(
                    egui::Role::Button,
                    palette.len() < MAX_PALETTE,
                    "Add colour",
                )
            });
            if r.clicked() {
                edit = Some(Edit::Add);
            }
            ui.label(RichText::new(format!("Total {}", format_ratio(palette.total()))).weak())
                .on_hover_text(
                    "Always exactly 100.00%: moving one share rescales the unlocked others.",
                );
        });
        let any_pointer = ui.input(|i| i.pointer.any_down());
        match edit {
            Some(e) => {
                if !self.edit_in_progress {
                    self.record_edit();
                }
                self.edit_in_progress = any_pointer;
                if let Err(why) = apply(&mut self.draft.palette, e) {
                    self.notify_error(why);
                }
            }
            None if !any_pointer => self.edit_in_progress = false,
            None => {}
        }
        debug_assert_eq!(self.draft.palette.total(), TOTAL);
    }
}

/// One swatch: colour, hex, share, lock, remove.
fn swatch_row_ui(ui: &mut egui::Ui, palette: &Palette, i: usize) -> Option<Edit> {
    let s = palette.swatches()[i];
    let mut edit = None;
    let n = i + 1;
    ui.horizontal(|ui| {
        let mut rgb = s.rgb;
        let r = egui::widgets::color_picker::color_edit_button_srgb(ui, &mut rgb);
        r.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::ColorWell, true, format!("Colour {n}"))
        });
        if rgb != s.rgb {
            edit = Some(Edit::Colour(i, rgb));
        }
        let hex_id = ui.make_persistent_id(("hex", i));
        let mut hex = ui
            .data_mut(|d| d.get_temp::<String>(hex_id))
            .unwrap_or_else(|| s.hex());
        let r = ui.add(
            egui::TextEdit::singleline(&mut hex)
                .desired_width(76.0)
                .char_limit(7),
        );
        r.widget_info(|| {
            egui::WidgetInfo::labeled(egui::Role::TextInput, true, format!("Hex {n}"))
        });
        if r.has_focus() {
            if let Some(rgb) = parse_hex(hex.trim()).filter(|c| *c != s.rgb) {
                edit = Some(Edit::Colour(i, rgb));
            }
            ui.data_mut(|d| d.insert_temp(hex_id, hex));
        } else {
            ui.data_mut(|d| d.remove::<String>(hex_id));
        }
        let range = palette.ratio_range(i);
        let (lo, hi) = (
            f64::from(*range.start()) / 100.0,
            f64::from(*range.end()) / 100.0,
        );
        let mut percent = f64::from(s.ratio) / 100.0;
        let r = ui.add_enabled(
            !s.locked && lo < hi,
            egui::Slider::new(&mut percent, lo..=hi)
                .fixed_decimals(2)
                .suffix("%")
                .step_by(0.01),
        );
        r.widget_info(|| {
            egui::WidgetInfo::slider(!s.locked && lo < hi, percent, format!("Ratio {n}"))
        });
        let r = r.on_disabled_hover_text(if s.locked {
            "Locked: unlock it to change its share."
        } else {
            "Every other colour is locked: unlock one to make room."
        });
        if r.changed() {
            edit = Some(Edit::Ratio(i, (percent * 100.0).round() as u32));
        }
        let (icon, tip) = if s.locked {
            ("🔒", "Unlock this colour's share")
        } else {
            ("🔓", "Lock this colour's share")
        };
        let r = ui
            .add(egui::Button::selectable(s.locked, icon))
            .on_hover_text(tip);
        r.widget_info(|| {
            egui::WidgetInfo::selected(
                egui::Role::CheckBox,
                true,
                s.locked,
                format!("Lock colour {n}"),
            )
        });
        if r.clicked() {
            edit = Some(Edit::Lock(i, !s.locked));
        }
        let r = ui
            .add_enabled(palette.len() > MIN_PALETTE, egui::Button::new("✖"))
            .on_hover_text("Remove this colour")
            .on_disabled_hover_text(format!("A palette needs at least {MIN_PALETTE} colours."));
        r.widget_info(|| {
            egui::WidgetInfo::labeled(
                egui::Role::Button,
                palette.len() > MIN_PALETTE,
                format!("Remove colour {n}"),
            )
        });
        if r.clicked() {
            edit = Some(Edit::Remove(i));
        }
    });
    edit
}

fn apply(p: &mut Palette, e: Edit) -> Result<(), String> {
    let r = match e {
        Edit::Colour(i, rgb) => p.set_colour(i, rgb),
        Edit::Ratio(i, v) => p.set_ratio(i, v).map(drop),
        Edit::Lock(i, l) => p.set_locked(i, l),
        Edit::Add => {
            // A new colour: the complement of the last one, so it is visibly different.
            let last = p.swatches().last().map_or([128; 3], |s| s.rgb);
            p.add([255 - last[0], 255 - last[1], 255 - last[2]])
                .map(drop)
        }
        Edit::Remove(i) => p.remove(i),
    };
    r.map_err(|e| e.to_string())
}
