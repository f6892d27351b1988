//! Text that came from outside (a server, a file) made safe to print: a terminal obeys control
//! characters (a title change, a cleared screen, a hyperlink) and the bidi overrides reorder
//! what follows them, so both are shown as escapes instead.

use std::borrow::Cow;

/// Whether `c` would act on a terminal or reorder the line instead of being shown.
pub fn is_unsafe(c: char) -> bool {
    c.is_control() || is_bidi(c)
}

/// Whether `c` is a bidi override or isolate (U+202A–U+202E, U+2066–U+2069).
fn is_bidi(c: char) -> bool {
    matches!(c, '\u{202a}'..='\u{202e}' | '\u{2066}'..='\u{2069}')
}

/// `text` with each character `pick` chooses written by `escape` instead; borrowed when none is.
fn escaped(
    text: &str,
    pick: impl Fn(char) -> bool,
    escape: impl Fn(&mut String, u32),
) -> Cow<'_, str> {
    if !text.chars().any(&pick) {
        return Cow::Borrowed(text);
    }
    let mut out = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        if pick(c) {
            escape(&mut out, u32::from(c));
        } else {
            out.push(c);
        }
    }
    Cow::Owned(out)
}

/// `text` with every C0/C1 control character (tab and newline included) and every bidi
/// override written as `\u{…}`; any other script is kept as it is.
pub fn printable(text: &str) -> Cow<'_, str> {
    use std::fmt::Write as _;
    escaped(text, is_unsafe, |out, c| {
        let _ = write!(out, "\\u{{{c:x}}}");
    })
}

/// `text` as a label shows it: [`printable`], but keeping newlines (a label breaks its lines
/// there). egui would draw the other controls and the bidi overrides as empty boxes.
pub fn shown(text: &str) -> Cow<'_, str> {
    use std::fmt::Write as _;
    escaped(
        text,
        |c| is_unsafe(c) && c != '\n',
        |out, c| {
            let _ = write!(out, "\\u{{{c:x}}}");
        },
    )
}

/// `text` with its control characters removed, but for tab and newline (which a prompt may
/// hold): for text read from a file that is kept, not only shown.
pub fn without_controls(text: &str) -> Cow<'_, str> {
    if !text
        .chars()
        .any(|c| c.is_control() && c != '\n' && c != '\t')
    {
        return Cow::Borrowed(text);
    }
    Cow::Owned(
        text.chars()
            .filter(|&c| !c.is_control() || c == '\n' || c == '\t')
            .collect(),
    )
}

/// JSON text (as `serde_json` writes it, compact or pretty) with every character a terminal would
/// act on escaped as `\uXXXX`: the bidi overrides (`\u202e`), and the controls `serde_json`
/// leaves raw (DEL and the C1 set, U+0080–U+009F, such as the 8-bit CSI U+009B). Such characters
/// occur only inside strings, where the escape means the same character; a raw newline is the
/// pretty layout's own (serde writes one inside a string as `\n`) and is kept.
pub fn json_safe(json: &str) -> Cow<'_, str> {
    use std::fmt::Write as _;
    escaped(
        json,
        |c| is_unsafe(c) && c != '\n',
        |out, c| {
            let _ = write!(out, "\\u{c:04x}");
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escape_sequences_and_bidi_overrides_are_shown_not_obeyed() {
        assert_eq!(printable("花店 a shop"), "花店 a shop");
        assert_eq!(
            printable("x\u{1b}]0;pwned\u{7}y\u{1b}[2J\u{202e}z\u{0}"),
            "x\\u{1b}]0;pwned\\u{7}y\\u{1b}[2J\\u{202e}z\\u{0}"
        );
        assert_eq!(printable("\u{9b}31m"), "\\u{9b}31m");
        assert_eq!(shown("a\nb\u{1b}[2J\u{202e}"), "a\nb\\u{1b}[2J\\u{202e}");
        assert_eq!(
            without_controls("花\u{1b}]0;x\u{7}\tb\nc\r\u{9b}"),
            "花]0;x\tb\nc"
        );
        // Found by fuzzing: serde_json leaves DEL and the C1 controls raw.
        let json = serde_json::to_string("\u{7f}\u{9b}31m").unwrap_or_default();
        assert_eq!(json_safe(&json), "\"\\u007f\\u009b31m\"");
        let pretty = serde_json::to_string_pretty(&["a\nb\u{9b}"]).unwrap_or_default();
        let safe = json_safe(&pretty);
        assert_eq!(safe, "[\n  \"a\\nb\\u009b\"\n]");
        assert_eq!(
            serde_json::from_str::<Vec<String>>(&safe).ok(),
            Some(vec!["a\nb\u{9b}".to_owned()])
        );
        let json = serde_json::to_string("a\u{202e}b\u{1b}").unwrap_or_default();
        let safe = json_safe(&json);
        assert_eq!(safe, "\"a\\u202eb\\u001b\"");
        assert_eq!(
            serde_json::from_str::<String>(&safe).ok().as_deref(),
            Some("a\u{202e}b\u{1b}")
        );
    }
}
