//! Discovery: which (address, port) pairs are open.
//!
//! [`Discoverer`] is the interface; [`ConnectDiscoverer`] is its first implementation (a TCP
//! connect scan that needs no privileges). A stateless SYN engine and UDP discovery will be other
//! implementations of the same trait.
//!
//! Order and streaming: hosts are assigned to blocks of [`BLOCK_HOSTS`] through a keyed
//! permutation of the whole scope (so a block is not a contiguous subnet), and inside a block
//! every (host × port) pair is visited in a second permuted order. When a block is finished its
//! hosts with open ports are emitted, so identification starts long before a large scope is
//! swept, and memory stays bounded by one block.
//!
//! Politeness and back-pressure: a global token bucket (`--rate`), a global in-flight bound
//! (`--concurrency`, kept well below the open-file limit, which is raised to its hard maximum at
//! start), and a per-host in-flight bound. Resource exhaustion on our side (EMFILE, ENFILE,
//! EADDRNOTAVAIL, ENOBUFS) is back-pressure: the probe is retried later and concurrency shrinks;
//! it is never a crash and never counted as "closed". Sockets close with an RST (SO_LINGER 0) so
//! a sweep does not fill the ephemeral port range with TIME_WAIT entries.

#[cfg(test)]
mod tests;

use crate::error::{Error, ErrorKind, Result};
use crate::net::BoxFuture;
use camwarden_core::order::Permutation;
use camwarden_core::scope::ScopeSet;
use governor::{Quota, RateLimiter};
use std::net::{IpAddr, Ipv4Addr, SocketAddr, SocketAddrV4};
use std::num::NonZeroU32;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::sync::{Semaphore, mpsc};
use tokio::time::Instant;
use tokio_util::sync::CancellationToken;

/// Times a probe that hit resource exhaustion on our side is retried before it is given up.
pub const MAX_RETRIES: u8 = 8;

/// Hosts per block (see the module documentation).
pub const BLOCK_HOSTS: u64 = 1024;

/// Discovery settings.
#[derive(Debug, Clone)]
pub struct DiscoverConfig {
    pub ports: Vec<u16>,
    /// Connection attempts per second, all hosts together.
    pub rate: u32,
    /// Attempts in flight at once.
    pub concurrency: usize,
    /// Attempts in flight to one host at once.
    pub per_host: usize,
    pub connect_timeout: Duration,
    /// Seed of the randomised order.
    pub seed: u64,
}

/// What discovery reports.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum DiscoveryEvent {
    /// A host with at least one open port (ports sorted).
    Host {
        ip: Ipv4Addr,
        open: Vec<u16>,
    },
    Progress {
        probed: u64,
        total: u64,
        open: u64,
    },
}

/// Totals of a sweep.
#[derive(Debug, Clone, Default)]
pub struct DiscoverStats {
    pub probed: u64,
    pub open: u64,
    pub hosts_up: u64,
    /// Times our side ran out of resources and slowed down.
    pub backoffs: u64,
    pub elapsed: Duration,
}

/// A discovery method.
pub trait Discoverer: Send + Sync {
    fn run<'a>(
        &'a self,
        scope: &'a ScopeSet,
        cfg: &'a DiscoverConfig,
        tx: mpsc::Sender<DiscoveryEvent>,
        cancel: CancellationToken,
    ) -> BoxFuture<'a, Result<DiscoverStats>>;
}

/// TCP connect discovery.
#[derive(Debug, Default, Clone, Copy)]
pub struct ConnectDiscoverer;

/// Outcome of one connect.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Probe {
    Open,
    Closed,
    /// Our side ran out of sockets or ports: retry later.
    Exhausted,
}

async fn probe(addr: SocketAddrV4, timeout: Duration) -> Probe {
    // SO_LINGER 0: close sends an RST, so a sweep leaves no TIME_WAIT pile-up (a zero linger
    // never blocks on drop, unlike a positive one).
    let raw = match socket2::Socket::new(socket2::Domain::IPV4, socket2::Type::STREAM, None) {
        Ok(s) => s,
        Err(e) => return classify(&e),
    };
    let _ = raw.set_linger(Some(Duration::ZERO));
    if let Err(e) = raw.set_nonblocking(true) {
        return classify(&e);
    }
    let sock = tokio::net::TcpSocket::from_std_stream(std::net::TcpStream::from(raw));
    match tokio::time::timeout(timeout, sock.connect(SocketAddr::V4(addr))).await {
        Ok(Ok(_stream)) => Probe::Open,
        Ok(Err(e)) => classify(&e),
        Err(_) => Probe::Closed, // filtered: no answer in time
    }
}

fn classify(e: &std::io::Error) -> Probe {
    match e.raw_os_error() {
        // EMFILE, ENFILE, EADDRNOTAVAIL, ENOBUFS, EAGAIN (no ephemeral ports)
        Some(24) | Some(23) | Some(99) | Some(105) | Some(11) => Probe::Exhausted,
        _ => Probe::Closed,
    }
}

/// Raise the open-file limit to its hard maximum; returns the soft limit now in force.
pub fn raise_fd_limit() -> u64 {
    rlimit::increase_nofile_limit(u64::MAX).unwrap_or(1024)
}

impl Discoverer for ConnectDiscoverer {
    fn run<'a>(
        &'a self,
        scope: &'a ScopeSet,
        cfg: &'a DiscoverConfig,
        tx: mpsc::Sender<DiscoveryEvent>,
        cancel: CancellationToken,
    ) -> BoxFuture<'a, Result<DiscoverStats>> {
        Box::pin(sweep(scope, cfg, tx, cancel))
    }
}

async fn sweep(
    scope: &ScopeSet,
    cfg: &DiscoverConfig,
    tx: mpsc::Sender<DiscoveryEvent>,
    cancel: CancellationToken,
) -> Result<DiscoverStats> {
    let started = Instant::now();
    if cfg.ports.is_empty() {
        return Err(Error::new(ErrorKind::InvalidArgument, "no ports to probe"));
    }
    let fd_limit = raise_fd_limit();
    // Leave room for the identification and check connections that run alongside.
    let max_inflight = (fd_limit.saturating_sub(512) / 2).max(16) as usize;
    let concurrency = cfg.concurrency.clamp(1, max_inflight);
    let global = Arc::new(Semaphore::new(concurrency));
    let shrunk = Arc::new(AtomicUsize::new(0));
    let rate = NonZeroU32::new(cfg.rate.max(1)).unwrap_or(NonZeroU32::MIN);
    let limiter =
        RateLimiter::direct(Quota::per_second(rate).allow_burst(
            NonZeroU32::new((cfg.rate / 20).clamp(1, 1000)).unwrap_or(NonZeroU32::MIN),
        ));
    let nports = cfg.ports.len() as u64;
    let hosts = scope.len();
    let total = hosts * nports;
    let host_order = Permutation::new(hosts, cfg.seed);
    let probed = Arc::new(AtomicU64::new(0));
    let open_count = Arc::new(AtomicU64::new(0));
    let backoffs = Arc::new(AtomicU64::new(0));
    let mut hosts_up = 0u64;
    let mut last_progress = Instant::now();

    let blocks = hosts.div_ceil(BLOCK_HOSTS);
    'blocks: for b in 0..blocks {
        let first = b * BLOCK_HOSTS;
        let count = (hosts - first).min(BLOCK_HOSTS);
        let block_hosts: Vec<Ipv4Addr> = (first..first + count)
            .filter_map(|i| scope.nth(host_order.get(i)))
            .collect();
        let per_host: Vec<Arc<Semaphore>> = block_hosts
            .iter()
            .map(|_| Arc::new(Semaphore::new(cfg.per_host.max(1))))
            .collect();
        let found: Arc<Mutex<Vec<Vec<u16>>>> =
            Arc::new(Mutex::new(vec![Vec::new(); block_hosts.len()]));
        let pairs = block_hosts.len() as u64 * nports;
        let order = Permutation::new(pairs, cfg.seed ^ (b.wrapping_mul(0x9E37_79B9_7F4A_7C15)));
        let mut tasks = tokio::task::JoinSet::new();
        let mut retry: Vec<u64> = Vec::new();
        // Attempts per pair that hit exhaustion; a pair is given up after MAX_RETRIES.
        let mut attempts: std::collections::HashMap<u64, u8> = std::collections::HashMap::new();
        let mut queue: Box<dyn Iterator<Item = u64> + Send> =
            Box::new(order.iter().collect::<Vec<_>>().into_iter());
        loop {
            let Some(j) = queue.next() else {
                // Drain, then retry what hit back-pressure.
                while let Some(r) = tasks.join_next().await {
                    if let Ok(Some(j)) = r {
                        retry.push(j);
                    }
                }
                retry.retain(|j| {
                    let n = attempts.entry(*j).or_insert(0);
                    *n += 1;
                    *n <= MAX_RETRIES
                });
                if retry.is_empty() || cancel.is_cancelled() {
                    break;
                }
                backoffs.fetch_add(1, Ordering::Relaxed);
                tokio::time::sleep(Duration::from_millis(100)).await;
                queue = Box::new(std::mem::take(&mut retry).into_iter());
                continue;
            };
            if cancel.is_cancelled() {
                break 'blocks;
            }
            let h = (j / nports) as usize;
            let port = cfg.ports[(j % nports) as usize];
            let ip = block_hosts[h];
            // Defence in depth: the scope is checked again right before any packet.
            if !scope.contains(IpAddr::V4(ip)) {
                continue;
            }
            limiter.until_ready().await;
            let host_permit = per_host[h].clone().acquire_owned().await;
            let permit = global.clone().acquire_owned().await;
            let (Ok(host_permit), Ok(permit)) = (host_permit, permit) else {
                break 'blocks;
            };
            let found = found.clone();
            let probed_t = probed.clone();
            let open_t = open_count.clone();
            let timeout = cfg.connect_timeout;
            let global2 = global.clone();
            let shrunk2 = shrunk.clone();
            tasks.spawn(async move {
                let outcome = probe(SocketAddrV4::new(ip, port), timeout).await;
                drop(host_permit);
                match outcome {
                    Probe::Exhausted => {
                        // Shrink concurrency by forgetting this permit (down to a floor).
                        if global2.available_permits() + 16 < concurrency
                            && shrunk2.load(Ordering::Relaxed) < concurrency.saturating_sub(16)
                        {
                            permit.forget();
                            shrunk2.fetch_add(1, Ordering::Relaxed);
                        }
                        Some(j)
                    }
                    Probe::Open => {
                        probed_t.fetch_add(1, Ordering::Relaxed);
                        open_t.fetch_add(1, Ordering::Relaxed);
                        if let Ok(mut f) = found.lock() {
                            f[h].push(port);
                        }
                        None
                    }
                    Probe::Closed => {
                        probed_t.fetch_add(1, Ordering::Relaxed);
                        None
                    }
                }
            });
            // Reap finished tasks without waiting, collecting retries.
            while let Some(r) = tasks.try_join_next() {
                if let Ok(Some(j)) = r {
                    retry.push(j);
                }
            }
            if last_progress.elapsed() >= Duration::from_millis(100) {
                last_progress = Instant::now();
                let _ = tx.try_send(DiscoveryEvent::Progress {
                    probed: probed.load(Ordering::Relaxed),
                    total,
                    open: open_count.load(Ordering::Relaxed),
                });
            }
        }
        let found = std::mem::take(&mut *found.lock().unwrap_or_else(|p| p.into_inner()));
        for (ip, mut open) in block_hosts.into_iter().zip(found) {
            if open.is_empty() {
                continue;
            }
            open.sort_unstable();
            open.dedup();
            hosts_up += 1;
            if tx.send(DiscoveryEvent::Host { ip, open }).await.is_err() {
                break 'blocks;
            }
        }
    }
    let _ = tx
        .send(DiscoveryEvent::Progress {
            probed: probed.load(Ordering::Relaxed),
            total,
            open: open_count.load(Ordering::Relaxed),
        })
        .await;
    Ok(DiscoverStats {
        probed: probed.load(Ordering::Relaxed),
        open: open_count.load(Ordering::Relaxed),
        hosts_up,
        backoffs: backoffs.load(Ordering::Relaxed),
        elapsed: started.elapsed(),
    })
}

/// The default port list from the built-in `data/ports.toml`.
pub fn default_ports() -> Vec<u16> {
    ports_from_toml(include_str!("../../../../data/ports.toml")).unwrap_or_else(|_| vec![80, 554])
}

/// Ports listed in a ports.toml (`[[port]] port = N`).
pub fn ports_from_toml(text: &str) -> Result<Vec<u16>> {
    #[derive(serde::Deserialize)]
    struct File {
        port: Vec<Entry>,
    }
    #[derive(serde::Deserialize)]
    struct Entry {
        port: u16,
    }
    let f: File = toml::from_str(text)
        .map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("ports.toml: {e}")))?;
    let mut v: Vec<u16> = f
        .port
        .into_iter()
        .map(|e| e.port)
        .filter(|p| *p != 0)
        .collect();
    v.dedup();
    Ok(v)
}

/// Parse a port list such as `80,554,8000-8010`.
pub fn parse_ports(spec: &str) -> Result<Vec<u16>> {
    let bad = |t: &str| {
        Error::new(
            ErrorKind::InvalidArgument,
            format!("{t:?} is not a port (1-65535) or a range of ports"),
        )
    };
    let mut out = Vec::new();
    for tok in spec.split(',').map(str::trim).filter(|t| !t.is_empty()) {
        let (a, b) = match tok.split_once('-') {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (tok, tok),
        };
        let a: u16 = a.parse().ok().filter(|p| *p > 0).ok_or_else(|| bad(tok))?;
        let b: u16 = b.parse().ok().filter(|p| *p > 0).ok_or_else(|| bad(tok))?;
        if b < a {
            return Err(bad(tok));
        }
        out.extend(a..=b);
    }
    if out.is_empty() {
        return Err(Error::new(ErrorKind::InvalidArgument, "empty port list"));
    }
    let mut seen = std::collections::HashSet::new();
    out.retain(|p| seen.insert(*p));
    Ok(out)
}
