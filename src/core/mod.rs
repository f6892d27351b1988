//! Wan Studio's core: everything but the window. Never imports the GUI toolkit.

pub mod client;
pub mod dominant;
pub mod draft;
pub mod engine;
pub mod explain;
pub mod hosting;
pub mod imaging;
pub mod journal;
pub mod lease;
pub mod lettering;
pub mod library;
pub mod palette;
pub mod palettes;
pub mod preflight;
pub mod pricing;
pub mod recovery;
pub mod references;
pub mod regions;
pub mod request;
pub mod rules;
pub mod server;
pub mod settings;
pub mod storyboard;
pub mod time;
pub mod undo;
