//! Where an image sits on screen: fitting, zoom and the transforms between image pixels and
//! screen points. Shared by the views that draw images (named spaces: `ui_from_image` maps image
//! pixels to screen points; its inverse maps the pointer back).

use eframe::egui::{self, Pos2, Rect, Vec2, emath::RectTransform};

/// The largest rect of the image's shape that fits in `outer`, centred.
pub fn fit_rect(outer: egui::Rect, (w, h): (u32, u32)) -> egui::Rect {
    let (w, h) = (w.max(1) as f32, h.max(1) as f32);
    let scale = (outer.width() / w).min(outer.height() / h);
    egui::Rect::from_center_size(outer.center(), egui::vec2(w * scale, h * scale))
}

/// The transform from image pixels to screen points for an image of `dims` in `canvas`.
pub fn ui_from_image(canvas: Rect, dims: (u32, u32), zoom: f32, pan: Vec2) -> RectTransform {
    let (w, h) = (dims.0.max(1) as f32, dims.1.max(1) as f32);
    let scale = fit_scale(canvas, dims) * zoom;
    let on_screen = Rect::from_center_size(canvas.center() + pan, egui::vec2(w * scale, h * scale));
    RectTransform::from_to(Rect::from_min_size(Pos2::ZERO, egui::vec2(w, h)), on_screen)
}

/// Screen points per image pixel when the image fits the canvas.
pub fn fit_scale(canvas: Rect, dims: (u32, u32)) -> f32 {
    let (w, h) = (dims.0.max(1) as f32, dims.1.max(1) as f32);
    (canvas.width() / w).min(canvas.height() / h)
}

/// The zoom (relative to fit) at which one image pixel covers one physical screen pixel.
pub fn one_to_one(canvas: Rect, dims: (u32, u32), pixels_per_point: f32) -> f32 {
    1.0 / (fit_scale(canvas, dims) * pixels_per_point).max(f32::EPSILON)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn transform_fits_and_zooms_about_the_centre() {
        let canvas = Rect::from_min_size(egui::pos2(100.0, 50.0), egui::vec2(800.0, 400.0));
        // A 2000x1000 image fits at 0.4: 800x400 on screen.
        let t = ui_from_image(canvas, (2000, 1000), 1.0, Vec2::ZERO);
        assert_eq!(t.transform_pos(Pos2::ZERO), egui::pos2(100.0, 50.0));
        assert_eq!(
            t.transform_pos(egui::pos2(2000.0, 1000.0)),
            egui::pos2(900.0, 450.0)
        );
        let z = ui_from_image(canvas, (2000, 1000), 2.0, Vec2::ZERO);
        assert_eq!(z.transform_pos(egui::pos2(1000.0, 500.0)), canvas.center());
        assert_eq!(
            z.inverse()
                .transform_pos(canvas.center() + egui::vec2(80.0, 0.0)),
            egui::pos2(1100.0, 500.0)
        );
    }
}
