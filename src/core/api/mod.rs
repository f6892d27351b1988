//! The API contract (`shared/spec/wan27-image-api.md`): what a request is, the rules it must
//! keep, what it costs, how a failure reads, and the HTTP client that speaks it.

pub mod boundary;
pub mod client;
pub mod explain;
pub mod key;
pub mod pricing;
pub mod request;
pub mod rules;
pub mod server;
