//! Identification: what each open port speaks, and what the device is.
//!
//! Probing (`probe.rs`) turns a few bounded, read-only exchanges per port into [`Evidence`]
//! (named texts: a Server header, a realm, a title, a favicon hash, an RTSP banner…). Rules from
//! `data/fingerprints/*.toml` turn evidence into [`Fact`]s with weights, and [`resolve`] turns
//! facts into one [`Identity`]. Structured device-information replies (ONVIF
//! GetDeviceInformation, AVTECH capability text, Axis unrestricted properties) are read by
//! extractors in `extract.rs` and carry the highest weights.
//!
//! The camera verdict counts each kind of evidence once (its strongest fact), so a hostile host
//! that merely has several camera ports open is not a camera, and a decoy rule (router, printer,
//! NAS, media server) can outvote weak camera hints but not a distinctive camera banner.

mod extract;
mod probe;
#[cfg(test)]
mod tests;

use crate::check::Host;
use crate::data::Knowledge;
use crate::error::{Error, ErrorKind, Result};
use camwarden_core::model::{Fact, FactKind, Identity, VENDOR_SLUGS};
use regex::Regex;
use std::collections::{BTreeMap, BTreeSet};
use std::net::Ipv4Addr;

pub use extract::vendor_from_manufacturer;

/// Facts from a Hikvision deviceInfo XML body (read through a weakness or with credentials).
pub fn extract_hikvision(body: &[u8], port: Option<u16>) -> Vec<Fact> {
    extract::hikvision_device_info(body, port)
}

/// Facts from a vendor device-information reply read by a check (weight of a device-info
/// endpoint).
pub fn facts_from_device_info(
    vendor: &str,
    model: Option<&str>,
    firmware: Option<&str>,
    port: Option<u16>,
) -> Vec<Fact> {
    let mut out = Vec::new();
    let mut push = |kind: FactKind, v: &str| {
        let v = v.trim();
        if !v.is_empty() {
            out.push(Fact {
                kind,
                value: v.chars().take(128).collect(),
                source: "http-device-info".into(),
                rule: "check-device-info".into(),
                weight: 10,
                port,
            });
        }
    };
    if !vendor.is_empty() && VENDOR_SLUGS.contains(&vendor) {
        push(FactKind::Vendor, vendor);
    }
    if let Some(m) = model {
        push(FactKind::Model, m);
    }
    if let Some(f) = firmware {
        push(FactKind::Firmware, f);
    }
    out
}
pub use probe::identify_host;

/// A named piece of text a device sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Evidence {
    /// `http-server-header`, `http-title`, `rtsp-realm`…
    pub kind: String,
    pub text: String,
    pub port: Option<u16>,
}

impl Evidence {
    pub fn new(kind: &str, text: impl Into<String>, port: Option<u16>) -> Self {
        Evidence {
            kind: kind.to_string(),
            text: text.into(),
            port,
        }
    }
}

#[derive(Debug, serde::Deserialize)]
struct RuleFile {
    #[serde(default)]
    rule: Vec<RuleSpec>,
}

#[derive(Debug, serde::Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: String,
    evidence: String,
    pattern: String,
    #[serde(default)]
    vendor: Option<String>,
    #[serde(default)]
    brand: Option<String>,
    #[serde(default)]
    camera: Option<bool>,
    #[serde(default)]
    device_type: Option<String>,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    firmware: Option<String>,
    #[serde(default)]
    serial: Option<String>,
    #[serde(default)]
    mac: Option<String>,
    weight: u8,
    source: String,
}

/// One compiled rule.
#[derive(Debug)]
pub struct Rule {
    pub id: String,
    pub evidence: String,
    re: Regex,
    spec: RuleSpec,
}

/// All rules, grouped by evidence kind.
#[derive(Debug, Default)]
pub struct Rules {
    by_kind: BTreeMap<String, Vec<Rule>>,
}

impl Rules {
    /// Compile every `fingerprints/*.toml` file of the knowledge.
    pub fn load(kb: &Knowledge) -> Result<Rules> {
        let mut rules = Rules::default();
        let mut ids = BTreeSet::new();
        for (path, text) in kb.files_under("fingerprints/") {
            if !path.ends_with(".toml") {
                continue;
            }
            let f: RuleFile = toml::from_str(text)
                .map_err(|e| Error::new(ErrorKind::InvalidArgument, format!("data/{path}: {e}")))?;
            for spec in f.rule {
                let bad = |m: String| {
                    Error::new(
                        ErrorKind::InvalidArgument,
                        format!("data/{path}: rule {}: {m}", spec.id),
                    )
                };
                if !ids.insert(spec.id.clone()) {
                    return Err(bad("duplicate id".into()));
                }
                if let Some(v) = &spec.vendor
                    && !VENDOR_SLUGS.contains(&v.as_str())
                {
                    return Err(bad(format!("vendor {v:?} is not a contract slug")));
                }
                if spec.source.trim().is_empty() {
                    return Err(bad("no source".into()));
                }
                let re = regex::RegexBuilder::new(&spec.pattern)
                    .size_limit(1 << 20)
                    .build()
                    .map_err(|e| bad(format!("pattern: {e}")))?;
                rules
                    .by_kind
                    .entry(spec.evidence.clone())
                    .or_default()
                    .push(Rule {
                        id: spec.id.clone(),
                        evidence: spec.evidence.clone(),
                        re,
                        spec,
                    });
            }
        }
        Ok(rules)
    }

    pub fn len(&self) -> usize {
        self.by_kind.values().map(Vec::len).sum()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Facts from one piece of evidence.
    pub fn apply(&self, ev: &Evidence) -> Vec<Fact> {
        let mut out = Vec::new();
        let Some(rules) = self.by_kind.get(&ev.kind) else {
            return out;
        };
        // Evidence text is device-controlled: bound what the regexes see.
        let text: String = ev.text.chars().take(16 * 1024).collect();
        for r in rules {
            let Some(caps) = r.re.captures(&text) else {
                continue;
            };
            let s = &r.spec;
            let fact = |kind: FactKind, value: String| Fact {
                kind,
                value,
                source: ev.kind.clone(),
                rule: r.id.clone(),
                weight: s.weight,
                port: ev.port,
            };
            let expand = |tpl: &str| {
                let mut v = String::new();
                caps.expand(tpl, &mut v);
                v.trim().to_string()
            };
            if let Some(c) = s.camera {
                out.push(fact(FactKind::Camera, c.to_string()));
            }
            if let Some(v) = &s.vendor {
                out.push(fact(FactKind::Vendor, v.clone()));
            }
            if let Some(v) = &s.brand {
                out.push(fact(FactKind::Brand, v.clone()));
            }
            if let Some(v) = &s.device_type {
                out.push(fact(FactKind::DeviceType, v.clone()));
            }
            for (kind, tpl) in [
                (FactKind::Model, &s.model),
                (FactKind::Firmware, &s.firmware),
                (FactKind::Serial, &s.serial),
                (FactKind::Mac, &s.mac),
            ] {
                if let Some(t) = tpl {
                    let v = expand(t);
                    if !v.is_empty() {
                        out.push(fact(kind, v));
                    }
                }
            }
        }
        out
    }
}

/// Format a MAC address as lower-case colon pairs, if it is one.
pub fn mac(text: &str) -> Option<String> {
    let hex: String = text.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    (hex.len() == 12).then(|| {
        let h = hex.to_ascii_lowercase();
        (0..6)
            .map(|i| &h[2 * i..2 * i + 2])
            .collect::<Vec<_>>()
            .join(":")
    })
}

/// Resolve facts into one identity (see the module documentation).
pub fn resolve(facts: &[Fact]) -> Identity {
    // Camera: per evidence kind, the strongest opinion each way.
    let mut yes: BTreeMap<&str, u8> = BTreeMap::new();
    let mut no: BTreeMap<&str, u8> = BTreeMap::new();
    for f in facts.iter().filter(|f| f.kind == FactKind::Camera) {
        let m = if f.value == "true" { &mut yes } else { &mut no };
        let e = m.entry(f.source.as_str()).or_insert(0);
        *e = (*e).max(f.weight);
    }
    let t: u32 = yes.values().map(|w| u32::from(*w)).sum();
    let n: u32 = no.values().map(|w| u32::from(*w)).sum();
    let camera = t > n && t >= 4;

    let best = |kind: FactKind| -> Option<(String, u32)> {
        let mut score: BTreeMap<&str, u32> = BTreeMap::new();
        for f in facts.iter().filter(|f| f.kind == kind) {
            *score.entry(f.value.as_str()).or_insert(0) += u32::from(f.weight);
        }
        score
            .into_iter()
            .max_by(|a, b| a.1.cmp(&b.1).then(b.0.cmp(a.0)))
            .map(|(v, s)| (v.to_string(), s))
    };
    let vendor = if camera {
        best(FactKind::Vendor).map(|v| v.0)
    } else {
        None
    };
    let brand = if camera {
        best(FactKind::Brand)
            .map(|v| v.0)
            .filter(|b| Some(b) != vendor.as_ref())
    } else {
        None
    };
    // Attribute values (model, serial…) only from facts that do not contradict the vendor.
    let consistent = |f: &Fact| -> bool {
        match &vendor {
            None => true,
            Some(v) => !facts
                .iter()
                .any(|g| g.kind == FactKind::Vendor && g.rule == f.rule && g.value != *v),
        }
    };
    let attr = |kind: FactKind| -> Option<String> {
        facts
            .iter()
            .filter(|f| f.kind == kind && consistent(f))
            .max_by_key(|f| f.weight)
            .map(|f| f.value.clone())
    };
    let mut identified_by: Vec<String> = Vec::new();
    for f in facts {
        let supports = match f.kind {
            FactKind::Camera => (f.value == "true") == camera,
            FactKind::Vendor => Some(&f.value) == vendor.as_ref(),
            _ => camera && consistent(f),
        };
        if supports && !identified_by.contains(&f.source) {
            identified_by.push(f.source.clone());
        }
    }
    let model = if camera { attr(FactKind::Model) } else { None };
    let firmware = if camera {
        attr(FactKind::Firmware)
    } else {
        None
    };
    let serial = if camera { attr(FactKind::Serial) } else { None };
    let mac_addr = if camera {
        attr(FactKind::Mac).and_then(|m| mac(&m))
    } else {
        None
    };
    let uuid = attr(FactKind::Uuid);
    Identity {
        camera,
        device_type: best(FactKind::DeviceType).map(|v| v.0),
        vendor,
        brand,
        model,
        firmware,
        serial,
        mac: mac_addr,
        uuid,
        identified_by,
    }
}

/// Identity of a host from its collected evidence and extracted facts.
pub fn identity_of(rules: &Rules, host: &mut Host, evidence: &[Evidence]) {
    for ev in evidence {
        host.facts.extend(rules.apply(ev));
    }
    host.identity = resolve(&host.facts);
}

/// For tests and tools: apply rules to evidence and resolve, without a network.
pub fn identify_offline(
    rules: &Rules,
    ip: Ipv4Addr,
    evidence: &[Evidence],
    extra: Vec<Fact>,
) -> Host {
    let mut host = Host::new(ip);
    host.facts = extra;
    identity_of(rules, &mut host, evidence);
    host
}
