//! Errors in an artist's words: what happened and what it means for their money, with the
//! technical text kept apart for whoever wants it. Shared by the window and the command line.

use std::fmt::Write as _;

use crate::core::api::request::ApiErrorBody;
use crate::core::api::server::Server;
use crate::core::job::{ErrorCode, JobState};
use crate::core::text::i18n::{Arg, Message};
use crate::msg;

/// An error as the artist reads it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Plain {
    /// One or two whole sentences (in English: the command line and the log).
    pub summary: String,
    /// The same in the catalogue's words (the window shows it in its language).
    pub text: Message,
    /// The technical text (transport error, server message, request id), when it says more.
    pub detail: Option<String>,
}

/// What a transport failure means, in words: "the address could not be looked up", …
pub fn transport_reason(raw: &str) -> &'static str {
    let lower = raw.to_ascii_lowercase();
    let has = |words: &[&str]| words.iter().any(|w| lower.contains(w));
    if has(&[
        "dns error",
        "failed to lookup",
        "name or service not known",
        "no such host",
    ]) {
        "the address could not be looked up"
    } else if has(&["connection refused"]) {
        "nothing answered at that address (connection refused)"
    } else if has(&["timed out", "timeout", "deadline"]) {
        "it did not answer in time"
    } else if has(&["certificate", "tls", "handshake", "trust"]) {
        "its security certificate could not be checked"
    } else if has(&[
        "reset",
        "broken pipe",
        "closed",
        "cut off",
        "unexpected eof",
    ]) {
        "the connection was dropped"
    } else if has(&["network is unreachable", "no route"]) {
        "this computer seems to be offline"
    } else {
        "the connection failed"
    }
}

/// Explains a job's error. `server` is where the job was sent.
pub fn job_error(error: &ApiErrorBody, state: JobState, server: &Server) -> Plain {
    let place = match server {
        Server::Sandbox => "the sandbox".to_owned(),
        Server::Api(_) => server.label(),
    };
    let at = || Arg::English(place.clone());
    let why = || Arg::English(transport_reason(&error.message).to_owned());
    // Shown in the window and the terminal as it is: escaped where a server's bytes would act.
    let shown = crate::core::text::terminal::shown;
    let mut detail = shown(&error.message).into_owned();
    if let Some(id) = &error.request_id {
        let _ = write!(detail, " (request_id {})", shown(id));
    }
    let studio = ErrorCode::of(error);
    let text = match (error.code.as_str(), state) {
        _ if studio == Some(ErrorCode::NotSent) || state == JobState::NotSent => {
            msg!("explain-not-sent", place = at(), why = why())
        }
        _ if studio == Some(ErrorCode::UnknownOutcome) || state == JobState::UnknownOutcome => {
            msg!("explain-unknown-outcome", place = at(), why = why())
        }
        _ if studio == Some(ErrorCode::Expired) || state == JobState::Expired => {
            msg!("explain-expired", place = at())
        }
        (code, _) if code.starts_with("1000") => msg!("explain-key-refused", place = at()),
        ("30001", _) => msg!("explain-no-credits", place = at()),
        ("50001", _) => msg!("explain-rate-limited", place = at()),
        ("40001", _) => msg!("explain-no-such-task", place = at()),
        _ => {
            // The server's own message is already words; keep it whole.
            let summary = sentence(&shown(&error.message));
            return Plain {
                text: msg!("explain-server-says", text = summary.clone()),
                summary,
                detail: error
                    .request_id
                    .as_ref()
                    .map(|id| format!("request_id {}", shown(id))),
            };
        }
    };
    Plain {
        summary: text.to_string(),
        text,
        detail: Some(detail),
    }
}

/// `text` as a sentence: a capital first letter and a full stop.
fn sentence(text: &str) -> String {
    let text = text.trim();
    let mut chars = text.chars();
    let mut out: String = chars
        .next()
        .map(|c| c.to_uppercase().chain(chars).collect())
        .unwrap_or_default();
    if !out.ends_with(['.', '!', '?', '。']) {
        out.push('.');
    }
    out
}

/// Shortens `text` to at most `max` characters at a word boundary, with an ellipsis: never
/// mid-word (a single over-long word is cut at a character boundary).
/// Columns a character takes in a line: two for the wide CJK ones, one for the rest.
pub fn columns_of(c: char) -> usize {
    if crate::core::text::fonts::is_cjk(c) {
        2
    } else {
        1
    }
}

/// `text` within `max` columns (a CJK character takes two), cut with "…" where it had to be: for
/// one line of painted text, whose width is known only roughly.
pub fn shorten_cols(text: &str, max: usize) -> String {
    // One pass, stopping where the text overflows (prompts run to thousands of characters).
    let mut used = 0;
    let mut fits = None;
    for (i, c) in text.char_indices() {
        used += columns_of(c);
        if used > max.saturating_sub(1) && fits.is_none() {
            // What comes before this character fits with room for the "…".
            fits = Some(i);
        }
        if used > max {
            let end = fits.unwrap_or(i);
            return format!(
                "{}…",
                text[..end].trim_end_matches([',', ';', ':', ' ', '，'])
            );
        }
    }
    text.to_owned()
}

pub fn shorten(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let cut: String = text.chars().take(max.saturating_sub(1)).collect();
    let at_word = cut
        .rfind(char::is_whitespace)
        .filter(|&i| i > cut.len() / 2)
        .map_or(cut.as_str(), |i| &cut[..i]);
    format!("{}…", at_word.trim_end_matches([',', ';', ':', ' ']))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wide_characters_take_two_columns_when_shortened() {
        assert_eq!(shorten_cols("a flower shop", 20), "a flower shop");
        assert_eq!(shorten_cols("一间有着精致窗户的花店", 10), "一间有着…");
        assert_eq!(shorten_cols("abcdefghij", 5), "abcd…");
        // Exactly full is not cut; one column over is, with room left for the "…".
        assert_eq!(shorten_cols("abcde", 5), "abcde");
        assert_eq!(shorten_cols("ab一", 4), "ab一");
        assert_eq!(shorten_cols("ab一c", 4), "ab…");
        assert_eq!(shorten_cols("", 3), "");
    }

    fn err(code: &str, message: &str) -> ApiErrorBody {
        ApiErrorBody {
            code: code.to_owned(),
            message: message.to_owned(),
            request_id: None,
        }
    }

    #[test]
    fn a_failed_lookup_reads_as_words_with_the_detail_apart() {
        let server = Server::from_key("https://reapi.ai/");
        let raw = "connection failed: error sending request: client error (Connect): dns error: failed to lookup address information: Name or service not known";
        let p = job_error(&err("not_sent", raw), JobState::NotSent, &server);
        assert_eq!(
            p.summary,
            "Could not reach reapi.ai: the address could not be looked up. Nothing was sent and nothing was charged."
        );
        assert_eq!(p.detail.as_deref(), Some(raw));
    }

    #[test]
    fn server_messages_stay_whole() {
        let p = job_error(
            &err("20007", "prompt too long"),
            JobState::Refused,
            &Server::Sandbox,
        );
        assert_eq!(p.summary, "Prompt too long.");
    }

    #[test]
    fn shortening_never_cuts_a_word() {
        let s = shorten("dns error: failed to lookup address information", 30);
        assert_eq!(s, "dns error: failed to lookup…");
        assert_eq!(shorten("short", 30), "short");
        assert!(shorten(&"x".repeat(50), 10).chars().count() <= 10);
        assert_eq!(shorten("雪の中の赤い狐が静かに歩く", 6), "雪の中の赤…");
    }
}
