//! Connecting a front end to a server: reAPI with a key, or the built-in sandbox without one.
//! Shared by the command line and the window.

use std::path::PathBuf;
use std::time::Duration;

use reqwest::Url;
use tokio::sync::mpsc;

use crate::core::api::client::ClientConfig;
use crate::core::engine::{Command, Engine, EngineConfig, EngineError, Event, Waker};
use crate::core::settings::{ApiKey, Paths};
use crate::sandbox::{Sandbox, SandboxConfig, SandboxError};

pub use crate::core::api::server::Server;

/// How to connect.
#[derive(Debug, Clone)]
pub struct Options {
    pub paths: Paths,
    /// With a key: reAPI at `base_url`. Without: the sandbox.
    pub key: Option<ApiKey>,
    pub base_url: Url,
    /// The sandbox's processing time (a realistic few seconds by default; tests shorten it).
    pub sandbox_delay: Duration,
    pub sandbox_per_image: Duration,
    pub poll_interval: Duration,
    /// First wait before a submit that provably was not charged is tried again (tests shorten it).
    pub retry_base: Duration,
    /// Capacity of the command channel from the front end.
    pub command_capacity: usize,
    /// Read the library while the journal is checked ([`EngineConfig::shelve_at_open`]).
    pub shelve_at_open: bool,
}

impl Options {
    pub fn new(paths: Paths, key: Option<ApiKey>, base_url: Url) -> Options {
        let defaults = SandboxConfig::default();
        Options {
            paths,
            key,
            base_url,
            sandbox_delay: defaults.base_delay,
            sandbox_per_image: defaults.per_image_delay,
            poll_interval: Duration::from_millis(1500),
            retry_base: Duration::from_secs(2),
            command_capacity: 64,
            shelve_at_open: false,
        }
    }

    /// The sandbox's state folder.
    pub fn sandbox_dir(&self) -> PathBuf {
        self.paths.sandbox()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ConnectError {
    #[error("the sandbox could not start: {0}")]
    Sandbox(#[from] SandboxError),
    #[error(transparent)]
    Engine(#[from] EngineError),
    #[error("the engine could not start: the runtime is shutting down")]
    ShuttingDown,
}

impl ConnectError {
    /// Whether the journal's file is damaged (the window offers to rebuild it from the library).
    pub fn is_damaged_journal(&self) -> bool {
        matches!(
            self,
            ConnectError::Engine(EngineError::Journal(
                crate::core::library::journal::JournalError::Damaged { .. }
            ))
        )
    }
}

/// A connected engine with its channels. Dropping it stops the sandbox (if any); jobs already
/// journalled are resumed by the next connection.
pub struct Backend {
    pub server: Server,
    pub engine: Engine,
    pub events: mpsc::Receiver<Event>,
    /// Bounded: the window uses `try_send` and never waits.
    pub commands: mpsc::Sender<Command>,
    pub sandbox: Option<Sandbox>,
}

impl Backend {
    /// Hands the jobs back to the journal and stops: the engine stops polling and downloading
    /// (jobs in flight stay in flight, for the next connection to resume), then the sandbox, if
    /// any, stops and frees its port. Use this before connecting again, so two engines never
    /// drive the same job.
    pub async fn close(self) {
        let Backend {
            engine, sandbox, ..
        } = self;
        engine.shutdown().await;
        if let Some(sandbox) = sandbox {
            sandbox.stop().await;
        }
    }
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("server", &self.server)
            .finish_non_exhaustive()
    }
}

/// A loopback port for this data folder's sandbox, the same every run: 47000–48999 by a hash of
/// the folder's path.
pub fn stable_port(paths: &Paths) -> u16 {
    let hash = paths
        .home
        .to_string_lossy()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3)
        });
    47_000 + u16::try_from(hash % 2000).unwrap_or(0)
}

/// Starts the sandbox on `cfg.port`, trying again for up to a second while the port is held
/// (the run before may still be letting go of it).
async fn start_on(cfg: SandboxConfig) -> Result<Sandbox, SandboxError> {
    let mut tries = 0;
    loop {
        match Sandbox::start(cfg.clone()).await {
            Err(SandboxError::Bind { .. }) if tries < 10 => {
                tries += 1;
                tokio::time::sleep(std::time::Duration::from_millis(100)).await;
            }
            other => return other,
        }
    }
}

/// Starts the sandbox if there is no key, then the engine and its command loop, on the current
/// runtime. `use_sandbox` forces the sandbox even with a key.
pub async fn connect(
    opts: &Options,
    use_sandbox: bool,
    waker: Option<Waker>,
) -> Result<Backend, ConnectError> {
    let api_key = opts.key.as_ref().filter(|_| !use_sandbox);
    let (client, sandbox, server) = if let Some(key) = api_key {
        (
            ClientConfig::new(opts.base_url.clone(), Some(key.clone())),
            None,
            Server::Api(opts.base_url.clone()),
        )
    } else {
        let cfg = SandboxConfig {
            state_dir: Some(opts.sandbox_dir()),
            base_delay: opts.sandbox_delay,
            per_image_delay: opts.sandbox_per_image,
            port: stable_port(&opts.paths),
            ..SandboxConfig::default()
        };
        // The same address every run keeps earlier sample and result links working: the port
        // the last run used (kept in the sandbox's folder), else this folder's own. A port still
        // held by a run that is just ending is tried again for a moment; if another program holds
        // it, any free port will do, and is kept for the next run.
        let remembered = opts.sandbox_dir().join("port");
        let port = std::fs::read_to_string(&remembered)
            .ok()
            .and_then(|t| t.trim().parse::<u16>().ok())
            .filter(|&p| p >= 1024)
            .unwrap_or(cfg.port);
        let sandbox = start_on(SandboxConfig {
            port,
            ..cfg.clone()
        })
        .await;
        let sandbox = match sandbox {
            Ok(s) => s,
            Err(SandboxError::Bind { .. }) => {
                Sandbox::start(SandboxConfig { port: 0, ..cfg }).await?
            }
            Err(e) => return Err(e.into()),
        };
        if sandbox.addr().port() != port {
            let text = sandbox.addr().port().to_string();
            if let Err(e) = crate::core::imaging::write_atomic(&remembered, text.as_bytes()) {
                tracing::warn!("the sandbox's port could not be kept for the next run: {e}");
            }
        }
        (
            ClientConfig::new(sandbox.base_url(), None),
            Some(sandbox),
            Server::Sandbox,
        )
    };
    let mut client = client;
    client.retry_base = opts.retry_base;
    let mut cfg = EngineConfig::new(opts.paths.clone(), client, server.clone());
    cfg.poll_interval = opts.poll_interval;
    cfg.shelve_at_open = opts.shelve_at_open;
    // Opening the journal reads and checks it (a quarter of a second at 100,000 results): on a
    // blocking thread, so the runtime's workers (the sandbox among them) keep serving meanwhile.
    let rt = tokio::runtime::Handle::current();
    let (engine, events) =
        match tokio::task::spawn_blocking(move || Engine::start(cfg, rt, waker)).await {
            Ok(started) => started?,
            Err(e) if e.is_panic() => std::panic::resume_unwind(e.into_panic()),
            Err(_) => return Err(ConnectError::ShuttingDown),
        };
    let (commands, rx) = mpsc::channel(opts.command_capacity.max(1));
    engine.serve(rx);
    Ok(Backend {
        server,
        engine,
        events,
        commands,
        sandbox,
    })
}
