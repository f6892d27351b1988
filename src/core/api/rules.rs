//! Every rule of the API contract, checked before a credit is spent.
//!
//! [`validate`] returns every problem at once, each tied to the field it concerns and worded for an
//! artist. The sandbox applies the very same function, so the simulator and the app cannot disagree.

use std::fmt;

use crate::core::text::i18n::{Arg, Message, grouped};
use crate::msg;

use reqwest::Url;

use crate::core::api::request::{GenerationRequest, Model};

/// Longest prompt the API takes, in characters.
pub const MAX_PROMPT_CHARS: usize = 5000;
/// Most reference images in one request.
pub const MAX_REFERENCES: usize = 9;
/// Most boxes on one reference image.
pub const MAX_BOXES_PER_IMAGE: usize = 2;
/// Largest seed.
pub const MAX_SEED: i64 = 2_147_483_647;

/// An edit (references given) with no text: reAPI accepts it, the provider's model expects a
/// prompt in edit mode. A warning before sending, never a refusal.
pub fn edit_without_prompt(req: &GenerationRequest) -> bool {
    !req.image_urls.is_empty() && req.prompt.as_deref().is_none_or(|p| p.trim().is_empty())
}

/// The warning for [`edit_without_prompt`], as the command line prints it.
pub const EDIT_WITHOUT_PROMPT: &str = "an edit with no prompt: reAPI accepts it, but the model expects text that says what to change; results may ignore the references or vary widely";

/// A typed seed of 0: sent as typed, but some gateways read `seed: 0` as "unset" and draw their
/// own. A hint, never a refusal.
pub fn seed_zero(req: &GenerationRequest) -> bool {
    req.seed == Some(0)
}

/// The hint for [`seed_zero`], as the command line prints it.
pub const SEED_ZERO: &str = "seed 0 is sent as typed, but some gateways read 0 as \"no seed\" and pick one at random; use 1 or more to repeat a result";

/// A seed drawn at random from 1 to [`MAX_SEED`] (0 is left out: some gateways read it as unset).
pub fn random_seed() -> i64 {
    // Never 0: some gateways read `seed: 0` as "unset" and draw their own.
    fastrand::i64(1..=MAX_SEED)
}
/// Count limits.
pub const MAX_N: i64 = 4;
pub const MAX_N_GROUP: i64 = 12;
/// Palette size limits.
pub const MIN_PALETTE: usize = 3;
pub const MAX_PALETTE: usize = 10;
/// Custom pixel sizes are bounded by their total pixels (provider-published): at least 768×768,
/// at most 4096×4096 for Pro text-to-image and 2048×2048 otherwise (Standard in every mode, Pro with
/// references or in a group series). Each side may be anything within those totals and 1:8–8:1.
pub const MIN_PIXELS: u64 = 768 * 768;
pub const MAX_PIXELS_4K: u64 = 4096 * 4096;
pub const MAX_PIXELS_2K: u64 = 2048 * 2048;
/// The longest side a custom size can have within those bounds (4096² at 8:1).
pub const MAX_PIXEL_SIDE: u32 = 11_585;
/// Largest aspect ratio (either way) of a custom size or a reference.
pub const MAX_ASPECT: f64 = 8.0;
/// Reference image limits (provider-published).
pub const MIN_REFERENCE_SIDE: u32 = 240;
pub const MAX_REFERENCE_SIDE: u32 = 8000;
pub const MAX_REFERENCE_BYTES: u64 = 20 * 1024 * 1024;

/// Which part of the request a problem concerns; the UI shows the message beside that control.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Field {
    Model,
    Prompt,
    NegativePrompt,
    /// The list of references as a whole.
    ImageUrls,
    /// One reference, 0-based.
    ImageUrl(usize),
    N,
    Size,
    Resolution,
    Seed,
    EnableSequential,
    /// The box list as a whole.
    BboxList,
    /// The boxes of one reference, 0-based.
    Boxes(usize),
    /// The palette as a whole.
    ColorPalette,
    /// One swatch, 0-based.
    Swatch(usize),
}

impl Field {
    /// The request field's wire name.
    pub fn wire_name(self) -> &'static str {
        match self {
            Field::Model => "model",
            Field::Prompt => "prompt",
            Field::NegativePrompt => "negative_prompt",
            Field::ImageUrls | Field::ImageUrl(_) => "image_urls",
            Field::N => "n",
            Field::Size => "size",
            Field::Resolution => "resolution",
            Field::Seed => "seed",
            Field::EnableSequential => "enable_sequential",
            Field::BboxList | Field::Boxes(_) => "bbox_list",
            Field::ColorPalette | Field::Swatch(_) => "color_palette",
        }
    }

    /// The control a gateway error code points at, where the catalogue makes that clear.
    pub fn for_api_code(code: &str) -> Option<Field> {
        match code {
            "20004" => Some(Field::Model),
            "20005" => Some(Field::Size),
            "20006" => Some(Field::Resolution),
            "20007" => Some(Field::Prompt),
            _ => None,
        }
    }
}

/// One broken rule.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub field: Field,
    /// A sentence an artist understands (in English: the command line and the log).
    pub message: String,
    /// The same in the catalogue's words (the window shows it in its language).
    pub text: Message,
    /// The catalogue code the gateway answers for this mistake.
    pub code: &'static str,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.field.wire_name(), self.message)
    }
}

/// Every problem of a request.
#[derive(Debug, Clone, PartialEq, Eq, Default, thiserror::Error)]
#[error("{}", self.summary())]
pub struct Problems(pub Vec<Problem>);

impl Problems {
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    pub fn iter(&self) -> impl Iterator<Item = &Problem> {
        self.0.iter()
    }

    /// The problems that concern one field.
    pub fn for_field(&self, field: Field) -> impl Iterator<Item = &Problem> {
        self.0.iter().filter(move |p| p.field == field)
    }

    /// All messages, one per line.
    pub fn summary(&self) -> String {
        self.0
            .iter()
            .map(ToString::to_string)
            .collect::<Vec<_>>()
            .join("\n")
    }

    fn push(&mut self, field: Field, code: &'static str, text: impl Into<Message>) {
        let text = text.into();
        self.0.push(Problem {
            field,
            message: text.to_string(),
            text,
            code,
        });
    }
}

/// A quality gear.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, serde::Serialize, serde::Deserialize,
)]
pub enum Gear {
    K1,
    K2,
    K4,
}

impl Gear {
    pub const ALL: [Gear; 3] = [Gear::K1, Gear::K2, Gear::K4];

    pub fn as_str(self) -> &'static str {
        match self {
            Gear::K1 => "1K",
            Gear::K2 => "2K",
            Gear::K4 => "4K",
        }
    }

    /// The side of a square image at this gear.
    pub fn side(self) -> u32 {
        match self {
            Gear::K1 => 1024,
            Gear::K2 => 2048,
            Gear::K4 => 4096,
        }
    }

    /// Parses a gear, case-insensitively (`2k` and `2K` alike).
    pub fn parse(s: &str) -> Option<Gear> {
        Gear::ALL
            .into_iter()
            .find(|g| g.as_str().eq_ignore_ascii_case(s.trim()))
    }
}

/// The aspect ratios the API names.
pub const ASPECT_RATIOS: [(u32, u32); 7] =
    [(1, 1), (16, 9), (9, 16), (4, 3), (3, 4), (3, 2), (2, 3)];

/// The three forms of `size`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SizeSpec {
    Gear(Gear),
    Aspect(u32, u32),
    Pixels(u32, u32),
}

impl SizeSpec {
    /// Parses `size` in one of its three forms; `None` if it is none of them.
    pub fn parse(s: &str) -> Option<SizeSpec> {
        if let Some(g) = Gear::ALL.into_iter().find(|g| g.as_str() == s) {
            return Some(SizeSpec::Gear(g));
        }
        if let Some((a, b)) = s.split_once(':') {
            let (a, b) = (a.parse().ok()?, b.parse().ok()?);
            return ASPECT_RATIOS
                .contains(&(a, b))
                .then_some(SizeSpec::Aspect(a, b));
        }
        let (w, h) = s.split_once('x')?;
        if w.starts_with('+') || h.starts_with('+') {
            return None;
        }
        Some(SizeSpec::Pixels(w.parse().ok()?, h.parse().ok()?))
    }

    pub fn to_wire(self) -> String {
        match self {
            SizeSpec::Gear(g) => g.as_str().to_owned(),
            SizeSpec::Aspect(a, b) => format!("{a}:{b}"),
            SizeSpec::Pixels(w, h) => format!("{w}x{h}"),
        }
    }
}

/// Facts about the request that are not in its body, known to whoever validates it.
#[derive(Debug, Clone, Default)]
pub struct Context {
    /// Pixel dimensions of each reference, where known, for box bounds.
    pub reference_dims: Vec<Option<(u32, u32)>>,
    /// Whether `file://` references are fine: the compose form's, which a reference host turns
    /// into links before the submit. A request to the API never has them.
    pub files_allowed: bool,
}

/// Applies every rule of the contract. `Ok` means the gateway will accept the request's shape.
pub fn validate(req: &GenerationRequest) -> Result<(), Problems> {
    validate_with(req, &Context::default())
}

/// [`validate`] with facts about the references (their pixel sizes) for bounds checks.
pub fn validate_with(req: &GenerationRequest, ctx: &Context) -> Result<(), Problems> {
    let mut p = Problems::default();
    check_prompt(req, &mut p);
    check_references(req, ctx, &mut p);
    check_count(req, &mut p);
    check_size(req, &mut p);
    check_seed(req, &mut p);
    check_boxes(req, ctx, &mut p);
    check_palette(req, &mut p);
    if p.is_empty() { Ok(()) } else { Err(p) }
}

fn check_prompt(req: &GenerationRequest, p: &mut Problems) {
    let prompt = req.prompt.as_deref().unwrap_or("");
    let chars = prompt.chars().count();
    if chars > MAX_PROMPT_CHARS {
        p.push(
            Field::Prompt,
            "20007",
            msg!(
                "rule-prompt-long",
                chars = chars,
                max = MAX_PROMPT_CHARS,
                over = chars - MAX_PROMPT_CHARS
            ),
        );
    }
    if req.image_urls.is_empty() && prompt.trim().is_empty() {
        p.push(
            Field::Prompt,
            "20002",
            "Write a prompt: without reference images there is nothing else to go on.",
        );
    }
    if let Some(neg) = &req.negative_prompt {
        let chars = neg.chars().count();
        if chars > MAX_PROMPT_CHARS {
            p.push(
                Field::NegativePrompt,
                "20007",
                msg!("rule-negative-long", chars = chars, max = MAX_PROMPT_CHARS),
            );
        }
    }
}

pub use crate::core::api::boundary::{is_loopback_host, key_may_go_to};

/// The most images a task for `req` may bring back: its `n` (a group series' maximum), within the
/// contract's bounds. A completed task listing more has its extra links ignored, never fetched or
/// billed.
pub fn most_images(req: &GenerationRequest) -> usize {
    let max = if req.is_group() { MAX_N_GROUP } else { MAX_N };
    usize::try_from(req.n.clamp(1, max)).unwrap_or(1)
}

/// Checks one reference URL; `None` if it is acceptable.
pub fn reference_url_problem(raw: &str) -> Option<String> {
    let trimmed = raw.trim();
    if trimmed.len() >= 5 && trimmed[..5].eq_ignore_ascii_case("data:") {
        return Some(
            "is embedded image data (data:/base64); the API only takes public HTTPS links."
                .to_owned(),
        );
    }
    let Ok(url) = Url::parse(trimmed) else {
        return Some(format!("'{}' is not a web address.", shorten(trimmed, 80)));
    };
    match url.scheme() {
        "https" if url.host().is_some() => None,
        "http" if is_loopback_host(&url) => None,
        "http" => Some(
            "uses http://; the API only fetches https:// links (plain http is allowed only for this machine)."
                .to_owned(),
        ),
        "file" => Some(
            "is a file on this computer; the API only fetches links, so it needs a reference host (Settings › Reference hosting)."
                .to_owned(),
        ),
        other => Some(format!(
            "uses '{other}:'; the API only fetches public https:// links."
        )),
    }
}

fn check_references(req: &GenerationRequest, ctx: &Context, p: &mut Problems) {
    let count = req.image_urls.len();
    if count > MAX_REFERENCES {
        p.push(
            Field::ImageUrls,
            "20003",
            msg!("rule-references-many", max = MAX_REFERENCES, count = count),
        );
    }
    for (i, raw) in req.image_urls.iter().enumerate() {
        if ctx.files_allowed && crate::core::references::links::local_file(raw).is_some() {
            continue;
        }
        if let Some(why) = reference_url_problem(raw) {
            p.push(
                Field::ImageUrl(i),
                "20003",
                msg!("rule-reference", n = i + 1, why = Arg::English(why)),
            );
        }
    }
}

fn check_count(req: &GenerationRequest, p: &mut Problems) {
    let max = if req.is_group() { MAX_N_GROUP } else { MAX_N };
    if !(1..=max).contains(&req.n) {
        let msg = if req.is_group() {
            msg!("rule-count-group", max = MAX_N_GROUP, n = req.n)
        } else if req.n > MAX_N && req.n <= MAX_N_GROUP {
            msg!(
                "rule-count-needs-group",
                max = MAX_N,
                n = req.n,
                group = MAX_N_GROUP
            )
        } else {
            msg!("rule-count", max = MAX_N, n = req.n)
        };
        p.push(Field::N, "20003", msg);
    }
}

/// Whether 4K may be asked for: Pro text-to-image outside group mode.
pub fn allows_4k(req: &GenerationRequest) -> bool {
    req.model == Model::Pro && req.image_urls.is_empty() && !req.is_group()
}

/// The most pixels a result of this request can have, with a margin (the provider may return a
/// size slightly off the one asked): what a result is decoded within, so no server can make the
/// app allocate more.
pub fn max_result_pixels(req: &GenerationRequest) -> u64 {
    max_pixels(req) + max_pixels(req) / 4
}

/// Why 4K is unavailable for this request, or `None` if it is available.
pub fn why_no_4k(req: &GenerationRequest) -> Option<&'static str> {
    if req.model != Model::Pro {
        Some("4K needs the Pro tier; Standard goes up to 2K.")
    } else if !req.image_urls.is_empty() {
        Some("4K is for text-to-image only; with reference images the limit is 2K.")
    } else if req.is_group() {
        Some("4K is not available for a group series; the limit is 2K.")
    } else {
        None
    }
}

fn check_size(req: &GenerationRequest, p: &mut Problems) {
    let size = match req.size.as_deref().map(|s| (s, SizeSpec::parse(s))) {
        Some((raw, None)) => {
            p.push(
                Field::Size,
                "20005",
                msg!("rule-size-unknown", size = shorten(raw, 40)),
            );
            None
        }
        Some((_, Some(s))) => Some(s),
        None => None,
    };
    let resolution = match req.resolution.as_deref().map(|r| (r, Gear::parse(r))) {
        Some((raw, None)) => {
            p.push(
                Field::Resolution,
                "20006",
                msg!("rule-resolution-unknown", resolution = shorten(raw, 40)),
            );
            None
        }
        Some((_, Some(g))) => Some(g),
        None => None,
    };

    if let Some(SizeSpec::Gear(Gear::K4)) = size
        && let Some(why) = why_no_4k(req)
    {
        p.push(Field::Size, "20005", why);
    }
    if resolution == Some(Gear::K4)
        && let Some(why) = why_no_4k(req)
    {
        p.push(Field::Resolution, "20006", why);
    }
    match (size, resolution) {
        (Some(SizeSpec::Gear(g)), Some(r)) if g != r => p.push(
            Field::Resolution,
            "20003",
            msg!(
                "rule-resolution-contradicts",
                resolution = r.as_str(),
                size = g.as_str()
            ),
        ),
        (Some(SizeSpec::Pixels(w, h)), Some(_)) => p.push(
            Field::Resolution,
            "20003",
            msg!("rule-resolution-with-pixels", w = w, h = h),
        ),
        _ => {}
    }
    if let Some(SizeSpec::Pixels(w, h)) = size {
        check_pixels(req, w, h, p);
    }
}

/// The most pixels a custom size may have in this request.
pub fn max_pixels(req: &GenerationRequest) -> u64 {
    if allows_4k(req) {
        MAX_PIXELS_4K
    } else {
        MAX_PIXELS_2K
    }
}

fn check_pixels(req: &GenerationRequest, w: u32, h: u32, p: &mut Problems) {
    let max = max_pixels(req);
    let total = u64::from(w) * u64::from(h);
    let limit_why = if max == MAX_PIXELS_4K {
        "any"
    } else if req.model == Model::Standard {
        "standard"
    } else if !req.image_urls.is_empty() {
        "references"
    } else {
        "group"
    };
    if total < MIN_PIXELS {
        p.push(
            Field::Size,
            "20005",
            msg!(
                "rule-pixels-few",
                w = w,
                h = h,
                total = grouped(total),
                min = grouped(MIN_PIXELS)
            ),
        );
    }
    if total > max {
        let side = if max == MAX_PIXELS_4K { 4096 } else { 2048 };
        p.push(
            Field::Size,
            "20005",
            msg!(
                "rule-pixels-many",
                w = w,
                h = h,
                total = grouped(total),
                side = side,
                max = grouped(max),
                why = limit_why
            ),
        );
    }
    if w > 0 && h > 0 && aspect_out_of_range(w, h) {
        p.push(
            Field::Size,
            "20005",
            msg!("rule-pixels-narrow", w = w, h = h),
        );
    }
}

/// Whether an image of this shape is longer than 8:1 either way.
pub fn aspect_out_of_range(w: u32, h: u32) -> bool {
    let (w, h) = (f64::from(w.max(1)), f64::from(h.max(1)));
    w / h > MAX_ASPECT || h / w > MAX_ASPECT
}

fn check_seed(req: &GenerationRequest, p: &mut Problems) {
    if let Some(seed) = req.seed
        && !(0..=MAX_SEED).contains(&seed)
    {
        p.push(Field::Seed, "20003", msg!("rule-seed", seed = seed));
    }
}

fn check_boxes(req: &GenerationRequest, ctx: &Context, p: &mut Problems) {
    let Some(list) = &req.bbox_list else { return };
    if req.is_group() {
        p.push(
            Field::EnableSequential,
            "20003",
            "Region boxes and group series do not go together: a region edit is a single request.",
        );
    }
    if req.image_urls.is_empty() {
        p.push(
            Field::BboxList,
            "20003",
            "Region boxes need reference images to be drawn on.",
        );
        return;
    }
    if list.len() != req.image_urls.len() {
        p.push(
            Field::BboxList,
            "20003",
            msg!(
                "rule-box-list",
                references = req.image_urls.len(),
                entries = list.len()
            ),
        );
    }
    for (i, boxes) in list.iter().enumerate() {
        if boxes.len() > MAX_BOXES_PER_IMAGE {
            p.push(
                Field::Boxes(i),
                "20003",
                msg!(
                    "rule-boxes-many",
                    n = i + 1,
                    boxes = boxes.len(),
                    max = MAX_BOXES_PER_IMAGE
                ),
            );
        }
        let dims = ctx.reference_dims.get(i).copied().flatten();
        for (j, b) in boxes.iter().enumerate() {
            let [x1, y1, x2, y2] = *b;
            let (bx, rf) = (j + 1, i + 1);
            if x1 < 0 || y1 < 0 {
                p.push(
                    Field::Boxes(i),
                    "20003",
                    msg!("rule-box-negative", box_n = bx, n = rf),
                );
            } else if x1 >= x2 || y1 >= y2 {
                p.push(
                    Field::Boxes(i),
                    "20003",
                    msg!(
                        "rule-box-inverted",
                        box_n = bx,
                        n = rf,
                        coords = format!("[{x1}, {y1}, {x2}, {y2}]")
                    ),
                );
            } else if let Some((w, h)) = dims
                && (x2 > i64::from(w) || y2 > i64::from(h))
            {
                p.push(
                    Field::Boxes(i),
                    "20003",
                    msg!("rule-box-past-edge", box_n = bx, n = rf, w = w, h = h),
                );
            }
        }
    }
}

/// Parses a ratio string `"23.51%"` into hundredths of a percent (2351).
pub fn parse_ratio(s: &str) -> Option<u32> {
    let digits = s.strip_suffix('%')?;
    let (whole, frac) = digits.split_once('.')?;
    if whole.is_empty()
        || whole.len() > 3
        || frac.len() != 2
        || !whole.bytes().all(|b| b.is_ascii_digit())
        || !frac.bytes().all(|b| b.is_ascii_digit())
    {
        return None;
    }
    Some(whole.parse::<u32>().ok()? * 100 + frac.parse::<u32>().ok()?)
}

/// Formats hundredths of a percent as the wire's ratio string.
pub fn format_ratio(hundredths: u32) -> String {
    format!("{}.{:02}%", hundredths / 100, hundredths % 100)
}

/// Parses `#RRGGBB`.
pub fn parse_hex(s: &str) -> Option<[u8; 3]> {
    let hex = s.strip_prefix('#')?;
    if hex.len() != 6 || !hex.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
    Some([byte(0)?, byte(2)?, byte(4)?])
}

fn check_palette(req: &GenerationRequest, p: &mut Problems) {
    let Some(palette) = &req.color_palette else {
        return;
    };
    if req.is_group() {
        p.push(
            Field::ColorPalette,
            "20003",
            "A colour palette does not apply to a group series: turn one of them off.",
        );
    }
    if !(MIN_PALETTE..=MAX_PALETTE).contains(&palette.len()) {
        p.push(
            Field::ColorPalette,
            "20003",
            msg!(
                "rule-palette-size",
                min = MIN_PALETTE,
                max = MAX_PALETTE,
                count = palette.len()
            ),
        );
    }
    let mut total = 0u32;
    let mut all_ratios_valid = true;
    for (i, entry) in palette.iter().enumerate() {
        if parse_hex(&entry.hex).is_none() {
            p.push(
                Field::Swatch(i),
                "20003",
                msg!("rule-colour-hex", n = i + 1, hex = shorten(&entry.hex, 20)),
            );
        }
        match parse_ratio(&entry.ratio) {
            Some(0) => {
                all_ratios_valid = false;
                p.push(
                    Field::Swatch(i),
                    "20003",
                    msg!("rule-colour-zero", n = i + 1),
                );
            }
            Some(r) => total += r,
            None => {
                all_ratios_valid = false;
                p.push(
                    Field::Swatch(i),
                    "20003",
                    msg!(
                        "rule-colour-ratio",
                        n = i + 1,
                        ratio = shorten(&entry.ratio, 20)
                    ),
                );
            }
        }
    }
    if all_ratios_valid && total != 10_000 {
        p.push(
            Field::ColorPalette,
            "20003",
            msg!("rule-palette-total", total = format_ratio(total)),
        );
    }
}

fn shorten(s: &str, max: usize) -> String {
    if s.chars().count() <= max {
        s.to_owned()
    } else {
        let mut out: String = s.chars().take(max).collect();
        out.push('…');
        out
    }
}

/// The pixel size the request implies. `last_reference` is the last input image's size, whose aspect
/// ratio an editing request follows. Gears keep the area of their square (2K ≈ 2048×2048 pixels) and
/// round each side to a multiple of 16.
pub fn output_dimensions(
    req: &GenerationRequest,
    last_reference: Option<(u32, u32)>,
) -> (u32, u32) {
    let size = req.size.as_deref().and_then(SizeSpec::parse);
    if let Some(SizeSpec::Pixels(w, h)) = size {
        return (w, h);
    }
    let gear = match size {
        Some(SizeSpec::Gear(g)) => g,
        _ => req
            .resolution
            .as_deref()
            .and_then(Gear::parse)
            .unwrap_or(Gear::K2),
    };
    let gear = if gear == Gear::K4 && !allows_4k(req) {
        Gear::K2
    } else {
        gear
    };
    let aspect = match (last_reference, size) {
        (Some((w, h)), _) if w > 0 && h > 0 => f64::from(w) / f64::from(h),
        (_, Some(SizeSpec::Aspect(a, b))) => f64::from(a) / f64::from(b),
        _ => 1.0,
    };
    let aspect = aspect.clamp(1.0 / MAX_ASPECT, MAX_ASPECT);
    let area = f64::from(gear.side()).powi(2);
    let w = (area * aspect).sqrt();
    let h = area / w;
    let round16 = |v: f64| ((v / 16.0).round() as u32).max(1) * 16;
    (round16(w), round16(h))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ratios_parse_and_format() {
        assert_eq!(parse_ratio("23.51%"), Some(2351));
        assert_eq!(parse_ratio("100.00%"), Some(10_000));
        assert_eq!(parse_ratio("23.5%"), None);
        assert_eq!(parse_ratio("23.510%"), None);
        assert_eq!(parse_ratio("-1.00%"), None);
        assert_eq!(parse_ratio("23.51"), None);
        assert_eq!(format_ratio(2351), "23.51%");
        assert_eq!(format_ratio(5), "0.05%");
    }

    #[test]
    fn hex_parses() {
        assert_eq!(parse_hex("#C2D1E6"), Some([0xC2, 0xD1, 0xE6]));
        assert_eq!(parse_hex("#c2d1e6"), Some([0xC2, 0xD1, 0xE6]));
        assert_eq!(parse_hex("C2D1E6"), None);
        assert_eq!(parse_hex("#C2D1E"), None);
        assert_eq!(parse_hex("#C2D1EG"), None);
    }

    #[test]
    fn sizes_parse() {
        assert_eq!(SizeSpec::parse("2K"), Some(SizeSpec::Gear(Gear::K2)));
        assert_eq!(SizeSpec::parse("16:9"), Some(SizeSpec::Aspect(16, 9)));
        assert_eq!(SizeSpec::parse("5:4"), None);
        assert_eq!(
            SizeSpec::parse("1024x768"),
            Some(SizeSpec::Pixels(1024, 768))
        );
        assert_eq!(SizeSpec::parse("1024*768"), None);
        assert_eq!(Gear::parse("4k"), Some(Gear::K4));
    }

    #[test]
    fn output_dimensions_follow_gear_aspect_and_reference() {
        let mut r = GenerationRequest::new(Model::Pro);
        assert_eq!(output_dimensions(&r, None), (2048, 2048));
        r.size = Some("4K".into());
        assert_eq!(output_dimensions(&r, None), (4096, 4096));
        r.size = Some("16:9".into());
        r.resolution = Some("2K".into());
        let (w, h) = output_dimensions(&r, None);
        assert!(
            (f64::from(w) / f64::from(h) - 16.0 / 9.0).abs() < 0.02,
            "{w}x{h}"
        );
        r.image_urls = vec!["https://a/b.png".into()];
        let (w, h) = output_dimensions(&r, Some((1000, 2000)));
        assert!((f64::from(w) / f64::from(h) - 0.5).abs() < 0.02, "{w}x{h}");
        r.size = Some("1200x900".into());
        r.resolution = None;
        assert_eq!(output_dimensions(&r, Some((10, 10))), (1200, 900));
    }
}
