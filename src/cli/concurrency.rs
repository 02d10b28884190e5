//! `sauce-accounts concurrency …`.

use clap::Subcommand;

use super::{CliError, Ctx};
use crate::operations::OperationId;

#[derive(Debug, Subcommand)]
pub(super) enum Concurrency {
    /// Show real-device concurrency.
    RealDevices,
}

impl Concurrency {
    pub(super) fn operation(&self) -> OperationId {
        match self {
            Concurrency::RealDevices => OperationId::GetRealDeviceConcurrency,
        }
    }

    pub(super) fn run(&self, ctx: &Ctx<'_>) -> Result<(), CliError> {
        match self {
            Concurrency::RealDevices => ctx.out.print(&ctx.client.concurrency().get_real_device().send()?),
        }
    }
}
