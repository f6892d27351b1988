//! What every area of the shell may use, passed in as one struct (never the whole app): the
//! runtime and data folder, the window's context and voice, the settings, notices, background
//! chores, the texture cache, the open dialogs, and the engine's command queue.

use std::path::PathBuf;

use eframe::egui;
use tokio::sync::mpsc;

use crate::core::engine::Command;
use crate::core::settings::AppSettings;
use crate::core::text::i18n::{Lang, Message, Tr};

use super::super::dialogs::{AboutInfo, Confirm, PathPrompt};
use super::super::textures::Textures;
use super::chores::Chores;
use super::config::AppConfig;
use super::notices::Notices;

/// The dialogs that sit over the window: a question, the path field, About.
#[derive(Default)]
pub(super) struct Modals {
    pub confirm: Option<Confirm>,
    pub path_prompt: Option<PathPrompt>,
    pub about: Option<AboutInfo>,
}

impl Modals {
    /// Whether a question or the path field waits for an answer (shortcuts wait too).
    pub fn is_asking(&self) -> bool {
        self.confirm.is_some() || self.path_prompt.is_some()
    }

    /// Closes the topmost one; false when none is open.
    pub fn close_top(&mut self) -> bool {
        if self.confirm.take().is_some() || self.path_prompt.take().is_some() {
            return true;
        }
        self.about.take().is_some()
    }
}

/// The shared services of the shell's areas.
pub(super) struct Services {
    pub cfg: AppConfig,
    pub ctx: egui::Context,
    pub settings: AppSettings,
    pub notices: Notices,
    pub chores: Chores,
    pub textures: Textures,
    pub credentials: super::super::credentials::Credentials,
    pub modals: Modals,
    /// The connected engine's command queue (none while connecting).
    engine: Option<mpsc::Sender<Command>>,
    /// `Pictures/Wan Studio`, found once.
    default_export: PathBuf,
}

impl Services {
    pub fn new(cfg: AppConfig, ctx: egui::Context, textures: Textures) -> Services {
        let waker = ctx.clone();
        let credentials = super::super::credentials::Credentials::new(
            Some(cfg.rt.clone()),
            std::sync::Arc::new(move || waker.request_repaint()),
        );
        Services {
            credentials,
            chores: Chores::new(cfg.rt.clone(), ctx.clone()),
            cfg,
            ctx,
            settings: AppSettings::default(),
            notices: Notices::default(),
            textures,
            modals: Modals::default(),
            engine: None,
            default_export: crate::core::settings::default_export_dir()
                .unwrap_or_else(|| PathBuf::from("Wan Studio")),
        }
    }

    /// The language the window speaks: the one Settings names, or the OS's.
    pub fn language(&self) -> Lang {
        self.settings.language.unwrap_or(self.cfg.os_language)
    }

    /// The window's voice.
    pub fn tr(&self) -> Tr {
        Tr(self.language())
    }

    /// The engine commands go to from now on (none: connecting again).
    pub fn set_engine(&mut self, commands: Option<mpsc::Sender<Command>>) {
        self.engine = commands;
    }

    /// Sends a command to the engine without waiting. False (with a notice) if it cannot now.
    pub fn send(&mut self, cmd: Command) -> bool {
        let Some(engine) = &self.engine else {
            self.warn(Message::new("note-still-connecting"));
            return false;
        };
        if engine.try_send(cmd).is_ok() {
            true
        } else {
            self.warn(Message::new("note-busy"));
            false
        }
    }

    pub fn say(&mut self, message: Message) {
        self.notices.say(message);
    }

    pub fn warn(&mut self, message: Message) {
        self.notices.warn(message);
    }

    /// Where Quick export writes: the folder set in Settings, else `Pictures/Wan Studio` (looked up
    /// once at start: the platform's lookup reads a file, and this is asked every frame).
    pub fn export_dir(&self) -> PathBuf {
        self.settings
            .export_dir
            .clone()
            .unwrap_or_else(|| self.default_export.clone())
    }

    /// Writes the current settings to disk off the UI thread; a failure becomes a notice.
    pub fn save_settings(&mut self) {
        let (settings, paths) = (self.settings.clone(), self.cfg.paths.clone());
        self.chores
            .write("err-settings-save", move || settings.save(&paths));
    }
}
