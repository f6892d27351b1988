//! The `wan-studio` binary as the command-line tests run it.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use wan_studio::sandbox::Sandbox;

use super::KEY;

pub const BIN: &str = env!("CARGO_BIN_EXE_wan-studio");

/// The binary with a private data folder, fast polling, and (when given) a sandbox as its API.
pub fn cli(home: &Path, api: Option<&Sandbox>) -> Command {
    let mut c = Command::new(BIN);
    c.env_clear()
        .env("PATH", std::env::var_os("PATH").unwrap_or_default())
        .env("WAN_STUDIO_HOME", home)
        .env("WAN_STUDIO_POLL_MS", "50")
        .stdin(Stdio::null());
    if let Some(sb) = api {
        c.env("REAPI_BASE_URL", sb.base_url().as_str())
            .env("REAPI_API_KEY", KEY);
    }
    c
}

/// Runs it to the end off the async runtime's threads.
pub async fn output(mut c: Command) -> Output {
    tokio::task::spawn_blocking(move || c.output().expect("the binary runs"))
        .await
        .unwrap()
}

pub fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

/// Its stdout as JSON (a test fails with both streams shown when it is not).
pub fn json(o: &Output) -> serde_json::Value {
    serde_json::from_slice(&o.stdout).unwrap_or_else(|e| {
        panic!(
            "stdout is not JSON ({e}): {}\n{}",
            String::from_utf8_lossy(&o.stdout),
            stderr(o)
        )
    })
}
