//! Reads the Accounts API documentation in the three forms it comes in, into one list of
//! documented operations.
//!
//! - the docs' MDX source: `<details><summary>` blocks with a method and a path, parameter
//!   tables with `| QUERY | OPTIONAL | STRING |` markers, response tables;
//! - the published page as plain text: `METHOD /path` lines, parameter names followed by the
//!   same markers, `200Success.` response lines;
//! - a bare endpoint index: backticked `` `METHOD path` `` lines.
//!
//! The form is detected from the content. Markup the reader does not understand is reported,
//! never skipped silently: once per unknown parameter type (the parameter is still read), once
//! per place for anything else.
//!
//! Besides operations and parameters, the reader keeps what a comparison of bodies needs: the
//! fields of a body object listed under its parameter (`<li><code>x</code> - <small>INTEGER</small>`,
//! read as the parameter `settings.x`), the JSON a sample request sends and the JSON a sample
//! response shows. Samples are fenced blocks titled "Sample Request", "cURL … Example" and the
//! like (also inside `<Tabs>`/`<TabItem>`), or "Sample Response"; a sample is read leniently
//! (`{...}` elisions, trailing commas and stray closing braces are tolerated).

use std::collections::BTreeSet;
use std::fmt;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Form {
    Source,
    Published,
    Index,
}

impl Form {
    pub fn name(self) -> &'static str {
        match self {
            Form::Source => "source",
            Form::Published => "published",
            Form::Index => "index",
        }
    }
}

impl fmt::Display for Form {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord)]
pub enum Location {
    Path,
    Query,
    Body,
    Header,
}

impl Location {
    pub fn name(self) -> &'static str {
        match self {
            Location::Path => "path",
            Location::Query => "query",
            Location::Body => "body",
            Location::Header => "header",
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub struct DocParam {
    /// The name; a field of a body object is `parent.field`.
    pub name: String,
    pub location: Location,
    pub required: bool,
    /// Normalised: string, integer, number, boolean, object, array, date, date-time,
    /// duration; `unknown` for a type the reader does not know (reported once).
    pub kind: String,
    /// The values the description lists as valid (`Valid values are: …`), in its order.
    pub values: Vec<String>,
    /// The default the description states (`Default value is 20`, `3 - Member (default)`).
    pub default: Option<String>,
    /// Whether the description announced a list of values that follows as bullets (the
    /// published page's form), so the next bullets are values, not fields.
    values_follow: bool,
}

impl DocParam {
    pub fn new(name: impl Into<String>, location: Location, required: bool, kind: impl Into<String>) -> DocParam {
        DocParam {
            name: name.into(),
            location,
            required,
            kind: kind.into(),
            values: Vec::new(),
            default: None,
            values_follow: false,
        }
    }
}

/// The JSON of a sample, with where it was found.
#[derive(Clone, Debug, PartialEq)]
pub struct Sample {
    pub origin: String,
    pub json: serde_json::Value,
}

#[derive(Clone, Debug, PartialEq)]
pub struct DocOperation {
    pub form: Form,
    /// Where the operation was found, `file:line`.
    pub origin: String,
    pub heading: String,
    pub method: String,
    /// Normalised path: placeholders as `{}`, no trailing slash, no query.
    pub path: String,
    /// Whether the doc has a parameter section for it (index entries and mere mentions do not).
    pub has_params: bool,
    pub params: Vec<DocParam>,
    pub statuses: BTreeSet<u16>,
    /// Bodies the sample requests send.
    pub sample_bodies: Vec<Sample>,
    /// Answers the sample responses show.
    pub sample_responses: Vec<Sample>,
    /// Where a sample response could not be read as JSON even leniently (reported for the
    /// operations that are compared).
    pub unreadable_samples: Vec<String>,
}

/// Markup the reader could not understand.
#[derive(Clone, Debug, PartialEq)]
pub struct MarkupProblem {
    pub origin: String,
    pub message: String,
}

#[derive(Debug, Default)]
pub struct DocSet {
    pub operations: Vec<DocOperation>,
    pub problems: Vec<MarkupProblem>,
    /// Parameter types the reader does not know, with the first place each was seen: reported
    /// once each, however often they occur.
    pub unknown_types: std::collections::BTreeMap<String, String>,
}

impl DocSet {
    /// Every markup problem, the unknown types among them (one each).
    pub fn all_problems(&self) -> Vec<MarkupProblem> {
        let mut problems = self.problems.clone();
        problems.extend(self.unknown_types.iter().map(|(kind, origin)| MarkupProblem {
            origin: origin.clone(),
            message: format!("unknown parameter type {kind:?} (its parameters are compared without their type)"),
        }));
        problems
    }
}

const METHODS: [&str; 5] = ["GET", "POST", "PUT", "PATCH", "DELETE"];

/// Detects the form of `text` from its content.
pub fn detect(text: &str) -> Option<Form> {
    if text.contains("<details") || text.contains("<table") {
        return Some(Form::Source);
    }
    if text.lines().any(|line| method_line(line).is_some()) {
        return Some(Form::Published);
    }
    if text.lines().any(|line| backticked_operation(line).is_some()) {
        return Some(Form::Index);
    }
    None
}

/// Reads one document; `name` is used in origins.
pub fn read(name: &str, text: &str, set: &mut DocSet) -> Result<Form, String> {
    let form = detect(text)
        .ok_or_else(|| format!("{name}: not a recognised form of the Accounts API docs (no operations found)"))?;
    match form {
        Form::Source => read_source(name, text, set),
        Form::Published => read_published(name, text, set),
        Form::Index => read_index(name, text, set),
    }
    Ok(form)
}

/// Decodes the HTML entities the docs use.
pub fn decode_entities(text: &str) -> String {
    text.replace("&#123;", "{")
        .replace("&#125;", "}")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// Normalises a documented path: entities decoded, host dropped, `<X>`/`{x}` → `{}`, no
/// trailing slash. Returns the path, its placeholder names and any query parameter names.
pub fn normalize_path(raw: &str) -> (String, Vec<String>, Vec<String>) {
    let decoded = decode_entities(raw.trim());
    let without_host = match decoded.find("://") {
        Some(scheme_end) => {
            let rest = &decoded[scheme_end + 3..];
            rest.find('/').map_or("/", |slash| &rest[slash..]).to_string()
        }
        None => decoded,
    };
    let (path, query) = match without_host.split_once('?') {
        Some((path, query)) => (path.to_string(), query.to_string()),
        None => (without_host, String::new()),
    };
    let query_names: Vec<String> = query
        .split('&')
        .filter(|pair| !pair.is_empty())
        .map(|pair| pair.split('=').next().unwrap_or("").to_string())
        .collect();
    let mut names = Vec::new();
    let segments: Vec<String> = path
        .split('/')
        .map(|segment| {
            let inner = segment
                .strip_prefix('{')
                .and_then(|rest| rest.strip_suffix('}'))
                .or_else(|| segment.strip_prefix('<').and_then(|rest| rest.strip_suffix('>')));
            match inner {
                Some(name) => {
                    names.push(name.to_ascii_lowercase().replace('-', "_"));
                    "{}".to_string()
                }
                None => segment.to_string(),
            }
        })
        .collect();
    let mut normalized = segments.join("/");
    while normalized.len() > 1 && normalized.ends_with('/') {
        normalized.pop();
    }
    (normalized, names, query_names)
}

/// `GET /path` or `POST /path DEPRECATED` on a line of its own.
fn method_line(line: &str) -> Option<(String, String)> {
    let mut words = line.split_whitespace();
    let method = words.next()?;
    let path = words.next()?;
    let rest: Vec<&str> = words.collect();
    if !METHODS.contains(&method) || !path.starts_with('/') || !(rest.is_empty() || rest == ["DEPRECATED"]) {
        return None;
    }
    Some((method.to_string(), path.to_string()))
}

/// `` `GET /path` `` on a line of its own (tabs and spaces between are fine).
fn backticked_operation(line: &str) -> Option<(String, String)> {
    let inner = line.trim().strip_prefix('`')?.strip_suffix('`')?;
    let mut words = inner.split_whitespace();
    let method = words.next()?.to_ascii_uppercase();
    let path = words.next()?;
    if words.next().is_some() || !METHODS.contains(&method.as_str()) || !path.starts_with('/') {
        return None;
    }
    Some((method, path.to_string()))
}

/// `| QUERY | OPTIONAL | STRING |` → its three cells.
fn marker(line: &str) -> Option<[String; 3]> {
    let start = line.find('|')?;
    let end = line.rfind('|')?;
    if end <= start {
        return None;
    }
    let cells: Vec<String> = line[start + 1..end].split('|').map(|cell| cell.trim().to_string()).collect();
    let [location, required, kind] = <[String; 3]>::try_from(cells).ok()?;
    let is_word = |cell: &str| !cell.is_empty() && cell.chars().all(|c| c.is_ascii_uppercase() || c == ' ');
    (is_word(&location) && is_word(&required)).then_some([location, required, kind])
}

/// The doc types the reader knows, by the words that start them, most specific first.
const KNOWN_TYPES: [(&str, &str); 10] = [
    ("ARRAY", "array"),
    ("INTEGER", "integer"),
    ("NUMBER", "number"),
    ("STRING", "string"),
    ("BOOLEAN", "boolean"),
    ("OBJECT", "object"),
    ("DATETIME", "date-time"),
    ("DATE-TIME", "date-time"),
    ("DATE", "date"),
    ("DURATION", "duration"),
];

/// A parameter from its marker; a type the reader does not know is `unknown` (and `Err`
/// carries it, for the caller to report once).
fn parse_marker(name: &str, cells: &[String; 3]) -> Result<(DocParam, Option<String>), String> {
    let location = match cells[0].to_ascii_uppercase().as_str() {
        "PATH" => Location::Path,
        "QUERY" => Location::Query,
        "BODY" => Location::Body,
        "HEADER" => Location::Header,
        other => return Err(format!("parameter {name}: unknown location {other:?}")),
    };
    let required = match cells[1].to_ascii_uppercase().as_str() {
        "REQUIRED" => true,
        "OPTIONAL" => false,
        other => return Err(format!("parameter {name}: unknown requiredness {other:?}")),
    };
    let kind_text = cells[2].to_ascii_uppercase();
    let known = KNOWN_TYPES.iter().find(|(word, _)| kind_text.starts_with(word)).map(|(_, kind)| kind.to_string());
    let unknown = known.is_none().then(|| cells[2].clone());
    let kind = known.unwrap_or_else(|| "unknown".to_string());
    Ok((DocParam::new(name, location, required, kind), unknown))
}

/// Adds the parameter a marker describes to the open operation, or reports the marker.
fn attach_param(
    name: Option<String>,
    operation: Option<&mut DocOperation>,
    cells: &[String; 3],
    origin: String,
    set: &mut DocSet,
) {
    match (name, operation) {
        (Some(name), Some(operation)) => match parse_marker(&name, cells) {
            Ok((param, unknown)) => {
                if let Some(unknown) = unknown {
                    set.unknown_types.entry(unknown).or_insert(origin);
                }
                operation.params.push(param);
            }
            Err(message) => set.problems.push(MarkupProblem { origin, message }),
        },
        _ => set.problems.push(MarkupProblem { origin, message: "a parameter marker without a parameter name".into() }),
    }
}

/// The fields of a body object its parameter lists (`<li><code>x</code> - <small>INTEGER</small>`
/// in the source, `• x - INTEGER` on the published page), added as `parent.x`.
fn attach_nested_fields(line: &str, operation: Option<&mut DocOperation>) {
    let Some(operation) = operation else { return };
    // The object is the last top-level parameter read (its fields may already follow it).
    let parent = operation.params.iter().rev().find(|param| !param.name.contains('.'));
    let Some(parent) = parent.filter(|param| param.kind == "object").map(|param| param.name.clone()) else {
        return;
    };
    let mut found = Vec::new();
    let mut rest = line;
    while let Some(start) = rest.find("<li><code>") {
        let after = &rest[start + "<li><code>".len()..];
        let Some(end) = after.find("</code>") else { break };
        let field = &after[..end];
        let tail = &after[end..];
        if let Some(kind) = between(tail, "<small>", "</small>") {
            found.push((field.to_string(), kind.to_string()));
        }
        rest = tail;
    }
    if let Some(item) = line.trim().strip_prefix('•')
        && let Some((field, kind)) = item.split_once(" - ")
    {
        found.push((field.trim().to_string(), kind.trim().to_string()));
    }
    for (field, kind) in found {
        let kind_text = kind.to_ascii_uppercase();
        let Some((_, kind)) = KNOWN_TYPES.iter().find(|(word, _)| kind_text.starts_with(word)) else { continue };
        operation.params.push(DocParam::new(format!("{parent}.{field}"), Location::Body, false, *kind));
    }
}

/// Reads a sample's JSON leniently: a leading `;` goes, `{...}`/`[...]` elisions become
/// empty, `...` lines and trailing commas go, and text after the first complete value (a
/// stray `}`) is dropped.
pub fn lenient_json(text: &str) -> Option<serde_json::Value> {
    // Prettier writes `;[` at the start of a JSX block that begins with an array.
    let text = text.trim_start().strip_prefix(';').unwrap_or(text);
    let mut cleaned = text.replace("{...}", "{}").replace("[...]", "[]");
    cleaned = cleaned.lines().filter(|line| line.trim().trim_end_matches(',') != "...").collect::<Vec<_>>().join("\n");
    let mut without_trailing_commas = String::with_capacity(cleaned.len());
    let chars: Vec<char> = cleaned.chars().collect();
    let mut in_string = false;
    for (index, c) in chars.iter().enumerate() {
        match c {
            '"' if index == 0 || chars[index - 1] != '\\' => in_string = !in_string,
            ',' if !in_string => {
                let next = chars[index + 1..].iter().find(|c| !c.is_whitespace());
                if matches!(next, Some('}') | Some(']') | None) {
                    continue;
                }
            }
            _ => {}
        }
        without_trailing_commas.push(*c);
    }
    let mut values =
        serde_json::Deserializer::from_str(without_trailing_commas.trim()).into_iter::<serde_json::Value>();
    values.next()?.ok()
}

/// The JSON body a sample curl command sends (`--data-raw '…'`, `--data '…'`, `-d '…'`).
fn sample_body(command: &str) -> Option<serde_json::Value> {
    let start =
        ["--data-raw '", "--data '", "-d '"].iter().find_map(|flag| command.find(flag).map(|at| at + flag.len()))?;
    let end = command[start..].find('\'')? + start;
    lenient_json(&command[start..end])
}

/// What a fenced block holds, from its title.
fn fence_kind(opening: &str) -> Section {
    let title = between(opening, "title=\"", "\"").unwrap_or("");
    if title.contains("Failed") {
        Section::Other
    } else if title.contains("Response") {
        Section::SampleResponse
    } else if !title.is_empty() {
        // "Sample Request", "Sample Request with Filters", "cURL with jq Example" …
        Section::SampleRequest
    } else {
        Section::Other
    }
}

fn new_operation(
    form: Form,
    origin: String,
    heading: &str,
    method: &str,
    raw_path: &str,
    has_params: bool,
) -> DocOperation {
    let (path, _, query) = normalize_path(raw_path);
    DocOperation {
        form,
        origin,
        heading: heading.to_string(),
        method: method.to_ascii_uppercase(),
        path,
        has_params,
        params: query.into_iter().map(|name| DocParam::new(name, Location::Query, false, "string")).collect(),
        statuses: BTreeSet::new(),
        sample_bodies: Vec::new(),
        sample_responses: Vec::new(),
        unreadable_samples: Vec::new(),
    }
}

/// Text between `open` and `close` after `from`.
fn between<'a>(text: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let start = text.find(open)? + open.len();
    let end = text[start..].find(close)? + start;
    Some(&text[start..end])
}

/// Endpoints the prose points at: `GET https://api.….saucelabs.com/path` and one-line curl
/// commands outside a sample request.
fn references(line: &str) -> Vec<(String, String)> {
    let decoded = decode_entities(line);
    let mut found = Vec::new();
    for method in METHODS {
        for prefix in [format!("{method} https://"), format!("--request {method} 'https://")] {
            let mut rest = decoded.as_str();
            while let Some(at) = rest.find(&prefix) {
                let url_start = at + prefix.len() - "https://".len();
                let url: String = rest[url_start..]
                    .chars()
                    .take_while(|c| !c.is_whitespace() && !matches!(c, '\'' | '"' | '<' | '`'))
                    .collect();
                if url.contains("saucelabs.com/") {
                    found.push((method.to_string(), url.clone()));
                }
                rest = &rest[url_start + url.len()..];
            }
        }
    }
    found
}

#[derive(Clone, Copy, PartialEq)]
enum Section {
    Other,
    Parameters,
    Responses,
    SampleRequest,
    SampleResponse,
}

/// The words that announce a parameter's list of values, in either form of the docs.
const VALUES_ANNOUNCED: [&str; 3] = ["Valid values are", "Supported values are", "Available values are"];
/// The words that state a parameter's default.
const DEFAULT_STATED: [&str; 2] = ["Default value is", "Defaults to"];

/// The values and default a top-level parameter's description states: `Valid values are:`
/// with `<li><code>v</code>` items on the same line (source) or `• v - meaning` bullets on the
/// lines that follow (published page); `(default)` after a value, or `Default value is v`.
/// An object parameter's bullets are its fields (`attach_nested_fields`), not values.
fn attach_values(line: &str, operation: Option<&mut DocOperation>) {
    let Some(operation) = operation else { return };
    let Some(param) = operation.params.iter_mut().rev().find(|param| !param.name.contains('.')) else { return };
    if param.kind == "object" {
        return;
    }
    let text = decode_entities(line);
    let add = |param: &mut DocParam, item: &str, value: &str| {
        let value = value.trim().trim_end_matches(['.', ',']).to_string();
        if item.contains("(default)") {
            param.default = Some(value.clone());
        }
        if !value.is_empty() && !param.values.contains(&value) {
            param.values.push(value);
        }
    };
    if let Some(at) = VALUES_ANNOUNCED.iter().filter_map(|words| text.find(words)).min() {
        let mut rest = &text[at..];
        let mut listed = false;
        while let Some(start) = rest.find("<li>") {
            let after = &rest[start + "<li>".len()..];
            let item = &after[..after.find("</li>").unwrap_or(after.len())];
            if let Some(value) = between(item, "<code>", "</code>") {
                add(param, item, value);
                listed = true;
            }
            rest = &after[item.len()..];
        }
        param.values_follow = !listed;
    } else if let Some(item) = text.trim().strip_prefix('•')
        && param.values_follow
    {
        let value = item.split(" - ").next().unwrap_or(item);
        add(param, item, value);
    }
    if let Some(rest) = DEFAULT_STATED.iter().find_map(|words| text.find(words).map(|at| &text[at + words.len()..])) {
        let rest = rest.trim_start_matches([' ', ':']);
        let value = between(rest, "<code>", "</code>")
            .map(str::to_string)
            .unwrap_or_else(|| rest.split_whitespace().next().unwrap_or("").trim_end_matches('.').to_string());
        if !value.is_empty() {
            param.default = Some(value);
        }
    }
}

fn read_source(name: &str, text: &str, set: &mut DocSet) {
    let mut heading = String::new();
    let mut current: Option<DocOperation> = None;
    let mut section = Section::Other;
    let mut pending_param: Option<String> = None;
    // An open fenced block: what it holds, where it started, its text, and the section to
    // return to when it closes.
    let mut fence: Option<(Section, String, String, Section)> = None;
    for (index, line) in text.lines().enumerate() {
        let origin = format!("{name}:{}", index + 1);
        let trimmed = line.trim();
        if trimmed.starts_with("```") {
            match fence.take() {
                Some((kind, started, body, resume)) => {
                    if let Some(operation) = current.as_mut() {
                        let sample = match kind {
                            Section::SampleRequest => sample_body(&body).map(|json| (false, json)),
                            Section::SampleResponse => match lenient_json(&body) {
                                Some(json) => Some((true, json)),
                                None => {
                                    operation.unreadable_samples.push(started.clone());
                                    None
                                }
                            },
                            _ => None,
                        };
                        match sample {
                            Some((true, json)) => operation.sample_responses.push(Sample { origin: started, json }),
                            Some((false, json)) => operation.sample_bodies.push(Sample { origin: started, json }),
                            None => {}
                        }
                    }
                    section = resume;
                }
                None => {
                    let kind = fence_kind(trimmed);
                    fence = Some((kind, origin.clone(), String::new(), section));
                    section = kind;
                }
            }
            continue;
        }
        // A sample's lines are its JSON, nothing else; other fenced lines are read as usual.
        if let Some((Section::SampleRequest | Section::SampleResponse, _, body, _)) = fence.as_mut() {
            body.push_str(line);
            body.push('\n');
            continue;
        }
        if let Some(title) = trimmed.strip_prefix("###")
            && !title.starts_with('#')
        {
            heading = title.trim().to_string();
        }
        if trimmed.starts_with("#### Parameters") {
            section = Section::Parameters;
            continue;
        }
        if trimmed.starts_with("#### Responses") {
            section = Section::Responses;
            pending_param = None;
            continue;
        }
        if trimmed.contains("<summary>") {
            let method = between(trimmed, "\">", "</span>");
            let path = between(trimmed, "<code>", "</code>");
            match (method, path) {
                (Some(method), Some(path)) if METHODS.contains(&method.trim()) => {
                    if let Some(open) = current.take() {
                        set.operations.push(open);
                    }
                    current = Some(new_operation(Form::Source, origin, &heading, method.trim(), path, true));
                    section = Section::Other;
                }
                _ => set.problems.push(MarkupProblem {
                    origin,
                    message: format!("a <summary> without a method and a path: {trimmed}"),
                }),
            }
            continue;
        }
        if trimmed.contains("</details>") {
            if let Some(done) = current.take() {
                set.operations.push(done);
            }
            section = Section::Other;
            continue;
        }
        if let Some((method, path)) = backticked_operation(trimmed) {
            set.operations.push(new_operation(Form::Source, origin, &heading, &method, &path, false));
            continue;
        }
        if section != Section::SampleRequest {
            for (method, url) in references(trimmed) {
                set.operations.push(new_operation(Form::Source, origin.clone(), &heading, &method, &url, false));
            }
        }
        match section {
            Section::Parameters => {
                if let Some(param) = between(trimmed, "<td><code>", "</code></td>") {
                    pending_param = Some(param.trim().to_string());
                } else if let Some(cells) = marker(trimmed) {
                    attach_param(pending_param.take(), current.as_mut(), &cells, origin, set);
                    attach_nested_fields(trimmed, current.as_mut());
                    attach_values(trimmed, current.as_mut());
                } else {
                    attach_nested_fields(trimmed, current.as_mut());
                    attach_values(trimmed, current.as_mut());
                }
            }
            Section::Responses => {
                let cell = between(trimmed, "<td><code>", "</code></td>").or_else(|| between(trimmed, "<td>", "</td>"));
                if let (Some(cell), Some(operation)) = (cell, current.as_mut())
                    && let Ok(status) = cell.trim().parse::<u16>()
                {
                    operation.statuses.insert(status);
                }
            }
            _ => {}
        }
    }
    if let Some(open) = current {
        set.problems
            .push(MarkupProblem { origin: open.origin.clone(), message: "a <details> block that never closes".into() });
        set.operations.push(open);
    }
}

fn read_published(name: &str, text: &str, set: &mut DocSet) {
    let lines: Vec<&str> = text.lines().collect();
    let mut current: Option<DocOperation> = None;
    let mut section = Section::Other;
    let mut pending_param: Option<String> = None;
    let mut last_title = String::new();
    for (index, line) in lines.iter().enumerate() {
        let origin = format!("{name}:{}", index + 1);
        let trimmed = line.trim();
        if let Some((method, path)) = method_line(trimmed) {
            if let Some(done) = current.take() {
                set.operations.push(done);
            }
            current = Some(new_operation(Form::Published, origin, &last_title, &method, &path, true));
            section = Section::Other;
            continue;
        }
        match trimmed {
            "Parameters" => {
                section = Section::Parameters;
                continue;
            }
            "Responses" => {
                section = Section::Responses;
                pending_param = None;
                continue;
            }
            "Sample Request" => {
                section = Section::SampleRequest;
                continue;
            }
            "Sample Response" | "Sample Failed Response" | "Response Details" => {
                section = Section::Other;
                continue;
            }
            _ => {}
        }
        if section == Section::SampleRequest && !trimmed.ends_with('\\') && !trimmed.starts_with("curl") {
            // The curl command ended on the previous line.
            section = Section::Other;
        }
        if section != Section::SampleRequest {
            for (method, url) in references(trimmed) {
                set.operations.push(new_operation(Form::Published, origin.clone(), &last_title, &method, &url, false));
            }
        }
        match section {
            Section::Parameters => {
                if let Some(cells) = marker(trimmed) {
                    attach_param(pending_param.take(), current.as_mut(), &cells, origin, set);
                } else if trimmed.starts_with('•') {
                    attach_nested_fields(trimmed, current.as_mut());
                    attach_values(trimmed, current.as_mut());
                } else if !trimmed.is_empty()
                    && !trimmed.contains(' ')
                    && trimmed.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
                {
                    pending_param = Some(trimmed.to_string());
                } else {
                    attach_values(trimmed, current.as_mut());
                }
            }
            Section::Responses => {
                let digits: String = trimmed.chars().take(3).collect();
                if let (Ok(status), Some(operation)) = (digits.parse::<u16>(), current.as_mut())
                    && digits.len() == 3
                {
                    operation.statuses.insert(status);
                }
            }
            _ => {}
        }
        if !trimmed.is_empty() && section == Section::Other && !trimmed.starts_with('{') && !trimmed.starts_with('"') {
            last_title = trimmed.to_string();
        }
    }
    if let Some(done) = current {
        set.operations.push(done);
    }
}

fn read_index(name: &str, text: &str, set: &mut DocSet) {
    let mut heading = String::new();
    for (index, line) in text.lines().enumerate() {
        let trimmed = line.trim();
        if let Some(title) = trimmed.strip_prefix('#') {
            heading = title.trim_start_matches('#').trim().to_string();
            continue;
        }
        if let Some((method, path)) = backticked_operation(trimmed) {
            set.operations.push(new_operation(
                Form::Index,
                format!("{name}:{}", index + 1),
                &heading,
                &method,
                &path,
                false,
            ));
        } else if trimmed.starts_with('`') {
            set.problems.push(MarkupProblem {
                origin: format!("{name}:{}", index + 1),
                message: format!("a backticked line that is not `METHOD /path`: {trimmed}"),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_normalise_every_spelling() {
        for raw in [
            "/team-management/v1/teams/&#123;team_id&#125;/",
            "/team-management/v1/teams/<TEAM_ID>",
            "/team-management/v1/teams/{id}",
            "https://api.us-west-1.saucelabs.com/team-management/v1/teams/{team_id}/",
        ] {
            assert_eq!(normalize_path(raw).0, "/team-management/v1/teams/{}", "{raw}");
        }
        let (path, names, query) = normalize_path("/rest/v1/users/<USERNAME>/activity?level=user");
        assert_eq!(
            (path.as_str(), names, query),
            ("/rest/v1/users/{}/activity", vec!["username".to_string()], vec!["level".to_string()])
        );
    }

    #[test]
    fn markers_parse_case_and_decorations() {
        let cells = marker("<p><small>| QUERY | OPTIONAL | INTEGER MAX=100 |</small></p>").unwrap();
        let (param, _) = parse_marker("limit", &cells).unwrap();
        assert_eq!((param.location, param.required, param.kind.as_str()), (Location::Query, false, "integer"));
        let cells = marker("| BODY | REQUIRED | ARRAY OF STRINGS |").unwrap();
        assert_eq!(parse_marker("teams", &cells).unwrap().0.kind, "array");
        let cells = marker("| QUERY | OPTIONAL | DATE |").unwrap();
        assert_eq!(
            parse_marker("since", &cells).unwrap(),
            (DocParam::new("since", Location::Query, false, "date"), None)
        );
        let cells = marker("| QUERY | OPTIONAL | FORTNIGHT |").unwrap();
        assert_eq!(parse_marker("span", &cells).unwrap().1.as_deref(), Some("FORTNIGHT"));
        let cells = marker("| COOKIE | REQUIRED | STRING |").unwrap();
        assert!(parse_marker("x", &cells).is_err());
    }
}
