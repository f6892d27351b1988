//! Words too short for the search index. A trigram index finds three letters or more; one or two
//! letters (`h`, `ha`, `花店`) are matched here, in memory, against every job's prompt and negative
//! prompt, lowercased once. Scanning SQLite's rows for them took 50–60 ms at 100,000 results (each
//! row decoded with its request JSON); this takes a few milliseconds.
//!
//! The copy follows the journal: jobs added since are read by key (keys only grow), and anything
//! else — another process's write, a deleted job — reads it again whole.

use std::collections::HashSet;

use rusqlite::Connection;

/// Every job's searchable text, lowercased, one after another.
#[derive(Debug, Default)]
pub(super) struct Corpus {
    /// Each job's prompt, a newline, its negative prompt and a NUL. Words never hold whitespace,
    /// so no word spans two jobs or the two prompts.
    text: String,
    /// Where each job's text starts in `text`, ascending.
    starts: Vec<usize>,
    /// Each job's key (`jobs.seq`), beside `starts`.
    seqs: Vec<i64>,
    /// The largest key read (jobs written since have larger ones).
    max_seq: i64,
    /// `PRAGMA data_version` when read: another connection's commit changes it.
    data_version: Option<i64>,
}

impl Corpus {
    /// Forgets everything: read whole next time (a job was deleted, so a key may come back).
    pub(super) fn invalidate(&mut self) {
        self.data_version = None;
    }

    /// Brings the copy up to date with the journal.
    pub(super) fn refresh(&mut self, conn: &Connection) -> rusqlite::Result<()> {
        self.read_on(conn, None).map(|_| ())
    }

    /// Reads at most `limit` more jobs (all with `None`); true once the copy is up to date. A
    /// copy read a part at a time stays whole: each part starts where the last ended, and a
    /// commit from elsewhere in between starts it again.
    pub(super) fn read_on(
        &mut self,
        conn: &Connection,
        limit: Option<usize>,
    ) -> rusqlite::Result<bool> {
        let version: i64 = conn.query_row("PRAGMA data_version", [], |r| r.get(0))?;
        if self.data_version != Some(version) {
            *self = Corpus::default();
        }
        // SQLite reads a negative limit as none.
        let limit = limit.map_or(-1, |n| i64::try_from(n).unwrap_or(i64::MAX));
        let mut stmt = conn.prepare_cached(
            "SELECT seq, prompt, negative FROM jobs WHERE seq > ?1 ORDER BY seq LIMIT ?2",
        )?;
        let mut rows = stmt.query([self.max_seq, limit])?;
        let mut read = 0_i64;
        while let Some(row) = rows.next()? {
            read += 1;
            let seq: i64 = row.get(0)?;
            self.starts.push(self.text.len());
            self.seqs.push(seq);
            self.max_seq = self.max_seq.max(seq);
            for (i, column) in [1, 2].into_iter().enumerate() {
                if i > 0 {
                    self.text.push('\n');
                }
                if let Some(text) = row.get_ref(column)?.as_str_or_null()? {
                    push_lowercase(&mut self.text, text);
                }
            }
            self.text.push('\0');
        }
        self.data_version = Some(version);
        Ok(limit < 0 || read < limit)
    }

    /// The keys of the jobs whose text holds every word (any case).
    pub(super) fn hits(&self, words: &[&str]) -> HashSet<i64> {
        let words: Vec<String> = words.iter().map(|w| w.to_lowercase()).collect();
        let Some((first, rest)) = words.split_first() else {
            return self.seqs.iter().copied().collect();
        };
        let text = self.text.as_bytes();
        let end = |i: usize| self.starts.get(i + 1).copied().unwrap_or(text.len());
        // The first word over the whole text, jumping to the next job at each hit…
        let finder = memchr::memmem::Finder::new(first.as_bytes());
        let mut found = Vec::new();
        let mut at = 0;
        while let Some(offset) = text.get(at..).and_then(|t| finder.find(t)) {
            let job = self
                .starts
                .partition_point(|&s| s <= at + offset)
                .saturating_sub(1);
            found.push(job);
            at = end(job);
        }
        // …and the others only in the jobs that held it.
        for word in rest {
            let finder = memchr::memmem::Finder::new(word.as_bytes());
            found.retain(|&job| {
                text.get(self.starts[job]..end(job))
                    .is_some_and(|t| finder.find(t).is_some())
            });
        }
        found.into_iter().map(|job| self.seqs[job]).collect()
    }
}

/// Appends `text` lowercased (ASCII in place, the rest through Unicode's mapping).
fn push_lowercase(out: &mut String, text: &str) {
    if text.is_ascii() {
        let from = out.len();
        out.push_str(text);
        // Safe on any byte: ASCII lowercasing keeps UTF-8 valid.
        if let Some(tail) = out.get_mut(from..) {
            tail.make_ascii_lowercase();
        }
    } else {
        out.extend(text.chars().flat_map(char::to_lowercase));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn corpus(jobs: &[(i64, &str, &str)]) -> Corpus {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE jobs (seq INTEGER, prompt TEXT, negative TEXT);")
            .unwrap();
        for (seq, p, n) in jobs {
            conn.execute(
                "INSERT INTO jobs VALUES (?1, ?2, ?3)",
                rusqlite::params![seq, p, n],
            )
            .unwrap();
        }
        let mut c = Corpus::default();
        c.refresh(&conn).unwrap();
        c
    }

    fn set(keys: &[i64]) -> HashSet<i64> {
        keys.iter().copied().collect()
    }

    #[test]
    fn short_words_match_any_case_in_either_prompt_and_all_must_match() {
        let c = corpus(&[
            (1, "A Harbour at dawn", ""),
            (2, "lighthouse", "no HATS"),
            (3, "花店 window", ""),
            (4, "Élan", ""),
        ]);
        assert_eq!(c.hits(&["h"]), set(&[1, 2]));
        assert_eq!(c.hits(&["HA"]), set(&[1, 2]));
        assert_eq!(c.hits(&["ha", "aw"]), set(&[1]));
        assert_eq!(c.hits(&["花店"]), set(&[3]));
        assert_eq!(c.hits(&["él"]), set(&[4]));
        assert_eq!(c.hits(&["zz"]), set(&[]));
    }

    #[test]
    fn no_word_spans_two_jobs_or_the_two_prompts() {
        let c = corpus(&[(1, "ab", "cd"), (2, "ef", "")]);
        assert!(c.hits(&["bc"]).is_empty());
        assert!(c.hits(&["de"]).is_empty());
        assert!(c.hits(&["df"]).is_empty());
        assert_eq!(c.hits(&["cd"]), set(&[1]));
    }

    #[test]
    fn jobs_added_since_are_read_by_key_and_another_writer_rereads_it_whole() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch(
            "CREATE TABLE jobs (seq INTEGER, prompt TEXT, negative TEXT);
             INSERT INTO jobs VALUES (1, 'harbour', '');",
        )
        .unwrap();
        let mut c = Corpus::default();
        c.refresh(&conn).unwrap();
        conn.execute("INSERT INTO jobs VALUES (2, 'harp', '')", [])
            .unwrap();
        c.refresh(&conn).unwrap();
        assert_eq!(c.hits(&["ha"]), set(&[1, 2]));
        // Another connection deletes one and writes a new one with the same key.
        let other = Connection::open(&path).unwrap();
        other
            .execute_batch(
                "DELETE FROM jobs WHERE seq = 2; INSERT INTO jobs VALUES (2, 'moon', '');",
            )
            .unwrap();
        c.refresh(&conn).unwrap();
        assert_eq!(c.hits(&["ha"]), set(&[1]));
        assert_eq!(c.hits(&["mo"]), set(&[2]));
        // This connection does the same: the journal says so (invalidate), and it is read whole.
        conn.execute_batch(
            "DELETE FROM jobs WHERE seq = 2; INSERT INTO jobs VALUES (2, 'hat', '');",
        )
        .unwrap();
        c.invalidate();
        c.refresh(&conn).unwrap();
        assert_eq!(c.hits(&["ha"]), set(&[1, 2]));
        assert!(c.hits(&["mo"]).is_empty());
    }

    #[test]
    fn a_copy_read_a_part_at_a_time_is_the_whole_and_restarts_after_another_writer() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("j.db");
        let conn = Connection::open(&path).unwrap();
        conn.execute_batch("CREATE TABLE jobs (seq INTEGER, prompt TEXT, negative TEXT);")
            .unwrap();
        for seq in 1..=7 {
            conn.execute(
                "INSERT INTO jobs VALUES (?1, ?2, '')",
                rusqlite::params![seq, format!("p{seq}")],
            )
            .unwrap();
        }
        let mut c = Corpus::default();
        assert!(!c.read_on(&conn, Some(3)).unwrap());
        assert_eq!(c.hits(&["p"]), set(&[1, 2, 3]));
        // Another connection changes a job already read: the next part starts again.
        Connection::open(&path)
            .unwrap()
            .execute("UPDATE jobs SET prompt = 'moon' WHERE seq = 2", [])
            .unwrap();
        assert!(!c.read_on(&conn, Some(3)).unwrap());
        assert!(!c.read_on(&conn, Some(3)).unwrap());
        // Seven jobs in parts of three: the third part holds one, so the copy is up to date.
        assert!(c.read_on(&conn, Some(3)).unwrap());
        assert_eq!(c.hits(&["p"]), set(&[1, 3, 4, 5, 6, 7]));
        assert_eq!(c.hits(&["mo"]), set(&[2]));
        let mut whole = Corpus::default();
        assert!(whole.read_on(&conn, None).unwrap());
        assert_eq!(whole.text, c.text);
        assert_eq!(whole.seqs, c.seqs);
    }
}
