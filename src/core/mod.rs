//! Wan Studio's core: everything but the window. Never imports the GUI toolkit.

pub mod client;
pub mod engine;
pub mod imaging;
pub mod journal;
pub mod library;
pub mod pricing;
pub mod request;
pub mod rules;
pub mod settings;
