//! Fonts for the scripts egui's own fonts lack: one regular face that covers Chinese (and with
//! it Japanese kana and Korean hangul), found among the installed fonts with `fontdb`.
//!
//! The window adds it as the last fallback after egui's fonts, once it has been found off the
//! UI thread; the sandbox letters its pictures with it. Only the face's file is read (Noto Sans
//! CJK's Regular collection is 19 MB, WenQuanYi Micro Hei 5 MB), never a family's other weights.

use std::path::PathBuf;
use std::sync::Arc;

use ab_glyph::Font as _;

/// Where the window looks for a CJK font.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub enum FontSource {
    /// The fonts installed on this system.
    #[default]
    System,
    /// These font files only (tests use a fixture, so they never depend on the machine).
    Files(Vec<PathBuf>),
    /// None at all (as on a system with no CJK font).
    None,
}

/// A face that draws CJK text.
#[derive(Clone)]
pub struct CjkFont {
    /// Its family name ("Noto Sans CJK SC").
    pub family: String,
    /// The file it came from.
    pub path: Option<PathBuf>,
    /// The face's index in that file (a `.ttc` holds several).
    pub index: u32,
    /// The file's bytes, shared with egui without a copy.
    pub data: Arc<Vec<u8>>,
}

impl std::fmt::Debug for CjkFont {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CjkFont")
            .field("family", &self.family)
            .field("path", &self.path)
            .field("index", &self.index)
            .field("bytes", &self.data.len())
            .finish()
    }
}

/// The families to prefer, best first: Simplified Chinese forms, then any that cover CJK.
const PREFERRED: &[&str] = &[
    "Noto Sans CJK SC",
    "Noto Sans SC",
    "Source Han Sans SC",
    "Source Han Sans CN",
    "PingFang SC",
    "Hiragino Sans GB",
    "Microsoft YaHei",
    "Microsoft YaHei UI",
    "WenQuanYi Micro Hei",
    "WenQuanYi Zen Hei",
    "Droid Sans Fallback",
    "Noto Sans CJK JP",
    "Noto Sans CJK TC",
    "Noto Sans CJK KR",
    "Source Han Sans",
    "SimSun",
    "SimHei",
    "Yu Gothic",
    "Yu Gothic UI",
    "Hiragino Sans",
    "Malgun Gothic",
];

/// Characters a face must draw to count: Chinese (common and less so), kana and hangul are
/// checked separately as nice-to-have; the Chinese ones are required.
const MUST_DRAW: &[char] = &['中', '文', '花', '店', '窗', '，'];

/// Does `c` belong to a script egui's default fonts cannot draw and a CJK face can?
pub fn is_cjk(c: char) -> bool {
    matches!(u32::from(c),
        0x2E80..=0x2FDF     // CJK radicals
        | 0x3000..=0x303F   // CJK punctuation
        | 0x3040..=0x30FF   // kana
        | 0x3100..=0x312F   // bopomofo
        | 0x3130..=0x318F   // hangul jamo
        | 0x31F0..=0x31FF
        | 0x3400..=0x4DBF   // extension A
        | 0x4E00..=0x9FFF   // unified ideographs
        | 0xAC00..=0xD7AF   // hangul syllables
        | 0xF900..=0xFAFF   // compatibility ideographs
        | 0xFF00..=0xFFEF   // full-width forms
        | 0x20000..=0x2FA1F // extensions B–F
    )
}

/// Does any of `text` need a CJK face?
pub fn needs_cjk(text: &str) -> bool {
    text.chars().any(is_cjk)
}

/// Does the face at `index` of `data` draw every character of [`MUST_DRAW`]?
fn draws_chinese(data: &[u8], index: u32) -> bool {
    ab_glyph::FontRef::try_from_slice_and_index(data, index)
        .is_ok_and(|font| MUST_DRAW.iter().all(|&c| font.glyph_id(c).0 != 0))
}

/// One CJK face from `source`, or `None` where it has none. Reads font files: call it off the
/// UI thread.
pub fn find_cjk(source: &FontSource) -> Option<CjkFont> {
    let mut db = fontdb::Database::new();
    match source {
        FontSource::None => return None,
        FontSource::System => db.load_system_fonts(),
        FontSource::Files(paths) => {
            for path in paths {
                if let Err(e) = db.load_font_file(path) {
                    tracing::warn!(path = %path.display(), "cannot read a font: {e}");
                }
            }
        }
    }
    let regular = |face: &&fontdb::FaceInfo| {
        face.style == fontdb::Style::Normal && face.weight == fontdb::Weight::NORMAL
    };
    let family_of = |face: &fontdb::FaceInfo| {
        face.families
            .first()
            .map(|(name, _)| name.clone())
            .unwrap_or_default()
    };
    // The preferred families in order, their regular face; then any regular face that draws
    // Chinese (a system with an unusual font still gets one); then any face at all that does.
    let mut candidates: Vec<&fontdb::FaceInfo> = Vec::new();
    for family in PREFERRED {
        candidates.extend(db.faces().filter(regular).filter(|f| {
            f.families
                .iter()
                .any(|(n, _)| n.eq_ignore_ascii_case(family))
        }));
    }
    let mut rest: Vec<&fontdb::FaceInfo> = db.faces().filter(regular).collect();
    rest.extend(db.faces());
    // Checking a face costs a read of its file: outside the preferred ones, look only at
    // faces that claim a CJK language or that come from a file named like one.
    rest.retain(|f| {
        f.families.iter().any(|(_, l)| {
            matches!(
                l,
                fontdb::Language::Chinese_PeoplesRepublicOfChina
                    | fontdb::Language::Chinese_Taiwan
                    | fontdb::Language::Chinese_HongKongSAR
                    | fontdb::Language::Chinese_Singapore
                    | fontdb::Language::Japanese_Japan
                    | fontdb::Language::Korean_Korea
            )
        }) || source_path(&f.source).is_some_and(|p| {
            let name = p.to_string_lossy().to_ascii_lowercase();
            [
                "cjk", "han", "wqy", "droid", "hei", "song", "ming", "gothic",
            ]
            .iter()
            .any(|w| name.contains(w))
        }) || matches!(source, FontSource::Files(_))
    });
    candidates.extend(rest);
    let mut tried = std::collections::HashSet::new();
    for face in candidates {
        if !tried.insert(face.id) {
            continue;
        }
        let path = source_path(&face.source);
        let Some(data) = (match &face.source {
            fontdb::Source::Binary(bytes) | fontdb::Source::SharedFile(_, bytes) => {
                Some((**bytes).as_ref().to_vec())
            }
            fontdb::Source::File(path) => std::fs::read(path).ok(),
        }) else {
            continue;
        };
        if draws_chinese(&data, face.index) {
            tracing::info!(
                family = family_of(face),
                path = ?path,
                bytes = data.len(),
                "CJK font found"
            );
            return Some(CjkFont {
                family: family_of(face),
                path,
                index: face.index,
                data: Arc::new(data),
            });
        }
    }
    None
}

/// The system's CJK face, found once a process (the window and the sandbox's lettering share
/// it: one copy of its file in memory).
pub fn system_cjk() -> Option<CjkFont> {
    SYSTEM.as_ref().cloned()
}

static SYSTEM: std::sync::LazyLock<Option<CjkFont>> =
    std::sync::LazyLock::new(|| find_cjk(&FontSource::System));

/// [`system_cjk`] as a face to draw with (over the same bytes).
pub fn system_cjk_face() -> Option<&'static ab_glyph::FontRef<'static>> {
    static FACE: std::sync::LazyLock<Option<ab_glyph::FontRef<'static>>> =
        std::sync::LazyLock::new(|| {
            let font: &'static CjkFont = SYSTEM.as_ref()?;
            ab_glyph::FontRef::try_from_slice_and_index(font.data.as_slice(), font.index).ok()
        });
    FACE.as_ref()
}

/// One CJK face from `source`: the system's is looked for once a process.
pub fn cjk_from(source: &FontSource) -> Option<CjkFont> {
    match source {
        FontSource::System => system_cjk(),
        other => find_cjk(other),
    }
}

fn source_path(source: &fontdb::Source) -> Option<PathBuf> {
    match source {
        fontdb::Source::File(p) | fontdb::Source::SharedFile(p, _) => Some(p.clone()),
        fontdb::Source::Binary(_) => None,
    }
}

/// The package that brings a CJK font on this system, for the note that asks for one.
pub fn install_hint() -> &'static str {
    if cfg!(target_os = "linux") {
        "fonts-noto-cjk (Debian, Ubuntu), google-noto-sans-cjk-fonts (Fedora), noto-fonts-cjk (Arch)"
    } else if cfg!(target_os = "macos") {
        "PingFang SC (in System Settings → Fonts)"
    } else {
        "Microsoft YaHei (Settings → Time & language → Language → Add Chinese (Simplified))"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cjk_text_is_told_from_latin() {
        assert!(needs_cjk("一间花店 — a flower shop"));
        assert!(needs_cjk("ひらがな"));
        assert!(needs_cjk("한국어"));
        assert!(!needs_cjk("a flower shop — café, naïve"));
        assert!(!needs_cjk("Привет"));
    }

    #[test]
    fn no_source_finds_no_font() {
        assert!(find_cjk(&FontSource::None).is_none());
        assert!(find_cjk(&FontSource::Files(vec![PathBuf::from("/no/such/font.ttf")])).is_none());
    }
}
