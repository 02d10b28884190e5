//! Models: progenitor's type generation (typify) over the component schemas.
//!
//! Only what the document names is typed: every body and response is a named component
//! schema (checked in `model`), so typify is given the components alone, translated to JSON
//! Schema by `json_schema` as progenitor would translate them.

use openapiv3::OpenAPI;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};
use typify::{TypeSpace, TypeSpaceImpl as TypeImpl, TypeSpaceSettings};

use super::naming::{doc_lines, pascal_case};

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
    // the closed set of roles a request may name is the same Rust type, so `.roles([4])` and
    // `RoleId::TeamAdmin` work in filters and bodies alike (the service refuses other numbers);
    ("RoleChoice", "crate::RoleId", &[TypeImpl::Display]),
    // the API reports a team's organization as an id or as an object: variants get real names;
    ("OrgRef", "crate::OrgRef", &[]),
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

/// The replacements that are identifiers (`crate::ids`): a query filter that lists them takes
/// anything `crate::IntoIds` accepts (one id, several, or strings).
pub const ID_TYPES: &[&str] = &["UserId", "TeamId", "OrganizationId", "ServiceAccountId"];

pub fn generate(spec: &OpenAPI) -> Result<TokenStream, String> {
    let mut settings = default_settings();
    settings.with_derive("PartialEq".into());
    // Ordered maps keep serialized output (and the sandbox's answers) stable.
    settings.with_map_type("::std::collections::BTreeMap");
    for (schema, rust_type, impls) in REPLACEMENTS {
        settings.with_replacement(schema, rust_type, impls.iter().cloned());
    }
    let open_enums = open_enums(spec)?;
    for open in &open_enums {
        settings.with_replacement(&open.name, format!("crate::types::{}", open.name), std::iter::empty());
    }
    let mut file: syn::File =
        syn::parse2(type_space(spec, &settings)?).map_err(|error| format!("typify's types do not parse: {error}"))?;
    document_the_undocumented(&mut file);
    let constructors = constructors(&file);
    mark_non_exhaustive(&mut file);
    let open_enums = open_enums.iter().map(emit_open_enum);
    let reencode = emit_reencode(spec);
    Ok(quote! {
        #file
        #(#constructors)*
        #(#open_enums)*
        #reencode
    })
}

/// progenitor's starting point: types in `crate::types`, no builder structs.
pub fn default_settings() -> TypeSpaceSettings {
    let mut settings = TypeSpaceSettings::default();
    settings.with_type_mod("types").with_struct_builder(false);
    settings
}

/// typify's code for the component schemas under `settings`.
pub fn type_space(spec: &OpenAPI, settings: &TypeSpaceSettings) -> Result<TokenStream, String> {
    let mut type_space = TypeSpace::new(settings);
    type_space
        .add_ref_types(super::json_schema::components(spec)?)
        .map_err(|error| format!("typify could not type the component schemas: {error}"))?;
    Ok(type_space.to_stream())
}

/// The Rust path of a component schema's type: the hand-written replacement where there is
/// one, else the generated type in `crate::types`.
pub fn rust_path(schema: &str) -> TokenStream {
    let path = REPLACEMENTS
        .iter()
        .find(|(name, _, _)| *name == schema)
        .map_or_else(|| format!("crate::types::{schema}"), |(_, rust_type, _)| rust_type.to_string());
    path.parse().expect("a Rust path")
}

/// The component schemas that name an open set of strings (`x-extensible-enum`): the values
/// the docs list get variants, and any other value the server sends decodes as `Other` with
/// the text kept, so a new status or account type never breaks an answer.
struct OpenEnum {
    name: String,
    description: String,
    values: Vec<(String, String)>,
}

fn open_enums(spec: &OpenAPI) -> Result<Vec<OpenEnum>, String> {
    let mut found = Vec::new();
    let Some(components) = &spec.components else { return Ok(found) };
    for (name, schema) in &components.schemas {
        let Some(schema) = schema.as_item() else { continue };
        let Some(values) = schema.schema_data.extensions.get("x-extensible-enum") else { continue };
        let strings = |value: &serde_json::Value, what: &str| -> Result<Vec<String>, String> {
            value
                .as_array()
                .and_then(|items| items.iter().map(|item| item.as_str().map(str::to_owned)).collect())
                .ok_or_else(|| format!("schema {name}: {what} must be a list of strings"))
        };
        let values = strings(values, "x-extensible-enum")?;
        let descriptions = match schema.schema_data.extensions.get("x-enum-descriptions") {
            Some(descriptions) => strings(descriptions, "x-enum-descriptions")?,
            None => return Err(format!("schema {name}: an open enum documents each value in x-enum-descriptions")),
        };
        if descriptions.len() != values.len() {
            return Err(format!("schema {name}: x-enum-descriptions must have one entry per value"));
        }
        if !matches!(&schema.schema_kind, openapiv3::SchemaKind::Type(openapiv3::Type::String(string)) if string.enumeration.is_empty())
        {
            return Err(format!("schema {name}: an open enum is `type: string` without `enum`"));
        }
        found.push(OpenEnum {
            name: name.clone(),
            description: schema.schema_data.description.clone().unwrap_or_default(),
            values: values.into_iter().zip(descriptions).collect(),
        });
    }
    Ok(found)
}

fn emit_open_enum(open: &OpenEnum) -> TokenStream {
    let name = format_ident!("{}", open.name);
    let doc = doc_lines(&format!(
        "{}\n\nAn open set: a value the spec does not list decodes as [`{}::Other`] with the text \
         kept, and is sent back unchanged.",
        open.description.trim_end(),
        open.name
    ));
    let variants: Vec<Ident> = open.values.iter().map(|(value, _)| format_ident!("{}", pascal_case(value))).collect();
    let values: Vec<&str> = open.values.iter().map(|(value, _)| value.as_str()).collect();
    let variant_docs = open.values.iter().map(|(value, description)| doc_lines(&format!("`{value}`: {description}")));
    let listed = values.iter().map(|value| format!("`{value}`")).collect::<Vec<_>>().join(", ");
    let other_doc = doc_lines(&format!("A value other than {listed}, as the server sent it."));
    quote! {
        #doc
        #[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum #name {
            #(#variant_docs #variants,)*
            #other_doc
            Other(::std::string::String),
        }
        impl #name {
            /// The value as the API writes it.
            pub fn as_str(&self) -> &str {
                match self {
                    #(Self::#variants => #values,)*
                    Self::Other(value) => value,
                }
            }
            /// Whether the spec lists this value (false for [`Self::Other`]).
            pub fn is_documented(&self) -> bool {
                !matches!(self, Self::Other(_))
            }
        }
        impl ::std::convert::From<&str> for #name {
            /// The variant for a value; letter case and surrounding spaces are ignored for the
            /// listed values, and any other text is kept as [`Self::Other`].
            fn from(value: &str) -> Self {
                let trimmed = value.trim();
                #(if trimmed.eq_ignore_ascii_case(#values) { return Self::#variants; })*
                Self::Other(value.to_owned())
            }
        }
        impl ::std::convert::From<::std::string::String> for #name {
            fn from(value: ::std::string::String) -> Self {
                match Self::from(value.as_str()) {
                    Self::Other(_) => Self::Other(value),
                    known => known,
                }
            }
        }
        impl ::std::str::FromStr for #name {
            type Err = ::std::convert::Infallible;
            fn from_str(value: &str) -> ::std::result::Result<Self, Self::Err> {
                Ok(Self::from(value))
            }
        }
        impl ::std::fmt::Display for #name {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
        impl ::serde::Serialize for #name {
            fn serialize<S: ::serde::Serializer>(&self, serializer: S) -> ::std::result::Result<S::Ok, S::Error> {
                serializer.serialize_str(self.as_str())
            }
        }
        impl<'de> ::serde::Deserialize<'de> for #name {
            fn deserialize<D: ::serde::Deserializer<'de>>(deserializer: D) -> ::std::result::Result<Self, D::Error> {
                ::std::string::String::deserialize(deserializer).map(Self::from)
            }
        }
    }
}

/// `reencode(schema, json)`: decodes JSON as the type of a component schema, named as in the
/// spec, and encodes the value again. The tests walk every example, fixture and sample with
/// it, so no list of types has to be kept by hand.
fn emit_reencode(spec: &OpenAPI) -> TokenStream {
    let names: Vec<&String> = spec.components.iter().flat_map(|components| components.schemas.keys()).collect();
    let paths = names.iter().map(|name| rust_path(name));
    quote! {
        /// Decodes `json` as the type of the component schema `schema` (its name in the spec)
        /// and encodes the value back to JSON; `None` for a name the spec does not have. For
        /// tests and tools that check answers against the spec.
        #[doc(hidden)]
        // Compiled only in a crate that calls it: it instantiates serde for every schema.
        #[inline]
        pub fn reencode(
            schema: &str,
            json: &[u8],
        ) -> ::std::option::Option<::std::result::Result<::serde_json::Value, ::serde_json::Error>> {
            fn again<T: ::serde::de::DeserializeOwned + ::serde::Serialize>(
                json: &[u8],
            ) -> ::std::result::Result<::serde_json::Value, ::serde_json::Error> {
                ::serde_json::to_value(::serde_json::from_slice::<T>(json)?)
            }
            match schema {
                #(#names => Some(again::<#paths>(json)),)*
                _ => None,
            }
        }
    }
}

/// Marks every public struct and enum `#[non_exhaustive]`, so that a field or variant added to
/// the spec is not a breaking change for users (who build values with the constructors below).
fn mark_non_exhaustive(file: &mut syn::File) {
    let attribute: syn::Attribute = syn::parse_quote!(#[non_exhaustive]);
    for item in &mut file.items {
        match item {
            syn::Item::Struct(item) if matches!(item.vis, syn::Visibility::Public(_)) => {
                item.attrs.push(attribute.clone())
            }
            syn::Item::Enum(item) if matches!(item.vis, syn::Visibility::Public(_)) => {
                item.attrs.push(attribute.clone())
            }
            _ => {}
        }
    }
}

/// typify leaves two things without docs, which `#![deny(missing_docs)]` refuses: the
/// `extra` map that keeps an open object's unknown keys, and the variants of a `oneOf`.
fn document_the_undocumented(file: &mut syn::File) {
    let has_doc = |attributes: &[syn::Attribute]| attributes.iter().any(|attribute| attribute.path().is_ident("doc"));
    for item in &mut file.items {
        match item {
            syn::Item::Struct(item) => {
                for field in item.fields.iter_mut().filter(|field| !has_doc(&field.attrs)) {
                    let doc = match &field.ident {
                        Some(name) if name == "extra" => {
                            "Keys the spec does not name, kept as the server sent them.".to_owned()
                        }
                        _ => "The wrapped value.".to_owned(),
                    };
                    field.attrs.insert(0, syn::parse_quote!(#[doc = #doc]));
                }
            }
            syn::Item::Enum(item) => {
                for variant in item.variants.iter_mut().filter(|variant| !has_doc(&variant.attrs)) {
                    let doc = match &variant.fields {
                        syn::Fields::Unnamed(fields) if fields.unnamed.len() == 1 => {
                            let inner = &fields.unnamed[0].ty;
                            let inner = quote!(#inner).to_string().replace(' ', "");
                            format!("The value as `{}`.", inner.trim_start_matches("::std::string::"))
                        }
                        _ => format!("The `{}` form.", variant.ident),
                    };
                    variant.attrs.insert(0, syn::parse_quote!(#[doc = #doc]));
                }
            }
            _ => {}
        }
    }
}

/// `new` (the required fields, in the alphabetical order typify gives fields) and one `with_<field>` setter per
/// field for every struct with named fields: with `#[non_exhaustive]` they are how code
/// outside the crate builds a value.
fn constructors(file: &syn::File) -> Vec<TokenStream> {
    file.items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Struct(item) => match &item.fields {
                syn::Fields::Named(fields) => Some((&item.ident, fields)),
                _ => None,
            },
            _ => None,
        })
        .map(|(name, fields)| {
            let mut arguments = Vec::new();
            let mut initialisers = Vec::new();
            let mut setters = Vec::new();
            for field in &fields.named {
                let field_name = field.ident.as_ref().expect("named field");
                let plain_name = field_name.to_string().trim_start_matches("r#").to_owned();
                let setter = format_ident!("with_{}", plain_name);
                let field_doc = doc_text(&field.attrs);
                let optional = option_inner(&field.ty);
                let defaulted = has_serde_default(&field.attrs);
                let (value_type, assigned) = match optional {
                    Some(inner) => (inner.clone(), quote!(::std::option::Option::Some(value.into()))),
                    None => (field.ty.clone(), quote!(value.into())),
                };
                let setter_doc = doc_lines(&format!("Sets `{plain_name}`: {field_doc}"));
                setters.push(quote! {
                    #setter_doc
                    pub fn #setter(mut self, value: impl ::std::convert::Into<#value_type>) -> Self {
                        self.#field_name = #assigned;
                        self
                    }
                });
                if optional.is_some() || defaulted {
                    initialisers.push(quote!(#field_name: ::std::default::Default::default()));
                } else {
                    let ty = &field.ty;
                    arguments.push(quote!(#field_name: impl ::std::convert::Into<#ty>));
                    initialisers.push(quote!(#field_name: #field_name.into()));
                }
            }
            let new_doc = doc_lines(&format!(
                "A `{name}` with the required fields given and every optional field empty; \
                 `with_…` sets the others."
            ));
            quote! {
                impl #name {
                    #new_doc
                    pub fn new(#(#arguments),*) -> Self {
                        Self { #(#initialisers),* }
                    }
                    #(#setters)*
                }
            }
        })
        .collect()
}

fn option_inner(ty: &syn::Type) -> Option<&syn::Type> {
    let syn::Type::Path(path) = ty else { return None };
    let last = path.path.segments.last()?;
    if last.ident != "Option" {
        return None;
    }
    match &last.arguments {
        syn::PathArguments::AngleBracketed(arguments) => match arguments.args.first()? {
            syn::GenericArgument::Type(inner) => Some(inner),
            _ => None,
        },
        _ => None,
    }
}

fn has_serde_default(attributes: &[syn::Attribute]) -> bool {
    attributes.iter().filter(|attribute| attribute.path().is_ident("serde")).any(|attribute| {
        let mut found = false;
        let _ = attribute.parse_nested_meta(|meta| {
            found |= meta.path.is_ident("default");
            if meta.input.peek(syn::Token![=]) {
                meta.value()?.parse::<syn::Expr>()?;
            }
            Ok(())
        });
        found
    })
}

fn doc_text(attributes: &[syn::Attribute]) -> String {
    let lines: Vec<String> = attributes
        .iter()
        .filter_map(|attribute| match &attribute.meta {
            syn::Meta::NameValue(pair) if pair.path.is_ident("doc") => match &pair.value {
                syn::Expr::Lit(syn::ExprLit { lit: syn::Lit::Str(text), .. }) => Some(text.value()),
                _ => None,
            },
            _ => None,
        })
        .collect();
    lines.join(" ").split_whitespace().collect::<Vec<_>>().join(" ")
}
