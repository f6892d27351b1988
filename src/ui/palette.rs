//! The palette editor: 3–10 swatches, each with a colour picker, a hex field, a share (slider and
//! typed percentage) and a lock. The ratios always total exactly 100.00% (the core's [`Palette`]);
//! a slider drag rescales the others from where the drag began, so dragging away and back restores
//! them. Every change is an undoable [`Edit`]; one drag or one typed commit is one undo step.

use eframe::egui::{self, RichText};

use crate::core::api::rules::{Field, MAX_PALETTE, MIN_PALETTE, Problems, format_ratio, parse_hex};
use crate::core::draft::Draft;
use crate::core::palette::{Palette, PaletteError};

use super::cx::{Action, Edit, EditAction, Step, ViewCx};
use super::theme;
use super::widgets::{NumberField, named_button};
use crate::tr;

/// A slider drag in progress.
struct Drag {
    index: usize,
    /// The palette when the drag began: every frame of the drag is measured from it.
    base: Palette,
}

/// The palette editor's own state.
#[derive(Default)]
pub struct PaletteView {
    drag: Option<Drag>,
    /// The name being typed for tr.t("palette-save").
    name: String,
}

/// One frame's change to one swatch.
#[derive(Clone, Copy)]
enum Change {
    Colour([u8; 3]),
    Slider(u32, bool),
    Typed(u32),
    Lock(bool),
    Remove,
}

impl PaletteView {
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCx<'_>,
        form: &Draft,
        problems: &Problems,
        out: &mut Vec<Action>,
    ) {
        let tr = cx.tr;
        let why_not = form.why_no_palette();
        let mut on = form.palette_on;
        let r = ui.add_enabled(
            why_not.is_none() || on,
            egui::Checkbox::new(&mut on, RichText::new(tr.t("palette-title")).strong()),
        );
        let r = match why_not {
            Some(why) => r.on_hover_text(why).on_disabled_hover_text(why),
            None => r.on_hover_text(tr.t("palette-tip")),
        };
        if r.changed() {
            out.push(Action::edit(Edit::PaletteOn(on)));
        }
        for p in problems
            .iter()
            .filter(|p| matches!(p.field, Field::ColorPalette | Field::Swatch(_)))
        {
            theme::problem(ui, &p.message);
        }
        if !form.palette_on {
            return;
        }
        let palette = &form.palette;
        let mut change = None;
        for i in 0..palette.len() {
            if let Some(c) = swatch_row_ui(ui, cx, palette, i, out)
                && change.is_none()
            {
                change = Some((i, c));
            }
        }
        super::eyedropper::armed_hint_ui(ui, cx);
        let mut add = false;
        ui.horizontal(|ui| {
            let room = palette.len() < MAX_PALETTE;
            let r = named_button(
                ui,
                room,
                egui::Button::new(tr.t("palette-add")),
                tr.t("palette-add-name"),
            )
            .on_disabled_hover_text(tr!(tr, "palette-max", max = MAX_PALETTE));
            add = r.clicked();
            ui.label(
                RichText::new(tr!(
                    tr,
                    "palette-total",
                    total = format_ratio(palette.total())
                ))
                .weak(),
            )
            .on_hover_text(tr.t("palette-total-tip"));
        });
        self.saved_ui(ui, cx, out);
        if !ui.input(|i| i.pointer.any_down()) {
            self.drag = None;
        }
        let result = if add {
            let mut next = palette.clone();
            next.add(palette.distinct_colour())
                .map(|_| (next, Step::New))
        } else if let Some((i, c)) = change {
            self.apply(palette, i, c)
        } else {
            return;
        };
        match result {
            Ok((next, step)) => out.push(
                EditAction::Change {
                    edit: Edit::Palette(next),
                    step,
                }
                .into(),
            ),
            Err(e) => out.push(Action::NotifyError(crate::msg!(
                "notice-with-detail",
                what = crate::core::text::i18n::Message::new("err-colour-palette"),
                detail = e.to_string()
            ))),
        }
    }

    /// Named palettes: put a kept one in the form, keep this one under a name, forget one.
    fn saved_ui(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, out: &mut Vec<Action>) {
        let tr = cx.tr;
        ui.horizontal_wrapped(|ui| {
            ui.menu_button(tr.t("palette-saved"), |ui| {
                if cx.palettes.is_empty() {
                    ui.label(RichText::new(tr.t("palette-none-saved")).weak());
                }
                for saved in cx.palettes.iter() {
                    ui.horizontal(|ui| {
                        chips_ui(ui, &saved.palette);
                        let r = ui
                            .button(&saved.name)
                            .on_hover_text(tr.t("palette-load-tip"));
                        if r.clicked() {
                            out.push(Action::Edit(EditAction::LoadPalette(saved.name.clone())));
                            ui.close();
                        }
                        let r = named_button(
                            ui,
                            true,
                            egui::Button::new("✖").small(),
                            &tr!(tr, "palette-delete", name = &saved.name),
                        )
                        .on_hover_text(tr.t("palette-delete-tip"));
                        if r.clicked() {
                            out.push(Action::Edit(EditAction::DeletePalette(saved.name.clone())));
                        }
                    });
                }
            })
            .response
            .on_hover_text(tr.t("palette-saved-tip"));
            let r = ui.add(
                egui::TextEdit::singleline(&mut self.name)
                    .hint_text(tr.t("palette-name-hint"))
                    .desired_width(120.0)
                    .char_limit(crate::core::palette::palettes::MAX_NAME_CHARS),
            );
            r.widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::TextInput, true, tr.t("palette-name"))
            });
            let entered = r.lost_focus() && ui.input(|i| i.key_pressed(egui::Key::Enter));
            let named = !self.name.trim().is_empty();
            let replaces = cx.palettes.get(&self.name).is_some();
            let save = named_button(
                ui,
                named,
                egui::Button::new(tr.t("palette-save")),
                tr.t("palette-save"),
            )
            .on_hover_text(if replaces {
                tr.t("palette-replaces-tip")
            } else {
                tr.t("palette-keep-tip")
            })
            .on_disabled_hover_text(tr.t("palette-name-first"));
            if named && (save.clicked() || entered) {
                out.push(Action::Edit(EditAction::SavePalette(std::mem::take(
                    &mut self.name,
                ))));
            }
        });
    }

    /// The palette after a change, and whether it continues the current undo step.
    fn apply(
        &mut self,
        palette: &Palette,
        i: usize,
        change: Change,
    ) -> Result<(Palette, Step), PaletteError> {
        let mut next = palette.clone();
        match change {
            Change::Colour(rgb) => next.set_colour(i, rgb)?,
            Change::Lock(l) => next.set_locked(i, l)?,
            Change::Remove => next.remove(i)?,
            Change::Typed(v) => {
                next.set_ratio(i, v)?;
            }
            Change::Slider(v, dragging) => {
                if !dragging {
                    self.drag = None;
                    next.set_ratio(i, v)?;
                    return Ok((next, Step::New));
                }
                let continuing = self.drag.as_ref().is_some_and(|d| d.index == i);
                if !continuing {
                    self.drag = Some(Drag {
                        index: i,
                        base: palette.clone(),
                    });
                }
                if let Some(d) = &self.drag {
                    next.set_ratio_from(&d.base, i, v)?;
                }
                let step = if continuing {
                    Step::Continue
                } else {
                    Step::New
                };
                return Ok((next, step));
            }
        }
        Ok((next, Step::New))
    }
}

/// A palette's colours as small chips, each as wide as its share.
fn chips_ui(ui: &mut egui::Ui, palette: &Palette) {
    let width = 60.0;
    let (rect, _) = ui.allocate_exact_size(egui::vec2(width, 14.0), egui::Sense::hover());
    let mut x = rect.min.x;
    for s in palette.swatches() {
        let w = width * s.ratio as f32 / crate::core::palette::TOTAL as f32;
        let chip = egui::Rect::from_min_size(egui::pos2(x, rect.min.y), egui::vec2(w, 14.0));
        ui.painter().rect_filled(
            chip,
            0.0,
            egui::Color32::from_rgb(s.rgb[0], s.rgb[1], s.rgb[2]),
        );
        x += w;
    }
}

/// Below this width a swatch takes two lines: colour, eyedropper, hex, lock and remove on the
/// first, the share's slider and typed percentage on the second.
const ONE_LINE: f32 = 420.0;

/// One swatch: colour, eyedropper, hex, share, lock, remove; under them, what is wrong with a
/// typed value, or why the share cannot move. Nothing in it is wider than the panel.
fn swatch_row_ui(
    ui: &mut egui::Ui,
    cx: &ViewCx<'_>,
    palette: &Palette,
    i: usize,
    out: &mut Vec<Action>,
) -> Option<Change> {
    let tr = cx.tr;
    let s = palette.swatches()[i];
    let mut change = None;
    let n = i + 1;
    let range = palette.ratio_range(i);
    let movable = !s.locked && range.start() < range.end();
    let one_line = ui.available_width() >= ONE_LINE;
    let mut problems: Vec<String> = Vec::new();
    let mut head = |ui: &mut egui::Ui, change: &mut Option<Change>| {
        let mut rgb = s.rgb;
        let r = egui::widgets::color_picker::color_edit_button_srgb(ui, &mut rgb);
        r.widget_info(|| {
            egui::WidgetInfo::labeled(
                egui::Role::ColorWell,
                true,
                tr!(tr, "palette-colour", n = n),
            )
        });
        if rgb != s.rgb {
            *change = Some(Change::Colour(rgb));
        }
        super::eyedropper::swatch_button_ui(ui, cx, i, out);
        if let Some(c) = hex_ui(ui, cx, s.rgb, i, &mut problems) {
            *change = Some(c);
        }
    };
    let lock = |ui: &mut egui::Ui, change: &mut Option<Change>| {
        let (icon, tip) = if s.locked {
            ("🔒", tr.t("palette-unlock-tip"))
        } else {
            ("🔓", tr.t("palette-lock-tip"))
        };
        let r = ui
            .add(egui::Button::selectable(s.locked, icon))
            .on_hover_text(tip);
        r.widget_info(|| {
            egui::WidgetInfo::selected(
                egui::Role::CheckBox,
                true,
                s.locked,
                tr!(tr, "palette-lock", n = n),
            )
        });
        if r.clicked() {
            *change = Some(Change::Lock(!s.locked));
        }
    };
    let remove = |ui: &mut egui::Ui, change: &mut Option<Change>| {
        let can_remove = palette.len() > MIN_PALETTE;
        let r = named_button(
            ui,
            can_remove,
            egui::Button::new("✖"),
            &tr!(tr, "palette-remove", n = n),
        )
        .on_hover_text(tr.t("palette-remove-tip"))
        .on_disabled_hover_text(tr!(tr, "palette-min", min = MIN_PALETTE));
        if r.clicked() {
            *change = Some(Change::Remove);
        }
    };
    // Drawn right to left, so the slider takes exactly what the typed percentage leaves.
    let share = |ui: &mut egui::Ui, change: &mut Option<Change>| {
        ui.label("%");
        let label = tr!(tr, "palette-percent", n = n);
        let typed = NumberField::new(
            tr,
            &label,
            i64::from(s.ratio),
            i64::from(*range.start())..=i64::from(*range.end()),
        )
        .decimals(2)
        .width(52.0)
        .suffix("%")
        .suffix_drawn_apart()
        .enabled(movable)
        .show(ui);
        if let Some(v) = typed.committed {
            *change = Some(Change::Typed(u32::try_from(v).unwrap_or(1)));
        }
        let (lo, hi) = (
            f64::from(*range.start()) / 100.0,
            f64::from(*range.end()) / 100.0,
        );
        let mut percent = f64::from(s.ratio) / 100.0;
        ui.spacing_mut().slider_width = ui.available_width().max(40.0);
        let r = ui.add_enabled(
            movable,
            egui::Slider::new(&mut percent, lo..=hi)
                .show_value(false)
                .step_by(0.01),
        );
        r.widget_info(|| {
            egui::WidgetInfo::slider(movable, percent, tr!(tr, "palette-ratio", n = n))
        });
        let r = r.on_disabled_hover_text(if s.locked {
            tr.t("palette-locked")
        } else {
            tr.t("palette-all-locked")
        });
        // Float steps can report a change of nothing (25.000000000000004): compare hundredths.
        let hundredths = (percent * 100.0).round() as u32;
        if r.changed() && hundredths != s.ratio {
            let dragging = r.dragged() || r.is_pointer_button_down_on();
            *change = Some(Change::Slider(hundredths, dragging));
        }
        typed.problem
    };
    let rtl = egui::Layout::right_to_left(egui::Align::Center);
    let typed_problem = if one_line {
        ui.horizontal(|ui| {
            head(ui, &mut change);
            ui.with_layout(rtl, |ui| {
                remove(ui, &mut change);
                lock(ui, &mut change);
                share(ui, &mut change)
            })
            .inner
        })
        .inner
    } else {
        ui.horizontal(|ui| {
            head(ui, &mut change);
            ui.with_layout(rtl, |ui| {
                // Right to left: remove at the far right, as in the wide row.
                remove(ui, &mut change);
                lock(ui, &mut change);
            });
        });
        ui.horizontal(|ui| {
            ui.add_space(ui.spacing().indent);
            ui.with_layout(rtl, |ui| share(ui, &mut change)).inner
        })
        .inner
    };
    problems.extend(typed_problem);
    for p in &problems {
        theme::problem(ui, p);
    }
    if !s.locked && !movable && palette.len() > 1 {
        // The only unlocked colour holds what the locked ones leave: it cannot move.
        theme::hint(ui, tr.t("palette-all-locked"));
    }
    change
}

/// The hex field: committed when left (Enter or a click elsewhere); while it has the keyboard
/// it says what is wrong with what is typed, and that it is pending (a send commits it first).
fn hex_ui(
    ui: &mut egui::Ui,
    cx: &ViewCx<'_>,
    rgb: [u8; 3],
    i: usize,
    problems: &mut Vec<String>,
) -> Option<Change> {
    let tr = cx.tr;
    let n = i + 1;
    let current = format!("#{:02X}{:02X}{:02X}", rgb[0], rgb[1], rgb[2]);
    let hex_id = ui.make_persistent_id(("hex", i));
    let mut hex = ui
        .data_mut(|d| d.get_temp::<String>(hex_id))
        .unwrap_or_else(|| current.clone());
    let r = ui.add(
        egui::TextEdit::singleline(&mut hex)
            .desired_width(72.0)
            .char_limit(7),
    );
    let name = tr!(tr, "palette-hex", n = n);
    r.widget_info(|| egui::WidgetInfo::labeled(egui::Role::TextInput, true, name.clone()));
    let parsed = parse_hex(hex.trim());
    if r.has_focus() {
        let problem = parsed
            .is_none()
            .then(|| tr.t("palette-hex-problem").to_owned());
        if parsed != Some(rgb) {
            super::widgets::note_pending(ui.ctx(), &name, &hex, problem.clone());
        }
        problems.extend(problem);
        ui.data_mut(|d| d.insert_temp(hex_id, hex));
        return None;
    }
    ui.data_mut(|d| d.remove::<String>(hex_id));
    if r.lost_focus() {
        return parsed.filter(|c| *c != rgb).map(Change::Colour);
    }
    None
}
