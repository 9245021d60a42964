//! Non-destructive checks. Each check looks at a [`Host`] (what discovery and identification
//! learned) and proves weaknesses with the least data, returning contract [`Finding`]s whose
//! evidence has every secret redacted.
//!
//! Checks run only where they fit what was identified (a Dahua RPC2 probe is not sent to an Axis
//! camera), share the device's [`budget::CredentialBudget`] for anything that could count as a
//! failed login, and never write to a device.

pub mod bruteforce;
pub mod budget;
pub mod creds;
pub mod services;
pub mod tls;
pub mod unauth;
pub mod vulns;
pub mod web;

use crate::data::Knowledge;
use crate::net::Net;
use crate::proto::http::{Endpoint, Http};
use crate::proto::msg::Reply;
use budget::CredentialBudget;
use camwarden_core::model::{Fact, Finding, Identity, PortInfo};
use std::collections::BTreeSet;
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::{Arc, Mutex};

/// Everything known about one host when checks start.
#[derive(Debug, Clone)]
pub struct Host {
    pub ip: Ipv4Addr,
    /// Open ports with the service recognised on each.
    pub ports: Vec<PortInfo>,
    /// Web endpoints (HTTP or HTTPS) found on the host.
    pub http: Vec<Endpoint>,
    /// RTSP services.
    pub rtsp: Vec<SocketAddrV4>,
    /// ONVIF device services: endpoint and path (usually `/onvif/device_service`).
    pub onvif: Vec<(Endpoint, String)>,
    pub identity: Identity,
    pub facts: Vec<Fact>,
    /// Replies already fetched during identification (`GET /` per web endpoint…), so checks
    /// need not ask again.
    pub pages: Vec<(Endpoint, String, Reply)>,
}

impl Host {
    pub fn new(ip: Ipv4Addr) -> Self {
        Host {
            ip,
            ports: Vec::new(),
            http: Vec::new(),
            rtsp: Vec::new(),
            onvif: Vec::new(),
            identity: Identity::default(),
            facts: Vec::new(),
            pages: Vec::new(),
        }
    }

    pub fn has_port(&self, port: u16) -> bool {
        self.ports.iter().any(|p| p.port == port)
    }

    /// The service recognised on a port, if the port is open.
    pub fn service(&self, port: u16) -> Option<&str> {
        self.ports
            .iter()
            .find(|p| p.port == port)
            .map(|p| p.service.as_str())
    }

    /// The identified vendor slug, if any.
    pub fn vendor(&self) -> Option<&str> {
        self.identity.vendor.as_deref()
    }

    /// True when the vendor is `slug` or not known at all (a check for that vendor may apply).
    pub fn maybe_vendor(&self, slug: &str) -> bool {
        self.vendor().is_none_or(|v| v == slug)
    }

    /// A page fetched during identification.
    pub fn page(&self, ep: Endpoint, path: &str) -> Option<&Reply> {
        self.pages
            .iter()
            .find(|(e, p, _)| *e == ep && p == path)
            .map(|(_, _, r)| r)
    }

    pub fn addr(&self, port: u16) -> SocketAddrV4 {
        SocketAddrV4::new(self.ip, port)
    }
}

/// Options the operator chose.
#[derive(Debug, Clone, Copy)]
pub struct CheckOptions {
    /// Try default credentials (on by default; `--no-credentials` turns it off).
    pub credentials: bool,
    /// Run active tests that may trigger lockouts on a designated test account (issue 3).
    pub intrusive: bool,
}

impl Default for CheckOptions {
    fn default() -> Self {
        CheckOptions {
            credentials: true,
            intrusive: false,
        }
    }
}

/// What a check needs: the scoped network, the knowledge, the device's credential budget.
#[derive(Clone)]
pub struct CheckEnv {
    pub net: Net,
    pub http: Http,
    pub kb: Arc<Knowledge>,
    pub budget: Arc<CredentialBudget>,
    pub opts: CheckOptions,
    /// Ids of the checks that ran on this device (judging needs to know what was looked at).
    pub ran: Arc<Mutex<BTreeSet<String>>>,
    /// Identity facts learned by checks (device info read through a proven weakness or a
    /// default credential), merged into the identity after the checks.
    pub learned: Arc<Mutex<Vec<Fact>>>,
}

impl CheckEnv {
    pub fn new(
        net: Net,
        kb: Arc<Knowledge>,
        budget: Arc<CredentialBudget>,
        opts: CheckOptions,
    ) -> Self {
        CheckEnv {
            http: Http::new(net.clone()),
            net,
            kb,
            budget,
            opts,
            ran: Arc::default(),
            learned: Arc::default(),
        }
    }

    /// Record that a check ran (whether or not it found something).
    pub fn mark_ran(&self, check: &str) {
        if let Ok(mut r) = self.ran.lock() {
            r.insert(check.to_string());
        }
    }

    /// Remember identity facts a check learned.
    pub fn learn(&self, facts: Vec<Fact>) {
        if let Ok(mut l) = self.learned.lock() {
            l.extend(facts);
        }
    }

    /// The checks that ran so far.
    pub fn checks_ran(&self) -> Vec<String> {
        self.ran
            .lock()
            .map(|r| r.iter().cloned().collect())
            .unwrap_or_default()
    }

    /// A finding for `check` on `host`, with category, severity, protocol, service, CVEs and
    /// title taken from the check's data definition. An id without a definition is a bug in the
    /// data; it still yields a finding (never lose a proven weakness) titled with the id.
    pub fn finding(
        &self,
        host: &Host,
        check: &str,
        port: Option<u16>,
        evidence: String,
    ) -> Finding {
        use camwarden_core::model::{Category, Severity};
        match self.kb.checks.get(check) {
            Some(def) => Finding {
                ip: host.ip.to_string(),
                port,
                check: def.id.clone(),
                category: def.category,
                protocol: def.protocol.clone(),
                service: def.service.clone(),
                cve: def.cve.clone(),
                severity: def.severity,
                requirements: Vec::new(),
                title: def.title_en.clone(),
                evidence,
            },
            None => {
                tracing::warn!(check, "check has no definition in data/checks");
                Finding {
                    ip: host.ip.to_string(),
                    port,
                    check: check.to_string(),
                    category: Category::KnownVulnerability,
                    protocol: None,
                    service: None,
                    cve: Vec::new(),
                    severity: Severity::Medium,
                    requirements: Vec::new(),
                    title: check.to_string(),
                    evidence,
                }
            }
        }
    }
}
