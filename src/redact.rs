//! What an error may show: every credential a call sent or an answer carried replaced with
//! `***`, and every text kept from a server capped. Errors themselves live in `error`; this is
//! the one place that decides what of a server's words reaches them.
//!
//! A hostile answer may carry any number of credential-named fields, so redaction is one
//! linear pass (an Aho-Corasick automaton over all secrets, longest match first) and only the
//! part of a text that can be shown is redacted at all.

use std::cell::OnceCell;
use std::collections::HashSet;
use std::fmt;

use aho_corasick::{AhoCorasick, MatchKind};

use crate::error::{ApiError, SNIPPET_LIMIT};

/// The most bytes of one message from a server (a `detail`, a field's message, a transport
/// failure) kept in an error.
pub(crate) const MESSAGE_LIMIT: usize = 1024;

/// The most per-field and non-field messages of an error body kept in an [`ApiError`].
const MAX_ERROR_MESSAGES: usize = 32;

/// Whether a field's value is a credential, whatever the spelling: `access_key`,
/// `accessKey`, `password`, `verify_password`, `new_password`, `secret`, `api_token` …
pub(crate) fn is_secret_field(name: &str) -> bool {
    let folded: String = name.chars().filter(|c| c.is_ascii_alphanumeric()).map(|c| c.to_ascii_lowercase()).collect();
    ["accesskey", "password", "secret", "token", "apikey", "authorization"].iter().any(|word| folded.contains(word))
}

/// `text` cut to at most `limit` bytes on a character boundary, with `…` when it was cut.
pub(crate) fn capped(mut text: String, limit: usize) -> String {
    if text.len() > limit {
        text.truncate(floor_char_boundary(&text, limit));
        text.push('…');
    }
    text
}

fn floor_char_boundary(text: &str, mut index: usize) -> usize {
    if index >= text.len() {
        return text.len();
    }
    while !text.is_char_boundary(index) {
        index -= 1;
    }
    index
}

/// Everything that must never appear in what a call reports: the credentials it sent (the
/// access key, the `Authorization` value and its base64 part, any password in the request
/// body) and every credential-named value in the answer it got. Each is matched as written
/// and as it looks inside a JSON string, so an escaped `"` or `\` cannot hide it.
#[derive(Clone, Default)]
pub(crate) struct Redactor {
    secrets: Vec<String>,
    known: HashSet<String>,
    longest: usize,
    /// Built on the first redaction after the last secret was added.
    matcher: OnceCell<Option<AhoCorasick>>,
}

impl fmt::Debug for Redactor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Redactor({} secrets)", self.secrets.len())
    }
}

impl Redactor {
    /// The secrets of a call: the access key, the `Authorization` header value and any
    /// credential-named string in the JSON request body.
    pub(crate) fn for_call(access_key: &str, authorization: &str, request_body: Option<&[u8]>) -> Redactor {
        let mut redactor = Redactor::default();
        redactor.add(access_key);
        redactor.add(authorization);
        if let Some(encoded) = authorization.strip_prefix("Basic ") {
            redactor.add(encoded.trim());
        }
        if let Some(body) = request_body {
            redactor.add_body_secrets(body);
        }
        redactor
    }

    /// Adds one secret (and its JSON-escaped form).
    pub(crate) fn add(&mut self, secret: &str) {
        // Very short values would redact ordinary text; no real credential is this short.
        if secret.chars().count() < 4 {
            return;
        }
        let escaped = serde_json::Value::String(secret.to_string()).to_string();
        let escaped = &escaped[1..escaped.len() - 1];
        for form in [secret, escaped] {
            if self.known.insert(form.to_string()) {
                self.longest = self.longest.max(form.len());
                self.secrets.push(form.to_string());
                self.matcher = OnceCell::new();
            }
        }
    }

    /// Adds the value of every credential-named field in a body: as JSON at any depth, or,
    /// for a body that is not JSON (cut off, HTML), wherever `"field": "value"` can be read.
    pub(crate) fn add_body_secrets(&mut self, body: &[u8]) {
        match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(value) => self.add_value_secrets(&value, false),
            Err(_) => {
                let text = String::from_utf8_lossy(body);
                for (_, value) in quoted_values(&text) {
                    self.add(&text[value]);
                }
            }
        }
    }

    fn add_value_secrets(&mut self, value: &serde_json::Value, secret: bool) {
        match value {
            serde_json::Value::String(text) if secret => self.add(text),
            serde_json::Value::Object(fields) => {
                for (name, field) in fields {
                    // Only strings directly under a credential name: a list under `password`
                    // holds validation messages, which are kept.
                    let field_is_secret = is_secret_field(name) && field.is_string();
                    self.add_value_secrets(field, field_is_secret);
                }
            }
            serde_json::Value::Array(items) => items.iter().for_each(|item| self.add_value_secrets(item, false)),
            _ => {}
        }
    }

    /// The automaton over every secret, longest match first (a secret that contains another
    /// is replaced whole); `None` when there are no secrets or it cannot be built.
    fn matcher(&self) -> Option<&AhoCorasick> {
        self.matcher
            .get_or_init(|| {
                if self.secrets.is_empty() {
                    return None;
                }
                AhoCorasick::builder().match_kind(MatchKind::LeftmostLongest).build(&self.secrets).ok()
            })
            .as_ref()
    }

    /// `text` with every secret replaced by `***`, in one pass over the text.
    pub(crate) fn redact(&self, text: &str) -> String {
        if self.secrets.is_empty() {
            return text.to_string();
        }
        match self.matcher() {
            Some(matcher) => {
                let mut out = String::with_capacity(text.len());
                matcher.replace_all_with(text, &mut out, |_, _, out| {
                    out.push_str("***");
                    true
                });
                out
            }
            // Secrets exist but cannot be searched for: show nothing rather than risk one.
            None => "***".to_string(),
        }
    }

    /// At most `limit` bytes of `text` (with `…` when cut), redacted. Only the part that can
    /// be shown is searched, plus enough to see a secret that starts inside it whole.
    pub(crate) fn redact_capped(&self, text: &str, limit: usize) -> String {
        let searched = &text[..floor_char_boundary(text, limit.saturating_add(self.longest))];
        let redacted = self.redact(searched);
        let cut = redacted.len() > limit || searched.len() < text.len();
        let mut shown = capped(redacted, limit);
        if cut && !shown.ends_with('…') {
            shown.push('…');
        }
        shown
    }

    /// The start of a body for an error message: lossy UTF-8, the string value of every
    /// credential-named field and every known secret replaced with `***`, at most
    /// [`SNIPPET_LIMIT`] bytes. Validation messages about credential fields (lists of text)
    /// are kept.
    pub(crate) fn snippet(&self, body: &[u8]) -> String {
        let text = match serde_json::from_slice::<serde_json::Value>(body) {
            Ok(mut value) => {
                self.redact_value(&mut value);
                value.to_string()
            }
            // Not JSON (an HTML page, a truncated body): redact what can be recognised in text.
            Err(_) => redact_quoted_secret_values(&String::from_utf8_lossy(body)),
        };
        self.redact_capped(&text, SNIPPET_LIMIT)
    }

    /// Fills `error` with what may be shown of an error body: the `detail`, the non-field and
    /// per-field messages (Django REST's and FastAPI's shapes), each redacted and capped at
    /// [`MESSAGE_LIMIT`], at most [`MAX_ERROR_MESSAGES`] of them, and the body's snippet.
    pub(crate) fn read_error_body(&self, body: &[u8], error: &mut ApiError) {
        error.body_snippet = self.snippet(body);
        if let Ok(serde_json::Value::Object(fields)) = serde_json::from_slice::<serde_json::Value>(body) {
            for (name, value) in fields {
                let messages = || -> Vec<String> {
                    let texts = match &value {
                        serde_json::Value::String(text) => vec![text.clone()],
                        serde_json::Value::Array(items) => items
                            .iter()
                            .map(|item| item.as_str().map_or_else(|| item.to_string(), str::to_string))
                            .collect(),
                        other => vec![other.to_string()],
                    };
                    texts.iter().take(MAX_ERROR_MESSAGES).map(|text| self.redact_capped(text, MESSAGE_LIMIT)).collect()
                };
                match name.as_str() {
                    // FastAPI's 422: `{"detail": [{"loc": ["query", "since"], "msg": "…"}]}`, one
                    // entry per refused value; each becomes a message for the value's name.
                    "detail" if fastapi_problems(&value).is_some() => {
                        for (field, message) in
                            fastapi_problems(&value).unwrap_or_default().into_iter().take(MAX_ERROR_MESSAGES)
                        {
                            error
                                .field_errors
                                .entry(field)
                                .or_default()
                                .push(self.redact_capped(&message, MESSAGE_LIMIT));
                        }
                    }
                    "detail" | "message" | "error" => error.detail = messages().into_iter().next(),
                    "non_field_errors" => error.non_field_errors = messages(),
                    "status_code" => {}
                    // However many fields a server lists, an error keeps a readable number.
                    _ if error.field_errors.len() >= MAX_ERROR_MESSAGES => {}
                    _ => {
                        error.field_errors.insert(name.clone(), messages());
                    }
                }
            }
        }
    }

    /// Redacts inside every string of a JSON value, before it is encoded again: the encoded
    /// form would escape characters the plain secret does not.
    fn redact_value(&self, value: &mut serde_json::Value) {
        match value {
            serde_json::Value::Object(fields) => {
                for (name, field) in fields.iter_mut() {
                    if is_secret_field(name) && field.is_string() {
                        *field = serde_json::Value::String("***".into());
                    } else {
                        self.redact_value(field);
                    }
                }
            }
            serde_json::Value::Array(items) => items.iter_mut().for_each(|item| self.redact_value(item)),
            serde_json::Value::String(text) => *text = self.redact(text),
            _ => {}
        }
    }
}

/// `text` with the value of every `"field": "value"` with a credential name replaced by `***`.
fn redact_quoted_secret_values(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut last = 0;
    for (_, value) in quoted_values(text) {
        out.push_str(&text[last..value.start]);
        out.push_str("***");
        last = value.end;
    }
    out.push_str(&text[last..]);
    out
}

/// The byte ranges of `"name"` and of its string value, for each credential-named field, in
/// one pass over `text`.
fn quoted_values(text: &str) -> Vec<(std::ops::Range<usize>, std::ops::Range<usize>)> {
    let mut found = Vec::new();
    let mut position = 0;
    while let Some(open) = text[position..].find('"').map(|index| position + index) {
        let Some(close) = text[open + 1..].find('"').map(|index| open + 1 + index) else { break };
        let name = open + 1..close;
        position = close + 1;
        if !is_secret_field(&text[name.clone()]) {
            continue;
        }
        let rest = &text[position..];
        let Some(after_colon) = rest.trim_start().strip_prefix(':') else { continue };
        let Some(inner) = after_colon.trim_start().strip_prefix('"') else { continue };
        let start = text.len() - inner.len();
        let mut end = text.len();
        let mut escaped = false;
        for (index, c) in inner.char_indices() {
            match c {
                '\\' if !escaped => escaped = true,
                '"' if !escaped => {
                    end = start + index;
                    break;
                }
                _ => escaped = false,
            }
        }
        found.push((name, start..end));
        position = (end + 1).min(text.len());
    }
    found
}

/// The `(name, message)` pairs of a FastAPI validation `detail`, or `None` for another shape.
fn fastapi_problems(detail: &serde_json::Value) -> Option<Vec<(String, String)>> {
    let problems = detail.as_array().filter(|problems| !problems.is_empty())?;
    problems
        .iter()
        .map(|problem| {
            let message = problem.get("msg")?.as_str()?.to_owned();
            let location = problem.get("loc")?.as_array()?;
            let field = location
                .last()
                .map_or_else(String::new, |last| last.as_str().map_or_else(|| last.to_string(), str::to_owned));
            Some((field, message))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn snippet(body: &[u8]) -> String {
        Redactor::default().snippet(body)
    }

    #[test]
    fn snippets_redact_credentials_even_when_cut_off() {
        let body = br#"{"id": "1", "access_key": "abc-123", "password":"p\"w", "tail": "x", "access_key": "trunc"#;
        let text = snippet(body);
        assert!(!text.contains("abc-123") && !text.contains("p\\\"w") && !text.contains("trunc"), "{text}");
        assert!(text.contains(r#""tail": "x""#), "{text}");
    }

    #[test]
    fn json_bodies_are_redacted_at_any_depth() {
        let text = snippet(br#"{"users": [{"username": "a", "access_key": "k1"}], "password": ["Too short."]}"#);
        assert_eq!(text, r#"{"password":["Too short."],"users":[{"access_key":"***","username":"a"}]}"#);
    }

    #[test]
    fn snippets_are_capped_on_a_char_boundary() {
        let body = "é".repeat(SNIPPET_LIMIT);
        let text = snippet(body.as_bytes());
        assert!(text.len() <= SNIPPET_LIMIT + '…'.len_utf8());
        assert!(text.ends_with('…'));
    }

    #[test]
    fn sent_secrets_are_redacted_anywhere() {
        let redactor = Redactor::for_call(
            "s3cr3t",
            "Basic dTpzM2NyM3Q=",
            Some(br#"{"username": "u", "password": "Pa55-word", "verify_password": "Pa55-word"}"#),
        );
        assert_eq!(redactor.snippet(b"key is s3cr3t! pw Pa55-word"), "key is ***! pw ***");
        assert_eq!(redactor.redact("header Basic dTpzM2NyM3Q= and dTpzM2NyM3Q="), "header *** and ***");
    }

    #[test]
    fn json_escaped_secrets_are_redacted_inside_json_and_as_text() {
        let redactor = Redactor::for_call("key-1", "Basic x", Some(br#"{"password": "Pa\"ss\\w0rd!"}"#));
        // As the server echoes it inside JSON (escaped), and as plain text.
        let json = redactor.snippet(br#"{"detail": "Pa\"ss\\w0rd! is weak"}"#);
        assert_eq!(json, r#"{"detail":"*** is weak"}"#);
        assert_eq!(redactor.snippet(br#"not json: Pa\"ss\\w0rd! <html"#), "not json: *** <html");
        assert_eq!(redactor.redact(r#"Pa"ss\w0rd!"#), "***");
    }

    #[test]
    fn capped_redaction_sees_a_secret_that_straddles_the_cap_whole() {
        let mut redactor = Redactor::default();
        redactor.add("straddling-secret");
        let text = format!("{}straddling-secret and more", "x".repeat(10));
        let shown = redactor.redact_capped(&text, 20);
        assert_eq!(shown, "xxxxxxxxxx*** and mo…");
        assert_eq!(redactor.redact_capped("short", 20), "short");
    }

    #[test]
    fn credential_names_are_recognised_in_any_spelling() {
        for name in ["access_key", "accessKey", "password", "verify_password", "new_password", "api_token", "secret"] {
            assert!(is_secret_field(name), "{name}");
        }
        for name in ["username", "email", "detail", "id"] {
            assert!(!is_secret_field(name), "{name}");
        }
    }

    #[test]
    fn another_accounts_credentials_in_a_body_become_secrets() {
        let mut redactor = Redactor::default();
        redactor.add_body_secrets(br#"{"users": [{"access_key": "other-account-key"}], "detail": "x"}"#);
        assert_eq!(redactor.redact("invalid type: string \"other-account-key\""), "invalid type: string \"***\"");
        let mut cut = Redactor::default();
        cut.add_body_secrets(br#"{"user": {"password": "Cut-Off-Pass"#);
        assert_eq!(cut.redact("Cut-Off-Pass"), "***");
    }
}
