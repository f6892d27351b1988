//! The PNG text-chunk splice and reader: any bytes, never a panic; a splice of a real PNG reads back.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wan_studio::core::{imaging, library};

fuzz_target!(|data: &[u8]| {
    let _ = imaging::png_text(data);
    let text = vec![("prompt".to_owned(), "雪の中の狐 — a fox".to_owned())];
    if let Some(spliced) = library::png_with_text(data, &text) {
        let _ = imaging::png_text(&spliced);
    }
});
