//! The owner's credentials for a credentialed audit.
//!
//! A credentials file is TOML:
//! ```toml
//! [[device]]
//! target = "10.20.5.0/24"     # an address, CIDR or range; the first matching entry wins
//! username = "auditor"
//! password = "…"
//! ```
//! Kept on disk it should be *sealed* (`camwarden creds seal`): encrypted with a key derived from
//! a passphrase by Argon2id and sealed with ChaCha20-Poly1305, so no password sits on disk in
//! clear. camwarden never writes credentials anywhere else and never logs or reports them.

use anyhow::Context as _;
use argon2::Argon2;
use base64::Engine as _;
use camwarden_core::scope::ScopeSet;
use camwarden_scan::audit::OwnerCredential;
use chacha20poly1305::aead::{Aead, KeyInit};
use chacha20poly1305::{ChaCha20Poly1305, Key, Nonce};
use rand::Rng as _;
use std::net::Ipv4Addr;

const MAGIC: &str = "camwarden-sealed-credentials-v1";

#[derive(serde::Deserialize)]
struct File {
    #[serde(default)]
    device: Vec<Entry>,
}

#[derive(serde::Deserialize)]
struct Entry {
    target: String,
    username: String,
    password: String,
    /// A designated test account for `audit --intrusive` (never the administrator's).
    #[serde(default)]
    test_username: Option<String>,
    #[serde(default)]
    test_password: Option<String>,
}

/// Credentials matched to targets.
pub struct Credentials {
    entries: Vec<(ScopeSet, OwnerCredential)>,
}

impl Credentials {
    /// Parse plain TOML text.
    pub fn from_toml(text: &str) -> anyhow::Result<Self> {
        let f: File = toml::from_str(text).map_err(|e| {
            // toml's message quotes the offending line, which may hold a password: keep only
            // the position.
            let span = e
                .span()
                .map(|s| format!(" at byte {}", s.start))
                .unwrap_or_default();
            camwarden_core::Error::invalid(format!("credentials file is not valid TOML{span}"))
        })?;
        let mut entries = Vec::new();
        for (i, e) in f.device.into_iter().enumerate() {
            let scope = ScopeSet::parse(std::slice::from_ref(&e.target), &[])
                .with_context(|| format!("credentials entry {} target", i + 1))?;
            let mut cred = OwnerCredential::new(&e.username, &e.password);
            if let (Some(u), Some(p)) = (&e.test_username, &e.test_password) {
                if *u == e.username {
                    return Err(camwarden_core::Error::invalid(format!(
                        "credentials entry {}: the test account must not be the administrator's",
                        i + 1
                    ))
                    .into());
                }
                cred = cred.with_test_account(u, p);
            }
            entries.push((scope, cred));
        }
        Ok(Credentials { entries })
    }

    /// Load a file, unsealing it when sealed (passphrase from `CAMWARDEN_PASSPHRASE` or a prompt).
    pub fn load(path: &std::path::Path) -> anyhow::Result<Self> {
        let text = std::fs::read_to_string(path)
            .with_context(|| format!("reading credentials {}", path.display()))?;
        if text.starts_with(MAGIC) {
            let pass = passphrase("Passphrase for the sealed credentials: ")?;
            let plain = unseal(&text, &pass)?;
            Self::from_toml(&plain)
        } else {
            Self::from_toml(&text)
        }
    }

    /// One credential for every address (typed at a prompt).
    pub fn single(cred: OwnerCredential) -> Self {
        let all = ScopeSet::parse(&["0.0.0.0/0".to_string()], &[]).unwrap_or_default();
        Credentials {
            entries: vec![(all, cred)],
        }
    }

    /// The credential for an address: the first entry whose target contains it.
    pub fn for_ip(&self, ip: Ipv4Addr) -> Option<&OwnerCredential> {
        self.entries
            .iter()
            .find(|(s, _)| s.contains(ip.into()))
            .map(|(_, c)| c)
    }

    pub fn len(&self) -> usize {
        self.entries.len()
    }
}

/// The passphrase: `CAMWARDEN_PASSPHRASE`, else asked on the terminal without echo.
pub fn passphrase(prompt: &str) -> anyhow::Result<String> {
    if let Ok(p) = std::env::var("CAMWARDEN_PASSPHRASE") {
        return Ok(p);
    }
    rpassword::prompt_password(prompt).context("reading the passphrase")
}

fn key(pass: &str, salt: &[u8]) -> anyhow::Result<Key> {
    let mut out = [0u8; 32];
    Argon2::default()
        .hash_password_into(pass.as_bytes(), salt, &mut out)
        .map_err(|e| anyhow::anyhow!("deriving the key: {e}"))?;
    Ok(Key::from(out))
}

/// Seal plain credentials text with a passphrase.
pub fn seal(plain: &str, pass: &str) -> anyhow::Result<String> {
    let mut rng = rand::rng();
    let salt: [u8; 16] = rng.random();
    let nonce: [u8; 12] = rng.random();
    let cipher = ChaCha20Poly1305::new(&key(pass, &salt)?);
    let ct = cipher
        .encrypt(Nonce::from_slice(&nonce), plain.as_bytes())
        .map_err(|_| anyhow::anyhow!("sealing failed"))?;
    let mut blob = salt.to_vec();
    blob.extend_from_slice(&nonce);
    blob.extend_from_slice(&ct);
    Ok(format!(
        "{MAGIC}\n{}\n",
        base64::engine::general_purpose::STANDARD.encode(blob)
    ))
}

/// Open a sealed file's text.
pub fn unseal(text: &str, pass: &str) -> anyhow::Result<String> {
    let body = text
        .strip_prefix(MAGIC)
        .map(str::trim)
        .ok_or_else(|| camwarden_core::Error::invalid("not a sealed credentials file"))?;
    let blob = base64::engine::general_purpose::STANDARD
        .decode(body)
        .map_err(|_| camwarden_core::Error::invalid("sealed credentials are corrupt"))?;
    if blob.len() < 16 + 12 + 16 {
        return Err(camwarden_core::Error::invalid("sealed credentials are truncated").into());
    }
    let (salt, rest) = blob.split_at(16);
    let (nonce, ct) = rest.split_at(12);
    let cipher = ChaCha20Poly1305::new(&key(pass, salt)?);
    let plain = cipher.decrypt(Nonce::from_slice(nonce), ct).map_err(|_| {
        camwarden_core::Error::denied("wrong passphrase, or the sealed credentials were altered")
    })?;
    String::from_utf8(plain)
        .map_err(|_| camwarden_core::Error::invalid("sealed credentials are not UTF-8").into())
}

#[cfg(test)]
mod tests {
    use super::*;

    const PLAIN: &str = "[[device]]\ntarget = \"127.90.0.0/24\"\nusername = \"auditor\"\npassword = \"Str0ng!Pass\"\n";

    #[test]
    fn seal_round_trip_and_no_clear_text() {
        let sealed = seal(PLAIN, "correct horse").unwrap();
        assert!(!sealed.contains("Str0ng"));
        assert!(!sealed.contains("auditor"));
        assert_eq!(unseal(&sealed, "correct horse").unwrap(), PLAIN);
    }

    #[test]
    fn wrong_passphrase_is_refused() {
        let sealed = seal(PLAIN, "correct horse").unwrap();
        let e = unseal(&sealed, "wrong").unwrap_err();
        assert!(e.to_string().contains("wrong passphrase"));
    }

    #[test]
    fn credentials_match_targets() {
        let c = Credentials::from_toml(PLAIN).unwrap();
        assert_eq!(
            c.for_ip("127.90.0.7".parse().unwrap()).unwrap().username,
            "auditor"
        );
        assert!(c.for_ip("127.91.0.7".parse().unwrap()).is_none());
    }

    #[test]
    fn toml_errors_do_not_echo_the_file() {
        let e = Credentials::from_toml("[[device]]\npassword = \"S3cret\" oops\n")
            .err()
            .unwrap();
        assert!(!format!("{e:#}").contains("S3cret"));
    }
}
