//! `sauce-accounts call <operationId> [NAME=VALUE]... [--body JSON]`: any operation of the
//! spec by its id, JSON in and out.

use clap::Args;

use super::connect::Format;
use super::output::Output;
use super::{CliError, Ctx};
use crate::operations::OperationId;

#[derive(Debug, Args)]
pub(super) struct Call {
    /// The operationId, as the spec and the library name it.
    #[arg(value_parser = clap::builder::PossibleValuesParser::new(crate::operations::ALL.iter().map(|operation| operation.id)))]
    operation: String,
    /// NAME=VALUE for each path and query parameter (repeat a query name for a list).
    #[arg(value_name = "NAME=VALUE", value_parser = name_value)]
    params: Vec<(String, String)>,
    /// The JSON body: the text itself, @FILE, or - for standard input.
    #[arg(long)]
    body: Option<String>,
}

fn name_value(text: &str) -> Result<(String, String), String> {
    text.split_once('=')
        .map(|(name, value)| (name.to_string(), value.to_string()))
        .ok_or_else(|| format!("{text:?} is not NAME=VALUE"))
}

fn json_body(source: &str) -> Result<serde_json::Value, CliError> {
    let text = match source {
        "-" => crate::bounded::read_text(std::io::stdin(), crate::bounded::SMALL)
            .map_err(|error| CliError::Usage(format!("stdin: {error}")))?,
        _ => match source.strip_prefix('@') {
            Some(file) => crate::bounded::read_file(file.as_ref(), crate::bounded::SMALL)
                .map_err(|error| CliError::Usage(format!("{file}: {error}")))?,
            None => source.to_string(),
        },
    };
    serde_json::from_str(&text).map_err(|error| CliError::Usage(format!("--body is not JSON: {error}")))
}

impl Call {
    /// The operation named (clap has already checked it is one of the spec's).
    pub(super) fn operation(&self) -> OperationId {
        OperationId::from_id(&self.operation).expect("clap checks the operationId")
    }

    pub(super) fn run(&self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        let operation = self.operation().info();
        let mut request = crate::RawRequest::new();
        for (name, value) in &self.params {
            request = if operation.path_parameters.contains(&name.as_str()) {
                request.path(name, value)
            } else {
                request.query(name, value)
            };
        }
        if let Some(body) = &self.body {
            request = request.body(json_body(body)?);
        }
        let arguments: Vec<String> = self.params.iter().map(|(name, value)| format!("{name}={value}")).collect();
        ctx.confirm(&format!("Call {} ({}) with {}?", operation.id, operation.method, arguments.join(" ")))?;
        let answer = ctx.client.call(operation, request)?;
        Output::new(Format::Json, true).print(&answer)
    }
}
