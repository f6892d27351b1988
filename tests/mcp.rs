//! `wan-studio mcp` driven as an agent's client drives it: a child process speaking
//! newline-delimited JSON-RPC 2.0 on its stdin and stdout, against a sandbox this test holds (its
//! counts say what was sent) or the child's own sandbox.
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::needless_pass_by_value
)]

mod common;

use std::io::{BufRead, BufReader, Write};
use std::process::{Child, ChildStdin, ChildStdout, Command, Stdio};
use std::sync::atomic::Ordering;
use std::time::{Duration, Instant};

use common::cli::{cli, json, output};
use serde_json::{Value, json};
use wan_studio::sandbox::Sandbox;

/// One MCP session with the child.
struct Session {
    child: Child,
    stdin: Option<ChildStdin>,
    stdout: BufReader<ChildStdout>,
    next_id: u64,
    /// Notifications seen while waiting for answers.
    notes: Vec<Value>,
}

impl Session {
    /// Starts `wan-studio mcp ARGS` with the test's environment and says hello.
    fn start(mut cmd: Command, args: &[&str]) -> Session {
        cmd.arg("mcp")
            .args(args)
            .stdin(Stdio::piped())
            .stdout(Stdio::piped())
            .stderr(Stdio::inherit());
        let mut child = cmd.spawn().expect("wan-studio mcp starts");
        let stdin = child.stdin.take();
        let stdout = BufReader::new(child.stdout.take().unwrap());
        let mut s = Session {
            child,
            stdin,
            stdout,
            next_id: 0,
            notes: Vec::new(),
        };
        let hello = s.call(
            "initialize",
            json!({
                "protocolVersion": "2025-06-18",
                "capabilities": {},
                "clientInfo": {"name": "test-agent", "version": "1.0"}
            }),
        );
        assert_eq!(
            hello["result"]["serverInfo"]["name"], "wan-studio",
            "{hello}"
        );
        s.send(&json!({"jsonrpc": "2.0", "method": "notifications/initialized"}));
        s
    }

    fn send(&mut self, message: &Value) {
        let stdin = self.stdin.as_mut().unwrap();
        writeln!(stdin, "{message}").unwrap();
        stdin.flush().unwrap();
    }

    fn read(&mut self) -> Value {
        let mut line = String::new();
        let n = self.stdout.read_line(&mut line).unwrap();
        assert!(n > 0, "the server closed its stdout");
        serde_json::from_str(&line)
            .unwrap_or_else(|e| panic!("stdout carried a line that is not JSON-RPC ({e}): {line}"))
    }

    /// Sends a request and returns its answer, keeping the notifications that came first.
    fn call(&mut self, method: &str, params: Value) -> Value {
        self.next_id += 1;
        let id = self.next_id;
        self.send(&json!({"jsonrpc": "2.0", "id": id, "method": method, "params": params}));
        loop {
            let m = self.read();
            if m["id"] == id {
                return m;
            }
            self.notes.push(m);
        }
    }

    /// Calls a tool; returns its result (`isError` and all).
    fn tool(&mut self, name: &str, arguments: Value) -> Value {
        let answer = self.call(
            "tools/call",
            json!({"name": name, "arguments": arguments, "_meta": {"progressToken": name}}),
        );
        answer["result"].clone()
    }

    /// Closes stdin as a client that went away does; waits for the server to end.
    fn hang_up(mut self) -> std::process::ExitStatus {
        drop(self.stdin.take());
        let started = Instant::now();
        loop {
            if let Some(status) = self.child.try_wait().unwrap() {
                return status;
            }
            assert!(
                started.elapsed() < Duration::from_secs(10),
                "the server ends when its client goes"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

impl Drop for Session {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn structured(result: &Value) -> &Value {
    assert_eq!(result["isError"], false, "{result}");
    &result["structuredContent"]
}

fn tool_error(result: &Value) -> String {
    assert_eq!(result["isError"], true, "{result}");
    result["content"][0]["text"].as_str().unwrap().to_owned()
}

async fn sandbox(delay: Duration) -> Sandbox {
    common::sandbox_with(delay).await
}

/// Runs a blocking session body off the runtime's threads (the sandbox serves on them).
async fn blocking<T: Send + 'static>(f: impl FnOnce() -> T + Send + 'static) -> T {
    tokio::task::spawn_blocking(f).await.unwrap()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_agent_prices_makes_follows_and_finds_an_image() {
    let sb = sandbox(Duration::from_millis(300)).await;
    let home = tempfile::tempdir().unwrap();
    let cmd = cli(home.path(), Some(&sb));
    let (session, job_id, paths) = blocking(move || {
        let mut s = Session::start(cmd, &[]);
        let listed = s.call("tools/list", json!({}));
        let tools = listed["result"]["tools"].as_array().unwrap().clone();
        let names: Vec<&str> = tools.iter().map(|t| t["name"].as_str().unwrap()).collect();
        for want in [
            "estimate",
            "generate",
            "job_status",
            "search_library",
            "get_result",
            "list_presets",
        ] {
            assert!(names.contains(&want), "{want} in {names:?}");
        }
        for t in &tools {
            assert_eq!(t["inputSchema"]["type"], "object", "{t}");
            assert!(
                t["outputSchema"].is_object(),
                "{} declares its output",
                t["name"]
            );
        }
        let generate = tools.iter().find(|t| t["name"] == "generate").unwrap();
        for field in [
            "model",
            "prompt",
            "n",
            "size",
            "images",
            "bbox_list",
            "color_palette",
        ] {
            assert!(
                generate["inputSchema"]["properties"][field].is_object(),
                "generate takes {field}"
            );
        }

        let priced = s.tool("estimate", json!({"prompt": "a red fox", "n": 2}));
        let priced = structured(&priced);
        assert_eq!(priced["images"], 2);
        assert!(
            (priced["price_usd"].as_f64().unwrap() - 0.06).abs() < 1e-9,
            "{priced}"
        );
        assert_eq!(priced["problems"], json!([]));

        let made = s.tool(
            "generate",
            json!({"prompt": "一只红狐狸 a red fox", "n": 2, "seed": 7}),
        );
        let made = structured(&made).clone();
        assert_eq!(made["state"], "completed", "{made}");
        assert_eq!(made["by_agent"], true);
        let paths: Vec<String> = made["paths"]
            .as_array()
            .unwrap()
            .iter()
            .map(|p| p.as_str().unwrap().to_owned())
            .collect();
        assert_eq!(paths.len(), 2);
        let progress: Vec<&Value> = s
            .notes
            .iter()
            .filter(|n| n["method"] == "notifications/progress")
            .collect();
        assert!(
            progress.len() >= 2,
            "progress notifications while it polled: {:?}",
            s.notes
        );
        assert!(
            progress
                .iter()
                .all(|n| n["params"]["progressToken"] == "generate")
        );
        let job_id = made["job_id"].as_str().unwrap().to_owned();

        let status = s.tool("job_status", json!({"job_id": job_id}));
        assert_eq!(structured(&status)["jobs"][0]["state"], "completed");
        let found = s.tool("search_library", json!({"text": "狐狸"}));
        let found = structured(&found);
        assert_eq!(found["results"].as_array().unwrap().len(), 2, "{found}");
        assert_eq!(found["results"][0]["job_id"], job_id.as_str());
        let one = s.tool(
            "get_result",
            json!({"job_id": job_id, "index": 1, "thumbnail": true}),
        );
        assert_eq!(
            structured(&one)["provenance"]["ai_generated"],
            true,
            "{one}"
        );
        assert_eq!(structured(&one)["parameters"]["seed"], 7);
        assert_eq!(
            one["content"][1]["type"], "image",
            "a thumbnail as image content"
        );
        (s, job_id, paths)
    })
    .await;
    assert_eq!(
        sb.stats().submits_received.load(Ordering::SeqCst),
        1,
        "one submit"
    );
    assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 1);
    for p in &paths {
        assert!(std::path::Path::new(p).is_file(), "{p}");
    }
    // The job is the library's like any other, made by an agent.
    let journal = wan_studio::core::library::journal::Journal::open(
        &wan_studio::core::settings::Paths::new(home.path()),
    )
    .unwrap();
    let job = journal.get(&job_id).unwrap().unwrap();
    assert_eq!(job.agent.as_deref(), Some("test-agent"));
    assert!(blocking(move || session.hang_up()).await.success());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_broken_rule_or_a_passed_budget_sends_nothing() {
    let sb = sandbox(Duration::from_millis(100)).await;
    let home = tempfile::tempdir().unwrap();
    let cmd = cli(home.path(), Some(&sb));
    let outside = tempfile::tempdir().unwrap();
    let photo = common::photos::rotated_photo(outside.path());
    let allowed = tempfile::tempdir().unwrap();
    let huge = allowed.path().join("huge.png");
    std::fs::File::create(&huge)
        .unwrap()
        .set_len(2 << 30)
        .unwrap();
    let dir = allowed.path().display().to_string();
    blocking(move || {
        let mut s = Session::start(cmd, &["--max-cost", "0.05", "--allow-dir", &dir]);
        let big = tool_error(&s.tool(
            "generate",
            json!({"prompt": "a fox", "images": [huge.display().to_string()]}),
        ));
        assert!(big.contains("at most 256 MB"), "{big}");
        let too_many = tool_error(&s.tool("generate", json!({"prompt": "a fox", "n": 13})));
        assert!(too_many.starts_with("n: "), "{too_many}");
        assert!(too_many.contains("nothing was sent"));
        let over = tool_error(&s.tool(
            "generate",
            json!({"prompt": "a fox", "n": 1, "model": "wan2.7-image-pro"}),
        ));
        assert!(over.contains("--max-cost $0.05"), "{over}");
        let outside = tool_error(&s.tool(
            "generate",
            json!({"prompt": "a fox", "images": [photo.display().to_string()]}),
        ));
        assert!(outside.contains("--allow-dir"), "{outside}");
        let unknown = tool_error(&s.tool("estimate", json!({"promt": "a fox"})));
        assert!(unknown.contains("promt"), "{unknown}");
        let long = "字".repeat(100_000);
        let too_long = tool_error(&s.tool("generate", json!({"prompt": long})));
        assert!(too_long.starts_with("prompt: "), "{too_long}");
        // Malformed JSON-RPC gets the protocol's own error.
        s.send(&json!({"jsonrpc": "2.0", "id": 99, "method": "tools/call", "params": 5}));
        let bad = s.read();
        assert!(bad["error"]["code"].is_i64(), "{bad}");
        let missing = s.call("tools/call", json!({"name": "paint", "arguments": {}}));
        assert!(
            missing.to_string().contains("paint"),
            "an unknown tool is named: {missing}"
        );
    })
    .await;
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 0);
    assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn read_only_serves_only_what_sends_nothing() {
    let sb = sandbox(Duration::from_millis(100)).await;
    let home = tempfile::tempdir().unwrap();
    let cmd = cli(home.path(), Some(&sb));
    blocking(move || {
        let mut s = Session::start(cmd, &["--read-only"]);
        let listed = s.call("tools/list", json!({}));
        let names: Vec<String> = listed["result"]["tools"]
            .as_array()
            .unwrap()
            .iter()
            .map(|t| t["name"].as_str().unwrap().to_owned())
            .collect();
        assert!(!names.contains(&"generate".to_owned()), "{names:?}");
        assert_eq!(names.len(), wan_studio::mcp::READ_ONLY_TOOLS.len());
        let refused = s.call(
            "tools/call",
            json!({"name": "generate", "arguments": {"prompt": "a fox"}}),
        );
        assert!(
            refused["error"].is_object() || refused["result"]["isError"] == true,
            "{refused}"
        );
    })
    .await;
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_local_reference_goes_through_the_sandboxs_hosting() {
    let home = tempfile::tempdir().unwrap();
    let photos = tempfile::tempdir().unwrap();
    let photo = common::photos::rotated_photo(photos.path());
    let cmd = cli(home.path(), None);
    let dir = photos.path().display().to_string();
    let made = blocking(move || {
        let mut s = Session::start(cmd, &["--sandbox", "--allow-dir", &dir]);
        let made = s.tool(
            "generate",
            json!({
                "prompt": "the same desk at night",
                "images": [photo.display().to_string()],
                "bbox_list": [[[100, 100, 300, 250]]]
            }),
        );
        structured(&made).clone()
    })
    .await;
    assert_eq!(made["state"], "completed", "{made}");
    let journal = wan_studio::core::library::journal::Journal::open(
        &wan_studio::core::settings::Paths::new(home.path()),
    )
    .unwrap();
    let job = journal
        .get(made["job_id"].as_str().unwrap())
        .unwrap()
        .unwrap();
    assert!(
        job.request.image_urls[0].contains("/uploads/"),
        "uploaded to the sandbox's host: {:?}",
        job.request.image_urls
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_gone_mid_generate_leaves_the_job_for_resume_sent_once() {
    let sb = sandbox(Duration::from_secs(3)).await;
    let home = tempfile::tempdir().unwrap();
    let cmd = cli(home.path(), Some(&sb));
    blocking(move || {
        let mut s = Session::start(cmd, &[]);
        s.next_id += 1;
        let id = s.next_id;
        s.send(&json!({
            "jsonrpc": "2.0", "id": id, "method": "tools/call",
            "params": {"name": "generate", "arguments": {"prompt": "a slow fox"},
                       "_meta": {"progressToken": "slow"}}
        }));
        // Wait until the task is on the server, then go, taking the server with it (a client
        // killed with its process group): nothing gets to finish the job but `resume`.
        loop {
            let m = s.read();
            let said = m["params"]["message"]
                .as_str()
                .unwrap_or_default()
                .to_owned();
            if said.starts_with("Processing") {
                break;
            }
        }
        s.child.kill().unwrap();
        s.child.wait().unwrap();
    })
    .await;
    assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 1);
    let paths = wan_studio::core::settings::Paths::new(home.path());
    let journal = wan_studio::core::library::journal::Journal::open(&paths).unwrap();
    let jobs = journal.list().unwrap();
    assert_eq!(jobs.len(), 1, "the job is in the journal");
    assert!(jobs[0].state.is_active(), "{:?}", jobs[0].state);
    drop(journal);
    let mut resume = cli(home.path(), Some(&sb));
    resume.args(["resume", "--json"]);
    let out = output(resume).await;
    let done = json(&out);
    assert_eq!(done[0]["status"], "completed", "{done}");
    assert_eq!(
        sb.stats().submits_received.load(Ordering::SeqCst),
        1,
        "sent once"
    );
    assert_eq!(sb.stats().tasks_created.load(Ordering::SeqCst), 1);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn over_http_the_token_the_host_and_the_origin_are_checked() {
    let home = tempfile::tempdir().unwrap();
    let mut cmd = cli(home.path(), None);
    cmd.args(["mcp", "--sandbox", "--http", "127.0.0.1:0"])
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit());
    let mut child = KillOnDrop(cmd.spawn().unwrap());
    let mut out = BufReader::new(child.0.stdout.take().unwrap());
    let (url, token, _out) = blocking(move || {
        let mut line = String::new();
        out.read_line(&mut line).unwrap();
        let url = line.trim().rsplit(' ').next().unwrap().to_owned();
        line.clear();
        out.read_line(&mut line).unwrap();
        let token = line
            .trim()
            .strip_prefix("Authorization: Bearer ")
            .unwrap()
            .to_owned();
        // The reader stays open (it is handed back) while the server runs.
        (url, token, out)
    })
    .await;
    assert!(
        url.starts_with("http://127.0.0.1:") && url.ends_with("/mcp"),
        "{url}"
    );
    let kept = std::fs::read_to_string(home.path().join("mcp-token")).unwrap();
    assert_eq!(kept.trim(), token, "the token is kept in the data folder");
    let hello = json!({
        "jsonrpc": "2.0", "id": 1, "method": "initialize",
        "params": {"protocolVersion": "2025-06-18", "capabilities": {},
                   "clientInfo": {"name": "http-test", "version": "1"}}
    });
    let (http, _) =
        wan_studio::core::api::client::build_http_client(reqwest::Client::builder).unwrap();
    let initialize = |auth: Option<&str>| {
        let mut r = http
            .post(&url)
            .header("accept", "application/json, text/event-stream")
            .header("content-type", "application/json")
            .body(hello.to_string());
        if let Some(t) = auth {
            r = r.header("authorization", format!("Bearer {t}"));
        }
        r
    };
    let no_token = initialize(None).send().await.unwrap();
    assert_eq!(no_token.status(), 401);
    let wrong = initialize(Some("0123")).send().await.unwrap();
    assert_eq!(wrong.status(), 401);
    let foreign = initialize(Some(&token))
        .header("origin", "https://evil.example")
        .send()
        .await
        .unwrap();
    assert_eq!(foreign.status(), 403, "a foreign Origin");
    let port = url
        .trim_start_matches("http://127.0.0.1:")
        .trim_end_matches("/mcp");
    let rebound = initialize(Some(&token))
        .header("host", format!("evil.example:{port}"))
        .send()
        .await
        .unwrap();
    assert_eq!(rebound.status(), 403, "a foreign Host (DNS rebinding)");
    let ok = initialize(Some(&token)).send().await.unwrap();
    assert_eq!(ok.status(), 200);
    assert!(
        ok.headers().get("access-control-allow-origin").is_none(),
        "no CORS header"
    );
    let body = ok.text().await.unwrap();
    assert!(body.contains("wan-studio"), "{body}");
    drop(child);
}

/// A child process stopped however the test ends.
struct KillOnDrop(Child);

impl Drop for KillOnDrop {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_client_gone_after_wait_false_lets_the_job_finish_before_the_server_ends() {
    let sb = sandbox(Duration::from_millis(800)).await;
    let home = tempfile::tempdir().unwrap();
    let cmd = cli(home.path(), Some(&sb));
    let job_id = blocking(move || {
        let mut s = Session::start(cmd, &[]);
        let sent = s.tool("generate", json!({"prompt": "a quick fox", "wait": false}));
        let sent = structured(&sent).clone();
        assert!(
            ["submitting", "processing"].contains(&sent["state"].as_str().unwrap()),
            "{sent}"
        );
        // The client goes at once, the submit perhaps still on the wire.
        assert!(s.hang_up().success());
        sent["job_id"].as_str().unwrap().to_owned()
    })
    .await;
    let journal = wan_studio::core::library::journal::Journal::open(
        &wan_studio::core::settings::Paths::new(home.path()),
    )
    .unwrap();
    let job = journal.get(&job_id).unwrap().unwrap();
    assert_eq!(
        job.state,
        wan_studio::core::library::journal::JobState::Completed
    );
    assert_eq!(job.results.len(), 1);
    assert_eq!(sb.stats().submits_received.load(Ordering::SeqCst), 1);
}
