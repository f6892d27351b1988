//! The answer reader's limits: a body arriving in any pieces, with any declared length, is
//! either kept whole (exactly its bytes, at most the limit) or refused as too large.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wan_studio::core::api::boundary::{BodyError, Bounded};

fuzz_target!(|data: &[u8]| {
    let [limit, declared, cuts @ ..] = data else {
        return;
    };
    let limit = usize::from(*limit) * 4;
    let declared = (*declared != 0xff).then_some(u64::from(*declared) * 4);
    let body = &cuts[cuts.len() / 2..];
    let sizes = &cuts[..cuts.len() / 2];
    let Ok(mut reader) = Bounded::new(limit, declared) else {
        assert!(declared.is_some_and(|d| d > limit as u64));
        return;
    };
    let mut at = 0;
    let mut sizes = sizes.iter().map(|s| usize::from(*s) + 1).cycle();
    while at < body.len() {
        let n = sizes.next().unwrap_or(1).min(body.len() - at);
        match reader.push(&body[at..at + n]) {
            Ok(()) => assert!(reader.len() <= limit),
            Err(BodyError::TooLarge { .. }) => {
                assert!(body.len() > limit);
                return;
            }
        }
        at += n;
    }
    assert!(body.len() <= limit);
    assert_eq!(reader.into_bytes(), body);
});
