//! The compose panel: tier, prompt, size, count, seed, switches, palette, and Generate.

use eframe::egui::{self, RichText};

use crate::core::draft::SizeKind;
use crate::core::engine::Command;
use crate::core::pricing::format_usd;
use crate::core::request::Model;
use crate::core::rules::{ASPECT_RATIOS, Field, Gear, MAX_PROMPT_CHARS, MAX_SEED, Problems};

use super::app::StudioApp;
use super::theme;

/// Shows the problems the rules found for these fields.
fn problems_for(ui: &mut egui::Ui, problems: &Problems, fields: &[Field]) {
    for p in problems.iter().filter(|p| fields.contains(&p.field)) {
        theme::problem(ui, &p.message);
    }
}

impl StudioApp {
    /// Why Generate cannot run now, one sentence each; empty when it can.
    pub fn generate_blockers(&self) -> Vec<String> {
        let mut out: Vec<String> = self
            .draft
            .problems()
            .iter()
            .map(|p| p.message.clone())
            .collect();
        for (i, r) in self.draft.references.iter().enumerate() {
            if let Some(e) = self.ref_errors.get(&r.url) {
                out.push(format!("Reference {} {e}", i + 1));
            }
        }
        if self.backend.is_none() {
            out.push("Wan Studio is still connecting.".to_owned());
        }
        out
    }

    /// Submits the compose form, if nothing stands in the way.
    pub fn generate(&mut self) {
        let blockers = self.generate_blockers();
        if let Some(first) = blockers.first() {
            self.notify_error(format!("Not sent: {first}"));
            return;
        }
        let seed = i64::from(fastrand::u32(
            0..=u32::try_from(MAX_SEED).unwrap_or(u32::MAX),
        ));
        let request = self.draft.to_request(seed);
        let n = request.n;
        if self.send(Command::Submit(Box::new(request))) {
            self.notify(format!(
                "Submitted {} — it is in the queue.",
                if n == 1 {
                    "1 image".to_owned()
                } else {
                    format!("{n} images")
                }
            ));
        }
    }

    pub(crate) fn compose_ui(&mut self, ui: &mut egui::Ui) {
        let problems = self.draft.problems();
        ui.add_space(4.0);
        self.tier_ui(ui);
        ui.add_space(6.0);
        self.prompt_ui(ui, &problems);
        ui.separator();
        self.size_ui(ui, &problems);
        ui.separator();
        self.count_seed_ui(ui, &problems);
        ui.separator();
        self.switches_ui(ui, &problems);
        ui.separator();
        self.palette_ui(ui, &problems);
        ui.separator();
        self.summary_ui(ui, &problems);
    }

    fn tier_ui(&mut self, ui: &mut egui::Ui) {
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
                ui.selectable_value(&mut self.draft.model, model, model.tier_name())
                    .on_hover_text(tip);
            }
        });
    }

    fn prompt_ui(&mut self, ui: &mut egui::Ui, problems: &Problems) {
        let label = ui.label(RichText::new("Prompt").strong());
        ui.add(
            egui::TextEdit::multiline(&mut self.draft.prompt)
                .desired_rows(4)
                .desired_width(f32::INFINITY)
                .hint_text("Describe the image… (Ctrl+Enter generates)"),
        )
        .labelled_by(label.id);
        let count = self.draft.prompt.chars().count();
        ui.horizontal(|ui| {
            let text = RichText::new(format!("{count} / {MAX_PROMPT_CHARS}")).small();
            ui.label(if count > MAX_PROMPT_CHARS {
                text.color(theme::ERROR)
            } else {
                text.weak()
            })
            .on_hover_text("Characters in the prompt, and the API's limit.");
        });
        problems_for(ui, problems, &[Field::Prompt]);
        let label = ui.label("Negative prompt");
        ui.add(
            egui::TextEdit::multiline(&mut self.draft.negative_prompt)
                .desired_rows(2)
                .desired_width(f32::INFINITY)
                .hint_text("What to keep out of the image"),
        )
        .labelled_by(label.id)
        .on_hover_text("Things the model should avoid, such as \"text, blur, extra fingers\".");
        problems_for(ui, problems, &[Field::NegativePrompt]);
    }

    fn size_ui(&mut self, ui: &mut egui::Ui, problems: &Problems) {
        ui.horizontal(|ui| {
            ui.label(RichText::new("Size").strong());
            ui.selectable_value(&mut self.draft.size_kind, SizeKind::Aspect, "Aspect ratio")
                .on_hover_text("An aspect ratio at a resolution.");
            ui.selectable_value(&mut self.draft.size_kind, SizeKind::Gear, "Square")
                .on_hover_text("A square image at a resolution (the size is the gear itself).");
            ui.selectable_value(&mut self.draft.size_kind, SizeKind::Custom, "Custom")
                .on_hover_text("Exact pixels: 768 to 2048 per side on Standard, up to 4096 on Pro text-to-image.");
        });
        match self.draft.size_kind {
            SizeKind::Aspect => {
                ui.horizontal_wrapped(|ui| {
                    for (a, b) in ASPECT_RATIOS {
                        let text = format!("{a}:{b}");
                        ui.selectable_value(&mut self.draft.aspect, (a, b), text)
                            .on_hover_text(format!("Aspect ratio {a}:{b}"));
                    }
                });
                self.resolution_ui(ui);
            }
            SizeKind::Gear => self.resolution_ui(ui),
            SizeKind::Custom => {
                ui.horizontal(|ui| {
                    let w = ui.label("Width");
                    ui.add(
                        egui::DragValue::new(&mut self.draft.custom.0)
                            .range(1..=8192)
                            .suffix(" px"),
                    )
                    .labelled_by(w.id);
                    let h = ui.label("Height");
                    ui.add(
                        egui::DragValue::new(&mut self.draft.custom.1)
                            .range(1..=8192)
                            .suffix(" px"),
                    )
                    .labelled_by(h.id);
                });
            }
        }
        let (w, h) = self.draft.output_dimensions();
        let follows =
            if self.draft.references.is_empty() || self.draft.size_kind == SizeKind::Custom {
                String::new()
            } else {
                format!(" (shape of reference {})", self.draft.references.len())
            };
        theme::hint(ui, &format!("Output ≈ {w} × {h} px{follows}"));
        problems_for(ui, problems, &[Field::Size, Field::Resolution]);
    }

    fn resolution_ui(&mut self, ui: &mut egui::Ui) {
        let why_no_4k = self.draft.why_no_4k();
        ui.horizontal(|ui| {
            ui.label("Resolution");
            for gear in Gear::ALL {
                let enabled =
                    gear != Gear::K4 || why_no_4k.is_none() || self.draft.resolution == Gear::K4;
                let r = ui.add_enabled(
                    enabled,
                    egui::Button::selectable(self.draft.resolution == gear, gear.as_str()),
                );
                let r = match (gear, why_no_4k) {
                    (Gear::K4, Some(why)) => r.on_hover_text(why).on_disabled_hover_text(why),
                    _ => r.on_hover_text(format!("{} resolution", gear.as_str())),
                };
                if r.clicked() {
                    self.draft.resolution = gear;
                }
            }
        });
    }

    fn count_seed_ui(&mut self, ui: &mut egui::Ui, problems: &Problems) {
        let max = self.draft.max_n();
        ui.horizontal(|ui| {
            let label = ui.label(RichText::new("Count").strong());
            ui.add(
                egui::Slider::new(&mut self.draft.n, 1..=max)
                    .clamping(egui::SliderClamping::Edits)
                    .integer(),
            )
            .labelled_by(label.id)
            .on_hover_text(
                "How many images; billed per image. 1–4, or up to 12 in a group series.",
            );
        });
        problems_for(ui, problems, &[Field::N]);
        ui.horizontal(|ui| {
            ui.label(RichText::new("Seed").strong());
            ui.checkbox(&mut self.draft.random_seed, "Random")
                .on_hover_text("A new seed for every generation. Turn off to fix one: the same seed and settings give a similar, stable result.");
            ui.add_enabled_ui(!self.draft.random_seed, |ui| {
                let label = ui.label("Seed value");
                ui.add(egui::DragValue::new(&mut self.draft.seed).range(0..=MAX_SEED)).labelled_by(label.id);
                if ui.button("🎲").on_hover_text("Roll a new seed").clicked() {
                    self.draft.seed = i64::from(fastrand::u32(0..=u32::try_from(MAX_SEED).unwrap_or(u32::MAX)));
                }
            });
        });
        problems_for(ui, problems, &[Field::Seed]);
    }

    fn switches_ui(&mut self, ui: &mut egui::Ui, problems: &Problems) {
        ui.checkbox(&mut self.draft.watermark, "Watermark")
            .on_hover_text("Adds an \"AI-generated\" mark at the bottom right.");
        let why_no_thinking = self.draft.why_no_thinking();
        let r = ui.add_enabled(
            why_no_thinking.is_none(),
            egui::Checkbox::new(&mut self.draft.thinking, "Thinking mode"),
        );
        match why_no_thinking {
            Some(why) => r.on_disabled_hover_text(why),
            None => r.on_hover_text("Extra reasoning for quality (text-to-image only); slower."),
        };
        let why_no_group = self.draft.why_no_group();
        let r = ui.add_enabled(
            why_no_group.is_none() || self.draft.group,
            egui::Checkbox::new(&mut self.draft.group, "Group series"),
        );
        match why_no_group {
            Some(why) => r.on_disabled_hover_text(why).on_hover_text(why),
            None => r.on_hover_text(
                "A consistent, connected set of up to 12 in one call: storyboards, comic panels.",
            ),
        };
        problems_for(ui, problems, &[Field::EnableSequential]);
    }

    fn summary_ui(&mut self, ui: &mut egui::Ui, problems: &Problems) {
        let mode = self.draft.mode();
        ui.horizontal(|ui| {
            ui.label(RichText::new("Mode").strong());
            ui.label(mode.to_string()).on_hover_text(
                "Decided by the request: references make it an edit, boxes a region edit, group series a set.",
            );
        });
        problems_for(ui, problems, &[Field::ImageUrls, Field::BboxList]);
        let estimate = self.draft.estimate(&self.settings.rates);
        let sandbox = self.mode().is_some_and(crate::backend::Mode::is_sandbox);
        ui.horizontal(|ui| {
            ui.label(RichText::new("Price").strong());
            let text = format!(
                "{} credits ≈ {}",
                estimate.credits,
                format_usd(estimate.micro_usd)
            );
            ui.label(text).on_hover_text(format!(
                "{} image(s) × {} per image on {}. Failed and rejected requests are not charged.",
                estimate.images,
                format_usd(self.settings.rates.per_image_micro_usd(self.draft.model)),
                self.draft.model.tier_name()
            ));
            if sandbox {
                ui.label(RichText::new("(sandbox: free)").weak());
            }
        });
        ui.add_space(6.0);
        let blockers = self.generate_blockers();
        let ready = blockers.is_empty();
        let mut text = RichText::new("Generate").strong().size(16.0);
        if ready {
            text = text.color(egui::Color32::WHITE);
        }
        let mut button = egui::Button::new(text).min_size(egui::vec2(ui.available_width(), 34.0));
        if ready {
            button = button.fill(ui.visuals().selection.bg_fill);
        }
        let why = blockers.join("\n");
        let r = ui.add_enabled(blockers.is_empty(), button);
        let r = if blockers.is_empty() {
            r.on_hover_text("Send the request (Ctrl+Enter)")
        } else {
            r.on_disabled_hover_text(&why)
        };
        if r.clicked() {
            self.generate();
        }
        if !blockers.is_empty() {
            ui.label(RichText::new("Generate is disabled:").color(theme::ERROR));
            for b in &blockers {
                ui.label(RichText::new(format!("• {b}")).color(theme::ERROR));
            }
        }
    }
}
