//! Emits the blocking operation layer: one group type per tag, one method per operation
//! returning a request builder (setters for the optional query parameters, `send`, and a lazy
//! `iter` for the paginated ones), and the operation table with its `OperationId` enum. The emitted code talks to the hand-written core only through
//! `crate::transport::Call`, `crate::Client::execute*`, `crate::path::segment`,
//! `crate::transport::check_range`, `crate::transport::json_body` /
//! `crate::transport::checked_json_body` (with the body's `crate::rules::Rule`s) and
//! `crate::Paginator`.

use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

use super::model::{Api, BodyCheck, Operation, PaginationStyle, Param, ParamKind, Payload};
use super::naming::{doc_lines, ident, one_line, pascal_case};

pub fn generate(api: &Api) -> TokenStream {
    let mut accessors = Vec::new();
    let mut groups = Vec::new();
    let mut builders = Vec::new();
    for group in &api.groups {
        let operations: Vec<&Operation> =
            api.operations.iter().filter(|operation| operation.tag == group.tag).collect();
        if operations.is_empty() {
            continue;
        }
        let accessor = ident(&group.tag);
        let group_type = format_ident!("{}", pascal_case(&group.tag));
        let accessor_doc = doc_lines(&format!(
            "The `{}` operations: {}\n\nSee [`{}`] for the list.",
            group.tag, group.description, group_type
        ));
        accessors.push(quote! {
            #accessor_doc
            pub fn #accessor(&self) -> #group_type<'_> {
                #group_type { client: self }
            }
        });
        let mut methods = Vec::new();
        for operation in operations {
            let (method, builder) = emit_operation(operation);
            methods.push(method);
            builders.push(builder);
        }
        let group_doc = doc_lines(&format!(
            "{}\n\nObtained from [`Client::{}`](crate::Client::{}); borrows the client.",
            group.description, group.tag, group.tag
        ));
        groups.push(quote! {
            #group_doc
            #[derive(Clone, Copy, Debug)]
            pub struct #group_type<'a> {
                client: &'a crate::Client,
            }
            impl<'a> #group_type<'a> {
                #(#methods)*
            }
        });
    }
    let table = api.operations.iter().map(|operation| {
        let (id, method, path, group) = (&operation.id, &operation.http_method, &operation.path, &operation.tag);
        let method_name = &operation.method_name;
        let path_parameters = operation.path_params.iter().map(|param| &param.name);
        let query_parameters = operation.query_params.iter().map(|param| &param.name);
        let request_body = option_str(operation.body.as_deref());
        let response = option_str(match &operation.success {
            Payload::Empty => None,
            Payload::Schema(name) => Some(name.as_str()),
        });
        let success_status = operation.success_statuses.first().copied().unwrap_or(200);
        let paginated = operation.pagination.is_some();
        let deprecated = operation.deprecated;
        let confirm = option_str(operation.confirm.as_deref());
        let parameters = (operation.path_params.iter().map(|param| (param, quote! { Path })))
            .chain(operation.query_params.iter().map(|param| (param, quote! { Query })))
            .map(|(param, location)| parameter_info(param, location));
        let body_rules = operation.body_rules.iter().map(body_rule);
        quote! {
            OperationInfo {
                id: #id,
                method: #method,
                path_template: #path,
                group: #group,
                method_name: #method_name,
                path_parameters: &[#(#path_parameters),*],
                query_parameters: &[#(#query_parameters),*],
                request_body: #request_body,
                response: #response,
                success_status: #success_status,
                paginated: #paginated,
                deprecated: #deprecated,
                confirm: #confirm,
                parameters: &[#(#parameters),*],
                body_rules: &[#(#body_rules),*],
            }
        }
    });
    let operation_ids = emit_operation_ids(api);
    quote! {
        /// One operation of the spec as `build.rs` read it. The sandbox routes by this table,
        /// and the CLI's and the tests' inventories are checked against it, so an operation
        /// added to the spec is missed nowhere.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct OperationInfo {
            /// The spec's `operationId`, e.g. `get_team`.
            pub id: &'static str,
            /// The HTTP method, e.g. `GET`.
            pub method: &'static str,
            /// The path template, e.g. `/team-management/v1/teams/{team_id}/`.
            pub path_template: &'static str,
            /// The spec's tag: the [`crate::Client`] method of the group (`teams`).
            pub group: &'static str,
            /// The method inside the group (`get`, as in `client.teams().get(…)`).
            pub method_name: &'static str,
            /// The path parameters, in path order.
            pub path_parameters: &'static [&'static str],
            /// The query parameters, in the spec's order.
            pub query_parameters: &'static [&'static str],
            /// The component schema of the JSON request body, if there is one.
            pub request_body: ::std::option::Option<&'static str>,
            /// The component schema of the success answer; `None` when it has no body.
            pub response: ::std::option::Option<&'static str>,
            /// The first success status the spec lists.
            pub success_status: u16,
            /// Whether the answer is a page that `.iter()` walks.
            pub paginated: bool,
            /// Whether the spec marks the operation deprecated.
            pub deprecated: bool,
            /// What the operation does that cannot simply be taken back (`deletes`,
            /// `deactivates`, `rotates a credential`, `grants a role`), from the spec's
            /// `x-sauce-confirm`; `None` for the others. The CLI asks before sending these.
            pub confirm: ::std::option::Option<&'static str>,
            /// Every parameter, path ones first, with what the typed methods check about it;
            /// [`crate::Client::call`] checks the same.
            pub parameters: &'static [ParameterInfo],
            /// The checks of the request body the spec states as schema (passwords, names).
            pub(crate) body_rules: &'static [crate::rules::Rule],
        }
        /// One parameter of an operation, as the spec declares it.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[non_exhaustive]
        pub struct ParameterInfo {
            /// The name, as it goes on the wire.
            pub name: &'static str,
            /// Where it goes.
            pub location: ParameterLocation,
            /// Whether the operation needs it.
            pub required: bool,
            /// What values it takes.
            pub kind: ParameterKind,
        }
        /// Where a parameter goes.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum ParameterLocation {
            /// One segment of the path.
            Path,
            /// A `name=value` pair of the query.
            Query,
        }
        /// The values a parameter takes.
        #[derive(Clone, Copy, Debug, PartialEq, Eq)]
        #[non_exhaustive]
        pub enum ParameterKind {
            /// Any text.
            String,
            /// An integer within the bounds (an unsigned one when the minimum is not negative).
            Integer {
                /// The least value allowed.
                minimum: ::std::option::Option<i64>,
                /// The greatest value allowed.
                maximum: ::std::option::Option<i64>,
            },
            /// `true` or `false`.
            Boolean,
            /// A value of the component schema of this name (an enum, an id).
            Schema(&'static str),
            /// A comma-separated list of values of the component schema of this name.
            List(&'static str),
            /// One `name=value` pair per value of the component schema of this name.
            Repeated(&'static str),
        }
        impl OperationInfo {
            /// The operation as errors name it ([`crate::OperationName`]).
            pub fn operation(&self) -> crate::OperationName {
                crate::OperationName { id: self.id, method: self.method, path_template: self.path_template }
            }
        }
        /// Every operation of the spec, in the spec's order.
        pub const ALL: &[OperationInfo] = &[#(#table),*];
        #operation_ids
        impl crate::Client {
            #(#accessors)*
        }
        #(#groups)*
        #(#builders)*
    }
}

/// `OperationId`: one variant per operation, in the order of `ALL`, so code that must handle
/// every operation (the sandbox's dispatch, the CLI's mapping) matches on it and a new
/// operation in the spec is a compile error naming the place that misses it.
fn emit_operation_ids(api: &Api) -> TokenStream {
    let variants: Vec<Ident> =
        api.operations.iter().map(|operation| format_ident!("{}", pascal_case(&operation.id))).collect();
    let ids: Vec<&String> = api.operations.iter().map(|operation| &operation.id).collect();
    let docs = api.operations.iter().map(|operation| {
        doc_lines(&format!(
            "`{}`: {} (`{} {}`).",
            operation.id, operation.summary, operation.http_method, operation.path
        ))
    });
    let indexes = 0..variants.len();
    quote! {
        /// Every operation of the spec by its `operationId`: a `match` on it is checked by the
        /// compiler to name each one. The variants follow [`ALL`]'s order;
        /// [`OperationId::info`] gives the table entry.
        #[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
        #[non_exhaustive]
        pub enum OperationId {
            #(#docs #variants,)*
        }
        impl OperationId {
            /// Every operation, in the spec's order (the order of [`ALL`]).
            pub const ALL: &'static [OperationId] = &[#(OperationId::#variants),*];
            /// The operation's entry in the table.
            pub fn info(self) -> &'static OperationInfo {
                match self {
                    #(OperationId::#variants => &ALL[#indexes],)*
                }
            }
            /// The spec's `operationId` (`get_team`).
            pub fn as_str(self) -> &'static str {
                self.info().id
            }
            /// The operation a spec `operationId` names, if the spec has it.
            pub fn from_id(id: &str) -> Option<OperationId> {
                match id {
                    #(#ids => Some(OperationId::#variants),)*
                    _ => None,
                }
            }
        }
        impl ::std::fmt::Display for OperationId {
            fn fmt(&self, f: &mut ::std::fmt::Formatter<'_>) -> ::std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    }
}

/// An operation's path parameters as the method takes them and the builder keeps them.
struct PathArgs {
    names: Vec<Ident>,
    /// An id parameter takes anything that converts into its type (`&str`, `String`, the id
    /// itself), but not another kind of id; a plain string parameter takes `&str`.
    arg_types: Vec<TokenStream>,
    field_types: Vec<TokenStream>,
    field_values: Vec<TokenStream>,
}

impl PathArgs {
    fn of(operation: &Operation) -> PathArgs {
        let mut args =
            PathArgs { names: Vec::new(), arg_types: Vec::new(), field_types: Vec::new(), field_values: Vec::new() };
        for param in &operation.path_params {
            let name = ident(&param.name);
            match &param.kind {
                ParamKind::Id(schema) => {
                    let id = type_path(schema);
                    args.arg_types.push(quote! { impl Into<#id> });
                    args.field_types.push(id);
                    args.field_values.push(quote! { #name.into() });
                }
                _ => {
                    args.arg_types.push(quote! { &str });
                    args.field_types.push(quote! { String });
                    args.field_values.push(quote! { #name.to_string() });
                }
            }
            args.names.push(name);
        }
        args
    }
}

/// The group's method that starts the request, and the request builder it returns. Every
/// operation has a builder, also one without optional parameters today: a parameter the API
/// adds later is then a new setter, not a changed signature.
fn emit_operation(operation: &Operation) -> (TokenStream, TokenStream) {
    let method_ident = ident(&operation.method_name);
    let builder = format_ident!("{}", pascal_case(&operation.id));
    let path = PathArgs::of(operation);
    let (path_args, path_arg_types, path_field_values) = (&path.names, &path.arg_types, &path.field_values);
    let query_fields: Vec<Ident> = operation.query_params.iter().map(|param| ident(&param.name)).collect();
    let body_type = operation.body.as_ref().map(|name| type_path(name));
    let body_param = body_type.as_ref().map(|body| quote! { , body: &'a #body });
    let body_init = body_type.as_ref().map(|_| quote! { body, });
    let deprecated = operation
        .deprecated
        .then(|| quote! { #[deprecated(note = "the API marks this operation as deprecated; see its documentation for the replacement")] });
    let docs = doc_lines(&method_doc(operation));
    let method = quote! {
        #docs
        #deprecated
        #[inline]
        pub fn #method_ident(&self #(, #path_args: #path_arg_types)* #body_param) -> #builder<'a> {
            #builder {
                client: self.client,
                #(#path_args: #path_field_values,)*
                #body_init
                #(#query_fields: None,)*
            }
        }
    };
    (method, emit_builder(operation, &builder, &path, body_type.as_ref()))
}

fn emit_builder(
    operation: &Operation,
    builder: &Ident,
    path: &PathArgs,
    body_type: Option<&TokenStream>,
) -> TokenStream {
    let (path_args, path_field_types) = (&path.names, &path.field_types);
    let query_fields: Vec<Ident> = operation.query_params.iter().map(|param| ident(&param.name)).collect();
    let query_types: Vec<TokenStream> = operation.query_params.iter().map(param_type).collect();
    let body_field = body_type.map(|body| quote! { body: &'a #body, });
    let setters = operation.query_params.iter().map(emit_setter);
    let send = emit_send(operation);
    let pages = operation.pagination.as_ref().map(|pagination| emit_iter(operation, pagination));
    let next_step = match (operation.query_params.is_empty(), operation.pagination.is_some()) {
        (true, _) => format!("send it with [`{builder}::send`]"),
        (false, false) => format!("set the optional query parameters, then call [`{builder}::send`]"),
        (false, true) => format!(
            "set the optional query parameters, then call [`{builder}::send`] for one page or iterate with [`{builder}::iter`]"
        ),
    };
    let builder_doc = doc_lines(&format!(
        "A `{}` request (operation `{}`), from [`{}::{}`]: {next_step}.",
        operation.summary,
        operation.id,
        pascal_case(&operation.tag),
        operation.method_name,
    ));
    quote! {
        #builder_doc
        #[derive(Clone, Debug)]
        #[must_use = "a request does nothing until `.send()` is called"]
        pub struct #builder<'a> {
            client: &'a crate::Client,
            #(#path_args: #path_field_types,)*
            #body_field
            #(#query_fields: Option<#query_types>,)*
        }
        impl<'a> #builder<'a> {
            #(#setters)*
            #send
            #pages
        }
    }
}

fn emit_setter(param: &Param) -> TokenStream {
    let field = ident(&param.name);
    let doc = doc_lines(&setter_doc(param));
    let (argument, value) = match &param.kind {
        ParamKind::String => (quote! { impl Into<String> }, quote! { value.into() }),
        // An id or an open enum takes what converts into it (`&str` included).
        ParamKind::Id(name) | ParamKind::StringEnum(name) => {
            let target = type_path(name);
            (quote! { impl Into<#target> }, quote! { value.into() })
        }
        ParamKind::List(name) | ParamKind::Repeated(name) if super::types::ID_TYPES.contains(&name.as_str()) => {
            let item = type_path(name);
            (quote! { impl crate::IntoIds<#item> }, quote! { crate::IntoIds::into_ids(value) })
        }
        ParamKind::List(name) | ParamKind::Repeated(name) => {
            let item = type_path(name);
            (
                quote! { impl IntoIterator<Item = impl Into<#item>> },
                quote! { value.into_iter().map(Into::into).collect() },
            )
        }
        _ => (param_type(param), quote! { value }),
    };
    quote! {
        #doc
        pub fn #field(mut self, value: #argument) -> Self {
            self.#field = Some(#value);
            self
        }
    }
}

/// `send`: the query, the path (each parameter one percent-encoded segment), the body with
/// its spec-derived checks, then the transport.
///
/// Every `send` and `iter` is `#[inline]`: each instantiates serde for its response type, and
/// inline functions are compiled only in the crates that call them, so a program pays for the
/// operations it uses, not for all of them (BENCHMARKS.md, build cost).
fn emit_send(operation: &Operation) -> TokenStream {
    let operation_id = &operation.id;
    let template = &operation.path;
    let method = format_ident!("{}", pascal_case(&operation.http_method.to_lowercase()));
    let output = output_type(&operation.success);
    let query_pushes: Vec<TokenStream> = operation.query_params.iter().map(query_push).collect();
    let query = if query_pushes.is_empty() {
        quote! { let query = Vec::new(); }
    } else {
        quote! {
            let mut query: Vec<(&'static str, String)> = Vec::new();
            #(#query_pushes)*
        }
    };
    let mut format_string = String::new();
    let mut segments = Vec::new();
    let mut segment_names = Vec::new();
    for (index, part) in operation.path.split('/').enumerate() {
        if index > 0 {
            format_string.push('/');
        }
        match part.strip_prefix('{').and_then(|part| part.strip_suffix('}')) {
            Some(name) => {
                let arg = ident(name);
                format_string.push_str("{}");
                segments.push(quote! { let #arg = crate::path::segment(OPERATION, #name, &self.#arg)?; });
                segment_names.push(arg);
            }
            None => format_string.push_str(part),
        }
    }
    let path = if segments.is_empty() {
        quote! { String::from(#template) }
    } else {
        quote! { format!(#format_string #(, #segment_names)*) }
    };
    let body = match (&operation.body, operation.body_rules.is_empty()) {
        (None, _) => quote! { None },
        (Some(_), true) => quote! { Some(crate::transport::json_body(OPERATION, self.body)?) },
        (Some(_), false) => {
            let rules = operation.body_rules.iter().map(body_rule);
            quote! { Some(crate::transport::checked_json_body(OPERATION, self.body, &[#(#rules),*])?) }
        }
    };
    let execute = match operation.success {
        Payload::Empty => quote! { execute_empty },
        Payload::Schema(_) => quote! { execute },
    };
    quote! {
        /// Sends the request and decodes the response.
        ///
        /// # Errors
        ///
        /// See the operation's method for the statuses the API documents; any failure is an
        /// [`Error`](crate::Error) naming this operation.
        #[inline]
        pub fn send(&self) -> Result<#output, crate::Error> {
            const OPERATION: &str = #operation_id;
            #query
            #(#segments)*
            let call = crate::transport::Call {
                operation_id: OPERATION,
                method: crate::transport::Method::#method,
                path_template: #template,
                path: #path,
                query,
                body: #body,
            };
            self.client.#execute(call)
        }
    }
}

fn body_rule(rule: &super::model::BodyRule) -> TokenStream {
    let pointer = &rule.pointer;
    let check = match rule.check {
        BodyCheck::Password => quote! { crate::rules::Check::Password },
        BodyCheck::NotBlank => quote! { crate::rules::Check::NotBlank },
        BodyCheck::MaxChars(maximum) => quote! { crate::rules::Check::MaxChars(#maximum) },
    };
    quote! { crate::rules::Rule { pointer: #pointer, check: #check } }
}

fn emit_iter(operation: &Operation, pagination: &super::model::Pagination) -> TokenStream {
    let item = type_path(&pagination.item_schema);
    let style = match pagination.style {
        PaginationStyle::Offset => quote! { crate::PageStyle::Offset },
        PaginationStyle::From => quote! { crate::PageStyle::From },
        PaginationStyle::Page => quote! { crate::PageStyle::Page },
    };
    let cursor = ident(&pagination.cursor_param);
    let size = ident(&pagination.size_param);
    let operation_id = &operation.id;
    let max_size = pagination.max_size as u64;
    let first_cursor: u64 = if pagination.style == PaginationStyle::Page { 1 } else { 0 };
    // typify makes array fields plain `Vec`s (empty when absent), so both cases read alike.
    let items = match &pagination.items_field {
        None => quote! { page.0 },
        Some(field) => {
            let field = ident(field);
            quote! { page.#field }
        }
    };
    let total = if pagination.has_count {
        quote! { Some(page.count) }
    } else {
        quote! { None }
    };
    let doc = doc_lines(&format!(
        "Iterates over every matching item, fetching pages of `{size}` items (default {max}) lazily, \
         starting at `{cursor}` (default {first}). Holds one page in memory; stops after the last page, \
         and with [`Error::Pagination`](crate::Error::Pagination) when the server's pages make no progress. \
         After an error the iterator yields nothing more.",
        size = pagination.size_param,
        max = max_size,
        cursor = pagination.cursor_param,
        first = first_cursor,
    ));
    quote! {
        #doc
        #[inline]
        pub fn iter(self) -> crate::Paginator<'a, #item> {
            let page_size = self.#size.unwrap_or(#max_size);
            let first = self.#cursor.unwrap_or(#first_cursor);
            crate::Paginator::new(#operation_id, #style, first, page_size, move |cursor, size| {
                let request = Self { #cursor: Some(cursor), #size: Some(size), ..self.clone() };
                let page = request.send()?;
                Ok((#items, #total))
            })
        }
    }
}

/// A parameter's `ParameterInfo` tokens, for `operations::ALL`.
fn parameter_info(param: &Param, location: TokenStream) -> TokenStream {
    let (name, required) = (&param.name, param.required);
    let kind = match &param.kind {
        ParamKind::String => quote! { String },
        ParamKind::Integer { minimum, maximum } => {
            let (minimum, maximum) = (option_i64(*minimum), option_i64(*maximum));
            quote! { Integer { minimum: #minimum, maximum: #maximum } }
        }
        ParamKind::Boolean => quote! { Boolean },
        ParamKind::StringEnum(schema) | ParamKind::Id(schema) => quote! { Schema(#schema) },
        ParamKind::List(schema) => quote! { List(#schema) },
        ParamKind::Repeated(schema) => quote! { Repeated(#schema) },
    };
    quote! {
        ParameterInfo { name: #name, location: ParameterLocation::#location, required: #required, kind: ParameterKind::#kind }
    }
}

fn option_i64(value: Option<i64>) -> TokenStream {
    match value {
        Some(value) => quote! { ::std::option::Option::Some(#value) },
        None => quote! { ::std::option::Option::None },
    }
}

fn query_push(param: &Param) -> TokenStream {
    let name = &param.name;
    let field = ident(&param.name);
    match &param.kind {
        ParamKind::Integer { minimum, maximum } => {
            let minimum = option_tokens(*minimum);
            let maximum = option_tokens(*maximum);
            quote! {
                if let Some(value) = self.#field {
                    crate::transport::check_range(OPERATION, #name, value as i128, #minimum, #maximum)?;
                    query.push((#name, value.to_string()));
                }
            }
        }
        ParamKind::List(_) | ParamKind::Repeated(_) => {
            // A comma list is one pair; a repeated parameter is one pair per value.
            let push = if matches!(param.kind, ParamKind::List(_)) {
                quote! { query.push((#name, crate::transport::comma_list(values))); }
            } else {
                quote! {
                    for value in values {
                        query.push((#name, crate::transport::comma_list(std::slice::from_ref(value))));
                    }
                }
            };
            quote! {
                if let Some(values) = &self.#field {
                    if values.is_empty() {
                        return Err(crate::Error::InvalidArgument {
                            operation_id: OPERATION,
                            message: format!("{} needs at least one value (leave it unset for no filter)", #name),
                        });
                    }
                    #push
                }
            }
        }
        _ => quote! {
            if let Some(value) = &self.#field {
                query.push((#name, value.to_string()));
            }
        },
    }
}

fn option_str(value: Option<&str>) -> TokenStream {
    match value {
        Some(value) => quote! { ::std::option::Option::Some(#value) },
        None => quote! { ::std::option::Option::None },
    }
}

fn option_tokens(value: Option<i64>) -> TokenStream {
    match value {
        Some(value) => {
            let value = value as i128;
            quote! { Some(#value) }
        }
        None => quote! { None },
    }
}

fn param_type(param: &Param) -> TokenStream {
    match &param.kind {
        ParamKind::String => quote! { String },
        ParamKind::Integer { minimum: Some(minimum), .. } if *minimum >= 0 => quote! { u64 },
        ParamKind::Integer { .. } => quote! { i64 },
        ParamKind::Boolean => quote! { bool },
        ParamKind::StringEnum(name) | ParamKind::Id(name) => type_path(name),
        ParamKind::List(name) | ParamKind::Repeated(name) => {
            let item = type_path(name);
            quote! { Vec<#item> }
        }
    }
}

fn output_type(payload: &Payload) -> TokenStream {
    match payload {
        Payload::Empty => quote! { () },
        Payload::Schema(name) => type_path(name),
    }
}

fn type_path(schema: &str) -> TokenStream {
    super::types::rust_path(schema)
}

fn method_doc(operation: &Operation) -> String {
    let mut doc = format!(
        "{}.\n\n{}\n\n`{} {}` (operation `{}`).\n",
        operation.summary,
        operation.description.trim_end(),
        operation.http_method,
        operation.path,
        operation.id
    );
    let params: Vec<&Param> = operation.path_params.iter().chain(&operation.query_params).collect();
    if !params.is_empty() || operation.body.is_some() {
        doc.push_str("\n# Parameters\n\n");
        for param in &operation.path_params {
            doc.push_str(&format!("- `{}` (path, one URL segment): {}\n", param.name, one_line(&param.description)));
        }
        for param in &operation.query_params {
            doc.push_str(&format!(
                "- `{}` (query, optional; a setter of the returned builder): {}\n",
                param.name,
                one_line(&param.description)
            ));
        }
        if let Some(body) = &operation.body {
            doc.push_str(&format!("- `body`: the JSON request body, [`{body}`](crate::types::{body}).\n"));
        }
        if !operation.body_rules.is_empty() {
            let checks: Vec<String> = operation
                .body_rules
                .iter()
                .map(|rule| {
                    let what = match rule.check {
                        BodyCheck::Password => "the password rules".to_string(),
                        BodyCheck::NotBlank => "not blank".to_string(),
                        BodyCheck::MaxChars(maximum) => format!("at most {maximum} characters"),
                    };
                    format!("`{}` ({what})", rule.pointer.trim_start_matches('/').replace('/', "."))
                })
                .collect();
            doc.push_str(&format!(
                "\nChecked before sending, as the spec states them: {}. A body that breaks one is refused with \
                 [`Error::InvalidArgument`](crate::Error::InvalidArgument) and never sent.\n",
                checks.join(", ")
            ));
        }
    }
    if let Some(effect) = &operation.confirm {
        doc.push_str(&format!(
            "\n**Cannot simply be undone**: this call {effect} (`x-sauce-confirm`; \
             [`OperationInfo::confirm`](crate::operations::OperationInfo::confirm)). The command line asks before it sends it.\n"
        ));
    }
    doc.push_str("\n# Errors\n\n");
    for (status, description) in &operation.error_statuses {
        doc.push_str(&format!("- `{status}`: {}\n", one_line(description)));
    }
    doc.push_str(
        "\nAny of these arrives as [`Error::Api`](crate::Error::Api) with the parsed error body; \
         transport failures, undecodable bodies and invalid arguments have their own variants.\n",
    );
    if operation.deprecated {
        doc.push_str("\n# Deprecated\n\nThe API documents this operation as deprecated.\n");
    }
    doc.push_str(&format!("\n# Example\n\n```no_run\n{}```\n", example(operation)));
    doc
}

fn example(operation: &Operation) -> String {
    let mut args: Vec<String> = operation
        .path_params
        .iter()
        .map(|param| {
            format!("{:?}", param.example.clone().unwrap_or_else(|| format!("my-{}", param.name.replace('_', "-"))))
        })
        .collect();
    let mut setup = String::new();
    if let Some(body) = &operation.body {
        let construction =
            operation.body_construction.clone().unwrap_or_else(|| format!("sauce_accounts::types::{body}::new()"));
        setup.push_str(&format!("let body = {construction};\n"));
        args.push("&body".to_string());
    }
    let call = format!("client.{}().{}({})", operation.tag, operation.method_name, args.join(", "));
    let call = match &operation.pagination {
        Some(pagination) => format!(
            "for item in {call}.{}(50).iter() {{\n    let item = item?;\n    println!(\"{{item:?}}\");\n}}\n",
            pagination.size_param
        ),
        None => format!("let result = {call}.send()?;\nprintln!(\"{{result:?}}\");\n"),
    };
    let allow = if operation.deprecated { "# #![allow(deprecated)]\n" } else { "" };
    format!(
        "{allow}# fn main() -> Result<(), sauce_accounts::Error> {{\nlet client = sauce_accounts::Client::from_env()?;\n{setup}{call}# Ok(())\n# }}\n"
    )
}

fn setter_doc(param: &Param) -> String {
    let mut doc = format!("Sets `{}`: {}", param.name, param.description.trim_end());
    if let ParamKind::Integer { minimum, maximum } = param.kind {
        let range = match (minimum, maximum) {
            (Some(minimum), Some(maximum)) => format!("{minimum} to {maximum}"),
            (Some(minimum), None) => format!("at least {minimum}"),
            (None, Some(maximum)) => format!("at most {maximum}"),
            (None, None) => String::new(),
        };
        if !range.is_empty() {
            doc.push_str(&format!("\n\nAllowed: {range}; `send` refuses other values with [`Error::InvalidArgument`](crate::Error::InvalidArgument)."));
        }
    }
    doc
}
