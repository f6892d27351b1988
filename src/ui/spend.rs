//! The spend window: what the library has cost, estimated from completed images at the tier's
//! rate when sent (failed and refused requests are free), per month and per day, and the
//! month's budget if one is set.

use eframe::egui::{self, RichText};
use egui_extras::{Column, TableBuilder};

use crate::core::pricing::format_usd;

use super::cx::ViewCx;
use super::theme;

/// Whether the window is open.
#[derive(Default)]
pub struct SpendView {
    pub open: bool,
}

impl SpendView {
    pub fn ui(&mut self, ctx: &egui::Context, cx: &ViewCx<'_>) {
        if !self.open {
            return;
        }
        let mut open = true;
        egui::Window::new("Spend")
            .open(&mut open)
            .default_width(380.0)
            .collapsible(false)
            .show(ctx, |ui| {
                let Some(spend) = &cx.jobs.spend else {
                    ui.spinner();
                    return;
                };
                theme::hint(
                    ui,
                    "An estimate: completed images × the tier's rate when sent. Failed and refused requests are free.",
                );
                let month = spend.month_of(cx.now_ms);
                ui.horizontal(|ui| {
                    ui.label("This month");
                    ui.label(RichText::new(format_usd(month)).strong());
                    if let Some(budget) = cx.settings.monthly_budget_micro_usd {
                        ui.label(format!("of {} budget", format_usd(budget)));
                    }
                });
                ui.horizontal(|ui| {
                    ui.label("In all");
                    ui.label(
                        RichText::new(format!(
                            "{} · {} images",
                            format_usd(spend.micro_usd),
                            spend.images
                        ))
                        .strong(),
                    );
                });
                ui.separator();
                table(ui, "spend_months", "Month", &spend.by_month, 140.0);
                ui.separator();
                ui.label(RichText::new("By day").strong());
                table(ui, "spend_days", "Day", &spend.by_day, 220.0);
            });
        self.open = open;
    }
}

/// Periods as rows (virtualised: only visible rows are laid out).
fn table(ui: &mut egui::Ui, salt: &str, period: &str, rows: &[(String, u64, u64)], height: f32) {
    if rows.is_empty() {
        theme::hint(ui, "Nothing spent yet.");
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
                    ui.strong("Images");
                });
                h.col(|ui| {
                    ui.strong("Spent");
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
