//! Printing results: as a table, JSON or CSV, with no control character from the server
//! reaching the terminal.

use std::borrow::Cow;
use std::io::{IsTerminal, Write};

use serde::Serialize;

use super::CliError;
use super::connect::Format;
use super::render;
use crate::{Paginator, types};

/// `text` with every C0 and C1 control character (and DEL) written as an escape, so a string
/// from the server cannot clear the screen, set the clipboard or move the cursor; newlines are
/// kept when `keep_newlines` (for text the CLI lays out in lines itself).
pub(super) fn escape_controls(text: &str, keep_newlines: bool) -> Cow<'_, str> {
    let is_control = |c: char| c.is_control() && !(keep_newlines && c == '\n');
    if !text.contains(is_control) {
        return Cow::Borrowed(text);
    }
    let mut escaped = String::with_capacity(text.len() + 8);
    for c in text.chars() {
        match c {
            _ if !is_control(c) => escaped.push(c),
            '\n' => escaped.push_str("\\n"),
            '\r' => escaped.push_str("\\r"),
            '\t' => escaped.push_str("\\t"),
            c if (c as u32) < 0x80 => escaped.push_str(&format!("\\x{:02x}", c as u32)),
            c => escaped.push_str(&format!("\\u{{{:x}}}", c as u32)),
        }
    }
    Cow::Owned(escaped)
}

/// JSON text with DEL and the C1 controls escaped too (`serde_json` escapes only C0); they can
/// only occur inside strings, where `\u00XX` means the same character.
fn escape_json_controls(json: &str) -> Cow<'_, str> {
    if !json.contains(|c: char| c.is_control()) {
        return Cow::Borrowed(json);
    }
    Cow::Owned(
        json.chars()
            .map(|c| if c.is_control() && c != '\n' { format!("\\u{:04x}", c as u32) } else { c.to_string() })
            .collect(),
    )
}

/// Writes text (laid out in lines by the CLI) to standard output; a reader that went away
/// (`| head`) ends the command quietly instead of a panic.
pub(super) fn emit(text: &str) -> Result<(), CliError> {
    write_out(&escape_controls(text, true))
}

/// Writes text whose every string from the server is already escaped (CSV, with its CRLF).
fn write_out(text: &str) -> Result<(), CliError> {
    let mut stdout = std::io::stdout().lock();
    match writeln!(stdout, "{text}").and_then(|()| stdout.flush()) {
        Ok(()) => Ok(()),
        Err(error) if error.kind() == std::io::ErrorKind::BrokenPipe => Err(CliError::OutputClosed),
        Err(error) => Err(CliError::Usage(format!("cannot write the output: {error}"))),
    }
}

/// Writes one line: a newline inside it (from the server) is escaped.
fn emit_line(line: &str) -> Result<(), CliError> {
    emit(&escape_controls(line, false))
}

/// How the result is printed.
pub(super) struct Output {
    format: Format,
    /// Whether this command exists to show an access key.
    shows_keys: bool,
    stdout_is_terminal: bool,
}

impl Output {
    pub(super) fn new(format: Format, shows_keys: bool) -> Self {
        Output { format, shows_keys, stdout_is_terminal: std::io::stdout().is_terminal() }
    }

    pub(super) fn json(&self) -> bool {
        self.format == Format::Json
    }

    pub(super) fn print<T: Serialize>(&self, value: &T) -> Result<(), CliError> {
        let mut value = serde_json::to_value(value).map_err(|error| CliError::Usage(error.to_string()))?;
        if !self.shows_keys {
            render::mask_access_keys(&mut value);
        }
        match self.format {
            Format::Json => {
                emit(&escape_json_controls(&serde_json::to_string_pretty(&value).expect("JSON values print")))
            }
            Format::Table => emit(&render::human(&value)),
            Format::Csv => write_out(&render::csv(&value)),
        }
    }

    /// Every listing prints as `{"count": …, "results": […]}` (a table for people), with
    /// and without `--all`: `count` is the total the API reports for the listing.
    pub(super) fn listing<T: Serialize>(&self, count: u64, results: &[T]) -> Result<(), CliError> {
        self.print(&serde_json::json!({ "count": count, "results": results }))
    }

    /// A change: the full object as JSON, else one line that says what happened.
    pub(super) fn changed<T: Serialize>(&self, value: &T, line: &str) -> Result<(), CliError> {
        if self.json() { self.print(value) } else { emit_line(line) }
    }

    /// A command whose purpose is a value (an access key): JSON prints the object; a terminal
    /// gets `sentence: value`; anything else (`KEY=$(…)`) just the value, the sentence going
    /// to standard error.
    pub(super) fn value<T: Serialize>(&self, object: &T, value: &str, sentence: &str) -> Result<(), CliError> {
        if self.json() {
            return self.print(object);
        }
        if self.stdout_is_terminal {
            return emit_line(&format!("{sentence}: {value}"));
        }
        eprintln!("{}", escape_controls(sentence, false));
        emit_line(value)
    }

    /// Activity per team, user or organization: with daily statistics, a table of days
    /// under a `key_name` column (the raw lists if they do not line up); otherwise as it came.
    pub(super) fn by_key<T: Serialize>(
        &self,
        answer: &T,
        by_key: Option<&std::collections::BTreeMap<String, types::DailyActivity>>,
        key_name: &str,
        key_label: impl Fn(&str) -> String,
    ) -> Result<(), CliError> {
        let days: Option<Vec<(String, crate::DayActivity)>> = by_key.and_then(|by_key| {
            let mut rows = Vec::new();
            for (key, daily) in by_key {
                rows.extend(daily.days()?.into_iter().map(|day| (key_label(key), day)));
            }
            Some(rows)
        });
        match days {
            Some(days) if !self.json() => {
                emit(&render::days_table(Some(key_name), days.iter().map(|(key, day)| (key.as_str(), day))))
            }
            _ => self.print(answer),
        }
    }

    pub(super) fn done(&self, message: &str) -> Result<(), CliError> {
        if self.json() {
            emit(&escape_json_controls(&serde_json::json!({ "ok": true, "message": message }).to_string()))
        } else {
            emit_line(message)
        }
    }
}

/// Where a listing that follows pagination reports its progress.
pub(super) struct Progress {
    /// The total the first page announced (the paginator keeps its own to itself).
    pub(super) total: Option<u64>,
    /// The client's request budget, which paces the pages.
    pub(super) rate: Option<crate::RateLimit>,
}

/// Every item of a listing; with `progress` (standard error is a terminal), standard error
/// shows the pages and items so far and the time the rest should take at the client's rate.
pub(super) fn collect_with_progress<T: std::fmt::Debug>(
    mut items: Paginator<'_, T>,
    progress: Option<Progress>,
) -> Result<Vec<T>, CliError> {
    let mut collected = Vec::new();
    let mut pages = 0;
    while let Some(item) = items.next() {
        collected.push(item.map_err(CliError::from)?);
        // Each item moves the count; a terminal takes the short rewrite of one line.
        if let Some(progress) = &progress {
            pages = items.pages_fetched();
            eprint!("\r{}", progress_line(pages, collected.len() as u64, progress));
        }
    }
    if progress.is_some() && pages > 0 {
        eprintln!();
    }
    Ok(collected)
}

/// `page 3, 250 of 1200 items, about 10 s more at 10 requests a second`.
fn progress_line(pages: u64, items: u64, progress: &Progress) -> String {
    let Some(total) = progress.total.filter(|total| *total >= items) else {
        return format!("page {pages}, {items} items");
    };
    let mut line = format!("page {pages}, {items} of {total} items");
    let per_page = items.div_ceil(pages.max(1)).max(1);
    let pages_left = (total - items).div_ceil(per_page);
    if let Some(rate) = progress.rate.filter(|rate| rate.per_second() > 0.0)
        && pages_left > 0
    {
        let seconds = (pages_left as f64 / rate.per_second()).ceil();
        line.push_str(&format!(", about {seconds} s more at {} requests a second", rate.per_second()));
    }
    line
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn control_characters_are_escaped_for_terminals_and_json() {
        let hostile = "a\u{1b}[2J\u{7}b\rc\u{9b}31m\u{1b}]52;c;SGVsbG8=\u{7}\nd";
        let shown = escape_controls(hostile, false);
        assert!(!shown.contains(|c: char| c.is_control()), "{shown}");
        assert_eq!(shown, "a\\x1b[2J\\x07b\\rc\\u{9b}31m\\x1b]52;c;SGVsbG8=\\x07\\nd");
        assert_eq!(escape_controls("one\ntwo", true), "one\ntwo");
        let json = serde_json::to_string(&serde_json::json!({ "name": hostile })).unwrap();
        let escaped = escape_json_controls(&json);
        assert!(!escaped.contains(|c: char| c.is_control()), "{escaped}");
        let back: serde_json::Value = serde_json::from_str(&escaped).unwrap();
        assert_eq!(back["name"], hostile, "the JSON still says the same");
    }

    #[test]
    fn progress_names_pages_items_and_the_rate() {
        let unknown = Progress { total: None, rate: None };
        assert_eq!(progress_line(2, 200, &unknown), "page 2, 200 items");
        let paced = Progress { total: Some(1200), rate: Some(crate::RateLimit::new(10.0, 10_000)) };
        assert_eq!(progress_line(2, 200, &paced), "page 2, 200 of 1200 items, about 1 s more at 10 requests a second");
        let done = Progress { total: Some(200), rate: Some(crate::RateLimit::new(10.0, 10_000)) };
        assert_eq!(progress_line(2, 200, &done), "page 2, 200 of 200 items");
    }
}
