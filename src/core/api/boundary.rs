//! The trust boundary: the rules every byte from outside is held to, written once.
//!
//! - **Where the key may go**: [`key_may_go_to`] (TLS, or plain http to a loopback name).
//! - **Where a download may go**: [`fetch_problem`], checked on the first link and, through
//!   [`redirect_policy`], on every hop; [`GuardedResolver`] keeps names from resolving to a
//!   link-local or cloud-metadata address.
//! - **How much an answer may be**: [`Bounded`] ([`MAX_ANSWER_BYTES`]) and [`cut`]
//!   ([`MAX_ERROR_TEXT`]).
//! - **How long a server may ask us to wait**: [`retry_after`] ([`MAX_RETRY_AFTER`]).
//!
//! Text shown to a person is escaped by `core::text::terminal` (the terminal) and the window's
//! labels; this module decides what is let in at all.

use std::net::{IpAddr, Ipv4Addr, SocketAddr};
use std::time::Duration;

use url::Url;

/// The largest submit or poll answer read (a task is a few hundred bytes).
pub const MAX_ANSWER_BYTES: usize = 1 << 20;
/// The longest error message kept from a server, in bytes; the rest is cut once, when it arrives.
pub const MAX_ERROR_TEXT: usize = 2 * 1024;
/// The most redirects a download follows.
pub const MAX_HOPS: usize = 5;
/// The longest wait a server's `Retry-After` can ask for; a larger value is capped (and logged).
pub const MAX_RETRY_AFTER: Duration = Duration::from_mins(2);
/// Alibaba Cloud's instance metadata service (the other clouds' is link-local, 169.254.169.254).
const ALIBABA_METADATA: Ipv4Addr = Ipv4Addr::new(100, 100, 100, 200);

/// Whether a host name is this machine (where plain `http://` is allowed for local testing): the
/// loopback addresses and `localhost`, spelled so; not `0.0.0.0`, not another name.
pub fn is_loopback_host(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => ip.is_loopback(),
        Some(url::Host::Ipv6(ip)) => ip.is_loopback(),
        None => false,
    }
}

/// Whether the API key may be sent to `url`: over TLS, or to this machine by a loopback name.
pub fn key_may_go_to(url: &Url) -> bool {
    url.scheme() == "https" || (url.scheme() == "http" && is_loopback_host(url))
}

/// Whether no download may reach `ip`: link-local addresses (where the clouds' metadata services
/// answer), Alibaba Cloud's metadata address, the unspecified and broadcast addresses, and the
/// same written as IPv4-mapped IPv6.
pub fn forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_link_local() || v4.is_unspecified() || v4.is_broadcast() || v4 == ALIBABA_METADATA
        }
        IpAddr::V6(v6) => {
            v6.is_unspecified()
                || (v6.segments()[0] & 0xffc0) == 0xfe80
                || v6
                    .to_ipv4_mapped()
                    .is_some_and(|v4| forbidden_ip(IpAddr::V4(v4)))
        }
    }
}

/// Why a download may not fetch `url`, or `None` when it may: https to any host but a forbidden
/// address; plain http, and any loopback host, only when `loopback_allowed` (the first link of
/// the chain was on this machine: the sandbox, a local test server).
pub fn fetch_problem(url: &Url, loopback_allowed: bool) -> Option<String> {
    let literal = match url.host() {
        Some(url::Host::Ipv4(ip)) => Some(IpAddr::V4(ip)),
        Some(url::Host::Ipv6(ip)) => Some(IpAddr::V6(ip)),
        Some(url::Host::Domain(_)) => None,
        None => return Some("has no host".to_owned()),
    };
    if literal.is_some_and(forbidden_ip) {
        return Some(format!(
            "points at {}, a link-local or metadata address that is never fetched",
            url.host_str().unwrap_or_default()
        ));
    }
    let loopback = is_loopback_host(url);
    match url.scheme() {
        "https" if !loopback || loopback_allowed => None,
        "http" if loopback && loopback_allowed => None,
        "https" | "http" if loopback => {
            Some("points back at this machine from a link that was not on it".to_owned())
        }
        "http" => Some("uses plain http://; only https:// links are fetched".to_owned()),
        other => Some(format!("uses '{other}:'; only https:// links are fetched")),
    }
}

/// The redirect policy of every client that fetches from outside: at most [`MAX_HOPS`] hops, each
/// held to [`fetch_problem`] as the first link was (loopback only if the first link was).
pub fn redirect_policy() -> reqwest::redirect::Policy {
    reqwest::redirect::Policy::custom(|attempt| {
        // `previous` starts with the first link; each further entry is a hop already taken.
        let previous = attempt.previous();
        if previous.len() > MAX_HOPS {
            return attempt.error(format!("more than {MAX_HOPS} redirects"));
        }
        let loopback_allowed = previous.first().is_some_and(is_loopback_host);
        match fetch_problem(attempt.url(), loopback_allowed) {
            Some(why) => {
                let why = format!("a redirect to a link that {why}");
                tracing::warn!("{why}");
                attempt.error(why)
            }
            None => attempt.follow(),
        }
    })
}

/// A resolver that drops the addresses [`forbidden_ip`] names, so `https://metadata.example/`
/// cannot reach a metadata service through DNS. A name with no other address fails to resolve.
#[derive(Debug, Clone, Copy, Default)]
pub struct GuardedResolver;

impl reqwest::dns::Resolve for GuardedResolver {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let host = name.as_str().to_owned();
        Box::pin(async move {
            let found = tokio::net::lookup_host((host.as_str(), 0)).await?;
            let kept: Vec<SocketAddr> = found.filter(|a| !forbidden_ip(a.ip())).collect();
            if kept.is_empty() {
                return Err(format!(
                    "{host} resolves only to link-local or metadata addresses, which are never fetched"
                )
                .into());
            }
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// Why an answer's body was not taken.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum BodyError {
    #[error("the server's answer is too large (more than {} KiB)", limit / 1024)]
    TooLarge { limit: usize },
}

/// A body read piece by piece that never holds more than its limit.
#[derive(Debug)]
pub struct Bounded {
    buf: Vec<u8>,
    limit: usize,
}

impl Bounded {
    /// A reader for a body the server says is `declared` bytes long (refused at once when that is
    /// over `limit`: nothing is read).
    pub fn new(limit: usize, declared: Option<u64>) -> Result<Bounded, BodyError> {
        if declared.is_some_and(|len| len > limit as u64) {
            return Err(BodyError::TooLarge { limit });
        }
        let start = declared.map_or(0, |len| usize::try_from(len).unwrap_or(limit));
        Ok(Bounded {
            buf: Vec::with_capacity(start.min(limit)),
            limit,
        })
    }

    /// Takes the next piece; refused (and the body dropped) when it would pass the limit.
    pub fn push(&mut self, piece: &[u8]) -> Result<(), BodyError> {
        if self.buf.len().saturating_add(piece.len()) > self.limit {
            self.buf = Vec::new();
            return Err(BodyError::TooLarge { limit: self.limit });
        }
        self.buf.extend_from_slice(piece);
        Ok(())
    }

    pub fn len(&self) -> usize {
        self.buf.len()
    }

    pub fn is_empty(&self) -> bool {
        self.buf.is_empty()
    }

    pub fn into_bytes(self) -> Vec<u8> {
        self.buf
    }
}

/// `text` cut to at most `max` bytes on a character boundary, with "…" saying so.
pub fn cut(text: &str, max: usize) -> String {
    if text.len() <= max {
        return text.to_owned();
    }
    let mut end = max.saturating_sub('…'.len_utf8());
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}…", &text[..end])
}

/// A server's `Retry-After` as a wait: `asked` is what it said, `wait` what is honoured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryAfter {
    pub asked: Duration,
    pub wait: Duration,
}

impl RetryAfter {
    pub fn capped(&self) -> bool {
        self.wait < self.asked
    }
}

/// Reads a `Retry-After` value given in seconds, capped at [`MAX_RETRY_AFTER`]. A value that is
/// not a whole number of seconds (negative, a date, junk) is `None`, and the caller's own back-off
/// applies; both a cap and an ignored value are logged.
pub fn retry_after(value: &str) -> Option<RetryAfter> {
    let value = value.trim();
    let Ok(secs) = value.parse::<u64>() else {
        tracing::warn!(
            "the server's Retry-After '{}' is not a number of seconds; it is ignored",
            crate::core::text::terminal::printable(&cut(value, 40))
        );
        return None;
    };
    let asked = Duration::from_secs(secs);
    let wait = asked.min(MAX_RETRY_AFTER);
    if wait < asked {
        tracing::warn!(
            "the server asked to wait {secs} s (Retry-After); waiting {} s, the most the studio waits",
            wait.as_secs()
        );
    }
    Some(RetryAfter { asked, wait })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn url(s: &str) -> Url {
        Url::parse(s).unwrap_or_else(|e| panic!("{s}: {e}"))
    }

    #[test]
    fn the_key_goes_over_tls_or_to_a_loopback_name_only() {
        for ok in [
            "https://reapi.ai/",
            "http://127.0.0.1:9/",
            "http://127.8.0.1/",
            "http://[::1]:80/",
            "http://LOCALHOST/",
        ] {
            assert!(key_may_go_to(&url(ok)), "{ok}");
        }
        for bad in [
            "http://0.0.0.0:8080/",
            "http://example.invalid/",
            "http://8.8.8.8/",
            "http://localhost.example.com/",
            "http://[::]/",
            "ftp://reapi.ai/",
        ] {
            assert!(!key_may_go_to(&url(bad)), "{bad}");
        }
    }

    #[test]
    fn downloads_keep_the_first_links_rules_on_every_hop() {
        assert_eq!(
            fetch_problem(&url("https://cdn.example/x.png"), false),
            None
        );
        assert_eq!(fetch_problem(&url("http://127.0.0.1:5/x"), true), None);
        for (bad, loopback_allowed) in [
            ("http://0.0.0.0:5/x", true),
            ("http://cdn.example/x", false),
            ("http://127.0.0.1:5/x", false),
            ("https://localhost/x", false),
            ("https://169.254.169.254/latest/meta-data/", false),
            ("https://100.100.100.200/latest/meta-data/", false),
            ("https://[fe80::1]/x", false),
            ("https://[::ffff:169.254.169.254]/x", false),
            ("file:///etc/passwd", true),
            ("ftp://cdn.example/x", false),
        ] {
            assert!(
                fetch_problem(&url(bad), loopback_allowed).is_some(),
                "{bad} must be refused"
            );
        }
    }

    #[test]
    fn a_body_never_holds_more_than_its_limit() {
        assert_eq!(
            Bounded::new(10, Some(11)).err(),
            Some(BodyError::TooLarge { limit: 10 })
        );
        let mut b = Bounded::new(10, None).unwrap_or_else(|_| unreachable!());
        assert!(b.push(b"12345").is_ok());
        assert!(b.push(b"67890").is_ok());
        assert_eq!(b.push(b"x"), Err(BodyError::TooLarge { limit: 10 }));
        assert!(b.is_empty(), "a refused body is dropped");
        assert_eq!(
            BodyError::TooLarge { limit: 1 << 20 }.to_string(),
            "the server's answer is too large (more than 1024 KiB)"
        );
    }

    #[test]
    fn long_text_is_cut_on_a_character_boundary() {
        assert_eq!(cut("short", 10), "short");
        let long = "花".repeat(1000);
        let c = cut(&long, MAX_ERROR_TEXT);
        assert!(c.len() <= MAX_ERROR_TEXT && c.ends_with('…'), "{}", c.len());
    }

    #[test]
    fn retry_after_is_honoured_within_bounds() {
        assert_eq!(
            retry_after(" 3 "),
            Some(RetryAfter {
                asked: Duration::from_secs(3),
                wait: Duration::from_secs(3)
            })
        );
        let huge = retry_after("3600").unwrap_or_else(|| unreachable!());
        assert_eq!(huge.wait, MAX_RETRY_AFTER);
        assert!(huge.capped());
        assert_eq!(
            retry_after("18446744073709551615").map(|r| r.wait),
            Some(MAX_RETRY_AFTER)
        );
        for junk in ["-5", "Wed, 21 Oct 2015 07:28:00 GMT", "", "1e9"] {
            assert_eq!(retry_after(junk), None, "{junk}");
        }
    }
}
