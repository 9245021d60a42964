//! What a scan learns and proves, in the shapes of the public JSON Lines contract
//! (`shared/contracts/scan-jsonl.md`, schema 1). Field names here *are* the contract: renaming
//! one is a breaking change that needs a new schema version.

use serde::{Deserialize, Serialize};
use std::net::Ipv4Addr;

/// The JSON Lines schema version this crate writes.
pub const SCHEMA: u32 = 1;

/// Transport of an open port.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Transport {
    Tcp,
    Udp,
}

/// One open port as reported in a `device` line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PortInfo {
    pub port: u16,
    pub transport: Transport,
    /// Recognised protocol slug: `http`, `rtsp`, `onvif`, `telnet`, `sdk`, `ftp`, `ssh`,
    /// `debug`, `upnp`, `unknown`…
    pub service: String,
    pub tls: bool,
}

/// Finding severity, ordered from least to most severe.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Info,
    Low,
    Medium,
    High,
    Critical,
}

impl Severity {
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

/// Finding category, exactly the contract's list.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Category {
    DefaultCredential,
    UnauthenticatedAccess,
    CredentialDisclosure,
    KnownVulnerability,
    InsecureService,
    CleartextCredentials,
    WeakTls,
    NoBruteForceProtection,
    OutdatedFirmware,
}

impl Category {
    pub fn as_str(self) -> &'static str {
        match self {
            Category::DefaultCredential => "default-credential",
            Category::UnauthenticatedAccess => "unauthenticated-access",
            Category::CredentialDisclosure => "credential-disclosure",
            Category::KnownVulnerability => "known-vulnerability",
            Category::InsecureService => "insecure-service",
            Category::CleartextCredentials => "cleartext-credentials",
            Category::WeakTls => "weak-tls",
            Category::NoBruteForceProtection => "no-brute-force-protection",
            Category::OutdatedFirmware => "outdated-firmware",
        }
    }
}

/// A `device` line: one per host that answered on at least one port.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceLine {
    #[serde(rename = "type")]
    pub kind: String,
    pub schema: u32,
    pub ip: String,
    pub ports: Vec<PortInfo>,
    pub camera: bool,
    pub vendor: Option<String>,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub serial: Option<String>,
    pub mac: Option<String>,
    pub identified_by: Vec<String>,
}

/// A weakness proven on one device: the `finding` line of the contract.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Finding {
    pub ip: String,
    pub port: Option<u16>,
    /// The project's own stable check id, e.g. `default-credential-http`.
    pub check: String,
    pub category: Category,
    /// For `default-credential` and `unauthenticated-access`: `http`, `rtsp`, `onvif`,
    /// `telnet`, `ssh`, `ftp`, `sdk`.
    pub protocol: Option<String>,
    /// For `insecure-service`: `telnet`, `debug`, `ftp`, `upnp`, `ssh`.
    pub service: Option<String>,
    /// CVE ids this finding proves, upper case.
    pub cve: Vec<String>,
    pub severity: Severity,
    /// Requirement ids it bears on, e.g. `QCVN135:2024/2.1.1`. Filled from the framework
    /// catalogs by the pipeline, so checks need not know requirement ids.
    pub requirements: Vec<String>,
    pub title: String,
    /// What was seen, every secret redacted.
    pub evidence: String,
}

/// The closing `summary` line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SummaryLine {
    #[serde(rename = "type")]
    pub kind: String,
    pub schema: u32,
    pub targets: u64,
    pub hosts_up: u64,
    pub cameras: u64,
    pub findings: u64,
    pub duration_s: f64,
    pub scope: Vec<String>,
    pub excluded: Vec<String>,
}

/// Which identity attribute a [`Fact`] asserts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FactKind {
    /// `"true"` when the evidence says camera or recorder, `"false"` when it says something else
    /// (router, printer, NAS…).
    Camera,
    /// `camera`, `nvr`, `dvr`, `router`, `printer`, `nas`, `media-server`, `web-server`…
    DeviceType,
    Vendor,
    Brand,
    Model,
    Firmware,
    Serial,
    Mac,
    /// ONVIF endpoint reference / device UUID: a stable identity key.
    Uuid,
}

/// One thing learned about a device, with where it came from. Facts from many probes are
/// resolved into one identity by weight (see `camwarden_scan::identify`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Fact {
    pub kind: FactKind,
    pub value: String,
    /// Short evidence name as in the contract's `identified_by`, e.g. `http-server-header`.
    pub source: String,
    /// The rule id (fingerprint data) or probe that produced it.
    pub rule: String,
    /// Higher wins when facts of one kind disagree: 10 = a vendor's device-info endpoint,
    /// 5 = a distinctive banner, 1 = a weak hint (a port number).
    pub weight: u8,
    pub port: Option<u16>,
}

/// The resolved identity of one host.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Identity {
    pub camera: bool,
    pub device_type: Option<String>,
    pub vendor: Option<String>,
    pub brand: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub serial: Option<String>,
    pub mac: Option<String>,
    pub uuid: Option<String>,
    pub identified_by: Vec<String>,
}

/// What a scan knows of one host at the end: the input to storage and reports.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct HostReport {
    pub ip: Ipv4Addr,
    pub ports: Vec<PortInfo>,
    pub identity: Identity,
    pub facts: Vec<Fact>,
    pub findings: Vec<Finding>,
    /// Ids of the checks that ran on this host (a requirement can only pass on a check that ran).
    #[serde(default)]
    pub checks_ran: Vec<String>,
    /// Settings read with the owner's credentials (credentialed audit), in the judge's
    /// vocabulary (`telnet-enabled`, `lockout-enabled`…). Never a secret.
    #[serde(default)]
    pub credentialed: std::collections::BTreeMap<String, String>,
}

impl HostReport {
    /// The contract's `device` line for this host.
    pub fn device_line(&self) -> DeviceLine {
        let id = &self.identity;
        DeviceLine {
            kind: "device".into(),
            schema: SCHEMA,
            ip: self.ip.to_string(),
            ports: self.ports.clone(),
            camera: id.camera,
            vendor: id.vendor.clone(),
            brand: id.brand.clone(),
            model: id.model.clone(),
            firmware: id.firmware.clone(),
            serial: id.serial.clone(),
            mac: id.mac.clone(),
            identified_by: id.identified_by.clone(),
        }
    }

    /// The most severe finding, if any.
    pub fn worst(&self) -> Option<&Finding> {
        self.findings.iter().max_by_key(|f| f.severity)
    }
}

/// Vendor slugs of the contract. Appending is allowed; renaming never.
pub const VENDOR_SLUGS: &[&str] = &[
    "hikvision",
    "dahua",
    "xiongmai",
    "uniview",
    "axis",
    "reolink",
    "tp-link",
    "hanwha",
    "avtech",
    "tbk",
    "tvt",
    "dlink",
    "bosch",
    "vivotek",
    "sony",
    "panasonic",
    "mobotix",
    "foscam",
    "ubiquiti",
    "milesight",
    "geovision",
    "grandstream",
    "netgear",
    "other",
];

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn category_serialises_as_contract_slug() {
        let s = serde_json::to_string(&Category::NoBruteForceProtection).unwrap();
        assert_eq!(s, "\"no-brute-force-protection\"");
        assert_eq!(
            Category::NoBruteForceProtection.as_str(),
            "no-brute-force-protection"
        );
    }

    #[test]
    fn severity_orders_by_gravity() {
        assert!(Severity::Critical > Severity::High);
        assert!(Severity::Low > Severity::Info);
    }
}

/// The definition of a check as data (`data/checks/*.toml`): its category, default severity and
/// the texts people read, in Vietnamese and English. Findings take their title from here.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CheckDef {
    pub id: String,
    pub category: Category,
    pub severity: Severity,
    /// For default-credential / unauthenticated-access checks.
    #[serde(default)]
    pub protocol: Option<String>,
    /// For insecure-service checks.
    #[serde(default)]
    pub service: Option<String>,
    /// CVE ids the check proves (request-based CVE checks).
    #[serde(default)]
    pub cve: Vec<String>,
    pub title_en: String,
    pub title_vi: String,
    #[serde(default)]
    pub why_en: String,
    #[serde(default)]
    pub why_vi: String,
    #[serde(default)]
    pub fix_en: String,
    #[serde(default)]
    pub fix_vi: String,
    /// Where the knowledge behind the check comes from.
    #[serde(default)]
    pub source: String,
}

/// The record of one scan: who ran it, under what authorisation, over which scope, with which
/// tool version and options. Stored with the scan and printed in every report.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanMeta {
    /// Time-ordered unique id (UUID v7).
    pub id: String,
    /// RFC 3339 UTC.
    pub started_at: String,
    pub operator: String,
    pub authorization: String,
    pub scope: Vec<String>,
    pub excluded: Vec<String>,
    pub tool_version: String,
    pub org_unit: Option<String>,
    /// The scan's options as JSON (ports, rate, seed…).
    pub options_json: String,
}

/// What changed since the previous scan of the same scope.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct ScanDiff {
    pub previous_scan: String,
    pub previous_started_at: String,
    /// Devices (by IP in this scan) not seen before.
    pub new_devices: Vec<String>,
    /// Devices (by last IP) seen in the previous scan but not in this one.
    pub gone_devices: Vec<String>,
    /// Same device, new address: (old IP, new IP).
    pub moved_devices: Vec<(String, String)>,
    /// (IP, check id) found now but not last time on the same device.
    pub new_findings: Vec<(String, String)>,
    /// (IP, check id) found last time but no longer.
    pub fixed_findings: Vec<(String, String)>,
}
