//! Credentialed, read-only audit: with the owner's credentials, read what the device says about
//! its own configuration (firmware, enabled protocols, user accounts, time and NTP, lockout and
//! password settings) so the judge can decide requirements that a remote scan without a login
//! cannot.
//!
//! Read-only means: ONVIF `Get*` operations only, HTTP GETs of configuration *views* (never
//! `/System/configurationFile`, never a `set*` action). The owner's password is held in an
//! [`OwnerCredential`] whose `Debug` and `Display` never show it, and no collected value contains
//! a password: user lists keep names and levels only.

pub mod dahua;
pub mod hikvision;
pub mod onvif;

use serde::{Deserialize, Serialize};
use std::fmt;

/// The owner's credential for one device. Never printed, never stored by camwarden.
#[derive(Clone, Deserialize)]
pub struct OwnerCredential {
    pub username: String,
    password: String,
    /// A designated test account the intrusive lock-out test may lock (never the administrator).
    #[serde(default)]
    test: Option<(String, String)>,
}

impl OwnerCredential {
    pub fn new(username: &str, password: &str) -> Self {
        OwnerCredential {
            username: username.to_string(),
            password: password.to_string(),
            test: None,
        }
    }

    /// Add the designated test account.
    pub fn with_test_account(mut self, username: &str, password: &str) -> Self {
        self.test = Some((username.to_string(), password.to_string()));
        self
    }

    /// The test account, unless it is the administrator's own account.
    pub fn test_account(&self) -> Option<(&str, &str)> {
        self.test
            .as_ref()
            .filter(|(u, _)| *u != self.username)
            .map(|(u, p)| (u.as_str(), p.as_str()))
    }
    /// The password, for building one authentication exchange.
    pub fn password(&self) -> &str {
        &self.password
    }
}

impl fmt::Debug for OwnerCredential {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "OwnerCredential({} / <redacted>)", self.username)
    }
}

/// One configuration fact read with credentials, with where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFact {
    /// Stable key, e.g. `firmware`, `protocol.telnet.enabled`, `users.names`,
    /// `lockout.max_attempts`, `ntp.servers`, `time.offset_s`.
    pub key: String,
    pub value: String,
    /// The call that produced it, e.g. `onvif:GetNetworkProtocols`, `isapi:/ISAPI/Security/users`.
    pub source: String,
}

/// What a credentialed audit of one device produced.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditFacts {
    pub facts: Vec<AuditFact>,
    /// Calls that failed or were refused, with the reason (for the report's "could not read").
    pub errors: Vec<String>,
    /// True when the credential was accepted by at least one interface.
    pub authenticated: bool,
}

impl AuditFacts {
    pub fn push(&mut self, key: &str, value: impl Into<String>, source: &str) {
        let value = value.into();
        if let Some(f) = self.facts.iter_mut().find(|f| f.key == key) {
            // First source wins; later sources only fill blanks.
            if f.value.is_empty() {
                f.value = value;
                f.source = source.to_string();
            }
            return;
        }
        self.facts.push(AuditFact {
            key: key.to_string(),
            value,
            source: source.to_string(),
        });
    }
    pub fn get(&self, key: &str) -> Option<&str> {
        self.facts
            .iter()
            .find(|f| f.key == key)
            .map(|f| f.value.as_str())
    }
    pub fn merge(&mut self, other: AuditFacts) {
        for f in other.facts {
            self.push(&f.key, f.value, &f.source);
        }
        self.errors.extend(other.errors);
        self.authenticated |= other.authenticated;
    }
}

/// GET each configuration view with the owner's credential (Digest or Basic as the device asks)
/// and hand every 2xx reply to `absorb`; failures are recorded, never fatal. `absorb` returns
/// false when the body could not be read.
pub async fn read_views(
    http: &crate::proto::http::Http,
    ep: crate::proto::http::Endpoint,
    cred: &OwnerCredential,
    views: &[&str],
    mut absorb: impl FnMut(&mut AuditFacts, &str, &crate::proto::msg::Reply) -> Result<(), String>,
) -> AuditFacts {
    let mut out = AuditFacts::default();
    for path in views {
        let req = crate::proto::http::Request::get(path);
        match http
            .send_authed(ep, &req, &cred.username, cred.password())
            .await
        {
            Ok((reply, _)) if (200..300).contains(&reply.status) => {
                match absorb(&mut out, path, &reply) {
                    Ok(()) => out.authenticated = true,
                    Err(e) => out.errors.push(format!("{path}: {e}")),
                }
            }
            Ok((reply, _)) => out.errors.push(format!("{path}: HTTP {}", reply.status)),
            Err(e) => out.errors.push(format!("{path}: {e}")),
        }
    }
    out
}

/// Account names that are vendor defaults: still present means the factory account was kept.
pub const DEFAULT_ACCOUNT_NAMES: &[&str] =
    &["admin", "root", "888888", "666666", "default", "Admin"];

/// Derive the summary user facts from a list of (name, level) pairs.
pub fn user_facts(out: &mut AuditFacts, users: &[(String, String)], source: &str) {
    let names: Vec<&str> = users.iter().map(|(n, _)| n.as_str()).collect();
    out.push("users.count", users.len().to_string(), source);
    out.push("users.names", names.join(","), source);
    let admins = users
        .iter()
        .filter(|(_, l)| {
            let l = l.to_ascii_lowercase();
            l.contains("admin") || l == "administrator"
        })
        .count();
    out.push("users.admin_count", admins.to_string(), source);
    let defaults: Vec<&str> = names
        .iter()
        .copied()
        .filter(|n| DEFAULT_ACCOUNT_NAMES.contains(n))
        .collect();
    out.push("users.default_names_present", defaults.join(","), source);
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn credential_debug_never_shows_password() {
        let c = OwnerCredential::new("admin", "S3cret!pass");
        assert!(!format!("{c:?}").contains("S3cret"));
    }

    #[test]
    fn user_facts_flag_default_names() {
        let mut f = AuditFacts::default();
        let users = vec![
            ("admin".to_string(), "Administrator".to_string()),
            ("operator1".to_string(), "Operator".to_string()),
        ];
        user_facts(&mut f, &users, "test");
        assert_eq!(f.get("users.count"), Some("2"));
        assert_eq!(f.get("users.admin_count"), Some("1"));
        assert_eq!(f.get("users.default_names_present"), Some("admin"));
    }
}

/// The credentialed facts in the judge's vocabulary (`credentialed:<slug>` conditions of the
/// framework catalogs): kebab-case keys, `true`/`false` values where the device said so.
pub fn judge_facts(a: &AuditFacts) -> std::collections::BTreeMap<String, String> {
    let mut out = std::collections::BTreeMap::new();
    let flag = |v: &str| match v.trim().to_ascii_lowercase().as_str() {
        "true" | "1" | "on" | "yes" | "enabled" => Some("true"),
        "false" | "0" | "off" | "no" | "disabled" => Some("false"),
        _ => None,
    };
    for proto in [
        "telnet", "ssh", "upnp", "p2p", "http", "https", "rtsp", "ftp",
    ] {
        if let Some(v) = a.get(&format!("protocol.{proto}.enabled")).and_then(flag) {
            out.insert(format!("{proto}-enabled"), v.to_string());
        }
    }
    if let Some(v) = a.get("lockout.enabled").and_then(flag) {
        out.insert("lockout-enabled".into(), v.into());
    }
    if let Some(n) = a
        .get("lockout.max_attempts")
        .and_then(|v| v.trim().parse::<u32>().ok())
    {
        out.insert("lockout-max-attempts".into(), n.to_string());
        // The device exposes its lock-out settings to the administrator (Decision 724 2.1).
        out.insert("lockout-configurable".into(), "true".into());
        // Decision 724: lock after at most 5 failures (and the lock switched on at all).
        let enabled = out.get("lockout-enabled").map(String::as_str) != Some("false");
        out.insert(
            "lockout-within-724".into(),
            (enabled && n > 0 && n <= 5).to_string(),
        );
    }
    if let Some(v) = a.get("ntp.enabled").and_then(flag) {
        out.insert("ntp-enabled".into(), v.into());
    }
    if let Some(n) = a.get("users.count") {
        out.insert("users-count".into(), n.into());
    }
    if let Some(n) = a.get("users.admin_count") {
        out.insert("admin-count".into(), n.into());
    }
    if let Some(n) = a.get("users.shared_count") {
        out.insert("shared-accounts".into(), (n != "0").to_string());
    }
    if let Some(names) = a.get("users.default_names_present") {
        out.insert(
            "default-account-present".into(),
            (!names.is_empty()).to_string(),
        );
    }
    for key in ["firmware", "model", "serial", "manufacturer"] {
        if let Some(v) = a.get(key) {
            out.insert(key.into(), v.into());
        }
    }
    // Reading the user list or settings with the owner's account shows the account can be
    // administered remotely, i.e. its password changed (QCVN 135 2.1.4).
    if a.authenticated && a.get("users.count").is_some() {
        out.insert("password-change".into(), "supported".into());
    }
    out
}

#[cfg(test)]
mod judge_fact_tests {
    use super::*;

    #[test]
    fn audit_facts_become_judge_slugs() {
        let mut a = AuditFacts {
            authenticated: true,
            ..AuditFacts::default()
        };
        a.push("protocol.telnet.enabled", "false", "t");
        a.push("protocol.https.enabled", "true", "t");
        a.push("lockout.enabled", "true", "t");
        a.push("lockout.max_attempts", "7", "t");
        a.push("users.count", "2", "t");
        a.push("users.default_names_present", "admin", "t");
        let j = judge_facts(&a);
        assert_eq!(j["telnet-enabled"], "false");
        assert_eq!(j["https-enabled"], "true");
        assert_eq!(j["lockout-within-724"], "false");
        // Five attempts, but the lock itself switched off: not what Decision 724 asks.
        let mut off = AuditFacts {
            authenticated: true,
            ..AuditFacts::default()
        };
        off.push("lockout.enabled", "false", "t");
        off.push("lockout.max_attempts", "5", "t");
        assert_eq!(judge_facts(&off)["lockout-within-724"], "false");
        assert_eq!(j["default-account-present"], "true");
        assert_eq!(j["password-change"], "supported");
    }
}

/// Run every credentialed collector that fits the host: the vendor's own API (Hikvision ISAPI,
/// Dahua CGI) and ONVIF on the web ports that answer it. Read-only throughout.
pub async fn collect_host(
    net: &crate::net::Net,
    host: &camwarden_core::model::HostReport,
    cred: &OwnerCredential,
) -> AuditFacts {
    use crate::proto::http::{Endpoint, Http};
    let http = Http::new(net.clone());
    let mut web: Vec<Endpoint> = host
        .ports
        .iter()
        .filter(|p| p.service == "http" || p.service == "onvif")
        .map(|p| Endpoint::new(std::net::SocketAddrV4::new(host.ip, p.port), p.tls))
        .collect();
    // HTTPS first: a hardened device only serves its API there (HTTP just redirects).
    web.sort_by_key(|e| !e.tls);
    let mut out = AuditFacts::default();
    if let Some(ep) = web.iter().find(|e| e.addr.port() != 8899).copied() {
        match host.identity.vendor.as_deref() {
            Some("hikvision") => out.merge(hikvision::collect(&http, ep, cred).await),
            Some("dahua") => out.merge(dahua::collect(&http, ep, cred).await),
            _ => {}
        }
    }
    for ep in web.iter().take(3) {
        let probe = crate::proto::onvif::get_system_date_and_time(
            &http,
            *ep,
            crate::proto::onvif::DEVICE_SERVICE,
        )
        .await;
        if probe.is_ok_and(|(r, s, _)| r.status == 200 && s.fault.is_none() && s.has("Year")) {
            out.merge(onvif::collect(&http, *ep, crate::proto::onvif::DEVICE_SERVICE, cred).await);
            break;
        }
    }
    out
}
