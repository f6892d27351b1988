//! Wan Studio: a desktop studio for Alibaba's Wan 2.7 Image model on reAPI.
//!
//! - [`core`]: the API contract, rules, client, engine, journal and library. No GUI.
//! - [`sandbox`]: a local simulator of the reAPI endpoints, used with no API key and by every test.

pub mod backend;
pub mod cli;
pub mod core;
pub mod mcp;
pub mod sandbox;
pub mod ui;
