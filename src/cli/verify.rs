//! `wan-studio verify FILE… [--json]`: both content-credential marks of each file, and whether
//! the manifest still matches its bytes.

use std::path::PathBuf;

use clap::Args;
use serde::Serialize;

use crate::cli::Exit;
use crate::core::credentials::{self, Report, Verdict};
use crate::core::text::terminal::printable;

#[derive(Debug, Args)]
pub struct VerifyArgs {
    /// Images to check.
    #[arg(required = true, value_name = "FILE")]
    pub files: Vec<PathBuf>,
    /// One JSON array on stdout, an object per file.
    #[arg(long)]
    pub json: bool,
}

/// No image the studio reads is larger.
const MAX_FILE: u64 = 1024 * 1024 * 1024;

/// What one file's check ended in, from best to worst for the exit code.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Outcome {
    Intact,
    None,
    Changed,
    Bad,
}

impl Outcome {
    fn exit(self) -> Exit {
        match self {
            Outcome::Intact => Exit::Done,
            Outcome::Changed => Exit::Changed,
            Outcome::Bad => Exit::Invalid,
            Outcome::None => Exit::NoCredentials,
        }
    }
}

#[derive(Serialize)]
struct FileReport {
    file: String,
    #[serde(flatten)]
    report: Option<Report>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

fn read_file(path: &std::path::Path) -> Result<Vec<u8>, String> {
    credentials::read_bounded(path, MAX_FILE).map_err(|e| format!("cannot be read: {e}"))
}

fn check(path: &std::path::Path) -> (Outcome, FileReport) {
    let file = path.display().to_string();
    let read = read_file(path).and_then(|bytes| {
        credentials::read(&bytes).map_err(|e| format!("is not an image this app can read ({e})"))
    });
    match read {
        Ok(report) => {
            let outcome = match report.verdict {
                Verdict::Intact => Outcome::Intact,
                Verdict::Changed => Outcome::Changed,
                Verdict::None => Outcome::None,
            };
            (
                outcome,
                FileReport {
                    file,
                    report: Some(report),
                    error: None,
                },
            )
        }
        Err(e) => (
            Outcome::Bad,
            FileReport {
                file,
                report: None,
                error: Some(e),
            },
        ),
    }
}

fn describe(r: &FileReport) -> String {
    use std::fmt::Write as _;
    let name = printable(&r.file);
    let Some(report) = &r.report else {
        return format!(
            "{name}: {}\n",
            printable(r.error.as_deref().unwrap_or_default())
        );
    };
    let mut out = String::new();
    let verdict = match report.verdict {
        Verdict::Intact => "content credentials present and intact",
        Verdict::Changed => "content credentials present, but the file was changed after signing",
        Verdict::None if report.has_xmp => "no C2PA manifest (XMP only)",
        Verdict::None => "no content credentials",
    };
    let _ = writeln!(out, "{name}: {verdict}");
    let p = |s: &Option<String>| printable(s.as_deref().unwrap_or("—")).into_owned();
    if report.has_manifest || report.has_xmp {
        let _ = writeln!(
            out,
            "  AI-generated: {}  ({})",
            if report.ai_generated {
                "yes"
            } else {
                "not said"
            },
            p(&report.digital_source_type)
        );
        let _ = writeln!(
            out,
            "  model: {}   made: {}",
            p(&report.model),
            p(&report.created)
        );
        if let Some(prompt) = &report.prompt {
            let _ = writeln!(out, "  prompt: {}", printable(prompt));
        }
    }
    if let Some(s) = &report.signer {
        let trust = if s.trusted {
            "on a trust list"
        } else {
            "on no trust list"
        };
        let _ = writeln!(out, "  signed by: {} ({trust})", p(&s.name));
    }
    for i in &report.ingredients {
        let linked = if i.has_credentials {
            ", with its own credentials"
        } else {
            ""
        };
        let _ = writeln!(
            out,
            "  ingredient: {} ({}{linked})",
            printable(&i.title),
            printable(&i.relationship)
        );
    }
    for w in &report.warnings {
        let _ = writeln!(out, "  warning: {}", printable(w));
    }
    for problem in &report.problems {
        let _ = writeln!(out, "  problem: {}", printable(problem));
    }
    out
}

/// Checks every file; the exit code is the worst of them: 0 intact, 1 changed, 3 none, 2 bad
/// input.
pub fn verify(args: &VerifyArgs) -> anyhow::Result<Exit> {
    use std::io::Write as _;
    let mut stdout = std::io::stdout().lock();
    let mut worst = Outcome::Intact;
    let mut reports = Vec::with_capacity(args.files.len());
    for path in &args.files {
        let (outcome, report) = check(path);
        worst = worst.max(outcome);
        if !args.json {
            write!(stdout, "{}", describe(&report))?;
        }
        reports.push(report);
    }
    if args.json {
        let text = serde_json::to_string_pretty(&reports)?;
        writeln!(stdout, "{}", crate::core::text::terminal::json_safe(&text))?;
    }
    Ok(worst.exit())
}
