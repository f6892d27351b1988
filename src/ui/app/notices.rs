//! The notices in the window's corner: typed [`Message`]s in, drawn in the window's language
//! each frame (so a language switch shows at once), each for a while.

use std::time::{Duration, Instant};

use eframe::egui;

use crate::core::text::i18n::{Message, Tr};
use crate::msg;

use super::super::theme;
use super::super::widgets::named_button;

const NOTICE_SECS: u64 = 6;

/// "What went wrong: the detail": the first part a catalogue key, the detail in the system's own
/// words (an error's text).
pub(super) fn failed(what: &'static str, detail: impl std::fmt::Display) -> Message {
    msg!(
        "notice-with-detail",
        what = Message::new(what),
        detail = detail.to_string()
    )
}

/// Text already in its final words: the system's own (an engine's error), or one made with the
/// window's voice.
pub(super) fn text(text: impl Into<String>) -> Message {
    msg!("notice-text", text = text.into())
}

/// A message shown for a while in the corner.
struct Notice {
    message: Message,
    until: Instant,
    error: bool,
}

/// The notices showing now.
#[derive(Default)]
pub(super) struct Notices {
    list: Vec<Notice>,
}

impl Notices {
    /// Says something for a few seconds.
    pub fn say(&mut self, message: Message) {
        self.push(message, NOTICE_SECS, false);
    }

    /// Says something went wrong, for longer.
    pub fn warn(&mut self, message: Message) {
        self.push(message, NOTICE_SECS * 2, true);
    }

    /// Says something that takes a while to read and act on.
    pub fn say_long(&mut self, message: Message) {
        self.push(message, NOTICE_SECS * 6, false);
    }

    fn push(&mut self, message: Message, secs: u64, error: bool) {
        self.list.push(Notice {
            message,
            until: Instant::now() + Duration::from_secs(secs),
            error,
        });
    }

    /// Draws the notices in the bottom-right corner; ✖ dismisses one.
    pub fn ui(&mut self, ctx: &egui::Context, tr: Tr) {
        let now = Instant::now();
        self.list.retain(|n| n.until > now);
        if self.list.is_empty() {
            return;
        }
        if let Some(next) = self.list.iter().map(|n| n.until).min() {
            ctx.request_repaint_after(next.saturating_duration_since(now));
        }
        egui::Area::new(egui::Id::unique("notices"))
            .anchor(egui::Align2::RIGHT_BOTTOM, egui::vec2(-12.0, -12.0))
            .order(egui::Order::Foreground)
            .show(ctx, |ui| {
                ui.set_max_width(420.0);
                let mut dismissed = None;
                for (i, n) in self.list.iter().enumerate() {
                    let said = tr.m(&n.message);
                    if said.is_empty() {
                        continue;
                    }
                    let (fill, colour) = if n.error {
                        (theme::ERROR, egui::Color32::WHITE)
                    } else {
                        (ui.visuals().extreme_bg_color, ui.visuals().text_color())
                    };
                    egui::Frame::popup(ui.style()).fill(fill).show(ui, |ui| {
                        ui.horizontal(|ui| {
                            ui.add(
                                egui::Label::new(egui::RichText::new(said).color(colour))
                                    .wrap()
                                    .selectable(true),
                            );
                            if named_button(
                                ui,
                                true,
                                egui::Button::new("✖").small(),
                                tr.t("app-dismiss"),
                            )
                            .clicked()
                            {
                                dismissed = Some(i);
                            }
                        });
                    });
                }
                if let Some(i) = dismissed {
                    self.list.remove(i);
                }
            });
    }
}
