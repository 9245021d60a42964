//! Parsing of HTTP/1.x and RTSP/1.0 replies, shared because they have the same shape.
//!
//! Embedded web servers send malformed heads (spaces before colons, obsolete line folding, bare
//! `\n`, invalid header bytes); `httparse` is run in its most lenient mode and, when it still
//! refuses, a line-by-line fallback keeps whatever `name: value` pairs it can read, so a
//! fingerprint is not lost to one bad header.

use crate::error::{Error, ErrorKind, Result};
use crate::net::{Conn, head_end};
use tokio::time::Instant;

/// A parsed reply: status, headers in arrival order (names kept as sent), body (bounded).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Reply {
    /// `HTTP/1.1`, `HTTP/1.0`, `RTSP/1.0`…
    pub version: String,
    pub status: u16,
    pub reason: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
    /// True when the body was longer than the budget and was cut.
    pub truncated: bool,
}

impl Reply {
    /// First header of that name (case-insensitive).
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// Every header of that name, in order.
    pub fn headers_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a str> + 'a {
        self.headers
            .iter()
            .filter(move |(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The body as text (lossy UTF-8, BOM removed).
    pub fn text(&self) -> String {
        let b = self
            .body
            .strip_prefix(b"\xEF\xBB\xBF")
            .unwrap_or(&self.body);
        String::from_utf8_lossy(b).into_owned()
    }

    /// The HTML `<title>`, trimmed, if any.
    pub fn title(&self) -> Option<String> {
        let text = self.text();
        let lower = text.to_ascii_lowercase();
        let start = lower.find("<title")?;
        let open_end = lower[start..].find('>')? + start + 1;
        let close = lower[open_end..].find("</title")? + open_end;
        let t = text[open_end..close].trim();
        Some(t.split_whitespace().collect::<Vec<_>>().join(" "))
    }
}

/// Parse a reply head (status line + headers). `expect` is the protocol prefix (`HTTP/` or
/// `RTSP/`).
pub fn parse_head(head: &[u8], expect: &str) -> Result<Reply> {
    let text = String::from_utf8_lossy(head);
    let first = text.lines().next().unwrap_or("").trim_end();
    if !first.starts_with(expect) {
        return Err(Error::protocol(format!(
            "expected a {expect} status line, got {:?}",
            camwarden_core::redact::clip(&camwarden_core::redact::printable(first), 60)
        )));
    }
    let mut parts = first.splitn(3, ' ');
    let version = parts.next().unwrap_or("").to_string();
    let status: u16 = parts
        .next()
        .and_then(|s| s.trim().parse().ok())
        .ok_or_else(|| Error::protocol(format!("bad status line {first:?}")))?;
    let reason = parts.next().unwrap_or("").trim().to_string();

    // httparse only knows HTTP/1.x: present RTSP heads to it as HTTP/1.1.
    let mut owned;
    let bytes: &[u8] = if expect == "HTTP/" {
        head
    } else {
        owned = b"HTTP/1.1".to_vec();
        owned.extend_from_slice(&head[version.len().min(head.len())..]);
        &owned
    };
    let mut storage = [httparse::EMPTY_HEADER; 128];
    let mut resp = httparse::Response::new(&mut storage);
    let mut cfg = httparse::ParserConfig::default();
    cfg.allow_spaces_after_header_name_in_responses(true)
        .allow_obsolete_multiline_headers_in_responses(true)
        .allow_multiple_spaces_in_response_status_delimiters(true)
        .ignore_invalid_headers_in_responses(true);
    let headers = match cfg.parse_response(&mut resp, bytes) {
        Ok(httparse::Status::Complete(_)) => resp
            .headers
            .iter()
            .map(|h| {
                (
                    h.name.to_string(),
                    String::from_utf8_lossy(h.value).trim().to_string(),
                )
            })
            .collect(),
        _ => fallback_headers(&text),
    };
    Ok(Reply {
        version,
        status,
        reason,
        headers,
        body: Vec::new(),
        truncated: false,
    })
}

/// Line-by-line `name: value` extraction for heads httparse refuses (or with too many headers).
fn fallback_headers(text: &str) -> Vec<(String, String)> {
    text.lines()
        .skip(1)
        .filter_map(|l| {
            let (n, v) = l.split_once(':')?;
            let n = n.trim();
            if n.is_empty() || n.contains(' ') {
                return None;
            }
            Some((n.to_string(), v.trim().to_string()))
        })
        .take(128)
        .collect()
}

/// How the body of a reply is delimited.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BodyMode {
    /// HTTP: Content-Length, chunked, or until close.
    Http,
    /// RTSP: Content-Length only (no length = no body).
    Rtsp,
    /// A reply to HEAD, or a status that never has a body.
    None,
}

/// Read one complete reply from `conn` under its budgets.
pub async fn read_reply(conn: &mut Conn, expect: &str, mode: BodyMode) -> Result<Reply> {
    let deadline = Instant::now() + conn.limits.exchange_timeout;
    let max_head = conn.limits.max_head;
    let head_len = conn.read_until(max_head, deadline, head_end).await?;
    let head = conn.buffered()[..head_len].to_vec();
    conn.consume(head_len);
    let mut reply = parse_head(&head, expect)?;
    let no_body = mode == BodyMode::None
        || (100..200).contains(&reply.status)
        || reply.status == 204
        || reply.status == 304;
    if no_body {
        return Ok(reply);
    }
    let max_body = conn.limits.max_body;
    let length: Option<usize> = reply
        .header("content-length")
        .and_then(|v| v.trim().parse().ok());
    let chunked = mode == BodyMode::Http
        && reply
            .header("transfer-encoding")
            .is_some_and(|v| v.to_ascii_lowercase().contains("chunked"));
    if chunked {
        read_chunked(conn, &mut reply, max_body, deadline).await?;
    } else if let Some(len) = length {
        let want = len.min(max_body);
        let got = conn
            .read_until(want, deadline, |b| (b.len() >= want).then_some(want))
            .await;
        match got {
            Ok(n) => {
                reply.body = conn.buffered()[..n].to_vec();
                conn.consume(n);
                reply.truncated = len > max_body;
            }
            // A short body is common on embedded servers: keep what arrived.
            Err(e) if e.kind == ErrorKind::Protocol || e.kind == ErrorKind::Timeout => {
                reply.body = conn.buffered().to_vec();
                let n = reply.body.len();
                conn.consume(n);
                reply.truncated = true;
            }
            Err(e) => return Err(e),
        }
    } else if mode == BodyMode::Http {
        // Until close, bounded.
        loop {
            if conn.buffered().len() >= max_body {
                reply.truncated = true;
                break;
            }
            match conn.fill(deadline).await {
                Ok(0) => break,
                Ok(_) => {}
                Err(e) if e.kind == ErrorKind::Timeout => {
                    reply.truncated = true;
                    break;
                }
                Err(_) => break,
            }
        }
        let n = conn.buffered().len().min(max_body);
        reply.body = conn.buffered()[..n].to_vec();
        conn.consume(conn.buffered().len());
    }
    Ok(reply)
}

async fn read_chunked(
    conn: &mut Conn,
    reply: &mut Reply,
    max_body: usize,
    deadline: Instant,
) -> Result<()> {
    loop {
        let line_len = conn
            .read_until(1024, deadline, |b| {
                b.windows(2).position(|w| w == b"\r\n").map(|p| p + 2)
            })
            .await?;
        let line = String::from_utf8_lossy(&conn.buffered()[..line_len]).to_string();
        conn.consume(line_len);
        let size_txt = line.trim().split(';').next().unwrap_or("").trim();
        let size = usize::from_str_radix(size_txt, 16)
            .map_err(|_| Error::protocol(format!("bad chunk size {size_txt:?}")))?;
        if size == 0 {
            return Ok(());
        }
        if reply.body.len() + size > max_body {
            // Keep what fits of this chunk: a proof may need only its first bytes (found by the
            // vulnerability-check review: a 40-byte cap on a chunked /self.key gave no body).
            let room = max_body - reply.body.len();
            let n = conn
                .read_until(room, deadline, |b| (b.len() >= room).then_some(room))
                .await
                .unwrap_or_else(|_| conn.buffered().len().min(room));
            let n = n.min(conn.buffered().len());
            reply.body.extend_from_slice(&conn.buffered()[..n]);
            conn.consume(n);
            reply.truncated = true;
            return Ok(());
        }
        let want = size + 2;
        let n = conn
            .read_until(want, deadline, |b| (b.len() >= want).then_some(want))
            .await?;
        reply.body.extend_from_slice(&conn.buffered()[..size]);
        conn.consume(n);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_dahua_uppercase_headers_and_bom_title() {
        // Shape of a Dahua webcam httpd reply (nmap service probe 10444): uppercase header names.
        let head = b"HTTP/1.1 200 OK\r\nCONNECTION: close\r\nCONTENT-LENGTH: 10\r\nCACHE-CONTROL: max-age=0\r\n\r\n";
        let r = parse_head(head, "HTTP/").unwrap();
        assert_eq!(r.status, 200);
        assert_eq!(r.header("content-length"), Some("10"));
    }

    #[test]
    fn parses_rtsp_status_line() {
        let head = b"RTSP/1.0 401 Unauthorized\r\nCSeq: 2\r\nWWW-Authenticate: Digest realm=\"IP Camera(C2875)\", nonce=\"abc\", stale=\"FALSE\"\r\n\r\n";
        let r = parse_head(head, "RTSP/").unwrap();
        assert_eq!(r.version, "RTSP/1.0");
        assert_eq!(r.status, 401);
        assert!(r.header("www-authenticate").unwrap().contains("IP Camera"));
    }

    #[test]
    fn rejects_non_protocol_status_line() {
        let e = parse_head(b"\x00\xff garbage\r\n\r\n", "RTSP/").unwrap_err();
        assert_eq!(e.kind, ErrorKind::Protocol);
    }

    #[test]
    fn fallback_keeps_headers_when_httparse_refuses() {
        // A header line without a colon makes httparse fail; the fallback keeps the rest.
        let head = b"HTTP/1.0 200 OK\r\nServer: uc-httpd 1.0.0\r\nthis line is broken\r\n\r\n";
        let r = parse_head(head, "HTTP/").unwrap();
        assert_eq!(r.header("server"), Some("uc-httpd 1.0.0"));
    }

    #[tokio::test]
    async fn chunked_body_larger_than_the_cap_keeps_its_first_bytes() {
        // Regression: a capped read of a chunked reply (e.g. 40 bytes of /self.key) gave nothing.
        let (mut a, b) = tokio::io::duplex(4096);
        use tokio::io::AsyncWriteExt as _;
        a.write_all(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n40\r\n-----BEGIN PRIVATE KEY-----\nAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA\r\n0\r\n\r\n").await.unwrap();
        let limits = crate::net::Limits {
            max_body: 40,
            ..crate::net::Limits::default()
        };
        let mut conn = Conn::new(Box::new(b), limits);
        let r = read_reply(&mut conn, "HTTP/", BodyMode::Http)
            .await
            .unwrap();
        assert!(
            r.body.starts_with(b"-----BEGIN PRIVATE KEY"),
            "{:?}",
            String::from_utf8_lossy(&r.body)
        );
        assert!(r.body.len() <= 40 && r.truncated);
    }

    #[test]
    fn title_is_extracted_case_insensitively() {
        let r = Reply {
            body: b"\xEF\xBB\xBF<html><HEAD><TITLE>\n  NETSurveillance WEB </TITLE>".to_vec(),
            ..Reply::default()
        };
        assert_eq!(r.title().as_deref(), Some("NETSurveillance WEB"));
    }
}
