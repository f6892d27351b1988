//! The terminal escaper: no control character or bidi override survives `printable`, `shown`
//! keeps only newlines, and `json_safe` output still parses to the same text.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wan_studio::core::text::terminal::{is_unsafe, json_safe, printable, shown};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    assert!(!printable(&text).chars().any(is_unsafe));
    assert!(!shown(&text).chars().any(|c| is_unsafe(c) && c != '\n'));
    let json = serde_json::to_string(&*text).unwrap_or_default();
    let safe = json_safe(&json);
    assert!(!safe.chars().any(is_unsafe));
    assert_eq!(serde_json::from_str::<String>(&safe).ok().as_deref(), Some(&*text));
});
