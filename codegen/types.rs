//! Models: progenitor's type generation over the component schemas.
//!
//! progenitor only types what the document names, so it is given the components alone (no
//! paths): every body and response is a named component schema (checked in `model`), and
//! progenitor's panics on operations with several response schemas cannot be reached.

use openapiv3::OpenAPI;
use progenitor::{GenerationSettings, Generator, TypeImpl};

/// Schemas whose Rust type is hand-written in the crate, with the traits those types have.
/// Each replacement exists because serde's derived behaviour would be wrong for the API:
const REPLACEMENTS: &[(&str, &str, &[TypeImpl])] = &[
    // credentials must never appear in `Debug` output, passwords included (whose rules the
    // generated checks in `rules` enforce before sending);
    ("Secret", "crate::Secret", &[TypeImpl::FromStr]),
    ("Password", "crate::Secret", &[TypeImpl::FromStr]),
    // a team name is a plain string to callers; its rule is checked before sending, not by a
    // constrained newtype that would make every literal fallible;
    ("TeamName", "::std::string::String", &[TypeImpl::Display, TypeImpl::FromStr, TypeImpl::Default]),
    // the API sends these numbers as integers or as strings of digits;
    ("ConcurrencyCount", "crate::ConcurrencyCount", &[TypeImpl::Display, TypeImpl::FromStr, TypeImpl::Default]),
    // role numbers read better as named variants than as a validated integer;
    ("RoleId", "crate::RoleId", &[TypeImpl::Display]),
    // the API reports a team's organization as an id or as an object: variants get real names;
    ("OrgRef", "crate::OrgRef", &[]),
    // the spec cannot document enum values one by one, and every public item has docs.
    ("UserStatus", "crate::UserStatus", &[TypeImpl::Display, TypeImpl::FromStr]),
    // the classic API sends minutes as a number or as the word "infinite";
    ("Minutes", "crate::Minutes", &[TypeImpl::Display, TypeImpl::FromStr, TypeImpl::Default]),
    // real-device counts come as a number or as an object, and both must decode;
    ("DeviceCount", "crate::DeviceCount", &[TypeImpl::Default]),
    // ids get a type each (a team's id must not be passed where a user's belongs), with the
    // conversions that keep call sites short (`From<&str>`, `Deref<Target = str>`);
    ("UserId", "crate::UserId", &[TypeImpl::Display, TypeImpl::FromStr, TypeImpl::Default]),
    ("TeamId", "crate::TeamId", &[TypeImpl::Display, TypeImpl::FromStr, TypeImpl::Default]),
    ("OrganizationId", "crate::OrganizationId", &[TypeImpl::Display, TypeImpl::FromStr, TypeImpl::Default]),
    ("ServiceAccountId", "crate::ServiceAccountId", &[TypeImpl::Display, TypeImpl::FromStr, TypeImpl::Default]),
    // like a team name, a service account's name is a plain string with checks before sending;
    ("ServiceAccountName", "::std::string::String", &[TypeImpl::Display, TypeImpl::FromStr, TypeImpl::Default]),
];

pub fn generate(spec: &OpenAPI) -> Result<proc_macro2::TokenStream, String> {
    let mut settings = GenerationSettings::default();
    settings.with_derive("PartialEq");
    // Ordered maps keep serialized output (and the sandbox's answers) stable.
    settings.with_map_type("::std::collections::BTreeMap");
    for (schema, rust_type, impls) in REPLACEMENTS {
        settings.with_replacement(schema, rust_type, impls.iter().cloned());
    }
    let mut components_only = spec.clone();
    components_only.paths = Default::default();
    let mut generator = Generator::new(&settings);
    generator
        .generate_tokens(&components_only)
        .map_err(|error| format!("progenitor could not type the component schemas: {error}"))?;
    Ok(generator.get_type_space().to_stream())
}

/// The Rust path of a component schema's type: the hand-written replacement where there is
/// one, else the generated type in `crate::types`.
pub fn rust_path(schema: &str) -> proc_macro2::TokenStream {
    let path = REPLACEMENTS
        .iter()
        .find(|(name, _, _)| *name == schema)
        .map_or_else(|| format!("crate::types::{schema}"), |(_, rust_type, _)| rust_type.to_string());
    path.parse().expect("a Rust path")
}
