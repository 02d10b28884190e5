//! docs-sync against small fixture docs written for these tests (one per form) and a small
//! widget spec; each kind of drift is made by editing a fixture and must be found and named.
//! Also: the code generator is deterministic and names what it cannot generate.

use crate::docs::{self, DocSet, Form};
use crate::sync::{self, Difference, Report};

const SPEC: &str = include_str!("fixtures/spec.yaml");
const DEVIATIONS: &str = include_str!("fixtures/deviations.yaml");
const SOURCE: &str = include_str!("fixtures/source.mdx");
const PUBLISHED: &str = include_str!("fixtures/published.txt");
const INDEX: &str = include_str!("fixtures/index.md");

fn check(documents: &[(&str, &str)], spec: &str, deviations: &str) -> Report {
    let mut set = DocSet::default();
    for (name, text) in documents {
        docs::read(name, text, &mut set).unwrap();
    }
    sync::compare(spec, deviations, documents.iter().map(|(name, _)| name.to_string()).collect(), &set, &[]).unwrap()
}

fn differences(report: &Report) -> Vec<(String, String, Option<String>, Option<String>)> {
    report
        .differences
        .iter()
        .map(|Difference { kind, operation, param, form, .. }| {
            (kind.clone(), operation.clone(), param.clone(), form.clone())
        })
        .collect()
}

fn one(
    kind: &str,
    operation: &str,
    param: Option<&str>,
    form: &str,
) -> Vec<(String, String, Option<String>, Option<String>)> {
    vec![(kind.to_string(), operation.to_string(), param.map(str::to_string), Some(form.to_string()))]
}

#[test]
fn forms_are_detected_by_content() {
    assert_eq!(docs::detect(SOURCE), Some(Form::Source));
    assert_eq!(docs::detect(PUBLISHED), Some(Form::Published));
    assert_eq!(docs::detect(INDEX), Some(Form::Index));
    assert_eq!(docs::detect("just prose"), None);
}

#[test]
fn the_fixture_docs_are_in_sync() {
    let report = check(&[("source.mdx", SOURCE), ("published.txt", PUBLISHED), ("index.md", INDEX)], SPEC, DEVIATIONS);
    assert!(report.in_sync(), "{}", report.render(true));
    assert_eq!(report.documented_operations, 3);
    assert!(report.differences.is_empty());
}

#[test]
fn removing_an_endpoint_from_the_docs_is_found() {
    let index = INDEX.replace("`DELETE /v1/widgets/<WIDGET_ID>/`", "");
    let source = SOURCE.replace("`DELETE /v1/widgets/<WIDGET_ID>/`", "");
    let report = check(&[("source.mdx", &source), ("index.md", &index)], SPEC, DEVIATIONS);
    assert_eq!(differences(&report), vec![("undocumented-operation".into(), "delete_widget".into(), None, None)]);
    assert!(!report.in_sync());
    assert!(report.render(false).contains("delete_widget"));
}

#[test]
fn adding_an_endpoint_to_the_docs_is_found_in_each_form() {
    let index = format!("{INDEX}\n`PATCH /v1/gadgets/<GADGET_ID>/`\n");
    assert_eq!(
        differences(&check(&[("index.md", &index)], SPEC, DEVIATIONS)),
        one("missing-operation", "PATCH /v1/gadgets/{}", None, "index")
    );
    let published = format!("{PUBLISHED}\nTouch a Gadget\n\nPATCH /v1/gadgets/{{gadget_id}}/\n\nParameters\n");
    let report = check(&[("published.txt", &published)], SPEC, DEVIATIONS);
    assert_eq!(differences(&report), one("missing-operation", "PATCH /v1/gadgets/{}", None, "published"));
    let source = format!(
        "{SOURCE}\n### Touch\n\n<details><summary><span className=\"apiPatch\">PATCH</span> <code>/v1/gadgets/&#123;id&#125;</code></summary>\n</details>\n"
    );
    assert_eq!(
        differences(&check(&[("source.mdx", &source)], SPEC, DEVIATIONS)),
        one("missing-operation", "PATCH /v1/gadgets/{}", None, "source")
    );
}

#[test]
fn adding_and_removing_a_parameter_is_found() {
    let published =
        PUBLISHED.replace("color\n\n| QUERY | OPTIONAL | STRING |", "shade\n\n| QUERY | OPTIONAL | STRING |");
    let report = check(&[("published.txt", &published)], SPEC, DEVIATIONS);
    let mut found = differences(&report);
    found.sort();
    assert_eq!(
        found,
        vec![
            ("param-extra".into(), "lookup_widgets".into(), Some("color".into()), Some("published".into())),
            ("param-missing".into(), "lookup_widgets".into(), Some("shade".into()), Some("published".into())),
        ]
    );
}

#[test]
fn flipping_required_is_found() {
    let source = SOURCE.replace("| BODY | OPTIONAL | INTEGER |", "| BODY | REQUIRED | INTEGER |");
    assert_eq!(
        differences(&check(&[("source.mdx", &source)], SPEC, DEVIATIONS)),
        one("param-required", "create_widget", Some("size"), "source")
    );
    let published = PUBLISHED.replace("| BODY | REQUIRED | STRING |", "| BODY | OPTIONAL | STRING |");
    assert_eq!(
        differences(&check(&[("published.txt", &published)], SPEC, DEVIATIONS)),
        one("param-required", "create_widget", Some("name"), "published")
    );
}

#[test]
fn moving_a_parameter_between_query_and_body_is_found() {
    let source = SOURCE.replace("| QUERY | OPTIONAL | STRING |", "| BODY | OPTIONAL | STRING |");
    assert_eq!(
        differences(&check(&[("source.mdx", &source)], SPEC, DEVIATIONS)),
        one("param-location", "lookup_widgets", Some("color"), "source")
    );
}

#[test]
fn changing_a_type_is_found() {
    let published = PUBLISHED.replace("| BODY | OPTIONAL | INTEGER |", "| BODY | OPTIONAL | STRING |");
    assert_eq!(
        differences(&check(&[("published.txt", &published)], SPEC, DEVIATIONS)),
        one("param-type", "create_widget", Some("size"), "published")
    );
}

/// The fixture spec with `color` a closed set of its own (`Color`, `enum: values`).
fn closed_color(values: &str) -> String {
    SPEC.replace(
        "        - name: color\n          in: query\n          schema:\n            type: string",
        "        - name: color\n          in: query\n          schema:\n            $ref: '#/components/schemas/Color'",
    )
    .replace(
        "components:\n  schemas:\n",
        &format!("components:\n  schemas:\n    Color:\n      type: string\n      enum: {values}\n"),
    )
}

/// The values a parameter's description lists are compared with the spec's `enum`, in the
/// source's `<li><code>` form and the published page's bullets alike; a value the docs add
/// or drop is found, and matching lists pass.
#[test]
fn listed_values_are_compared_with_the_spec_enum() {
    let listed = "<p>Only widgets of this color. Valid values are:<ul><li><code>red</code></li><li><code>blue</code></li></ul></p>";
    let source = SOURCE.replace("<p>Only widgets of this color.</p>", listed);
    let published = PUBLISHED.replace(
        "Only widgets of this color.",
        "Only widgets of this color. Valid values are:\n\n  • red - warm\n  • blue - cold",
    );
    for (name, document, form) in [("source.mdx", &source, "source"), ("published.txt", &published, "published")] {
        let report = check(&[(name, document)], SPEC, DEVIATIONS);
        assert_eq!(differences(&report), one("param-enum", "lookup_widgets", Some("color"), form), "{name}");
        assert!(report.differences[0].detail.contains("lists blue, red, the spec takes any value"), "{report:?}");
        assert!(check(&[(name, document)], &closed_color("[red, blue]"), DEVIATIONS).in_sync(), "{name}: same values");
        let report = check(&[(name, document)], &closed_color("[red, green]"), DEVIATIONS);
        assert!(report.differences[0].detail.contains("the spec takes green, red"), "{report:?}");
    }
}

/// A default the docs state (`Default value is …`, or `(default)` after a listed value) is
/// compared with the spec's `default`.
#[test]
fn stated_defaults_are_compared_with_the_spec() {
    let source = SOURCE.replace("<p>Page size.</p>", "<p>Page size. Default value is <code>20</code>.</p>");
    let report = check(&[("source.mdx", &source)], SPEC, DEVIATIONS);
    assert_eq!(differences(&report), one("param-default", "lookup_widgets", Some("limit"), "source"));
    assert!(report.differences[0].detail.contains("the default is 20, the spec's is not stated"));
    let defaulted = SPEC.replace("            maximum: 50\n", "            maximum: 50\n            default: 20\n");
    assert!(check(&[("source.mdx", &source)], &defaulted, DEVIATIONS).in_sync());
    let published = PUBLISHED.replace("Page size.", "Page size. Default value is 25.");
    let report = check(&[("published.txt", &published)], &defaulted, DEVIATIONS);
    assert!(report.differences[0].detail.contains("the default is 25, the spec's is 20"), "{report:?}");
    let marked = PUBLISHED.replace(
        "Only widgets of this color.",
        "Only widgets of this color. Valid values are:\n\n  • red - warm (default)\n  • blue - cold",
    );
    assert_eq!(
        differences(&check(&[("published.txt", &marked)], &closed_color("[red, blue]"), DEVIATIONS)),
        one("param-default", "lookup_widgets", Some("color"), "published")
    );
}

/// A sample that holds null where the spec's schema is not nullable is its own difference,
/// apart from a wrong type; a nullable field takes it.
#[test]
fn a_null_the_spec_does_not_allow_is_found() {
    let source = SOURCE.replace("\"size\": 3\n}", "\"size\": null\n}");
    let report = check(&[("source.mdx", &source)], SPEC, DEVIATIONS);
    assert_eq!(differences(&report), one("response-field-null", "create_widget", Some("size"), "source"));
    assert!(report.differences[0].detail.contains("holds null, the spec's integer is not nullable"));
    let nullable = SPEC.replace(
        "        size:\n          type: integer\n    WidgetList",
        "        size:\n          type: integer\n          nullable: true\n    WidgetList",
    );
    assert!(check(&[("source.mdx", &source)], &nullable, DEVIATIONS).in_sync());
}

/// An operation that only an older version of the docs lists is reported when the newest
/// version is passed and does not list it, unless a deviation says why it is kept; the
/// deviation is stale once the newest version lists the operation again.
#[test]
fn an_operation_missing_from_the_newest_version_is_found() {
    let newest = SOURCE.replace("`DELETE /v1/widgets/<WIDGET_ID>/`", "");
    let mut set = DocSet::default();
    docs::read("index.md", INDEX, &mut set).unwrap();
    docs::read("newest.mdx", &newest, &mut set).unwrap();
    let names = vec!["index.md".to_string(), "newest.mdx".to_string()];
    let report = sync::compare(SPEC, DEVIATIONS, names.clone(), &set, &["newest.mdx".to_string()]).unwrap();
    assert_eq!(
        differences(&report),
        vec![("absent-from-newest".to_string(), "delete_widget".to_string(), None, None)],
        "{report:?}"
    );
    assert!(report.differences[0].detail.contains("documented only by older versions (index.md:"));
    // Without the newest version named, nothing is compared that way.
    assert!(sync::compare(SPEC, DEVIATIONS, names.clone(), &set, &[]).unwrap().in_sync());
    let kept = format!(
        "{DEVIATIONS}  - id: delete-kept\n    kind: absent-from-newest\n    operation: delete_widget\n    reason: test\n"
    );
    let report = sync::compare(SPEC, &kept, names, &set, &["newest.mdx".to_string()]).unwrap();
    assert!(report.in_sync(), "{}", report.render(true));
    assert_eq!(report.differences[0].explained_by.as_deref(), Some("delete-kept"));
    let mut set = DocSet::default();
    docs::read("index.md", INDEX, &mut set).unwrap();
    docs::read("newest.mdx", SOURCE, &mut set).unwrap();
    let names = vec!["index.md".to_string(), "newest.mdx".to_string()];
    let report = sync::compare(SPEC, &kept, names, &set, &["newest.mdx".to_string()]).unwrap();
    assert_eq!(report.stale_deviations, vec!["delete-kept".to_string()]);
}

#[test]
fn changing_a_method_is_found_in_each_form() {
    let index = INDEX.replace("`DELETE /v1/widgets/<WIDGET_ID>/`", "`POST /v1/widgets/<WIDGET_ID>/`");
    let report = check(&[("index.md", &index)], SPEC, DEVIATIONS);
    assert!(
        differences(&report).contains(&("method".into(), "POST /v1/widgets/{}".into(), None, Some("index".into()))),
        "{report:?}"
    );
    let published = PUBLISHED.replace("DELETE /v1/widgets/{widget_id}/", "PUT /v1/widgets/{widget_id}/");
    let report = check(&[("published.txt", &published)], SPEC, DEVIATIONS);
    assert!(differences(&report).contains(&(
        "method".into(),
        "PUT /v1/widgets/{}".into(),
        None,
        Some("published".into())
    )));
    let source = SOURCE.replace("className=\"apiPost\">POST", "className=\"apiPut\">PUT");
    let report = check(&[("source.mdx", &source)], SPEC, DEVIATIONS);
    assert!(differences(&report).contains(&("method".into(), "PUT /v1/widgets".into(), None, Some("source".into()))));
}

#[test]
fn an_undocumented_status_is_found() {
    let published = PUBLISHED.replace("201Made.", "201Made.\n409Conflict.");
    assert_eq!(
        differences(&check(&[("published.txt", &published)], SPEC, DEVIATIONS)),
        one("status-missing", "create_widget", Some("409"), "published")
    );
}

#[test]
fn deviations_explain_differences_and_stale_ones_are_reported() {
    let published = PUBLISHED.replace("| BODY | OPTIONAL | INTEGER |", "| BODY | OPTIONAL | STRING |");
    // `gone` is about a parameter the spec no longer has; `elsewhere` about one the spec has
    // but only a document not passed here shows differently: not stale.
    let deviations = format!(
        "{DEVIATIONS}  - id: size-as-text\n    kind: param-type\n    operation: create_widget\n    params: [size]\n    reason: test\n  - id: gone\n    kind: param-required\n    operation: create_widget\n    params: [weight]\n    reason: test\n  - id: elsewhere\n    kind: param-required\n    operation: create_widget\n    params: [name]\n    reason: test\n"
    );
    let report = check(&[("published.txt", &published)], SPEC, &deviations);
    assert_eq!(report.differences[0].explained_by.as_deref(), Some("size-as-text"));
    assert_eq!(report.stale_deviations, vec!["gone".to_string()]);
    assert!(!report.in_sync());
    assert!(report.render(false).contains("stale deviation `gone`"));
}

#[test]
fn unknown_markup_is_reported() {
    let source = SOURCE.replace("| QUERY | OPTIONAL | STRING |", "| COOKIE | OPTIONAL | STRING |");
    let report = check(&[("source.mdx", &source)], SPEC, DEVIATIONS);
    assert_eq!(report.markup_problems.len(), 1, "{report:?}");
    assert!(report.markup_problems[0].contains("unknown location \"COOKIE\""));
    let source = SOURCE.replace("<span className=\"apiGet\">GET</span> <code>/v1/widgets</code>", "<span>FETCH</span>");
    assert!(
        check(&[("source.mdx", &source)], SPEC, DEVIATIONS).markup_problems[0].contains("<summary> without a method")
    );
    let published = PUBLISHED.replace("color\n\n| QUERY", "The color filter:\n\n| QUERY");
    assert!(
        check(&[("published.txt", &published)], SPEC, DEVIATIONS).markup_problems[0]
            .contains("without a parameter name")
    );
    let index = format!("{INDEX}\n`FETCH /v1/widgets/`\n");
    assert!(!check(&[("index.md", &index)], SPEC, DEVIATIONS).markup_problems.is_empty());
}

/// Over every default document (the current pages and the older copies), the spec is in
/// sync. Without the documents there is nothing to compare — which under CI is a failure, not
/// a pass.
#[test]
fn the_real_docs_are_in_sync_with_the_spec() {
    let sources = match crate::default_documents() {
        Ok(sources) => sources,
        Err(error) if std::env::var_os("CI").is_some() => panic!("CI must compare the real docs: {error}"),
        Err(error) => {
            println!("{error}: nothing to compare (CI and the developers have them)");
            return;
        }
    };
    let (names, set) = sync::load_documents(&sources).unwrap();
    let newest: Vec<String> = crate::default_documents_in(&[crate::NEWEST_DOC_FOLDER])
        .unwrap()
        .iter()
        .map(|source| source.rsplit('/').next().unwrap().to_string())
        .collect();
    let report = sync::compare(&spec_text(), &read("openapi/deviations.yaml"), names, &set, &newest).unwrap();
    assert!(report.in_sync(), "{}", report.render(false));
    assert!(report.documents.len() >= 5, "{:?}", report.documents);
    // Every operation of the spec, counted by the generator's own reading of it.
    let spec = crate::codegen::model::parse_spec(&spec_text()).unwrap();
    let operations = crate::codegen::model::read_api(&spec).unwrap().operations.len();
    assert_eq!(report.spec_operations, operations);
}

fn read(name: &str) -> String {
    std::fs::read_to_string(crate::root().join(name)).unwrap()
}

/// A field renamed inside a body object is found, in the table that lists the object's
/// fields and in the sample request that sends it.
#[test]
fn a_renamed_nested_body_field_is_found() {
    let source =
        SOURCE.replace("<li><code>nuts</code>", "<li><code>screws</code>").replace("\"nuts\": 4", "\"screws\": 4");
    let report = check(&[("source.mdx", &source)], SPEC, DEVIATIONS);
    let found = differences(&report);
    assert!(found.contains(&one("param-missing", "create_widget", Some("parts.screws"), "source")[0]), "{found:?}");
    assert!(found.contains(&one("param-extra", "create_widget", Some("parts.nuts"), "source")[0]), "{found:?}");
    assert!(
        found.contains(&one("body-field-missing", "create_widget", Some("parts.screws"), "source")[0]),
        "{found:?}"
    );
    let published = PUBLISHED.replace("• nuts - INTEGER", "• screws - INTEGER");
    let found = differences(&check(&[("published.txt", &published)], SPEC, DEVIATIONS));
    assert!(found.contains(&one("param-missing", "create_widget", Some("parts.screws"), "published")[0]), "{found:?}");
}

/// Every field of a sample response must exist in the response schema with a compatible
/// type; `{...}` elisions are fine.
#[test]
fn a_sample_response_field_the_spec_lacks_is_found() {
    let added = SOURCE.replace("\"size\": 3\n", "\"size\": 3,\n  \"color\": \"red\",\n  \"parts\": {...}\n");
    let report = check(&[("source.mdx", &added)], SPEC, DEVIATIONS);
    let found = differences(&report);
    assert!(found.contains(&one("response-field-missing", "create_widget", Some("color"), "source")[0]), "{found:?}");
    assert!(found.contains(&one("response-field-missing", "create_widget", Some("parts"), "source")[0]), "{found:?}");
    assert_eq!(found.len(), 2, "{found:?}");
    let retyped = SOURCE.replace("\"size\": 3", "\"size\": \"large\"");
    let found = differences(&check(&[("source.mdx", &retyped)], SPEC, DEVIATIONS));
    assert_eq!(found, one("response-field-type", "create_widget", Some("size"), "source"));
    assert!(
        check(&[("source.mdx", &retyped)], SPEC, DEVIATIONS).differences[0]
            .detail
            .contains("holds string, the spec takes integer")
    );
}

/// `DATE` (and `DURATION + UNIT`) are types the reader knows: no markup problem, and the
/// parameter is still compared. A type it does not know is reported once, however often
/// it occurs, and its parameters are still compared without their type.
#[test]
fn date_parameters_are_compared_and_unknown_types_reported_once() {
    let dated = SOURCE.replace("| QUERY | OPTIONAL | STRING |", "| QUERY | OPTIONAL | DATE |");
    let report = check(&[("source.mdx", &dated)], SPEC, DEVIATIONS);
    assert!(report.markup_problems.is_empty(), "{:?}", report.markup_problems);
    assert_eq!(differences(&report), one("param-type", "lookup_widgets", Some("color"), "source"));
    assert!(report.differences[0].detail.contains("says date, the spec says string"));
    let odd = SOURCE
        .replace("| QUERY | OPTIONAL | STRING |", "| QUERY | OPTIONAL | FORTNIGHT |")
        .replace("| QUERY | OPTIONAL | INTEGER MAX=50 |", "| QUERY | OPTIONAL | FORTNIGHT |");
    let report = check(&[("source.mdx", &odd)], SPEC, DEVIATIONS);
    assert_eq!(report.markup_problems.len(), 1, "{:?}", report.markup_problems);
    assert!(report.markup_problems[0].contains("unknown parameter type \"FORTNIGHT\""));
    assert!(report.differences.is_empty(), "both parameters are still matched: {:?}", report.differences);
    let renamed = odd.replace("<td><code>color</code></td>", "<td><code>colour</code></td>");
    let found = differences(&check(&[("source.mdx", &renamed)], SPEC, DEVIATIONS));
    assert!(found.contains(&one("param-missing", "lookup_widgets", Some("colour"), "source")[0]), "{found:?}");
}

/// A titled fence inside `<Tabs>` ("cURL with jq Example") is a sample request: its URL,
/// cut at `<widget-id>`, invents no operation or method, and its body is compared.
#[test]
fn a_titled_fence_inside_tabs_is_a_sample_request() {
    let report = check(&[("source.mdx", SOURCE)], SPEC, DEVIATIONS);
    assert!(report.in_sync(), "{}", report.render(true));
    let mut set = DocSet::default();
    docs::read("source.mdx", SOURCE, &mut set).unwrap();
    let create = set.operations.iter().find(|operation| operation.method == "POST").unwrap();
    assert_eq!(create.sample_bodies[0].json["parts"]["bolts"], 4, "the lenient reader drops the trailing comma");
    assert_eq!(
        set.operations.len(),
        3,
        "{:?}",
        set.operations.iter().map(|o| (&o.method, &o.path)).collect::<Vec<_>>()
    );
    let untitled =
        SOURCE.replace("```jsx title=\"cURL with jq Example\"", "```jsx title=\"Sample Request with Filters\"");
    assert!(check(&[("source.mdx", &untitled)], SPEC, DEVIATIONS).in_sync());
}

/// One deviation explains the same difference in every form and document that shows it.
#[test]
fn a_deviation_matches_across_forms() {
    let source = SOURCE.replace("| BODY | OPTIONAL | INTEGER |", "| BODY | OPTIONAL | STRING |");
    let published = PUBLISHED.replace("| BODY | OPTIONAL | INTEGER |", "| BODY | OPTIONAL | STRING |");
    let deviations = format!(
        "{DEVIATIONS}  - id: size-as-text\n    kind: param-type\n    operation: create_widget\n    params: [size]\n    docs: [published]\n    reason: test\n"
    );
    let report = check(&[("source.mdx", &source), ("published.txt", &published)], SPEC, &deviations);
    assert_eq!(report.differences.len(), 2);
    assert!(report.differences.iter().all(|difference| difference.explained_by.as_deref() == Some("size-as-text")));
    assert!(report.in_sync(), "{}", report.render(true));
    // Passed neither document that shows it, the entry is not stale: the spec still has `size`.
    assert!(check(&[("index.md", INDEX)], SPEC, &deviations).stale_deviations.is_empty());
}

/// A page that documents other APIs too: only `client_paths` are compared, the rest counted.
#[test]
fn operations_of_other_apis_are_counted_not_listed() {
    let foreign = format!(
        "{SOURCE}\n### Get Gadgets\n\n<details><summary><span className=\"api get\">GET</span> <code>/v9/gadgets/&#123;id&#125;</code></summary>\n\n#### Parameters\n\n<table>\n<td><code>since</code></td>\n<td><p><small>| QUERY | OPTIONAL | DATE |</small></p></td>\n</table>\n</details>\n"
    );
    let scoped = DEVIATIONS.replace("deviations:", "client_paths: [/v1/widgets]\ndeviations:");
    let report = check(&[("source.mdx", &foreign)], SPEC, &scoped);
    assert!(report.in_sync(), "{}", report.render(true));
    assert_eq!((report.documented_operations, report.foreign_operations), (3, 1));
    assert!(report.summary().contains("and 1 of other APIs, not compared"));
    let unscoped = check(&[("source.mdx", &foreign)], SPEC, DEVIATIONS);
    assert_eq!(
        differences(&unscoped),
        vec![("missing-operation".to_string(), "GET /v9/gadgets/{}".to_string(), None, Some("source".to_string()))]
    );
}

#[test]
fn generation_is_deterministic() {
    let spec = std::fs::read_to_string(crate::root().join("openapi/accounts.yaml")).unwrap();
    let first = crate::codegen::generate(&spec).unwrap();
    let second = crate::codegen::generate(&spec).unwrap();
    assert_eq!(first.types, second.types);
    assert_eq!(first.operations, second.operations);
    assert!(first.operations.starts_with("// @generated"));
}

#[test]
fn unsupported_spec_features_fail_with_the_operation_named() {
    let inline_body =
        SPEC.replace("              $ref: '#/components/schemas/NewWidget'", "              type: object");
    let error = crate::codegen::generate(&inline_body).err().unwrap();
    assert!(error.contains("create_widget") && error.contains("named component schema"), "{error}");
    let optional_path =
        SPEC.replace("          in: path\n          required: true", "          in: path\n          required: false");
    let error = crate::codegen::generate(&optional_path).err().unwrap();
    assert!(error.contains("delete_widget") && error.contains("widget_id"), "{error}");
    let no_id = SPEC.replace("      operationId: delete_widget\n", "");
    let error = crate::codegen::generate(&no_id).err().unwrap();
    assert!(error.contains("DELETE /v1/widgets/{widget_id}/") && error.contains("operationId"), "{error}");
    let header = SPEC.replace(
        "          in: query\n          schema:\n            type: string",
        "          in: header\n          schema:\n            type: string",
    );
    let error = crate::codegen::generate(&header).err().unwrap();
    assert!(error.contains("lookup_widgets"), "{error}");
}

/// progenitor itself accepts the whole document, paths included: its full client generation
/// (which starts with its own validation: OpenAPI 3.0.x, a unique operationId each) runs over
/// the spec with the first success response of each operation (it refuses several response
/// schemas per operation; build.rs types the component schemas alone and needs no such cut).
#[test]
fn progenitor_accepts_the_whole_spec() {
    let text = std::fs::read_to_string(crate::root().join("openapi/accounts.yaml")).unwrap();
    let mut spec = crate::codegen::model::parse_spec(&text).unwrap();
    for (_, item) in spec.paths.paths.iter_mut() {
        let openapiv3::ReferenceOr::Item(item) = item else { panic!("a $ref path item") };
        for operation in
            [&mut item.get, &mut item.put, &mut item.post, &mut item.patch, &mut item.delete].into_iter().flatten()
        {
            let first = operation
                .responses
                .responses
                .keys()
                .find(|status| status.to_string().starts_with('2'))
                .cloned()
                .unwrap();
            operation.responses.responses.retain(|status, _| *status == first);
        }
    }
    let tokens = progenitor::Generator::default().generate_tokens(&spec).unwrap();
    assert!(tokens.to_string().contains("get_team"));
}

/// The types progenitor's own route (its OpenAPI-to-JSON-Schema translation, then typify)
/// makes from a document's component schemas.
fn progenitor_types(spec: &openapiv3::OpenAPI) -> String {
    let mut components_only = spec.clone();
    components_only.paths = Default::default();
    let mut generator = progenitor::Generator::default();
    generator.generate_tokens(&components_only).unwrap();
    generator.get_type_space().to_stream().to_string()
}

fn our_types(spec: &openapiv3::OpenAPI) -> String {
    crate::codegen::types::type_space(spec, &crate::codegen::types::default_settings()).unwrap().to_string()
}

/// build.rs calls typify without progenitor (codegen/json_schema.rs translates the schemas
/// itself): with the same settings, every component schema of the spec, and of a document
/// using each construct the translation changes, comes out as the same Rust as through
/// progenitor.
#[test]
fn typify_sees_the_schemas_progenitor_gives_it() {
    let spec = crate::codegen::model::parse_spec(&spec_text()).unwrap();
    assert_eq!(our_types(&spec), progenitor_types(&spec));

    let constructs = r#"
openapi: 3.0.3
info: {title: constructs, version: "1"}
paths: {}
components:
  schemas:
    Limited:
      type: object
      required: [count]
      properties:
        count: {type: integer, minimum: 1, exclusiveMinimum: true, maximum: 10, exclusiveMaximum: false}
        share: {type: number, maximum: 1, exclusiveMaximum: true, example: 0.5}
        note: {type: string, nullable: true, minLength: 1, example: hello}
        tags: {type: array, items: {type: string}, uniqueItems: false, nullable: true}
        extra: {type: object, additionalProperties: {type: integer, nullable: true}}
    Wrapped:
      type: object
      required: [either]
      properties:
        limited:
          description: Optional and nullable.
          nullable: true
          allOf:
            - $ref: '#/components/schemas/Limited'
        either:
          description: An id or a record, or nothing.
          nullable: true
          x-origin: test
          oneOf:
            - type: string
            - $ref: '#/components/schemas/Limited'
    Shade:
      type: string
      nullable: true
      enum: [light, dark]
    Loose:
      description: No type, only properties.
      properties:
        a: {type: string}
      additionalProperties: false
    Open:
      type: object
      additionalProperties: true
      properties:
        mood: {$ref: '#/components/schemas/Shade'}
    AnyOrNothing:
      nullable: true
      anyOf:
        - type: integer
        - type: string
    Pet:
      type: object
      required: [kind]
      discriminator: {propertyName: kind}
      externalDocs: {url: 'https://example.com'}
      properties:
        kind: {type: string, enum: [cat, dog]}
        legs: {type: integer, format: int32, deprecated: true, readOnly: true, default: 4}
"#;
    let spec = crate::codegen::model::parse_spec(constructs).unwrap();
    let ours = our_types(&spec);
    assert_eq!(ours, progenitor_types(&spec));
    for translated in
        ["Option < i64 > >", "pub limited : :: std :: option :: Option < Limited >", "default_u64::<i32, 4>"]
    {
        assert!(ours.contains(translated), "{translated} not in {ours}");
    }
}

/// What the translation cannot say as progenitor would is refused with the schema named.
#[test]
fn a_nullable_schema_without_a_type_is_refused_by_name() {
    let spec = crate::codegen::model::parse_spec(
        "openapi: 3.0.3\ninfo: {title: t, version: '1'}\npaths: {}\ncomponents:\n  schemas:\n    Loose:\n      \
         nullable: true\n      properties:\n        a: {type: string}\n",
    )
    .unwrap();
    let error = crate::codegen::json_schema::components(&spec).unwrap_err();
    assert!(error.starts_with("schema Loose: `nullable: true` needs a `type`"), "{error}");
}

#[test]
fn documents_are_fetched_by_url() {
    use std::io::{Read, Write};
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let url = format!("http://{}/docs/published.txt", listener.local_addr().unwrap());
    let server = std::thread::spawn(move || {
        let (mut stream, _) = listener.accept().unwrap();
        let mut request = [0u8; 2048];
        let read = stream.read(&mut request).unwrap();
        let head = format!(
            "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nContent-Length: {}\r\nConnection: close\r\n\r\n",
            PUBLISHED.len()
        );
        stream.write_all(head.as_bytes()).unwrap();
        stream.write_all(PUBLISHED.as_bytes()).unwrap();
        String::from_utf8_lossy(&request[..read]).into_owned()
    });
    let (names, set) = sync::load_documents(std::slice::from_ref(&url)).unwrap();
    assert!(server.join().unwrap().starts_with("GET /docs/published.txt "));
    assert_eq!(names, vec![format!("{url} (published)")]);
    let report = sync::compare(SPEC, DEVIATIONS, names, &set, &[]).unwrap();
    assert!(report.in_sync(), "{}", report.render(true));
}

#[test]
fn the_root_is_found_at_run_time_from_any_folder_inside_the_checkout() {
    let checkout = std::env::temp_dir().join(format!("xtask-root-{}", std::process::id()));
    let inside = checkout.join("xtask/src");
    std::fs::create_dir_all(&inside).unwrap();
    std::fs::create_dir_all(checkout.join("openapi")).unwrap();
    std::fs::write(checkout.join("openapi/accounts.yaml"), "openapi: 3.0.3\n").unwrap();
    assert_eq!(crate::root_from(&inside), Some(checkout.clone()));
    assert_eq!(crate::root_from(&checkout), Some(checkout.clone()));
    assert_eq!(crate::root_from(&std::env::temp_dir()), None);
    std::fs::remove_dir_all(&checkout).unwrap();
    // Run by `cargo test`, the root is this checkout.
    assert!(crate::root().join("openapi/accounts.yaml").is_file());
}

#[test]
fn method_names_drop_the_groups_words() {
    use crate::codegen::model::method_name;
    assert_eq!(method_name("lookup_teams", "teams"), "lookup");
    assert_eq!(method_name("set_user_team_admin", "users"), "set_team_admin");
    assert_eq!(method_name("get_user_teams", "users"), "get_teams");
    assert_eq!(method_name("classic_get_user", "classic"), "get_user");
    assert_eq!(method_name("lookup_service_accounts", "service_accounts"), "lookup");
    assert_eq!(method_name("reset_service_account_access_key", "service_accounts"), "reset_access_key");
    assert_eq!(method_name("service_accounts", "service_accounts"), "service_accounts", "never empty");
}

fn spec_text() -> String {
    std::fs::read_to_string(crate::root().join("openapi/accounts.yaml")).unwrap()
}

/// Semver safety: every public struct and enum of the generated models (progenitor's and the
/// open enums alike) is `#[non_exhaustive]`, and every struct with named fields has a `new`,
/// so a field added to the spec never breaks code outside the crate.
#[test]
fn every_generated_type_is_non_exhaustive_and_constructible() {
    let generated = crate::codegen::generate(&spec_text()).unwrap();
    let file = syn::parse_file(&generated.types).unwrap();
    let is_non_exhaustive =
        |attributes: &[syn::Attribute]| attributes.iter().any(|attribute| attribute.path().is_ident("non_exhaustive"));
    let constructors: Vec<String> = file
        .items
        .iter()
        .filter_map(|item| match item {
            syn::Item::Impl(item) if item.trait_.is_none() => {
                let has_new = item
                    .items
                    .iter()
                    .any(|member| matches!(member, syn::ImplItem::Fn(function) if function.sig.ident == "new"));
                has_new.then(|| {
                    let self_type = &item.self_ty;
                    quote::quote!(#self_type).to_string()
                })
            }
            _ => None,
        })
        .collect();
    let mut checked = 0;
    for item in &file.items {
        match item {
            syn::Item::Struct(item) if matches!(item.vis, syn::Visibility::Public(_)) => {
                assert!(is_non_exhaustive(&item.attrs), "struct {} is not #[non_exhaustive]", item.ident);
                if matches!(item.fields, syn::Fields::Named(_)) {
                    assert!(constructors.contains(&item.ident.to_string()), "struct {} has no `new`", item.ident);
                }
                checked += 1;
            }
            syn::Item::Enum(item) if matches!(item.vis, syn::Visibility::Public(_)) => {
                assert!(is_non_exhaustive(&item.attrs), "enum {} is not #[non_exhaustive]", item.ident);
                checked += 1;
            }
            _ => {}
        }
    }
    let schemas = crate::codegen::model::parse_spec(&spec_text()).unwrap().components.unwrap().schemas;
    assert!(checked >= schemas.len() / 2, "only {checked} types checked for {} schemas", schemas.len());
    assert!(generated.types.contains("pub enum UserStatus"), "the open enums are generated into the same file");
}

/// Build cost: every generated method that sends a request (or iterates over pages) is
/// `#[inline]`, so a program compiles the decoding code of the operations it calls only.
#[test]
fn every_generated_request_method_is_inline() {
    let generated = crate::codegen::generate(&spec_text()).unwrap();
    let file = syn::parse_file(&generated.operations).unwrap();
    let mut checked = 0;
    for item in &file.items {
        let syn::Item::Impl(block) = item else { continue };
        for member in &block.items {
            let syn::ImplItem::Fn(function) = member else { continue };
            let output = &function.sig.output;
            let output = quote::quote!(#output).to_string();
            if matches!(function.vis, syn::Visibility::Public(_))
                && (output.contains("Result") || output.contains("Paginator"))
            {
                let inline = function.attrs.iter().any(|attribute| attribute.path().is_ident("inline"));
                assert!(inline, "{} is not #[inline]", function.sig.ident);
                checked += 1;
            }
        }
    }
    let operations = crate::codegen::model::parse_spec(&spec_text()).unwrap().paths.paths.len();
    assert!(checked >= operations, "only {checked} request methods found");
}

/// An open enum (`x-extensible-enum`) must document every value and be a plain string schema.
#[test]
fn open_enums_are_checked() {
    let spec = spec_text();
    let undocumented = spec.replacen(
        "      x-enum-descriptions:\n        - can sign in and run tests.\n",
        "      x-enum-descriptions:\n",
        1,
    );
    let error = crate::codegen::generate(&undocumented).err().unwrap();
    assert!(error.contains("UserStatus") && error.contains("one entry per value"), "{error}");
}

/// bench-build's cost breakdown: a crate compiled for build.rs and for the program counts once
/// for each side (its longer, optimised unit for the program); build scripts go with their crate.
#[test]
fn build_cost_breakdown_splits_program_from_compile_time_only() {
    let unit = |name: &str, target: &str, duration: f64| serde_json::json!({ "name": name, "version": "1.0.0", "target": target, "duration": duration });
    let units = serde_json::json!([
        unit("serde_json", "", 1.0),
        unit("serde_json", "", 2.0),
        unit("ring", " build-script (run)", 3.0),
        unit("ring", "", 0.5),
        unit("typify-impl", "", 4.0),
        unit("cc", "", 0.25),
        unit("sauce-accounts", " build-script", 1.5),
        unit("sauce-accounts", "", 5.0),
        unit("ours", " ours \"bin\"", 1.0),
    ]);
    let report = format!("<script>\nconst UNIT_DATA = {units};\nconst CONCURRENCY_DATA = [];\n</script>");
    let runtime: Vec<String> = ["serde_json", "ring", "sauce-accounts", "ours"].map(String::from).to_vec();
    let (groups, total) = crate::bench_build::breakdown(&report, &runtime).unwrap();
    let seconds: Vec<f64> = groups.iter().map(|(_, seconds)| *seconds).collect();
    assert_eq!(seconds, [3.5, 0.0, 2.0, 6.5, 1.0, 5.25]);
    assert_eq!(total, 18.25);
    assert!(groups[5].0.starts_with("compile time only"));
    assert!(crate::bench_build::breakdown("<html></html>", &runtime).is_err());
}
