//! `Client` and its builder: where requests go, with which credentials, and how patiently.

use std::fmt;
use std::net::IpAddr;
use std::sync::Arc;
use std::time::Duration;

use crate::credentials::{BASE_URL_VAR, REGION_VAR, non_blank};
use crate::rate_limit::{FARTHEST, Limiter, RateLimit, RateLimitStatus};
use crate::retry::RetryPolicy;
use crate::{Credentials, Error, Region};

/// The default overall timeout of one attempt.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(30);
/// The default connect timeout.
pub const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// The default response size limit: 10 MiB.
pub const DEFAULT_MAX_BODY_SIZE: u64 = 10 * 1024 * 1024;

/// A blocking client of the Accounts API.
///
/// Cheap to clone (an `Arc`), `Send + Sync`, and every clone shares one connection pool.
/// Operations are grouped the way the spec tags them: [`Client::teams`], [`Client::users`],
/// [`Client::membership`], [`Client::organizations`], [`Client::classic`],
/// [`Client::concurrency`] and [`Client::service_accounts`].
///
/// ```no_run
/// use sauce_accounts::{Client, Credentials, Region};
///
/// # fn main() -> Result<(), sauce_accounts::Error> {
/// let client = Client::builder()
///     .region(Region::EuCentral1)
///     .credentials(Credentials::new("admin", "access-key"))
///     .build()?;
/// for team in client.teams().lookup().iter() {
///     println!("{}", team?.name);
/// }
/// # Ok(())
/// # }
/// ```
#[derive(Clone)]
pub struct Client {
    pub(crate) inner: Arc<Inner>,
}

pub(crate) struct Inner {
    pub(crate) agent: ureq::Agent,
    pub(crate) resolver: Arc<crate::resolver::CachingResolver>,
    pub(crate) origin: Origin,
    pub(crate) credentials: Credentials,
    pub(crate) authorization: crate::Secret,
    /// The same, ready to send (marked sensitive), so no call re-validates it.
    pub(crate) authorization_header: ureq::http::HeaderValue,
    /// `scheme://authority/prefix`, which every request URL starts with.
    pub(crate) base_url: String,
    pub(crate) retry: RetryPolicy,
    pub(crate) max_body_size: u64,
    pub(crate) timeout: Duration,
    pub(crate) limiter: Limiter,
}

/// The scheme, host and port requests go to, plus any path prefix of a custom base URL.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct Origin {
    pub(crate) scheme: String,
    pub(crate) authority: String,
    pub(crate) prefix: String,
}

impl Origin {
    pub(crate) fn base_url(&self) -> String {
        format!("{}://{}{}", self.scheme, self.authority, self.prefix)
    }

    fn is_loopback(&self) -> bool {
        let host = match self.authority.rsplit_once(':') {
            Some((host, port)) if port.bytes().all(|byte| byte.is_ascii_digit()) => host,
            _ => self.authority.as_str(),
        };
        is_loopback(host.trim_start_matches('[').trim_end_matches(']'))
    }
}

impl fmt::Debug for Client {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Client")
            .field("base_url", &self.inner.origin.base_url())
            .field("credentials", &self.inner.credentials)
            .field("retry", &self.inner.retry)
            .field("rate_limit", &self.inner.limiter.limit())
            .finish_non_exhaustive()
    }
}

impl Client {
    /// A builder with the defaults: region us-west-1, no credentials yet, 30 s timeout,
    /// 10 s connect timeout, [`RetryPolicy::default`], proxy from the environment.
    pub fn builder() -> ClientBuilder {
        ClientBuilder::default()
    }

    /// A client for `SAUCE_USERNAME` / `SAUCE_ACCESS_KEY` (else saucectl's
    /// `~/.sauce/credentials.yml`: [`Credentials::from_env`]), sending to `SAUCE_BASE_URL` when it
    /// is set (a standalone `sauce-sandbox` prints it), else to the region `SAUCE_REGION` names
    /// (us-west-1 when unset).
    ///
    /// # Errors
    ///
    /// [`Error::Config`] naming a missing variable, an unknown region or an invalid base URL.
    pub fn from_env() -> Result<Client, Error> {
        let builder = ClientBuilder::default().region_from_env()?;
        let base_url = std::env::var(BASE_URL_VAR).ok();
        let builder = match non_blank(base_url.as_deref()) {
            Some(url) => builder.base_url(url),
            None => builder,
        };
        builder.credentials(Credentials::from_env()?).build()
    }

    /// The base URL requests go to, e.g. `https://api.us-west-1.saucelabs.com`.
    pub fn base_url(&self) -> String {
        self.inner.origin.base_url()
    }

    /// The username requests authenticate as.
    pub fn username(&self) -> &str {
        self.inner.credentials.username()
    }

    /// The client-side request budget, if one is set (see [`ClientBuilder::rate_limit`]).
    pub fn rate_limit(&self) -> Option<RateLimit> {
        self.inner.limiter.limit()
    }

    /// How often this client (and its clones) looked up host names: once per host and
    /// minute, so kept-alive calls make no lookup and start no thread.
    pub fn name_resolution_stats(&self) -> crate::NameResolutionStats {
        self.inner.resolver.stats()
    }

    /// What the service last reported about this account's request budget
    /// (`X-Ratelimit-*` headers), shared by all clones; `None` until an answer carried them.
    pub fn rate_limit_status(&self) -> Option<RateLimitStatus> {
        self.inner.limiter.status()
    }
}

/// Configures a [`Client`]. Every setting has a default except the credentials.
#[derive(Clone)]
pub struct ClientBuilder {
    target: Target,
    credentials: Option<Credentials>,
    timeout: Duration,
    connect_timeout: Duration,
    retry: RetryPolicy,
    user_agent_suffix: Option<String>,
    proxy: ProxySetting,
    max_body_size: u64,
    plain_http_hosts: Vec<String>,
    rate_limit: RateLimitSetting,
    root_certificates: Vec<Vec<u8>>,
    #[cfg(feature = "platform-verifier")]
    platform_verifier: bool,
}

#[derive(Clone, Copy, Debug)]
enum RateLimitSetting {
    /// The documented limits for Sauce Labs, none for a loopback base URL.
    Default,
    Off,
    On(RateLimit),
}

#[derive(Clone, Debug)]
enum Target {
    Region(Region),
    BaseUrl(String),
}

#[derive(Clone, Debug)]
enum ProxySetting {
    FromEnv,
    None,
    Url(String),
}

impl Default for ClientBuilder {
    fn default() -> Self {
        ClientBuilder {
            target: Target::Region(Region::default()),
            credentials: None,
            timeout: DEFAULT_TIMEOUT,
            connect_timeout: DEFAULT_CONNECT_TIMEOUT,
            retry: RetryPolicy::default(),
            user_agent_suffix: None,
            proxy: ProxySetting::FromEnv,
            max_body_size: DEFAULT_MAX_BODY_SIZE,
            plain_http_hosts: Vec::new(),
            rate_limit: RateLimitSetting::Default,
            root_certificates: Vec::new(),
            #[cfg(feature = "platform-verifier")]
            platform_verifier: false,
        }
    }
}

impl fmt::Debug for ClientBuilder {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ClientBuilder")
            .field("target", &self.target)
            .field("credentials", &self.credentials)
            .field("timeout", &self.timeout)
            .field("retry", &self.retry)
            .field("rate_limit", &self.rate_limit)
            .finish_non_exhaustive()
    }
}

impl ClientBuilder {
    /// Sends requests to a Sauce Labs region.
    pub fn region(mut self, region: Region) -> Self {
        self.target = Target::Region(region);
        self
    }

    /// Uses the region named by `SAUCE_REGION`, if it is set.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when the variable holds an unknown name.
    pub fn region_from_env(self) -> Result<Self, Error> {
        let name = std::env::var(REGION_VAR).ok();
        match non_blank(name.as_deref()) {
            None => Ok(self),
            Some(name) => {
                let region = name.parse::<Region>().map_err(|error| Error::config(format!("{REGION_VAR}: {error}")))?;
                Ok(self.region(region))
            }
        }
    }

    /// Sends requests to a custom base URL instead of a region: a proxy, a staging stack or
    /// the [sandbox](crate#the-sandbox). `http://` is only accepted for loopback hosts unless
    /// the host is named in [`ClientBuilder::allow_plain_http_for`].
    pub fn base_url(mut self, url: impl Into<String>) -> Self {
        self.target = Target::BaseUrl(url.into());
        self
    }

    /// Allows plain `http://` to `host`, which is not loopback. Credentials then cross the
    /// network unencrypted: only for hosts you control.
    pub fn allow_plain_http_for(mut self, host: impl Into<String>) -> Self {
        self.plain_http_hosts.push(host.into().to_ascii_lowercase());
        self
    }

    /// The username and access key to authenticate with.
    pub fn credentials(mut self, credentials: Credentials) -> Self {
        self.credentials = Some(credentials);
        self
    }

    /// The overall time one attempt may take, from connecting to the end of the body. Any
    /// length is accepted: longer than a hundred years (`Duration::MAX`) counts as a hundred
    /// years.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.timeout = timeout.min(FARTHEST);
        self
    }

    /// The time connecting may take (at most a hundred years, like [`ClientBuilder::timeout`]).
    pub fn connect_timeout(mut self, timeout: Duration) -> Self {
        self.connect_timeout = timeout.min(FARTHEST);
        self
    }

    /// How failed idempotent requests are retried; [`RetryPolicy::none`] turns retries off.
    pub fn retry_policy(mut self, retry: RetryPolicy) -> Self {
        self.retry = retry;
        self
    }

    /// Appended to the `User-Agent` (`sauce-accounts/<version> <suffix>`), to tell your
    /// tool's traffic apart.
    pub fn user_agent_suffix(mut self, suffix: impl Into<String>) -> Self {
        self.user_agent_suffix = Some(suffix.into());
        self
    }

    /// Sends every request through this HTTP(S) proxy (`http://host:port`). By default the
    /// proxy comes from `HTTPS_PROXY` / `HTTP_PROXY` / `ALL_PROXY`. Loopback base URLs are
    /// always reached directly.
    pub fn proxy(mut self, url: impl Into<String>) -> Self {
        self.proxy = ProxySetting::Url(url.into());
        self
    }

    /// Connects directly, ignoring the proxy environment variables.
    pub fn no_proxy(mut self) -> Self {
        self.proxy = ProxySetting::None;
        self
    }

    /// The largest response body accepted, in bytes (10 MiB by default).
    pub fn max_body_size(mut self, bytes: u64) -> Self {
        self.max_body_size = bytes;
        self
    }

    /// Keeps every clone of the client within this request budget (see [`RateLimit`]).
    ///
    /// By default a client of a Sauce Labs region, or of any base URL that is not loopback,
    /// keeps to [`RateLimit::documented`]; a loopback base URL (the sandbox, a local mock) is
    /// not limited.
    pub fn rate_limit(mut self, limit: RateLimit) -> Self {
        self.rate_limit = RateLimitSetting::On(limit);
        self
    }

    /// Sends requests as fast as they come: no client-side budget. The service still answers
    /// 429 past its limits, and idempotent calls still wait out its `Retry-After`.
    pub fn no_rate_limit(mut self) -> Self {
        self.rate_limit = RateLimitSetting::Off;
        self
    }

    /// Trusts the certificate authorities in this PEM text (one or more `CERTIFICATE`
    /// blocks; call again to add more) instead of the bundled web roots: for a company proxy
    /// that inspects TLS with its own CA, or a private deployment. Bad PEM fails `build()`.
    pub fn root_certificates_pem(mut self, pem: impl Into<Vec<u8>>) -> Self {
        self.root_certificates.push(pem.into());
        self
    }

    /// Verifies certificates with the operating system's trust store and verifier instead of
    /// the bundled web roots (the `platform-verifier` feature): what a company's managed
    /// machines trust, TLS-inspecting proxies included.
    #[cfg(feature = "platform-verifier")]
    pub fn platform_trust_store(mut self) -> Self {
        self.platform_verifier = true;
        self
    }

    /// Builds the client.
    ///
    /// # Errors
    ///
    /// [`Error::Config`] when credentials are missing; the base URL or proxy is invalid, a
    /// SOCKS proxy (set here or in `ALL_PROXY`, which this build cannot use), or plain
    /// `http://` to a host that is not loopback; the user-agent suffix holds control
    /// characters; or a root certificate is not valid PEM.
    pub fn build(self) -> Result<Client, Error> {
        let credentials = self.credentials.clone().ok_or_else(|| {
            Error::config("no credentials: call ClientBuilder::credentials, or use Client::from_env with SAUCE_USERNAME and SAUCE_ACCESS_KEY set")
        })?;
        if credentials.username().is_empty() || credentials.access_key().is_empty() {
            return Err(Error::config("the username and the access key must not be empty"));
        }
        let origin = match &self.target {
            Target::Region(region) => parse_origin(&region.base_url(), &[])?,
            Target::BaseUrl(url) => parse_origin(url, &self.plain_http_hosts)?,
        };
        let proxy = match &self.proxy {
            // A loopback service (the sandbox, a local mock) is never reached through a proxy.
            _ if origin.is_loopback() => None,
            ProxySetting::FromEnv => ureq::Proxy::try_from_env(),
            ProxySetting::None => None,
            ProxySetting::Url(url) => Some(
                ureq::Proxy::new(url)
                    .map_err(|error| Error::config(format!("invalid proxy {:?}: {error}", without_userinfo(url))))?,
            ),
        };
        if let Some(proxy) = &proxy
            && !matches!(proxy.protocol(), ureq::ProxyProtocol::Http | ureq::ProxyProtocol::Https)
        {
            let source = if proxy.is_from_env() { " (from ALL_PROXY / HTTPS_PROXY / HTTP_PROXY)" } else { "" };
            return Err(Error::config(format!(
                "the proxy {}:{}{source} is a {} proxy, which this client does not support: use an HTTP(S) \
                 proxy, or ClientBuilder::no_proxy to connect directly",
                proxy.host(),
                proxy.port(),
                proxy.protocol()
            )));
        }
        let user_agent = match &self.user_agent_suffix {
            Some(suffix) if suffix.chars().any(char::is_control) => {
                return Err(Error::config(
                    "the user-agent suffix must not contain control characters (such as CR or LF)",
                ));
            }
            Some(suffix) => format!("sauce-accounts/{} {suffix}", env!("CARGO_PKG_VERSION")),
            None => format!("sauce-accounts/{}", env!("CARGO_PKG_VERSION")),
        };
        let rate_limit = match self.rate_limit {
            RateLimitSetting::Default if origin.is_loopback() => None,
            RateLimitSetting::Default => Some(RateLimit::documented()),
            RateLimitSetting::Off => None,
            RateLimitSetting::On(limit) => Some(limit),
        };
        let config = ureq::Agent::config_builder()
            .http_status_as_error(false)
            // Redirects are followed by the transport itself, which knows which ones are safe.
            .max_redirects(0)
            .timeout_global(Some(self.timeout))
            .timeout_connect(Some(self.connect_timeout))
            .user_agent(user_agent.as_str())
            .proxy(proxy)
            .tls_config(self.tls_config()?)
            .build();
        let authorization = crate::Secret::new(credentials.basic_auth_header());
        let mut authorization_header = ureq::http::HeaderValue::from_str(authorization.expose())
            .map_err(|_| Error::config("the username or access key holds characters an HTTP header cannot carry"))?;
        authorization_header.set_sensitive(true);
        let resolver = Arc::new(crate::resolver::CachingResolver::default());
        let agent = ureq::Agent::with_parts(
            config,
            ureq::unversioned::transport::DefaultConnector::default(),
            SharedResolver(resolver.clone()),
        );
        Ok(Client {
            inner: Arc::new(Inner {
                agent,
                resolver,
                authorization_header,
                base_url: origin.base_url(),
                origin,
                credentials,
                authorization,
                retry: self.retry,
                max_body_size: self.max_body_size,
                timeout: self.timeout,
                limiter: Limiter::new(rate_limit),
            }),
        })
    }

    fn tls_config(&self) -> Result<ureq::tls::TlsConfig, Error> {
        use ureq::tls::{Certificate, PemItem, RootCerts, TlsConfig};
        #[cfg(feature = "platform-verifier")]
        if self.platform_verifier {
            return Ok(TlsConfig::builder().root_certs(RootCerts::PlatformVerifier).build());
        }
        if self.root_certificates.is_empty() {
            return Ok(TlsConfig::default());
        }
        let mut certificates: Vec<Certificate<'static>> = Vec::new();
        for pem in &self.root_certificates {
            let before = certificates.len();
            for item in ureq::tls::parse_pem(pem) {
                match item {
                    Ok(PemItem::Certificate(certificate)) => certificates.push(certificate),
                    Ok(_) => {}
                    Err(error) => return Err(Error::config(format!("a root certificate is not valid PEM: {error}"))),
                }
            }
            if certificates.len() == before {
                return Err(Error::config("a root certificate PEM holds no CERTIFICATE block"));
            }
        }
        Ok(TlsConfig::builder().root_certs(RootCerts::new_with_certs(&certificates)).build())
    }
}

/// The client's resolver, shared with the agent so the client can read its counts.
#[derive(Debug)]
struct SharedResolver(Arc<crate::resolver::CachingResolver>);

impl ureq::unversioned::resolver::Resolver for SharedResolver {
    fn resolve(
        &self,
        uri: &ureq::http::Uri,
        config: &ureq::config::Config,
        timeout: ureq::unversioned::transport::NextTimeout,
    ) -> Result<ureq::unversioned::resolver::ResolvedSocketAddrs, ureq::Error> {
        self.0.resolve(uri, config, timeout)
    }
}

/// A URL with any `user:password@` removed, for messages.
fn without_userinfo(url: &str) -> String {
    match url.split_once("://") {
        Some((scheme, rest)) => {
            let authority_end = rest.find('/').unwrap_or(rest.len());
            match rest[..authority_end].rfind('@') {
                Some(at) => format!("{scheme}://***@{}", &rest[at + 1..]),
                None => url.to_string(),
            }
        }
        None => match url.rfind('@') {
            Some(at) => format!("***@{}", &url[at + 1..]),
            None => url.to_string(),
        },
    }
}

fn parse_origin(url: &str, plain_http_hosts: &[String]) -> Result<Origin, Error> {
    // The URL is quoted without any `user:password@`, which must never reach a message.
    let invalid = |why: &str| Error::config(format!("invalid base URL {:?}: {why}", without_userinfo(url)));
    let uri: ureq::http::Uri = url.trim().parse().map_err(|_| invalid("not a URL"))?;
    let scheme =
        uri.scheme_str().ok_or_else(|| invalid("it needs https:// (or http:// for loopback)"))?.to_ascii_lowercase();
    let authority = uri.authority().ok_or_else(|| invalid("it has no host"))?;
    if authority.as_str().contains('@') {
        return Err(invalid("credentials do not belong in the URL; use ClientBuilder::credentials"));
    }
    if uri.query().is_some() {
        return Err(invalid("it must not have a query string"));
    }
    let host = authority.host().trim_start_matches('[').trim_end_matches(']').to_ascii_lowercase();
    match scheme.as_str() {
        "https" => {}
        "http" if is_loopback(&host) || plain_http_hosts.contains(&host) => {}
        "http" => {
            return Err(invalid(&format!(
                "plain http:// would send the access key unencrypted to {host}; use https://, or opt in with ClientBuilder::allow_plain_http_for(\"{host}\")"
            )));
        }
        other => return Err(invalid(&format!("scheme {other} is not supported"))),
    }
    Ok(Origin {
        scheme,
        authority: authority.as_str().to_ascii_lowercase(),
        prefix: uri.path().trim_end_matches('/').to_string(),
    })
}

fn is_loopback(host: &str) -> bool {
    host == "localhost" || host.ends_with(".localhost") || host.parse::<IpAddr>().is_ok_and(|ip| ip.is_loopback())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn origins_keep_scheme_authority_and_prefix() {
        let origin = parse_origin("http://127.0.0.1:8080/prefix/", &[]).unwrap();
        assert_eq!(
            origin,
            Origin { scheme: "http".into(), authority: "127.0.0.1:8080".into(), prefix: "/prefix".into() }
        );
        assert_eq!(parse_origin("http://[::1]:9/", &[]).unwrap().authority, "[::1]:9");
    }

    #[test]
    fn loopback_origins_are_recognised() {
        for url in ["http://127.0.0.1:8080", "http://localhost", "http://[::1]:9", "http://sandbox.localhost:1"] {
            assert!(parse_origin(url, &[]).unwrap().is_loopback(), "{url}");
        }
        assert!(!parse_origin("https://api.us-west-1.saucelabs.com", &[]).unwrap().is_loopback());
    }

    #[test]
    fn plain_http_needs_loopback_or_an_explicit_opt_in() {
        let error = parse_origin("http://proxy.internal:8080", &[]).unwrap_err().to_string();
        assert!(error.contains("allow_plain_http_for(\"proxy.internal\")"), "{error}");
        assert!(parse_origin("http://proxy.internal:8080", &["proxy.internal".into()]).is_ok());
        assert!(parse_origin("http://localhost:1", &[]).is_ok());
        assert!(parse_origin("ftp://example.com", &[]).is_err());
        assert!(parse_origin("https://user:key@example.com", &[]).is_err());
        assert!(parse_origin("not a url", &[]).is_err());
    }
}
