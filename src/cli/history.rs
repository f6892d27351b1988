//! `wan-studio history`: the library from the command line (search, filters) and what it has
//! cost (`--spend`).

use super::write_json;
use std::io::Write as _;

use clap::Args;

use super::{Exit, JobSummary, describe_error, invalid, parse_model, summary};
use crate::core::api::pricing::format_usd;
use crate::core::api::request::Model;
use crate::core::job::JobId;
use crate::core::library::journal::{JobRecord, JobState};
use crate::core::library::journal::{Ledger, LibraryMode, LibraryQuery, Spend, local_midnight_ms};
use crate::core::settings::{EnvConfig, Paths};
use crate::core::time::format_utc;

#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // each is a command-line switch
pub struct HistoryArgs {
    #[arg(long)]
    pub json: bool,
    /// Jobs of the built-in sandbox (instead of reAPI's).
    #[arg(long)]
    pub sandbox: bool,
    /// Jobs whose prompt or negative prompt holds every word of TEXT (any case, any script).
    #[arg(long, value_name = "TEXT")]
    pub search: Option<String>,
    /// Jobs with a starred result.
    #[arg(long)]
    pub favourites: bool,
    /// Jobs with a result rated at least N (1–5).
    #[arg(long, value_name = "N", value_parser = clap::value_parser!(u8).range(1..=5))]
    pub min_rating: Option<u8>,
    /// Jobs made on or after this day (YYYY-MM-DD, local time).
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    pub since: Option<jiff::civil::Date>,
    /// Jobs made before the end of this day (YYYY-MM-DD, local time).
    #[arg(long, value_name = "DATE", value_parser = parse_day)]
    pub until: Option<jiff::civil::Date>,
    /// Jobs on this tier: standard or pro.
    #[arg(long, value_parser = parse_model)]
    pub model: Option<Model>,
    /// Jobs of this kind: text, edit, region or series.
    #[arg(long, value_parser = parse_mode)]
    pub mode: Option<LibraryMode>,
    /// Oldest first.
    #[arg(long)]
    pub oldest: bool,
    /// What the library has cost (completed images at the tier's rate; failed and refused
    /// requests are free), per month, per day and in all, instead of the jobs.
    #[arg(long)]
    pub spend: bool,
}

fn parse_day(s: &str) -> Result<jiff::civil::Date, String> {
    s.trim()
        .parse::<jiff::civil::Date>()
        .map_err(|_| format!("'{s}' is not a date: write it as YYYY-MM-DD (2026-11-24)"))
}

fn parse_mode(s: &str) -> Result<LibraryMode, String> {
    LibraryMode::parse(&s.to_ascii_lowercase())
        .ok_or_else(|| format!("'{s}' is not a mode: use text, edit, region or series"))
}

impl HistoryArgs {
    /// The library query these switches ask for.
    fn query(&self) -> LibraryQuery {
        LibraryQuery {
            text: self.search.clone().unwrap_or_default(),
            model: self.model,
            mode: self.mode,
            favourites: self.favourites,
            min_rating: self.min_rating.unwrap_or(0),
            palette: None,
            since_ms: self.since.and_then(local_midnight_ms),
            until_ms: self
                .until
                .and_then(|d| d.tomorrow().ok())
                .and_then(local_midnight_ms),
            oldest_first: self.oldest,
        }
    }
}

pub(super) fn history(args: &HistoryArgs) -> anyhow::Result<Exit> {
    let env = EnvConfig::from_env().map_err(|e| invalid(e.to_string()))?;
    let paths: Paths = env.paths;
    let journal = crate::core::library::journal::Journal::open(&paths)?;
    let mut stdout = std::io::stdout().lock();
    if args.spend {
        return print_spend(
            &journal.spend(Ledger::Api)?,
            &journal.spend(Ledger::Sandbox)?,
            args.json,
            &mut stdout,
        );
    }
    let query = args.query();
    let mut jobs = journal.list()?;
    if !query.is_everything() || query.oldest_first {
        let mut order: std::collections::HashMap<JobId, usize> = journal
            .search_jobs(&query)?
            .into_iter()
            .enumerate()
            .map(|(i, id)| (id, i))
            .collect();
        let mut found: Vec<(usize, JobRecord)> = jobs
            .into_iter()
            .filter_map(|j| Some((order.remove(&j.id)?, j)))
            .collect();
        found.sort_by_key(|(i, _)| *i);
        jobs = found.into_iter().map(|(_, j)| j).collect();
    }
    if args.sandbox {
        jobs.retain(|j| j.server.is_sandbox());
    }
    if args.json {
        let all: Vec<JobSummary<'_>> = jobs
            .iter()
            .map(|j| {
                summary(
                    j,
                    &j.results.iter().map(|r| r.path.clone()).collect::<Vec<_>>(),
                    None,
                )
            })
            .collect();
        write_json(&mut stdout, &all)?;
        writeln!(stdout)?;
        return Ok(Exit::Done);
    }
    if jobs.is_empty() {
        if query.is_everything() {
            writeln!(stdout, "No jobs yet.")?;
        } else {
            writeln!(stdout, "No job matches.")?;
        }
    }
    for j in &jobs {
        let prompt: String = j
            .request
            .prompt
            .as_deref()
            .unwrap_or("")
            .chars()
            .take(50)
            .collect();
        writeln!(
            stdout,
            "{}  {:<16} {:<8} {:<24} {}  \"{}\"",
            format_utc(j.created_at_ms),
            j.state.label(),
            j.request.model.tier_name(),
            j.request.mode().to_string(),
            crate::core::text::terminal::printable(j.task_id.as_deref().unwrap_or("-")),
            crate::core::text::terminal::printable(&prompt)
        )?;
        if let Some(err) = j.error.as_ref().filter(|_| j.state != JobState::Completed) {
            writeln!(stdout, "    {}", describe_error(err))?;
        }
        for r in &j.results {
            writeln!(
                stdout,
                "    {}",
                crate::core::text::terminal::printable(&r.path.display().to_string())
            )?;
        }
    }
    Ok(Exit::Done)
}

/// `history --spend`: months, the last 31 days and the total.
/// The API's spend, and apart from it what the sandbox's results would have cost.
fn print_spend(
    spend: &Spend,
    sandbox: &Spend,
    json: bool,
    out: &mut impl std::io::Write,
) -> anyhow::Result<Exit> {
    #[derive(serde::Serialize)]
    struct Period<'a> {
        name: &'a str,
        images: u64,
        micro_usd: u64,
        usd: String,
    }
    fn periods(list: &[(String, u64, u64)]) -> Vec<Period<'_>> {
        list.iter()
            .map(|(name, images, micro)| Period {
                name,
                images: *images,
                micro_usd: *micro,
                usd: format_usd(*micro),
            })
            .collect()
    }
    if json {
        write_json(
            &mut *out,
            &serde_json::json!({
                "estimate": true,
                "images": spend.images,
                "micro_usd": spend.micro_usd,
                "usd": format_usd(spend.micro_usd),
                "months": periods(&spend.by_month),
                "days": periods(&spend.by_day),
                "sandbox": {
                    "paid": false,
                    "images": sandbox.images,
                    "micro_usd": sandbox.micro_usd,
                    "usd": format_usd(sandbox.micro_usd),
                },
            }),
        )?;
        writeln!(out)?;
        return Ok(Exit::Done);
    }
    writeln!(
        out,
        "Estimated spend: completed images at the tier's rate when sent; failed and refused requests are free."
    )?;
    writeln!(out, "\nBy month")?;
    for p in periods(&spend.by_month) {
        writeln!(
            out,
            "  {:<10} {:>7} images  {:>10}",
            p.name, p.images, p.usd
        )?;
    }
    writeln!(out, "\nBy day (last 31)")?;
    for p in periods(&spend.by_day).into_iter().take(31) {
        writeln!(
            out,
            "  {:<10} {:>7} images  {:>10}",
            p.name, p.images, p.usd
        )?;
    }
    writeln!(
        out,
        "\nIn all: {} images, {}",
        spend.images,
        format_usd(spend.micro_usd)
    )?;
    if sandbox.images > 0 {
        writeln!(
            out,
            "Sandbox results, not counted above (nothing was paid): {} images, {} at the API's rates",
            sandbox.images,
            format_usd(sandbox.micro_usd)
        )?;
    }
    Ok(Exit::Done)
}
