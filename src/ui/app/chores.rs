//! Background chores: work that must not run on the UI thread (files, the keyring, uploads,
//! decoding). Each comes back as a typed [`Done`] for the area that asked; the shell routes it.
//! This file spawns and collects; it calls no area.

use std::future::Future;
use std::path::PathBuf;
use std::sync::Arc;

use eframe::egui;
use tokio::sync::oneshot;

use crate::core::api::request::GenerationRequest;
use crate::core::batch::Batch;
use crate::core::engine::Submission;
use crate::core::palette::Palette;
use crate::core::settings::{ApiKey, KeySource};
use crate::core::text::i18n::Message;

use super::super::batch::Previewed;
use super::super::dialogs::Picked;
use super::notices::{failed, text};

/// A finished chore, by the area it is for.
pub(super) enum Done {
    /// Nothing to tell (a file written).
    Nothing,
    Said(Message),
    Failed(Message),
    /// A file dialog's answer.
    Picked(Picked),
    Connection(ConnectionDone),
    Sending(SendingDone),
    Editing(EditingDone),
    Batch(BatchDone),
    /// The font for CJK text, looked for at start (none where the system has none).
    Font(Option<crate::core::text::fonts::CjkFont>),
    /// What Settings' Test of a reference host found: the link it read back, or what is wrong.
    HostTested(Result<String, String>),
}

/// For the connection.
pub(super) enum ConnectionDone {
    /// A key was checked and kept (or forgotten): connect with it, saying these notes.
    KeyChosen {
        key: Option<ApiKey>,
        source: KeySource,
        /// (what to say, whether it is a warning).
        notes: Vec<(Message, bool)>,
    },
    /// The reference host's secret, read from its store.
    StorageSecret(Option<ApiKey>),
    Repaired(crate::core::library::Repaired),
}

/// For sending.
pub(super) enum SendingDone {
    /// Local references are links now: the request can be sent.
    Hosted(Box<Submission>),
    /// Local references could not be prepared or uploaded; nothing was sent.
    NotHosted(Message),
}

/// For the batches.
pub(super) enum BatchDone {
    /// A preview of the dialog's question `generation`.
    Previewed {
        generation: u64,
        answer: Result<Previewed, String>,
    },
    /// The batch is ready to run (a form's kept as a job file first, a stopped one read again).
    Ready(Arc<Batch>),
}

/// For editing the form.
pub(super) enum EditingDone {
    /// PNG files looked at before they are added: with the request, those Wan Studio made.
    LookedAt(Vec<(PathBuf, Option<GenerationRequest>)>),
    /// A palette taken from an image.
    Palette(Palette),
    /// A presets file read, to add to the kept ones.
    PresetsRead(crate::core::presets::SavedPresets, PathBuf),
}

/// The chores running now.
pub(super) struct Chores {
    rt: tokio::runtime::Handle,
    ctx: egui::Context,
    pending: Vec<oneshot::Receiver<Done>>,
}

impl Chores {
    pub fn new(rt: tokio::runtime::Handle, ctx: egui::Context) -> Chores {
        Chores {
            rt,
            ctx,
            pending: Vec::new(),
        }
    }

    /// Runs work off the UI thread; its answer comes back from [`Chores::finished`].
    pub fn run(&mut self, work: impl Future<Output = Done> + Send + 'static) {
        let (tx, rx) = oneshot::channel();
        let ctx = self.ctx.clone();
        self.rt.spawn(async move {
            let _ = tx.send(work.await);
            ctx.request_repaint();
        });
        self.pending.push(rx);
    }

    /// Runs blocking work (a file written, the keyring) on the runtime's blocking threads: nothing
    /// to say when it worked, `what` and the error when it did not.
    pub fn write<E: std::fmt::Display + Send + 'static>(
        &mut self,
        what: &'static str,
        work: impl FnOnce() -> Result<(), E> + Send + 'static,
    ) {
        self.run(async move {
            match tokio::task::spawn_blocking(work).await {
                Ok(Ok(())) => Done::Nothing,
                Ok(Err(e)) => Done::Failed(failed(what, e)),
                Err(e) => Done::Failed(text(e.to_string())),
            }
        });
    }

    /// The chores that finished since the last call.
    pub fn finished(&mut self) -> Vec<Done> {
        let mut done = Vec::new();
        self.pending.retain_mut(|rx| match rx.try_recv() {
            Ok(d) => {
                done.push(d);
                false
            }
            Err(oneshot::error::TryRecvError::Empty) => true,
            Err(oneshot::error::TryRecvError::Closed) => false,
        });
        done
    }
}
