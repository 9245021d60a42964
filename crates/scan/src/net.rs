//! The network seam. All connections are opened through [`Net`], which
//! - checks the destination against the scope (and refuses, sending nothing, when it is outside),
//! - applies the connect timeout,
//! - hands back a [`Stream`] that may be plain TCP or TLS,
//!
//! and [`Conn`] reads replies under byte and time budgets. Tests swap the [`Dial`] implementation
//! to talk to in-memory peers.

use crate::error::{Error, ErrorKind, Result};
use camwarden_core::scope::ScopeSet;
use std::future::Future;
use std::net::{IpAddr, SocketAddr, SocketAddrV4};
use std::pin::Pin;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::time::Instant;

/// A byte stream to a device.
pub trait AsyncStream: AsyncRead + AsyncWrite + Unpin + Send {}
impl<T: AsyncRead + AsyncWrite + Unpin + Send> AsyncStream for T {}

pub type Stream = Box<dyn AsyncStream>;
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// How connections are made. The production implementation is [`TcpDial`]; tests may provide
/// in-memory peers.
pub trait Dial: Send + Sync {
    fn dial(&self, addr: SocketAddrV4, timeout: Duration) -> BoxFuture<'_, Result<Stream>>;
}

/// Plain TCP connect with a timeout. Sockets are closed with an RST after use only by the
/// discovery engine (which owns its sockets); probe connections close normally.
#[derive(Debug, Default)]
pub struct TcpDial;

impl Dial for TcpDial {
    fn dial(&self, addr: SocketAddrV4, timeout: Duration) -> BoxFuture<'_, Result<Stream>> {
        Box::pin(async move {
            match tokio::time::timeout(timeout, tokio::net::TcpStream::connect(addr)).await {
                Err(_) => Err(Error::timeout(format!("connect {addr}"))),
                Ok(Err(e)) => Err(Error::from_io(&e, &format!("connect {addr}"))),
                Ok(Ok(s)) => {
                    let _ = s.set_nodelay(true);
                    Ok(Box::new(s) as Stream)
                }
            }
        })
    }
}

/// Time and byte budgets for one exchange.
#[derive(Debug, Clone, Copy)]
pub struct Limits {
    pub connect_timeout: Duration,
    /// Whole-exchange deadline (write request + read full reply): defeats tarpits.
    pub exchange_timeout: Duration,
    /// Maximum bytes of a reply's status line and headers: defeats endless headers.
    pub max_head: usize,
    /// Maximum bytes of a reply body kept; the rest is not read.
    pub max_body: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            connect_timeout: Duration::from_millis(1500),
            exchange_timeout: Duration::from_secs(4),
            max_head: 32 * 1024,
            max_body: 256 * 1024,
        }
    }
}

/// Counters of what the scanner sent, for the summary and for tests.
#[derive(Debug, Default)]
pub struct NetStats {
    pub connects: AtomicU64,
    pub refused_out_of_scope: AtomicU64,
}

/// Certificate chains seen on TLS connections, by address.
pub type CertLog = Arc<Mutex<Vec<(SocketAddrV4, Vec<Vec<u8>>)>>>;

/// The scoped connector every probe and check uses.
#[derive(Clone)]
pub struct Net {
    scope: Arc<ScopeSet>,
    dial: Arc<dyn Dial>,
    pub limits: Limits,
    pub stats: Arc<NetStats>,
    tls: Arc<rustls::ClientConfig>,
    /// Certificates seen on TLS connections, keyed by address, for identification and checks.
    pub certs: CertLog,
}

impl Net {
    pub fn new(scope: Arc<ScopeSet>, dial: Arc<dyn Dial>, limits: Limits) -> Self {
        Net {
            scope,
            dial,
            limits,
            stats: Arc::default(),
            tls: Arc::new(crate::proto::tls::permissive_client_config()),
            certs: Arc::default(),
        }
    }

    /// A `Net` over real TCP.
    pub fn tcp(scope: Arc<ScopeSet>, limits: Limits) -> Self {
        Self::new(scope, Arc::new(TcpDial), limits)
    }

    pub fn scope(&self) -> &ScopeSet {
        &self.scope
    }

    /// Is this address one we may touch?
    pub fn in_scope(&self, ip: IpAddr) -> bool {
        self.scope.contains(ip)
    }

    /// Check a destination named by a device (redirect, XAddr, Location) before following it.
    pub fn check(&self, addr: SocketAddr) -> Result<SocketAddrV4> {
        match addr {
            SocketAddr::V4(v4) if self.scope.contains(IpAddr::V4(*v4.ip())) => Ok(v4),
            _ => {
                self.stats
                    .refused_out_of_scope
                    .fetch_add(1, Ordering::Relaxed);
                Err(Error::new(
                    ErrorKind::OutOfScope,
                    format!("{addr} is outside the declared scope; not contacted"),
                ))
            }
        }
    }

    /// Open a plain connection to an in-scope address.
    pub async fn connect(&self, addr: SocketAddrV4) -> Result<Stream> {
        self.check(SocketAddr::V4(addr))?;
        self.stats.connects.fetch_add(1, Ordering::Relaxed);
        self.dial.dial(addr, self.limits.connect_timeout).await
    }

    /// Open a connection, wrapped in TLS when `tls` is set. Certificates are recorded.
    pub async fn open(&self, addr: SocketAddrV4, tls: bool) -> Result<Stream> {
        let plain = self.connect(addr).await?;
        if !tls {
            return Ok(plain);
        }
        let connector = tokio_rustls::TlsConnector::from(self.tls.clone());
        let name = rustls::pki_types::ServerName::IpAddress((*addr.ip()).into());
        let fut = connector.connect(name, plain);
        match tokio::time::timeout(self.limits.exchange_timeout, fut).await {
            Err(_) => Err(Error::timeout(format!("TLS handshake with {addr}"))),
            Ok(Err(e)) => Err(Error::new(ErrorKind::Tls, format!("TLS with {addr}: {e}"))),
            Ok(Ok(s)) => {
                if let Some(chain) = s.get_ref().1.peer_certificates() {
                    let chain: Vec<Vec<u8>> = chain.iter().map(|c| c.as_ref().to_vec()).collect();
                    if let Ok(mut certs) = self.certs.lock()
                        && !certs.iter().any(|(a, _)| *a == addr)
                    {
                        certs.push((addr, chain));
                    }
                }
                Ok(Box::new(s) as Stream)
            }
        }
    }
}

/// A connection with a read buffer and budgets. Replies are read under a deadline that covers the
/// whole exchange, so a peer that dribbles one byte a second cannot hold a probe for long.
pub struct Conn {
    pub stream: Stream,
    buf: Vec<u8>,
    pub limits: Limits,
}

impl Conn {
    pub fn new(stream: Stream, limits: Limits) -> Self {
        Conn {
            stream,
            buf: Vec::new(),
            limits,
        }
    }

    /// Write all bytes within the exchange timeout.
    pub async fn send(&mut self, bytes: &[u8]) -> Result<()> {
        let fut = async {
            self.stream.write_all(bytes).await?;
            self.stream.flush().await
        };
        match tokio::time::timeout(self.limits.exchange_timeout, fut).await {
            Err(_) => Err(Error::timeout("write")),
            Ok(Err(e)) => Err(Error::from_io(&e, "write")),
            Ok(Ok(())) => Ok(()),
        }
    }

    /// Bytes buffered but not yet consumed.
    pub fn buffered(&self) -> &[u8] {
        &self.buf
    }

    /// Drop the first `n` buffered bytes.
    pub fn consume(&mut self, n: usize) {
        self.buf.drain(..n.min(self.buf.len()));
    }

    /// Read more bytes into the buffer, until `deadline`. Returns how many arrived (0 = EOF).
    pub async fn fill(&mut self, deadline: Instant) -> Result<usize> {
        let mut chunk = [0u8; 8192];
        match tokio::time::timeout_at(deadline, self.stream.read(&mut chunk)).await {
            Err(_) => Err(Error::timeout("read")),
            Ok(Err(e)) => Err(Error::from_io(&e, "read")),
            Ok(Ok(n)) => {
                self.buf.extend_from_slice(&chunk[..n]);
                Ok(n)
            }
        }
    }

    /// Read until `pred(buffer)` returns `Some(n)` (n = length of the complete unit), the buffer
    /// exceeds `max` bytes (TooLarge), EOF (Protocol, unless `eof_ok`), or the deadline.
    pub async fn read_until<F>(&mut self, max: usize, deadline: Instant, pred: F) -> Result<usize>
    where
        F: Fn(&[u8]) -> Option<usize>,
    {
        loop {
            if let Some(n) = pred(&self.buf) {
                return Ok(n);
            }
            if self.buf.len() > max {
                return Err(Error::new(
                    ErrorKind::TooLarge,
                    format!("more than {max} bytes without a complete message"),
                ));
            }
            if self.fill(deadline).await? == 0 {
                return Err(Error::protocol(format!(
                    "connection closed after {} bytes without a complete message",
                    self.buf.len()
                )));
            }
        }
    }

    /// Read whatever arrives until `max` bytes, EOF, `idle` without data, or the deadline; used for
    /// banners. Never fails on timeout: a silent peer yields what it sent so far.
    pub async fn read_banner(&mut self, max: usize, idle: Duration, deadline: Instant) -> Vec<u8> {
        loop {
            if self.buf.len() >= max {
                break;
            }
            let d = deadline.min(Instant::now() + idle);
            match self.fill(d).await {
                Ok(0) | Err(_) => break,
                Ok(_) => {}
            }
        }
        let n = self.buf.len().min(max);
        let out = self.buf[..n].to_vec();
        self.consume(n);
        out
    }

    /// Shut the write side down politely (a logout for protocols without one).
    pub async fn close(mut self) {
        let _ = tokio::time::timeout(Duration::from_millis(300), self.stream.shutdown()).await;
    }
}

/// Position just past the end of an HTTP/RTSP head (`\r\n\r\n`, or a bare `\n\n` that some
/// embedded servers send), if present.
pub fn head_end(buf: &[u8]) -> Option<usize> {
    let crlf = buf.windows(4).position(|w| w == b"\r\n\r\n").map(|p| p + 4);
    let lf = buf.windows(2).position(|w| w == b"\n\n").map(|p| p + 2);
    match (crlf, lf) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, b) => a.or(b),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn head_end_finds_crlf_and_lf() {
        assert_eq!(head_end(b"HTTP/1.0 200 OK\r\n\r\nbody"), Some(19));
        assert_eq!(head_end(b"HTTP/1.0 200 OK\n\nbody"), Some(17));
        assert_eq!(head_end(b"HTTP/1.0 200 OK\r\n"), None);
    }
}
