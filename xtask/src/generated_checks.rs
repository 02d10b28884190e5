//! Checks of the generated operation layer's shape: the promises README makes about
//! builders, held against what `codegen/` emits for the real spec and for an altered copy.

use syn::{ImplItem, Item};

fn spec_value() -> serde_json::Value {
    let text = std::fs::read_to_string(crate::root().join("openapi/accounts.yaml")).unwrap();
    serde_norway::from_str(&text).unwrap()
}

fn operations_file(spec: &serde_json::Value) -> syn::File {
    let generated = crate::codegen::generate(&serde_json::to_string(spec).unwrap()).unwrap();
    syn::parse_file(&generated.operations).unwrap()
}

/// The signature of `method` in `impl Group`, and the setters of the builder type `builder`.
fn method_and_setters(file: &syn::File, group: &str, method: &str, builder: &str) -> (String, Vec<String>) {
    let mut signature = None;
    let mut setters = Vec::new();
    for item in &file.items {
        let Item::Impl(block) = item else { continue };
        let syn::Type::Path(self_type) = &*block.self_ty else { continue };
        let name = self_type.path.segments.last().unwrap().ident.to_string();
        for member in &block.items {
            let ImplItem::Fn(function) = member else { continue };
            if name == group && function.sig.ident == method {
                let sig = &function.sig;
                signature = Some(quote::quote!(#sig).to_string());
            }
            if name == builder && !["send", "iter"].contains(&function.sig.ident.to_string().as_str()) {
                setters.push(function.sig.ident.to_string());
            }
        }
    }
    (signature.unwrap_or_else(|| panic!("no {group}::{method}")), setters)
}

/// README: "A parameter the API adds later becomes one more setter, never a changed
/// signature." Adding an optional query parameter to `get_team` in a copy of the spec leaves
/// `Teams::get` exactly as it was and gives `GetTeam` a setter.
#[test]
fn a_new_optional_parameter_adds_a_setter_and_changes_no_signature() {
    let spec = spec_value();
    let before = operations_file(&spec);
    let mut changed = spec.clone();
    let get_team = &mut changed["paths"]["/team-management/v1/teams/{team_id}/"]["get"];
    get_team["parameters"] = serde_json::json!([{
        "name": "expand", "in": "query", "required": false,
        "description": "A parameter the service might add.", "schema": {"type": "string"}
    }]);
    let after = operations_file(&changed);
    let (signature_before, setters_before) = method_and_setters(&before, "Teams", "get", "GetTeam");
    let (signature_after, setters_after) = method_and_setters(&after, "Teams", "get", "GetTeam");
    assert_eq!(signature_before, signature_after, "the group method's signature must not change");
    assert!(setters_before.is_empty(), "{setters_before:?}");
    assert_eq!(setters_after, ["expand"]);
}

/// Every group method returns a builder (a type with `send`), never a `Result`, and every
/// builder is `#[must_use]`, so a request built and dropped unsent is a compiler warning.
#[test]
fn every_operation_returns_a_must_use_builder() {
    let file = operations_file(&spec_value());
    let mut builders = std::collections::BTreeSet::new();
    for item in &file.items {
        let Item::Struct(structure) = item else { continue };
        if structure.attrs.iter().any(|attribute| attribute.path().is_ident("must_use")) {
            builders.insert(structure.ident.to_string());
        }
    }
    let groups = ["Teams", "Users", "Membership", "Organizations", "Classic", "Concurrency", "ServiceAccounts"];
    let mut methods = 0;
    for item in &file.items {
        let Item::Impl(block) = item else { continue };
        let syn::Type::Path(self_type) = &*block.self_ty else { continue };
        if !groups.contains(&self_type.path.segments.last().unwrap().ident.to_string().as_str()) {
            continue;
        }
        for member in &block.items {
            let ImplItem::Fn(function) = member else { continue };
            let syn::ReturnType::Type(_, output) = &function.sig.output else {
                panic!("{} returns nothing", function.sig.ident)
            };
            let output = quote::quote!(#output).to_string();
            let returned = output.split(' ').next().unwrap();
            assert!(builders.contains(returned), "{} returns {output}, not a #[must_use] builder", function.sig.ident);
            methods += 1;
        }
    }
    assert_eq!(
        methods,
        crate::codegen::model::read_api(&serde_json::from_value(spec_value()).unwrap()).unwrap().operations.len()
    );
}

/// ARCHITECTURE.md: "Generated operations reach the core only through …". Every `crate::`
/// path the generated operation code uses (docs aside) is one that rule lists, a model in
/// `crate::types`, or a public value type.
#[test]
fn generated_operations_reach_the_core_only_through_the_listed_doors() {
    let generated = crate::codegen::generate(&serde_json::to_string(&spec_value()).unwrap()).unwrap();
    let architecture = std::fs::read_to_string(crate::root().join("ARCHITECTURE.md")).unwrap();
    let rule = architecture.split("- Generated operations reach the core only through").nth(1).unwrap();
    let rule = &rule[..rule.find("\n- ").unwrap()];
    let doors = [
        "transport::Call",
        "transport::Method",
        "Client::execute",
        "path::segment",
        "transport::check_range",
        "transport::json_body",
        "transport::checked_json_body",
        "transport::comma_list",
        "rules::Rule",
        "rules::Check",
        "Paginator",
        "PageStyle",
    ];
    for door in doors {
        assert!(rule.contains(&format!("`{door}")), "ARCHITECTURE.md's rule does not name `{door}`");
    }
    let values = [
        "Client",
        "Error",
        "OperationName",
        "IntoIds",
        "UserId",
        "TeamId",
        "OrganizationId",
        "ServiceAccountId",
        "RoleId",
        "Secret",
    ];
    let code: String =
        generated.operations.lines().filter(|line| !line.trim_start().starts_with("//")).collect::<Vec<_>>().join("\n");
    let mut rest = code.as_str();
    while let Some(at) = rest.find("crate::") {
        rest = &rest[at + "crate::".len()..];
        let end = rest.find(|c: char| !(c.is_alphanumeric() || c == '_' || c == ':')).unwrap_or(rest.len());
        let path = rest[..end].trim_end_matches(':');
        let allowed = path.starts_with("types::")
            || doors.iter().any(|door| path == *door || path.starts_with(&format!("{door}::")))
            || values.iter().any(|value| path == *value || path.starts_with(&format!("{value}::")));
        assert!(allowed, "generated code uses crate::{path}, which ARCHITECTURE.md's rule does not list");
    }
}
