//! Name resolution for the client's agent.
//!
//! ureq resolves the host before it looks in its connection pool, and with a timeout set it
//! resolves on a fresh thread, so every call (kept-alive ones too) would pay a thread and a
//! name lookup. This resolver answers IP literals at once and reuses a host's addresses for
//! [`ADDRESS_TTL`]; only a real lookup, at most once a minute per host, runs on a helper
//! thread, which keeps the timeout. A failed lookup is reported as an unknown host, not as
//! an I/O error, so the error can name the host and no retry is spent on it.
//!
//! It uses ureq's `unversioned` resolver API, which may change in any minor release: that is
//! why `Cargo.toml` pins ureq to 3.5.x.

use std::collections::HashMap;
use std::net::{IpAddr, SocketAddr, ToSocketAddrs};
use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::mpsc;
use std::time::{Duration, Instant};

use ureq::config::Config;
use ureq::http::Uri;
use ureq::unversioned::resolver::{ResolvedSocketAddrs, Resolver};
use ureq::unversioned::transport::NextTimeout;

/// How long a host's addresses are reused before they are looked up again.
pub const ADDRESS_TTL: Duration = Duration::from_secs(60);

/// The most addresses ureq keeps per host.
const MAX_ADDRESSES: usize = 16;

/// The most hosts remembered (a client talks to one or two).
const MAX_HOSTS: usize = 32;

#[derive(Debug, Default)]
pub(crate) struct CachingResolver {
    cache: Mutex<HashMap<String, (Vec<SocketAddr>, Instant)>>,
    /// Name lookups made (cache misses), and helper threads started for them.
    lookups: AtomicU64,
    threads: AtomicU64,
}

/// How often a [`Client`](crate::Client) resolved host names, from
/// [`Client::name_resolution_stats`](crate::Client::name_resolution_stats).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct NameResolutionStats {
    /// Name lookups made: one per host and [`ADDRESS_TTL`] (60 s); none for IP literals.
    pub lookups: u64,
    /// Helper threads started for lookups (a lookup with a timeout runs on one).
    pub threads: u64,
}

impl CachingResolver {
    pub(crate) fn stats(&self) -> NameResolutionStats {
        NameResolutionStats {
            lookups: self.lookups.load(Ordering::Relaxed),
            threads: self.threads.load(Ordering::Relaxed),
        }
    }

    fn lookup(&self, target: &str, timeout: &NextTimeout) -> Result<Vec<SocketAddr>, ureq::Error> {
        self.lookups.fetch_add(1, Ordering::Relaxed);
        let found = if timeout.after.is_not_happening() {
            target.to_socket_addrs().map(Iterator::collect)
        } else {
            // std has no lookup with a timeout: wait for a helper thread, at most that long.
            self.threads.fetch_add(1, Ordering::Relaxed);
            let (sender, receiver) = mpsc::sync_channel(1);
            let owned = target.to_string();
            std::thread::spawn(move || sender.send(owned.to_socket_addrs().map(Iterator::collect::<Vec<_>>)));
            match receiver.recv_timeout(*timeout.after) {
                Ok(found) => found,
                Err(_) => return Err(ureq::Error::Timeout(timeout.reason)),
            }
        };
        found.map_err(|_| ureq::Error::HostNotFound)
    }
}

fn default_port(scheme: Option<&str>) -> u16 {
    match scheme {
        Some("http") => 80,
        Some(scheme) if scheme.starts_with("socks") => 1080,
        _ => 443,
    }
}

impl Resolver for CachingResolver {
    fn resolve(&self, uri: &Uri, config: &Config, timeout: NextTimeout) -> Result<ResolvedSocketAddrs, ureq::Error> {
        let authority = uri.authority().ok_or(ureq::Error::HostNotFound)?;
        let port = authority.port_u16().unwrap_or_else(|| default_port(uri.scheme_str()));
        let host = authority.host().trim_start_matches('[').trim_end_matches(']');
        let addresses: Vec<SocketAddr> = match host.parse::<IpAddr>() {
            Ok(ip) => vec![SocketAddr::new(ip, port)],
            Err(_) => {
                let target = format!("{host}:{port}");
                let now = Instant::now();
                let cached = {
                    let cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                    cache.get(&target).filter(|(_, expires)| *expires > now).map(|(addresses, _)| addresses.clone())
                };
                match cached {
                    Some(addresses) => addresses,
                    None => {
                        let addresses = self.lookup(&target, &timeout)?;
                        let mut cache = self.cache.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
                        if cache.len() >= MAX_HOSTS {
                            cache.clear();
                        }
                        cache.insert(target, (addresses.clone(), now + ADDRESS_TTL));
                        addresses
                    }
                }
            }
        };
        let mut resolved = self.empty();
        for address in config.ip_family().keep_wanted(addresses.into_iter()).take(MAX_ADDRESSES) {
            resolved.push(address);
        }
        if resolved.is_empty() { Err(ureq::Error::HostNotFound) } else { Ok(resolved) }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn resolve(resolver: &CachingResolver, uri: &str) -> Result<Vec<SocketAddr>, ureq::Error> {
        let uri: Uri = uri.parse().unwrap();
        let timeout = NextTimeout {
            after: ureq::unversioned::transport::time::Duration::Exact(Duration::from_secs(5)),
            reason: ureq::Timeout::Resolve,
            per_read: None,
            per_write: None,
        };
        resolver.resolve(&uri, &Config::default(), timeout).map(|found| found.iter().copied().collect())
    }

    #[test]
    fn ip_literals_need_no_lookup() {
        let resolver = CachingResolver::default();
        assert_eq!(resolve(&resolver, "http://127.0.0.1:8080/x").unwrap(), vec!["127.0.0.1:8080".parse().unwrap()]);
        assert_eq!(resolve(&resolver, "https://[::1]/").unwrap(), vec!["[::1]:443".parse().unwrap()]);
        assert_eq!(resolver.stats(), NameResolutionStats { lookups: 0, threads: 0 });
    }

    #[test]
    fn a_host_is_looked_up_once_then_reused() {
        let resolver = CachingResolver::default();
        let first = resolve(&resolver, "http://localhost:9/").unwrap();
        for _ in 0..5 {
            assert_eq!(resolve(&resolver, "http://localhost:9/").unwrap(), first);
        }
        assert_eq!(resolver.stats(), NameResolutionStats { lookups: 1, threads: 1 });
    }

    #[test]
    fn an_unknown_host_is_host_not_found() {
        let resolver = CachingResolver::default();
        assert!(matches!(resolve(&resolver, "https://no-such-host.invalid/"), Err(ureq::Error::HostNotFound)));
    }
}
