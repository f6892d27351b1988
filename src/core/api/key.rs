//! The API key: a type that never prints, logs or serialises its secret.

use std::fmt;

/// The API key. It has no `Display`, its `Debug` is redacted, and it is only ever read to build the
/// `Authorization` header of an API call.
#[derive(Clone, PartialEq, Eq)]
pub struct ApiKey(String);

impl ApiKey {
    /// A key from user input; `None` when it is blank.
    pub fn new(raw: &str) -> Option<ApiKey> {
        let key = raw.trim();
        (!key.is_empty()).then(|| ApiKey(key.to_owned()))
    }

    /// The secret itself. Call sites: the Authorization header, the keyring, equality checks in tests.
    pub fn expose(&self) -> &str {
        &self.0
    }

    /// A hint safe to show: the last four characters, `••••abcd`.
    pub fn hint(&self) -> String {
        let tail: String = self
            .0
            .chars()
            .rev()
            .take(4)
            .collect::<Vec<_>>()
            .into_iter()
            .rev()
            .collect();
        if self.0.chars().count() <= 8 {
            "••••".to_owned()
        } else {
            format!("••••{tail}")
        }
    }
}

impl fmt::Debug for ApiKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("ApiKey(<redacted>)")
    }
}
