//! Weak TLS: TLS 1.0/1.1 accepted (probed with a hand-built ClientHello that offers only that
//! version), and weak certificates (expired, RSA < 2048 bits, MD5/SHA-1 signatures).

use super::{CheckEnv, Host};
use crate::proto::tls::{TLS10, TLS11, probe_legacy};
use camwarden_core::model::Finding;
use std::net::SocketAddrV4;

const TLS_PORTS: &[u16] = &[443, 8443, 5001, 7443, 9443, 322];

/// Why a certificate is weak, if it is.
pub fn certificate_weakness(der: &[u8], now_unix: i64) -> Option<String> {
    let (_, cert) = x509_parser::parse_x509_certificate(der).ok()?;
    let mut why = Vec::new();
    let not_after = cert.validity().not_after.timestamp();
    if not_after < now_unix {
        why.push(format!("expired {}", cert.validity().not_after));
    }
    let sig = cert.signature_algorithm.algorithm.to_id_string();
    // md5WithRSA 1.2.840.113549.1.1.4, sha1WithRSA 1.2.840.113549.1.1.5, ecdsa-with-SHA1 1.2.840.10045.4.1
    match sig.as_str() {
        "1.2.840.113549.1.1.4" => why.push("signed with MD5".into()),
        "1.2.840.113549.1.1.5" | "1.2.840.10045.4.1" | "1.3.14.3.2.29" => {
            why.push("signed with SHA-1".into())
        }
        _ => {}
    }
    if let Ok(x509_parser::public_key::PublicKey::RSA(rsa)) = cert.public_key().parsed() {
        let bits = rsa.key_size();
        if bits < 2048 {
            why.push(format!("RSA key of {bits} bits"));
        }
    }
    (!why.is_empty()).then(|| format!("certificate {}: {}", cert.subject(), why.join(", ")))
}

pub async fn run(host: &Host, env: &CheckEnv) -> Vec<Finding> {
    let mut ports: Vec<u16> = host
        .ports
        .iter()
        .filter(|p| p.tls || TLS_PORTS.contains(&p.port))
        .map(|p| p.port)
        .collect();
    ports.dedup();
    if ports.is_empty() {
        return Vec::new();
    }
    env.mark_ran("weak-tls-protocol");
    env.mark_ran("weak-tls-certificate");
    let now = jiff::Timestamp::now().as_second();
    let mut out = Vec::new();
    for port in ports {
        let addr = SocketAddrV4::new(host.ip, port);
        let mut certs: Vec<Vec<u8>> = env
            .net
            .certs
            .lock()
            .map(|c| {
                c.iter()
                    .filter(|(a, _)| *a == addr)
                    .flat_map(|(_, ch)| ch.first().cloned())
                    .collect()
            })
            .unwrap_or_default();
        let mut legacy = Vec::new();
        for (v, name) in [(TLS10, "TLS 1.0"), (TLS11, "TLS 1.1")] {
            if let Ok(a) = probe_legacy(&env.net, addr, v).await {
                if a.version == Some(v) {
                    legacy.push(format!("{name} (suite 0x{:04x})", a.cipher.unwrap_or(0)));
                }
                if certs.is_empty() {
                    certs.extend(a.certs.into_iter().take(1));
                }
            }
        }
        if !legacy.is_empty() {
            out.push(env.finding(
                host,
                "weak-tls-protocol",
                Some(port),
                format!("ServerHello accepted {}", legacy.join(" and ")),
            ));
        }
        if let Some(why) = certs.first().and_then(|c| certificate_weakness(c, now)) {
            out.push(env.finding(host, "weak-tls-certificate", Some(port), why));
        }
    }
    out
}
