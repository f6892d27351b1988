//! `wan-studio batch`: a job file priced, capped, run at most N at a time, resumed after a kill
//! without sending anything twice. The expansion and the rules are the core's
//! ([`crate::core::batch`]); here are the flags, the table, the progress and the exit codes.

use super::write_json;
use std::collections::HashMap;
use std::io::{IsTerminal as _, Write as _};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

use anyhow::Context as _;
use clap::Args;
use serde::Serialize;

use super::{Backend, Exit, connect, describe_error, host_local_references, invalid};
use crate::core::api::pricing::{Rates, format_usd, parse_usd};
use crate::core::batch::runner::{Counts, Runner};
use crate::core::batch::{Batch, BatchError, BatchEstimate, BatchJob, BatchRef, LoadOptions};
use crate::core::engine::{EngineError, Event, Submission};
use crate::core::job::{JobRecord, JobState, now_ms};
use crate::core::library::journal::{BatchSummary, Journal, JournalError, Ledger};
use crate::core::presets::SavedPresets;
use crate::core::references::hosting::{ReferenceHost, S3Host, local_file};
use crate::core::settings::{AppSettings, EnvConfig};
use crate::sandbox::SAMPLE_SCHEME;

#[derive(Debug, Args)]
#[allow(clippy::struct_excessive_bools)] // each is a command-line switch
pub struct BatchArgs {
    /// The job file: JSON Lines or CSV with the API's field names (README › Batches).
    #[arg(value_name = "FILE", required_unless_present_any = ["status", "cancel"])]
    pub file: Option<PathBuf>,
    /// List the jobs with their prices and the total; send nothing.
    #[arg(long)]
    pub dry_run: bool,
    /// Print one JSON object on stdout.
    #[arg(long)]
    pub json: bool,
    /// Refuse (exit 2, nothing sent) when the jobs still to send would cost more than this.
    #[arg(long, value_name = "USD", value_parser = parse_cost)]
    pub max_cost: Option<u64>,
    /// At most this many tasks in flight (a 429 lowers it for a while).
    #[arg(long, value_name = "N", default_value_t = 2, value_parser = clap::value_parser!(u16).range(1..=16))]
    pub concurrency: u16,
    /// Also copy every image here, named job<NUMBER>-<INDEX>.png.
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// Use the built-in local simulator: nothing is charged.
    #[arg(long)]
    pub sandbox: bool,
    /// List the batches with their counts (or one, by its id).
    #[arg(long, value_name = "ID", num_args = 0..=1, default_missing_value = "", conflicts_with_all = ["file", "cancel"])]
    pub status: Option<String>,
    /// Stop sending a batch's jobs (what is in flight finishes and is kept).
    #[arg(long, value_name = "ID", conflicts_with = "file")]
    pub cancel: Option<String>,
}

fn parse_cost(s: &str) -> Result<u64, String> {
    parse_usd(s).ok_or_else(|| format!("'{s}' is not an amount of dollars such as 5 or 12.50"))
}

pub async fn batch(args: BatchArgs) -> anyhow::Result<Exit> {
    if let Some(id) = &args.status {
        return status(id, args.json);
    }
    if let Some(id) = &args.cancel {
        return cancel(id);
    }
    let Some(file) = &args.file else {
        return Err(invalid("name a job file, or --status or --cancel ID"));
    };
    let env = EnvConfig::from_env().map_err(|e| invalid(e.to_string()))?;
    let options = LoadOptions {
        extra_schemes: if args.sandbox {
            vec![SAMPLE_SCHEME.to_owned()]
        } else {
            Vec::new()
        },
        presets: SavedPresets::load(&env.paths).map_err(|e| invalid(e.to_string()))?,
    };
    let batch = Batch::load(file, &options).map_err(|e| match e {
        BatchError::Read { .. } | BatchError::TooLarge { .. } => invalid(e.to_string()),
        other => invalid(format!(
            "the job file was refused; nothing was sent:\n{other}"
        )),
    })?;
    let journal = Journal::open(&env.paths)?;
    let sent = journal.batch_sent(&batch.id)?;
    let to_send: Vec<&BatchJob> = {
        let done: std::collections::HashSet<u32> = sent.iter().map(|(n, _)| *n).collect();
        batch
            .jobs
            .iter()
            .filter(|j| !done.contains(&j.number))
            .collect()
    };
    let total = batch.estimate(&env.rates);
    let remaining = BatchEstimate::of(to_send.iter().copied(), &env.rates);
    if args.dry_run {
        print_plan(&batch, &env.rates, total, remaining, args.json)?;
        return Ok(Exit::Done);
    }
    check_caps(&args, &env, &journal, remaining)?;
    drop(journal);
    run(args, batch, &env.rates, total).await
}

/// `--max-cost` and the monthly budget, on what is still to be sent. Nothing is sent when either
/// would be passed.
fn check_caps(
    args: &BatchArgs,
    env: &EnvConfig,
    journal: &Journal,
    remaining: BatchEstimate,
) -> anyhow::Result<()> {
    if let Some(max) = args.max_cost
        && remaining.micro_usd > max
    {
        return Err(invalid(format!(
            "the batch would cost {} ({} jobs, {} images), more than --max-cost {}; nothing was sent",
            format_usd(remaining.micro_usd),
            remaining.jobs,
            remaining.images,
            format_usd(max)
        )));
    }
    let settings = AppSettings::load(&env.paths).unwrap_or_default();
    if let Some(budget) = settings.monthly_budget_micro_usd {
        let ledger = if args.sandbox {
            Ledger::Sandbox
        } else {
            Ledger::Api
        };
        let spent = journal.spend(ledger)?.month_of(now_ms());
        if spent + remaining.micro_usd > budget {
            return Err(invalid(format!(
                "the batch would take this month's spend to {} (spent {}, the batch {}), over the monthly budget of {} set in Settings; nothing was sent",
                format_usd(spent + remaining.micro_usd),
                format_usd(spent),
                format_usd(remaining.micro_usd),
                format_usd(budget)
            )));
        }
    }
    Ok(())
}

#[derive(Serialize)]
struct PlanRow<'a> {
    job: u32,
    line: usize,
    model: &'static str,
    size: String,
    n: i64,
    seed: Option<i64>,
    prompt: &'a str,
    cost_usd: f64,
    #[serde(skip)]
    micro_usd: u64,
}

#[derive(Serialize)]
struct Plan<'a> {
    batch: &'a str,
    jobs: u32,
    images: u64,
    cost_usd: f64,
    cost_micro_usd: u64,
    /// Some jobs are group series: images and cost are maximums.
    up_to: bool,
    /// Jobs not sent yet (all of them, unless an earlier run sent some).
    to_send: u32,
    to_send_cost_usd: f64,
    rows: Vec<PlanRow<'a>>,
}

#[allow(clippy::cast_precision_loss)] // dollars for reading; the micro-dollars are exact
fn usd(micro: u64) -> f64 {
    micro as f64 / 1_000_000.0
}

fn print_plan(
    batch: &Batch,
    rates: &Rates,
    total: BatchEstimate,
    remaining: BatchEstimate,
    json: bool,
) -> anyhow::Result<()> {
    let rows: Vec<PlanRow<'_>> = batch
        .jobs
        .iter()
        .map(|j| (j, rates.estimate_request(&j.request).micro_usd))
        .map(|(j, micro_usd)| PlanRow {
            job: j.number,
            line: j.line,
            model: j.request.model.id(),
            size: j.request.size_label(),
            n: j.request.n,
            seed: j.request.seed,
            prompt: j.request.prompt.as_deref().unwrap_or(""),
            cost_usd: usd(micro_usd),
            micro_usd,
        })
        .collect();
    let mut out = std::io::stdout().lock();
    if json {
        let plan = Plan {
            batch: &batch.id,
            jobs: total.jobs,
            images: total.images,
            cost_usd: usd(total.micro_usd),
            cost_micro_usd: total.micro_usd,
            up_to: total.up_to,
            to_send: remaining.jobs,
            to_send_cost_usd: usd(remaining.micro_usd),
            rows,
        };
        write_json(&mut out, &plan)?;
        writeln!(out)?;
        return Ok(());
    }
    writeln!(
        out,
        "{:>5}  {:>4}  {:<16}  {:<10}  {:>2}  {:>10}  {:>8}  prompt",
        "job", "line", "model", "size", "n", "seed", "price"
    )?;
    for row in &rows {
        let price = format_usd(row.micro_usd);
        writeln!(
            out,
            "{:>5}  {:>4}  {:<16}  {:<10}  {:>2}  {:>8}  {}",
            row.job,
            row.line,
            row.model,
            if row.size.is_empty() {
                "default"
            } else {
                &row.size
            },
            row.n,
            price,
            crate::core::api::request::excerpt(row.prompt, 60)
        )?;
    }
    let up_to = if total.up_to { "up to " } else { "" };
    writeln!(
        out,
        "Total: {} jobs, {up_to}{} images, {up_to}{} (batch {}).",
        total.jobs,
        total.images,
        format_usd(total.micro_usd),
        batch.id
    )?;
    if remaining.jobs != total.jobs {
        writeln!(
            out,
            "Still to send: {} jobs, {}; the others were sent by an earlier run and are not sent again.",
            remaining.jobs,
            format_usd(remaining.micro_usd)
        )?;
    }
    Ok(())
}

fn status(id: &str, json: bool) -> anyhow::Result<Exit> {
    let env = EnvConfig::from_env().map_err(|e| invalid(e.to_string()))?;
    let journal = Journal::open(&env.paths)?;
    let list = if id.is_empty() {
        journal.batches()?
    } else {
        match journal.batch(id)? {
            Some(b) => vec![b],
            None => return Err(invalid(format!("there is no batch {id} in this library"))),
        }
    };
    let mut out = std::io::stdout().lock();
    if json {
        write_json(&mut out, &list)?;
        writeln!(out)?;
        return Ok(Exit::Done);
    }
    if list.is_empty() {
        eprintln!("No batches yet: `wan-studio batch FILE` runs one.");
        return Ok(Exit::Done);
    }
    for b in &list {
        writeln!(out, "{}", status_line(b))?;
    }
    Ok(Exit::Done)
}

fn status_line(b: &BatchSummary) -> String {
    let state = if b.cancelled && b.in_flight == 0 {
        "cancelled"
    } else if b.cancelled {
        "cancelled, finishing"
    } else if b.waiting() == 0 && b.in_flight == 0 {
        "ended"
    } else if b.in_flight > 0 {
        "running"
    } else {
        "stopped"
    };
    format!(
        "{}  {}  {} jobs: {} done, {} in flight, {} not sent · {} images · {} estimated · {state}  {}",
        b.id,
        crate::core::time::format_utc(b.created_at_ms),
        b.jobs,
        b.completed,
        b.in_flight,
        b.waiting(),
        b.images,
        format_usd(b.micro_usd),
        crate::core::text::terminal::printable(&b.source)
    )
}

fn cancel(id: &str) -> anyhow::Result<Exit> {
    let env = EnvConfig::from_env().map_err(|e| invalid(e.to_string()))?;
    let journal = Journal::open(&env.paths)?;
    if !journal.cancel_batch(id)? {
        return Err(invalid(format!("there is no batch {id} in this library")));
    }
    let b = journal.batch(id)?;
    let waiting = b.as_ref().map_or(0, BatchSummary::waiting);
    eprintln!(
        "Batch {id} is cancelled: its {waiting} jobs not yet sent never will be; what is in flight finishes and is kept."
    );
    Ok(Exit::Done)
}

/// The run's summary on stdout with `--json`.
#[derive(Serialize)]
struct Report<'a> {
    batch: &'a str,
    #[serde(flatten)]
    counts: Counts,
    cancelled: bool,
    /// What the images home cost (or would have, in the sandbox).
    cost_usd: f64,
    estimate_usd: f64,
    jobs: Vec<JobLine<'a>>,
}

#[derive(Serialize)]
struct JobLine<'a> {
    job: u32,
    job_id: &'a str,
    status: &'static str,
    files: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    error: Option<String>,
}

/// Sends what was never sent, at most `--concurrency` at once, follows what is in flight, and
/// brings every image home.
async fn run(
    args: BatchArgs,
    batch: Batch,
    rates: &Rates,
    total: BatchEstimate,
) -> anyhow::Result<Exit> {
    let mut backend = connect(args.sandbox).await?;
    let host = reference_host(&batch, &backend)?;
    let journal = backend.engine.journal();
    say_if_changed(journal, &batch)?;
    journal.record_batch(&batch.id, &batch.source, total.jobs, total.micro_usd)?;
    let cancelled = journal.batch(&batch.id)?.is_some_and(|b| b.cancelled);
    let sent: Vec<u32> = journal
        .batch_sent(&batch.id)?
        .into_iter()
        .map(|(n, _)| n)
        .collect();
    let mut runner = Runner::new(total.jobs, sent, usize::from(args.concurrency));
    let started = Instant::now();
    let mut latest: HashMap<u32, JobRecord> = HashMap::new();
    for job in journal.batch_jobs(&batch.id)? {
        if let Some(b) = &job.batch {
            runner.update(b.number, &job, started);
            latest.insert(b.number, job);
        }
    }
    if cancelled {
        runner.cancel();
        eprintln!("Batch {} was cancelled: nothing more is sent.", batch.id);
    }
    let earlier = latest.len();
    if earlier > 0 {
        eprintln!(
            "Batch {}: {earlier} of its {} jobs were sent by an earlier run; they are followed, never sent again.",
            batch.id, total.jobs
        );
    }
    if latest
        .values()
        .any(|j| j.state.is_active() || j.state.is_resumable())
    {
        backend.engine.resume()?;
    }
    let mut progress = Progress::new(&batch, backend.sandbox.is_some());
    progress.show(&runner.counts(), rates_spent(&latest, rates));
    let mut tick = tokio::time::interval(Duration::from_millis(500));
    loop {
        while let Some(number) = runner.next(Instant::now()) {
            // `--cancel` from another process is read before each send.
            if journal.batch(&batch.id)?.is_some_and(|b| b.cancelled) {
                runner.not_sent(number);
                progress.say(&format!(
                    "Batch {} was cancelled: nothing more is sent; what is in flight finishes.",
                    batch.id
                ));
                break;
            }
            let Some(job) = batch.job(number) else {
                runner.not_sent(number);
                break;
            };
            match send(&backend, host.as_ref(), &batch.id, job, rates).await {
                Ok(record) => {
                    runner.sent(number, &record);
                    latest.insert(number, record);
                }
                Err(e) if already_sent(&e) => {
                    runner.sent_elsewhere(number);
                    progress.say(&format!(
                        "Job {number} was sent by another run of this file; it is not sent again."
                    ));
                }
                Err(e) => {
                    runner.not_sent(number);
                    progress.say(&format!(
                        "Job {number} was not sent: {e:#}. Sending stopped; what is in flight finishes. Run the same command again to go on."
                    ));
                }
            }
        }
        progress.show(&runner.counts(), rates_spent(&latest, rates));
        if runner.is_finished() {
            break;
        }
        tokio::select! {
            ev = backend.events.recv() => match ev {
                Some(Event::Job(job)) => {
                    let Some(number) = job.batch.as_ref().filter(|b| b.id == batch.id).map(|b| b.number) else { continue };
                    let was = latest.get(&number).map(|j| j.state);
                    runner.update(number, &job, Instant::now());
                    if was != Some(job.state) && !job.state.is_active() {
                        progress.ended(number, &job);
                        if job.state == JobState::Completed && let Some(dir) = &args.out {
                            export(backend.engine.paths(), dir, number, &job)?;
                        }
                    }
                    latest.insert(number, *job);
                }
                Some(Event::Notice(msg)) => progress.say(&format!("warning: {msg}")),
                Some(_) => {}
                None => break,
            },
            // A lowered limit comes back with time, not with an event: look again.
            _ = tick.tick() => {}
            _ = tokio::signal::ctrl_c() => {
                progress.finish();
                eprintln!("\nInterrupted. Every job sent is kept in the journal; run the same command again to follow them and send the rest (nothing is sent twice).");
                return Ok(Exit::Network);
            }
        }
    }
    progress.finish();
    if let Some(dir) = &args.out {
        for (number, job) in &latest {
            if job.state == JobState::Completed {
                export(backend.engine.paths(), dir, *number, job)?;
            }
        }
    }
    let counts = runner.counts();
    let cost = rates_spent(&latest, rates);
    finish(
        &args,
        &batch,
        &latest,
        counts,
        runner.is_cancelled(),
        cost,
        total,
    )
}

fn finish(
    args: &BatchArgs,
    batch: &Batch,
    latest: &HashMap<u32, JobRecord>,
    counts: Counts,
    cancelled: bool,
    spent: u64,
    total: BatchEstimate,
) -> anyhow::Result<Exit> {
    let mut numbers: Vec<&u32> = latest.keys().collect();
    numbers.sort();
    let mut exit = Exit::Done;
    for n in &numbers {
        exit = exit.max(Exit::for_job(&latest[*n]));
    }
    let sandbox = if args.sandbox {
        " (sandbox: nothing charged)"
    } else {
        ""
    };
    eprintln!(
        "Batch {}: {} of {} jobs done, {} images home, {}{sandbox}. {} failed, {} need attention, {} not sent.",
        batch.id,
        counts.done,
        counts.total,
        counts.images,
        format_usd(spent),
        counts.failed,
        counts.attention,
        counts.waiting
    );
    if counts.attention > 0 {
        eprintln!(
            "  Jobs that need attention are kept with their task ids: `wan-studio resume` finishes the paused ones; an unknown outcome is never resent (see `wan-studio history`)."
        );
    }
    if counts.waiting > 0 && !cancelled {
        exit = exit.max(Exit::Network);
    }
    let mut out = std::io::stdout().lock();
    if args.json {
        let jobs = numbers
            .iter()
            .map(|n| {
                let j = &latest[*n];
                JobLine {
                    job: **n,
                    job_id: &j.id,
                    status: j.state.as_str(),
                    files: files_of(args.out.as_deref(), **n, j),
                    error: j
                        .error
                        .as_ref()
                        .filter(|_| j.state != JobState::Completed)
                        .map(describe_error),
                }
            })
            .collect();
        let report = Report {
            batch: &batch.id,
            counts,
            cancelled,
            cost_usd: usd(spent),
            estimate_usd: usd(total.micro_usd),
            jobs,
        };
        write_json(&mut out, &report)?;
        writeln!(out)?;
    } else {
        for n in numbers {
            for f in files_of(args.out.as_deref(), *n, &latest[n]) {
                writeln!(out, "{f}")?;
            }
        }
    }
    Ok(exit)
}

fn files_of(out: Option<&Path>, number: u32, job: &JobRecord) -> Vec<String> {
    job.results
        .iter()
        .map(|r| {
            let path = match out {
                Some(dir) => dir.join(out_name(number, r.index)),
                None => r.path.clone(),
            };
            crate::core::text::terminal::printable(&path.display().to_string()).into_owned()
        })
        .collect()
}

/// `job00014-1.png`: the job's number and the image's (from 1), sorting as numbered.
pub fn out_name(number: u32, index: u32) -> String {
    format!("job{number:05}-{}.png", index + 1)
}

fn export(
    paths: &crate::core::settings::Paths,
    dir: &Path,
    number: u32,
    job: &JobRecord,
) -> anyhow::Result<()> {
    std::fs::create_dir_all(dir)
        .with_context(|| format!("the folder {} could not be created", dir.display()))?;
    for r in &job.results {
        let dest = dir.join(out_name(number, r.index));
        crate::core::library::export_to_file(paths, job, r, &dest)
            .with_context(|| format!("{} could not be written", dest.display()))?;
    }
    Ok(())
}

/// What the images home cost at the jobs' own rates (today's where a job kept none).
fn rates_spent(latest: &HashMap<u32, JobRecord>, rates: &Rates) -> u64 {
    latest
        .values()
        .map(|j| {
            let rate = j
                .rate_micro_usd
                .unwrap_or_else(|| rates.per_image_micro_usd(j.request.model));
            rate * j.results.len() as u64
        })
        .sum()
}

/// Says when this file held other jobs before: a changed file is a new batch.
fn say_if_changed(journal: &Journal, batch: &Batch) -> anyhow::Result<()> {
    for old in journal.batches_from(&batch.source)? {
        if old.id != batch.id && !old.cancelled && old.waiting() > 0 {
            eprintln!(
                "{} has changed since batch {} was started from it: this is a new batch, {}. The {} jobs {} sent are kept; its {} unsent jobs are not sent by this run (`wan-studio batch --cancel {}` retires them).",
                crate::core::text::terminal::printable(&batch.source),
                old.id,
                batch.id,
                old.sent,
                old.id,
                old.waiting(),
                old.id
            );
        }
    }
    Ok(())
}

/// The reference host the batch's local images go through, when it has any.
fn reference_host(batch: &Batch, backend: &Backend) -> anyhow::Result<Option<ReferenceHost>> {
    let first_local = batch
        .jobs
        .iter()
        .find_map(|j| j.request.image_urls.iter().find_map(|u| local_file(u)));
    let Some(path) = first_local else {
        return Ok(None);
    };
    if let Some(sandbox) = &backend.sandbox {
        return Ok(Some(ReferenceHost::Sandbox {
            base: sandbox.base_url(),
        }));
    }
    match super::configured_host()? {
        Some((settings, secret)) => Ok(Some(ReferenceHost::S3(Box::new(
            S3Host::new(&settings, &secret).map_err(|e| invalid(e.to_string()))?,
        )))),
        None => Err(invalid(format!(
            "{} is a file on this computer, and the API only fetches links: set up reference hosting (README › Reference hosting), or add --sandbox. Nothing was sent.",
            path.display()
        ))),
    }
}

/// Whether a send was refused because the journal has the number already.
fn already_sent(e: &anyhow::Error) -> bool {
    matches!(
        e.downcast_ref::<EngineError>(),
        Some(EngineError::Journal(JournalError::AlreadySent { .. }))
    )
}

/// Journals one job under its number, then sends it (its local images hosted first).
async fn send(
    backend: &Backend,
    host: Option<&ReferenceHost>,
    batch_id: &str,
    job: &BatchJob,
    rates: &Rates,
) -> anyhow::Result<JobRecord> {
    let mut request = job.request.clone();
    if let Some(sandbox) = &backend.sandbox {
        for url in &mut request.image_urls {
            *url = sandbox.resolve_sample(url);
        }
    }
    if let Some(host) = host
        && request.image_urls.iter().any(|u| local_file(u).is_some())
    {
        host_local_references(&mut request, host).await?;
    }
    let submission = Submission {
        rate_micro_usd: Some(rates.per_image_micro_usd(request.model)),
        request,
        made_from: Vec::new(),
        agent: None,
    };
    let batch = BatchRef {
        id: batch_id.to_owned(),
        number: job.number,
    };
    match backend.engine.submit_in_batch(submission, batch) {
        Ok(job) => Ok(job),
        Err(EngineError::Invalid(p)) => Err(invalid(p.to_string())),
        Err(e) => Err(e.into()),
    }
}

/// Progress on stderr: a bar when stderr is a terminal, plain lines otherwise.
struct Progress {
    bar: Option<indicatif::ProgressBar>,
    total: u32,
    sandbox: bool,
    last_plain: Option<Counts>,
}

impl Progress {
    fn new(batch: &Batch, sandbox: bool) -> Progress {
        let total = u32::try_from(batch.jobs.len()).unwrap_or(u32::MAX);
        let bar = std::io::stderr().is_terminal().then(|| {
            let bar = indicatif::ProgressBar::with_draw_target(
                Some(u64::from(total)),
                indicatif::ProgressDrawTarget::stderr(),
            );
            if let Ok(style) = indicatif::ProgressStyle::with_template(
                "{bar:30} {pos}/{len} jobs ended · {msg} · {elapsed} (about {eta} left)",
            ) {
                bar.set_style(style);
            }
            bar
        });
        Progress {
            bar,
            total,
            sandbox,
            last_plain: None,
        }
    }

    fn show(&mut self, c: &Counts, spent: u64) {
        let money = if self.sandbox {
            format!("{} (sandbox)", format_usd(spent))
        } else {
            format!("{} spent", format_usd(spent))
        };
        let ended = c.done + c.failed + c.attention;
        let msg = format!(
            "{} done · {} in flight · {} waiting · {money}",
            c.done, c.in_flight, c.waiting
        );
        match &self.bar {
            Some(bar) => {
                bar.set_position(u64::from(ended));
                bar.set_message(msg);
            }
            // A plain line when a job is sent or ends, not for every image.
            None if self.last_plain.map(|l| Counts { images: 0, ..l })
                != Some(Counts { images: 0, ..*c }) =>
            {
                eprintln!("[{ended}/{}] {msg}", self.total);
                self.last_plain = Some(*c);
            }
            None => {}
        }
    }

    fn ended(&self, number: u32, job: &JobRecord) {
        let what = match job.state {
            JobState::Completed => format!("done, {} image(s)", job.results.len()),
            other => match &job.error {
                Some(err) => format!("{}: {}", other.label(), describe_error(err)),
                None => other.label().to_owned(),
            },
        };
        self.say(&format!("Job {number}: {what}"));
    }

    fn say(&self, line: &str) {
        match &self.bar {
            Some(bar) => bar.println(line),
            None => eprintln!("{line}"),
        }
    }

    fn finish(&self) {
        if let Some(bar) = &self.bar {
            bar.finish_and_clear();
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn out_names_sort_by_job_then_image() {
        assert_eq!(out_name(14, 0), "job00014-1.png");
        assert_eq!(out_name(3, 1), "job00003-2.png");
        let mut names = vec![out_name(10, 0), out_name(2, 1), out_name(2, 0)];
        names.sort();
        assert_eq!(
            names,
            ["job00002-1.png", "job00002-2.png", "job00010-1.png"]
        );
    }
}
