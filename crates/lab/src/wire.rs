//! Reading requests and writing replies for the emulators, bounded so a broken or hostile client
//! cannot hold a lab listener: heads ≤ 64 KiB, bodies ≤ 1 MiB, 10 s idle.

use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};

pub const IDLE: Duration = Duration::from_secs(10);
const MAX_HEAD: usize = 64 * 1024;
const MAX_BODY: usize = 1024 * 1024;

/// A parsed HTTP or RTSP request.
#[derive(Debug, Clone, Default)]
pub struct Req {
    pub method: String,
    /// Path with query (HTTP) or the full URL (RTSP).
    pub target: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Req {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
    pub fn path(&self) -> &str {
        self.target.split('?').next().unwrap_or("")
    }
    pub fn body_text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }
}

/// A buffered reader for one connection.
pub struct Reader<S> {
    pub stream: S,
    buf: Vec<u8>,
}

impl<S: AsyncRead + AsyncWrite + Unpin> Reader<S> {
    pub fn new(stream: S) -> Self {
        Reader {
            stream,
            buf: Vec::new(),
        }
    }

    async fn fill(&mut self) -> Option<()> {
        let mut chunk = [0u8; 8192];
        match tokio::time::timeout(IDLE, self.stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => {
                self.buf.extend_from_slice(&chunk[..n]);
                Some(())
            }
            _ => None,
        }
    }

    /// Exactly `n` bytes.
    pub async fn exact(&mut self, n: usize) -> Option<Vec<u8>> {
        while self.buf.len() < n {
            self.fill().await?;
        }
        Some(self.buf.drain(..n).collect())
    }

    /// One line (without CR LF), for telnet.
    pub async fn line(&mut self) -> Option<String> {
        loop {
            if let Some(i) = self.buf.iter().position(|b| *b == b'\n' || *b == b'\r') {
                let mut line: Vec<u8> = self.buf.drain(..=i).collect();
                line.pop();
                // Swallow the LF of a CR LF pair and telnet negotiation bytes.
                if self.buf.first() == Some(&b'\n') || self.buf.first() == Some(&0) {
                    self.buf.remove(0);
                }
                let text: Vec<u8> = strip_iac(&line);
                return Some(String::from_utf8_lossy(&text).trim().to_string());
            }
            if self.buf.len() > 4096 {
                return None;
            }
            self.fill().await?;
        }
    }

    /// One request (HTTP or RTSP); None on EOF, timeout or oversize.
    pub async fn request(&mut self) -> Option<Req> {
        let head_len = loop {
            if let Some(p) = self.buf.windows(4).position(|w| w == b"\r\n\r\n") {
                break p + 4;
            }
            if self.buf.len() > MAX_HEAD {
                return None;
            }
            self.fill().await?;
        };
        let head: Vec<u8> = self.buf.drain(..head_len).collect();
        let text = String::from_utf8_lossy(&head).to_string();
        let mut lines = text.split("\r\n");
        let first = lines.next()?;
        let mut parts = first.split(' ');
        let method = parts.next()?.to_string();
        let target = parts.next()?.to_string();
        let headers: Vec<(String, String)> = lines
            .filter_map(|l| l.split_once(':'))
            .map(|(n, v)| (n.trim().to_string(), v.trim().to_string()))
            .collect();
        let len: usize = headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case("content-length"))
            .and_then(|(_, v)| v.parse().ok())
            .unwrap_or(0);
        if len > MAX_BODY {
            return None;
        }
        while self.buf.len() < len {
            self.fill().await?;
        }
        let body = self.buf.drain(..len).collect();
        Some(Req {
            method,
            target,
            headers,
            body,
        })
    }

    pub async fn write(&mut self, bytes: &[u8]) -> bool {
        tokio::time::timeout(IDLE, self.stream.write_all(bytes))
            .await
            .is_ok_and(|r| r.is_ok())
    }
}

fn strip_iac(b: &[u8]) -> Vec<u8> {
    let mut out = Vec::new();
    let mut i = 0;
    while i < b.len() {
        if b[i] == 255 {
            i += 3;
        } else {
            if b[i] != 0 {
                out.push(b[i]);
            }
            i += 1;
        }
    }
    out
}

/// An HTTP reply.
#[derive(Debug, Clone)]
pub struct Resp {
    pub status: u16,
    pub reason: &'static str,
    /// Headers exactly as sent (name case preserved: some devices send upper-case names).
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Resp {
    pub fn new(status: u16) -> Self {
        let reason = match status {
            200 => "OK",
            204 => "No Content",
            301 => "Moved Permanently",
            302 => "Found",
            400 => "Bad Request",
            401 => "Unauthorized",
            403 => "Forbidden",
            404 => "Not Found",
            405 => "Method Not Allowed",
            454 => "Session Not Found",
            461 => "Unsupported Transport",
            500 => "Internal Server Error",
            _ => "Status",
        };
        Resp {
            status,
            reason,
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
    pub fn header(mut self, n: &str, v: impl Into<String>) -> Self {
        self.headers.push((n.to_string(), v.into()));
        self
    }
    pub fn body(mut self, b: impl Into<Vec<u8>>) -> Self {
        self.body = b.into();
        self
    }
    pub fn html(self, b: &str) -> Self {
        self.header("Content-Type", "text/html")
            .body(b.as_bytes().to_vec())
    }
    /// Serialise with the given protocol (`HTTP/1.1`, `RTSP/1.0`).
    pub fn to_bytes(&self, proto: &str, extra: &[(String, String)]) -> Vec<u8> {
        let mut out = format!("{proto} {} {}\r\n", self.status, self.reason);
        for (n, v) in extra.iter().chain(self.headers.iter()) {
            out.push_str(&format!("{n}: {v}\r\n"));
        }
        let has_len = self
            .headers
            .iter()
            .any(|(n, _)| n.eq_ignore_ascii_case("content-length"));
        if !has_len && (proto.starts_with("HTTP") || !self.body.is_empty()) {
            out.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        out.push_str("\r\n");
        let mut b = out.into_bytes();
        b.extend_from_slice(&self.body);
        b
    }
}
