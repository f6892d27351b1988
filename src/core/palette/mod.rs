//! The colour palette editor's model: 3–10 swatches whose ratios always total exactly 100.00%.
//!
//! Ratios are integers in hundredths of a percent, so "exactly 100.00%" is `sum == 10_000`, never a
//! floating-point hope. Moving one ratio rescales the other unlocked swatches in proportion; the
//! rounding remainder goes to the largest of them. Every swatch keeps at least 0.01% (the API rejects
//! a zero ratio).

pub mod dominant;
pub mod palettes;

use serde::{Deserialize, Serialize};

use crate::core::api::request::PaletteEntry;
use crate::core::api::rules::{MAX_PALETTE, MIN_PALETTE, format_ratio, parse_hex, parse_ratio};

/// 100.00% in hundredths.
pub const TOTAL: u32 = 10_000;
/// The smallest ratio a swatch may have: 0.01%.
pub const MIN_RATIO: u32 = 1;

/// One colour with its share.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Swatch {
    pub rgb: [u8; 3],
    /// Hundredths of a percent.
    pub ratio: u32,
    pub locked: bool,
}

impl Swatch {
    pub fn hex(&self) -> String {
        format!("#{:02X}{:02X}{:02X}", self.rgb[0], self.rgb[1], self.rgb[2])
    }
}

/// Why a palette edit was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum PaletteError {
    #[error("a palette holds at most {MAX_PALETTE} colours")]
    Full,
    #[error("a palette needs at least {MIN_PALETTE} colours")]
    TooFew,
    #[error("every other colour is locked: unlock one to make room")]
    AllLocked,
    #[error("no room for another colour: lower or unlock one first")]
    NoRoom,
    #[error("there is no colour {0}")]
    NoSuchSwatch(usize),
}

/// A palette whose ratios total exactly [`TOTAL`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(try_from = "Vec<Swatch>", into = "Vec<Swatch>")]
pub struct Palette {
    swatches: Vec<Swatch>,
}

impl Default for Palette {
    /// Four harmonious colours at 25% each.
    fn default() -> Self {
        let colours = [
            [0xC2, 0xD1, 0xE6],
            [0x63, 0x65, 0x74],
            [0xE8, 0xB4, 0x6B],
            [0x2F, 0x4F, 0x4F],
        ];
        Palette {
            swatches: colours
                .into_iter()
                .map(|rgb| Swatch {
                    rgb,
                    ratio: TOTAL / 4,
                    locked: false,
                })
                .collect(),
        }
    }
}

impl TryFrom<Vec<Swatch>> for Palette {
    type Error = String;

    fn try_from(swatches: Vec<Swatch>) -> Result<Self, Self::Error> {
        let total: u32 = swatches.iter().map(|s| s.ratio).sum();
        if !(MIN_PALETTE..=MAX_PALETTE).contains(&swatches.len())
            || total != TOTAL
            || swatches.iter().any(|s| s.ratio < MIN_RATIO)
        {
            return Err("not a valid palette".to_owned());
        }
        Ok(Palette { swatches })
    }
}

impl From<Palette> for Vec<Swatch> {
    fn from(p: Palette) -> Self {
        p.swatches
    }
}

impl Palette {
    pub fn swatches(&self) -> &[Swatch] {
        &self.swatches
    }

    pub fn len(&self) -> usize {
        self.swatches.len()
    }

    pub fn is_empty(&self) -> bool {
        self.swatches.is_empty()
    }

    /// Always [`TOTAL`]; exposed so callers and tests can say so.
    pub fn total(&self) -> u32 {
        self.swatches.iter().map(|s| s.ratio).sum()
    }

    /// The palette as the wire wants it.
    pub fn to_entries(&self) -> Vec<PaletteEntry> {
        self.swatches
            .iter()
            .map(|s| PaletteEntry {
                hex: s.hex(),
                ratio: format_ratio(s.ratio),
            })
            .collect()
    }

    /// A palette from wire entries, if they form a valid one.
    pub fn from_entries(entries: &[PaletteEntry]) -> Option<Palette> {
        let swatches = entries
            .iter()
            .map(|e| {
                Some(Swatch {
                    rgb: parse_hex(&e.hex)?,
                    ratio: parse_ratio(&e.ratio)?,
                    locked: false,
                })
            })
            .collect::<Option<Vec<_>>>()?;
        Palette::try_from(swatches).ok()
    }

    /// Evenly split colours (at least 3, at most 10 are kept).
    pub fn from_colours(colours: &[[u8; 3]]) -> Option<Palette> {
        let colours = &colours[..colours.len().min(MAX_PALETTE)];
        if colours.len() < MIN_PALETTE {
            return None;
        }
        let n = u32::try_from(colours.len()).ok()?;
        let mut swatches: Vec<Swatch> = colours
            .iter()
            .map(|&rgb| Swatch {
                rgb,
                ratio: TOTAL / n,
                locked: false,
            })
            .collect();
        swatches[0].ratio += TOTAL - (TOTAL / n) * n;
        Some(Palette { swatches })
    }

    /// A palette from colours and their shares (any positive weights), rounded to exactly
    /// [`TOTAL`] by largest remainder, each at least [`MIN_RATIO`]. Needs 3 to 10 colours.
    pub fn from_shares(shares: &[([u8; 3], f64)]) -> Option<Palette> {
        if !(MIN_PALETTE..=MAX_PALETTE).contains(&shares.len())
            || shares.iter().any(|(_, w)| !w.is_finite() || *w < 0.0)
        {
            return None;
        }
        let sum: f64 = shares.iter().map(|(_, w)| w).sum();
        let n = u32::try_from(shares.len()).ok()?;
        // Every swatch keeps its minimum; the rest is shared out in proportion.
        let spare = f64::from(TOTAL - MIN_RATIO * n);
        let exact: Vec<f64> = shares
            .iter()
            .map(|(_, w)| {
                if sum > 0.0 {
                    w / sum * spare
                } else {
                    spare / f64::from(n)
                }
            })
            .collect();
        let mut ratios: Vec<u32> = exact.iter().map(|e| e.floor() as u32).collect();
        let mut left = TOTAL - MIN_RATIO * n - ratios.iter().sum::<u32>();
        let mut order: Vec<usize> = (0..ratios.len()).collect();
        order.sort_by(|&a, &b| {
            let (ra, rb) = (exact[a] - exact[a].floor(), exact[b] - exact[b].floor());
            rb.total_cmp(&ra).then(a.cmp(&b))
        });
        for &i in order.iter().cycle().take(ratios.len() * 2) {
            if left == 0 {
                break;
            }
            ratios[i] += 1;
            left -= 1;
        }
        let swatches: Vec<Swatch> = shares
            .iter()
            .zip(ratios)
            .map(|(&(rgb, _), r)| Swatch {
                rgb,
                ratio: r + MIN_RATIO,
                locked: false,
            })
            .collect();
        Palette::try_from(swatches).ok()
    }

    fn get(&self, i: usize) -> Result<&Swatch, PaletteError> {
        self.swatches.get(i).ok_or(PaletteError::NoSuchSwatch(i))
    }

    pub fn set_colour(&mut self, i: usize, rgb: [u8; 3]) -> Result<(), PaletteError> {
        self.get(i)?;
        self.swatches[i].rgb = rgb;
        Ok(())
    }

    pub fn set_locked(&mut self, i: usize, locked: bool) -> Result<(), PaletteError> {
        self.get(i)?;
        self.swatches[i].locked = locked;
        Ok(())
    }

    /// The range swatch `i` can be moved through, given the locks on the others.
    pub fn ratio_range(&self, i: usize) -> std::ops::RangeInclusive<u32> {
        let others = self.unlocked_except(i);
        if others.is_empty() {
            let r = self.swatches.get(i).map_or(0, |s| s.ratio);
            return r..=r;
        }
        let locked = self.locked_share_except(i);
        let others_min = MIN_RATIO * u32::try_from(others.len()).unwrap_or(u32::MAX);
        MIN_RATIO..=TOTAL.saturating_sub(locked + others_min).max(MIN_RATIO)
    }

    /// The share held by locked swatches other than `i`.
    fn locked_share_except(&self, i: usize) -> u32 {
        self.swatches
            .iter()
            .enumerate()
            .filter(|&(j, s)| j != i && s.locked)
            .map(|(_, s)| s.ratio)
            .sum()
    }

    fn unlocked_except(&self, i: usize) -> Vec<usize> {
        (0..self.swatches.len())
            .filter(|&j| j != i && !self.swatches[j].locked)
            .collect()
    }

    /// Sets swatch `i` to `target` hundredths (clamped to what the locks allow) and rescales the other
    /// unlocked swatches in proportion. Returns the ratio actually set.
    pub fn set_ratio(&mut self, i: usize, target: u32) -> Result<u32, PaletteError> {
        self.get(i)?;
        let others = self.unlocked_except(i);
        if others.is_empty() {
            return Err(PaletteError::AllLocked);
        }
        let range = self.ratio_range(i);
        let target = target.clamp(*range.start(), *range.end());
        let locked = self.locked_share_except(i);
        self.swatches[i].ratio = target;
        self.share_out(&others, TOTAL - locked - target);
        Ok(target)
    }

    /// Gives `budget` to the swatches `among` in proportion to what they hold now (at least
    /// [`MIN_RATIO`] each); the rounding remainder goes to the largest of them. Exact by construction,
    /// and when the budget equals what they hold, nothing moves: a drag away and back restores the
    /// shares it started from. Callers guarantee `budget >= MIN_RATIO * among.len()`.
    fn share_out(&mut self, among: &[usize], budget: u32) {
        if among.is_empty() {
            return;
        }
        let weights: Vec<u64> = among
            .iter()
            .map(|&j| u64::from(self.swatches[j].ratio))
            .collect();
        let weight_sum: u64 = weights.iter().sum();
        let count = among.len() as u64;
        for (k, &j) in among.iter().enumerate() {
            let share = (u64::from(budget) * weights[k])
                .checked_div(weight_sum)
                .unwrap_or(u64::from(budget) / count);
            self.swatches[j].ratio = u32::try_from(share).unwrap_or(budget).max(MIN_RATIO);
        }
        // The first of the largest, so ties resolve the same way every time.
        let largest = |s: &Self| {
            among
                .iter()
                .copied()
                .min_by_key(|&j| (std::cmp::Reverse(s.swatches[j].ratio), j))
        };
        let given: u32 = among.iter().map(|&j| self.swatches[j].ratio).sum();
        if given < budget {
            if let Some(j) = largest(self) {
                self.swatches[j].ratio += budget - given;
            }
        } else {
            // Floors of MIN_RATIO can overshoot: take the excess back from the largest.
            let mut excess = given - budget;
            while excess > 0 {
                let Some(j) = largest(self) else { break };
                let take = excess.min(self.swatches[j].ratio.saturating_sub(MIN_RATIO));
                if take == 0 {
                    break;
                }
                self.swatches[j].ratio -= take;
                excess -= take;
            }
        }
    }

    /// Sets swatch `i` to `target` as [`Palette::set_ratio`] would on `base`: the others are rescaled
    /// in proportion to the shares they had in `base` (where a drag began), not to what the drag
    /// has made of them so far. So dragging to the end and back restores every share exactly.
    /// `base` must be this palette as it was (the same swatches and locks).
    pub fn set_ratio_from(
        &mut self,
        base: &Palette,
        i: usize,
        target: u32,
    ) -> Result<u32, PaletteError> {
        let mut next = base.clone();
        for (n, s) in next.swatches.iter_mut().zip(&self.swatches) {
            n.rgb = s.rgb;
        }
        let set = next.set_ratio(i, target)?;
        *self = next;
        Ok(set)
    }

    /// A colour that looks unlike every swatch already here (for "Add colour").
    pub fn distinct_colour(&self) -> [u8; 3] {
        const CANDIDATES: [[u8; 3]; 16] = [
            [0xD9, 0x48, 0x3B],
            [0x3B, 0x7D, 0xD8],
            [0x2E, 0x9E, 0x5B],
            [0xF2, 0xC1, 0x4E],
            [0x8E, 0x44, 0xAD],
            [0xF0, 0x80, 0x30],
            [0x1A, 0xBC, 0x9C],
            [0xF5, 0xF0, 0xE6],
            [0x22, 0x22, 0x2A],
            [0xE8, 0x7E, 0xA1],
            [0x7F, 0x8C, 0x8D],
            [0x6B, 0x3E, 0x26],
            [0x9A, 0xD0, 0xEC],
            [0xB5, 0xD3, 0x3D],
            [0x5D, 0x2E, 0x8C],
            [0x00, 0x5F, 0x73],
        ];
        let distance = |a: [u8; 3], b: [u8; 3]| -> u32 {
            a.iter()
                .zip(b)
                .map(|(&x, y)| u32::from(x.abs_diff(y)).pow(2))
                .sum()
        };
        CANDIDATES
            .into_iter()
            .max_by_key(|&c| {
                let nearest = self
                    .swatches
                    .iter()
                    .map(|s| distance(s.rgb, c))
                    .min()
                    .unwrap_or(u32::MAX);
                // The earlier candidate wins a tie.
                (
                    nearest,
                    std::cmp::Reverse(CANDIDATES.iter().position(|&x| x == c)),
                )
            })
            .unwrap_or([0x80; 3])
    }

    /// Adds a colour with an even share, taken in proportion from the unlocked swatches.
    pub fn add(&mut self, rgb: [u8; 3]) -> Result<usize, PaletteError> {
        if self.swatches.len() >= MAX_PALETTE {
            return Err(PaletteError::Full);
        }
        if self.swatches.iter().all(|s| s.locked) {
            return Err(PaletteError::AllLocked);
        }
        let n = u32::try_from(self.swatches.len()).unwrap_or(1) + 1;
        self.swatches.push(Swatch {
            rgb,
            ratio: 0,
            locked: false,
        });
        let i = self.swatches.len() - 1;
        // The new swatch is unlocked, so set_ratio always has room; start it at an even share.
        let others = self.unlocked_except(i);
        let locked: u32 = self
            .swatches
            .iter()
            .filter(|s| s.locked)
            .map(|s| s.ratio)
            .sum();
        let room = TOTAL - locked - MIN_RATIO * u32::try_from(others.len()).unwrap_or(0);
        if room < MIN_RATIO {
            self.swatches.pop();
            return Err(PaletteError::NoRoom);
        }
        let target = (TOTAL / n).clamp(MIN_RATIO, room);
        self.swatches[i].ratio = target;
        self.share_out(&others, TOTAL - locked - target);
        Ok(i)
    }

    /// Removes a colour; its share goes to the unlocked others in proportion (to all others if
    /// every one is locked: a lock never blocks a removal).
    pub fn remove(&mut self, i: usize) -> Result<(), PaletteError> {
        self.get(i)?;
        if self.swatches.len() <= MIN_PALETTE {
            return Err(PaletteError::TooFew);
        }
        self.swatches.remove(i);
        let unlocked: Vec<usize> = (0..self.swatches.len())
            .filter(|&j| !self.swatches[j].locked)
            .collect();
        let among: Vec<usize> = if unlocked.is_empty() {
            (0..self.swatches.len()).collect()
        } else {
            unlocked
        };
        let fixed: u32 = (0..self.swatches.len())
            .filter(|j| !among.contains(j))
            .map(|j| self.swatches[j].ratio)
            .sum();
        self.share_out(&among, TOTAL - fixed);
        Ok(())
    }

    /// Moves a swatch from one position to another.
    pub fn reorder(&mut self, from: usize, to: usize) -> Result<(), PaletteError> {
        self.get(from)?;
        self.get(to)?;
        let s = self.swatches.remove(from);
        self.swatches.insert(to, s);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ratios(p: &Palette) -> Vec<u32> {
        p.swatches().iter().map(|s| s.ratio).collect()
    }

    #[test]
    fn default_is_valid() {
        let p = Palette::default();
        assert_eq!(p.total(), TOTAL);
        assert_eq!(p.len(), 4);
    }

    #[test]
    fn moving_one_rescales_the_others_proportionally() {
        let mut p = Palette::from_colours(&[[0; 3], [1; 3], [2; 3], [3; 3]]).unwrap();
        p.set_ratio(0, 4000).unwrap();
        assert_eq!(ratios(&p), vec![4000, 2000, 2000, 2000]);
        p.set_ratio(1, 3000).unwrap();
        // The remaining 7000 goes to swatches 0, 2, 3 in proportion 4000:2000:2000.
        assert_eq!(ratios(&p), vec![3500, 3000, 1750, 1750]);
        assert_eq!(p.total(), TOTAL);
    }

    #[test]
    fn rounding_goes_to_the_largest_unlocked() {
        let mut p = Palette::from_colours(&[[0; 3], [1; 3], [2; 3]]).unwrap();
        assert_eq!(ratios(&p), vec![3334, 3333, 3333]);
        p.set_ratio(0, 1).unwrap();
        assert_eq!(p.total(), TOTAL);
        assert_eq!(ratios(&p), vec![1, 5000, 4999]);
    }

    #[test]
    fn locks_hold_and_limit_the_range() {
        let mut p = Palette::from_colours(&[[0; 3], [1; 3], [2; 3], [3; 3]]).unwrap();
        p.set_locked(3, true).unwrap();
        p.set_ratio(0, 9000).unwrap();
        assert_eq!(p.swatches()[3].ratio, 2500, "locked swatch kept");
        // 2500 locked, two others need at least 0.01% each.
        assert_eq!(ratios(&p)[0], 7498);
        assert_eq!(p.total(), TOTAL);
        p.set_locked(1, true).unwrap();
        p.set_locked(2, true).unwrap();
        assert_eq!(p.set_ratio(0, 10), Err(PaletteError::AllLocked));
        assert_eq!(p.total(), TOTAL);
    }

    #[test]
    fn add_and_remove_keep_the_total() {
        let mut p = Palette::default();
        for k in 0..6 {
            p.add([k; 3]).unwrap();
            assert_eq!(p.total(), TOTAL);
        }
        assert_eq!(p.len(), 10);
        assert_eq!(p.add([9; 3]), Err(PaletteError::Full));
        while p.len() > 3 {
            p.remove(0).unwrap();
            assert_eq!(p.total(), TOTAL);
        }
        assert_eq!(p.remove(0), Err(PaletteError::TooFew));
    }

    #[test]
    fn removing_with_everything_locked_still_balances() {
        let mut p = Palette::default();
        for i in 0..4 {
            p.set_locked(i, true).unwrap();
        }
        p.remove(0).unwrap();
        assert_eq!(p.total(), TOTAL);
        assert_eq!(p.add([1, 2, 3]), Err(PaletteError::AllLocked));
    }

    #[test]
    fn random_edits_never_break_the_invariants() {
        let mut rng = fastrand::Rng::with_seed(7);
        let mut p = Palette::default();
        for _ in 0..20_000 {
            let i = rng.usize(..p.len());
            let before = p.clone();
            let op = rng.u8(..5);
            match op {
                0 => {
                    let _ = p.set_ratio(i, rng.u32(0..=TOTAL + 10));
                }
                1 => {
                    let _ = p.set_locked(i, rng.bool());
                }
                2 => {
                    let _ = p.add([rng.u8(..); 3]);
                }
                3 => {
                    let _ = p.remove(i);
                }
                _ => {
                    let _ = p.reorder(i, rng.usize(..p.len()));
                }
            }
            assert_eq!(p.total(), TOTAL, "op {op} on {i}: {before:?} -> {p:?}");
            assert!((MIN_PALETTE..=MAX_PALETTE).contains(&p.len()));
            assert!(p.swatches().iter().all(|s| s.ratio >= MIN_RATIO));
            assert!(Palette::from_entries(&p.to_entries()).is_some());
        }
    }

    #[test]
    fn a_drag_to_the_end_and_back_restores_every_share() {
        let swatch = |ratio| Swatch {
            rgb: [0; 3],
            ratio,
            locked: false,
        };
        let mut p = Palette::try_from(vec![swatch(7796), swatch(243), swatch(1961)]).unwrap();
        let base = p.clone();
        assert_eq!(ratios(&base), vec![7796, 243, 1961]);
        // A slider drag: every frame is measured from where the drag began.
        for target in (7796..=TOTAL)
            .step_by(37)
            .chain((7796..=TOTAL).rev().step_by(53))
        {
            p.set_ratio_from(&base, 0, target).unwrap();
            assert_eq!(p.total(), TOTAL);
        }
        p.set_ratio_from(&base, 0, TOTAL).unwrap();
        assert_eq!(ratios(&p), vec![9998, 1, 1]);
        p.set_ratio_from(&base, 0, 7796).unwrap();
        assert_eq!(ratios(&p), vec![7796, 243, 1961], "back where it began");
        // With many swatches too, setting a share back gives the others exactly theirs.
        let mut q = Palette::from_colours(&[[0; 3], [1; 3], [2; 3], [3; 3], [4; 3]]).unwrap();
        q.set_ratio(1, 4000).unwrap();
        q.set_ratio(2, 3900).unwrap();
        let start = q.clone();
        q.set_ratio_from(&start, 0, 5).unwrap();
        q.set_ratio_from(&start, 0, start.swatches()[0].ratio)
            .unwrap();
        assert_eq!(q, start);
    }

    #[test]
    fn new_colours_differ_from_the_ones_there() {
        let mut p = Palette::default();
        while p.len() < MAX_PALETTE {
            let c = p.distinct_colour();
            assert!(
                p.swatches().iter().all(|s| s.rgb != c),
                "{c:?} repeats a swatch"
            );
            p.add(c).unwrap();
        }
    }

    #[test]
    fn wire_round_trip() {
        let p = Palette::default();
        let e = p.to_entries();
        assert_eq!(e[0].hex, "#C2D1E6");
        assert_eq!(e[0].ratio, "25.00%");
        assert_eq!(Palette::from_entries(&e).unwrap().total(), TOTAL);
        assert!(Palette::from_entries(&e[..2]).is_none());
    }
}
