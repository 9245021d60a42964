//! The lab: emulated IP cameras, recorders, decoys and hostile hosts on 127.x addresses, each
//! with documented ground truth, for tests, benchmarks and `camwarden demo`.
//!
//! Devices reproduce the shapes the vendor reference documents (banners, realms, JSON/XML
//! bodies, error codes) and their quirks (any-path RTSP 200, Digest-only, lockout after 5
//! failures within 30 s across protocols). Every device counts connections, failed logins,
//! lockouts, sessions and *violations* — anything a polite auditor must never do (writes,
//! configuration or credential-store downloads, commands in a shell) — so tests can prove the
//! scanner's manners, not just its findings. See docs/guide/lab.md.

mod auth;
pub mod profiles;
pub mod score;
mod serve;
mod state;
mod wire;

pub use profiles::Profile;
pub use state::DeviceStats;

use profiles::{Dev, Svc};
use serde::Serialize;
use std::collections::BTreeMap;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::Arc;
use tokio_util::sync::CancellationToken;

/// The certificate of the TLS-1.0-only recorder: expired (2020), RSA 1024, SHA-1, made once with
/// `openssl ca -startdate 20150601000000Z -enddate 20200601000000Z -md sha1` (no key is kept:
/// the lab never completes a legacy handshake).
pub(crate) const LEGACY_CERT: &[u8] =
    include_bytes!("../fixtures/hikvision_nvr_tls10_expired_rsa1024_sha1.der");

pub(crate) fn sofia_hash(password: &str) -> String {
    use md5::Digest as _;
    let md5 = md5::Md5::digest(password.as_bytes());
    (0..8)
        .map(|n| {
            let c = (u32::from(md5[2 * n]) + u32::from(md5[2 * n + 1])) % 62;
            (match c {
                0..=9 => b'0' + c as u8,
                10..=35 => b'A' + (c - 10) as u8,
                _ => b'a' + (c - 36) as u8,
            }) as char
        })
        .collect()
}

/// A weakness planted on a lab device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Planted {
    /// A contract category.
    pub category: String,
    pub protocol: Option<String>,
    pub service: Option<String>,
    pub cve: Option<String>,
    pub port: Option<u16>,
    pub note: String,
}

/// Ground truth of one lab device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Truth {
    pub ip: String,
    pub label: String,
    pub camera: bool,
    pub vendor: Option<String>,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub serial: Option<String>,
    pub mac: Option<String>,
    pub hostile: bool,
    pub open_ports: Vec<u16>,
    pub weaknesses: Vec<Planted>,
}

/// One device to run.
#[derive(Debug, Clone)]
pub struct DeviceSpec {
    pub ip: Ipv4Addr,
    pub profile: Profile,
    /// Label suffix (`-out-of-scope` marks the device tests keep outside the scope).
    pub suffix: &'static str,
}

/// What to run.
#[derive(Debug, Clone, Default)]
pub struct LabSpec {
    pub devices: Vec<DeviceSpec>,
    /// How long a lockout lasts (Decision 724: 5 minutes; tests shorten it).
    pub lock_for: Option<std::time::Duration>,
}

fn offset(base: Ipv4Addr, n: u32) -> Ipv4Addr {
    Ipv4Addr::from(u32::from(base) + n)
}

impl LabSpec {
    /// Every profile once on `base`/24 (from .10), plus a Hikvision camera at .200 that tests
    /// keep outside the scope.
    pub fn builtin(base: Ipv4Addr) -> LabSpec {
        let base = Ipv4Addr::from(u32::from(base) & 0xFFFF_FF00);
        let mut devices: Vec<DeviceSpec> = Profile::ALL
            .iter()
            .enumerate()
            .map(|(i, p)| DeviceSpec {
                ip: offset(base, 10 + i as u32),
                profile: *p,
                suffix: "",
            })
            .collect();
        devices.push(DeviceSpec {
            ip: offset(base, 200),
            profile: Profile::HikvisionOld,
            suffix: "-out-of-scope",
        });
        LabSpec {
            devices,
            lock_for: None,
        }
    }

    /// `n` cameras rotating over common profiles, from `base` upward (skipping .0 and .255).
    /// No hostile hosts: they would dominate timings.
    pub fn fleet(base: Ipv4Addr, n: usize) -> LabSpec {
        const ROTATION: [Profile; 6] = [
            Profile::HikvisionOld,
            Profile::DahuaIpc,
            Profile::XiongmaiDvr,
            Profile::GenericOnvif,
            Profile::AxisIpc,
            Profile::ReolinkIpc,
        ];
        let mut devices = Vec::with_capacity(n);
        let mut ip = u32::from(base);
        while devices.len() < n {
            let a = Ipv4Addr::from(ip);
            ip += 1;
            if a.octets()[3] == 0 || a.octets()[3] == 255 {
                continue;
            }
            devices.push(DeviceSpec {
                ip: a,
                profile: ROTATION[devices.len() % ROTATION.len()],
                suffix: "",
            });
        }
        LabSpec {
            devices,
            lock_for: None,
        }
    }
}

/// Errors starting the lab.
#[derive(Debug, thiserror::Error)]
pub enum LabError {
    #[error("the lab runs on loopback only; {0} is not in 127.0.0.0/8")]
    NotLoopback(Ipv4Addr),
    #[error("cannot listen on {addr}: {source}")]
    Bind {
        addr: SocketAddrV4,
        source: std::io::Error,
    },
    #[error("TLS setup: {0}")]
    Tls(String),
}

/// Counters of every device.
#[derive(Debug, Clone, Default)]
pub struct LabStats {
    pub per_device: BTreeMap<Ipv4Addr, DeviceStats>,
}

/// A running lab.
pub struct Lab {
    truth: Vec<Truth>,
    devices: Vec<Arc<Dev>>,
    cancel: CancellationToken,
    tasks: tokio::task::JoinSet<()>,
}

fn tls_acceptor(ip: Ipv4Addr) -> Result<tokio_rustls::TlsAcceptor, LabError> {
    let mut params = rcgen::CertificateParams::new(vec![ip.to_string()])
        .map_err(|e| LabError::Tls(e.to_string()))?;
    params
        .distinguished_name
        .push(rcgen::DnType::OrganizationName, "HIKVISION");
    params
        .distinguished_name
        .push(rcgen::DnType::CommonName, "IP Camera");
    let key = rcgen::KeyPair::generate().map_err(|e| LabError::Tls(e.to_string()))?;
    let cert = params
        .self_signed(&key)
        .map_err(|e| LabError::Tls(e.to_string()))?;
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    let der = rustls::pki_types::PrivateKeyDer::try_from(key.serialize_der())
        .map_err(|e| LabError::Tls(e.to_string()))?;
    let cfg = rustls::ServerConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()
        .map_err(|e| LabError::Tls(e.to_string()))?
        .with_no_client_auth()
        .with_single_cert(vec![cert.der().clone()], der)
        .map_err(|e| LabError::Tls(e.to_string()))?;
    Ok(tokio_rustls::TlsAcceptor::from(Arc::new(cfg)))
}

impl Lab {
    /// Bind every listener and start serving.
    pub async fn start(spec: LabSpec) -> Result<Lab, LabError> {
        let cancel = CancellationToken::new();
        let mut tasks = tokio::task::JoinSet::new();
        let mut truth = Vec::new();
        let mut devices = Vec::new();
        for d in &spec.devices {
            if !d.ip.is_loopback() {
                return Err(LabError::NotLoopback(d.ip));
            }
            let dev = Arc::new(Dev::new(
                d.ip,
                d.profile,
                spec.lock_for.unwrap_or(state::LOCK_FOR),
            ));
            let mut t = d.profile.truth(d.ip);
            t.label.push_str(d.suffix);
            truth.push(t);
            let tls = if d.profile.ports().iter().any(|(_, s)| *s == Svc::Https) {
                Some(tls_acceptor(d.ip)?)
            } else {
                None
            };
            for (port, svc) in d.profile.ports() {
                debug_assert_ne!(
                    port, 2024,
                    "port 2024 belongs to the machine, never to the lab"
                );
                let addr = SocketAddrV4::new(d.ip, port);
                let sock = tokio::net::TcpSocket::new_v4()
                    .map_err(|source| LabError::Bind { addr, source })?;
                let _ = sock.set_reuseaddr(true);
                sock.bind(addr.into())
                    .map_err(|source| LabError::Bind { addr, source })?;
                let listener = sock
                    .listen(1024)
                    .map_err(|source| LabError::Bind { addr, source })?;
                let dev = dev.clone();
                let cancel = cancel.clone();
                let tls = tls.clone();
                tasks.spawn(async move {
                    let mut conns = tokio::task::JoinSet::new();
                    loop {
                        tokio::select! {
                            _ = cancel.cancelled() => break,
                            acc = listener.accept() => {
                                let Ok((stream, _)) = acc else { continue };
                                let dev = dev.clone();
                                let tls = tls.clone();
                                conns.spawn(serve::handle(dev, svc, port, stream, tls));
                                while conns.try_join_next().is_some() {}
                            }
                        }
                    }
                    conns.abort_all();
                });
            }
            devices.push(dev);
        }
        Ok(Lab {
            truth,
            devices,
            cancel,
            tasks,
        })
    }

    pub fn truth(&self) -> &[Truth] {
        &self.truth
    }

    pub fn stats(&self) -> LabStats {
        LabStats {
            per_device: self
                .devices
                .iter()
                .map(|d| (d.ip, d.state.stats()))
                .collect(),
        }
    }

    pub async fn shutdown(mut self) {
        self.cancel.cancel();
        while self.tasks.join_next().await.is_some() {}
    }
}
