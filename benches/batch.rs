//! Expanding and checking a 10,000-job file (the most one batch holds), as `wan-studio batch`
//! does before anything is sent: a JSON Lines file of 2,500 lines, each with `{a|b}` alternatives
//! and a two-size matrix, plus a CSV of 10,000 plain rows. Run with `cargo bench --bench batch`.
//! Target: under 200 ms each on a 2-core machine.
#![allow(clippy::unwrap_used, clippy::expect_used, clippy::print_stdout)]

use std::fmt::Write as _;
use std::path::Path;
use std::time::{Duration, Instant};

use wan_studio::core::batch::{Batch, LoadOptions};

fn json_lines() -> String {
    let mut text = String::new();
    for i in 0..2_500 {
        let _ = writeln!(
            text,
            "{{\"prompt\": \"product shot {i}, a {{ceramic|glass}} vase on linen, 柔和的晨光\", \"model\": \"wan2.7-image-pro\", \"n\": 2, \"seed\": {i}, \"matrix\": {{\"size\": [\"1:1\", \"16:9\"]}}, \"color_palette\": [{{\"hex\": \"#C2410C\", \"ratio\": \"50.00%\"}}, {{\"hex\": \"#FDE68A\", \"ratio\": \"30.00%\"}}, {{\"hex\": \"#1E3A8A\", \"ratio\": \"20.00%\"}}]}}"
        );
    }
    text
}

fn csv_rows() -> String {
    let mut text = String::from("prompt,size,n,seed,negative_prompt\n");
    for i in 0..10_000 {
        let _ = writeln!(
            text,
            "\"storyboard panel {i}, ink and wash\",16:9,1,{i},\"blurry, text\""
        );
    }
    text
}

fn measure(name: &str, file: &str, text: &str) {
    let mut times = Vec::new();
    for _ in 0..7 {
        let started = Instant::now();
        let batch = Batch::parse(
            text.as_bytes(),
            file,
            Path::new("."),
            &LoadOptions::default(),
        )
        .unwrap();
        times.push(started.elapsed());
        assert_eq!(batch.jobs.len(), 10_000);
    }
    times.sort();
    let median = times[times.len() / 2];
    println!(
        "{name:<34} median {:>6.1} ms   min {:>6.1} ms   max {:>6.1} ms   (target < 200 ms)",
        median.as_secs_f64() * 1e3,
        times[0].as_secs_f64() * 1e3,
        times[times.len() - 1].as_secs_f64() * 1e3
    );
    if median > Duration::from_millis(200) {
        println!("ABOVE TARGET");
    }
}

fn main() {
    measure(
        "expand+check 10,000 jobs (JSONL)",
        "jobs.jsonl",
        &json_lines(),
    );
    measure("expand+check 10,000 jobs (CSV)", "jobs.csv", &csv_rows());
}
