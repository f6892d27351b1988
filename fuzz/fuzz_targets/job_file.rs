//! Job files from anywhere: any bytes, read as JSON Lines or CSV, are expanded and checked or
//! refused with a message, never a panic; a file accepted holds at most 10,000 jobs numbered
//! 1, 2, 3… and each of them passes the rules.
#![no_main]

use libfuzzer_sys::fuzz_target;
use wan_studio::core::api::rules;
use wan_studio::core::batch::{Batch, LoadOptions, MAX_JOBS};

fuzz_target!(|data: &[u8]| {
    let options = LoadOptions::default();
    for name in ["jobs.jsonl", "jobs.csv"] {
        // Relative image paths are looked up under a folder that does not exist.
        let base = std::path::Path::new("/nonexistent-fuzz-folder");
        let Ok(batch) = Batch::parse(data, name, base, &options) else {
            continue;
        };
        assert!(batch.jobs.len() as u64 <= MAX_JOBS);
        for (i, job) in batch.jobs.iter().enumerate() {
            assert_eq!(job.number as usize, i + 1);
            let ctx = rules::Context {
                files_allowed: true,
                ..rules::Context::default()
            };
            assert!(rules::validate_with(&job.request, &ctx).is_ok());
        }
    }
});
