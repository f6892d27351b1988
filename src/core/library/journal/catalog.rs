//! The library side of the journal: full-text search over prompts (SQLite FTS5 with the trigram
//! tokenizer, so three letters of any script find a prompt, Chinese included), filters, stars and
//! ratings, lineage, and the spend ledger. The index is kept in step by triggers on every write and
//! built once when an older journal is first opened.

use rusqlite::{Connection, params};

use super::{JobId, JournalError, Parent};
use crate::core::api::pricing::Rates;
use crate::core::api::request::{GenerationRequest, Mode, Model};
use crate::core::api::server::Server;

/// The search index: prompts and negative prompts, any script, any 3 letters. It keeps no text of
/// its own (external content: the `prompt` and `negative` columns of `jobs`), and its rows are
/// keyed by `jobs.seq`, an explicit column (a table's implicit rowid may change under VACUUM), so
/// a search answers with the keys alone, without reading a single job.
pub(super) const CREATE_PROMPTS: &str = "CREATE VIRTUAL TABLE IF NOT EXISTS prompts USING fts5(
    prompt, negative, content = 'jobs', content_rowid = 'seq', tokenize = 'trigram'
);";

/// Fills the search index from the jobs (a new index, or one dropped as damaged).
pub(super) const FILL_PROMPTS: &str = "INSERT INTO prompts (prompts) VALUES ('rebuild');";

/// Keeps the index in step with every write of `jobs`.
pub(super) const PROMPT_TRIGGERS: &str = "
    CREATE TRIGGER IF NOT EXISTS prompts_insert AFTER INSERT ON jobs BEGIN
        INSERT INTO prompts (rowid, prompt, negative) VALUES (new.seq, new.prompt, new.negative);
    END;
    CREATE TRIGGER IF NOT EXISTS prompts_delete AFTER DELETE ON jobs BEGIN
        INSERT INTO prompts (prompts, rowid, prompt, negative)
            VALUES ('delete', old.seq, old.prompt, old.negative);
    END;
    CREATE TRIGGER IF NOT EXISTS prompts_update AFTER UPDATE OF seq, prompt, negative ON jobs BEGIN
        INSERT INTO prompts (prompts, rowid, prompt, negative)
            VALUES ('delete', old.seq, old.prompt, old.negative);
        INSERT INTO prompts (rowid, prompt, negative) VALUES (new.seq, new.prompt, new.negative);
    END;";

pub(super) fn rate(rates: &Rates, model: Model) -> i64 {
    i64::try_from(rates.per_image_micro_usd(model)).unwrap_or(i64::MAX)
}

/// A job row's `backend` is the sandbox's (what [`Server::from_key`] reads as the sandbox: not a
/// URL).
///
/// [`Server::from_key`]: crate::core::api::server::Server::from_key
pub(super) const SANDBOX_BACKEND: &str = "instr(backend, ':') = 0";

/// A text column read in place (no copy), `None` for NULL.
fn text_at<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<Option<&'r str>> {
    row.get_ref(i)?.as_str_or_null().map_err(|e| {
        rusqlite::Error::FromSqlConversionFailure(i, rusqlite::types::Type::Text, Box::new(e))
    })
}

/// Writes a completed job's images into the spend ledger (once per job).
pub(super) fn record_spend(
    conn: &Connection,
    job_id: &str,
    at: i64,
    images: usize,
) -> Result<(), JournalError> {
    let rates = Rates::default();
    conn.execute(
        &format!(
            "INSERT OR IGNORE INTO spend (job_id, at, model, images, micro_usd, sandbox)
             SELECT id, ?2, COALESCE(model, ''), ?3,
                    ?3 * COALESCE(rate_micro_usd, CASE model WHEN ?4 THEN ?5 ELSE ?6 END),
                    {SANDBOX_BACKEND}
             FROM jobs WHERE id = ?1"
        ),
        params![
            job_id,
            at,
            i64::try_from(images).unwrap_or(i64::MAX),
            Model::Pro.id(),
            rate(&rates, Model::Pro),
            rate(&rates, Model::Standard)
        ],
    )?;
    Ok(())
}

pub(super) fn parents_of(conn: &Connection, job_id: &str) -> Result<Vec<Parent>, JournalError> {
    let mut stmt = conn.prepare_cached(
        "SELECT slot, parent_job, parent_index FROM lineage WHERE job_id = ?1 ORDER BY slot",
    )?;
    let rows = stmt
        .query_map(params![job_id], |r| {
            Ok(Parent {
                slot: r.get(0)?,
                job_id: r.get(1)?,
                index: r.get(2)?,
            })
        })?
        .collect::<Result<Vec<_>, _>>()?;
    Ok(rows)
}

/// The kind of work a job is, as the library files it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum LibraryMode {
    TextToImage,
    Editing,
    RegionEdit,
    Series,
}

impl LibraryMode {
    pub const ALL: [LibraryMode; 4] = [
        LibraryMode::TextToImage,
        LibraryMode::Editing,
        LibraryMode::RegionEdit,
        LibraryMode::Series,
    ];

    pub fn of(request: &GenerationRequest) -> LibraryMode {
        match request.mode() {
            Mode::TextToImage => LibraryMode::TextToImage,
            Mode::Editing { .. } => LibraryMode::Editing,
            Mode::RegionEdit { .. } => LibraryMode::RegionEdit,
            Mode::GroupSeries => LibraryMode::Series,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            LibraryMode::TextToImage => "text",
            LibraryMode::Editing => "edit",
            LibraryMode::RegionEdit => "region",
            LibraryMode::Series => "series",
        }
    }

    pub fn parse(s: &str) -> Option<LibraryMode> {
        LibraryMode::ALL.into_iter().find(|m| m.as_str() == s)
    }

    /// As an artist reads it.
    pub fn label(self) -> &'static str {
        match self {
            LibraryMode::TextToImage => "Text to image",
            LibraryMode::Editing => "Editing",
            LibraryMode::RegionEdit => "Region edit",
            LibraryMode::Series => "Group series",
        }
    }
}

/// What the library is asked for. The default finds every result, newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LibraryQuery {
    /// Words that must all occur in the prompt or the negative prompt (any script, any case).
    pub text: String,
    pub model: Option<Model>,
    pub mode: Option<LibraryMode>,
    pub favourites: bool,
    /// Only results rated at least this (0: any).
    pub min_rating: u8,
    /// With (`Some(true)`) or without a colour palette.
    pub palette: Option<bool>,
    /// Made at or after this time (ms since the epoch).
    pub since_ms: Option<i64>,
    /// Made before this time.
    pub until_ms: Option<i64>,
    pub oldest_first: bool,
}

impl LibraryQuery {
    /// Whether this is the whole library.
    pub fn is_everything(&self) -> bool {
        LibraryQuery {
            oldest_first: self.oldest_first,
            ..LibraryQuery::default()
        } == *self
    }

    /// The WHERE clause (over `jobs j` and `results r`) and its arguments, for every filter but
    /// the words (those are [`super::Journal::text_hits`]'s).
    fn clause(&self) -> (String, Vec<rusqlite::types::Value>) {
        use rusqlite::types::Value;
        let mut terms = vec!["1 = 1".to_owned()];
        let mut args: Vec<Value> = Vec::new();
        let arg = |v: Value, args: &mut Vec<Value>| {
            args.push(v);
            format!("?{}", args.len())
        };
        if let Some(seed) = self.seed() {
            let p = arg(Value::Integer(seed), &mut args);
            terms.push(format!("j.seed = {p}"));
        }
        if let Some(batch) = self.batch() {
            let p = arg(Value::Text(batch.to_lowercase()), &mut args);
            terms.push(format!("substr(j.batch_id, 1, length({p})) = {p}"));
        }
        if let Some(model) = self.model {
            let p = arg(Value::Text(model.id().to_owned()), &mut args);
            terms.push(format!("j.model = {p}"));
        }
        if let Some(mode) = self.mode {
            let p = arg(Value::Text(mode.as_str().to_owned()), &mut args);
            terms.push(format!("j.mode = {p}"));
        }
        if self.favourites {
            terms.push("r.favourite = 1".to_owned());
        }
        if self.min_rating > 0 {
            let p = arg(Value::Integer(i64::from(self.min_rating)), &mut args);
            terms.push(format!("r.rating >= {p}"));
        }
        if let Some(palette) = self.palette {
            terms.push(format!("j.palette = {}", i32::from(palette)));
        }
        if let Some(since) = self.since_ms {
            let p = arg(Value::Integer(since), &mut args);
            terms.push(format!("j.created_at >= {p}"));
        }
        if let Some(until) = self.until_ms {
            let p = arg(Value::Integer(until), &mut args);
            terms.push(format!("j.created_at < {p}"));
        }
        (terms.join(" AND "), args)
    }
}

/// The words of a search, as they are looked for: words of three letters or more as one FTS5
/// query (each a quoted string: with the trigram tokenizer, a substring match), and shorter ones
/// (too short for a trigram) to be matched in memory against every prompt.
/// `seed:201` (or `seed=201`, any case) names a seed; anything else is a word.
fn seed_term(word: &str) -> Option<i64> {
    let (key, value) = word.split_once([':', '='])?;
    if !key.eq_ignore_ascii_case("seed") {
        return None;
    }
    value.parse().ok()
}

/// `batch:4584b180` (the whole id or its start, as `--status` prints it) names a batch.
fn batch_term(word: &str) -> Option<&str> {
    let (key, value) = word.split_once([':', '='])?;
    (key.eq_ignore_ascii_case("batch")
        && !value.is_empty()
        && value.chars().all(|c| c.is_ascii_hexdigit()))
    .then_some(value)
}

fn words(text: &str) -> (Option<String>, Vec<&str>) {
    let mut phrases = Vec::new();
    let mut short = Vec::new();
    for word in text.split_whitespace() {
        if word.chars().count() >= 3 {
            phrases.push(format!("\"{}\"", word.replace('"', "\"\"")));
        } else {
            short.push(word);
        }
    }
    ((!phrases.is_empty()).then(|| phrases.join(" AND ")), short)
}

/// One result as the gallery lists it: just what a tile draws. Details are read when it is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Found {
    pub job_id: JobId,
    pub index: u32,
    pub favourite: bool,
    pub rating: u8,
}

/// A job as the gallery keeps it for years: what a tile draws and what the filters test, nothing
/// more (about 300 bytes a job). The whole record is read from the journal when it is opened.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Shelved {
    /// The job's key in the search index (answers to a search name jobs by it).
    pub seq: i64,
    pub id: JobId,
    pub created_at_ms: i64,
    pub prompt: Box<str>,
    pub model: Model,
    pub mode: LibraryMode,
    /// Whether a colour palette steered it.
    pub palette: bool,
    /// How many images were asked for (a series may bring fewer).
    pub asked: u32,
    /// The seed it was sent with (what tells variations apart).
    pub seed: Option<u32>,
    /// Its size as an artist reads it (`16:9 1K`).
    pub size: Box<str>,
    /// The batch it is a job of, if any (`batch:ID` in the search finds them).
    pub batch: Option<Box<str>>,
    pub results: Vec<ShelvedResult>,
}

/// A result as the gallery keeps it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShelvedResult {
    pub index: u32,
    pub width: u32,
    pub height: u32,
    pub favourite: bool,
    pub rating: u8,
}

impl Shelved {
    pub fn of(job: &super::JobRecord) -> Shelved {
        Shelved {
            seq: job.seq,
            id: job.id.clone(),
            created_at_ms: job.created_at_ms,
            prompt: job.request.prompt.as_deref().unwrap_or_default().into(),
            model: job.request.model,
            mode: LibraryMode::of(&job.request),
            palette: job.request.color_palette.is_some(),
            asked: u32::try_from(job.request.n.max(1)).unwrap_or(1),
            seed: job.request.seed.and_then(|s| u32::try_from(s).ok()),
            size: job.request.size_label().into(),
            batch: job.batch.as_ref().map(|b| b.id.as_str().into()),
            results: job
                .results
                .iter()
                .map(|r| ShelvedResult {
                    index: r.index,
                    width: r.width,
                    height: r.height,
                    favourite: r.favourite,
                    rating: r.rating,
                })
                .collect(),
        }
    }

    pub fn is_series(&self) -> bool {
        self.mode == LibraryMode::Series
    }

    /// What a caption compares of it with its neighbours.
    pub fn traits(&self) -> crate::core::variation::Traits<'_> {
        crate::core::variation::Traits {
            prompt: &self.prompt,
            model: self.model,
            size: &self.size,
            palette: self.palette,
        }
    }
}

impl LibraryQuery {
    /// Whether a result passes every filter but the words (those are the index's to answer:
    /// [`super::Journal::text_hits`]). The same rules as [`super::Journal::search`].
    pub fn admits(&self, job: &Shelved, result: &ShelvedResult) -> bool {
        self.seed()
            .is_none_or(|s| job.seed.is_some_and(|j| i64::from(j) == s))
            && self.batch().is_none_or(|b| {
                job.batch
                    .as_deref()
                    .is_some_and(|id| id.starts_with(&b.to_lowercase()))
            })
            && self.model.is_none_or(|m| m == job.model)
            && self.mode.is_none_or(|m| m == job.mode)
            && (!self.favourites || result.favourite)
            && result.rating >= self.min_rating
            && self.palette.is_none_or(|p| p == job.palette)
            && self.since_ms.is_none_or(|t| job.created_at_ms >= t)
            && self.until_ms.is_none_or(|t| job.created_at_ms < t)
    }

    /// Whether words are asked for (a `seed:N` term is not a word: it is a filter).
    pub fn has_text(&self) -> bool {
        !self.words().trim().is_empty()
    }

    /// The text's words, without its `seed:N` terms: what the prompts are searched for.
    pub fn words(&self) -> String {
        self.text
            .split_whitespace()
            .filter(|w| seed_term(w).is_none() && batch_term(w).is_none())
            .collect::<Vec<_>>()
            .join(" ")
    }

    /// The batch a `batch:ID` term asks for (its id or the start of it; the last, if several).
    pub fn batch(&self) -> Option<&str> {
        self.text.split_whitespace().rev().find_map(batch_term)
    }

    /// The seed a `seed:N` term in the text asks for (the last one, if several).
    pub fn seed(&self) -> Option<i64> {
        self.text.split_whitespace().rev().find_map(seed_term)
    }
}

/// Which of the two spend ledgers: what the API was paid, or what the sandbox's results would have
/// cost there.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Ledger {
    Api,
    Sandbox,
}

impl Ledger {
    /// The ledger a server's jobs are counted in.
    pub fn of(server: &Server) -> Ledger {
        if server.is_sandbox() {
            Ledger::Sandbox
        } else {
            Ledger::Api
        }
    }
}

/// Spend per period: (period, images, micro-dollars), newest first.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Spend {
    /// The sandbox's ledger (what its results would have cost), not the API's.
    pub sandbox: bool,
    pub images: u64,
    pub micro_usd: u64,
    /// `2026-11-24` → images, micro-dollars (local days).
    pub by_day: Vec<(String, u64, u64)>,
    /// `2026-11` → images, micro-dollars (local months).
    pub by_month: Vec<(String, u64, u64)>,
}

impl Spend {
    /// What the month of `at_ms` (local time) has cost so far.
    pub fn month_of(&self, at_ms: i64) -> u64 {
        let month = local_month(at_ms);
        self.by_month
            .iter()
            .find(|(m, _, _)| *m == month)
            .map_or(0, |&(_, _, micro)| micro)
    }
}

/// `YYYY-MM-DD` of a time in the local time zone.
pub fn local_day(at_ms: i64) -> String {
    jiff::Timestamp::from_millisecond(at_ms).map_or_else(
        |_| "unknown".to_owned(),
        |t| t.to_zoned(jiff::tz::TimeZone::system()).date().to_string(),
    )
}

/// The local day a time falls on, as [`local_day`] names it, with the span of times (ms) that
/// fall on it too; a time jiff cannot place spans itself alone.
fn day_span(tz: &jiff::tz::TimeZone, at_ms: i64) -> (std::ops::Range<i64>, String) {
    let alone = at_ms..at_ms.saturating_add(1);
    let Ok(t) = jiff::Timestamp::from_millisecond(at_ms) else {
        return (alone, "unknown".to_owned());
    };
    let date = t.to_zoned(tz.clone()).date();
    let start_of = |d: jiff::civil::Date| {
        d.to_zoned(tz.clone())
            .ok()
            .map(|z| z.timestamp().as_millisecond())
    };
    let span = match (start_of(date), date.tomorrow().ok().and_then(start_of)) {
        (Some(start), Some(end)) if start <= at_ms && at_ms < end => start..end,
        _ => alone,
    };
    (span, date.to_string())
}

/// `YYYY-MM` of a time in the local time zone.
pub fn local_month(at_ms: i64) -> String {
    local_day(at_ms).get(..7).unwrap_or("unknown").to_owned()
}

/// The local day a time falls on.
pub fn local_date(at_ms: i64) -> Option<jiff::civil::Date> {
    let t = jiff::Timestamp::from_millisecond(at_ms).ok()?;
    Some(t.to_zoned(jiff::tz::TimeZone::system()).date())
}

/// Local midnight at the start of a day, in ms since the epoch.
pub fn local_midnight_ms(day: jiff::civil::Date) -> Option<i64> {
    let zoned = day.to_zoned(jiff::tz::TimeZone::system()).ok()?;
    Some(zoned.timestamp().as_millisecond())
}

impl super::Journal {
    /// The results a query finds, in gallery order: jobs newest (or oldest) first, each job's
    /// results in their own order, so a series stays together and reads in order.
    pub fn search(&self, query: &LibraryQuery) -> Result<Vec<Found>, JournalError> {
        // The words first (the index and the in-memory prompts), then the filters in SQL.
        let hits = if query.has_text() {
            Some(self.text_hits(&query.words())?)
        } else {
            None
        };
        let (clause, args) = query.clause();
        let order = if query.oldest_first { "ASC" } else { "DESC" };
        let conn = self.conn();
        let mut stmt = conn.prepare(&format!(
            "SELECT r.job_id, r.idx, r.favourite, r.rating, j.seq FROM results r JOIN jobs j ON j.id = r.job_id
             WHERE {clause} ORDER BY j.created_at {order}, j.rowid {order}, r.idx ASC"
        ))?;
        let mut found = Vec::new();
        let mut rows = stmt.query(rusqlite::params_from_iter(args))?;
        while let Some(r) = rows.next()? {
            let seq: i64 = r.get(4)?;
            if hits.as_ref().is_some_and(|h| !h.contains(&seq)) {
                continue;
            }
            found.push(Found {
                job_id: r.get(0)?,
                index: r.get(1)?,
                favourite: r.get(2)?,
                rating: r.get(3)?,
            });
        }
        Ok(found)
    }

    /// Every job with a result, newest first, as the gallery keeps it.
    pub fn shelf(&self) -> Result<Vec<Shelved>, JournalError> {
        let conn = self.conn();
        // Both tables read straight through (an index walk would look every row up), the jobs
        // put in gallery order here, and each result placed by its job's position.
        let mut jobs: Vec<((i64, i64), Shelved)> = Vec::new();
        let mut stmt = conn.prepare(
            "SELECT seq, id, created_at, model, mode, palette, prompt, asked, rowid, seed, size, batch_id FROM jobs",
        )?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let id: JobId = r.get(1)?;
            let order = (r.get(2)?, r.get(8)?);
            jobs.push((
                order,
                Shelved {
                    seq: r.get(0)?,
                    id,
                    created_at_ms: r.get(2)?,
                    model: text_at(r, 3)?
                        .and_then(Model::from_id)
                        .unwrap_or(Model::Standard),
                    mode: text_at(r, 4)?
                        .and_then(LibraryMode::parse)
                        .unwrap_or(LibraryMode::TextToImage),
                    palette: r.get(5)?,
                    prompt: text_at(r, 6)?.unwrap_or_default().into(),
                    asked: u32::try_from(r.get::<_, i64>(7)?.max(1)).unwrap_or(1),
                    seed: r
                        .get::<_, Option<i64>>(9)?
                        .and_then(|s| u32::try_from(s).ok()),
                    size: text_at(r, 10)?.unwrap_or_default().into(),
                    batch: text_at(r, 11)?.map(Into::into),
                    results: Vec::new(),
                },
            ));
        }
        // Newest first; the same moment in the order the journal took them.
        jobs.sort_unstable_by_key(|j| std::cmp::Reverse(j.0));
        let mut shelved: Vec<Shelved> = jobs.into_iter().map(|(_, job)| job).collect();
        let at: std::collections::HashMap<&str, usize> = shelved
            .iter()
            .enumerate()
            .map(|(i, j)| (j.id.as_str(), i))
            .collect();
        let mut placed: Vec<(usize, ShelvedResult)> = Vec::new();
        let mut stmt =
            conn.prepare("SELECT job_id, idx, width, height, favourite, rating FROM results")?;
        let mut rows = stmt.query([])?;
        while let Some(r) = rows.next()? {
            let Some(&i) = text_at(r, 0)?.and_then(|id| at.get(id)) else {
                continue;
            };
            placed.push((
                i,
                ShelvedResult {
                    index: r.get(1)?,
                    width: r.get(2)?,
                    height: r.get(3)?,
                    favourite: r.get(4)?,
                    rating: r.get(5)?,
                },
            ));
        }
        drop(at);
        for (i, result) in placed {
            shelved[i].results.push(result);
        }
        for job in &mut shelved {
            job.results.sort_unstable_by_key(|r| r.index);
        }
        shelved.retain(|j| !j.results.is_empty());
        Ok(shelved)
    }

    /// The jobs (by [`Shelved::seq`]) whose prompt or negative prompt holds every word of `text`
    /// (any script, any case), in no particular order. Words of three letters or more are the
    /// index's to answer; shorter ones are matched against the prompts held in memory.
    pub fn text_hits(&self, text: &str) -> Result<std::collections::HashSet<i64>, JournalError> {
        let (phrases, short) = words(text);
        let indexed = || -> Result<std::collections::HashSet<i64>, JournalError> {
            let Some(phrases) = &phrases else {
                return Ok(std::collections::HashSet::new());
            };
            let conn = self.conn();
            let hits = conn
                .prepare_cached("SELECT rowid FROM prompts WHERE prompts MATCH ?1")?
                .query_map([phrases], |r| r.get::<_, i64>(0))?
                .collect::<Result<_, _>>()?;
            Ok(hits)
        };
        let long = match indexed() {
            Err(JournalError::Sql(e))
                if e.sqlite_error_code() == Some(rusqlite::ErrorCode::DatabaseCorrupt) =>
            {
                tracing::warn!("the search index was damaged ({e}); rebuilding it");
                self.rebuild_index()?;
                indexed()?
            }
            other => other?,
        };
        if short.is_empty() {
            return Ok(long);
        }
        let conn = self.conn();
        let mut corpus = self
            .corpus
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        corpus.refresh(&conn)?;
        let mut hits = corpus.hits(&short);
        if phrases.is_some() {
            hits.retain(|seq| long.contains(seq));
        }
        Ok(hits)
    }

    /// Reads the prompts the short-word search keeps in memory, so the first one-letter search
    /// answers as fast as the next (the engine calls it once the library is listed).
    ///
    /// It reads a few thousand jobs at a time, letting go of the connection in between, so a
    /// write that comes meanwhile (a submit's record, a finished task) waits milliseconds, not
    /// the whole read.
    pub fn warm_text_search(&self) -> Result<(), JournalError> {
        const PART: usize = 4096;
        loop {
            let conn = self.conn();
            let done = self
                .corpus
                .lock()
                .unwrap_or_else(std::sync::PoisonError::into_inner)
                .read_on(&conn, Some(PART))?;
            if done {
                return Ok(());
            }
        }
    }

    /// Drops the search index and builds a new one from the jobs.
    fn rebuild_index(&self) -> Result<(), JournalError> {
        let conn = self.write_conn()?;
        let tx = conn.unchecked_transaction()?;
        tx.execute_batch("DROP TABLE IF EXISTS prompts;")?;
        tx.execute_batch(CREATE_PROMPTS)?;
        tx.execute_batch(FILL_PROMPTS)?;
        tx.commit()?;
        Ok(())
    }

    /// The ids of the jobs with a result the query finds (newest first), for `history`.
    pub fn search_jobs(&self, query: &LibraryQuery) -> Result<Vec<JobId>, JournalError> {
        let mut seen = std::collections::HashSet::new();
        Ok(self
            .search(query)?
            .into_iter()
            .filter_map(|f| seen.insert(f.job_id.clone()).then_some(f.job_id))
            .collect())
    }

    /// The jobs made with a result of this job as a reference: (child job, which result).
    pub fn used_in(&self, job_id: &str) -> Result<Vec<(JobId, u32)>, JournalError> {
        let conn = self.conn();
        let mut stmt = conn.prepare_cached(
            "SELECT l.job_id, l.parent_index FROM lineage l JOIN jobs j ON j.id = l.job_id
             WHERE l.parent_job = ?1 ORDER BY j.created_at, j.rowid",
        )?;
        let rows = stmt
            .query_map(params![job_id], |r| Ok((r.get(0)?, r.get(1)?)))?
            .collect::<Result<Vec<_>, _>>()?;
        Ok(rows)
    }

    /// What the library has cost on the API, by local day and month and in all; for the sandbox's
    /// ledger, what its results would have cost there (nothing was paid for them).
    pub fn spend(&self, ledger: Ledger) -> Result<Spend, JournalError> {
        let sandbox = ledger == Ledger::Sandbox;
        let conn = self.conn();
        let mut stmt = conn.prepare(
            "SELECT at, images, micro_usd FROM spend WHERE sandbox = ?1 ORDER BY at DESC",
        )?;
        let mut spend = Spend {
            sandbox,
            ..Spend::default()
        };
        let rows = stmt.query_map([sandbox], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, i64>(1)?,
                r.get::<_, i64>(2)?,
            ))
        })?;
        let tz = jiff::tz::TimeZone::system();
        // The rows come newest first: each local day is worked out once, and its span reused.
        let mut day: Option<(std::ops::Range<i64>, String)> = None;
        for row in rows {
            let (at, images, micro) = row?;
            let (images, micro) = (
                u64::try_from(images).unwrap_or(0),
                u64::try_from(micro).unwrap_or(0),
            );
            spend.images += images;
            spend.micro_usd += micro;
            if !day.as_ref().is_some_and(|(span, _)| span.contains(&at)) {
                day = Some(day_span(&tz, at));
            }
            let key = day.as_ref().map_or("unknown", |(_, key)| key.as_str());
            let month = key.get(..7).unwrap_or("unknown");
            for (key, list) in [(key, &mut spend.by_day), (month, &mut spend.by_month)] {
                match list.last_mut() {
                    Some((k, i, m)) if k == key => {
                        *i += images;
                        *m += micro;
                    }
                    _ => list.push((key.to_owned(), images, micro)),
                }
            }
        }
        Ok(spend)
    }

    /// The schema version on disk.
    pub fn version(&self) -> Result<i64, JournalError> {
        Ok(self
            .conn()
            .query_row("PRAGMA user_version", [], |r| r.get(0))?)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_day_s_span_holds_exactly_the_times_of_that_local_day() {
        // Central Europe, with its clock changes (days of 23 and 25 hours), and UTC.
        for tz in [
            jiff::tz::TimeZone::posix("CET-1CEST,M3.5.0,M10.5.0/3").unwrap(),
            jiff::tz::TimeZone::UTC,
        ] {
            let day_of = |at: i64| {
                jiff::Timestamp::from_millisecond(at)
                    .unwrap()
                    .to_zoned(tz.clone())
                    .date()
                    .to_string()
            };
            // 2026-01-01 00:00 UTC, then every 37 minutes for a year.
            let first = 1_767_225_600_000_i64;
            for step in 0..14_300 {
                let at = first + step * 37 * 60_000;
                let (span, key) = day_span(&tz, at);
                assert_eq!(key, day_of(at), "at {at}");
                assert!(span.contains(&at));
                assert_eq!(day_of(span.start), key, "the span starts on that day");
                assert_eq!(day_of(span.end - 1), key, "and ends on it");
                assert_ne!(day_of(span.end), key, "up to the next day");
                let hours = (span.end - span.start) / 3_600_000;
                assert!((23..=25).contains(&hours), "{key}: {hours} h");
            }
        }
        assert_eq!(
            day_span(&jiff::tz::TimeZone::UTC, i64::MAX).1,
            "unknown",
            "a time jiff cannot place"
        );
    }
}
