//! Requirement catalogs ("frameworks") as versioned data, and the judge that turns what a scan
//! proved into a verdict per requirement.
//!
//! Why data and not code: the Vietnamese rules change faster than releases (QCVN 135:2024/BTTTT
//! was replaced by QCVN 11:2026/BCA eighteen months after it was issued, and the full text of the
//! new one is not public yet). Each framework is a TOML file under `data/frameworks/`, embedded at
//! build time ([`builtin`]) and replaceable at run time ([`Framework::from_toml`]). Filling in a
//! missing text or remapping a check is a data change, never a code change.
//!
//! Why the judge is a pure function: a verdict is derived only from stored scan results (findings,
//! the set of checks that ran, facts, credentialed facts) and attached documents. Nothing in
//! [`judge`] touches a device, so a new framework revision is applied to a whole fleet by
//! re-judging what is already stored, without a re-scan.
//!
//! Why "checks that ran" is an input: the absence of a finding proves nothing unless the check
//! that would have produced it actually ran against that device. A requirement can therefore pass
//! only from checks recorded as run, and every verdict carries the trail (which check, fact or
//! document decided it) so a person can audit it.
//!
//! The data format is described in `docs/design/frameworks.md`.

pub mod catalog;
mod judge;

pub use catalog::{Catalog, CatalogEntry, CatalogFlag, ConformityStatus};
pub use judge::{
    DeviceConformity, DocumentRef, FleetSummary, JudgeInput, ModelSummary, RequirementSummary,
    RequirementVerdict, TrailItem, Verdict, VerdictCounts, fleet_summary, judge, judge_all,
};

use crate::{Error, Result};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// Check ids findings carry (`briefs/check-ids.md`). Ids are appended, never renamed; a framework
/// naming an id outside this list (or a `cve-YYYY-NNNN` id) is rejected at load so a typo cannot
/// silently stop a requirement from ever failing.
pub const CHECK_IDS: &[&str] = &[
    "default-credential-http",
    "default-credential-rtsp",
    "default-credential-onvif",
    "default-credential-telnet",
    "default-credential-sdk",
    "default-credential-ftp",
    "default-credential-ssh",
    "unauthenticated-rtsp-stream",
    "unauthenticated-snapshot",
    "unauthenticated-onvif",
    "onvif-credential-leak",
    "uniview-user-disclosure",
    "hikvision-user-xml-disclosure",
    "cve-2017-7921",
    "cve-2021-33044",
    "cve-2021-33045",
    "cve-2018-9995",
    "cve-2020-25078",
    "cve-2024-7339",
    "cve-2019-20085",
    "cve-2021-40149",
    "cve-2024-3850",
    "firmware-known-cve",
    "insecure-service-telnet",
    "insecure-service-debug",
    "insecure-service-ftp",
    "insecure-service-upnp",
    "cleartext-web-login",
    "weak-tls-protocol",
    "weak-tls-certificate",
    "login-reveals-account",
    "avtech-account-disclosure",
    "no-brute-force-protection",
    "outdated-firmware",
];

/// Kinds of documents that can settle a requirement. A closed list so that `ixit` and `IXIT-form`
/// do not become two kinds that never match each other.
pub const DOCUMENT_KINDS: &[&str] = &[
    // The manufacturer's Implementation eXtra Information for Testing (ETSI TS 103 701 style).
    "ixit",
    "user-manual",
    "datasheet",
    "label-photo",
    "privacy-notice",
    "setup-screenshot",
    "telemetry-declaration",
    "vulnerability-disclosure-policy",
    "security-advisories",
    "firmware-release-notes",
    "support-period",
    // A laboratory's test report for the model (or this device).
    "test-report",
    "conformity-certificate",
    "conformity-declaration",
];

/// How a requirement can be assessed at all.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Method {
    /// Probed over the network without the owner's credentials.
    RemoteUnauthenticated,
    /// Needs the owner's credentials (ONVIF, vendor API, web UI): a credentialed audit.
    RemoteAuthenticated,
    /// Settled by a document or declaration (IXIT, manual, published policy).
    Documentary,
    /// Needs a sample in a laboratory (teardown, tampered images, power cuts).
    Laboratory,
}

impl Method {
    pub fn as_str(self) -> &'static str {
        match self {
            Method::RemoteUnauthenticated => "remote-unauthenticated",
            Method::RemoteAuthenticated => "remote-authenticated",
            Method::Documentary => "documentary",
            Method::Laboratory => "laboratory",
        }
    }
}

/// How far a requirement's wording can be trusted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum TextStatus {
    /// Our paraphrase of a text retrieved from a public source.
    #[default]
    Paraphrase,
    /// Reconstructed from the equivalent standard (ETSI EN 303 645); the official wording was not
    /// retrieved.
    Reconstructed,
    /// The official text is not public; the wording is a placeholder from secondary sources, to be
    /// replaced in data when the text is known.
    Unknown,
}

/// The evidence tag of the research notes: how the requirement's existence and content are known.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Evidence {
    /// Verified in a public source excerpt.
    V,
    /// Secondary sources only.
    S,
    /// Inference (reconstruction).
    I,
    /// Unverified background knowledge.
    U,
}

/// Whether the provision is binding in its own framework (ETSI distinguishes M, M C, R).
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Obligation {
    #[default]
    Mandatory,
    /// Mandatory when a condition holds (e.g. "when the device is not constrained").
    Conditional,
    Recommended,
}

/// Legal state of a framework as of the data revision.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum FrameworkStatus {
    Draft,
    InForce,
    /// Recommended practice, not binding (Decision 724/QĐ-BTTTT).
    Recommendatory,
    Superseded,
    /// A standard referenced by the binding texts (ETSI EN 303 645).
    Reference,
}

/// The `[framework]` header.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Header {
    /// `NAME:VERSION`, e.g. `QCVN135:2024`; every requirement id starts with it and a slash.
    pub id: String,
    /// Revision of this data file; bump it on every change so stored verdicts can say which
    /// revision judged them.
    pub revision: u32,
    pub title_vi: String,
    pub title_en: String,
    pub issuer: String,
    /// The instrument that issued it (e.g. `Thông tư 21/2024/TT-BTTTT`).
    #[serde(default)]
    pub instrument: Option<String>,
    #[serde(default)]
    pub issued: Option<Date>,
    #[serde(default)]
    pub effective: Option<Date>,
    /// When it became binding, if later than `effective`.
    #[serde(default)]
    pub mandatory_from: Option<Date>,
    /// Last day it applies, when known.
    #[serde(default)]
    pub expires: Option<Date>,
    #[serde(default)]
    pub superseded_by: Option<String>,
    pub status: FrameworkStatus,
    /// The ETSI EN 303 645 edition the requirements' `etsi` provisions refer to (a framework id).
    #[serde(default)]
    pub etsi_edition: Option<String>,
    /// Document kinds that settle every documentary or laboratory requirement of this framework at
    /// once (a certificate of conformity means an accredited lab assessed them). They never settle
    /// a remote requirement: a certified model can still run with its default password.
    #[serde(default)]
    pub conformity_documents: Vec<String>,
    pub sources: Vec<String>,
    #[serde(default)]
    pub notes: Option<String>,
}

/// A `[[group]]`: the heading requirements are grouped under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Group {
    pub id: String,
    pub title_vi: String,
    pub title_en: String,
}

/// One `[[requirement]]`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Requirement {
    /// Full id used in findings, e.g. `QCVN135:2024/2.1.1`.
    pub id: String,
    /// A `[[group]]` id.
    pub group: String,
    pub title_vi: String,
    pub title_en: String,
    pub text_vi: String,
    pub text_en: String,
    #[serde(default)]
    pub text_status: TextStatus,
    pub method: Method,
    #[serde(default)]
    pub obligation: Obligation,
    /// Check-id patterns whose finding means FAIL (`*` allowed only at the end).
    #[serde(default)]
    pub checks: Vec<String>,
    /// Conditions that all together establish PASS remotely (see [`Condition`]).
    #[serde(default)]
    pub passes_when: Vec<String>,
    /// Another complete set of conditions that establishes PASS on its own (for instance what a
    /// credentialed audit read, where the remote set needs an intrusive test).
    #[serde(default)]
    pub passes_also_when: Vec<String>,
    /// Fact conditions any one of which means FAIL (e.g. a credentialed audit read a weak
    /// password policy). `no-finding:` is not allowed here.
    #[serde(default)]
    pub fails_when: Vec<String>,
    /// Fact keys that bear on it (shown to people; `credentialed:` prefix for audit facts).
    #[serde(default)]
    pub facts: Vec<String>,
    /// Document kinds any one of which settles it.
    #[serde(default)]
    pub documents: Vec<String>,
    /// ETSI EN 303 645 provisions it maps to, e.g. `5.1-1`.
    #[serde(default)]
    pub etsi: Vec<String>,
    /// Requirement ids (in other frameworks) that replace it.
    #[serde(default)]
    pub superseded_by: Vec<String>,
    pub evidence: Evidence,
    pub source: String,
}

/// A parsed `passes_when` / `fails_when` entry.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Condition {
    /// `no-finding:PATTERN`: a check matching PATTERN ran and none matching it found anything.
    NoFinding(String),
    /// `fact:KEY` (present and not false) or `fact:KEY=VALUE`.
    Fact { key: String, value: Option<String> },
    /// `credentialed:KEY[=VALUE]`: the same, from a credentialed audit.
    Credentialed { key: String, value: Option<String> },
}

impl Condition {
    pub fn parse(text: &str) -> Result<Condition> {
        let (kind, rest) = text
            .split_once(':')
            .ok_or_else(|| Error::invalid(format!("condition `{text}` has no `kind:` prefix")))?;
        let key_value = |rest: &str| -> Result<(String, Option<String>)> {
            let (key, value) = match rest.split_once('=') {
                Some((k, v)) => (k.trim(), Some(v.trim().to_string())),
                None => (rest.trim(), None),
            };
            if !is_slug(key) {
                return Err(Error::invalid(format!(
                    "condition `{text}`: fact key must be lower-case kebab-case"
                )));
            }
            if value.as_deref() == Some("") {
                return Err(Error::invalid(format!("condition `{text}`: empty value")));
            }
            Ok((key.to_string(), value))
        };
        match kind {
            "no-finding" => {
                check_pattern(rest)?;
                Ok(Condition::NoFinding(rest.to_string()))
            }
            "fact" => {
                let (key, value) = key_value(rest)?;
                Ok(Condition::Fact { key, value })
            }
            "credentialed" => {
                let (key, value) = key_value(rest)?;
                Ok(Condition::Credentialed { key, value })
            }
            other => Err(Error::invalid(format!(
                "condition `{text}`: unknown kind `{other}` (no-finding, fact, credentialed)"
            ))),
        }
    }
}

/// Whether check id `check` matches `pattern` (exact, or a prefix ending in `*`).
pub fn check_matches(pattern: &str, check: &str) -> bool {
    match pattern.strip_suffix('*') {
        Some(prefix) => check.starts_with(prefix),
        None => pattern == check,
    }
}

fn is_slug(s: &str) -> bool {
    !s.is_empty()
        && !s.starts_with('-')
        && !s.ends_with('-')
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
}

fn is_cve_check(id: &str) -> bool {
    let mut parts = id.split('-');
    parts.next() == Some("cve")
        && parts
            .next()
            .is_some_and(|y| y.len() == 4 && y.bytes().all(|b| b.is_ascii_digit()))
        && parts
            .next()
            .is_some_and(|n| n.len() >= 4 && n.bytes().all(|b| b.is_ascii_digit()))
        && parts.next().is_none()
}

/// Whether `id` is a check id findings may carry.
pub fn is_known_check(id: &str) -> bool {
    CHECK_IDS.contains(&id) || is_cve_check(id)
}

/// A `checks` pattern is valid when it is a known id, or a `prefix*` that matches at least one.
fn check_pattern(pattern: &str) -> Result<()> {
    let ok = match pattern.strip_suffix('*') {
        Some(prefix) => {
            !prefix.contains('*')
                && !prefix.is_empty()
                && (CHECK_IDS.iter().any(|c| c.starts_with(prefix)) || "cve-".starts_with(prefix))
        }
        None => is_known_check(pattern),
    };
    if ok {
        Ok(())
    } else {
        Err(Error::invalid(format!(
            "`{pattern}` is not a known check id or a `prefix*` pattern matching one"
        )))
    }
}

/// A requirement catalog: header, groups and requirements, in file order.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Framework {
    pub framework: Header,
    #[serde(default, rename = "group")]
    pub groups: Vec<Group>,
    #[serde(default, rename = "requirement")]
    pub requirements: Vec<Requirement>,
}

impl Framework {
    /// Parse and validate one framework file (everything that does not need the other files; see
    /// [`validate_set`] for cross-framework links).
    pub fn from_toml(text: &str) -> Result<Framework> {
        let fw: Framework = toml::from_str(text)
            .map_err(|e| Error::invalid(format!("framework TOML: {}", e.message())))?;
        fw.validate()?;
        Ok(fw)
    }

    pub fn id(&self) -> &str {
        &self.framework.id
    }

    pub fn requirement(&self, id: &str) -> Option<&Requirement> {
        self.requirements.iter().find(|r| r.id == id)
    }

    pub fn group(&self, id: &str) -> Option<&Group> {
        self.groups.iter().find(|g| g.id == id)
    }

    /// Check everything that can be checked inside this one file.
    pub fn validate(&self) -> Result<()> {
        let h = &self.framework;
        let fail = |msg: String| Error::invalid(format!("framework {}: {msg}", h.id));
        match h.id.split_once(':') {
            Some((name, version)) if !name.is_empty() && !version.is_empty() => {}
            _ => return Err(fail("id must look like NAME:VERSION".into())),
        }
        if h.id.contains('/') {
            return Err(fail("id must not contain `/`".into()));
        }
        if h.title_vi.trim().is_empty() || h.title_en.trim().is_empty() {
            return Err(fail("title_vi and title_en are required".into()));
        }
        if h.sources.is_empty() {
            return Err(fail("at least one source is required".into()));
        }
        for kind in &h.conformity_documents {
            if !DOCUMENT_KINDS.contains(&kind.as_str()) {
                return Err(fail(format!(
                    "unknown document kind `{kind}` in conformity_documents"
                )));
            }
        }
        let mut groups = BTreeSet::new();
        for g in &self.groups {
            if !groups.insert(g.id.as_str()) {
                return Err(fail(format!("duplicate group `{}`", g.id)));
            }
            if g.title_vi.trim().is_empty() || g.title_en.trim().is_empty() {
                return Err(fail(format!(
                    "group `{}` needs title_vi and title_en",
                    g.id
                )));
            }
        }
        let prefix = format!("{}/", h.id);
        let mut ids = BTreeSet::new();
        for r in &self.requirements {
            let rfail = |msg: String| fail(format!("requirement `{}`: {msg}", r.id));
            if !ids.insert(r.id.as_str()) {
                return Err(rfail("duplicate id".into()));
            }
            match r.id.strip_prefix(&prefix) {
                Some(rest) if !rest.is_empty() => {}
                _ => return Err(rfail(format!("id must start with `{prefix}`"))),
            }
            if !groups.contains(r.group.as_str()) {
                return Err(rfail(format!("group `{}` is not declared", r.group)));
            }
            for (name, text) in [
                ("title_vi", &r.title_vi),
                ("title_en", &r.title_en),
                ("text_vi", &r.text_vi),
                ("text_en", &r.text_en),
                ("source", &r.source),
            ] {
                if text.trim().is_empty() {
                    return Err(rfail(format!("{name} is empty")));
                }
            }
            for c in &r.checks {
                check_pattern(c).map_err(|e| rfail(e.msg))?;
            }
            for text in r.passes_when.iter().chain(&r.passes_also_when) {
                let cond = Condition::parse(text).map_err(|e| rfail(e.msg))?;
                // A pass from "no finding" must name a check whose finding fails the requirement;
                // otherwise a finding could block the pass without ever being shown as a failure.
                if let Condition::NoFinding(p) = &cond {
                    let covered = r.checks.iter().any(|c| {
                        c == p || c.strip_suffix('*').is_some_and(|pre| p.starts_with(pre))
                    });
                    if !covered {
                        return Err(rfail(format!(
                            "passes_when `{text}` is not covered by `checks`"
                        )));
                    }
                }
            }
            for text in &r.fails_when {
                if let Condition::NoFinding(_) = Condition::parse(text).map_err(|e| rfail(e.msg))? {
                    return Err(rfail(format!(
                        "fails_when `{text}`: no-finding cannot fail"
                    )));
                }
            }
            for kind in &r.documents {
                if !DOCUMENT_KINDS.contains(&kind.as_str()) {
                    return Err(rfail(format!("unknown document kind `{kind}`")));
                }
            }
            for f in &r.facts {
                let key = f.strip_prefix("credentialed:").unwrap_or(f);
                if !is_slug(key) {
                    return Err(rfail(format!("fact `{f}` must be kebab-case")));
                }
            }
            if r.method == Method::Documentary
                && r.documents.is_empty()
                && h.conformity_documents.is_empty()
            {
                return Err(rfail(
                    "a documentary requirement must name the documents that settle it".into(),
                ));
            }
        }
        Ok(())
    }
}

/// Validate links across a set of frameworks: framework and requirement `superseded_by` targets
/// exist, and every `etsi` provision exists in the named ETSI edition when that edition is in the
/// set. Also re-validates each framework.
pub fn validate_set(frameworks: &[Framework]) -> Result<()> {
    let mut by_id: BTreeMap<&str, &Framework> = BTreeMap::new();
    for fw in frameworks {
        fw.validate()?;
        if by_id.insert(fw.id(), fw).is_some() {
            return Err(Error::invalid(format!("framework {} given twice", fw.id())));
        }
    }
    let all_reqs: BTreeSet<&str> = frameworks
        .iter()
        .flat_map(|f| f.requirements.iter().map(|r| r.id.as_str()))
        .collect();
    for fw in frameworks {
        if let Some(next) = &fw.framework.superseded_by
            && !by_id.contains_key(next.as_str())
        {
            return Err(Error::invalid(format!(
                "framework {}: superseded_by `{next}` is not loaded",
                fw.id()
            )));
        }
        let etsi = fw
            .framework
            .etsi_edition
            .as_deref()
            .and_then(|e| by_id.get(e).copied());
        if fw.framework.etsi_edition.is_some() && etsi.is_none() {
            return Err(Error::invalid(format!(
                "framework {}: etsi_edition is not loaded",
                fw.id()
            )));
        }
        for r in &fw.requirements {
            for next in &r.superseded_by {
                if !all_reqs.contains(next.as_str()) {
                    return Err(Error::invalid(format!(
                        "requirement {}: superseded_by `{next}` does not exist",
                        r.id
                    )));
                }
                if next.starts_with(&format!("{}/", fw.id())) {
                    return Err(Error::invalid(format!(
                        "requirement {}: superseded_by must point to another framework",
                        r.id
                    )));
                }
            }
            if !r.etsi.is_empty() {
                let Some(etsi) = etsi else {
                    return Err(Error::invalid(format!(
                        "requirement {}: `etsi` given but the framework has no etsi_edition",
                        r.id
                    )));
                };
                for p in &r.etsi {
                    let full = format!("{}/{p}", etsi.id());
                    if etsi.requirement(&full).is_none() {
                        return Err(Error::invalid(format!(
                            "requirement {}: ETSI provision `{p}` is not in {}",
                            r.id,
                            etsi.id()
                        )));
                    }
                }
            }
        }
    }
    Ok(())
}

/// Parse and cross-validate a whole set of framework files (e.g. a run-time `--data-dir`
/// replacing the built-in set). The caller reads the files; this crate does no I/O.
pub fn load_set<'a>(texts: impl IntoIterator<Item = &'a str>) -> Result<Vec<Framework>> {
    let set = texts
        .into_iter()
        .map(Framework::from_toml)
        .collect::<Result<Vec<_>>>()?;
    validate_set(&set)?;
    Ok(set)
}

const BUILTIN_TOML: &[(&str, &str)] = &[
    (
        "qcvn135-2024.toml",
        include_str!("../../../data/frameworks/qcvn135-2024.toml"),
    ),
    (
        "qd724-2024.toml",
        include_str!("../../../data/frameworks/qd724-2024.toml"),
    ),
    (
        "qcvn11-2026.toml",
        include_str!("../../../data/frameworks/qcvn11-2026.toml"),
    ),
    (
        "etsi-en303645.toml",
        include_str!("../../../data/frameworks/etsi-en303645.toml"),
    ),
];

/// The frameworks shipped in the binary, in a fixed order (QCVN 135, QĐ 724, QCVN 11, ETSI).
///
/// The files are compiled in and a unit test loads and cross-validates them, so a failure here is
/// a build defect, not an input error.
pub fn builtin() -> Vec<Framework> {
    BUILTIN_TOML
        .iter()
        .map(|(name, text)| {
            Framework::from_toml(text)
                .unwrap_or_else(|e| panic!("embedded data/frameworks/{name} is invalid: {e}"))
        })
        .collect()
}

/// Requirement ids (across `frameworks`, in their order) that a finding of `check_id` fails: what
/// the pipeline puts into a finding's `requirements`.
pub fn requirements_for_check(frameworks: &[Framework], check_id: &str) -> Vec<String> {
    frameworks
        .iter()
        .flat_map(|fw| fw.requirements.iter())
        .filter(|r| r.checks.iter().any(|p| check_matches(p, check_id)))
        .map(|r| r.id.clone())
        .collect()
}

#[cfg(test)]
mod tests;
