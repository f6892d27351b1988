//! The compose panel: tier, prompt, size, count, seed, switches, palette; and a footer that never
//! scrolls away with the mode, the price and Generate.

use std::time::Duration;

use eframe::egui::{self, RichText};

use crate::core::draft::{Draft, SizeKind};
use crate::core::pricing::format_usd;
use crate::core::request::Model;
use crate::core::rules::{
    ASPECT_RATIOS, Field, Gear, MAX_PIXEL_SIDE, MAX_PIXELS_4K, MAX_PROMPT_CHARS, MAX_SEED,
    Problems, max_pixels, random_seed,
};

use super::cx::{Action, ViewCx};
use super::palette::PaletteView;
use super::theme;
use super::widgets::{NumberField, named_button};

/// How long Generate says "Sent ✔".
const SENT_FOR: Duration = Duration::from_secs(2);
/// Height kept for the footer (mode, price, Generate, one status line).
pub const FOOTER_HEIGHT: f32 = 104.0;

/// The compose panel's own state.
#[derive(Default)]
pub struct ComposeView {
    pub palette: PaletteView,
    /// Said beside the resolution when a choice had to change (4K off Pro text-to-image).
    resolution_note: Option<&'static str>,
}

impl ComposeView {
    /// The whole panel: the form scrolls, the footer stays.
    pub fn ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCx<'_>,
        form: &mut Draft,
        out: &mut Vec<Action>,
    ) {
        let problems = cx.problems;
        let form_height = (ui.available_height() - FOOTER_HEIGHT).max(80.0);
        egui::ScrollArea::vertical()
            .id_salt("compose_form")
            .max_height(form_height)
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.add_space(4.0);
                tier_ui(ui, form);
                ui.add_space(6.0);
                prompt_ui(ui, cx, form, problems);
                ui.separator();
                self.size_ui(ui, form, problems);
                ui.separator();
                count_seed_ui(ui, form, problems);
                ui.separator();
                switches_ui(ui, form, problems);
                ui.separator();
                self.palette.ui(ui, cx, form, problems, out);
                ui.add_space(8.0);
            });
        if let Some(note) = form.settle() {
            self.resolution_note = Some(note);
        }
        ui.separator();
        footer_ui(ui, cx, form, out);
    }

    fn size_ui(&mut self, ui: &mut egui::Ui, form: &mut Draft, problems: &Problems) {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new("Size").strong());
            ui.selectable_value(&mut form.size_kind, SizeKind::Aspect, "Aspect ratio")
                .on_hover_text("An aspect ratio at a resolution.");
            ui.selectable_value(&mut form.size_kind, SizeKind::Gear, "Square")
                .on_hover_text("A square image at a resolution (the size is the gear itself).");
            ui.selectable_value(&mut form.size_kind, SizeKind::Custom, "Custom")
                .on_hover_text("Exact pixels, bounded by their total: 768×768 to 2048×2048 pixels, up to 4096×4096 on Pro text-to-image; 1:8 to 8:1.");
        });
        match form.size_kind {
            SizeKind::Aspect => {
                let applies = form.aspect_applies();
                ui.add_enabled_ui(applies, |ui| {
                    ui.horizontal_wrapped(|ui| {
                        for (a, b) in ASPECT_RATIOS {
                            let chosen = applies && form.aspect == (a, b);
                            let r = ui
                                .add(egui::Button::selectable(chosen, format!("{a}:{b}")))
                                .on_hover_text(format!("Aspect ratio {a}:{b}"));
                            if r.clicked() {
                                form.aspect = (a, b);
                            }
                        }
                    });
                });
                if !applies {
                    theme::hint(
                        ui,
                        &format!(
                            "Aspect ratio does not apply: the output takes the shape of reference {}.",
                            form.references.len()
                        ),
                    );
                }
                self.resolution_ui(ui, form);
            }
            SizeKind::Gear => self.resolution_ui(ui, form),
            SizeKind::Custom => {
                ui.horizontal(|ui| {
                    ui.label("Width");
                    if let Some(w) = NumberField::new(
                        "Width",
                        i64::from(form.custom.0),
                        1..=i64::from(MAX_PIXEL_SIDE),
                    )
                    .suffix("px")
                    .show(ui)
                    {
                        form.custom.0 = u32::try_from(w).unwrap_or(1);
                    }
                    ui.label("Height");
                    if let Some(h) = NumberField::new(
                        "Height",
                        i64::from(form.custom.1),
                        1..=i64::from(MAX_PIXEL_SIDE),
                    )
                    .suffix("px")
                    .show(ui)
                    {
                        form.custom.1 = u32::try_from(h).unwrap_or(1);
                    }
                });
                let side = if max_pixels(&form.to_request(0)) == MAX_PIXELS_4K {
                    4096
                } else {
                    2048
                };
                theme::hint(
                    ui,
                    &format!(
                        "Any shape from 768×768 to {side}×{side} pixels in total, between 1:8 and 8:1."
                    ),
                );
            }
        }
        let (w, h) = form.output_dimensions();
        let follows = if form.references.is_empty() || form.size_kind == SizeKind::Custom {
            String::new()
        } else {
            format!(" (shape of reference {})", form.references.len())
        };
        theme::hint(ui, &format!("Output ≈ {w} × {h} px{follows}"));
        theme_problems(ui, problems, &[Field::Size, Field::Resolution]);
    }

    fn resolution_ui(&mut self, ui: &mut egui::Ui, form: &mut Draft) {
        let why_no_4k = form.why_no_4k();
        if why_no_4k.is_none() {
            self.resolution_note = None;
        }
        ui.horizontal(|ui| {
            ui.label("Resolution");
            for gear in Gear::ALL {
                let enabled = gear != Gear::K4 || why_no_4k.is_none();
                let r = ui.add_enabled(
                    enabled,
                    egui::Button::selectable(form.resolution == gear, gear.as_str()),
                );
                let r = match (gear, why_no_4k) {
                    (Gear::K4, Some(why)) => r.on_disabled_hover_text(why),
                    _ => r.on_hover_text(format!("{} resolution", gear.as_str())),
                };
                if r.clicked() {
                    form.resolution = gear;
                    self.resolution_note = None;
                }
            }
        });
        if let Some(note) = self.resolution_note {
            theme::hint(ui, note);
        }
    }
}

fn theme_problems(ui: &mut egui::Ui, problems: &Problems, fields: &[Field]) {
    for p in problems.iter().filter(|p| fields.contains(&p.field)) {
        theme::problem(ui, &p.message);
    }
}

fn tier_ui(ui: &mut egui::Ui, form: &mut Draft) {
    ui.horizontal(|ui| {
        ui.label(RichText::new("Tier").strong());
        for (model, tip) in [
            (
                Model::Standard,
                "wan2.7-image: fast drafts, 1K and 2K in every mode.",
            ),
            (
                Model::Pro,
                "wan2.7-image-pro: up to 4K for text-to-image; print and retina assets.",
            ),
        ] {
            ui.selectable_value(&mut form.model, model, model.tier_name())
                .on_hover_text(tip);
        }
    });
}

fn prompt_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, form: &mut Draft, problems: &Problems) {
    let label = ui.label(RichText::new("Prompt").strong());
    ui.add(
        egui::TextEdit::multiline(&mut form.prompt)
            .desired_rows(4)
            .desired_width(f32::INFINITY)
            .hint_text("Describe the image… (Ctrl+Enter generates)"),
    )
    .labelled_by(label.id);
    let count = form.prompt.chars().count();
    let text = RichText::new(format!("{count} / {MAX_PROMPT_CHARS}")).small();
    ui.label(if count > MAX_PROMPT_CHARS {
        text.color(theme::error_text(ui.visuals()))
    } else {
        text.weak()
    })
    .on_hover_text("Characters in the prompt, and the API's limit.");
    for p in problems.iter().filter(|p| p.field == Field::Prompt) {
        // An empty prompt on a fresh form is a hint, not an error, until Generate is tried.
        if form.prompt.trim().is_empty() && !cx.generate_tried {
            theme::hint(ui, &p.message);
        } else {
            theme::problem(ui, &p.message);
        }
    }
    let label = ui.label("Negative prompt");
    ui.add(
        egui::TextEdit::multiline(&mut form.negative_prompt)
            .desired_rows(2)
            .desired_width(f32::INFINITY)
            .hint_text("What to keep out of the image"),
    )
    .labelled_by(label.id)
    .on_hover_text("Things the model should avoid, such as \"text, blur, extra fingers\".");
    theme_problems(ui, problems, &[Field::NegativePrompt]);
}

fn count_seed_ui(ui: &mut egui::Ui, form: &mut Draft, problems: &Problems) {
    let max = form.max_n();
    ui.horizontal(|ui| {
        let label = ui.label(RichText::new("Count").strong());
        ui.add(
            egui::Slider::new(&mut form.n, 1..=max)
                .clamping(egui::SliderClamping::Edits)
                .update_while_editing(false)
                .integer(),
        )
        .labelled_by(label.id)
        .on_hover_text("How many images; billed per image. 1–4, or up to 12 in a group series.");
    });
    theme_problems(ui, problems, &[Field::N]);
    ui.horizontal(|ui| {
        ui.label(RichText::new("Seed").strong());
        ui.checkbox(&mut form.random_seed, "Random")
            .on_hover_text("A new seed for every generation. Turn off to fix one: the same seed and settings give a similar, stable result.");
        let fixed = !form.random_seed;
        if let Some(v) = NumberField::new("Seed value", form.seed, 0..=MAX_SEED)
            .width(92.0)
            .enabled(fixed)
            .show(ui)
        {
            form.seed = v;
        }
        let roll = named_button(ui, fixed, egui::Button::new("🎲"), "Roll a new seed")
            .on_hover_text("Roll a new seed");
        if roll.clicked() {
            form.seed = random_seed();
        }
    });
    theme_problems(ui, problems, &[Field::Seed]);
}

fn switches_ui(ui: &mut egui::Ui, form: &mut Draft, problems: &Problems) {
    ui.checkbox(&mut form.watermark, "Watermark")
        .on_hover_text("Adds an \"AI-generated\" mark at the bottom right.");
    let why_no_thinking = form.why_no_thinking();
    match why_no_thinking {
        None => {
            ui.checkbox(&mut form.thinking, "Thinking mode")
                .on_hover_text("Extra reasoning for quality (text-to-image only); slower.");
        }
        Some(why) => {
            // Shown unticked: it is not sent. The artist's choice comes back with text-to-image.
            ui.horizontal(|ui| {
                let mut shown = false;
                ui.add_enabled(false, egui::Checkbox::new(&mut shown, "Thinking mode"))
                    .on_disabled_hover_text(why);
                ui.label(RichText::new("not applied").small().weak())
                    .on_hover_text(why);
            });
        }
    }
    let why_no_group = form.why_no_group();
    let r = ui.add_enabled(
        why_no_group.is_none() || form.group,
        egui::Checkbox::new(&mut form.group, "Group series"),
    );
    match why_no_group {
        Some(why) => r.on_disabled_hover_text(why).on_hover_text(why),
        None => r.on_hover_text(
            "A consistent, connected set of up to 12 in one call: storyboards, comic panels.",
        ),
    };
    theme_problems(ui, problems, &[Field::EnableSequential]);
}

/// Mode, price, Generate and what became of the last send. Always in view.
fn footer_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, form: &Draft, out: &mut Vec<Action>) {
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(form.mode().to_string()).strong())
            .on_hover_text(
                "Decided by the request: references make it an edit, boxes a region edit, group series a set.",
            );
        let estimate = form.estimate(&cx.settings.rates);
        let text = format!(
            "· {}{} credits ≈ {}",
            if estimate.up_to { "up to " } else { "" },
            estimate.credits,
            format_usd(estimate.micro_usd)
        );
        ui.label(text).on_hover_text(format!(
            "{}{} image(s) × {} per image on {}. Failed and rejected requests are not charged.{}",
            if estimate.up_to { "Up to " } else { "" },
            estimate.images,
            format_usd(cx.settings.rates.per_image_micro_usd(form.model)),
            form.model.tier_name(),
            if estimate.up_to {
                " A series may come back shorter: only the images returned are billed."
            } else {
                ""
            }
        ));
        if cx.conn.is_sandbox() {
            ui.label(RichText::new("(sandbox: free)").weak());
        }
    });
    let ready = cx.blockers.is_empty();
    let r = ui.add_enabled(
        ready,
        theme::primary_button("Generate", ready, ui.available_width()),
    );
    let r = if ready {
        r.on_hover_text("Send the request (Ctrl+Enter)")
    } else {
        r.on_disabled_hover_text(cx.blockers.join("\n"))
    };
    if r.clicked() {
        out.push(Action::Generate);
    }
    let sent_recently = cx.last_sent.is_some_and(|t| t.elapsed() < SENT_FOR);
    if sent_recently {
        let colour = theme::ok_text(ui.visuals());
        ui.label(RichText::new("Sent ✔ — it is in the queue").color(colour));
        ui.ctx().request_repaint_after(SENT_FOR);
    } else if let Some(first) = cx.blockers.first() {
        let more = cx.blockers.len() - 1;
        let text = if more > 0 {
            format!("{first} (+{more} more)")
        } else {
            first.clone()
        };
        if cx.generate_tried {
            theme::problem(ui, &text);
        } else {
            theme::hint(ui, &text);
        }
    }
}
