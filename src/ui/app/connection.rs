//! The connection: startup (settings, palettes and key read off the UI thread, then the backend),
//! reconnecting, the API key, the reference host and its secret, and the settings that decide
//! where requests go. [`SetupAction`]s land here.

use std::sync::Arc;

use eframe::egui;
use tokio::sync::oneshot;

use crate::backend::{self, Backend};
use crate::core::api::client::{ApiClient, ClientConfig, KeyCheck};
use crate::core::api::server::Server;
use crate::core::engine::{Command, Event};
use crate::core::palette::palettes::SavedPalettes;
use crate::core::presets::SavedPresets;
use crate::core::references::hosting::{ReferenceHost, S3Host, S3Settings};
use crate::core::settings::{ApiKey, AppSettings, KeySource, KeyStoreError, Theme};
use crate::core::text::i18n::Message;
use crate::msg;

use super::super::cx::{ConnState, KeyInfo, SetupAction};
use super::super::settings::SettingsView;
use super::super::theme;
use super::chores::{ConnectionDone, Done};
use super::config::AppConfig;
use super::notices::{failed, text};
use super::services::Services;

/// Which key a (re)connection uses.
#[derive(Debug, Clone)]
pub(super) enum KeyChoice {
    /// Whatever the key store holds (the environment still wins).
    Stored,
    /// This key (or none: the sandbox), kept where `KeySource` says.
    Use(Option<ApiKey>, KeySource),
}

/// What the startup (or a reconnect) produced.
struct Started {
    backend: Backend,
    settings: AppSettings,
    /// The named palettes, read on the first start (a reconnect keeps the window's).
    palettes: Option<SavedPalettes>,
    /// The presets, likewise.
    presets: Option<SavedPresets>,
    key: KeyInfo,
    notices: Vec<Message>,
}

/// Why the window is not connected.
#[derive(Debug, Clone)]
struct Failure {
    why: String,
    /// The journal is damaged: it can be rebuilt from the library.
    damaged: bool,
}

/// The connection: one fact, one place.
enum State {
    Connecting(oneshot::Receiver<Result<Started, Failure>>),
    Ready(Box<Backend>),
    Failed(Failure),
}

/// The connection area.
pub(super) struct Connection {
    state: State,
    /// Where the API key is.
    pub key: KeyInfo,
    /// The reference host's storage secret, read from its store at start.
    storage_secret: Option<ApiKey>,
}

/// What a finished startup brought the other areas.
pub(super) struct Connected {
    /// The named palettes (on the first start only).
    pub palettes: Option<SavedPalettes>,
    /// The presets (on the first start only).
    pub presets: Option<SavedPresets>,
}

impl Connection {
    /// Not connected yet: [`Connection::start`] begins.
    pub fn new(cfg: &AppConfig) -> Connection {
        let (tx, rx) = oneshot::channel();
        drop(tx);
        Connection {
            state: State::Connecting(rx),
            key: KeyInfo {
                source: KeySource::None,
                hint: None,
                store: cfg.key_store.describe(),
            },
            storage_secret: None,
        }
    }

    /// Reads the reference host's secret from its store, off the UI thread.
    pub fn load_storage_secret(svc: &mut Services) {
        let store = Arc::clone(&svc.cfg.storage_secrets);
        svc.chores.run(async move {
            let secret = tokio::task::spawn_blocking(move || store.load()).await;
            Done::Connection(ConnectionDone::StorageSecret(
                secret.ok().and_then(Result::ok).flatten(),
            ))
        });
    }

    /// Connects (again): loads settings and the key off the UI thread, then the backend. The
    /// current connection is closed first, so two engines never drive the same job.
    pub fn start(&mut self, svc: &mut Services, settings: Option<AppSettings>, key: KeyChoice) {
        let (tx, rx) = oneshot::channel();
        let cfg = svc.cfg.clone();
        let ctx = svc.ctx.clone();
        svc.set_engine(None);
        let old = std::mem::replace(&mut self.state, State::Connecting(rx));
        svc.cfg.rt.spawn(async move {
            if let State::Ready(old) = old {
                old.close().await;
            }
            let result = startup(cfg, settings, key, ctx.clone()).await;
            let _ = tx.send(result);
            ctx.request_repaint();
        });
    }

    /// Takes a finished startup: the settings, the key and the engine; asks the engine for what
    /// the window shows first.
    pub fn poll(&mut self, svc: &mut Services) -> Option<Connected> {
        let State::Connecting(rx) = &mut self.state else {
            return None;
        };
        match rx.try_recv() {
            Ok(Ok(started)) => {
                svc.set_engine(Some(started.backend.commands.clone()));
                self.state = State::Ready(Box::new(started.backend));
                svc.settings = started.settings;
                self.key = started.key;
                theme::apply(&svc.ctx, svc.settings.theme);
                for n in started.notices {
                    svc.warn(n);
                }
                svc.send(Command::Resume);
                svc.send(Command::ListJobs {
                    recent: super::super::queue::RECENT,
                });
                svc.send(Command::Spend);
                // The sandbox's links may have changed port: load references anew.
                svc.textures.forget_references();
                Some(Connected {
                    palettes: started.palettes,
                    presets: started.presets,
                })
            }
            Ok(Err(e)) => {
                self.state = State::Failed(e);
                None
            }
            Err(oneshot::error::TryRecvError::Empty) => None,
            Err(oneshot::error::TryRecvError::Closed) => {
                // The first placeholder, before `start` ran, or a startup task that died.
                self.state = State::Failed(Failure {
                    why: "the startup task stopped".to_owned(),
                    damaged: false,
                });
                None
            }
        }
    }

    /// The engine's events since the last frame.
    pub fn events(&mut self) -> Vec<Event> {
        let mut events = Vec::new();
        if let State::Ready(b) = &mut self.state {
            while let Ok(ev) = b.events.try_recv() {
                events.push(ev);
            }
        }
        events
    }

    /// Whether a backend is connected.
    pub fn is_ready(&self) -> bool {
        matches!(self.state, State::Ready(_))
    }

    /// The server the window is connected to.
    pub fn server(&self) -> Option<&Server> {
        match &self.state {
            State::Ready(b) => Some(&b.server),
            _ => None,
        }
    }

    /// The connection as views see it.
    pub fn state(&self) -> ConnState {
        match &self.state {
            State::Connecting(_) => ConnState::Connecting,
            State::Failed(f) => ConnState::Failed {
                why: f.why.clone(),
                damaged: f.damaged,
            },
            State::Ready(b) => ConnState::Ready {
                server: b.server.clone(),
                samples: b
                    .sandbox
                    .as_ref()
                    .map(crate::sandbox::Sandbox::sample_urls)
                    .unwrap_or_default(),
            },
        }
    }

    pub fn storage_secret_set(&self) -> bool {
        self.storage_secret.is_some()
    }

    /// Where this connection's local references are uploaded: the sandbox's own hosting, or the
    /// bucket set up in Settings.
    pub fn reference_host(&self, settings: &AppSettings) -> Option<ReferenceHost> {
        let State::Ready(b) = &self.state else {
            return None;
        };
        if let Some(sandbox) = &b.sandbox {
            return Some(ReferenceHost::Sandbox {
                base: sandbox.base_url(),
            });
        }
        let host = settings.reference_host.as_ref()?;
        let secret = self.storage_secret.as_ref()?;
        S3Host::new(host, secret.expose())
            .ok()
            .map(|h| ReferenceHost::S3(Box::new(h)))
    }

    /// Carries out a [`SetupAction`].
    pub fn handle(&mut self, svc: &mut Services, view: &mut SettingsView, action: SetupAction) {
        match action {
            SetupAction::SaveSettings(new) => self.apply_settings(svc, new),
            SetupAction::SetLanguage(language) => {
                svc.settings.language = language;
                svc.save_settings();
            }
            SetupAction::ToggleTheme => {
                let next = if svc.ctx.theme() == egui::Theme::Dark {
                    Theme::Light
                } else {
                    Theme::Dark
                };
                svc.settings.theme = next;
                theme::apply(&svc.ctx, next);
                svc.save_settings();
            }
            SetupAction::SaveKey(key) => Self::save_key(svc, key),
            SetupAction::ForgetKey => self.forget_key(svc),
            SetupAction::TestHost { settings, secret } => {
                if let Some(answer) = self.test_host(svc, settings, secret) {
                    view.set_test_result(answer);
                }
            }
            SetupAction::SaveStorageSecret(secret) => self.save_storage_secret(svc, secret),
            SetupAction::Reconnect => self.start(svc, None, KeyChoice::Stored),
            SetupAction::RepairJournal => {
                let paths = svc.cfg.paths.clone();
                svc.chores.run(async move {
                    match tokio::task::spawn_blocking(move || crate::core::library::repair(&paths))
                        .await
                    {
                        Ok(Ok(done)) => Done::Connection(ConnectionDone::Repaired(done)),
                        Ok(Err(e)) => Done::Failed(failed("err-journal-rebuild", e)),
                        Err(e) => Done::Failed(text(e.to_string())),
                    }
                });
            }
        }
    }

    /// A chore of the connection's finished.
    pub fn finished(&mut self, svc: &mut Services, done: ConnectionDone) {
        match done {
            ConnectionDone::StorageSecret(secret) => self.storage_secret = secret,
            ConnectionDone::KeyChosen { key, source, notes } => {
                for (said, warning) in notes {
                    if warning {
                        svc.warn(said);
                    } else {
                        svc.say(said);
                    }
                }
                let settings = svc.settings.clone();
                self.start(svc, Some(settings), KeyChoice::Use(key, source));
            }
            ConnectionDone::Repaired(done) => {
                let kept = done.kept_as.map_or_else(
                    || Message::new("journal-kept-nothing"),
                    |p| text(p.display().to_string()),
                );
                svc.say(msg!(
                    "note-journal-rebuilt",
                    jobs = done.jobs,
                    results = done.results,
                    kept = kept
                ));
                self.start(svc, None, KeyChoice::Stored);
            }
        }
    }

    /// New settings: kept, applied, and a reconnect when the API's address changed.
    fn apply_settings(&mut self, svc: &mut Services, new: AppSettings) {
        let reconnect =
            new.base_url != svc.settings.base_url && !self.server().is_some_and(Server::is_sandbox);
        theme::apply(&svc.ctx, new.theme);
        svc.settings = new.clone();
        svc.save_settings();
        if reconnect {
            self.start(svc, Some(new), KeyChoice::Stored);
        }
        svc.say(Message::new("note-settings-saved"));
    }

    /// Settings' Test: uploads a tiny image with these settings and reads it back without
    /// credentials, off the UI thread. Answers at once only when there is no secret to test with.
    fn test_host(
        &mut self,
        svc: &mut Services,
        settings: S3Settings,
        secret: Option<ApiKey>,
    ) -> Option<Result<String, String>> {
        let Some(secret) = secret.or_else(|| self.storage_secret.clone()) else {
            return Some(Err(svc.tr().t("note-secret-first").to_owned()));
        };
        let lang = svc.language();
        svc.chores.run(async move {
            let tested = async {
                let host = ReferenceHost::S3(Box::new(S3Host::new(&settings, secret.expose())?));
                host.test(&crate::core::references::hosting::upload_client()?)
                    .await
            };
            Done::HostTested(tested.await.map_err(|e| e.message().render(lang)))
        });
        None
    }

    /// Keeps the storage secret in its store (the OS keyring), off the UI thread.
    fn save_storage_secret(&mut self, svc: &mut Services, secret: ApiKey) {
        self.storage_secret = Some(secret.clone());
        let store = Arc::clone(&svc.cfg.storage_secrets);
        svc.chores.write("err-secret", move || store.store(&secret));
    }

    /// Checks a new key with the API (free), keeps it where it can be kept, and connects with it.
    fn save_key(svc: &mut Services, key: ApiKey) {
        let store = Arc::clone(&svc.cfg.key_store);
        let base_url = svc
            .cfg
            .env_base_url
            .clone()
            .unwrap_or_else(|| svc.settings.base_url());
        svc.say(Message::new("note-checking-key"));
        svc.chores.run(async move {
            let host = base_url.host_str().unwrap_or("reAPI").to_owned();
            let check = match ApiClient::new(ClientConfig::new(base_url, Some(key.clone()))) {
                Ok(client) => client.check_key().await,
                Err(e) => KeyCheck::Unknown(e.to_string()),
            };
            let mut notes = Vec::new();
            match check {
                KeyCheck::Refused(why) => {
                    return Done::Failed(msg!("note-key-refused", host = host, why = why));
                }
                KeyCheck::Accepted => notes.push((msg!("note-key-accepted", host = host), false)),
                KeyCheck::Unknown(why) => notes.push((msg!("note-key-unchecked", why = why), true)),
            }
            let saved = key.clone();
            let source = match tokio::task::spawn_blocking(move || store.store(&saved)).await {
                Ok(Ok(())) => KeySource::Keyring,
                Ok(Err(KeyStoreError::Unavailable(_))) => {
                    notes.push((Message::new("note-no-keyring"), true));
                    KeySource::Session
                }
                Ok(Err(e)) => {
                    notes.push((msg!("note-key-session", why = e.to_string()), true));
                    KeySource::Session
                }
                Err(e) => {
                    notes.push((text(e.to_string()), true));
                    KeySource::Session
                }
            };
            Done::Connection(ConnectionDone::KeyChosen {
                key: Some(key),
                source,
                notes,
            })
        });
    }

    /// Forgets the key (from the keyring too, where there is one) and goes back to Sandbox mode,
    /// whatever the keyring says.
    fn forget_key(&self, svc: &mut Services) {
        let store = Arc::clone(&svc.cfg.key_store);
        let from_keyring = self.key.source == KeySource::Keyring;
        svc.chores.run(async move {
            let mut notes = vec![(Message::new("note-key-forgotten"), false)];
            if from_keyring {
                match tokio::task::spawn_blocking(move || store.forget()).await {
                    Ok(Ok(()) | Err(KeyStoreError::Unavailable(_))) => {}
                    Ok(Err(e)) => notes.push((failed("err-not-removed", e), true)),
                    Err(e) => notes.push((text(e.to_string()), true)),
                }
            }
            Done::Connection(ConnectionDone::KeyChosen {
                key: None,
                source: KeySource::None,
                notes,
            })
        });
    }
}

/// Reads what a connection needs off the UI thread and connects the backend.
async fn startup(
    cfg: AppConfig,
    settings: Option<AppSettings>,
    key: KeyChoice,
    ctx: egui::Context,
) -> Result<Started, Failure> {
    let stopped = |e: tokio::task::JoinError| Failure {
        why: e.to_string(),
        damaged: false,
    };
    let mut notices = Vec::new();
    // Read on the first start only (a reconnect keeps the window's own).
    let (palettes, presets) = if settings.is_some() {
        (None, None)
    } else {
        let palettes = read_named(&cfg.paths, SavedPalettes::load, &mut notices)
            .await
            .map_err(stopped)?;
        let presets = read_named(&cfg.paths, SavedPresets::load, &mut notices)
            .await
            .map_err(stopped)?;
        (Some(palettes), Some(presets))
    };
    let settings = if let Some(s) = settings {
        s
    } else {
        let paths = cfg.paths.clone();
        match tokio::task::spawn_blocking(move || AppSettings::load(&paths)).await {
            Ok(Ok(s)) => s,
            Ok(Err(e)) => {
                notices.push(msg!("note-default-settings", why = e.to_string()));
                AppSettings::default()
            }
            Err(e) => return Err(stopped(e)),
        }
    };
    let (key, source) = if let Some(k) = cfg.env_key.clone() {
        (Some(k), KeySource::Environment)
    } else if let KeyChoice::Use(k, source) = key {
        (k, source)
    } else {
        let store = Arc::clone(&cfg.key_store);
        match tokio::task::spawn_blocking(move || store.load()).await {
            Ok(Ok(Some(k))) => (Some(k), KeySource::Keyring),
            Ok(Ok(None)) => (None, KeySource::None),
            Ok(Err(e)) => {
                tracing::info!("no key from the keyring: {e}");
                (None, KeySource::None)
            }
            Err(e) => return Err(stopped(e)),
        }
    };
    let info = KeyInfo {
        source: if key.is_some() {
            source
        } else {
            KeySource::None
        },
        hint: key.as_ref().map(ApiKey::hint),
        store: cfg.key_store.describe(),
    };
    let base_url = cfg
        .env_base_url
        .clone()
        .unwrap_or_else(|| settings.base_url());
    let mut opts = backend::Options::new(cfg.paths.clone(), key, base_url);
    opts.sandbox_delay = cfg.sandbox_delay;
    opts.sandbox_per_image = cfg.sandbox_per_image;
    opts.poll_interval = cfg.poll_interval;
    opts.retry_base = cfg.retry_base;
    // The window lists the library first thing: read it while the journal is checked.
    opts.shelve_at_open = true;
    let waker: crate::core::engine::Waker = Arc::new(move || ctx.request_repaint());
    let backend = backend::connect(&opts, false, Some(waker))
        .await
        .map_err(|e| Failure {
            damaged: e.is_damaged_journal(),
            why: e.to_string(),
        })?;
    Ok(Started {
        backend,
        settings,
        palettes,
        presets,
        key: info,
        notices,
    })
}

/// A file of named things read off the UI thread; one that cannot be read is said in a notice and
/// starts empty (it was kept aside, so nothing is lost when the list is saved anew).
async fn read_named<T: Default + Send + 'static>(
    paths: &crate::core::settings::Paths,
    load: fn(&crate::core::settings::Paths) -> Result<T, crate::core::store::LoadError>,
    notices: &mut Vec<Message>,
) -> Result<T, tokio::task::JoinError> {
    let paths = paths.clone();
    Ok(
        match tokio::task::spawn_blocking(move || load(&paths)).await? {
            Ok(found) => found,
            Err(e) => {
                notices.push(text(format!("{e}.")));
                T::default()
            }
        },
    )
}
