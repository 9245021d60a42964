//! Requirement catalogs as versioned data, and judging devices against them.
//!
//! A [`Framework`] (QCVN 135:2024/BTTTT, QCVN 11:2026/BCA, Decision 724/QĐ-BTTTT…) lists
//! requirements, each with its test method class, the check ids whose findings mean it fails,
//! the credentialed facts and the documents that can settle it, its ETSI EN 303 645 counterparts
//! and `superseded_by` links. [`judge`] turns a device's findings, the checks that ran, facts and
//! attached documents into one [`Verdict`] per requirement with the trail that decided it.
//! Because verdicts are computed from stored findings and facts, a catalog update re-judges a
//! fleet without a new scan.

use crate::model::Finding;
use crate::{Error, Result};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// How a requirement can be tested.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    RemoteUnauthenticated,
    RemoteAuthenticated,
    Documentary,
    Laboratory,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrameworkInfo {
    pub id: String,
    pub title_vi: String,
    pub title_en: String,
    #[serde(default)]
    pub issuer: String,
    #[serde(default)]
    pub issued: String,
    #[serde(default)]
    pub effective: String,
    #[serde(default)]
    pub superseded_by: Option<String>,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub text_note: Option<String>,
    #[serde(default)]
    pub sources: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Requirement {
    pub id: String,
    pub group: String,
    pub text_vi: String,
    pub text_en: String,
    /// `paraphrase`, `official`, `inherited`, `secondary`, `unknown`.
    #[serde(default)]
    pub text_status: String,
    pub method: Method,
    #[serde(default)]
    pub how: String,
    /// Check ids (a trailing `*` matches a prefix) whose finding means FAIL.
    #[serde(default)]
    pub checks: Vec<String>,
    /// Facts that bear on it: `firmware`, `credentialed:key` (present) or
    /// `credentialed:key=value` (must equal).
    #[serde(default)]
    pub facts: Vec<String>,
    /// Document kinds that settle it.
    #[serde(default)]
    pub documents: Vec<String>,
    #[serde(default)]
    pub etsi: Vec<String>,
    #[serde(default)]
    pub superseded_by: Option<String>,
    #[serde(default)]
    pub evidence: String,
    #[serde(default)]
    pub source: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Framework {
    pub framework: FrameworkInfo,
    #[serde(default)]
    pub groups: BTreeMap<String, String>,
    #[serde(rename = "requirement", default)]
    pub requirements: Vec<Requirement>,
}

impl Framework {
    pub fn from_toml(text: &str) -> Result<Framework> {
        let fw: Framework =
            toml::from_str(text).map_err(|e| Error::invalid(format!("framework catalog: {e}")))?;
        let mut ids = BTreeSet::new();
        for r in &fw.requirements {
            if !ids.insert(&r.id) {
                return Err(Error::invalid(format!(
                    "{}: duplicate requirement {}",
                    fw.framework.id, r.id
                )));
            }
            if !r.id.starts_with(&format!("{}/", fw.framework.id)) {
                return Err(Error::invalid(format!(
                    "{}: requirement id {} lacks the framework prefix",
                    fw.framework.id, r.id
                )));
            }
            if r.text_vi.trim().is_empty() || r.text_en.trim().is_empty() {
                return Err(Error::invalid(format!(
                    "{}: {} needs vi and en texts",
                    fw.framework.id, r.id
                )));
            }
        }
        Ok(fw)
    }

    pub fn id(&self) -> &str {
        &self.framework.id
    }

    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }
}

/// The catalogs built into the binary.
pub fn builtin() -> Result<Vec<Framework>> {
    let all = vec![
        Framework::from_toml(include_str!("../../../data/frameworks/qcvn135-2024.toml"))?,
        Framework::from_toml(include_str!("../../../data/frameworks/qcvn11-2026.toml"))?,
        Framework::from_toml(include_str!("../../../data/frameworks/qd724-2024.toml"))?,
    ];
    validate_set(&all)?;
    Ok(all)
}

/// Cross-catalog checks: every `superseded_by` names an existing framework or requirement.
pub fn validate_set(all: &[Framework]) -> Result<()> {
    let fws: BTreeSet<&str> = all.iter().map(|f| f.id()).collect();
    let reqs: BTreeSet<&str> = all
        .iter()
        .flat_map(|f| f.requirements.iter().map(|r| r.id.as_str()))
        .collect();
    for f in all {
        if let Some(s) = &f.framework.superseded_by
            && !fws.contains(s.as_str())
        {
            return Err(Error::invalid(format!(
                "{} superseded by unknown framework {s}",
                f.id()
            )));
        }
        for r in &f.requirements {
            if let Some(s) = &r.superseded_by
                && !reqs.contains(s.as_str())
            {
                return Err(Error::invalid(format!(
                    "{} superseded by unknown requirement {s}",
                    r.id
                )));
            }
        }
    }
    Ok(())
}

fn check_matches(pattern: &str, check: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => check.starts_with(prefix),
        None => pattern == check,
    }
}

/// The requirement ids (across `frameworks`) a finding of `check` bears on.
pub fn requirements_for_check(frameworks: &[Framework], check: &str) -> Vec<String> {
    frameworks
        .iter()
        .flat_map(|f| f.requirements.iter())
        .filter(|r| r.checks.iter().any(|p| check_matches(p, check)))
        .map(|r| r.id.clone())
        .collect()
}

/// A verdict on one requirement.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    Fail,
    NotDeterminableRemotely,
    NeedsDocument,
}

impl Verdict {
    pub fn as_str(self) -> &'static str {
        match self {
            Verdict::Pass => "pass",
            Verdict::Fail => "fail",
            Verdict::NotDeterminableRemotely => "not-determinable-remotely",
            Verdict::NeedsDocument => "needs-document",
        }
    }
}

/// What decided a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TrailItem {
    /// `check`, `fact`, `document`, `method`.
    pub kind: String,
    pub reference: String,
    pub detail: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementVerdict {
    pub requirement: String,
    pub verdict: Verdict,
    pub trail: Vec<TrailItem>,
}

/// A document attached to a model or device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRef {
    /// The requirement it settles, when given for one requirement.
    pub requirement: Option<String>,
    /// The kind of document (`vulnerability-disclosure-policy`, `support-period`, `ixit`…).
    pub kind: String,
    /// File name, URL or certificate number.
    pub reference: String,
    pub sha256: String,
    pub added_by: String,
}

/// What the judge sees of one device.
#[derive(Debug, Clone, Default)]
pub struct JudgeInput {
    pub findings: Vec<Finding>,
    /// Check ids that ran on the device (a requirement cannot pass from a check that did not).
    pub checks_ran: BTreeSet<String>,
    /// Facts: `firmware`, `vendor`, … and credentialed ones as `credentialed:<key>`.
    pub facts: BTreeMap<String, String>,
    pub documents: Vec<DocumentRef>,
}

/// One device judged against one framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceConformity {
    pub framework: String,
    pub verdicts: Vec<RequirementVerdict>,
}

impl DeviceConformity {
    pub fn count(&self, v: Verdict) -> usize {
        self.verdicts.iter().filter(|x| x.verdict == v).count()
    }
    pub fn get(&self, requirement: &str) -> Option<&RequirementVerdict> {
        self.verdicts.iter().find(|v| v.requirement == requirement)
    }
}

fn judge_one(r: &Requirement, input: &JudgeInput) -> RequirementVerdict {
    let mut trail = Vec::new();
    let item = |kind: &str, reference: &str, detail: String| TrailItem {
        kind: kind.into(),
        reference: reference.into(),
        detail,
    };
    // 1. A finding of a listed check fails the requirement.
    for f in &input.findings {
        if r.checks.iter().any(|p| check_matches(p, &f.check)) {
            trail.push(item(
                "check",
                &f.check,
                format!("{} (port {:?}): {}", f.title, f.port, f.evidence),
            ));
        }
    }
    // 2. Credentialed facts with an expected value.
    let mut facts_ok = !r.facts.is_empty();
    for spec in &r.facts {
        let (key, expect) = match spec.split_once('=') {
            Some((k, v)) => (k, Some(v)),
            None => (spec.as_str(), None),
        };
        match (input.facts.get(key), expect) {
            (Some(v), Some(e)) if !v.eq_ignore_ascii_case(e) => {
                trail.push(item("fact", key, format!("{v} (expected {e})")));
                facts_ok = false;
                if r.checks.is_empty() || !trail.iter().any(|t| t.kind == "check") {
                    // A fact contradicting the requirement is a failure in itself.
                    return RequirementVerdict {
                        requirement: r.id.clone(),
                        verdict: Verdict::Fail,
                        trail,
                    };
                }
            }
            (Some(v), _) => trail.push(item("fact", key, v.clone())),
            (None, _) => facts_ok = false,
        }
    }
    if trail.iter().any(|t| t.kind == "check") {
        return RequirementVerdict {
            requirement: r.id.clone(),
            verdict: Verdict::Fail,
            trail,
        };
    }
    // 3. Documents.
    let docs: Vec<&DocumentRef> = input
        .documents
        .iter()
        .filter(|d| {
            d.requirement.as_deref() == Some(r.id.as_str())
                || (d.requirement.is_none() && r.documents.contains(&d.kind))
        })
        .collect();
    let verdict = match r.method {
        Method::RemoteUnauthenticated | Method::RemoteAuthenticated => {
            let ran: Vec<&String> = input
                .checks_ran
                .iter()
                .filter(|c| r.checks.iter().any(|p| check_matches(p, c)))
                .collect();
            if !ran.is_empty() {
                for c in ran {
                    trail.push(item("check", c, "ran, nothing found".into()));
                }
                Verdict::Pass
            } else if facts_ok || !docs.is_empty() {
                Verdict::Pass
            } else {
                trail.push(item(
                    "method",
                    match r.method {
                        Method::RemoteAuthenticated => "remote-authenticated",
                        _ => "remote-unauthenticated",
                    },
                    if r.facts.is_empty() {
                        "no check that decides it ran on this device".into()
                    } else {
                        format!("needs a credentialed audit reading: {}", r.facts.join(", "))
                    },
                ));
                Verdict::NotDeterminableRemotely
            }
        }
        Method::Documentary => {
            if docs.is_empty() {
                trail.push(item(
                    "method",
                    "documentary",
                    format!(
                        "settled by: {}",
                        if r.documents.is_empty() {
                            "a manufacturer declaration".to_string()
                        } else {
                            r.documents.join(", ")
                        }
                    ),
                ));
                Verdict::NeedsDocument
            } else {
                Verdict::Pass
            }
        }
        Method::Laboratory => {
            trail.push(item(
                "method",
                "laboratory",
                "only a laboratory test decides it".into(),
            ));
            Verdict::NotDeterminableRemotely
        }
    };
    for d in docs {
        trail.push(item(
            "document",
            &d.reference,
            format!("{} sha256 {} added by {}", d.kind, d.sha256, d.added_by),
        ));
    }
    RequirementVerdict {
        requirement: r.id.clone(),
        verdict,
        trail,
    }
}

/// Judge one device against one framework.
pub fn judge(fw: &Framework, input: &JudgeInput) -> DeviceConformity {
    DeviceConformity {
        framework: fw.id().to_string(),
        verdicts: fw
            .requirements
            .iter()
            .map(|r| judge_one(r, input))
            .collect(),
    }
}

/// Per-requirement counts over a fleet.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementTally {
    pub pass: usize,
    pub fail: usize,
    pub not_determinable: usize,
    pub needs_document: usize,
}

/// Tally verdicts per requirement over many devices.
pub fn fleet_summary(devices: &[DeviceConformity]) -> BTreeMap<String, RequirementTally> {
    let mut out: BTreeMap<String, RequirementTally> = BTreeMap::new();
    for d in devices {
        for v in &d.verdicts {
            let t = out.entry(v.requirement.clone()).or_default();
            match v.verdict {
                Verdict::Pass => t.pass += 1,
                Verdict::Fail => t.fail += 1,
                Verdict::NotDeterminableRemotely => t.not_determinable += 1,
                Verdict::NeedsDocument => t.needs_document += 1,
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::model::{Category, Severity};

    fn finding(check: &str) -> Finding {
        Finding {
            ip: "10.0.0.5".into(),
            port: Some(80),
            check: check.into(),
            category: Category::DefaultCredential,
            protocol: Some("http".into()),
            service: None,
            cve: vec![],
            severity: Severity::Critical,
            requirements: vec![],
            title: "Default credential".into(),
            evidence: "admin / <redacted>".into(),
        }
    }

    #[test]
    fn builtin_catalogs_load_and_qcvn135_has_11_groups_36_requirements() {
        let all = builtin().unwrap();
        let q = all.iter().find(|f| f.id() == "QCVN135:2024").unwrap();
        assert_eq!(q.requirements.len(), 36);
        let groups: BTreeSet<&str> = q.requirements.iter().map(|r| r.group.as_str()).collect();
        assert_eq!(groups.len(), 11);
        assert_eq!(q.groups.len(), 11);
        assert!(all.iter().any(|f| f.id() == "QCVN11:2026"));
        assert!(all.iter().any(|f| f.id() == "QD724:2024"));
        // Every QCVN 135 requirement points at its QCVN 11:2026 successor.
        assert!(q.requirements.iter().all(|r| {
            r.superseded_by
                .as_deref()
                .is_some_and(|s| s.starts_with("QCVN11:2026/"))
        }));
    }

    #[test]
    fn default_credential_maps_to_both_regulations() {
        let all = builtin().unwrap();
        let reqs = requirements_for_check(&all, "default-credential-rtsp");
        assert!(reqs.contains(&"QCVN135:2024/2.1.1".to_string()));
        assert!(reqs.contains(&"QCVN11:2026/2.1.1".to_string()));
        assert!(reqs.contains(&"QD724:2024/2.4".to_string()));
    }

    #[test]
    fn known_bad_device_fails_with_trail() {
        let all = builtin().unwrap();
        let q = &all[0];
        let input = JudgeInput {
            findings: vec![finding("default-credential-http")],
            checks_ran: ["default-credential-http".to_string()].into(),
            ..JudgeInput::default()
        };
        let c = judge(q, &input);
        let v = c.get("QCVN135:2024/2.1.1").unwrap();
        assert_eq!(v.verdict, Verdict::Fail);
        assert_eq!(v.trail[0].kind, "check");
        assert_eq!(v.trail[0].reference, "default-credential-http");
    }

    #[test]
    fn known_good_device_passes_remote_requirements_and_needs_documents() {
        let all = builtin().unwrap();
        let q = &all[0];
        let ran: BTreeSet<String> = [
            "default-credential-http",
            "weak-tls-protocol",
            "cleartext-web-login",
            "insecure-service-telnet",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let c = judge(
            q,
            &JudgeInput {
                checks_ran: ran,
                ..JudgeInput::default()
            },
        );
        assert_eq!(c.get("QCVN135:2024/2.1.1").unwrap().verdict, Verdict::Pass);
        assert_eq!(c.get("QCVN135:2024/2.5.1").unwrap().verdict, Verdict::Pass);
        assert_eq!(
            c.get("QCVN135:2024/2.2.1").unwrap().verdict,
            Verdict::NeedsDocument
        );
        assert_eq!(
            c.get("QCVN135:2024/2.1.5").unwrap().verdict,
            Verdict::NotDeterminableRemotely
        );
    }

    #[test]
    fn a_document_settles_a_documentary_requirement() {
        let all = builtin().unwrap();
        let doc = DocumentRef {
            requirement: Some("QCVN135:2024/2.2.1".into()),
            kind: "vulnerability-disclosure-policy".into(),
            reference: "psirt-policy.pdf".into(),
            sha256: "ab".repeat(32),
            added_by: "officer".into(),
        };
        let c = judge(
            &all[0],
            &JudgeInput {
                documents: vec![doc],
                ..JudgeInput::default()
            },
        );
        let v = c.get("QCVN135:2024/2.2.1").unwrap();
        assert_eq!(v.verdict, Verdict::Pass);
        assert_eq!(v.trail.last().unwrap().kind, "document");
    }

    #[test]
    fn credentialed_fact_decides_attack_surface() {
        let all = builtin().unwrap();
        let mut facts = BTreeMap::new();
        facts.insert(
            "credentialed:protocol.telnet.enabled".to_string(),
            "true".to_string(),
        );
        let c = judge(
            &all[0],
            &JudgeInput {
                facts,
                ..JudgeInput::default()
            },
        );
        let v = c.get("QCVN135:2024/2.6.1").unwrap();
        assert_eq!(v.verdict, Verdict::Fail, "{v:?}");
    }

    #[test]
    fn rejudging_after_a_catalog_change_needs_no_rescan() {
        let text = include_str!("../../../data/frameworks/qcvn135-2024.toml");
        let before = Framework::from_toml(text).unwrap();
        // A catalog update adds a check to 2.6.2: the stored finding now fails it.
        let after = Framework::from_toml(&text.replace(
            "checks = [\"cve-2024-7339\", \"unauthenticated-onvif\"]",
            "checks = [\"cve-2024-7339\", \"unauthenticated-onvif\", \"insecure-service-upnp\"]",
        ))
        .unwrap();
        let input = JudgeInput {
            findings: vec![finding("insecure-service-upnp")],
            ..JudgeInput::default()
        };
        assert_ne!(
            judge(&before, &input)
                .get("QCVN135:2024/2.6.2")
                .unwrap()
                .verdict,
            Verdict::Fail
        );
        assert_eq!(
            judge(&after, &input)
                .get("QCVN135:2024/2.6.2")
                .unwrap()
                .verdict,
            Verdict::Fail
        );
    }

    #[test]
    fn bad_catalogs_are_refused() {
        assert!(Framework::from_toml("[framework]\nid='X'\ntitle_vi='a'\ntitle_en='b'\n[[requirement]]\nid='Y/1'\ngroup='1'\ntext_vi='a'\ntext_en='b'\nmethod='documentary'\n").is_err());
        assert!(Framework::from_toml("not toml [").is_err());
    }

    #[test]
    fn fleet_tally() {
        let all = builtin().unwrap();
        let bad = judge(
            &all[0],
            &JudgeInput {
                findings: vec![finding("default-credential-http")],
                ..JudgeInput::default()
            },
        );
        let good = judge(
            &all[0],
            &JudgeInput {
                checks_ran: ["default-credential-http".to_string()].into(),
                ..JudgeInput::default()
            },
        );
        let t = fleet_summary(&[bad, good]);
        let r = &t["QCVN135:2024/2.1.1"];
        assert_eq!((r.pass, r.fail), (1, 1));
    }
}
