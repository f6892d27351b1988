//! The compose panel: tier, prompt, size, count, seed, switches, palette; and a footer that never
//! scrolls away with the mode, the price and Generate.

use std::time::Duration;

use eframe::egui::{self, RichText};

use crate::core::api::pricing::format_usd;
use crate::core::api::request::Model;
use crate::core::api::rules::{
    ASPECT_RATIOS, Field, Gear, MAX_PIXEL_SIDE, MAX_PIXELS_4K, MAX_PROMPT_CHARS, MAX_SEED,
    Problems, max_pixels, random_seed,
};
use crate::core::draft::{Draft, SizeKind};

use super::cx::{Action, BatchAction, SendAction, ViewCx};
use super::palette::PaletteView;
use super::theme;
use super::widgets::{NumberField, named_button};
use crate::core::text::i18n::Tr;
use crate::tr;

/// How long Generate says "Sent ✔".
const SENT_FOR: Duration = Duration::from_secs(2);
/// Height kept for the footer (mode, price, Generate, one status line).
pub const FOOTER_HEIGHT: f32 = 118.0;

/// The compose panel's own state.
#[derive(Default)]
pub struct ComposeView {
    pub palette: PaletteView,
    pub presets: super::presets::PresetsView,
    /// Said beside the resolution when a choice had to change (4K off Pro text-to-image).
    resolution_note: Option<&'static str>,
    /// The count last typed that had to be brought within the rule (it is said under the field
    /// until the count changes again).
    count_note: Option<i64>,
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
        let tr = cx.tr;
        let form_height = (ui.available_height() - FOOTER_HEIGHT).max(80.0);
        egui::ScrollArea::vertical()
            .id_salt("compose_form")
            .max_height(form_height)
            .auto_shrink([false, false])
            .show(ui, |ui| {
                ui.add_space(4.0);
                self.presets.ui(ui, cx, out);
                ui.add_space(2.0);
                tier_ui(ui, tr, form);
                ui.add_space(6.0);
                prompt_ui(ui, cx, form, problems);
                ui.separator();
                self.size_ui(ui, tr, form, problems);
                ui.separator();
                count_seed_ui(ui, tr, form, problems, &mut self.count_note);
                ui.separator();
                switches_ui(ui, tr, form, problems);
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

    fn size_ui(&mut self, ui: &mut egui::Ui, tr: Tr, form: &mut Draft, problems: &Problems) {
        ui.horizontal_wrapped(|ui| {
            ui.label(RichText::new(tr.t("compose-size")).strong());
            ui.selectable_value(
                &mut form.size_kind,
                SizeKind::Aspect,
                tr.t("compose-aspect"),
            )
            .on_hover_text(tr.t("compose-aspect-tip"));
            ui.selectable_value(&mut form.size_kind, SizeKind::Gear, tr.t("compose-square"))
                .on_hover_text(tr.t("compose-square-tip"));
            ui.selectable_value(
                &mut form.size_kind,
                SizeKind::Custom,
                tr.t("compose-custom"),
            )
            .on_hover_text(tr.t("compose-custom-tip"));
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
                                .on_hover_text(tr!(tr, "compose-aspect-n", a = a, b = b));
                            if r.clicked() {
                                form.aspect = (a, b);
                            }
                        }
                    });
                });
                if !applies {
                    theme::hint(
                        ui,
                        &tr!(tr, "compose-aspect-follows", n = form.references.len()),
                    );
                }
                self.resolution_ui(ui, tr, form);
            }
            SizeKind::Gear => self.resolution_ui(ui, tr, form),
            SizeKind::Custom => {
                let typed = ui
                    .horizontal_wrapped(|ui| {
                        ui.label(tr.t("compose-width"));
                        let w = NumberField::new(
                            tr,
                            tr.t("compose-custom-width"),
                            i64::from(form.custom.0),
                            1..=i64::from(MAX_PIXEL_SIDE),
                        )
                        .suffix("px")
                        .show(ui);
                        if let Some(v) = w.committed {
                            form.custom.0 = u32::try_from(v).unwrap_or(1);
                        }
                        ui.label(tr.t("compose-height"));
                        let h = NumberField::new(
                            tr,
                            tr.t("compose-custom-height"),
                            i64::from(form.custom.1),
                            1..=i64::from(MAX_PIXEL_SIDE),
                        )
                        .suffix("px")
                        .show(ui);
                        if let Some(v) = h.committed {
                            form.custom.1 = u32::try_from(v).unwrap_or(1);
                        }
                        [w, h]
                    })
                    .inner;
                for t in &typed {
                    t.problem_ui(ui);
                }
                let side = if max_pixels(&form.to_request(0)) == MAX_PIXELS_4K {
                    4096
                } else {
                    2048
                };
                theme::hint(ui, &tr!(tr, "compose-custom-hint", side = side));
            }
        }
        let (w, h) = form.output_dimensions();
        let output = if form.references.is_empty() || form.size_kind == SizeKind::Custom {
            tr!(tr, "compose-output", w = w, h = h)
        } else {
            tr!(
                tr,
                "compose-output-follows",
                w = w,
                h = h,
                n = form.references.len()
            )
        };
        theme::hint(ui, &output);
        theme_problems(ui, tr, problems, &[Field::Size, Field::Resolution]);
    }

    fn resolution_ui(&mut self, ui: &mut egui::Ui, tr: Tr, form: &mut Draft) {
        let why_no_4k = form.why_no_4k();
        if why_no_4k.is_none() {
            self.resolution_note = None;
        }
        ui.horizontal(|ui| {
            ui.label(tr.t("compose-resolution"));
            for gear in Gear::ALL {
                let enabled = gear != Gear::K4 || why_no_4k.is_none();
                let r = ui.add_enabled(
                    enabled,
                    egui::Button::selectable(form.resolution == gear, gear.as_str()),
                );
                let r = match (gear, why_no_4k) {
                    (Gear::K4, Some(why)) => r.on_disabled_hover_text(tr.of(why)),
                    _ => r.on_hover_text(tr!(tr, "compose-resolution-tip", gear = gear.as_str())),
                };
                if r.clicked() {
                    form.resolution = gear;
                    self.resolution_note = None;
                }
            }
        });
        if let Some(note) = self.resolution_note {
            theme::hint(ui, tr.of(note));
        }
    }
}

fn theme_problems(ui: &mut egui::Ui, tr: Tr, problems: &Problems, fields: &[Field]) {
    for p in problems.iter().filter(|p| fields.contains(&p.field)) {
        theme::problem(ui, &tr.m(&p.text));
    }
}

fn tier_ui(ui: &mut egui::Ui, tr: Tr, form: &mut Draft) {
    ui.horizontal(|ui| {
        ui.label(RichText::new(tr.t("compose-tier")).strong());
        for (model, tip) in [
            (Model::Standard, tr.t("compose-tier-standard-tip")),
            (Model::Pro, tr.t("compose-tier-pro-tip")),
        ] {
            ui.selectable_value(&mut form.model, model, tr.of(model.tier_name()))
                .on_hover_text(tip);
        }
    });
}

fn prompt_galley_id() -> egui::Id {
    egui::Id::unique("compose-prompt-galley")
}

/// The prompt field's text as last laid out.
pub fn prompt_galley(ctx: &egui::Context) -> Option<std::sync::Arc<egui::Galley>> {
    ctx.data(|d| d.get_temp(prompt_galley_id()))
}

fn prompt_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, form: &mut Draft, problems: &Problems) {
    let tr = cx.tr;
    let label = ui.label(RichText::new(tr.t("compose-prompt")).strong());
    let field = egui::TextEdit::multiline(&mut form.prompt)
        .desired_rows(4)
        .desired_width(f32::INFINITY)
        .hint_text(tr.t("compose-prompt-hint"))
        .show(ui);
    field.response.response.clone().labelled_by(label.id);
    // What the field drew, for anyone who asks how it looks (the font tests do).
    ui.data_mut(|d| d.insert_temp(prompt_galley_id(), field.galley));
    let count = form.prompt.chars().count();
    let text = RichText::new(format!("{count} / {MAX_PROMPT_CHARS}")).small();
    ui.label(if count > MAX_PROMPT_CHARS {
        text.color(theme::error_text(ui.visuals()))
    } else {
        text.weak()
    })
    .on_hover_text(tr.t("compose-prompt-count-tip"));
    for p in problems.iter().filter(|p| p.field == Field::Prompt) {
        // An empty prompt on a fresh form is a hint, not an error, until Generate is tried.
        if form.prompt.trim().is_empty() && !cx.generate_tried {
            theme::hint(ui, &tr.m(&p.text));
        } else {
            theme::problem(ui, &tr.m(&p.text));
        }
    }
    let label = ui.label(tr.t("compose-negative"));
    ui.add(
        egui::TextEdit::multiline(&mut form.negative_prompt)
            .desired_rows(2)
            .desired_width(f32::INFINITY)
            .hint_text(tr.t("compose-negative-hint")),
    )
    .labelled_by(label.id)
    .on_hover_text(tr.t("compose-negative-tip"));
    theme_problems(ui, tr, problems, &[Field::NegativePrompt]);
}

fn count_seed_ui(
    ui: &mut egui::Ui,
    tr: Tr,
    form: &mut Draft,
    problems: &Problems,
    count_note: &mut Option<i64>,
) {
    let max = form.max_n();
    let before = form.n;
    let typed = ui
        .horizontal_wrapped(|ui| {
            let label = ui.label(RichText::new(tr.t("compose-count")).strong());
            ui.add(
                egui::Slider::new(&mut form.n, 1..=max)
                    .clamping(egui::SliderClamping::Edits)
                    .show_value(false)
                    .integer(),
            )
            .labelled_by(label.id)
            .on_hover_text(tr.t("compose-count-tip"));
            let typed = NumberField::new(
                tr,
                tr.t("compose-count-value"),
                i64::from(form.n),
                1..=i64::from(max),
            )
            .width(36.0)
            .show(ui);
            if let Some(v) = typed.committed {
                form.n = u32::try_from(v).unwrap_or(1);
            }
            typed
        })
        .inner;
    if let Some(asked) = typed.clamped_from {
        *count_note = Some(asked);
    } else if form.n != before || typed.problem.is_some() {
        *count_note = None;
    }
    typed.problem_ui(ui);
    if typed.problem.is_some() || count_note.is_some() {
        // The rule, and the way past it: a group series takes up to 12.
        let rule = if form.group {
            tr!(tr, "compose-count-rule-group", max = max)
        } else {
            tr!(
                tr,
                "compose-count-rule",
                max = max,
                group = crate::core::api::rules::MAX_N_GROUP
            )
        };
        let text = match count_note {
            Some(asked) => tr!(
                tr,
                "compose-count-clamped",
                asked = *asked,
                n = form.n,
                rule = rule
            ),
            None => rule,
        };
        theme::hint(ui, &text);
    }
    theme_problems(ui, tr, problems, &[Field::N]);
    let typed = ui
        .horizontal_wrapped(|ui| {
            ui.label(RichText::new(tr.t("compose-seed")).strong());
            ui.checkbox(&mut form.random_seed, tr.t("compose-random"))
                .on_hover_text(tr.t("compose-random-tip"));
            let fixed = !form.random_seed;
            let typed = NumberField::new(tr, tr.t("compose-seed-value"), form.seed, 0..=MAX_SEED)
                .width(92.0)
                .enabled(fixed)
                .show(ui);
            if let Some(v) = typed.committed {
                form.seed = v;
            }
            let roll = named_button(ui, fixed, egui::Button::new("🎲"), tr.t("compose-roll"))
                .on_hover_text(tr.t("compose-roll"));
            if roll.clicked() {
                form.seed = random_seed();
            }
            typed
        })
        .inner;
    typed.problem_ui(ui);
    theme_problems(ui, tr, problems, &[Field::Seed]);
}

fn switches_ui(ui: &mut egui::Ui, tr: Tr, form: &mut Draft, problems: &Problems) {
    ui.checkbox(&mut form.watermark, tr.t("compose-watermark"))
        .on_hover_text(tr.t("compose-watermark-tip"));
    let why_no_thinking = form.why_no_thinking();
    match why_no_thinking {
        None => {
            ui.checkbox(&mut form.thinking, tr.t("compose-thinking"))
                .on_hover_text(tr.t("compose-thinking-tip"));
        }
        Some(why) => {
            // Shown unticked: it is not sent. The artist's choice comes back with text-to-image.
            ui.horizontal(|ui| {
                let mut shown = false;
                ui.add_enabled(
                    false,
                    egui::Checkbox::new(&mut shown, tr.t("compose-thinking")),
                )
                .on_disabled_hover_text(tr.of(why));
                ui.label(RichText::new(tr.t("compose-not-applied")).small().weak())
                    .on_hover_text(tr.of(why));
            });
        }
    }
    let why_no_group = form.why_no_group();
    let r = ui.add_enabled(
        why_no_group.is_none() || form.group,
        egui::Checkbox::new(&mut form.group, tr.t("compose-group")),
    );
    match why_no_group {
        Some(why) => r
            .on_disabled_hover_text(tr.of(why))
            .on_hover_text(tr.of(why)),
        None => r.on_hover_text(tr.t("compose-group-tip")),
    };
    theme_problems(ui, tr, problems, &[Field::EnableSequential]);
}

/// Mode, price, Generate and what became of the last send. Always in view.
fn footer_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, form: &Draft, out: &mut Vec<Action>) {
    let tr = cx.tr;
    ui.horizontal_wrapped(|ui| {
        ui.label(RichText::new(tr.m(&form.mode().message())).strong())
            .on_hover_text(tr.t("compose-mode-tip"));
        let estimate = form.estimate(&cx.settings.rates);
        let usd = format_usd(estimate.micro_usd);
        let rate = format_usd(cx.settings.rates.per_image_micro_usd(form.model));
        let tier = tr.of(form.model.tier_name());
        let (text, tip) = if estimate.up_to {
            (
                tr!(
                    tr,
                    "compose-estimate-up-to",
                    credits = estimate.credits,
                    usd = &usd
                ),
                tr!(
                    tr,
                    "compose-estimate-up-to-tip",
                    images = estimate.images,
                    rate = &rate,
                    tier = tier
                ),
            )
        } else {
            (
                tr!(
                    tr,
                    "compose-estimate",
                    credits = estimate.credits,
                    usd = &usd
                ),
                tr!(
                    tr,
                    "compose-estimate-tip",
                    images = estimate.images,
                    rate = &rate,
                    tier = tier
                ),
            )
        };
        ui.label(text).on_hover_text(tip);
        if cx.conn.is_sandbox() {
            ui.label(RichText::new(tr.t("compose-sandbox-free")).weak());
        }
    });
    let ready = cx.blockers.is_empty();
    ui.horizontal(|ui| {
        const BATCH_WIDTH: f32 = 72.0;
        let width = ui.available_width() - BATCH_WIDTH - ui.spacing().item_spacing.x;
        let r = ui.add_enabled(
            ready,
            theme::primary_button(tr.t("compose-generate"), ready, width),
        );
        let r = if ready {
            r.on_hover_text(tr.t("compose-generate-tip"))
        } else {
            r.on_disabled_hover_text(cx.blockers.join("\n"))
        };
        if r.clicked() {
            out.push(Action::Send(SendAction::Generate));
        }
        let batch = egui::Button::new(tr.t("compose-batch"))
            .min_size(egui::vec2(BATCH_WIDTH, r.rect.height()));
        if ui
            .add(batch)
            .on_hover_text(tr.t("compose-batch-tip"))
            .clicked()
        {
            out.push(BatchAction::Open.into());
        }
    });
    let sent_recently = cx.last_sent.filter(|s| s.at.elapsed() < SENT_FOR);
    if let Some(sent) = sent_recently {
        // What left, exactly: its seed, its images and their price.
        let colour = theme::ok_text(ui.visuals());
        let what = sent_text(tr, sent);
        ui.add(egui::Label::new(RichText::new(what).color(colour)).wrap());
        ui.ctx().request_repaint_after(SENT_FOR);
    } else if let Some(first) = cx.blockers.first() {
        let more = cx.blockers.len() - 1;
        let text = if more > 0 {
            tr!(tr, "compose-more", first = first, more = more)
        } else {
            first.clone()
        };
        if cx.generate_tried {
            theme::problem(ui, &text);
        } else {
            theme::hint(ui, &text);
        }
    } else if !form.references.is_empty() && form.prompt.trim().is_empty() {
        // Allowed, and sent if Generate is pressed; the model does better with words.
        theme::hint(ui, tr.t("compose-edit-no-prompt"));
    } else if !form.random_seed && form.seed == 0 {
        theme::hint(ui, tr.t("compose-seed-zero"));
    }
}

/// "Sent ✔ seed 201 · 4 × Standard ≈ $0.120": the request as it left.
fn sent_text(tr: Tr, sent: &super::cx::Sent) -> String {
    let seed = sent
        .seed
        .map_or_else(|| tr.t("viewer-seed-random").to_owned(), |s| s.to_string());
    let key_images = sent.estimate.images;
    let usd = format_usd(sent.estimate.micro_usd);
    let tier = tr.of(sent.model.tier_name());
    if sent.estimate.up_to {
        tr!(
            tr,
            "compose-sent-up-to",
            seed = seed,
            images = key_images,
            tier = tier,
            usd = &usd
        )
    } else {
        tr!(
            tr,
            "compose-sent-what",
            seed = seed,
            images = key_images,
            tier = tier,
            usd = &usd
        )
    }
}
