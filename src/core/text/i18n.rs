//! The window's words, in English and Simplified Chinese: one Fluent catalogue per language
//! (`locales/<lang>/wan-studio.ftl`, built into the binary), read through `fluent-bundle`.
//!
//! The language is a value a front end holds ([`Lang`], carried as [`Tr`]), not a global: two
//! windows (or two tests) may speak different languages at once, and switching needs no restart.
//! The core's own messages that a window shows (the rules' problems, errors in words, what
//! preflight did) are [`Message`]s: a catalogue key and its arguments, shown in whichever language
//! asks, and in English where they are printed (`Display`: the command line and the log).

use std::borrow::Cow;
use std::fmt;
use std::sync::LazyLock;

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use serde::{Deserialize, Serialize};

/// A language the window speaks.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
pub enum Lang {
    #[default]
    #[serde(rename = "en")]
    En,
    #[serde(rename = "zh-CN")]
    ZhCn,
}

impl Lang {
    pub const ALL: [Lang; 2] = [Lang::En, Lang::ZhCn];

    /// Its BCP 47 tag.
    pub fn tag(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }

    /// Its name in itself (what a language menu shows).
    pub fn native_name(self) -> &'static str {
        match self {
            Lang::En => "English",
            Lang::ZhCn => "简体中文",
        }
    }

    /// The language for a locale as the OS names it (`zh_CN.UTF-8`, `zh-Hans-CN`, `en-GB`, `C`):
    /// any Chinese locale but the traditional-script ones speaks Simplified Chinese; the rest,
    /// English.
    pub fn from_locale(locale: &str) -> Lang {
        let tag = locale
            .split(['.', '@'])
            .next()
            .unwrap_or_default()
            .replace('_', "-")
            .to_ascii_lowercase();
        let mut parts = tag.split('-');
        if parts.next() != Some("zh") {
            return Lang::En;
        }
        let rest: Vec<&str> = parts.collect();
        let traditional = rest.contains(&"hant")
            || (!rest.contains(&"hans") && rest.iter().any(|p| matches!(*p, "tw" | "hk" | "mo")));
        if traditional { Lang::En } else { Lang::ZhCn }
    }

    /// The OS's language (its user locale), English if it names none this window speaks.
    pub fn from_os() -> Lang {
        sys_locale::get_locale().map_or(Lang::En, |l| Lang::from_locale(&l))
    }
}

const EN: &str = include_str!("../../../locales/en/wan-studio.ftl");
const ZH_CN: &str = include_str!("../../../locales/zh-CN/wan-studio.ftl");

struct Catalog {
    en: FluentBundle<FluentResource>,
    zh_cn: FluentBundle<FluentResource>,
    /// The messages that take no arguments, formatted once (labels are drawn every frame).
    plain: [std::collections::HashMap<String, String>; 2],
    /// Each such message's key by its English text (for the core's fixed sentences).
    by_english: std::collections::HashMap<String, String>,
}

/// Every message of `bundle` that formats without arguments, formatted.
fn plain(
    bundle: &FluentBundle<FluentResource>,
    source: &str,
) -> std::collections::HashMap<String, String> {
    let Ok(resource) = FluentResource::try_new(source.to_owned()).or_else(|(r, _)| Ok::<_, ()>(r))
    else {
        return std::collections::HashMap::new();
    };
    let mut out = std::collections::HashMap::new();
    for entry in resource.entries() {
        let fluent_syntax::ast::Entry::Message(m) = entry else {
            continue;
        };
        let Some(pattern) = bundle.get_message(m.id.name).and_then(|m| m.value()) else {
            continue;
        };
        let mut errors = Vec::new();
        let text = bundle.format_pattern(pattern, None, &mut errors);
        if errors.is_empty() {
            out.insert(m.id.name.to_owned(), text.into_owned());
        }
    }
    out
}

fn bundle(tag: &str, source: &'static str) -> FluentBundle<FluentResource> {
    let lang = tag.parse().unwrap_or_default();
    let mut bundle = FluentBundle::new_concurrent(vec![lang]);
    // No Unicode isolation marks around arguments: egui draws them as boxes.
    bundle.set_use_isolating(false);
    // A catalogue that does not parse keeps what did (a test fails on any error).
    let resource =
        FluentResource::try_new(source.to_owned()).unwrap_or_else(|(partial, _)| partial);
    // Duplicate keys are a test failure too; the first one stays.
    let _ = bundle.add_resource(resource);
    bundle
}

static CATALOG: LazyLock<Catalog> = LazyLock::new(|| {
    let en = bundle("en", EN);
    let zh_cn = bundle("zh-CN", ZH_CN);
    let plain = [plain(&en, EN), plain(&zh_cn, ZH_CN)];
    let by_english = plain[0]
        .iter()
        .map(|(key, text)| (text.clone(), key.clone()))
        .collect();
    Catalog {
        en,
        zh_cn,
        plain,
        by_english,
    }
});

impl Catalog {
    fn of(&self, lang: Lang) -> &FluentBundle<FluentResource> {
        match lang {
            Lang::En => &self.en,
            Lang::ZhCn => &self.zh_cn,
        }
    }

    fn plain_of(&self, lang: Lang) -> &std::collections::HashMap<String, String> {
        &self.plain[usize::from(lang == Lang::ZhCn)]
    }
}

/// One argument of a message.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Arg {
    Text(String),
    Int(i64),
    /// A message inside a message (in the same language).
    Msg(Box<Message>),
    /// A fixed English sentence, shown in the asking language where the catalogue has it.
    English(String),
}

impl From<&str> for Arg {
    fn from(s: &str) -> Self {
        Arg::Text(s.to_owned())
    }
}

impl From<String> for Arg {
    fn from(s: String) -> Self {
        Arg::Text(s)
    }
}

impl From<&String> for Arg {
    fn from(s: &String) -> Self {
        Arg::Text(s.clone())
    }
}

impl From<Message> for Arg {
    fn from(m: Message) -> Self {
        Arg::Msg(Box::new(m))
    }
}

macro_rules! int_arg {
    ($($t:ty),*) => {$(
        impl From<$t> for Arg {
            fn from(n: $t) -> Self {
                Arg::Int(i64::try_from(n).unwrap_or(i64::MAX))
            }
        }
    )*};
}
int_arg!(i32, i64, u8, u16, u32, u64, usize);

/// Text in the catalogue's words: a key and its arguments. A key that names no message is an
/// English sentence, shown in the asking language where the catalogue has that sentence.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Message {
    pub key: &'static str,
    pub args: Vec<(&'static str, Arg)>,
}

impl Message {
    pub fn new(key: &'static str) -> Message {
        Message {
            key,
            args: Vec::new(),
        }
    }

    /// With one more argument.
    #[must_use]
    pub fn with(mut self, name: &'static str, value: impl Into<Arg>) -> Message {
        self.args.push((name, value.into()));
        self
    }

    /// In `lang`.
    pub fn render(&self, lang: Lang) -> String {
        let args: Vec<(&str, Arg)> = self.args.iter().map(|(k, v)| (*k, v.clone())).collect();
        format(lang, self.key, &args)
    }
}

impl From<&'static str> for Message {
    /// A fixed English sentence (see [`Message`]).
    fn from(english: &'static str) -> Self {
        Message::new(english)
    }
}

impl fmt::Display for Message {
    /// In English (the command line and the log speak English).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.render(Lang::En))
    }
}

/// The text of `key` in `lang` with `args`; English where `lang` lacks it; the key itself where
/// both do (a test keeps that from ever shipping).
pub fn format(lang: Lang, key: &str, args: &[(&str, Arg)]) -> String {
    let catalog = &*CATALOG;
    for bundle in [catalog.of(lang), catalog.of(Lang::En)] {
        let Some(pattern) = bundle.get_message(key).and_then(|m| m.value()) else {
            continue;
        };
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            let v: FluentValue<'_> = match value {
                Arg::Text(s) => FluentValue::from(s.clone()),
                Arg::Int(n) => FluentValue::from(*n),
                Arg::Msg(m) => FluentValue::from(m.render(lang)),
                Arg::English(s) => FluentValue::from(Tr(lang).of(s).to_owned()),
            };
            fluent.set(*name, v);
        }
        let mut errors = Vec::new();
        let out: Cow<'_, str> = bundle.format_pattern(pattern, Some(&fluent), &mut errors);
        return out.into_owned();
    }
    // Not a key: an English sentence, in this language where the catalogue has it.
    Tr(lang).of(key).to_owned()
}

/// `1234567` as `1,234,567` (how both languages the window speaks group digits).
pub fn grouped(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// The text of a catalogue key with named arguments, in `tr`'s language:
/// `tr!(tr, "queue-images", n = 3)`.
#[macro_export]
macro_rules! tr {
    ($tr:expr, $key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $tr.a($key, &[$((stringify!($name), $crate::core::text::i18n::Arg::from($value))),*])
    };
}

/// A [`Message`] with named arguments: `msg!("rule-prompt-long", chars = 5001)`.
#[macro_export]
macro_rules! msg {
    ($key:literal $(, $name:ident = $value:expr)* $(,)?) => {
        $crate::core::text::i18n::Message::new($key)$(.with(stringify!($name), $value))*
    };
}

/// A front end's voice: the catalogue in one language.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Tr(pub Lang);

impl Tr {
    /// The text of `key` (one without arguments: formatted once, looked up after).
    pub fn t(self, key: &'static str) -> &'static str {
        let catalog: &'static Catalog = &CATALOG;
        catalog
            .plain_of(self.0)
            .get(key)
            .or_else(|| catalog.plain_of(Lang::En).get(key))
            .map_or(key, String::as_str)
    }

    /// A fixed English sentence of the core's (a reason, a note) in this language, where the
    /// catalogue has it; as it is otherwise.
    pub fn of(self, english: &str) -> &str {
        if self.0 == Lang::En {
            return english;
        }
        let catalog: &'static Catalog = &CATALOG;
        catalog
            .by_english
            .get(english)
            .and_then(|key| catalog.plain_of(self.0).get(key))
            .map_or(english, String::as_str)
    }

    /// The text of `key` with arguments.
    pub fn a(self, key: &str, args: &[(&str, Arg)]) -> String {
        format(self.0, key, args)
    }

    /// A message in this language.
    pub fn m(self, message: &Message) -> String {
        message.render(self.0)
    }

    /// A number with the locale's grouping (1,234,567 in both languages this window speaks).
    pub fn number(self, n: u64) -> String {
        grouped(n)
    }

    /// A day as the locale writes it: "1 Dec 2026", "2026年12月1日".
    pub fn date(self, day: jiff::civil::Date) -> String {
        match self.0 {
            Lang::En => day.strftime("%-d %b %Y").to_string(),
            Lang::ZhCn => format!("{}年{}月{}日", day.year(), day.month(), day.day()),
        }
    }

    /// A moment in the local time zone: "1 Dec 2026, 14:05", "2026年12月1日 14:05".
    pub fn date_time(self, ms: i64) -> String {
        let Ok(at) = jiff::Timestamp::from_millisecond(ms) else {
            return crate::core::time::format_utc(ms);
        };
        let local = at.to_zoned(jiff::tz::TimeZone::system());
        let time = local.strftime("%H:%M");
        match self.0 {
            Lang::En => format!("{}, {time}", self.date(local.date())),
            Lang::ZhCn => format!("{} {time}", self.date(local.date())),
        }
    }

    /// A month: "Dec 2026", "2026年12月".
    pub fn month(self, year: i16, month: i8) -> String {
        match self.0 {
            Lang::En => jiff::civil::date(year, month, 1)
                .strftime("%b %Y")
                .to_string(),
            Lang::ZhCn => format!("{year}年{month}月"),
        }
    }
}

/// Every key of a language's catalogue, and the parse errors of its file (for the tests that keep
/// the two languages in step).
pub fn catalogue_keys(lang: Lang) -> (Vec<String>, Vec<String>) {
    let source = match lang {
        Lang::En => EN,
        Lang::ZhCn => ZH_CN,
    };
    let (resource, errors) = match FluentResource::try_new(source.to_owned()) {
        Ok(r) => (r, Vec::new()),
        Err((r, e)) => (r, e.iter().map(|e| format!("{e:?}")).collect()),
    };
    let keys = resource
        .entries()
        .filter_map(|e| match e {
            fluent_syntax::ast::Entry::Message(m) => Some(m.id.name.to_owned()),
            _ => None,
        })
        .collect();
    (keys, errors)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_catalogues_parse_and_hold_the_same_keys_once() {
        let (en, en_errors) = catalogue_keys(Lang::En);
        let (zh, zh_errors) = catalogue_keys(Lang::ZhCn);
        assert!(en_errors.is_empty(), "{en_errors:?}");
        assert!(zh_errors.is_empty(), "{zh_errors:?}");
        let unique = |keys: &[String]| {
            let mut seen = std::collections::HashSet::new();
            keys.iter()
                .filter(|k| !seen.insert(k.as_str()))
                .cloned()
                .collect::<Vec<_>>()
        };
        assert!(
            unique(&en).is_empty(),
            "twice in English: {:?}",
            unique(&en)
        );
        assert!(
            unique(&zh).is_empty(),
            "twice in Chinese: {:?}",
            unique(&zh)
        );
        let en: std::collections::BTreeSet<_> = en.into_iter().collect();
        let zh: std::collections::BTreeSet<_> = zh.into_iter().collect();
        let missing_zh: Vec<_> = en.difference(&zh).collect();
        let missing_en: Vec<_> = zh.difference(&en).collect();
        assert!(missing_zh.is_empty(), "not in zh-CN: {missing_zh:?}");
        assert!(missing_en.is_empty(), "not in en: {missing_en:?}");
    }

    #[test]
    fn multi_line_messages_keep_their_line_breaks() {
        let args = [("label", Arg::from("3 images"))];
        assert_eq!(
            format(Lang::En, "confirm-delete-body", &args),
            "3 images\n\nThe images are removed from the library and from disk. This cannot be undone."
        );
        let tip = [
            ("prompt", Arg::from("a fox")),
            ("w", Arg::Int(800)),
            ("h", Arg::Int(600)),
        ];
        assert_eq!(
            format(Lang::En, "gallery-tile-tip", &tip),
            "a fox\n800 × 600 px"
        );
        assert_eq!(
            format(Lang::ZhCn, "gallery-tile-tip", &tip),
            "a fox\n800 × 600 像素"
        );
        // Numbers are written plainly (no grouping inside sentences that carry ids and seeds).
        let seed = [("seed", Arg::Int(2_147_483_648))];
        assert_eq!(
            format(Lang::En, "rule-seed", &seed),
            "Seed must be between 0 and 2147483647; it is 2147483648."
        );
    }

    #[test]
    fn locales_map_to_the_languages_the_window_speaks() {
        assert_eq!(Lang::from_locale("zh_CN.UTF-8"), Lang::ZhCn);
        assert_eq!(Lang::from_locale("zh-Hans-CN"), Lang::ZhCn);
        assert_eq!(Lang::from_locale("zh-SG"), Lang::ZhCn);
        assert_eq!(Lang::from_locale("zh"), Lang::ZhCn);
        assert_eq!(Lang::from_locale("zh_TW.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("zh-Hant-HK"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
        assert_eq!(Lang::from_locale("en_GB.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale(""), Lang::En);
    }

    #[test]
    fn messages_are_rendered_in_the_asking_language_with_english_for_the_log() {
        let m = Message::new("test-count").with("n", 3);
        assert_eq!(m.to_string(), "3 images");
        assert_eq!(m.render(Lang::ZhCn), "3 张图片");
        let one = Message::new("test-count").with("n", 1);
        assert_eq!(one.to_string(), "1 image");
        // Unknown keys fall back to the key (never an empty label).
        assert_eq!(format(Lang::ZhCn, "no-such-key", &[]), "no-such-key");
        // No isolation marks around arguments (egui would draw them as boxes).
        assert!(!m.render(Lang::En).contains('\u{2068}'));
        assert_eq!(
            Tr(Lang::ZhCn).date(jiff::civil::date(2026, 12, 1)),
            "2026年12月1日"
        );
        assert_eq!(
            Tr(Lang::En).date(jiff::civil::date(2026, 12, 1)),
            "1 Dec 2026"
        );
        assert_eq!(Tr(Lang::En).number(1_234_567), "1,234,567");
    }
}
