//! The library: full-text search and filters over a generated journal, the index kept in step
//! through insert, delete and rebuild, an older journal gaining its index, stars and ratings,
//! lineage end to end through the sandbox, and the spend ledger.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use wan_studio::core::api::request::{GenerationRequest, Model};
use wan_studio::core::api::server::Server;
use wan_studio::core::engine::Submission;
use wan_studio::core::library::journal::{
    JobId, JobRecord, JobState, Journal, Ledger, LibraryMode, LibraryQuery, Parent, ResultRecord,
};
use wan_studio::core::palette::Palette;
use wan_studio::core::settings::Paths;

const DAY: i64 = 86_400_000;
/// 2026-06-15 12:00 UTC: far from any day boundary in any time zone's noon.
const BASE: i64 = 1_781_524_800_000;

fn request(model: Model, prompt: &str, refs: usize, boxes: bool, group: bool) -> GenerationRequest {
    let mut r = GenerationRequest::new(model);
    r.prompt = Some(prompt.to_owned());
    r.image_urls = (0..refs)
        .map(|i| format!("https://example.com/{i}.png"))
        .collect();
    if boxes {
        r.bbox_list = Some(vec![vec![[1, 2, 30, 40]]; refs]);
    }
    if group {
        r.enable_sequential = Some(true);
        r.n = 4;
    }
    r
}

/// Puts a finished job with `results` images into the journal, made `days_ago` before BASE.
fn put(j: &Journal, req: GenerationRequest, days_ago: i64, results: u32) -> JobRecord {
    let mut job = JobRecord::new(Server::Sandbox, req);
    job.created_at_ms = BASE - days_ago * DAY;
    job.state = JobState::Completed;
    j.insert(&job).unwrap();
    let urls: Vec<String> = (0..results).map(|i| format!("https://x/{i}.png")).collect();
    j.set_result_urls(&job.id, &urls).unwrap();
    for index in 0..results {
        let r = ResultRecord {
            job_id: job.id.clone(),
            index,
            path: j
                .paths()
                .home
                .join(format!("library/{}/{index}.png", job.id)),
            thumbnail: j
                .paths()
                .home
                .join(format!("thumbnails/{}/{index}.png", job.id)),
            width: 64,
            height: 64,
            favourite: false,
            rating: 0,
        };
        j.add_result(&r).unwrap();
        job.results.push(r);
    }
    job
}

/// FTS5's own check of the search index (for an external-content index, against the jobs too).
fn integrity(db: &rusqlite::Connection) -> bool {
    db.execute(
        "INSERT INTO prompts(prompts, rank) VALUES ('integrity-check', 1)",
        [],
    )
    .is_ok()
}

fn tiny_png() -> Vec<u8> {
    let img = image::RgbaImage::from_pixel(8, 8, image::Rgba([200, 100, 50, 255]));
    wan_studio::core::imaging::encode_png(&img, &[]).unwrap()
}

fn ids(found: &[wan_studio::core::library::journal::Found]) -> Vec<(JobId, u32)> {
    found.iter().map(|f| (f.job_id.clone(), f.index)).collect()
}

fn query() -> LibraryQuery {
    LibraryQuery::default()
}

/// A small library with one job of each kind.
struct Library {
    _home: tempfile::TempDir,
    j: Journal,
    fox: JobRecord,
    shop: JobRecord,
    edit: JobRecord,
    region: JobRecord,
    series: JobRecord,
    neg: JobRecord,
    pal: JobRecord,
}

fn generated() -> Library {
    let home = tempfile::tempdir().unwrap();
    let j = Journal::open(&Paths::new(home.path())).unwrap();
    let fox = put(
        &j,
        request(Model::Standard, "A red FOX in the snow", 0, false, false),
        1,
        1,
    );
    let shop = put(
        &j,
        request(
            Model::Pro,
            "一间有着精致窗户的花店 — a flower shop",
            0,
            false,
            false,
        ),
        3,
        1,
    );
    let edit = put(
        &j,
        request(Model::Standard, "make the fox blue", 1, false, false),
        10,
        1,
    );
    let region = put(
        &j,
        request(Model::Pro, "replace the sky", 2, true, false),
        20,
        1,
    );
    let series = put(
        &j,
        request(Model::Pro, "a fox's day, four moments", 0, false, true),
        40,
        4,
    );
    let mut neg = request(Model::Standard, "a quiet street", 0, false, false);
    neg.negative_prompt = Some("no foxes, no cars".to_owned());
    let mut pal = request(Model::Standard, "a poster", 0, false, false);
    pal.color_palette = Some(Palette::default().to_entries());
    let neg = put(&j, neg, 50, 1);
    let pal = put(&j, pal, 60, 2);
    j.set_favourite(&shop.id, 0, true).unwrap();
    j.set_favourite(&series.id, 2, true).unwrap();
    j.set_rating(&series.id, 2, 4).unwrap();
    j.set_rating(&fox.id, 0, 2).unwrap();
    Library {
        _home: home,
        j,
        fox,
        shop,
        edit,
        region,
        series,
        neg,
        pal,
    }
}

#[test]
fn search_finds_words_in_any_script_and_case_in_order() {
    let Library {
        j,
        fox,
        shop,
        edit,
        series,
        neg,
        pal,
        ..
    } = &generated();
    let all = j.search(&query()).unwrap();
    assert_eq!(all.len(), 11, "every result");
    // Newest first; a series reads in order.
    assert_eq!(all[0].job_id, fox.id);
    let series_order: Vec<u32> = all
        .iter()
        .filter(|f| f.job_id == series.id)
        .map(|f| f.index)
        .collect();
    assert_eq!(series_order, vec![0, 1, 2, 3]);
    let oldest = j
        .search(&LibraryQuery {
            oldest_first: true,
            ..query()
        })
        .unwrap();
    assert_eq!(oldest[0].job_id, pal.id);

    let text = |t: &str| {
        j.search(&LibraryQuery {
            text: t.into(),
            ..query()
        })
        .unwrap()
    };
    // Three letters, any case, prompt or negative prompt.
    let foxes: Vec<JobId> = text("fox").into_iter().map(|f| f.job_id).collect();
    for job in [&fox, &edit, &series, &neg] {
        assert!(
            foxes.contains(&job.id),
            "'fox' finds {}",
            job.request.prompt.as_deref().unwrap_or("")
        );
    }
    assert!(!foxes.contains(&shop.id));
    // Chinese, found by three characters of the middle of a prompt.
    assert_eq!(ids(&text("精致窗")), vec![(shop.id.clone(), 0)]);
    // Two characters (below a trigram) still work.
    assert_eq!(ids(&text("花店")), vec![(shop.id.clone(), 0)]);
    // Every word must be there.
    assert_eq!(ids(&text("fox blue")), vec![(edit.id.clone(), 0)]);
    assert!(text("fox zebra").is_empty());
    // Quotes and FTS syntax are plain text.
    assert!(text("\"fox").iter().all(|f| f.job_id != shop.id));
    assert!(text("fox's").iter().any(|f| f.job_id == series.id));
    assert!(text("AND OR NOT").is_empty());
}

#[test]
fn every_filter_alone_and_together() {
    let Library {
        j,
        shop,
        edit,
        region,
        series,
        pal,
        ..
    } = &generated();
    let modes = |m| {
        j.search(&LibraryQuery {
            mode: Some(m),
            ..query()
        })
        .unwrap()
    };
    assert_eq!(
        ids(&modes(LibraryMode::Editing)),
        vec![(edit.id.clone(), 0)]
    );
    assert_eq!(
        ids(&modes(LibraryMode::RegionEdit)),
        vec![(region.id.clone(), 0)]
    );
    assert_eq!(modes(LibraryMode::Series).len(), 4);
    assert_eq!(modes(LibraryMode::TextToImage).len(), 5);

    let pro = j
        .search(&LibraryQuery {
            model: Some(Model::Pro),
            ..query()
        })
        .unwrap();
    assert_eq!(pro.len(), 6);
    let starred = j
        .search(&LibraryQuery {
            favourites: true,
            ..query()
        })
        .unwrap();
    assert_eq!(
        ids(&starred),
        vec![(shop.id.clone(), 0), (series.id.clone(), 2)]
    );
    let rated = j
        .search(&LibraryQuery {
            min_rating: 3,
            ..query()
        })
        .unwrap();
    assert_eq!(ids(&rated), vec![(series.id.clone(), 2)]);
    let with_palette = j
        .search(&LibraryQuery {
            palette: Some(true),
            ..query()
        })
        .unwrap();
    assert_eq!(with_palette.len(), 2);
    assert!(with_palette.iter().all(|f| f.job_id == pal.id));
    let without = j
        .search(&LibraryQuery {
            palette: Some(false),
            ..query()
        })
        .unwrap();
    assert_eq!(without.len(), 9);
    // Made 5 to 30 days before BASE: the edit and the region edit.
    let dated = j
        .search(&LibraryQuery {
            since_ms: Some(BASE - 30 * DAY),
            until_ms: Some(BASE - 5 * DAY),
            ..query()
        })
        .unwrap();
    assert_eq!(
        ids(&dated),
        vec![(edit.id.clone(), 0), (region.id.clone(), 0)]
    );

    // Together: Pro, with "fox", starred, rated 4+, in the last 45 days → one series panel.
    let together = j
        .search(&LibraryQuery {
            text: "fox".into(),
            model: Some(Model::Pro),
            mode: Some(LibraryMode::Series),
            favourites: true,
            min_rating: 4,
            palette: Some(false),
            since_ms: Some(BASE - 45 * DAY),
            until_ms: None,
            oldest_first: false,
        })
        .unwrap();
    assert_eq!(ids(&together), vec![(series.id.clone(), 2)]);
    assert_eq!(together[0].rating, 4);
    assert!(together[0].favourite);
    assert_eq!(
        j.search_jobs(&LibraryQuery {
            text: "fox".into(),
            ..query()
        })
        .unwrap()
        .len(),
        4
    );
}

#[test]
fn the_index_follows_insert_delete_and_a_rebuild_and_marks_survive_a_re_add() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    let j = Journal::open(&paths).unwrap();
    let find = |j: &Journal, t: &str| {
        j.search(&LibraryQuery {
            text: t.into(),
            ..query()
        })
        .unwrap()
        .len()
    };
    let a = put(
        &j,
        request(Model::Standard, "lighthouse at dusk", 0, false, false),
        1,
        1,
    );
    assert_eq!(find(&j, "lighthouse"), 1);
    j.set_favourite(&a.id, 0, true).unwrap();
    // A resume records the result again: the star stays.
    j.add_result(&a.results[0]).unwrap();
    assert!(j.get(&a.id).unwrap().unwrap().results[0].favourite);
    j.delete(&a.id).unwrap();
    assert_eq!(find(&j, "lighthouse"), 0, "a deleted job leaves the index");
    let count: i64 = rusqlite::Connection::open(paths.journal())
        .unwrap()
        .query_row("SELECT count(*) FROM prompts", [], |r| r.get(0))
        .unwrap();
    assert_eq!(count, 0);

    // A rebuild from the library's images brings the prompts back into the index.
    let job = JobRecord::new(
        Server::Sandbox,
        request(Model::Pro, "harbour in fog", 0, false, false),
    );
    j.insert(&job).unwrap();
    wan_studio::core::library::store_result(&paths, &job, 0, &tiny_png()).unwrap();
    drop(j);
    std::fs::write(paths.journal(), b"this is not a database").unwrap();
    let repaired = wan_studio::core::library::repair(&paths).unwrap();
    assert_eq!(repaired.results, 1);
    let j = Journal::open(&paths).unwrap();
    assert_eq!(find(&j, "harbour"), 1);
    // What the rebuilt job cost is in the ledger again (the sandbox's: it ran there).
    assert_eq!(j.spend(Ledger::Sandbox).unwrap().images, 1);
    assert_eq!(j.spend(Ledger::Api).unwrap().images, 0);
}

#[test]
fn short_words_follow_inserts_deletes_a_reused_key_and_another_process() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    let j = Journal::open(&paths).unwrap();
    let find = |j: &Journal, t: &str| {
        let mut ids: Vec<(JobId, u32)> = ids(&j
            .search(&LibraryQuery {
                text: t.into(),
                ..query()
            })
            .unwrap());
        ids.sort();
        ids
    };
    let a = put(
        &j,
        request(Model::Standard, "Harbour at dusk", 0, false, false),
        1,
        1,
    );
    let b = put(
        &j,
        request(Model::Pro, "moon over 花店", 0, false, false),
        1,
        1,
    );
    j.warm_text_search().unwrap();
    assert_eq!(find(&j, "ha"), vec![(a.id.clone(), 0)]);
    assert_eq!(find(&j, "花"), vec![(b.id.clone(), 0)]);
    // Short and long words together: both must hold.
    assert_eq!(find(&j, "ha dusk"), vec![(a.id.clone(), 0)]);
    assert!(find(&j, "ha moon").is_empty());
    // The newest job deleted, and the next one takes its key: its own words, not the old ones.
    j.delete(&b.id).unwrap();
    assert!(find(&j, "花").is_empty());
    let c = put(
        &j,
        request(Model::Standard, "hat shop", 0, false, false),
        1,
        1,
    );
    assert!(
        find(&j, "花").is_empty(),
        "the deleted job's words are gone"
    );
    let mut both = vec![(a.id.clone(), 0), (c.id.clone(), 0)];
    both.sort();
    assert_eq!(find(&j, "HA"), both);
    // Another process (the command line) adds a job: found here too.
    let other = Journal::open(&paths).unwrap();
    let d = put(
        &other,
        request(Model::Standard, "zebra 花", 0, false, false),
        1,
        1,
    );
    assert_eq!(find(&j, "花"), vec![(d.id.clone(), 0)]);
    other.delete(&d.id).unwrap();
    assert!(find(&j, "花").is_empty());
}

#[test]
fn a_damaged_search_index_is_rebuilt_not_a_reason_to_refuse_the_journal() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    let j = Journal::open(&paths).unwrap();
    for k in 0..40 {
        put(
            &j,
            request(
                Model::Standard,
                &format!("lantern market {k} 花店"),
                0,
                false,
                false,
            ),
            1,
            1,
        );
    }
    drop(j);
    // Scribble over the index's own pages (the jobs are untouched).
    let db = rusqlite::Connection::open(paths.journal()).unwrap();
    db.execute(
        "UPDATE prompts_data SET block = randomblob(length(block)) WHERE id > 10",
        [],
    )
    .unwrap();
    assert!(!integrity(&db), "the index is damaged");
    drop(db);
    let j = Journal::open(&paths).expect("the jobs are sound: the journal opens");
    let found = j
        .search(&LibraryQuery {
            text: "lantern 花店".into(),
            ..query()
        })
        .unwrap();
    assert_eq!(found.len(), 40, "the index was rebuilt from the jobs");
    assert_eq!(j.list().unwrap().len(), 40);
    drop(j);
    assert!(integrity(
        &rusqlite::Connection::open(paths.journal()).unwrap()
    ));
}

#[test]
fn an_older_journal_gains_its_index_and_spend_on_first_open() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    std::fs::create_dir_all(&paths.home).unwrap();
    {
        // The first version's schema, as an existing library has it.
        let c = rusqlite::Connection::open(paths.journal()).unwrap();
        c.execute_batch(
            "CREATE TABLE jobs (id TEXT PRIMARY KEY, created_at INTEGER NOT NULL, updated_at INTEGER NOT NULL,
                backend TEXT NOT NULL, request TEXT NOT NULL, state TEXT NOT NULL, task_id TEXT, remote_status TEXT,
                error TEXT, result_urls TEXT NOT NULL DEFAULT '[]', submitted_at INTEGER, finished_at INTEGER,
                dismissed INTEGER NOT NULL DEFAULT 0, retry_of TEXT);
             CREATE TABLE results (job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, idx INTEGER NOT NULL,
                path TEXT NOT NULL, thumbnail TEXT NOT NULL, width INTEGER NOT NULL, height INTEGER NOT NULL,
                PRIMARY KEY (job_id, idx));",
        )
        .unwrap();
        for (id, backend, model, prompt, urls) in [
            (
                "old1",
                "https://api.reapi.example/",
                "wan2.7-image-pro",
                "an old castle on a hill",
                r#"["u1","u2"]"#,
            ),
            (
                "old2",
                "sandbox",
                "wan2.7-image",
                "a cat asleep",
                r#"["u1"]"#,
            ),
            ("old3", "sandbox", "wan2.7-image", "a failed try", "[]"),
        ] {
            c.execute(
                "INSERT INTO jobs (id, created_at, updated_at, backend, request, state, result_urls, finished_at)
                 VALUES (?1, ?2, ?2, ?5, ?3, 'completed', ?4, ?2)",
                rusqlite::params![id, BASE, format!(r#"{{"model":"{model}","prompt":"{prompt}","n":1}}"#), urls, backend],
            )
            .unwrap();
            c.execute(
                "INSERT INTO results VALUES (?1, 0, 'library/x.png', 'thumbnails/x.png', 10, 10)",
                rusqlite::params![id],
            )
            .unwrap();
        }
    }
    let j = Journal::open(&paths).unwrap();
    assert_eq!(j.version().unwrap(), 8);
    let found = j
        .search(&LibraryQuery {
            text: "castle".into(),
            ..query()
        })
        .unwrap();
    assert_eq!(ids(&found), vec![("old1".into(), 0)]);
    let pro = j
        .search(&LibraryQuery {
            model: Some(Model::Pro),
            ..query()
        })
        .unwrap();
    assert_eq!(pro.len(), 1);
    // Spend from what finished, at the published rates: 2 Pro images on the API, and apart
    // from them 1 Standard in the sandbox (nothing paid).
    let spend = j.spend(Ledger::Api).unwrap();
    assert_eq!(spend.images, 2);
    assert_eq!(spend.micro_usd, 2 * 75_000);
    let sandbox = j.spend(Ledger::Sandbox).unwrap();
    assert!(sandbox.sandbox);
    assert_eq!((sandbox.images, sandbox.micro_usd), (1, 30_000));
    drop(j);
    // A second open changes nothing.
    let j = Journal::open(&paths).unwrap();
    assert_eq!(j.spend(Ledger::Api).unwrap().images, 2);
    assert_eq!(j.spend(Ledger::Sandbox).unwrap().images, 1);
    assert_eq!(j.search(&query()).unwrap().len(), 3);
}

/// What version 7 added (batches), taken away: the first step of every way back.
/// Version 8 undone: no agent column.
const UNDO_V8: &str = "ALTER TABLE jobs DROP COLUMN agent;";

/// Versions 8 and 7 undone (back to version 6): no agent, no batches.
const UNDO_V7: &str = "ALTER TABLE jobs DROP COLUMN agent;
     DROP INDEX jobs_batch_number; ALTER TABLE jobs DROP COLUMN batch_id;
     ALTER TABLE jobs DROP COLUMN batch_job; DROP TABLE batches; DROP TABLE batch_sent;";

/// Back to version 2 as the last release left it: the search index kept its own copy of the
/// prompts, keyed by job id, kept by triggers on `request`; no `seq`, `prompt`, `asked`.
fn back_to_version_2(paths: &Paths) {
    let c = rusqlite::Connection::open(paths.journal()).unwrap();
    c.execute_batch(UNDO_V7).unwrap();
    c.execute_batch(
        "DROP TRIGGER prompts_insert; DROP TRIGGER prompts_delete; DROP TRIGGER prompts_update;
         DROP TABLE prompts; DROP INDEX jobs_by_seq; ALTER TABLE spend DROP COLUMN sandbox;
         ALTER TABLE jobs DROP COLUMN seed; ALTER TABLE jobs DROP COLUMN size;
         ALTER TABLE jobs DROP COLUMN seq; ALTER TABLE jobs DROP COLUMN prompt;
         ALTER TABLE jobs DROP COLUMN negative; ALTER TABLE jobs DROP COLUMN asked;
         CREATE VIRTUAL TABLE prompts USING fts5(job_id UNINDEXED, prompt, negative, tokenize = 'trigram');
         INSERT INTO prompts (job_id, prompt, negative)
             SELECT id, COALESCE(json_extract(request, '$.prompt'), ''), '' FROM jobs;
         CREATE TRIGGER prompts_insert AFTER INSERT ON jobs BEGIN
             INSERT INTO prompts (job_id, prompt, negative)
             VALUES (new.id, COALESCE(json_extract(new.request, '$.prompt'), ''), '');
         END;
         CREATE TRIGGER prompts_delete AFTER DELETE ON jobs BEGIN
             DELETE FROM prompts WHERE job_id = old.id;
         END;
         PRAGMA user_version = 2;",
    )
    .unwrap();
}

#[test]
fn a_journal_of_the_last_version_gains_search_keys_and_its_index_is_rebuilt_over_them() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    let made = {
        let j = Journal::open(&paths).unwrap();
        let a = put(
            &j,
            request(Model::Standard, "a harbour at dawn", 0, false, false),
            2,
            1,
        );
        let mut two = request(Model::Pro, "一间有着精致窗户的花店", 0, false, false);
        two.n = 2;
        let b = put(&j, two, 1, 2);
        vec![a.id, b.id]
    };
    back_to_version_2(&paths);
    let j = Journal::open(&paths).unwrap();
    assert_eq!(j.version().unwrap(), 8);
    // The gallery's shelf and the index agree on every job's key.
    let shelf = j.shelf().unwrap();
    assert_eq!(shelf.len(), 2);
    let key_of = |id: &str| shelf.iter().find(|s| s.id == id).unwrap().seq;
    assert_eq!(
        j.text_hits("harb").unwrap(),
        std::iter::once(key_of(&made[0])).collect()
    );
    assert_eq!(
        j.text_hits("精致窗").unwrap(),
        std::iter::once(key_of(&made[1])).collect()
    );
    // Two letters of Chinese: shorter than a trigram, still found.
    assert_eq!(
        j.text_hits("花店").unwrap(),
        std::iter::once(key_of(&made[1])).collect()
    );
    assert_eq!(shelf.iter().find(|s| s.id == made[1]).unwrap().asked, 2);
    // New jobs get the next key; the index follows them and a delete.
    let c = put(
        &j,
        request(Model::Standard, "harbour lights", 0, false, false),
        0,
        1,
    );
    let keys: std::collections::HashSet<i64> = j.shelf().unwrap().iter().map(|s| s.seq).collect();
    assert_eq!(keys.len(), 3, "every job has its own key");
    assert_eq!(j.text_hits("harbour").unwrap().len(), 2);
    j.delete(&c.id).unwrap();
    assert_eq!(j.text_hits("harbour").unwrap().len(), 1);
    drop(j);
    assert!(integrity(
        &rusqlite::Connection::open(paths.journal()).unwrap()
    ));
}

#[test]
fn spend_counts_completed_api_images_at_the_rate_when_sent_apart_from_the_sandbox_and_outlives_deletion()
 {
    let home = tempfile::tempdir().unwrap();
    let j = Journal::open(&Paths::new(home.path())).unwrap();
    let api = Server::Api(reqwest::Url::parse("https://api.reapi.example/").unwrap());
    // Completed: 1 Standard at its recorded rate, a Pro series that returned 3 of 4.
    let mut a = JobRecord::new(api.clone(), request(Model::Standard, "a", 0, false, false));
    a.rate_micro_usd = Some(40_000);
    j.insert(&a).unwrap();
    j.set_result_urls(&a.id, &["u".into()]).unwrap();
    let b = JobRecord::new(api.clone(), request(Model::Pro, "b", 0, false, true));
    j.insert(&b).unwrap();
    j.set_result_urls(&b.id, &["u1".into(), "u2".into(), "u3".into()])
        .unwrap();
    // Failed and refused: free.
    for state in [JobState::Failed, JobState::Refused] {
        let c = JobRecord::new(api.clone(), request(Model::Pro, "c", 0, false, false));
        j.insert(&c).unwrap();
        j.set_state(&c.id, state, None).unwrap();
    }
    // A sandbox result: what it would have cost is its own ledger's, never the API's.
    let d = JobRecord::new(Server::Sandbox, request(Model::Pro, "d", 0, false, false));
    j.insert(&d).unwrap();
    j.set_result_urls(&d.id, &["u".into()]).unwrap();
    let sandbox = j.spend(Ledger::Sandbox).unwrap();
    assert!(sandbox.sandbox);
    assert_eq!((sandbox.images, sandbox.micro_usd), (1, 75_000));
    let spend = j.spend(Ledger::Api).unwrap();
    assert!(!spend.sandbox);
    assert_eq!(spend.images, 4);
    assert_eq!(spend.micro_usd, 40_000 + 3 * 75_000);
    assert_eq!(spend.by_month.len(), 1);
    assert_eq!(spend.by_day.len(), 1);
    let now = wan_studio::core::library::journal::now_ms();
    assert_eq!(spend.month_of(now), 265_000);
    assert_eq!(spend.month_of(now - 62 * DAY), 0);
    // Recording the links again (a resume) does not bill twice; deleting keeps what was paid.
    j.set_result_urls(&b.id, &["u1".into(), "u2".into(), "u3".into()])
        .unwrap();
    j.delete(&b.id).unwrap();
    assert_eq!(j.spend(Ledger::Api).unwrap().micro_usd, 265_000);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn lineage_a_result_used_as_a_reference_links_both_ways() {
    let sb = common::sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = common::engine(&sb, home.path());
    let parent = engine
        .submit(common::text(Model::Standard, "a red fox"))
        .unwrap();
    let parent = common::finish(&mut events, &parent.id).await;
    common::assert_completed(&parent, 1);
    let mut edit = GenerationRequest::new(Model::Standard);
    edit.prompt = Some("make it blue".to_owned());
    edit.image_urls = vec![parent.result_urls[0].clone()];
    let child = engine
        .submit_with(Submission {
            request: edit,
            made_from: vec![Parent {
                slot: 0,
                job_id: parent.id.clone(),
                index: 0,
            }],
            rate_micro_usd: Some(30_000),
            agent: None,
        })
        .unwrap();
    let child = common::finish(&mut events, &child.id).await;
    common::assert_completed(&child, 1);
    let journal = Journal::open(&Paths::new(home.path())).unwrap();
    let made_from = journal.get(&child.id).unwrap().unwrap().made_from;
    assert_eq!(
        made_from,
        vec![Parent {
            slot: 0,
            job_id: parent.id.clone(),
            index: 0
        }]
    );
    assert_eq!(
        journal.used_in(&parent.id).unwrap(),
        vec![(child.id.clone(), 0)]
    );
    // A retry keeps the chain.
    let again = engine.retry(&child.id).unwrap();
    assert_eq!(again.made_from, made_from);
}

/// A journal of `n` finished jobs (one result each), closed again.
fn library_of(paths: &Paths, n: usize) -> Vec<JobRecord> {
    let j = Journal::open(paths).unwrap();
    (0..n)
        .map(|k| {
            put(
                &j,
                request(Model::Standard, &format!("lantern {k}"), 0, false, false),
                i64::try_from(k % 30).unwrap(),
                1,
            )
        })
        .collect()
}

/// Overwrites one page of the journal's file: the root page of `name` (a table or an index).
fn scribble_over(paths: &Paths, name: &str) {
    let db = rusqlite::Connection::open(paths.journal()).unwrap();
    let root: i64 = db
        .query_row(
            "SELECT rootpage FROM sqlite_schema WHERE name = ?1",
            [name],
            |r| r.get(0),
        )
        .unwrap();
    let size: i64 = db.query_row("PRAGMA page_size", [], |r| r.get(0)).unwrap();
    drop(db);
    let mut file = std::fs::read(paths.journal()).unwrap();
    let at = usize::try_from((root - 1) * size).unwrap();
    let len = usize::try_from(size).unwrap();
    file[at..at + len].fill(0x5A);
    std::fs::write(paths.journal(), file).unwrap();
}

/// Why the window's open refuses the journal at `paths` (it must refuse it).
fn refusal(paths: &Paths) -> String {
    Journal::open_with_shelf(paths)
        .map(|_| ())
        .unwrap_err()
        .to_string()
}

#[test]
fn the_shelf_read_beside_the_check_is_the_shelf_and_comes_only_from_a_sound_journal() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    library_of(&paths, 300);
    let (j, opened) = Journal::open_with_shelf(&paths).unwrap();
    assert_eq!(opened.shelf.len(), 300);
    assert_eq!(
        opened.shelf,
        j.shelf().unwrap(),
        "the same shelf as read alone"
    );
    assert_eq!(j.stamp().unwrap(), opened.stamp, "reads change nothing");
    drop(j);

    // An index the shelf never reads is damaged: the shelf would read fine, but the check
    // refuses the journal, so nothing from it is shown (and nothing paid starts on it).
    scribble_over(&paths, "jobs_by_seq");
    let err = refusal(&paths);
    assert!(err.contains("is damaged"), "{err}");
    assert!(
        err.contains("wan-studio repair"),
        "it says what to do: {err}"
    );
    let err = Journal::open(&paths).map(|_| ()).unwrap_err().to_string();
    assert!(err.contains("is damaged"), "the plain open agrees: {err}");

    // The jobs' own pages damaged: the shelf's read fails too, and it is still "damaged".
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    library_of(&paths, 300);
    scribble_over(&paths, "jobs");
    let err = refusal(&paths);
    assert!(err.contains("is damaged"), "{err}");
}

#[test]
fn a_journal_to_migrate_is_checked_first_and_still_gives_its_shelf() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    library_of(&paths, 5);
    // Written by the last version: this open migrates (a write), so it checks first.
    back_to_version_2(&paths);
    let (j, opened) = Journal::open_with_shelf(&paths).unwrap();
    assert_eq!(j.version().unwrap(), 8);
    assert_eq!(opened.shelf.len(), 5);
    assert_eq!(opened.shelf, j.shelf().unwrap());
}

#[test]
fn the_stamp_changes_with_every_commit_here_or_elsewhere() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    let j = Journal::open(&paths).unwrap();
    let first = j.stamp().unwrap();
    let job = put(
        &j,
        request(Model::Standard, "a kite", 0, false, false),
        0,
        1,
    );
    let after_insert = j.stamp().unwrap();
    assert_ne!(first, after_insert, "a write of this connection");
    j.search(&query()).unwrap();
    assert_eq!(j.stamp().unwrap(), after_insert, "a read is no change");
    j.set_favourite(&job.id, 0, true).unwrap();
    let after_star = j.stamp().unwrap();
    assert_ne!(after_insert, after_star, "a star is a change");
    let other = Journal::open(&paths).unwrap();
    put(
        &other,
        request(Model::Standard, "a boat", 0, false, false),
        0,
        1,
    );
    assert_ne!(j.stamp().unwrap(), after_star, "another connection's write");
}

/// The next library the engine lists.
async fn listed(
    events: &mut tokio::sync::mpsc::Receiver<wan_studio::core::engine::Event>,
) -> Vec<wan_studio::core::library::journal::Shelved> {
    let deadline = tokio::time::Instant::now() + std::time::Duration::from_secs(30);
    loop {
        match tokio::time::timeout_at(deadline, events.recv()).await {
            Ok(Some(wan_studio::core::engine::Event::Library { shelf, .. })) => return shelf,
            Ok(Some(_)) => {}
            Ok(None) => panic!("the engine stopped before listing the library"),
            Err(elapsed) => panic!("no library listed in time: {elapsed}"),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_window_s_engine_lists_the_shelf_read_at_open_unless_the_journal_moved_on() {
    use wan_studio::core::engine::{Command, Engine, EngineConfig};
    let sb = common::sandbox().await;
    let start = |home: &std::path::Path| {
        let mut cfg = EngineConfig::new(
            Paths::new(home),
            common::client_config(&sb),
            Server::Sandbox,
        );
        cfg.shelve_at_open = true;
        Engine::start(cfg, tokio::runtime::Handle::current(), None).unwrap()
    };
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    library_of(&paths, 20);

    let (engine, mut events) = start(home.path());
    engine.handle(Command::ListJobs { recent: 5 });
    let shelf = listed(&mut events).await;
    assert_eq!(shelf, Journal::open(&paths).unwrap().shelf().unwrap());
    // Asked again: read afresh (the shelf from the open is used once).
    let other = Journal::open(&paths).unwrap();
    let added = put(
        &other,
        request(Model::Standard, "a new kite", 0, false, false),
        0,
        1,
    );
    engine.handle(Command::ListJobs { recent: 5 });
    assert!(listed(&mut events).await.iter().any(|s| s.id == added.id));
    drop(engine);

    // Another process writes between the open and the first listing: the listing has it.
    let (engine, mut events) = start(home.path());
    let late = put(
        &other,
        request(Model::Standard, "a late boat", 0, false, false),
        0,
        1,
    );
    engine.handle(Command::ListJobs { recent: 5 });
    let shelf = listed(&mut events).await;
    assert_eq!(shelf.len(), 22);
    assert!(shelf.iter().any(|s| s.id == late.id), "not the stale shelf");
    // This engine's own write between the open and the listing: the same.
    let (engine, mut events) = {
        drop(engine);
        start(home.path())
    };
    let own = put(
        engine.journal(),
        request(Model::Standard, "an own lamp", 0, false, false),
        0,
        1,
    );
    engine.handle(Command::ListJobs { recent: 5 });
    assert!(listed(&mut events).await.iter().any(|s| s.id == own.id));
}

#[test]
fn a_journal_of_version_3_gains_the_queue_s_index() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    library_of(&paths, 3);
    let has_index = || {
        rusqlite::Connection::open(paths.journal())
            .unwrap()
            .query_row(
                "SELECT count(*) FROM sqlite_schema WHERE name = 'jobs_live'",
                [],
                |r| r.get::<_, i64>(0),
            )
            .unwrap()
            == 1
    };
    rusqlite::Connection::open(paths.journal())
        .unwrap()
        .execute_batch(&format!(
            "{UNDO_V7} DROP INDEX jobs_live; ALTER TABLE spend DROP COLUMN sandbox;
             ALTER TABLE jobs DROP COLUMN seed; ALTER TABLE jobs DROP COLUMN size;
             PRAGMA user_version = 3;"
        ))
        .unwrap();
    assert!(!has_index());
    let (j, opened) = Journal::open_with_shelf(&paths).unwrap();
    assert_eq!(j.version().unwrap(), 8);
    assert_eq!(opened.shelf.len(), 3, "the jobs are all there");
    drop(j);
    assert!(has_index());
}

#[test]
fn a_journal_of_version_4_keeps_its_sandbox_results_out_of_the_api_s_spend() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    let j = Journal::open(&paths).unwrap();
    let api = Server::Api(reqwest::Url::parse("https://api.reapi.example/").unwrap());
    for (server, model) in [(api, Model::Pro), (Server::Sandbox, Model::Standard)] {
        let job = JobRecord::new(server, request(model, "a", 0, false, false));
        j.insert(&job).unwrap();
        j.set_result_urls(&job.id, &["u".into()]).unwrap();
    }
    drop(j);
    // As version 4 left it: one ledger for both.
    rusqlite::Connection::open(paths.journal())
        .unwrap()
        .execute_batch(&format!(
            "{UNDO_V7} ALTER TABLE spend DROP COLUMN sandbox;
             ALTER TABLE jobs DROP COLUMN seed; ALTER TABLE jobs DROP COLUMN size;
             PRAGMA user_version = 4;"
        ))
        .unwrap();
    let j = Journal::open(&paths).unwrap();
    assert_eq!(j.version().unwrap(), 8);
    let paid = j.spend(Ledger::Api).unwrap();
    assert_eq!((paid.images, paid.micro_usd), (1, 75_000));
    let sandbox = j.spend(Ledger::Sandbox).unwrap();
    assert_eq!((sandbox.images, sandbox.micro_usd), (1, 30_000));
}

#[test]
fn a_journal_of_version_5_gains_each_job_s_seed_and_size_for_the_captions() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    let j = Journal::open(&paths).unwrap();
    let mut wide = request(Model::Pro, "a lighthouse", 0, false, false);
    wide.seed = Some(201);
    wide.size = Some("16:9".into());
    wide.resolution = Some("1K".into());
    let job = JobRecord::new(Server::Sandbox, wide);
    j.insert(&job).unwrap();
    j.add_result(&wan_studio::core::library::journal::ResultRecord {
        job_id: job.id.clone(),
        index: 0,
        path: "library/x.png".into(),
        thumbnail: "thumbnails/x.png".into(),
        width: 10,
        height: 10,
        favourite: false,
        rating: 0,
    })
    .unwrap();
    drop(j);
    // As version 5 left it: no seed or size columns.
    rusqlite::Connection::open(paths.journal())
        .unwrap()
        .execute_batch(&format!(
            "{UNDO_V7} ALTER TABLE jobs DROP COLUMN seed; ALTER TABLE jobs DROP COLUMN size;
             PRAGMA user_version = 5;"
        ))
        .unwrap();
    let j = Journal::open(&paths).unwrap();
    assert_eq!(j.version().unwrap(), 8);
    let shelf = j.shelf().unwrap();
    assert_eq!(shelf[0].seed, Some(201));
    assert_eq!(&*shelf[0].size, "16:9 1K");
    // And seed:201 finds it, seed:202 does not.
    let query = |text: &str| LibraryQuery {
        text: text.into(),
        ..LibraryQuery::default()
    };
    assert_eq!(j.search(&query("seed:201")).unwrap().len(), 1);
    assert!(j.search(&query("seed:202")).unwrap().is_empty());
    assert_eq!(j.search(&query("light seed:201")).unwrap().len(), 1);
    assert!(j.search(&query("harbour seed:201")).unwrap().is_empty());
}

/// A journal holding one job (a kite), taken back to `version` by `undo`, then opened again (and
/// so migrated): its folder, the journal, the job.
fn a_kite_journal_rolled_back(undo: &str, version: i64) -> (tempfile::TempDir, Journal, JobRecord) {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    let j = Journal::open(&paths).unwrap();
    let job = JobRecord::new(
        Server::Sandbox,
        request(Model::Pro, "a kite", 0, false, false),
    );
    j.insert(&job).unwrap();
    drop(j);
    rusqlite::Connection::open(paths.journal())
        .unwrap()
        .execute_batch(&format!("{undo} PRAGMA user_version = {version};"))
        .unwrap();
    let j = Journal::open(&paths).unwrap();
    (home, j, job)
}

#[test]
fn a_journal_of_version_7_gains_the_agent_and_its_jobs_were_made_by_none() {
    let (_home, j, job) = a_kite_journal_rolled_back(UNDO_V8, 7);
    assert_eq!(j.version().unwrap(), 8);
    assert_eq!(j.get(&job.id).unwrap().unwrap().agent, None);
    let mut by_agent = JobRecord::new(
        Server::Sandbox,
        request(Model::Pro, "a boat", 0, false, false),
    );
    by_agent.agent = Some("Claude Desktop".into());
    j.insert(&by_agent).unwrap();
    let back = j.get(&by_agent.id).unwrap().unwrap();
    assert_eq!(back.agent.as_deref(), Some("Claude Desktop"));
    assert!(back.by_agent());
}

#[test]
fn a_journal_of_version_6_gains_batches_and_its_jobs_are_in_none() {
    let (_home, j, job) = a_kite_journal_rolled_back(UNDO_V7, 6);
    assert_eq!(j.version().unwrap(), 8);
    assert_eq!(j.get(&job.id).unwrap().unwrap().batch, None);
    assert!(j.batches().unwrap().is_empty());
    // A batch's number is journalled once: the same number again is refused, nothing inserted.
    assert!(j.record_batch("b1", "jobs.jsonl", 2, 60_000).unwrap());
    assert!(!j.record_batch("b1", "jobs.jsonl", 2, 60_000).unwrap());
    let mut first = JobRecord::new(
        Server::Sandbox,
        request(Model::Standard, "one", 0, false, false),
    );
    first.batch = Some(wan_studio::core::library::journal::BatchRef {
        id: "b1".into(),
        number: 1,
    });
    j.insert(&first).unwrap();
    let mut again = JobRecord::new(
        Server::Sandbox,
        request(Model::Standard, "one", 0, false, false),
    );
    again.batch = first.batch.clone();
    let err = j.insert(&again).unwrap_err().to_string();
    assert!(err.contains("was sent before"), "{err}");
    assert!(j.get(&again.id).unwrap().is_none());
    // Deleting the job keeps its number sent.
    j.delete(&first.id).unwrap();
    assert_eq!(j.batch_sent("b1").unwrap(), [(1, first.id.clone())]);
    let b = j.batch("b1").unwrap().unwrap();
    assert_eq!((b.jobs, b.sent, b.completed, b.waiting()), (2, 1, 0, 1));
}

#[test]
fn batch_id_in_the_search_finds_a_batchs_results_in_the_journal_and_on_the_shelf() {
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    let j = Journal::open(&paths).unwrap();
    let mut in_batch = Vec::new();
    for number in 1..=2 {
        let mut job = JobRecord::new(
            Server::Sandbox,
            request(Model::Standard, "a red fox", 0, false, false),
        );
        job.batch = Some(wan_studio::core::library::journal::BatchRef {
            id: "4584b180eca8255c".into(),
            number,
        });
        j.insert(&job).unwrap();
        j.add_result(&ResultRecord {
            job_id: job.id.clone(),
            index: 0,
            path: "library/x.png".into(),
            thumbnail: "thumbnails/x.png".into(),
            width: 10,
            height: 10,
            favourite: false,
            rating: 0,
        })
        .unwrap();
        in_batch.push(job.id);
    }
    let alone = put(
        &j,
        request(Model::Standard, "a red fox", 0, false, false),
        0,
        1,
    );
    let query = |text: &str| LibraryQuery {
        text: text.into(),
        ..LibraryQuery::default()
    };
    let mut found = j.search_jobs(&query("batch:4584B180 fox")).unwrap();
    found.sort();
    let mut expected = in_batch.clone();
    expected.sort();
    assert_eq!(
        found, expected,
        "by the start of the id, any case, with words"
    );
    assert!(j.search_jobs(&query("batch:0000")).unwrap().is_empty());
    assert_eq!(j.search_jobs(&query("fox")).unwrap().len(), 3);
    // The gallery's shelf answers the same without the journal.
    let shelf = j.shelf().unwrap();
    let q = query("batch:4584b180");
    let admitted: Vec<&JobId> = shelf
        .iter()
        .filter(|s| s.results.iter().any(|r| q.admits(s, r)))
        .map(|s| &s.id)
        .collect();
    assert_eq!(admitted.len(), 2);
    assert!(!admitted.contains(&&alone.id));
}
