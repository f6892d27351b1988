//! Faults: the money rules hold when the network and the server misbehave.
#![allow(clippy::unwrap_used, clippy::expect_used)]

mod common;

use std::sync::atomic::Ordering;
use std::time::Duration;

use common::*;
use wan_studio::core::api::client::{ApiClient, ClientConfig, SubmitError};
use wan_studio::core::api::request::Model;
use wan_studio::core::api::server::Server;
use wan_studio::core::engine::{Engine, EngineConfig, EngineError, Event};
use wan_studio::core::library::journal::{JobRecord, JobState, Journal};
use wan_studio::core::settings::{ApiKey, Paths};
use wan_studio::sandbox::{Endpoint, Fault};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_then_accepted_creates_exactly_one_task() {
    let sb = rate_limited_sandbox(1).await;
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let started = std::time::Instant::now();
    let job = engine.submit(text(Model::Standard, "a fox")).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_completed(&done, 1);
    assert!(
        started.elapsed() >= Duration::from_secs(1),
        "Retry-After was honoured"
    );
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 2);
    assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn rate_limited_too_long_is_refused_and_not_charged() {
    let sb = rate_limited_sandbox(3600).await;
    let err = submit_expecting_error(&sb).await;
    assert!(matches!(err, SubmitError::RateLimited { .. }), "{err:?}");
    assert_eq!(err.api_error().unwrap().code, "50001");
    assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn dropped_connection_after_submit_is_unknown_outcome_and_never_resent() {
    let sb = sandbox().await;
    sb.inject(Endpoint::Submit, Fault::DropConnection);
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let job = engine.submit(text(Model::Standard, "a fox")).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_eq!(done.state, JobState::UnknownOutcome, "{:?}", done.error);
    assert!(
        done.error
            .unwrap()
            .message
            .contains("may have been accepted and charged")
    );
    // A resume does not resend it either.
    engine.resume().unwrap();
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 1);
    assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 1);
    assert_eq!(
        engine.journal().get(&job.id).unwrap().unwrap().state,
        JobState::UnknownOutcome
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submit_with_no_answer_times_out_as_unknown_outcome() {
    let sb = sandbox().await;
    sb.inject(Endpoint::Submit, Fault::Hang);
    let err = submit_expecting_error(&sb).await;
    assert!(matches!(err, SubmitError::UnknownOutcome(_)), "{err:?}");
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn garbage_answer_to_a_submit_is_unknown_outcome() {
    let sb = sandbox().await;
    sb.inject(Endpoint::Submit, Fault::Garbage);
    let err = submit_expecting_error(&sb).await;
    assert!(matches!(err, SubmitError::UnknownOutcome(_)), "{err:?}");
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn server_error_on_submit_is_not_retried() {
    let sb = sandbox().await;
    sb.inject(Endpoint::Submit, Fault::ServerError);
    let err = submit_expecting_error(&sb).await;
    assert!(
        matches!(err, SubmitError::ServerError { status: 500, .. }),
        "{err:?}"
    );
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn proxy_page_on_submit_is_unknown_outcome_with_a_clear_message() {
    let sb = sandbox().await;
    sb.inject(Endpoint::Submit, Fault::BadGateway);
    let err = submit_expecting_error(&sb).await;
    let SubmitError::UnknownOutcome(msg) = &err else {
        panic!("{err:?}")
    };
    assert!(msg.contains("HTTP 502"), "{msg}");
    assert!(msg.contains("502 Bad Gateway"), "{msg}");
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn no_server_at_all_is_not_sent() {
    // Bind and drop a port so nothing listens there.
    let port = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let mut cfg = ClientConfig::new(
        format!("http://127.0.0.1:{port}").parse().unwrap(),
        ApiKey::new(KEY),
    );
    cfg.retry_base = Duration::from_millis(10);
    let client = ApiClient::new(cfg).unwrap();
    let err = client
        .submit(&text(Model::Standard, "a fox"))
        .await
        .unwrap_err();
    assert!(matches!(err, SubmitError::NotSent(_)), "{err:?}");
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn polls_through_5xx_garbage_and_rate_limits_still_complete() {
    let sb = sandbox().await;
    for f in [
        Fault::ServerError,
        Fault::Garbage,
        Fault::BadGateway,
        Fault::RateLimit {
            retry_after_secs: 0,
        },
        Fault::DropConnection,
    ] {
        sb.inject(Endpoint::Poll, f);
    }
    sb.inject(Endpoint::Media, Fault::ServerError);
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let job = engine.submit(text(Model::Standard, "a fox")).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_completed(&done, 1);
    assert!(sb.stats().polls.load(Ordering::SeqCst) >= 6);
    assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_failed_task_keeps_the_servers_message_and_request_id() {
    let sb = sandbox().await;
    sb.fail_next_task("60001", "Internal error, credits refunded.");
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let job = engine.submit(text(Model::Standard, "a fox")).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_eq!(done.state, JobState::Failed);
    let err = done.error.unwrap();
    assert_eq!(err.code, "60001");
    assert_eq!(err.message, "Internal error, credits refunded.");
    assert!(err.request_id.unwrap().starts_with("req_"));
}

#[test]
fn engine_killed_mid_poll_resumes_and_downloads() {
    let home = tempfile::tempdir().unwrap();
    let main_rt = tokio::runtime::Runtime::new().unwrap();
    let sb = main_rt.block_on(sandbox_with(Duration::from_millis(1500)));

    // First life: submit, see it processing, then the runtime dies with the poll in flight.
    let doomed = tokio::runtime::Runtime::new().unwrap();
    let job_id = doomed.block_on(async {
        let (engine, mut events) = engine(&sb, home.path());
        let mut req = text(Model::Standard, "a lighthouse");
        req.n = 3;
        let job = engine.submit(req).unwrap();
        wait_for(&mut events, &job.id, |j| j.state == JobState::Processing).await;
        job.id
    });
    doomed.shutdown_background();
    {
        let journal = Journal::open(&Paths::new(home.path())).unwrap();
        let j = journal.get(&job_id).unwrap().unwrap();
        assert_eq!(j.state, JobState::Processing);
        assert!(j.results.is_empty());
    }
    // As a kill in the middle of writing a result leaves it (a moment ago, not minutes).
    let paths = Paths::new(home.path());
    let half = paths.library().join(&job_id).join(".partial-Xy12Zq");
    std::fs::create_dir_all(half.parent().unwrap()).unwrap();
    std::fs::write(&half, b"half a png").unwrap();

    // Second life: resume finds it and brings every result home, without a second submit.
    main_rt.block_on(async {
        let (engine, mut events) = engine(&sb, home.path());
        assert_eq!(engine.resume().unwrap(), 1);
        let done = finish(&mut events, &job_id).await;
        assert_completed(&done, 3);
    });
    assert!(
        !half.exists(),
        "the job's new driver removes what its killed driver half-wrote"
    );
    assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 1);
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_job_caught_mid_submit_becomes_unknown_outcome_on_resume() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    let job = JobRecord::new(Server::Sandbox, text(Model::Standard, "a fox"));
    Journal::open(&paths).unwrap().insert(&job).unwrap(); // state Submitting, as a crash leaves it
    let (engine, _events) = engine(&sb, home.path());
    engine.resume().unwrap();
    let back = engine.journal().get(&job.id).unwrap().unwrap();
    assert_eq!(back.state, JobState::UnknownOutcome);
    assert!(back.error.unwrap().message.contains("not sent again"));
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_the_server_does_not_know_pauses_instead_of_failing() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    let journal = Journal::open(&paths).unwrap();
    let job = JobRecord::new(Server::Sandbox, text(Model::Standard, "a fox"));
    journal.insert(&job).unwrap();
    journal
        .set_submitted(&job.id, "task_unknown_to_the_server", "processing")
        .unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    engine.resume().unwrap();
    let back = finish(&mut events, &job.id).await;
    assert_eq!(back.state, JobState::Paused);
    let err = back.error.unwrap();
    assert_eq!(err.code, "40001");
    assert!(err.message.contains("the task is kept"));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn retry_is_a_new_job_and_keeps_the_link() {
    let sb = sandbox().await;
    sb.inject(Endpoint::Submit, Fault::ServerError);
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let job = engine.submit(text(Model::Standard, "a fox")).unwrap();
    assert_eq!(finish(&mut events, &job.id).await.state, JobState::Failed);
    let again = engine.retry(&job.id).unwrap();
    assert_ne!(again.id, job.id);
    assert_eq!(again.retry_of.as_deref(), Some(job.id.as_str()));
    assert_completed(&finish(&mut events, &again.id).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_key_goes_to_the_api_only_and_is_written_nowhere() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let mut req = text(Model::Standard, "a fox");
    req.image_urls = vec![sb.sample_urls()[1].clone()];
    req.n = 2;
    let job = engine.submit(req).unwrap();
    assert_completed(&finish(&mut events, &job.id).await, 2);
    // The sandbox insists on the key for API calls, so they carried it; image downloads must not.
    assert!(sb.stats().media_requests.load(Ordering::SeqCst) >= 2);
    assert_eq!(
        sb.stats().media_requests_with_auth.load(Ordering::SeqCst),
        0
    );
    // Nothing under the data folder contains the key.
    for entry in walk(home.path()) {
        // The engine is still running: a lock or temporary file listed a moment ago may be gone
        // (then it holds nothing); any other read error fails the test.
        let bytes = match std::fs::read(&entry) {
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => continue,
            read => read.unwrap(),
        };
        assert!(
            !bytes.windows(KEY.len()).any(|w| w == KEY.as_bytes()),
            "{} contains the key",
            entry.display()
        );
    }
    assert!(!format!("{:?}", client_config(&sb)).contains(KEY));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_wrong_key_is_refused_without_retry() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let mut client = client_config(&sb);
    client.api_key = ApiKey::new("sk-wrong");
    let mut cfg = EngineConfig::new(Paths::new(home.path()), client, Server::Sandbox);
    cfg.poll_interval = Duration::from_millis(40);
    let (engine, mut events) = Engine::start(cfg, tokio::runtime::Handle::current(), None).unwrap();
    let job = engine.submit(text(Model::Standard, "a fox")).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_eq!(done.state, JobState::Refused);
    assert_eq!(done.error.unwrap().code, "10002");
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_ended_job_can_be_retried_and_deleted_the_moment_its_end_is_announced() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    for _ in 0..20 {
        sb.inject(Endpoint::Submit, Fault::ServerError);
        let job = engine.submit(text(Model::Standard, "a fox")).unwrap();
        // React to the very event that announces the failure, as the window does.
        let failed = finish(&mut events, &job.id).await;
        assert_eq!(failed.state, JobState::Failed);
        engine.delete(&job.id).unwrap();
    }
    sb.inject(Endpoint::Submit, Fault::ServerError);
    let job = engine.submit(text(Model::Standard, "a fox")).unwrap();
    finish(&mut events, &job.id).await;
    let again = engine.retry(&job.id).unwrap();
    assert_completed(&finish(&mut events, &again.id).await, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_shut_down_engine_stops_polling_and_the_next_one_finishes_the_job() {
    let sb = sandbox_with(Duration::from_millis(1500)).await;
    let home = tempfile::tempdir().unwrap();
    let (old, mut events) = engine(&sb, home.path());
    let job = old.submit(text(Model::Standard, "a lighthouse")).unwrap();
    wait_for(&mut events, &job.id, |j| j.state == JobState::Processing).await;

    assert!(old.shutdown().await, "every task ended");
    // A poll abandoned on the wire may still reach the server just after; count from then.
    tokio::time::sleep(Duration::from_millis(100)).await;
    let polls = sb.stats().polls.load(Ordering::SeqCst);
    // Ten poll intervals: a stopped engine sends nothing more.
    tokio::time::sleep(Duration::from_millis(400)).await;
    assert_eq!(sb.stats().polls.load(Ordering::SeqCst), polls);
    let kept = old.journal().get(&job.id).unwrap().unwrap();
    assert_eq!(
        kept.state,
        JobState::Processing,
        "left in flight, not ended"
    );
    assert!(kept.error.is_none());
    assert!(matches!(
        old.submit(text(Model::Standard, "another")),
        Err(EngineError::ShutDown)
    ));

    let (next, mut events) = engine(&sb, home.path());
    assert_eq!(next.resume().unwrap(), 1);
    assert_completed(&finish(&mut events, &job.id).await, 1);
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_submit_on_the_wire_during_shutdown_is_let_finish_and_its_task_kept() {
    // The submit is still being sent (waiting out a 429) when the engine is told to stop.
    let sb = rate_limited_sandbox(1).await;
    let home = tempfile::tempdir().unwrap();
    let (old, _events) = engine(&sb, home.path());
    let job = old.submit(text(Model::Pro, "a harbour at dawn")).unwrap();
    assert!(old.shutdown().await, "every task ended");

    let kept = old.journal().get(&job.id).unwrap().unwrap();
    assert!(kept.task_id.is_some(), "the task id was recorded");
    assert_eq!(kept.state, JobState::Processing);
    assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 1);

    let (next, mut events) = engine(&sb, home.path());
    assert_eq!(next.resume().unwrap(), 1);
    assert_completed(&finish(&mut events, &job.id).await, 1);
    assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 1);
}

/// A sandbox whose next submit is answered 429 with `Retry-After: secs`.
async fn rate_limited_sandbox(secs: u64) -> wan_studio::sandbox::Sandbox {
    let sb = sandbox().await;
    sb.inject(
        Endpoint::Submit,
        Fault::RateLimit {
            retry_after_secs: secs,
        },
    );
    sb
}

/// Sends one submit straight from a client and returns the error it must end in.
async fn submit_expecting_error(sb: &wan_studio::sandbox::Sandbox) -> SubmitError {
    ApiClient::new(client_config(sb))
        .unwrap()
        .submit(&text(Model::Standard, "a fox"))
        .await
        .unwrap_err()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn one_not_found_on_a_poll_is_asked_again_and_the_job_completes() {
    let sb = sandbox().await;
    // A node that does not see the new task yet.
    sb.inject(Endpoint::Poll, Fault::NotFound);
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let job = engine.submit(text(Model::Standard, "a fox")).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_completed(&done, 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn ten_rate_limits_are_waited_out_and_the_job_says_so() {
    let sb = sandbox().await;
    for _ in 0..10 {
        sb.inject(
            Endpoint::Submit,
            Fault::RateLimit {
                retry_after_secs: 1,
            },
        );
    }
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let job = engine.submit(text(Model::Standard, "a fox")).unwrap();
    let waiting = wait_for(&mut events, &job.id, |j| j.state == JobState::RateLimited).await;
    assert_eq!(
        wan_studio::ui::status_text(&waiting, 0),
        "Waiting: rate limited"
    );
    let done = finish(&mut events, &job.id).await;
    assert_completed(&done, 1);
    assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 1);
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 11);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_that_cannot_take_the_task_id_loses_nothing_and_pays_once() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let (first, mut events) = engine(&sb, home.path());
    // The disk fills up while the submit is on the wire: the journal refuses every write after
    // the job's own insert (armed first, so a fast submit cannot be journalled before it).
    first.journal().fail_writes(1, 1000);
    let job = first.submit(text(Model::Standard, "a fox")).unwrap();
    let shown = finish(&mut events, &job.id).await;
    assert_eq!(
        shown.state,
        JobState::Paused,
        "an end state every front end sees"
    );
    let task_id = shown.task_id.clone().expect("the task id is on screen");
    let message = shown.error.unwrap().message;
    // Written into the slot held for it before the submit went out (no new disk space needed).
    let slot = home.path().join("slots").join(format!("{}.json", job.id));
    assert!(
        message.contains(&task_id) && message.contains(&slot.display().to_string()),
        "{message}"
    );
    assert_eq!(
        std::fs::metadata(&slot).unwrap().len(),
        wan_studio::core::engine::recovery::SLOT_BYTES as u64,
        "filled in place"
    );
    let kept = wan_studio::core::engine::recovery::read(&Paths::new(home.path())).unwrap();
    assert_eq!(kept.len(), 1);
    assert_eq!(
        (kept[0].job_id.as_str(), kept[0].task_id.as_str()),
        (job.id.as_str(), task_id.as_str())
    );

    // The next start (the disk has room again) adopts it, polls it and brings the result home.
    let (next, mut events) = engine(&sb, home.path());
    assert_eq!(next.resume().unwrap(), 1);
    let done = finish(&mut events, &job.id).await;
    assert_completed(&done, 1);
    assert_eq!(done.task_id.as_deref(), Some(task_id.as_str()));
    assert!(
        wan_studio::core::engine::recovery::read(&Paths::new(home.path()))
            .unwrap()
            .is_empty()
    );
    assert!(!slot.exists(), "the slot goes once the journal has the id");
    assert_eq!(
        sb.stats().submits_received.load(Ordering::SeqCst),
        1,
        "never sent again"
    );
    assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_id_the_journal_refuses_for_a_while_is_polled_in_memory_and_completes() {
    let sb = sandbox_with(Duration::from_millis(300)).await;
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    // Armed before the submit (after it, a fast submit could be journalled first): the job's own
    // insert goes through, then the four tries right after the submit fail, and two rounds more:
    // then the disk has room.
    engine.journal().fail_writes(1, 6);
    let job = engine.submit(text(Model::Standard, "a fox")).unwrap();
    // The engine says so once the recovery file holds the id (it appends first, then tells);
    // reading the file from here instead would race the journal taking the id back.
    let mut told_kept = false;
    let mut saw_in_memory = false;
    let done = loop {
        let j = match events.recv().await {
            Some(Event::Notice(text)) => {
                told_kept |= text.contains("could not record task");
                continue;
            }
            Some(Event::Job(j)) => j,
            Some(_) => continue,
            None => panic!("the engine stopped"),
        };
        if j.id != job.id {
            continue;
        }
        if j.task_id.is_some() && j.state == JobState::Processing {
            // Shown polling while only memory and the recovery file hold its id.
            saw_in_memory |= told_kept;
        }
        if !j.state.is_active() {
            break *j;
        }
    };
    assert!(saw_in_memory, "the job went on while the journal refused");
    assert_completed(&done, 1);
    assert_eq!(
        engine.journal().get(&job.id).unwrap().unwrap().task_id,
        done.task_id,
        "the journal holds the task id in the end"
    );
    assert!(
        wan_studio::core::engine::recovery::read(&Paths::new(home.path()))
            .unwrap()
            .is_empty(),
        "the recovery entry goes once the journal has it"
    );
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_journal_failure_while_polling_ends_the_job_where_everyone_sees_it() {
    let sb = sandbox_with(Duration::from_millis(600)).await;
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let job = engine.submit(text(Model::Standard, "a fox")).unwrap();
    wait_for(&mut events, &job.id, |j| j.task_id.is_some()).await;
    engine.journal().fail_next_writes(1000);
    let shown = tokio::time::timeout(Duration::from_secs(10), finish(&mut events, &job.id))
        .await
        .expect("the job ends within seconds");
    assert!(!shown.state.is_active(), "{:?}", shown.state);
    assert!(shown.task_id.is_some(), "the task id is kept");
    engine.journal().fail_next_writes(0);
    // Resume continues it once the journal is healthy.
    assert_eq!(engine.resume().unwrap(), 1);
    assert_completed(&finish(&mut events, &job.id).await, 1);
    assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 1);
}

#[test]
fn two_engines_on_one_folder_drive_each_job_once() {
    let main_rt = tokio::runtime::Runtime::new().unwrap();
    let sb = main_rt.block_on(sandbox_with(Duration::from_millis(800)));
    let home = tempfile::tempdir().unwrap();
    main_rt.block_on(async {
        // The window and a command line on one library.
        let (a, mut a_events) = engine(&sb, home.path());
        let (b, _b_events) = engine(&sb, home.path());
        let job = a.submit(text(Model::Standard, "a lighthouse")).unwrap();
        // B starts while A is sending and polling: it leaves A's job alone, and never calls it
        // "unknown outcome".
        assert_eq!(b.resume().unwrap(), 0);
        wait_for(&mut a_events, &job.id, |j| j.task_id.is_some()).await;
        assert_eq!(b.resume().unwrap(), 0);
        let done = finish(&mut a_events, &job.id).await;
        assert_completed(&done, 1);
        let seen_by_b = b.journal().get(&job.id).unwrap().unwrap();
        assert_eq!(seen_by_b.state, JobState::Completed);
        assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 1);
    });

    // A job left in flight by a killed process: two engines resume at once, one drives it.
    let doomed = tokio::runtime::Runtime::new().unwrap();
    let left = doomed.block_on(async {
        let (c, mut events) = engine(&sb, home.path());
        let mut req = text(Model::Standard, "a harbour");
        req.n = 2;
        let job = c.submit(req).unwrap();
        wait_for(&mut events, &job.id, |j| j.state == JobState::Processing).await;
        job.id
    });
    doomed.shutdown_background();
    main_rt.block_on(async {
        let media_before = sb.stats().media_requests.load(Ordering::SeqCst);
        let (a, mut a_events) = engine(&sb, home.path());
        let (b, mut b_events) = engine(&sb, home.path());
        let taken = a.resume().unwrap() + b.resume().unwrap();
        assert_eq!(taken, 1, "one driver for the job");
        let done = tokio::select! {
            d = finish(&mut a_events, &left) => d,
            d = finish(&mut b_events, &left) => d,
        };
        assert_completed(&done, 2);
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            sb.stats().media_requests.load(Ordering::SeqCst) - media_before,
            2,
            "each image downloaded once"
        );
        assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 2);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_damaged_journal_pays_nothing_and_a_rebuild_keeps_every_result() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    let paths = Paths::new(home.path());
    let (first, mut events) = engine(&sb, home.path());
    let mut req = text(Model::Standard, "a quiet harbour");
    req.n = 2;
    let job = first.submit(req).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_completed(&done, 2);
    first.shutdown().await;
    drop(first);
    drop(events);
    tokio::time::sleep(Duration::from_millis(300)).await;

    // The journal's file is overwritten (a crash of the disk, a bad copy); its WAL is lost.
    let file = paths.journal();
    let len = std::fs::metadata(&file).unwrap().len();
    std::fs::write(&file, vec![0x5A; usize::try_from(len.max(8192)).unwrap()]).unwrap();
    for suffix in ["-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", file.display()));
    }

    let submits = sb.stats().submits_received.load(Ordering::SeqCst);
    let err = Engine::start(
        EngineConfig::new(paths.clone(), client_config(&sb), Server::Sandbox),
        tokio::runtime::Handle::current(),
        None,
    )
    .map(|_| ())
    .unwrap_err();
    let message = err.to_string();
    assert!(message.contains("is damaged"), "{message}");
    assert!(
        message.contains("wan-studio repair"),
        "it says what to do: {message}"
    );
    assert_eq!(
        sb.stats().submits_received.load(Ordering::SeqCst),
        submits,
        "no paid step on a damaged journal"
    );

    let repaired = wan_studio::core::library::repair(&paths).unwrap();
    assert_eq!((repaired.jobs, repaired.results), (1, 2));
    assert!(
        repaired.kept_as.unwrap().exists(),
        "the damaged file is kept"
    );
    let back = Journal::open(&paths)
        .unwrap()
        .get(&job.id)
        .unwrap()
        .unwrap();
    assert_eq!(back.state, JobState::Completed);
    assert_eq!(back.task_id, done.task_id);
    assert_eq!(back.request.prompt.as_deref(), Some("a quiet harbour"));
    assert_eq!(back.results.len(), 2);
    assert!(back.results.iter().all(|r| r.path.is_file()));
}

#[test]
fn a_job_another_process_drives_is_followed_and_taken_over_when_that_process_dies() {
    let main_rt = tokio::runtime::Runtime::new().unwrap();
    let sb = main_rt.block_on(sandbox_with(Duration::from_millis(1200)));
    let home = tempfile::tempdir().unwrap();
    // A command line (its own runtime, so it can be killed) sends a job; the window starts meanwhile.
    let start_elsewhere = |prompt: &str| {
        let rt = tokio::runtime::Runtime::new().unwrap();
        let id = rt.block_on(async {
            let (a, mut events) = engine(&sb, home.path());
            let job = a.submit(text(Model::Standard, prompt)).unwrap();
            wait_for(&mut events, &job.id, |j| j.state == JobState::Processing).await;
            // Keep the engine (and its events) alive with the runtime.
            tokio::spawn(async move {
                let _keep = a;
                while events.recv().await.is_some() {}
            });
            job.id
        });
        (rt, id)
    };
    // 1. The other process finishes its job: the window follows it to the end.
    let (other, followed) = start_elsewhere("a lighthouse");
    let (window, mut events) = main_rt.block_on(async { engine(&sb, home.path()) });
    main_rt.block_on(async {
        assert_eq!(window.resume().unwrap(), 0, "the other process drives it");
        let done = finish(&mut events, &followed).await;
        assert_completed(&done, 1);
    });
    drop(other);

    // 2. The other process dies mid-poll: the window takes the job over and finishes it.
    let (other, orphan) = start_elsewhere("a harbour");
    main_rt.block_on(async {
        assert_eq!(window.resume().unwrap(), 0, "the other process drives it");
    });
    other.shutdown_background();
    main_rt.block_on(async {
        let done = finish(&mut events, &orphan).await;
        assert_completed(&done, 1);
        assert_ne!(
            done.error.as_ref().map(|e| e.code.as_str()),
            Some("unknown_outcome")
        );
        assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 2);
        assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 2);
    });
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_502_or_504_on_submit_is_unknown_outcome_and_never_resent() {
    for status in [502_u16, 504] {
        let sb = sandbox().await;
        // The gateway answers with the JSON envelope after the API behind it took the request.
        sb.inject(Endpoint::Submit, Fault::Gateway { status });
        let home = tempfile::tempdir().unwrap();
        let (engine, mut events) = engine(&sb, home.path());
        let job = engine.submit(text(Model::Standard, "a fox")).unwrap();
        let done = finish(&mut events, &job.id).await;
        assert_eq!(
            done.state,
            JobState::UnknownOutcome,
            "{status}: {:?}",
            done.error
        );
        engine.resume().unwrap();
        tokio::time::sleep(Duration::from_millis(300)).await;
        assert_eq!(
            sb.stats().submits_received.load(Ordering::SeqCst),
            1,
            "{status}"
        );
        assert_eq!(
            sb.stats().tasks_created.load(Ordering::SeqCst),
            1,
            "{status}"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_gateway_502_or_504_on_a_poll_is_transient() {
    let sb = sandbox().await;
    for status in [502_u16, 504, 502] {
        sb.inject(Endpoint::Poll, Fault::Gateway { status });
    }
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let job = engine.submit(text(Model::Standard, "a fox")).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_completed(&done, 1);
    assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_providers_upper_case_statuses_complete() {
    let sb = wan_studio::sandbox::Sandbox::start(wan_studio::sandbox::SandboxConfig {
        key: Some(KEY.to_owned()),
        base_delay: Duration::from_millis(150),
        per_image_delay: Duration::ZERO,
        provider_statuses: true,
        ..wan_studio::sandbox::SandboxConfig::default()
    })
    .await
    .unwrap();
    let home = tempfile::tempdir().unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    let mut req = text(Model::Standard, "a fox");
    req.n = 2;
    let job = engine.submit(req).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_completed(&done, 2);
    // And a failure in that spelling is a failure.
    sb.fail_next_task("70001", "content rejected");
    let job = engine.submit(text(Model::Standard, "a fox")).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_eq!(done.state, JobState::Failed, "{:?}", done.error);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_task_older_than_a_day_that_the_server_forgot_is_expired_with_no_more_polls() {
    let sb = sandbox().await;
    let home = tempfile::tempdir().unwrap();
    // A job left running 25 hours ago: the server keeps task ids for 24 hours only.
    let mut old = JobRecord::new(
        wan_studio::core::api::server::Server::Sandbox,
        text(Model::Standard, "a fox"),
    );
    let day_and_an_hour = i64::try_from(Duration::from_hours(25).as_millis()).unwrap();
    old.created_at_ms -= day_and_an_hour;
    old.submitted_at_ms = Some(old.created_at_ms + 500);
    old.state = JobState::Processing;
    old.task_id = Some("task_from_yesterday".to_owned());
    Journal::open(&Paths::new(home.path()))
        .unwrap()
        .insert(&old)
        .unwrap();
    let (engine, mut events) = engine(&sb, home.path());
    engine.resume().unwrap();
    let done = finish(&mut events, &old.id).await;
    assert_eq!(done.state, JobState::Expired, "{:?}", done.error);
    let error = done.error.clone().unwrap();
    assert_eq!(error.code, "expired");
    assert!(
        error.message.contains("may have been charged")
            && error.message.contains("task_from_yesterday"),
        "{}",
        error.message
    );
    // The window words it as its own state, with the charge warning.
    assert_eq!(wan_studio::ui::status_text(&done, 0), "Expired");
    let plain = wan_studio::core::api::explain::job_error(&error, done.state, &done.server);
    assert!(
        plain.summary.contains("may have been charged"),
        "{}",
        plain.summary
    );
    // Asked once, then left alone: no patience loop, no pause to resume.
    tokio::time::sleep(Duration::from_millis(800)).await;
    assert_eq!(sb.stats().poll_times("task_from_yesterday").len(), 1);
    assert!(!done.state.is_resumable());
    assert_eq!(
        wan_studio::cli::Exit::for_job(&engine.journal().get(&old.id).unwrap().unwrap()),
        wan_studio::cli::Exit::TaskFailed
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_long_task_is_polled_less_often_up_to_the_longest_wait_and_no_less() {
    // The provider's schedule (2 s, backing off after 30 s to at most 10 s) scaled down 50 times:
    // 40 ms, backing off after 600 ms to at most 200 ms.
    let sb = sandbox_with(Duration::from_secs(3)).await;
    let home = tempfile::tempdir().unwrap();
    let mut cfg = wan_studio::core::engine::EngineConfig::new(
        Paths::new(home.path()),
        client_config(&sb),
        wan_studio::core::api::server::Server::Sandbox,
    );
    cfg.poll_interval = Duration::from_millis(40);
    cfg.poll_backoff = wan_studio::core::engine::PollBackoff {
        after: Duration::from_millis(600),
        longest: Duration::from_millis(200),
    };
    let (engine, mut events) = Engine::start(cfg, tokio::runtime::Handle::current(), None).unwrap();
    let job = engine.submit(text(Model::Standard, "a slow fox")).unwrap();
    let done = finish(&mut events, &job.id).await;
    assert_completed(&done, 1);
    let times = sb.stats().poll_times(done.task_id.as_deref().unwrap());
    let gaps: Vec<Duration> = times.windows(2).map(|w| w[1] - w[0]).collect();
    assert!(gaps.len() >= 10, "{gaps:?}");
    // At first, at the interval.
    assert!(gaps[0] < Duration::from_millis(150), "{gaps:?}");
    // Late in the task, at the longest wait: reached, and never gone past (a poll's own round
    // trip on a busy test machine is the only slack).
    let late = &gaps[gaps.len() - 3..];
    assert!(
        late.iter().all(|g| *g >= Duration::from_millis(190)),
        "the longest wait is reached: {gaps:?}"
    );
    assert!(
        gaps.iter().all(|g| *g <= Duration::from_millis(200 + 120)),
        "no wait is longer than the longest: {gaps:?}"
    );
}

#[test]
fn a_job_another_process_starts_after_the_window_opened_shows_as_it_happens() {
    let main_rt = tokio::runtime::Runtime::new().unwrap();
    // Long enough that the window's look (every 3 s) finds it still running.
    let sb = main_rt.block_on(sandbox_with(Duration::from_secs(5)));
    let home = tempfile::tempdir().unwrap();
    let (window, mut events) = main_rt.block_on(async { engine(&sb, home.path()) });
    window.handle(wan_studio::core::engine::Command::WatchBatches);
    // An agent (or a command line) starts a job after the window opened, on its own engine.
    let other = tokio::runtime::Runtime::new().unwrap();
    let id = other.block_on(async {
        let (a, mut theirs) = engine(&sb, home.path());
        let mut req = text(Model::Standard, "a heron at dusk");
        req.n = 2;
        let mut submission = wan_studio::core::engine::Submission::new(req);
        submission.agent = Some("Claude Desktop".into());
        let job = a.submit_with(submission).unwrap();
        tokio::spawn(async move {
            let _keep = a;
            while theirs.recv().await.is_some() {}
        });
        job.id
    });
    main_rt.block_on(async {
        // Told while it runs, with the agent that asked; then followed to the end.
        let running = wait_for(&mut events, &id, |j| j.state.is_active()).await;
        assert_eq!(running.agent.as_deref(), Some("Claude Desktop"));
        let done = finish(&mut events, &id).await;
        assert_completed(&done, 2);
    });
    assert_eq!(
        sb.stats().tasks_created.load(Ordering::SeqCst),
        1,
        "sent once"
    );
    drop(other);
}
