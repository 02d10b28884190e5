#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]
// docs.rs builds with `--cfg docsrs` on nightly: mark what each cargo feature brings
// ("Available on crate feature sandbox only").
#![cfg_attr(docsrs, feature(doc_cfg))]
#![deny(missing_docs)]

mod bounded;
mod call;
#[cfg(feature = "cli")]
#[doc(hidden)]
pub mod cli;
mod client;
mod credentials;
mod error;
mod extras;
pub mod ids;
#[cfg(feature = "org")]
pub mod org;
mod pagination;
mod path;
mod rate_limit;
mod redact;
mod region;
mod resolver;
mod retry;
mod rules;
#[cfg(feature = "sandbox")]
pub mod sandbox;
mod transport;
mod values;

pub use call::RawRequest;
/// The date and time crate of the models' timestamps, so callers use the same version.
pub use chrono;
pub use client::{Client, ClientBuilder, DEFAULT_CONNECT_TIMEOUT, DEFAULT_MAX_BODY_SIZE, DEFAULT_TIMEOUT};
pub use credentials::{ACCESS_KEY_VAR, BASE_URL_VAR, Credentials, REGION_VAR, USERNAME_VAR};
pub use error::{
    ApiError, Cause, DecodeError, Error, OperationName, PaginationError, RateLimitReason, RateLimitedError,
    SNIPPET_LIMIT, TransportError, TransportErrorKind,
};
pub use extras::DayActivity;
pub use ids::{IntoIds, OrganizationId, ServiceAccountId, TeamId, UserId};
pub use pagination::{DEFAULT_MAX_PAGES, PageStyle, Paginator};
pub use rate_limit::{RateLimit, RateLimitStatus};
pub use region::{Region, UnknownRegion};
pub use resolver::{ADDRESS_TTL, NameResolutionStats};
pub use retry::RetryPolicy;
/// The JSON crate of the models' open objects ([`serde_json::Value`], [`serde_json::Map`]).
pub use serde_json;
pub use transport::Method;
pub use types::{ActivityLevel, UserStatus, UserStatusFilter, UserType};
pub use values::{ConcurrencyCount, DeviceCount, Minutes, OrgRef, RoleId, Secret};

/// The request and response models, generated from `openapi/accounts.yaml` by `build.rs`
/// (progenitor's type generation). Fields follow the spec; unknown fields in responses are
/// ignored.
#[allow(clippy::all, clippy::pedantic)]
pub mod types {
    include!(concat!(env!("OUT_DIR"), "/types.rs"));
}

/// The operation groups ([`Teams`](operations::Teams), [`Users`](operations::Users) …) and
/// request builders, generated from `openapi/accounts.yaml` by `build.rs`. Reach them
/// through the [`Client`] methods of the same names.
#[allow(clippy::all)]
pub mod operations {
    include!(concat!(env!("OUT_DIR"), "/operations.rs"));
}
