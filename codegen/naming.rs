//! How spec names become Rust names and doc comments; shared by every emitter, depending on
//! none of them.

use proc_macro2::{Ident, Span, TokenStream};
use quote::quote;

/// `lookup_teams` → `LookupTeams`, `team-admin` → `TeamAdmin`.
pub fn pascal_case(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(|word| {
            let mut chars = word.chars();
            chars.next().map(|first| first.to_ascii_uppercase().to_string() + chars.as_str()).unwrap_or_default()
        })
        .collect()
}

/// A Rust identifier for a spec name (`team-name` → `team_name`), raw where it is a keyword.
pub fn ident(name: &str) -> Ident {
    let snake: String =
        name.chars().map(|c| if c.is_ascii_alphanumeric() { c.to_ascii_lowercase() } else { '_' }).collect();
    if matches!(
        snake.as_str(),
        "type" | "self" | "crate" | "super" | "move" | "ref" | "fn" | "mod" | "use" | "where" | "match" | "loop"
    ) {
        Ident::new_raw(&snake, Span::call_site())
    } else {
        Ident::new(&snake, Span::call_site())
    }
}

/// `#[doc]` attributes, one per line of `text`.
pub fn doc_lines(text: &str) -> TokenStream {
    let lines = text.trim_end().lines().map(|line| format!(" {line}"));
    quote! { #(#[doc = #lines])* }
}

/// The spec's multi-line descriptions as one line, for list items in docs.
pub fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}
