//! HTTP/1.1 client for probing: one request per connection (`Connection: close`), our own
//! socket (scope-checked by [`Net`]), lenient reply parsing, bounded reads. Redirects are never
//! followed implicitly: [`Http::follow`] checks the target against the scope first.

use crate::error::{Error, ErrorKind, Result};
use crate::net::{Conn, Net};
use crate::proto::msg::{BodyMode, Reply, read_reply};
use std::net::{SocketAddr, SocketAddrV4};

/// Where an HTTP service lives.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub struct Endpoint {
    pub addr: SocketAddrV4,
    pub tls: bool,
}

impl Endpoint {
    pub fn new(addr: SocketAddrV4, tls: bool) -> Self {
        Endpoint { addr, tls }
    }
    /// `http://1.2.3.4:80` style base.
    pub fn base(&self) -> String {
        format!(
            "{}://{}",
            if self.tls { "https" } else { "http" },
            self.addr
        )
    }
}

/// One HTTP request.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// Path and query, starting with `/`.
    pub path: String,
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn get(path: &str) -> Self {
        Request {
            method: "GET".into(),
            path: path.into(),
            headers: Vec::new(),
            body: Vec::new(),
        }
    }
    pub fn post(path: &str, content_type: &str, body: impl Into<Vec<u8>>) -> Self {
        Request {
            method: "POST".into(),
            path: path.into(),
            headers: vec![("Content-Type".into(), content_type.into())],
            body: body.into(),
        }
    }
    pub fn header(mut self, name: &str, value: &str) -> Self {
        self.headers.push((name.into(), value.into()));
        self
    }

    /// Serialise, adding Host, User-Agent, Content-Length and Connection: close.
    pub fn to_bytes(&self, host: &SocketAddrV4) -> Vec<u8> {
        let mut out = format!(
            "{} {} HTTP/1.1\r\nHost: {}\r\n",
            self.method, self.path, host
        );
        let has = |n: &str| self.headers.iter().any(|(h, _)| h.eq_ignore_ascii_case(n));
        if !has("user-agent") {
            out.push_str(concat!(
                "User-Agent: camwarden/",
                env!("CARGO_PKG_VERSION"),
                "\r\n"
            ));
        }
        if !has("accept") {
            out.push_str("Accept: */*\r\n");
        }
        for (n, v) in &self.headers {
            out.push_str(&format!("{n}: {v}\r\n"));
        }
        if !self.body.is_empty() || self.method == "POST" || self.method == "PUT" {
            out.push_str(&format!("Content-Length: {}\r\n", self.body.len()));
        }
        out.push_str("Connection: close\r\n\r\n");
        let mut bytes = out.into_bytes();
        bytes.extend_from_slice(&self.body);
        bytes
    }
}

/// HTTP client bound to a [`Net`].
#[derive(Clone)]
pub struct Http {
    pub net: Net,
}

impl Http {
    pub fn new(net: Net) -> Self {
        Http { net }
    }

    /// Send one request on a fresh connection and read the reply.
    pub async fn send(&self, ep: Endpoint, req: &Request) -> Result<Reply> {
        self.send_limited(ep, req, self.net.limits.max_body).await
    }

    /// Like [`send`](Self::send) but keeps at most `max_body` bytes of the body: used where the
    /// reply may hold a secret and only its first bytes are needed as proof.
    pub async fn send_limited(
        &self,
        ep: Endpoint,
        req: &Request,
        max_body: usize,
    ) -> Result<Reply> {
        let stream = self.net.open(ep.addr, ep.tls).await?;
        let mut limits = self.net.limits;
        limits.max_body = max_body.min(limits.max_body);
        let mut conn = Conn::new(stream, limits);
        conn.send(&req.to_bytes(&ep.addr)).await?;
        let mode = if req.method == "HEAD" {
            BodyMode::None
        } else {
            BodyMode::Http
        };
        let reply = read_reply(&mut conn, "HTTP/", mode).await;
        conn.close().await;
        reply
    }

    pub async fn get(&self, ep: Endpoint, path: &str) -> Result<Reply> {
        self.send(ep, &Request::get(path)).await
    }

    /// Send `req`; when the reply is a 401 with a challenge we can answer (Digest preferred over
    /// Basic, via `http-auth`), answer it once on a fresh connection. Returns the final reply and
    /// whether credentials were sent. A 401 we cannot answer comes back with `false`: the caller
    /// must not count it as a wrong password.
    pub async fn send_authed(
        &self,
        ep: Endpoint,
        req: &Request,
        username: &str,
        password: &str,
    ) -> Result<(Reply, bool)> {
        let first = self.send(ep, req).await?;
        if first.status != 401 {
            return Ok((first, false));
        }
        let Some(header) = authorization_for(&first, req, username, password) else {
            return Ok((first, false));
        };
        let second = self
            .send(ep, &req.clone().header("Authorization", &header))
            .await?;
        Ok((second, true))
    }

    /// Where a redirect points, resolved against `ep`, if it stays on an in-scope address.
    /// Returns `Ok(None)` for replies that are not redirects.
    pub fn follow(&self, ep: Endpoint, reply: &Reply) -> Result<Option<(Endpoint, String)>> {
        if !(300..400).contains(&reply.status) {
            return Ok(None);
        }
        let Some(loc) = reply.header("location") else {
            return Ok(None);
        };
        let target = resolve_location(ep, loc)?;
        self.net.check(SocketAddr::V4(target.0.addr))?;
        Ok(Some(target))
    }
}

/// The `Authorization` value answering the challenges of a 401 reply, if one is answerable.
pub fn authorization_for(
    reply: &Reply,
    req: &Request,
    username: &str,
    password: &str,
) -> Option<String> {
    let mut builder = http_auth::PasswordClient::builder();
    for v in reply.headers_named("www-authenticate") {
        builder = builder.challenges(v);
    }
    let mut client = builder.build().ok()?;
    client
        .respond(&http_auth::PasswordParams {
            username,
            password,
            uri: &req.path,
            method: &req.method,
            body: Some(&req.body),
        })
        .ok()
}

/// Resolve a `Location` header against the endpoint it came from. Host names are not resolved
/// (a scanner must not do DNS lookups a device asks for): only IPv4 literals are followed.
pub fn resolve_location(ep: Endpoint, loc: &str) -> Result<(Endpoint, String)> {
    let loc = loc.trim();
    if loc.starts_with('/') {
        return Ok((ep, loc.to_string()));
    }
    let (tls, rest) = if let Some(r) = loc.strip_prefix("https://") {
        (true, r)
    } else if let Some(r) = loc.strip_prefix("http://") {
        (false, r)
    } else {
        return Ok((ep, format!("/{loc}")));
    };
    let (authority, path) = match rest.find('/') {
        Some(i) => (&rest[..i], rest[i..].to_string()),
        None => (rest, "/".to_string()),
    };
    let authority = authority.rsplit('@').next().unwrap_or(authority);
    let (host, port) = match authority.rsplit_once(':') {
        Some((h, p)) => (
            h,
            p.parse::<u16>()
                .map_err(|_| Error::protocol(format!("bad port in Location {loc:?}")))?,
        ),
        None => (authority, if tls { 443 } else { 80 }),
    };
    let ip: std::net::Ipv4Addr = host.parse().map_err(|_| {
        Error::new(
            ErrorKind::OutOfScope,
            format!("Location names host {host:?}, not an address; not followed"),
        )
    })?;
    Ok((Endpoint::new(SocketAddrV4::new(ip, port), tls), path))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ep() -> Endpoint {
        Endpoint::new("127.0.0.9:80".parse().unwrap(), false)
    }

    #[test]
    fn relative_location_stays_on_endpoint() {
        let (e, p) = resolve_location(ep(), "/doc/page/login.asp").unwrap();
        assert_eq!(e, ep());
        assert_eq!(p, "/doc/page/login.asp");
    }

    #[test]
    fn absolute_https_location_switches_to_tls() {
        let (e, p) = resolve_location(ep(), "https://127.0.0.9/index.html").unwrap();
        assert!(e.tls);
        assert_eq!(e.addr.port(), 443);
        assert_eq!(p, "/index.html");
    }

    #[test]
    fn hostname_location_is_refused() {
        let e = resolve_location(ep(), "http://evil.example/").unwrap_err();
        assert_eq!(e.kind, ErrorKind::OutOfScope);
    }

    #[test]
    fn request_has_close_and_length() {
        let r = Request::post("/RPC2_Login", "application/json", "{}");
        let s = String::from_utf8(r.to_bytes(&"127.0.0.1:80".parse().unwrap())).unwrap();
        assert!(s.starts_with("POST /RPC2_Login HTTP/1.1\r\nHost: 127.0.0.1:80\r\n"));
        assert!(s.contains("Content-Length: 2\r\n"));
        assert!(s.ends_with("Connection: close\r\n\r\n{}"));
    }
}
