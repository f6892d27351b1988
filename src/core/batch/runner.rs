//! Running a batch: which job to send next, at most N in flight, fewer for a while after a 429.
//! A state machine fed by job snapshots (the engine's events, or the journal at start), so the
//! command line and the window drive it alike and a test can step it by hand.
//!
//! What it never does: send a number the journal already has. A number journalled by an earlier
//! run is followed (if it is still in flight) or counted (if it ended), never sent again.

use std::collections::{BTreeMap, VecDeque};
use std::time::{Duration, Instant};

use serde::Serialize;

use crate::core::job::{JobId, JobRecord, JobState};
use crate::core::library::journal::SentJob;

/// How long a 429 keeps the limit lowered.
pub const RATE_LIMIT_COOL_DOWN: Duration = Duration::from_mins(1);

/// Where a batch stands.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub total: u32,
    /// Every image home.
    pub done: u32,
    /// Sent and not ended yet.
    pub in_flight: u32,
    /// Never sent.
    pub waiting: u32,
    /// Ended without images: failed, refused, not sent.
    pub failed: u32,
    /// Ended in a way that needs the artist: the outcome is unknown, or it is paused with its
    /// task kept (`resume` finishes it).
    pub attention: u32,
    /// Sent before and no job of it known here: deleted from the library since, or sent by
    /// another process running the same file (never sent again).
    pub removed: u32,
    /// Images home.
    pub images: u64,
}

/// One batch's run.
#[derive(Debug)]
pub struct Runner {
    /// Numbers never journalled, in order.
    waiting: VecDeque<u32>,
    /// Every number sent: its job and last state and images (`None`: deleted since).
    jobs: BTreeMap<u32, Option<(JobId, JobState, usize)>>,
    total: u32,
    concurrency: usize,
    lowered: Option<(usize, Instant)>,
    cancelled: bool,
}

impl Runner {
    /// A run of `total` jobs numbered 1..=total, of which the `sent` numbers were sent by an
    /// earlier run (their jobs are then given by [`Runner::update`]), at most `concurrency` at once.
    pub fn new(total: u32, sent: impl IntoIterator<Item = u32>, concurrency: usize) -> Runner {
        let jobs: BTreeMap<u32, Option<(JobId, JobState, usize)>> =
            sent.into_iter().map(|n| (n, None)).collect();
        let waiting = (1..=total).filter(|n| !jobs.contains_key(n)).collect();
        Runner {
            waiting,
            jobs,
            total,
            concurrency: concurrency.max(1),
            lowered: None,
            cancelled: false,
        }
    }

    fn states(&self) -> impl Iterator<Item = &(JobId, JobState, usize)> {
        self.jobs.values().flatten()
    }

    /// How many may be in flight now.
    pub fn limit(&self, now: Instant) -> usize {
        match self.lowered {
            Some((limit, until)) if now < until => limit,
            _ => self.concurrency,
        }
    }

    fn in_flight(&self) -> usize {
        self.states().filter(|(_, s, _)| s.is_active()).count()
    }

    /// The next number to send, if one is waiting and the limit has room; the caller journals and
    /// sends it, then reports it with [`Runner::sent`] (or [`Runner::not_sent`]).
    pub fn next(&mut self, now: Instant) -> Option<u32> {
        if self.cancelled || self.in_flight() >= self.limit(now) {
            return None;
        }
        self.waiting.pop_front()
    }

    /// The number was journalled as this job and is being sent.
    pub fn sent(&mut self, number: u32, job: &JobRecord) {
        self.jobs
            .insert(number, Some((job.id.clone(), job.state, job.results.len())));
    }

    /// The number could not even be journalled: it goes back to the front and sending stops
    /// (the caller says why; nothing was sent for it).
    pub fn not_sent(&mut self, number: u32) {
        self.waiting.push_front(number);
        self.cancelled = true;
    }

    /// The journal says the number was sent before (another process running the same file got
    /// to it first): it counts as sent, and this run does not send it.
    pub fn sent_elsewhere(&mut self, number: u32) {
        self.jobs.entry(number).or_insert(None);
    }

    /// A snapshot of one of the batch's jobs. A 429 lowers the limit to one fewer than now in
    /// flight (at least one) for [`RATE_LIMIT_COOL_DOWN`].
    pub fn update(&mut self, number: u32, job: &JobRecord, now: Instant) {
        self.update_state(number, &job.id, job.state, job.results.len(), now);
    }

    /// [`Runner::update`] from what the journal keeps of a sent number (its job's state and
    /// images); a job deleted since counts as removed.
    pub fn update_sent(&mut self, sent: &SentJob, now: Instant) {
        if let Some(state) = sent.state {
            self.update_state(sent.number, &sent.job_id, state, sent.images, now);
        } else {
            self.waiting.retain(|&n| n != sent.number);
            self.jobs.insert(sent.number, None);
        }
    }

    fn update_state(
        &mut self,
        number: u32,
        id: &JobId,
        state: JobState,
        images: usize,
        now: Instant,
    ) {
        let was = self.jobs.get(&number).and_then(|j| j.as_ref().map(|j| j.1));
        if state == JobState::RateLimited && was != Some(JobState::RateLimited) {
            let limit = self.in_flight().saturating_sub(1).max(1);
            let limit = limit.min(self.limit(now));
            self.lowered = Some((limit, now + RATE_LIMIT_COOL_DOWN));
        }
        self.waiting.retain(|&n| n != number);
        self.jobs.insert(number, Some((id.clone(), state, images)));
    }

    /// Stops sending; what is in flight goes on.
    pub fn cancel(&mut self) {
        self.cancelled = true;
    }

    pub fn is_cancelled(&self) -> bool {
        self.cancelled
    }

    /// Nothing left to send (or sending stopped) and nothing in flight.
    pub fn is_finished(&self) -> bool {
        (self.cancelled || self.waiting.is_empty()) && self.in_flight() == 0
    }

    pub fn counts(&self) -> Counts {
        let mut c = Counts {
            total: self.total,
            waiting: u32::try_from(self.waiting.len()).unwrap_or(u32::MAX),
            ..Counts::default()
        };
        for job in self.jobs.values() {
            let Some((_, state, images)) = job else {
                c.removed += 1;
                continue;
            };
            c.images += *images as u64;
            match state {
                s if s.is_active() => c.in_flight += 1,
                JobState::Completed => c.done += 1,
                JobState::Failed | JobState::Refused | JobState::NotSent => c.failed += 1,
                _ => c.attention += 1,
            }
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::core::api::request::{GenerationRequest, Model};
    use crate::core::api::server::Server;

    fn job(state: JobState) -> JobRecord {
        let mut j = JobRecord::new(Server::Sandbox, GenerationRequest::new(Model::Standard));
        j.state = state;
        j
    }

    #[test]
    fn never_more_than_the_limit_in_flight_and_each_number_once() {
        let now = Instant::now();
        let mut r = Runner::new(5, [], 2);
        let a = r.next(now).unwrap();
        r.sent(a, &job(JobState::Submitting));
        let b = r.next(now).unwrap();
        r.sent(b, &job(JobState::Submitting));
        assert_eq!((a, b), (1, 2));
        assert_eq!(r.next(now), None, "two in flight: the third waits");
        r.update(1, &job(JobState::Completed), now);
        assert_eq!(r.next(now), Some(3));
        assert_eq!(r.counts().done, 1);
    }

    #[test]
    fn numbers_journalled_earlier_are_never_sent_again() {
        let now = Instant::now();
        let done = job(JobState::Completed);
        let flying = job(JobState::Processing);
        let unknown = job(JobState::UnknownOutcome);
        let mut r = Runner::new(5, [1, 2, 4], 3);
        r.update(1, &done, now);
        r.update(2, &flying, now);
        r.update(4, &unknown, now);
        let mut sent = Vec::new();
        while let Some(n) = r.next(now) {
            r.sent(n, &job(JobState::Submitting));
            sent.push(n);
        }
        assert_eq!(sent, [3, 5], "only the never-sent numbers");
        let c = r.counts();
        assert_eq!((c.done, c.in_flight, c.attention, c.waiting), (1, 3, 1, 0));
    }

    #[test]
    fn a_number_whose_job_was_deleted_is_not_sent_again() {
        let now = Instant::now();
        let mut r = Runner::new(2, [1], 2);
        assert_eq!(r.next(now), Some(2));
        assert_eq!(r.next(now), None);
        assert_eq!(r.counts().removed, 1);
    }

    #[test]
    fn a_429_lowers_the_limit_for_a_while() {
        let now = Instant::now();
        let mut r = Runner::new(10, [], 3);
        for _ in 0..3 {
            let n = r.next(now).unwrap();
            r.sent(n, &job(JobState::Submitting));
        }
        r.update(3, &job(JobState::RateLimited), now);
        assert_eq!(r.limit(now), 2);
        r.update(1, &job(JobState::Completed), now);
        r.update(2, &job(JobState::Completed), now);
        assert_eq!(r.next(now), Some(4), "one in flight, limit two");
        r.sent(4, &job(JobState::Submitting));
        assert_eq!(r.next(now), None);
        let later = now + RATE_LIMIT_COOL_DOWN + Duration::from_secs(1);
        assert_eq!(r.limit(later), 3);
        assert_eq!(r.next(later), Some(5));
    }

    #[test]
    fn cancel_stops_sending_and_what_is_in_flight_finishes() {
        let now = Instant::now();
        let mut r = Runner::new(4, [], 2);
        let n = r.next(now).unwrap();
        r.sent(n, &job(JobState::Processing));
        r.cancel();
        assert_eq!(r.next(now), None);
        assert!(!r.is_finished());
        r.update(n, &job(JobState::Completed), now);
        assert!(r.is_finished());
        assert_eq!(r.counts().waiting, 3);
    }
}
