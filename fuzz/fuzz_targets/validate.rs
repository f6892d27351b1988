//! The request validator on arbitrary requests: any JSON that is a request is judged without a
//! panic, and the compose form round-trips what it accepts.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wan_studio::core::draft::Draft;
use wan_studio::core::api::request::GenerationRequest;
use wan_studio::core::api::rules;

fuzz_target!(|data: &[u8]| {
    let Ok(req) = serde_json::from_slice::<GenerationRequest>(data) else {
        return;
    };
    let verdict = rules::validate(&req);
    let _ = rules::output_dimensions(&req, Some((1024, 768)));
    let _ = rules::max_result_pixels(&req);
    let _ = req.mode();
    if verdict.is_ok() {
        let _ = Draft::from_request(&req).to_request(0);
    }
});
