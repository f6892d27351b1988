//! The terminal escaper: no control character or bidi override survives `printable`, `shown`
//! keeps only newlines, and `json_safe` output (compact or pretty) still parses to the same value.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wan_studio::core::text::terminal::{is_unsafe, json_safe, printable, shown};

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    assert!(!printable(&text).chars().any(is_unsafe));
    assert!(!shown(&text).chars().any(|c| is_unsafe(c) && c != '\n'));
    for json in [
        serde_json::to_string(&*text).unwrap_or_default(),
        serde_json::to_string_pretty(&[&*text]).unwrap_or_default(),
    ] {
        let safe = json_safe(&json);
        // Only the pretty layout's own newlines stay raw.
        assert!(!safe.chars().any(|c| is_unsafe(c) && c != '\n'));
        let back = serde_json::from_str::<serde_json::Value>(&safe).ok();
        let original = serde_json::from_str::<serde_json::Value>(&json).ok();
        assert_eq!(back, original);
    }
});
