//! Wan Studio's core: everything but the window. Never imports the GUI toolkit.
//!
//! The folders follow the one-way path a request takes (ARCHITECTURE.md draws it): the
//! [`api`] contract checks and prices it, the [`engine`] journals, sends and follows it, the
//! [`library`] keeps what comes back; [`references`], [`palette`] and [`text`] serve the form.

pub mod api;
pub mod batch;
pub mod credentials;
pub mod draft;
pub mod engine;
pub mod imaging;
pub mod job;
pub mod library;
pub mod palette;
pub mod presets;
pub mod references;
pub mod settings;
pub mod store;
pub mod text;
pub mod time;
pub mod undo;
pub mod variation;
