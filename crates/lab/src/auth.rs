//! Server-side checks of HTTP/RTSP Basic and Digest answers and of WS-Security UsernameTokens,
//! so emulated devices judge credentials exactly as real ones do.

use base64::Engine as _;
use md5::Digest as _;

/// What an Authorization header amounted to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Auth {
    /// No credentials were presented.
    Missing,
    /// Valid credentials for this user.
    Ok(String),
    /// Credentials were presented and are wrong (a failed login).
    Bad,
}

fn md5hex(s: &str) -> String {
    hex::encode(md5::Md5::digest(s.as_bytes()))
}

/// Parse `key=value` / `key="value"` pairs of a Digest header.
pub fn params(h: &str) -> Vec<(String, String)> {
    let mut out = Vec::new();
    let mut rest = h;
    while !rest.is_empty() {
        rest = rest.trim_start_matches([',', ' ']);
        let Some(eq) = rest.find('=') else { break };
        let key = rest[..eq].trim().to_ascii_lowercase();
        rest = &rest[eq + 1..];
        let val;
        if let Some(r) = rest.strip_prefix('"') {
            let end = r.find('"').unwrap_or(r.len());
            val = r[..end].to_string();
            rest = r.get(end + 1..).unwrap_or("");
        } else {
            let end = rest.find(',').unwrap_or(rest.len());
            val = rest[..end].trim().to_string();
            rest = &rest[end..];
        }
        out.push((key, val));
    }
    out
}

/// Check an Authorization header against the accounts, for `method`.
pub fn check(
    header: Option<&str>,
    method: &str,
    realm: &str,
    accounts: &[(&str, &str)],
    allow_basic: bool,
) -> Auth {
    let Some(h) = header else {
        return Auth::Missing;
    };
    if let Some(b) = h.strip_prefix("Basic ") {
        if !allow_basic {
            return Auth::Bad;
        }
        let Ok(raw) = base64::engine::general_purpose::STANDARD.decode(b.trim()) else {
            return Auth::Bad;
        };
        let text = String::from_utf8_lossy(&raw);
        let (u, p) = text.split_once(':').unwrap_or((&text, ""));
        return if accounts.iter().any(|(au, ap)| *au == u && *ap == p) {
            Auth::Ok(u.to_string())
        } else {
            Auth::Bad
        };
    }
    if let Some(d) = h.strip_prefix("Digest ") {
        let p = params(d);
        let get = |k: &str| {
            p.iter()
                .find(|(n, _)| n == k)
                .map(|(_, v)| v.as_str())
                .unwrap_or("")
        };
        let user = get("username");
        let Some((_, pass)) = accounts.iter().find(|(u, _)| *u == user) else {
            return Auth::Bad;
        };
        let ha1 = md5hex(&format!("{user}:{realm}:{pass}"));
        let ha2 = md5hex(&format!("{method}:{}", get("uri")));
        let expected = if get("qop").is_empty() {
            md5hex(&format!("{ha1}:{}:{ha2}", get("nonce")))
        } else {
            md5hex(&format!(
                "{ha1}:{}:{}:{}:{}:{ha2}",
                get("nonce"),
                get("nc"),
                get("cnonce"),
                get("qop")
            ))
        };
        return if expected.eq_ignore_ascii_case(get("response")) {
            Auth::Ok(user.to_string())
        } else {
            Auth::Bad
        };
    }
    Auth::Bad
}

/// The user name an Authorization header claims (Basic or Digest), if any.
pub fn claimed_user(header: Option<&str>) -> String {
    let Some(h) = header else {
        return String::new();
    };
    if let Some(b) = h.strip_prefix("Basic ") {
        let raw = base64::engine::general_purpose::STANDARD
            .decode(b.trim())
            .unwrap_or_default();
        let text = String::from_utf8_lossy(&raw).into_owned();
        return text.split(':').next().unwrap_or("").to_string();
    }
    if let Some(d) = h.strip_prefix("Digest ") {
        return params(d)
            .into_iter()
            .find(|(k, _)| k == "username")
            .map(|(_, v)| v)
            .unwrap_or_default();
    }
    String::new()
}

/// The user name a SOAP UsernameToken claims.
pub fn token_user(xml: &str) -> String {
    between(xml, "<wsse:Username", "</wsse:Username>")
        .unwrap_or("")
        .to_string()
}

/// A fresh Digest challenge value.
pub fn challenge(realm: &str, qop: bool) -> String {
    let nonce = hex::encode(rand::random::<[u8; 16]>());
    if qop {
        format!("Digest realm=\"{realm}\", qop=\"auth\", nonce=\"{nonce}\", stale=\"FALSE\"")
    } else {
        format!("Digest realm=\"{realm}\", nonce=\"{nonce}\", stale=\"FALSE\"")
    }
}

/// The text of the first element named exactly `open` (e.g. `<wsse:Username`), skipping
/// elements whose names merely start with it (`<wsse:UsernameToken>`).
fn between<'a>(s: &'a str, open: &str, close: &str) -> Option<&'a str> {
    let mut from = 0;
    let i = loop {
        let at = s[from..].find(open)? + from + open.len();
        match s.as_bytes().get(at) {
            Some(b'>') | Some(b' ') | Some(b'/') => break at,
            _ => from = at,
        }
    };
    let i = i + s[i..].find('>')? + 1;
    let j = s[i..].find(close)? + i;
    Some(&s[i..j])
}

/// Check the UsernameToken in a SOAP request.
pub fn usernametoken(xml: &str, accounts: &[(&str, &str)]) -> Auth {
    if !xml.contains("UsernameToken") {
        return Auth::Missing;
    }
    let user = between(xml, "<wsse:Username", "</wsse:Username>").unwrap_or("");
    let digest = between(xml, "<wsse:Password", "</wsse:Password>").unwrap_or("");
    let nonce = between(xml, "<wsse:Nonce", "</wsse:Nonce>").unwrap_or("");
    let created = between(xml, "<wsu:Created", "</wsu:Created>").unwrap_or("");
    let Some((_, pass)) = accounts.iter().find(|(u, _)| *u == user) else {
        return Auth::Bad;
    };
    let b64 = base64::engine::general_purpose::STANDARD;
    let Ok(nonce) = b64.decode(nonce.trim()) else {
        return Auth::Bad;
    };
    use sha1::Digest as _;
    let mut h = sha1::Sha1::new();
    h.update(&nonce);
    h.update(created.as_bytes());
    h.update(pass.as_bytes());
    if b64.encode(h.finalize()) == digest.trim() {
        Auth::Ok(user.to_string())
    } else {
        Auth::Bad
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn basic_and_missing() {
        let acc = [("admin", "12345")];
        let h = format!(
            "Basic {}",
            base64::engine::general_purpose::STANDARD.encode("admin:12345")
        );
        assert_eq!(
            check(Some(&h), "GET", "r", &acc, true),
            Auth::Ok("admin".into())
        );
        assert_eq!(check(Some(&h), "GET", "r", &acc, false), Auth::Bad);
        assert_eq!(check(None, "GET", "r", &acc, true), Auth::Missing);
    }

    #[test]
    fn usernametoken_from_a_real_envelope() {
        // Regression: `<wsse:Username` also prefixes `<wsse:UsernameToken>`; the parser took the
        // token element for the user name and judged correct credentials wrong.
        use base64::Engine as _;
        use sha1::Digest as _;
        let nonce = [7u8; 16];
        let created = "2026-11-22T10:00:00Z";
        let mut h = sha1::Sha1::new();
        h.update(nonce);
        h.update(created.as_bytes());
        h.update(b"12345");
        let b64 = base64::engine::general_purpose::STANDARD;
        let xml = format!(
            "<s:Header><wsse:Security><wsse:UsernameToken><wsse:Username>admin</wsse:Username><wsse:Password Type=\"x#PasswordDigest\">{}</wsse:Password><wsse:Nonce EncodingType=\"y\">{}</wsse:Nonce><wsu:Created>{created}</wsu:Created></wsse:UsernameToken></wsse:Security></s:Header>",
            b64.encode(h.finalize()),
            b64.encode(nonce)
        );
        assert_eq!(
            usernametoken(&xml, &[("admin", "12345")]),
            Auth::Ok("admin".into())
        );
        assert_eq!(usernametoken(&xml, &[("admin", "54321")]), Auth::Bad);
    }

    #[test]
    fn digest_rfc2617_example() {
        // RFC 2617 §3.5: Mufasa / Circle Of Life.
        let h = r#"Digest username="Mufasa", realm="testrealm@host.com", nonce="dcd98b7102dd2f0e8b11d0f600bfb0c093", uri="/dir/index.html", qop=auth, nc=00000001, cnonce="0a4f113b", response="6629fae49393a05397450978507c4ef1", opaque="5ccc069c403ebaf9f0171e9517f40e41""#;
        assert_eq!(
            check(
                Some(h),
                "GET",
                "testrealm@host.com",
                &[("Mufasa", "Circle Of Life")],
                false
            ),
            Auth::Ok("Mufasa".into())
        );
        assert_eq!(
            check(
                Some(h),
                "GET",
                "testrealm@host.com",
                &[("Mufasa", "wrong")],
                false
            ),
            Auth::Bad
        );
    }
}
