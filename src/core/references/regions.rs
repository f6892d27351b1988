//! Region boxes in source-image pixels: creation, hit-testing, moving and resizing, always clamped to
//! the image. The screen never stores a box; it only looks at one through a transform.

use crate::core::api::request::BBox;
use crate::core::api::rules::MAX_BOXES_PER_IMAGE;

/// Boxes smaller than this (in image pixels, either side) are a slip of the mouse, not a box.
pub const MIN_BOX_SIDE: i64 = 4;

/// A point in image pixels (fractional: it came from the mouse).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ImagePoint {
    pub x: f64,
    pub y: f64,
}

impl ImagePoint {
    pub fn new(x: f64, y: f64) -> ImagePoint {
        ImagePoint { x, y }
    }
}

/// A part of a box the pointer can grab.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Grip {
    Inside,
    Left,
    Right,
    Top,
    Bottom,
    TopLeft,
    TopRight,
    BottomLeft,
    BottomRight,
}

impl Grip {
    fn moves_left(self) -> bool {
        matches!(self, Grip::Left | Grip::TopLeft | Grip::BottomLeft)
    }
    fn moves_right(self) -> bool {
        matches!(self, Grip::Right | Grip::TopRight | Grip::BottomRight)
    }
    fn moves_top(self) -> bool {
        matches!(self, Grip::Top | Grip::TopLeft | Grip::TopRight)
    }
    fn moves_bottom(self) -> bool {
        matches!(self, Grip::Bottom | Grip::BottomLeft | Grip::BottomRight)
    }
}

fn clamp_coord(v: f64, max: u32) -> i64 {
    (v.round() as i64).clamp(0, i64::from(max))
}

/// The box spanned by two points, in integer pixels, clamped to a `w × h` image. `None` if it is
/// smaller than [`MIN_BOX_SIDE`] once clamped.
pub fn span(a: ImagePoint, b: ImagePoint, (w, h): (u32, u32)) -> Option<BBox> {
    let (x1, x2) = (clamp_coord(a.x.min(b.x), w), clamp_coord(a.x.max(b.x), w));
    let (y1, y2) = (clamp_coord(a.y.min(b.y), h), clamp_coord(a.y.max(b.y), h));
    (x2 - x1 >= MIN_BOX_SIDE && y2 - y1 >= MIN_BOX_SIDE).then_some([x1, y1, x2, y2])
}

/// Clamps a box to the image, keeping `x1 < x2` and `y1 < y2`; `None` if nothing usable is left.
pub fn clamp(b: BBox, (w, h): (u32, u32)) -> Option<BBox> {
    let (w, h) = (i64::from(w), i64::from(h));
    let [x1, y1, x2, y2] = b;
    let (x1, x2) = (x1.min(x2).clamp(0, w), x1.max(x2).clamp(0, w));
    let (y1, y2) = (y1.min(y2).clamp(0, h), y1.max(y2).clamp(0, h));
    (x2 > x1 && y2 > y1).then_some([x1, y1, x2, y2])
}

/// Which part of `b` is at `p`, with `tolerance` image pixels of slack for edges and corners.
pub fn grip_at(b: BBox, p: ImagePoint, tolerance: f64) -> Option<Grip> {
    let [x1, y1, x2, y2] = b.map(|v| v as f64);
    let near = |a: f64, v: f64| (a - v).abs() <= tolerance;
    let within_x = p.x >= x1 - tolerance && p.x <= x2 + tolerance;
    let within_y = p.y >= y1 - tolerance && p.y <= y2 + tolerance;
    if !(within_x && within_y) {
        return None;
    }
    let (l, r, t, bo) = (near(p.x, x1), near(p.x, x2), near(p.y, y1), near(p.y, y2));
    Some(match (l, r, t, bo) {
        (true, _, true, _) => Grip::TopLeft,
        (_, true, true, _) => Grip::TopRight,
        (true, _, _, true) => Grip::BottomLeft,
        (_, true, _, true) => Grip::BottomRight,
        (true, ..) => Grip::Left,
        (_, true, ..) => Grip::Right,
        (_, _, true, _) => Grip::Top,
        (.., true) => Grip::Bottom,
        _ => Grip::Inside,
    })
}

/// The topmost box (the last drawn) under `p`, with the grip.
pub fn hit(boxes: &[BBox], p: ImagePoint, tolerance: f64) -> Option<(usize, Grip)> {
    boxes
        .iter()
        .enumerate()
        .rev()
        .find_map(|(i, b)| grip_at(*b, p, tolerance).map(|g| (i, g)))
}

/// `b` moved by `(dx, dy)` image pixels, kept whole inside the image.
pub fn moved(b: BBox, dx: f64, dy: f64, (w, h): (u32, u32)) -> BBox {
    let [x1, y1, x2, y2] = b;
    let (bw, bh) = (x2 - x1, y2 - y1);
    let nx = (x1 + dx.round() as i64).clamp(0, (i64::from(w) - bw).max(0));
    let ny = (y1 + dy.round() as i64).clamp(0, (i64::from(h) - bh).max(0));
    [nx, ny, nx + bw, ny + bh]
}

/// `b` with the edges named by `grip` dragged to `p`, clamped, and never smaller than
/// [`MIN_BOX_SIDE`]. Dragging an edge past the opposite one flips the box, as in any editor.
pub fn resized(b: BBox, grip: Grip, p: ImagePoint, dims: (u32, u32)) -> BBox {
    let [mut x1, mut y1, mut x2, mut y2] = b;
    let (px, py) = (clamp_coord(p.x, dims.0), clamp_coord(p.y, dims.1));
    if grip.moves_left() {
        x1 = px;
    }
    if grip.moves_right() {
        x2 = px;
    }
    if grip.moves_top() {
        y1 = py;
    }
    if grip.moves_bottom() {
        y2 = py;
    }
    let (x1, x2) = min_span(x1.min(x2), x1.max(x2), grip.moves_left(), dims.0);
    let (y1, y2) = min_span(y1.min(y2), y1.max(y2), grip.moves_top(), dims.1);
    [x1, y1, x2, y2]
}

/// Widens `lo..hi` to [`MIN_BOX_SIDE`] within `0..=max`, moving the side that was dragged
/// (`moved_low`: the low side) and keeping the other where it is.
fn min_span(lo: i64, hi: i64, moved_low: bool, max: u32) -> (i64, i64) {
    if hi - lo >= MIN_BOX_SIDE {
        return (lo, hi);
    }
    let max = i64::from(max);
    if moved_low {
        let lo = (hi - MIN_BOX_SIDE).max(0);
        (lo, (lo + MIN_BOX_SIDE).min(max))
    } else {
        let hi = (lo + MIN_BOX_SIDE).min(max);
        ((hi - MIN_BOX_SIDE).max(0), hi)
    }
}

/// Why a box was not added.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum BoxError {
    #[error("at most {MAX_BOXES_PER_IMAGE} boxes per image: delete one to draw another")]
    Full,
}

/// Adds a box to a reference's list, refusing a third.
pub fn push(boxes: &mut Vec<BBox>, b: BBox) -> Result<usize, BoxError> {
    if boxes.len() >= MAX_BOXES_PER_IMAGE {
        return Err(BoxError::Full);
    }
    boxes.push(b);
    Ok(boxes.len() - 1)
}

/// Maps boxes drawn on an image of `from` size onto the same picture at `to` size (a reference that
/// is downscaled before upload keeps what the artist drew).
pub fn rescale(boxes: &[BBox], from: (u32, u32), to: (u32, u32)) -> Vec<BBox> {
    if from.0 == 0 || from.1 == 0 {
        return boxes.to_vec();
    }
    let sx = f64::from(to.0) / f64::from(from.0);
    let sy = f64::from(to.1) / f64::from(from.1);
    boxes
        .iter()
        .filter_map(|b| {
            let s = [
                b[0] as f64 * sx,
                b[1] as f64 * sy,
                b[2] as f64 * sx,
                b[3] as f64 * sy,
            ];
            clamp(s.map(|v| v.round() as i64), to)
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const DIMS: (u32, u32) = (1000, 800);

    fn p(x: f64, y: f64) -> ImagePoint {
        ImagePoint::new(x, y)
    }

    #[test]
    fn span_orders_rounds_and_clamps() {
        assert_eq!(
            span(p(300.4, 200.6), p(100.0, 50.0), DIMS),
            Some([100, 50, 300, 201])
        );
        assert_eq!(
            span(p(-20.0, -5.0), p(2000.0, 900.0), DIMS),
            Some([0, 0, 1000, 800])
        );
        assert_eq!(span(p(10.0, 10.0), p(12.0, 200.0), DIMS), None, "too thin");
    }

    #[test]
    fn grips_are_found() {
        let b = [100, 100, 300, 200];
        assert_eq!(grip_at(b, p(200.0, 150.0), 5.0), Some(Grip::Inside));
        assert_eq!(grip_at(b, p(101.0, 99.0), 5.0), Some(Grip::TopLeft));
        assert_eq!(grip_at(b, p(302.0, 150.0), 5.0), Some(Grip::Right));
        assert_eq!(grip_at(b, p(200.0, 203.0), 5.0), Some(Grip::Bottom));
        assert_eq!(grip_at(b, p(50.0, 150.0), 5.0), None);
        assert_eq!(
            hit(&[b, [150, 120, 250, 180]], p(200.0, 150.0), 5.0),
            Some((1, Grip::Inside))
        );
    }

    #[test]
    fn moving_stays_inside() {
        assert_eq!(
            moved([100, 100, 300, 200], 50.0, -20.0, DIMS),
            [150, 80, 350, 180]
        );
        assert_eq!(
            moved([100, 100, 300, 200], 5000.0, 5000.0, DIMS),
            [800, 700, 1000, 800]
        );
        assert_eq!(
            moved([100, 100, 300, 200], -5000.0, 0.0, DIMS),
            [0, 100, 200, 200]
        );
    }

    #[test]
    fn resizing_moves_edges_clamps_and_flips() {
        let b = [100, 100, 300, 200];
        assert_eq!(
            resized(b, Grip::BottomRight, p(400.0, 250.0), DIMS),
            [100, 100, 400, 250]
        );
        assert_eq!(
            resized(b, Grip::Left, p(-50.0, 0.0), DIMS),
            [0, 100, 300, 200]
        );
        assert_eq!(
            resized(b, Grip::Right, p(50.0, 0.0), DIMS),
            [50, 100, 100, 200],
            "flipped"
        );
        assert_eq!(
            resized(b, Grip::Top, p(0.0, 199.0), DIMS),
            [100, 196, 300, 200],
            "kept a minimum"
        );
    }

    #[test]
    fn a_third_box_is_refused() {
        let mut boxes = vec![];
        push(&mut boxes, [0, 0, 10, 10]).unwrap();
        push(&mut boxes, [0, 0, 10, 10]).unwrap();
        assert_eq!(push(&mut boxes, [0, 0, 10, 10]), Err(BoxError::Full));
    }

    #[test]
    fn rescaling_keeps_what_was_drawn() {
        assert_eq!(
            rescale(&[[989, 515, 1138, 681]], (4000, 3000), (2000, 1500)),
            vec![[495, 258, 569, 341]]
        );
    }
}
