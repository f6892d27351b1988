//! The submit and poll answers, and error bodies: any bytes give a task or a clear error.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wan_studio::core::api::client::{parse_error, parse_task};

fuzz_target!(|data: &[u8]| {
    let _ = parse_task(data);
    for status in [400, 429, 502] {
        let (error, _) = parse_error(status, data, None);
        assert!(!error.message.is_empty());
    }
});
