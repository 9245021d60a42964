//! TLS: a permissive rustls client (records the chain, verifies nothing — we audit certificates,
//! we do not trust them). The hand-built legacy ClientHello probe lives here too.

use rustls::client::danger::{HandshakeSignatureValid, ServerCertVerified, ServerCertVerifier};
use rustls::pki_types::{CertificateDer, ServerName, UnixTime};
use rustls::{DigitallySignedStruct, SignatureScheme};
use std::sync::Arc;

#[derive(Debug)]
struct AcceptAny(Arc<rustls::crypto::CryptoProvider>);

impl ServerCertVerifier for AcceptAny {
    fn verify_server_cert(
        &self,
        _end_entity: &CertificateDer<'_>,
        _intermediates: &[CertificateDer<'_>],
        _server_name: &ServerName<'_>,
        _ocsp_response: &[u8],
        _now: UnixTime,
    ) -> Result<ServerCertVerified, rustls::Error> {
        Ok(ServerCertVerified::assertion())
    }
    fn verify_tls12_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn verify_tls13_signature(
        &self,
        _message: &[u8],
        _cert: &CertificateDer<'_>,
        _dss: &DigitallySignedStruct,
    ) -> Result<HandshakeSignatureValid, rustls::Error> {
        Ok(HandshakeSignatureValid::assertion())
    }
    fn supported_verify_schemes(&self) -> Vec<SignatureScheme> {
        self.0.signature_verification_algorithms.supported_schemes()
    }
}

/// A client config that accepts any certificate, using the ring provider explicitly (no process
/// default is assumed, so library users cannot trip over two installed providers).
pub fn permissive_client_config() -> rustls::ClientConfig {
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    rustls::ClientConfig::builder_with_provider(provider.clone())
        .with_safe_default_protocol_versions()
        .expect("ring supports the default protocol versions")
        .dangerous()
        .with_custom_certificate_verifier(Arc::new(AcceptAny(provider)))
        .with_no_client_auth()
}

/// What a server answered to a ClientHello offering exactly one legacy version.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct LegacyAnswer {
    /// The version of the ServerHello, when the server agreed to one.
    pub version: Option<u16>,
    pub cipher: Option<u16>,
    /// The certificate chain (DER), sent in clear before TLS 1.3.
    pub certs: Vec<Vec<u8>>,
    /// The server refused with an alert.
    pub alert: bool,
}

pub const TLS10: u16 = 0x0301;
pub const TLS11: u16 = 0x0302;
pub const TLS12: u16 = 0x0303;

/// A ClientHello offering only `version` with the suites old camera firmware speaks (RSA key
/// exchange, CBC, 3DES, RC4, and ECDHE/DHE with CBC). Built by hand because rustls (rightly)
/// cannot speak TLS 1.0/1.1, and a TLS-1.0-only camera would otherwise not even show its
/// certificate.
pub fn legacy_client_hello(version: u16) -> Vec<u8> {
    let suites: [u16; 10] = [
        0xC013, 0xC014, 0x002F, 0x0035, 0x0033, 0x0039, 0x000A, 0x0005, 0x0004, 0x00FF,
    ];
    let mut body = Vec::new();
    body.extend_from_slice(&version.to_be_bytes());
    let random: [u8; 32] = rand::random();
    body.extend_from_slice(&random);
    body.push(0); // no session id
    body.extend_from_slice(&((suites.len() * 2) as u16).to_be_bytes());
    for s in suites {
        body.extend_from_slice(&s.to_be_bytes());
    }
    body.extend_from_slice(&[1, 0]); // compression: null
    // Extensions: supported_groups (secp256r1, secp384r1) and ec_point_formats (uncompressed),
    // so ECDHE suites are usable.
    let ext: [u8; 18] = [
        0x00, 0x0a, 0x00, 0x06, 0x00, 0x04, 0x00, 0x17, 0x00, 0x18, //
        0x00, 0x0b, 0x00, 0x02, 0x01, 0x00, 0, 0,
    ];
    let ext = &ext[..16];
    body.extend_from_slice(&(ext.len() as u16).to_be_bytes());
    body.extend_from_slice(ext);
    let mut hs = vec![1u8];
    hs.extend_from_slice(&(body.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&body);
    let mut rec = vec![0x16];
    rec.extend_from_slice(&TLS10.to_be_bytes());
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    rec
}

/// Parse the server's first flight: records until ServerHelloDone, an alert, or the bytes run out.
/// Returns `None` while more bytes are needed.
pub fn parse_server_flight(buf: &[u8]) -> Option<LegacyAnswer> {
    use tls_parser::{TlsMessage, TlsMessageHandshake, TlsRecordType};
    let mut ans = LegacyAnswer::default();
    let mut hs = Vec::new();
    let mut rest = buf;
    loop {
        match tls_parser::parse_tls_raw_record(rest) {
            Ok((r, rec)) => {
                rest = r;
                if rec.hdr.record_type == TlsRecordType::Alert {
                    ans.alert = true;
                    return Some(ans);
                }
                if rec.hdr.record_type != TlsRecordType::Handshake {
                    return Some(ans);
                }
                hs.extend_from_slice(rec.data);
            }
            Err(tls_parser::nom::Err::Incomplete(_)) => break,
            Err(_) => return Some(ans), // not TLS at all
        }
    }
    let mut msgs = hs.as_slice();
    while !msgs.is_empty() {
        match tls_parser::parse_tls_message_handshake(msgs) {
            Ok((r, m)) => {
                msgs = r;
                if let TlsMessage::Handshake(h) = m {
                    match h {
                        TlsMessageHandshake::ServerHello(sh) => {
                            ans.version = Some(sh.version.0);
                            ans.cipher = Some(sh.cipher.0);
                        }
                        TlsMessageHandshake::Certificate(c) => {
                            ans.certs = c.cert_chain.iter().map(|x| x.data.to_vec()).collect();
                        }
                        TlsMessageHandshake::ServerDone(_) => return Some(ans),
                        _ => {}
                    }
                }
            }
            Err(_) => break,
        }
    }
    // Have the hello and the certificate (or everything the peer sent): enough.
    if ans.version.is_some() && !ans.certs.is_empty() {
        return Some(ans);
    }
    None
}

/// Offer exactly `version` and report what the server did. Never completes a handshake.
pub async fn probe_legacy(
    net: &crate::net::Net,
    addr: std::net::SocketAddrV4,
    version: u16,
) -> crate::Result<LegacyAnswer> {
    let stream = net.connect(addr).await?;
    let mut conn = crate::net::Conn::new(stream, net.limits);
    conn.send(&legacy_client_hello(version)).await?;
    let deadline = tokio::time::Instant::now() + net.limits.exchange_timeout;
    let mut answer = LegacyAnswer::default();
    loop {
        if let Some(a) = parse_server_flight(conn.buffered()) {
            answer = a;
            break;
        }
        if conn.buffered().len() > 128 * 1024 {
            break;
        }
        match conn.fill(deadline).await {
            Ok(0) | Err(_) => {
                if let Some(a) = parse_server_flight(conn.buffered()) {
                    answer = a;
                }
                break;
            }
            Ok(_) => {}
        }
    }
    conn.close().await;
    Ok(answer)
}

#[cfg(test)]
mod legacy_tests {
    use super::*;

    #[test]
    fn hello_is_a_well_formed_tls10_record() {
        let h = legacy_client_hello(TLS10);
        assert_eq!(&h[..3], &[0x16, 0x03, 0x01]);
        let len = u16::from_be_bytes([h[3], h[4]]) as usize;
        assert_eq!(len, h.len() - 5);
        let (_, rec) = tls_parser::parse_tls_plaintext(&h).expect("parses as TLS");
        assert_eq!(rec.msg.len(), 1);
    }

    #[test]
    fn alert_and_garbage_are_not_acceptance() {
        let alert = [0x15, 0x03, 0x01, 0x00, 0x02, 0x02, 0x46];
        let a = parse_server_flight(&alert).unwrap();
        assert!(a.alert && a.version.is_none());
        let g = parse_server_flight(b"HTTP/1.1 400 Bad Request\r\n\r\n").unwrap();
        assert!(g.version.is_none());
        assert!(
            parse_server_flight(&[0x16, 0x03]).is_none(),
            "needs more bytes"
        );
    }
}
