//! The gallery: the library's results, newest first, found as you type (the journal's full-text
//! index) and filtered by tier, mode, date, stars, rating and palette. A group series is one
//! strip: its panels numbered, in order, on rows of their own. Only visible rows are laid out;
//! thumbnails come through the window's texture cache. The gallery owns its selection, its
//! query and its row layout. S stars and 1–5 rate the result under the pointer. A one-row strip
//! of the same results sits under the region editor, so results keep arriving in view while
//! boxes are drawn.

use std::collections::BTreeSet;
use std::ops::Range;
use std::rc::Rc;

use eframe::egui::{self, RichText};

use crate::core::api::request::Model;
use crate::core::library::journal::{
    LibraryMode, LibraryQuery, Shelved, ShelvedResult, local_date,
};
use crate::core::variation::Differs;

use super::cx::{
    Action, EditAction, LibraryAction, PaletteSource, PathPurpose, ShowAction, ViewCx,
};
use super::geometry::fit_rect;
use super::jobs::Jobs;
use super::text_cache::TextCache;
use super::textures::{Request, ResultKey, Shown, TexKey};
use super::theme;
use super::widgets::named_button;
use crate::core::text::i18n::{Lang, Tr};
use crate::tr;

pub const TILE: f32 = 168.0;
const CAPTION: f32 = 20.0;
const GAP: f32 = 8.0;
/// Tiles of the strip under the editor.
pub const STRIP_TILE: f32 = 84.0;
/// The star's corner of a tile.
const STAR: f32 = 22.0;

/// The gallery's own state.
pub struct GalleryView {
    /// Results picked for export.
    pub selection: BTreeSet<ResultKey>,
    /// What the gallery shows: the search and filters as the artist set them.
    pub query: LibraryQuery,
    /// Whether the date range applies, and the range (local days, both included).
    dated: bool,
    from: jiff::civil::Date,
    to: jiff::civil::Date,
    /// Rows of tile positions, for (tiles version, columns).
    rows: (u64, usize, Vec<Range<usize>>),
    /// The result under the pointer, for S and 1–5.
    hovered: Option<ResultKey>,
    /// Each tile's texts by (position, caption width), for (tiles version, language).
    texts: TextCache<(u64, Lang), (usize, usize), Rc<TileTexts>>,
}

/// What a tile says (its accessible names, its caption and place in a series) and the keys it
/// looks its result and thumbnail up by: made once, not every frame.
#[derive(Debug)]
struct TileTexts {
    key: ResultKey,
    thumb: TexKey,
    name: String,
    star: String,
    caption: String,
    /// "3/12" for a series' panel.
    place: Option<String>,
}

impl Default for GalleryView {
    fn default() -> Self {
        let today = local_date(crate::core::library::journal::now_ms()).unwrap_or_default();
        GalleryView {
            selection: BTreeSet::new(),
            query: LibraryQuery::default(),
            dated: false,
            from: today.checked_sub(jiff::ToSpan::days(30)).unwrap_or(today),
            to: today,
            rows: (u64::MAX, 0, Vec::new()),
            hovered: None,
            texts: TextCache::default(),
        }
    }
}

/// Lays tiles out in rows of `cols`: a group series starts a row and ends its last one, so its
/// panels never share a row with another job's results.
pub fn layout_rows(jobs: &Jobs, cols: usize) -> Vec<Range<usize>> {
    let cols = cols.max(1);
    let mut rows = Vec::new();
    let mut start = 0;
    let series = |k: usize| {
        jobs.tiles.get(k).map(|&(j, _)| {
            (
                j,
                jobs.shelf.get(j as usize).is_some_and(Shelved::is_series),
            )
        })
    };
    for k in 0..jobs.tiles.len() {
        let (job, is_series) = series(k).unwrap_or((u32::MAX, false));
        let prev = k.checked_sub(1).and_then(series);
        let starts_job = prev.is_none_or(|(pj, _)| pj != job);
        let after_series = prev.is_some_and(|(pj, ps)| ps && pj != job);
        if k > start && ((is_series && starts_job) || after_series || k - start == cols) {
            rows.push(start..k);
            start = k;
        }
    }
    if start < jobs.tiles.len() {
        rows.push(start..jobs.tiles.len());
    }
    rows
}

impl GalleryView {
    /// Drops a deleted job's results from the selection.
    pub fn forget_job(&mut self, job_id: &str) {
        self.selection.retain(|k| k.job_id != job_id);
    }

    pub fn ui(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, out: &mut Vec<Action>) {
        let total = cx.jobs.tiles.len();
        let library = cx.jobs.results_total;
        let filtered = cx.jobs.is_filtered();
        let tr = cx.tr;
        ui.horizontal_wrapped(|ui| {
            ui.heading(tr.t("gallery-title"));
            let count = if filtered {
                tr!(
                    tr,
                    "gallery-found",
                    n = tr.number(total as u64),
                    all = tr.number(library as u64)
                )
            } else {
                tr!(
                    tr,
                    "gallery-count",
                    n = total,
                    shown = tr.number(total as u64)
                )
            };
            ui.label(RichText::new(count).weak());
            if ui
                .button(tr.t("gallery-spend"))
                .on_hover_text(tr.t("gallery-spend-tip"))
                .clicked()
            {
                out.push(Action::Library(LibraryAction::OpenSpend));
            }
            if self.selection.is_empty() {
                if total > 0 {
                    theme::hint(ui, tr.t("gallery-keys-hint"));
                }
                return;
            }
            ui.separator();
            let n = self.selection.len();
            let items: Vec<ResultKey> = self.selection.iter().cloned().collect();
            if ui
                .button(tr!(tr, "gallery-export-selected", n = n))
                .on_hover_text(tr.t("gallery-export-tip"))
                .clicked()
            {
                out.push(Action::Library(LibraryAction::Ask(
                    PathPurpose::ExportFolder(items.clone()),
                )));
            }
            if ui
                .button(tr.t("gallery-quick-export"))
                .on_hover_text(tr!(
                    tr,
                    "gallery-quick-export-tip",
                    folder = cx.export_dir.display().to_string()
                ))
                .clicked()
            {
                out.push(Action::Library(LibraryAction::QuickExport(items)));
            }
            let comparable = (2..=super::compare::MAX_COMPARED).contains(&n);
            let compare = named_button(
                ui,
                comparable,
                egui::Button::new(tr.t("gallery-compare")),
                tr.t("gallery-compare"),
            )
            .on_hover_text(tr.t("gallery-compare-tip"))
            .on_disabled_hover_text(tr.t("gallery-compare-tip"));
            if compare.clicked() {
                let mut keys: Vec<ResultKey> = self.selection.iter().cloned().collect();
                keys.sort_by_key(|k| cx.jobs.tile_of(k));
                out.push(Action::Show(ShowAction::Compare(keys)));
            }
            if ui.button(tr.t("gallery-clear-selection")).clicked() {
                self.selection.clear();
            }
        });
        self.filters_ui(ui, tr, out);
        if total == 0 {
            ui.add_space(40.0);
            ui.vertical_centered(|ui| {
                if filtered || !self.query.is_everything() {
                    ui.label(RichText::new(tr.t("gallery-nothing-matches")).heading());
                    theme::hint(ui, tr.t("gallery-nothing-matches-hint"));
                } else {
                    ui.label(RichText::new(tr.t("gallery-empty")).heading());
                    theme::hint(ui, tr.t("gallery-empty-hint"));
                }
            });
            return;
        }
        let cols = (((ui.available_width() + GAP) / (TILE + GAP)).floor() as usize).max(1);
        if self.rows.0 != cx.jobs.version || self.rows.1 != cols {
            self.rows = (cx.jobs.version, cols, layout_rows(cx.jobs, cols));
        }
        let rows = std::mem::take(&mut self.rows.2);
        self.hovered = None;
        egui::ScrollArea::vertical()
            .id_salt("gallery")
            .auto_shrink([false, false])
            .show_rows(ui, TILE + CAPTION + GAP, rows.len(), |ui, range| {
                for row in &rows[range] {
                    ui.horizontal(|ui| {
                        for k in row.clone() {
                            self.tile_ui(ui, cx, k, TILE, out);
                        }
                    });
                }
            });
        self.rows.2 = rows;
        self.keys(ui, out, cx);
    }

    /// S stars, 1–5 rate (0 clears) the result under the pointer.
    fn keys(&self, ui: &egui::Ui, out: &mut Vec<Action>, cx: &ViewCx<'_>) {
        let Some(key) = &self.hovered else { return };
        if ui.ctx().egui_wants_keyboard_input() {
            return;
        }
        rating_keys(ui, cx, key, out);
    }

    /// The search field and the filters under the heading.
    fn filters_ui(&mut self, ui: &mut egui::Ui, tr: Tr, out: &mut Vec<Action>) {
        let before = self.query.clone();
        ui.horizontal_wrapped(|ui| {
            let label = ui.label("🔍");
            ui.add(
                egui::TextEdit::singleline(&mut self.query.text)
                    .hint_text(tr.t("gallery-search-hint"))
                    .desired_width(200.0),
            )
            .labelled_by(label.id)
            .on_hover_text(tr.t("gallery-search-tip"))
            .widget_info(|| {
                egui::WidgetInfo::labeled(egui::Role::TextInput, true, tr.t("gallery-search"))
            });
            choice(
                ui,
                tr.t("compose-tier"),
                &mut self.query.model,
                &[
                    (None, tr.t("gallery-any-tier")),
                    (Some(Model::Standard), tr.t("tier-standard")),
                    (Some(Model::Pro), tr.t("tier-pro")),
                ],
            );
            let modes: Vec<(Option<LibraryMode>, &str)> =
                std::iter::once((None, tr.t("gallery-any-mode")))
                    .chain(LibraryMode::ALL.map(|m| (Some(m), tr.of(m.label()))))
                    .collect();
            choice(ui, tr.t("gallery-mode"), &mut self.query.mode, &modes);
            ui.toggle_value(&mut self.query.favourites, tr.t("gallery-starred"))
                .on_hover_text(tr.t("gallery-starred-tip"));
            choice(
                ui,
                tr.t("gallery-rating"),
                &mut self.query.min_rating,
                &[
                    (0, tr.t("gallery-any-rating")),
                    (1, tr.t("gallery-rating-1")),
                    (2, tr.t("gallery-rating-2")),
                    (3, tr.t("gallery-rating-3")),
                    (4, tr.t("gallery-rating-4")),
                    (5, "5★"),
                ],
            );
            choice(
                ui,
                tr.t("gallery-palette"),
                &mut self.query.palette,
                &[
                    (None, tr.t("gallery-palette-any")),
                    (Some(true), tr.t("gallery-palette-with")),
                    (Some(false), tr.t("gallery-palette-without")),
                ],
            );
            ui.checkbox(&mut self.dated, tr.t("gallery-dates"))
                .on_hover_text(tr.t("gallery-dates-tip"));
            if self.dated {
                ui.add(egui_extras::DatePickerButton::new(&mut self.from).id_salt("gallery_from"))
                    .on_hover_text(tr.t("gallery-from-tip"));
                ui.label("–");
                ui.add(egui_extras::DatePickerButton::new(&mut self.to).id_salt("gallery_to"))
                    .on_hover_text(tr.t("gallery-to-tip"));
            }
            choice(
                ui,
                tr.t("gallery-order"),
                &mut self.query.oldest_first,
                &[
                    (false, tr.t("gallery-newest")),
                    (true, tr.t("gallery-oldest")),
                ],
            );
            if (!self.query.is_everything() || self.query.oldest_first || self.dated)
                && ui.button(tr.t("gallery-clear-filters")).clicked()
            {
                self.query = LibraryQuery::default();
                self.dated = false;
            }
        });
        let (since, until) = if self.dated {
            let (a, b) = if self.from <= self.to {
                (self.from, self.to)
            } else {
                (self.to, self.from)
            };
            (
                crate::core::library::journal::local_midnight_ms(a),
                b.tomorrow()
                    .ok()
                    .and_then(crate::core::library::journal::local_midnight_ms),
            )
        } else {
            (None, None)
        };
        self.query.since_ms = since;
        self.query.until_ms = until;
        if self.query != before {
            out.push(Action::Library(LibraryAction::Search(self.query.clone())));
        }
    }

    /// The newest results in one row, for beside the region editor.
    pub fn strip_ui(&mut self, ui: &mut egui::Ui, cx: &ViewCx<'_>, out: &mut Vec<Action>) {
        let total = cx.jobs.tiles.len();
        let tr = cx.tr;
        ui.horizontal(|ui| {
            ui.label(RichText::new(tr.t("gallery-latest")).strong());
            ui.label(RichText::new(format!("{total}")).weak());
        });
        if total == 0 {
            theme::hint(ui, tr.t("gallery-latest-hint"));
            return;
        }
        let step = STRIP_TILE + CAPTION + GAP;
        egui::ScrollArea::horizontal()
            .id_salt("gallery_strip")
            .auto_shrink([false, true])
            .show_viewport(ui, |ui, viewport| {
                let height = STRIP_TILE + CAPTION;
                ui.set_height(height);
                ui.set_width(step * total as f32);
                let first = ((viewport.min.x / step).floor().max(0.0)) as usize;
                let last = ((viewport.max.x / step).ceil() as usize).min(total);
                let origin = ui.min_rect().min;
                for k in first..last {
                    let at = origin + egui::vec2(k as f32 * step, 0.0);
                    let rect = egui::Rect::from_min_size(at, egui::vec2(STRIP_TILE, height));
                    ui.scope_builder(egui::UiBuilder::new().max_rect(rect), |ui| {
                        self.tile_ui(ui, cx, k, STRIP_TILE, out);
                    });
                }
            });
    }

    fn tile_ui(
        &mut self,
        ui: &mut egui::Ui,
        cx: &ViewCx<'_>,
        k: usize,
        side: f32,
        out: &mut Vec<Action>,
    ) {
        let Some((job, result)) = cx.jobs.tile(k) else {
            return;
        };
        let tr = cx.tr;
        let prompt = &*job.prompt;
        let chars = ((side / 6.5) as usize).max(8);
        let texts = Rc::clone(self.texts.get(
            (cx.jobs.version, tr.0),
            &(k, chars),
            |_| true,
            || {
                let differs = differing_from_neighbours(cx.jobs, k, job);
                Rc::new(tile_texts(tr, job, result, k, chars, &differs))
            },
        ));
        let key = &texts.key;
        let selected = self.selection.contains(key);
        let (rect, resp) =
            ui.allocate_exact_size(egui::vec2(side, side + CAPTION), egui::Sense::click());
        resp.widget_info(|| egui::WidgetInfo::labeled(egui::Role::Button, true, &texts.name));
        // What the caption says is what a screen reader hears after the tile's name.
        ui.ctx().accesskit_node_builder(resp.id, |node| {
            node.set_description(texts.caption.as_str());
        });
        if !ui.is_rect_visible(rect) {
            return;
        }
        let image_rect = egui::Rect::from_min_size(rect.min, egui::vec2(side, side));
        // The star: its own target in the tile's corner (drawn lit when starred, faint on hover).
        let star_rect = egui::Rect::from_min_size(
            egui::pos2(image_rect.max.x - STAR - 2.0, image_rect.min.y + 2.0),
            egui::vec2(STAR, STAR),
        );
        let star = ui.interact(star_rect, resp.id.with("star"), egui::Sense::click());
        star.widget_info(|| {
            egui::WidgetInfo::selected(egui::Role::CheckBox, true, result.favourite, &texts.star)
        });
        if star.clicked() {
            out.push(Action::Library(LibraryAction::Favourite(
                key.clone(),
                !result.favourite,
            )));
        }
        let hovered = resp.hovered() || star.hovered();
        if hovered {
            self.hovered = Some(key.clone());
        }
        let painter = ui.painter();
        painter.rect_filled(image_rect, 4.0, ui.visuals().extreme_bg_color);
        match cx.textures.shown_with(&texts.thumb, || {
            Request::result_thumbnail(cx.paths, &job.id, result.index)
        }) {
            Shown::Ready { id, source_dims } => {
                let fit = fit_rect(image_rect.shrink(2.0), source_dims);
                painter.image(
                    id,
                    fit,
                    egui::Rect::from_min_max(egui::pos2(0.0, 0.0), egui::pos2(1.0, 1.0)),
                    egui::Color32::WHITE,
                );
            }
            Shown::Failed => {
                painter.text(
                    image_rect.center(),
                    egui::Align2::CENTER_CENTER,
                    "⚠",
                    egui::FontId::proportional(24.0),
                    theme::error_text(ui.visuals()),
                );
            }
            Shown::Loading => {
                painter.text(
                    image_rect.center(),
                    egui::Align2::CENTER_CENTER,
                    "…",
                    egui::FontId::proportional(24.0),
                    ui.visuals().weak_text_color(),
                );
            }
        }
        if selected || hovered {
            let colour = if selected {
                ui.visuals().selection.stroke.color
            } else {
                ui.visuals().widgets.hovered.bg_stroke.color
            };
            painter.rect_stroke(
                image_rect,
                4.0,
                egui::Stroke::new(if selected { 3.0 } else { 1.5 }, colour),
                egui::StrokeKind::Inside,
            );
        }
        paint_tags(
            painter,
            image_rect,
            star_rect,
            result,
            texts.place.as_deref(),
            (hovered, star.hovered()),
        );
        painter.text(
            egui::pos2(rect.min.x + 2.0, image_rect.max.y + 3.0),
            egui::Align2::LEFT_TOP,
            &texts.caption,
            egui::FontId::proportional(12.0),
            ui.visuals().text_color(),
        );
        // Made only while hovered (a tooltip's text is not built for every tile every frame).
        let resp = resp.on_hover_ui(|ui| {
            ui.label(tr!(
                tr,
                "gallery-tile-tip",
                prompt = prompt,
                w = result.width,
                h = result.height
            ));
        });
        if resp.clicked() {
            if ui.input(|i| i.modifiers.command || i.modifiers.shift) {
                self.toggle(key);
            } else {
                out.push(Action::Show(ShowAction::Viewer(key.clone())));
            }
        }
        resp.context_menu(|ui| self.menu_ui(ui, tr, job, result, key, out));
    }

    /// A tile's right-click menu.
    fn menu_ui(
        &mut self,
        ui: &mut egui::Ui,
        tr: Tr,
        job: &Shelved,
        result: &ShelvedResult,
        key: &ResultKey,
        out: &mut Vec<Action>,
    ) {
        let series = job.results.len();
        if ui.button(tr.t("gallery-open")).clicked() {
            out.push(Action::Show(ShowAction::Viewer(key.clone())));
            ui.close();
        }
        if job.is_series() && series > 1 && ui.button(tr.t("gallery-open-storyboard")).clicked() {
            out.push(Action::Show(ShowAction::Storyboard(job.id.clone())));
            ui.close();
        }
        if ui.button(tr.t("gallery-select")).clicked() {
            self.toggle(key);
            ui.close();
        }
        let star_text = if result.favourite {
            tr.t("gallery-unstar")
        } else {
            tr.t("gallery-star")
        };
        if ui.button(star_text).clicked() {
            out.push(Action::Library(LibraryAction::Favourite(
                key.clone(),
                !result.favourite,
            )));
            ui.close();
        }
        ui.menu_button(tr.t("gallery-rate"), |ui| {
            for n in 0..=5u8 {
                let text = if n == 0 {
                    tr.t("gallery-no-rating").to_owned()
                } else {
                    "★".repeat(usize::from(n))
                };
                if ui.selectable_label(result.rating == n, text).clicked() {
                    out.push(Action::Library(LibraryAction::Rate(key.clone(), n)));
                    ui.close();
                }
            }
        });
        for (text, action) in [
            (
                tr.t("gallery-use-as-reference"),
                Action::Edit(EditAction::UseAsReference(key.clone())),
            ),
            (
                tr.t("gallery-reuse-settings"),
                Action::Edit(EditAction::ReuseSettings(job.id.clone())),
            ),
            (
                tr.t("gallery-palette-from"),
                Action::Edit(EditAction::PaletteFrom(PaletteSource::Result(key.clone()))),
            ),
            (
                tr.t("gallery-export"),
                Action::Library(LibraryAction::Ask(PathPurpose::ExportFile(key.clone()))),
            ),
            (
                tr.t("gallery-delete"),
                Action::Library(LibraryAction::AskDelete(job.id.clone())),
            ),
        ] {
            if ui.button(text).clicked() {
                out.push(action);
                ui.close();
            }
        }
    }

    fn toggle(&mut self, key: &ResultKey) {
        if !self.selection.remove(key) {
            self.selection.insert(key.clone());
        }
    }
}

/// The jobs shown just before and after tile `k`'s job (its own other tiles skipped).
fn neighbours<'a>(jobs: &'a Jobs, k: usize, job: &Shelved) -> impl Iterator<Item = &'a Shelved> {
    let other = move |t: usize| jobs.tile(t).map(|(j, _)| j).filter(|j| j.id != job.id);
    let before = (0..k).rev().take(MAX_SERIES).find_map(other);
    let after = (k + 1..jobs.tiles.len()).take(MAX_SERIES).find_map(other);
    before.into_iter().chain(after)
}

/// A group series holds at most this many tiles in a row of its own.
const MAX_SERIES: usize = 13;

/// What tells tile `k`'s job from its neighbours beside the seed.
fn differing_from_neighbours(jobs: &Jobs, k: usize, job: &Shelved) -> Vec<Differs> {
    crate::core::variation::differing(&job.traits(), neighbours(jobs, k, job).map(Shelved::traits))
}

/// A variation's marks, as a caption starts: its seed (what always differs), then what differs
/// from neighbours with the same prompt: "seed 201 · Pro · 16:9 1K · ".
pub fn variation_marks(
    tr: Tr,
    differs: &[Differs],
    traits: &crate::core::variation::Traits<'_>,
    seed: Option<i64>,
) -> String {
    let mut out = String::new();
    if let Some(seed) = seed {
        out.push_str(&tr!(tr, "caption-seed", seed = seed.to_string()));
        out.push_str(" · ");
    }
    for d in differs {
        let mark = match d {
            Differs::Tier => tr.of(traits.model.tier_name()).to_owned(),
            Differs::Size => traits.size.to_owned(),
            Differs::Palette if traits.palette => tr.t("caption-palette").to_owned(),
            Differs::Palette => tr.t("caption-no-palette").to_owned(),
        };
        out.push_str(&mark);
        out.push_str(" · ");
    }
    out
}

/// What tile `k` (of `job`'s `result`) says, its caption within `chars` columns: what tells it
/// from its neighbours (the parameters that differ where they share the prompt, and its seed),
/// then the prompt. The first panel of a series says how many came of how many were asked for.
fn tile_texts(
    tr: Tr,
    job: &Shelved,
    result: &ShelvedResult,
    k: usize,
    chars: usize,
    differs: &[Differs],
) -> TileTexts {
    let series = job.results.len();
    let asked = usize::try_from(job.asked).unwrap_or(series);
    let mut head =
        if job.is_series() && job.results.first().is_some_and(|f| f.index == result.index) {
            if series < asked {
                tr!(tr, "gallery-series-short", k = series, asked = asked)
            } else {
                tr!(tr, "gallery-series", k = series)
            }
        } else {
            String::new()
        };
    head.push_str(&variation_marks(
        tr,
        differs,
        &job.traits(),
        job.seed.map(i64::from),
    ));
    let room = chars.saturating_sub(
        head.chars()
            .map(crate::core::api::explain::columns_of)
            .sum::<usize>(),
    );
    let caption = crate::core::api::explain::shorten_cols(
        &(head.clone()
            + &crate::core::api::explain::shorten_cols(
                &crate::core::text::terminal::shown(&job.prompt),
                room.max(1),
            )),
        chars,
    );
    let key = ResultKey::new(&job.id, result.index);
    TileTexts {
        thumb: TexKey::Thumb(key.clone()),
        key,
        name: tr!(tr, "gallery-result", n = k + 1),
        star: tr!(tr, "gallery-star-result", n = k + 1),
        caption,
        place: (series > 1).then(|| format!("{}/{series}", result.index + 1)),
    }
}

/// S toggles the star, 1–5 rate and 0 clears the rating of `key` (the gallery's hovered result,
/// the viewer's shown one).
pub fn rating_keys(ui: &egui::Ui, cx: &ViewCx<'_>, key: &ResultKey, out: &mut Vec<Action>) {
    let Some((_, result)) = cx.jobs.shelved_result(key) else {
        return;
    };
    ui.input_mut(|i| {
        if i.consume_key(egui::Modifiers::NONE, egui::Key::S) {
            out.push(Action::Library(LibraryAction::Favourite(
                key.clone(),
                !result.favourite,
            )));
        }
        for (n, k) in [
            egui::Key::Num0,
            egui::Key::Num1,
            egui::Key::Num2,
            egui::Key::Num3,
            egui::Key::Num4,
            egui::Key::Num5,
        ]
        .into_iter()
        .enumerate()
        {
            if i.consume_key(egui::Modifiers::NONE, k) {
                out.push(Action::Library(LibraryAction::Rate(
                    key.clone(),
                    u8::try_from(n).unwrap_or(0),
                )));
            }
        }
    });
}

/// A labelled drop-down of a few choices.
fn choice<T: Clone + PartialEq>(
    ui: &mut egui::Ui,
    name: &str,
    value: &mut T,
    options: &[(T, &str)],
) {
    let shown = options
        .iter()
        .find(|(v, _)| v == value)
        .map_or("", |(_, text)| *text);
    egui::ComboBox::from_id_salt(("gallery_filter", name))
        .selected_text(shown)
        .show_ui(ui, |ui| {
            for (v, text) in options {
                ui.selectable_value(value, v.clone(), *text);
            }
        })
        .response
        .widget_info(|| egui::WidgetInfo::labeled(egui::Role::ComboBox, true, name));
}

/// A tile's star (lit when starred, faint on hover), its rating and its place in a series.
fn paint_tags(
    painter: &egui::Painter,
    image_rect: egui::Rect,
    star_rect: egui::Rect,
    result: &ShelvedResult,
    place: Option<&str>,
    (hovered, star_hovered): (bool, bool),
) {
    if result.favourite || hovered {
        painter.circle_filled(
            star_rect.center(),
            STAR / 2.0,
            egui::Color32::from_black_alpha(150),
        );
        let (glyph, colour) = if result.favourite {
            ("★", egui::Color32::from_rgb(255, 200, 40))
        } else if star_hovered {
            ("★", egui::Color32::from_gray(230))
        } else {
            ("☆", egui::Color32::from_gray(230))
        };
        painter.text(
            star_rect.center(),
            egui::Align2::CENTER_CENTER,
            glyph,
            egui::FontId::proportional(16.0),
            colour,
        );
    }
    if result.rating > 0 {
        let tag = egui::Rect::from_min_size(
            egui::pos2(image_rect.max.x - 34.0, image_rect.max.y - 22.0),
            egui::vec2(30.0, 18.0),
        );
        painter.rect_filled(tag, 3.0, egui::Color32::from_black_alpha(190));
        painter.text(
            tag.center(),
            egui::Align2::CENTER_CENTER,
            format!("{}★", result.rating),
            egui::FontId::proportional(12.0),
            egui::Color32::from_rgb(255, 200, 40),
        );
    }
    if let Some(place) = place {
        let tag = egui::Rect::from_min_size(
            image_rect.min + egui::vec2(4.0, 4.0),
            egui::vec2(44.0, 18.0),
        );
        painter.rect_filled(tag, 3.0, egui::Color32::from_black_alpha(190));
        painter.text(
            tag.center(),
            egui::Align2::CENTER_CENTER,
            place,
            egui::FontId::proportional(12.0),
            egui::Color32::WHITE,
        );
    }
}
