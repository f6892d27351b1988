//! Which server a connection talks to and a job lives on: one type for both, so a job's home and
//! the window's connection are compared as values, never as strings.

use std::fmt;

use serde::{Deserialize, Serialize};
use url::Url;

/// The built-in simulator on this machine, or reAPI (or any server speaking its contract).
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(into = "String", from = "String")]
pub enum Server {
    /// The sandbox on 127.0.0.1: nothing leaves the machine, nothing is charged.
    Sandbox,
    /// An API at this base address.
    Api(Url),
}

/// How the journal writes the sandbox.
const SANDBOX_KEY: &str = "sandbox";

impl Server {
    pub fn is_sandbox(&self) -> bool {
        matches!(self, Server::Sandbox)
    }

    /// The journal's spelling: `sandbox`, or the base URL.
    pub fn key(&self) -> String {
        match self {
            Server::Sandbox => SANDBOX_KEY.to_owned(),
            Server::Api(url) => url.to_string(),
        }
    }

    /// Reads the journal's spelling back. Anything that is not a URL is taken as the sandbox's
    /// (older journals wrote nothing else).
    pub fn from_key(key: &str) -> Server {
        if key == SANDBOX_KEY {
            return Server::Sandbox;
        }
        Url::parse(key).map_or(Server::Sandbox, Server::Api)
    }

    /// How a person names it: "Sandbox mode" or the API's host.
    pub fn label(&self) -> String {
        match self {
            Server::Sandbox => "Sandbox mode".to_owned(),
            Server::Api(url) => url.host_str().unwrap_or("reAPI").to_owned(),
        }
    }
}

impl fmt::Display for Server {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.label())
    }
}

impl From<Server> for String {
    fn from(s: Server) -> String {
        s.key()
    }
}

impl From<String> for Server {
    fn from(s: String) -> Server {
        Server::from_key(&s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_journal_spelling_round_trips() {
        for s in [
            Server::Sandbox,
            Server::Api(Url::parse("https://reapi.ai/").unwrap_or_else(|_| unreachable!())),
        ] {
            assert_eq!(Server::from_key(&s.key()), s);
        }
        assert_eq!(Server::from_key("sandbox").label(), "Sandbox mode");
        assert_eq!(
            Server::from_key("https://reapi.ai/").label(),
            "reapi.ai",
            "the API is named by its host"
        );
    }
}
