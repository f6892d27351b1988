//! Image decode with the app's limits: any bytes decode or fail cleanly, within the limit.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wan_studio::core::imaging;

fuzz_target!(|data: &[u8]| {
    if let Ok(img) = imaging::decode_within(data, 1024 * 1024) {
        assert!(u64::from(img.width()) * u64::from(img.height()) <= 1024 * 1024);
    }
    let _ = imaging::dimensions(data);
});
