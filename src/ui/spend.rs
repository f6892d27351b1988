//! The spend window: what the library has cost, estimated from completed images at the tier's
//! rate when sent (failed and refused requests are free), per month and per day, and the
//! month's budget if one is set.

use eframe::egui::{self, RichText};
use egui_extras::{Column, TableBuilder};

use crate::core::api::pricing::format_usd;

use super::cx::ViewCx;
use super::theme;
use crate::core::text::i18n::Tr;
use crate::tr;

/// Whether the window is open.
#[derive(Default)]
pub struct SpendView {
    pub open: bool,
}

impl SpendView {
    /// Opens the window (its figures come from the library).
    pub fn show(&mut self) {
        self.open = true;
    }

    pub fn ui(&mut self, ctx: &egui::Context, cx: &ViewCx<'_>) {
        let tr = cx.tr;
        if !self.open {
            return;
        }
        let mut open = true;
        cx.place_window(egui::Window::new(tr.t("spend-title")), 380.0)
            .open(&mut open)
            .collapsible(false)
            .show(ctx, |ui| {
                let Some(spend) = &cx.jobs.spend else {
                    ui.spinner();
                    return;
                };
                theme::hint(ui, tr.t("spend-about"));
                if spend.sandbox {
                    theme::hint(ui, tr.t("spend-sandbox"));
                }
                let month = spend.month_of(cx.now_ms);
                ui.horizontal(|ui| {
                    ui.label(tr.t("spend-this-month"));
                    ui.label(RichText::new(format_usd(month)).strong());
                    if let Some(budget) = cx.settings.monthly_budget_micro_usd {
                        ui.label(tr!(tr, "spend-of-budget", budget = format_usd(budget)));
                    }
                });
                ui.horizontal(|ui| {
                    ui.label(tr.t("spend-in-all"));
                    ui.label(
                        RichText::new(tr!(
                            tr,
                            "spend-in-all-value",
                            usd = format_usd(spend.micro_usd),
                            images = tr.number(spend.images)
                        ))
                        .strong(),
                    );
                });
                ui.separator();
                table(
                    ui,
                    tr,
                    "spend_months",
                    tr.t("spend-month"),
                    &spend.by_month,
                    140.0,
                );
                ui.separator();
                ui.label(RichText::new(tr.t("spend-by-day")).strong());
                table(
                    ui,
                    tr,
                    "spend_days",
                    tr.t("spend-day"),
                    &spend.by_day,
                    220.0,
                );
            });
        self.open = open;
    }
}

/// Periods as rows (virtualised: only visible rows are laid out).
fn table(
    ui: &mut egui::Ui,
    tr: Tr,
    salt: &str,
    period: &str,
    rows: &[(String, u64, u64)],
    height: f32,
) {
    if rows.is_empty() {
        theme::hint(ui, tr.t("spend-nothing"));
        return;
    }
    ui.push_id(salt, |ui| {
        TableBuilder::new(ui)
            .striped(true)
            .max_scroll_height(height)
            .column(Column::auto().at_least(100.0))
            .column(Column::auto().at_least(70.0))
            .column(Column::remainder())
            .header(20.0, |mut h| {
                h.col(|ui| {
                    ui.strong(period);
                });
                h.col(|ui| {
                    ui.strong(tr.t("spend-images"));
                });
                h.col(|ui| {
                    ui.strong(tr.t("spend-spent"));
                });
            })
            .body(|body| {
                body.rows(18.0, rows.len(), |mut row| {
                    let (p, images, micro) = &rows[row.index()];
                    row.col(|ui| {
                        ui.label(p);
                    });
                    row.col(|ui| {
                        ui.label(images.to_string());
                    });
                    row.col(|ui| {
                        ui.label(format_usd(*micro));
                    });
                });
            });
    });
}
