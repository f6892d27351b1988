//! The eyedropper: armed for one swatch of the palette (from the palette editor, or the region
//! editor's and the viewer's own button), a click on the image takes the colour under the pointer
//! into that swatch. While armed, the pointer shows the colour it is over and its hex.
//!
//! The colour is read from the pixels the texture was made from (kept on the CPU side for the
//! region editor's and the viewer's images), so picking needs no I/O.

use eframe::egui::{self, Rect, RichText};
use image::RgbaImage;

use super::cx::{Action, Dropper, EditAction, ViewCx};
use super::widgets::named_button;
use crate::tr;

/// The pixel of `pixels` under `pointer`, where `shown` is where the whole image is drawn on
/// screen. `None` outside the image.
pub fn colour_at(pixels: &RgbaImage, shown: Rect, pointer: egui::Pos2) -> Option<[u8; 3]> {
    if !shown.contains(pointer) || shown.width() <= 0.0 || shown.height() <= 0.0 {
        return None;
    }
    let (w, h) = pixels.dimensions();
    let u = (pointer.x - shown.min.x) / shown.width();
    let v = (pointer.y - shown.min.y) / shown.height();
    let x = ((u * w as f32) as u32).min(w.saturating_sub(1));
    let y = ((v * h as f32) as u32).min(h.saturating_sub(1));
    let p = pixels.get_pixel_checked(x, y)?;
    Some([p[0], p[1], p[2]])
}

/// The toolbar's tr.t("eyedropper-button") toggle, and while armed, which colour of the palette it sets.
pub fn toolbar_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, out: &mut Vec<Action>) {
    let tr = cx.tr;
    let Dropper {
        armed,
        target,
        swatches,
        blocked,
    } = cx.dropper;
    let r = named_button(
        ui,
        blocked.is_none(),
        egui::Button::selectable(armed.is_some(), tr.t("eyedropper-button")),
        tr.t("eyedropper-name"),
    )
    .on_hover_text(tr.t("eyedropper-tip"));
    let r = match blocked {
        Some(why) => r.on_disabled_hover_text(why),
        None => r,
    };
    if r.clicked() {
        out.push(Action::Edit(EditAction::Eyedropper(
            armed.is_none().then_some(target),
        )));
    }
    if let Some(i) = armed {
        let mut chosen = i;
        egui::ComboBox::from_id_salt("eyedropper_target")
            .selected_text(tr!(tr, "eyedropper-into", n = i + 1))
            .show_ui(ui, |ui| {
                for k in 0..swatches.max(1) {
                    ui.selectable_value(&mut chosen, k, tr!(tr, "palette-colour", n = k + 1));
                }
            });
        if chosen != i {
            out.push(Action::Edit(EditAction::Eyedropper(Some(chosen))));
        }
    }
}

/// Whether the armed eyedropper has the pointer (it is over the image `shown`): the view leaves
/// its own clicks and left drags alone then.
pub fn has_pointer(cx: &ViewCx<'_>, resp: &egui::Response, shown: Rect) -> bool {
    cx.dropper.armed.is_some() && resp.hover_pos().is_some_and(|p| shown.contains(p))
}

/// While armed and the pointer is over the image: a crosshair, the colour under it beside the
/// pointer, and a click takes it. Call after the image is painted (the loupe goes over it).
pub fn pick_ui(
    ui: &egui::Ui,
    resp: &egui::Response,
    shown: Rect,
    pixels: Option<&RgbaImage>,
    cx: &ViewCx<'_>,
    out: &mut Vec<Action>,
) {
    let Some(swatch) = cx.dropper.armed else {
        return;
    };
    let Some(hover) = resp.hover_pos().filter(|p| shown.contains(*p)) else {
        return;
    };
    ui.ctx().set_cursor_icon(egui::CursorIcon::Crosshair);
    let Some(rgb) = pixels.and_then(|px| colour_at(px, shown, hover)) else {
        return;
    };
    let picked = egui::Color32::from_rgb(rgb[0], rgb[1], rgb[2]);
    let hex = format!("#{:02X}{:02X}{:02X}", rgb[0], rgb[1], rgb[2]);
    // The loupe: the colour under the pointer and its hex, beside it (inside the canvas).
    let size = egui::vec2(112.0, 34.0);
    let mut at = hover + egui::vec2(18.0, 18.0);
    let clip = resp.rect;
    if at.x + size.x > clip.max.x {
        at.x = hover.x - 18.0 - size.x;
    }
    if at.y + size.y > clip.max.y {
        at.y = hover.y - 18.0 - size.y;
    }
    let loupe = Rect::from_min_size(at, size);
    let painter = ui.painter().with_clip_rect(clip);
    let visuals = ui.visuals();
    painter.rect_filled(loupe, 6.0, visuals.window_fill);
    painter.rect_stroke(loupe, 6.0, visuals.window_stroke, egui::StrokeKind::Inside);
    let sample = Rect::from_min_size(at + egui::vec2(5.0, 5.0), egui::vec2(24.0, 24.0));
    painter.rect_filled(sample, 3.0, picked);
    painter.rect_stroke(
        sample,
        3.0,
        egui::Stroke::new(1.0, visuals.text_color()),
        egui::StrokeKind::Inside,
    );
    painter.text(
        egui::pos2(sample.max.x + 8.0, loupe.center().y),
        egui::Align2::LEFT_CENTER,
        &hex,
        egui::FontId::monospace(13.0),
        visuals.text_color(),
    );
    if resp.clicked() {
        out.push(Action::Edit(EditAction::PickColour { swatch, rgb }));
    }
}

/// The palette row's 💧: arms the eyedropper for this swatch (or disarms it).
pub fn swatch_button_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>, i: usize, out: &mut Vec<Action>) {
    let tr = cx.tr;
    let armed = cx.dropper.armed == Some(i);
    let n = i + 1;
    let r = ui
        .add(egui::Button::selectable(armed, "💧"))
        .on_hover_text(tr.t("eyedropper-pick-tip"));
    r.widget_info(|| {
        egui::WidgetInfo::selected(
            egui::Role::CheckBox,
            true,
            armed,
            tr!(tr, "eyedropper-pick", n = n),
        )
    });
    if r.clicked() {
        out.push(Action::Edit(EditAction::Eyedropper((!armed).then_some(i))));
    }
}

/// The line under the palette while the eyedropper is armed.
pub fn armed_hint_ui(ui: &mut egui::Ui, cx: &ViewCx<'_>) {
    let tr = cx.tr;
    if let Some(i) = cx.dropper.armed {
        ui.label(RichText::new(tr!(tr, "eyedropper-armed", n = i + 1)).weak());
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_colour_is_the_pixel_under_the_pointer_at_any_scale() {
        // Four quadrants, drawn at half size and offset.
        let img = RgbaImage::from_fn(100, 60, |x, y| match (x < 50, y < 30) {
            (true, true) => image::Rgba([255, 0, 0, 255]),
            (false, true) => image::Rgba([0, 255, 0, 255]),
            (true, false) => image::Rgba([0, 0, 255, 255]),
            (false, false) => image::Rgba([10, 20, 30, 255]),
        });
        let shown = Rect::from_min_size(egui::pos2(40.0, 20.0), egui::vec2(50.0, 30.0));
        assert_eq!(
            colour_at(&img, shown, egui::pos2(41.0, 21.0)),
            Some([255, 0, 0])
        );
        assert_eq!(
            colour_at(&img, shown, egui::pos2(89.9, 21.0)),
            Some([0, 255, 0])
        );
        assert_eq!(
            colour_at(&img, shown, egui::pos2(41.0, 49.9)),
            Some([0, 0, 255])
        );
        assert_eq!(
            colour_at(&img, shown, egui::pos2(70.0, 40.0)),
            Some([10, 20, 30])
        );
        assert_eq!(
            colour_at(&img, shown, egui::pos2(39.0, 21.0)),
            None,
            "outside"
        );
    }
}
