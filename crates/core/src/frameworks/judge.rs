//! The judge: stored scan results + attached documents → one verdict per requirement, with the
//! trail that decided it.
//!
//! Order of reasoning for one requirement (documented for users in `docs/design/frameworks.md`):
//! 1. **Fail** if a finding's check matches one of `checks`, or a `fails_when` fact holds. A proven
//!    weakness outranks any document: a certificate for the model does not undo a default password
//!    seen on this device.
//! 2. **Pass** if `passes_when` is not empty and every condition holds (checks that *ran* without
//!    a finding, facts present).
//! 3. **Pass** if a document was attached to this requirement id, or a document of a kind that
//!    settles it (its `documents`, plus the framework's `conformity_documents` for documentary and
//!    laboratory requirements).
//! 4. Otherwise **NeedsDocument** for documentary requirements and **NotDeterminableRemotely** for
//!    the rest, with the trail saying what was missing (a check that did not run, a fact not
//!    collected, no credentialed audit, the documents that would settle it).

use super::{Condition, Framework, Method, Requirement, catalog::normalise, check_matches};
use crate::model::{Finding, HostReport};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, BTreeSet};

/// A document someone attached as evidence. Only its reference and digest are kept: the document
/// itself lives wherever the organisation keeps records.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DocumentRef {
    /// Where it is: a file name, URL or registry number.
    pub reference: String,
    /// Hex SHA-256 of the document, so a later reader can tell it was not swapped.
    pub sha256: String,
    /// Who attached it (a user name), for accountability.
    pub added_by: String,
}

impl DocumentRef {
    /// A checked reference: `sha256` must be 64 hex digits (stored lower-case) and the other
    /// fields non-empty, so a trail never cites a document nobody can find or verify.
    pub fn new(reference: &str, sha256: &str, added_by: &str) -> crate::Result<DocumentRef> {
        let digest = sha256.trim().to_ascii_lowercase();
        if digest.len() != 64 || !digest.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(crate::Error::invalid(
                "document sha256 must be 64 hex digits",
            ));
        }
        if reference.trim().is_empty() || added_by.trim().is_empty() {
            return Err(crate::Error::invalid(
                "document reference and added_by are required",
            ));
        }
        Ok(DocumentRef {
            reference: reference.trim().to_string(),
            sha256: digest,
            added_by: added_by.trim().to_string(),
        })
    }
}

/// Everything the judge knows about one device. Serialisable so storage can keep it and re-judge
/// later against a new framework revision.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct JudgeInput {
    /// A stable key for the device (identity key or address), copied to the verdicts.
    pub device: String,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub findings: Vec<Finding>,
    /// Ids of the checks that ran against this device (with or without a finding).
    pub checks_run: BTreeSet<String>,
    /// Facts from the unauthenticated scan: `firmware`, `model`, `open-ports`, `https-only`…
    pub facts: BTreeMap<String, String>,
    /// Facts from a credentialed audit; `None` when no audit was done.
    pub credentialed: Option<BTreeMap<String, String>>,
    /// Documents keyed by requirement id (settles that requirement) or by document kind (settles
    /// every requirement that accepts that kind).
    pub documents: BTreeMap<String, Vec<DocumentRef>>,
}

impl JudgeInput {
    /// Build the input from a host's scan report: findings as they are, identity attributes and
    /// open ports as facts. `checks_run` must come from the pipeline, which alone knows what ran.
    pub fn from_host(
        host: &HostReport,
        checks_run: impl IntoIterator<Item = String>,
    ) -> JudgeInput {
        let id = &host.identity;
        let mut facts = BTreeMap::new();
        for (key, value) in [
            ("vendor", &id.vendor),
            ("model", &id.model),
            ("firmware", &id.firmware),
            ("device-type", &id.device_type),
        ] {
            if let Some(v) = value {
                facts.insert(key.to_string(), v.clone());
            }
        }
        let ports: Vec<String> = host
            .ports
            .iter()
            .map(|p| format!("{}/{}", p.port, p.service))
            .collect();
        facts.insert("open-ports".into(), ports.join(","));
        let device = id
            .serial
            .clone()
            .or_else(|| id.mac.clone())
            .or_else(|| id.uuid.clone())
            .unwrap_or_else(|| host.ip.to_string());
        JudgeInput {
            device,
            vendor: id.vendor.clone(),
            model: id.model.clone(),
            findings: host.findings.clone(),
            checks_run: checks_run.into_iter().collect(),
            facts,
            credentialed: None,
            documents: BTreeMap::new(),
        }
    }
}

/// A requirement verdict.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum Verdict {
    Pass,
    Fail,
    /// Remote means could not settle it (check not run, no credentials, laboratory only).
    NotDeterminableRemotely,
    /// A document must be attached to settle it.
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

/// One step of the reasoning behind a verdict.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum TrailItem {
    /// A finding that fails the requirement.
    Finding {
        check: String,
        port: Option<u16>,
        title: String,
    },
    /// A check that ran and found nothing (supports a pass).
    CheckRan { check: String },
    /// No check matching this pattern ran, so its absence of findings proves nothing.
    CheckNotRun { pattern: String },
    /// A fact that decided or supports the verdict.
    Fact {
        key: String,
        value: String,
        credentialed: bool,
    },
    /// A fact that a condition needed but that was not collected (or had another value).
    FactMissing {
        key: String,
        expected: Option<String>,
        credentialed: bool,
    },
    /// The condition needs a credentialed audit and none was done.
    NoCredentialedAudit,
    /// A document that settles the requirement; `key` is the requirement id or document kind it
    /// was attached under.
    Document {
        key: String,
        reference: String,
        sha256: String,
        added_by: String,
    },
    /// None of these document kinds was attached.
    DocumentMissing { kinds: Vec<String> },
    /// How the requirement is assessed, when that alone explains the verdict.
    Method { method: Method },
}

/// The verdict on one requirement for one device.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementVerdict {
    pub requirement: String,
    pub verdict: Verdict,
    pub trail: Vec<TrailItem>,
}

/// One device judged against one framework revision.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeviceConformity {
    pub framework: String,
    pub framework_revision: u32,
    pub device: String,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub verdicts: Vec<RequirementVerdict>,
}

impl DeviceConformity {
    pub fn verdict(&self, requirement: &str) -> Option<&RequirementVerdict> {
        self.verdicts.iter().find(|v| v.requirement == requirement)
    }

    pub fn counts(&self) -> VerdictCounts {
        let mut c = VerdictCounts::default();
        for v in &self.verdicts {
            c.add(v.verdict);
        }
        c
    }
}

/// How many verdicts of each kind.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct VerdictCounts {
    pub pass: u32,
    pub fail: u32,
    pub not_determinable_remotely: u32,
    pub needs_document: u32,
}

impl VerdictCounts {
    fn add(&mut self, v: Verdict) {
        let slot = match v {
            Verdict::Pass => &mut self.pass,
            Verdict::Fail => &mut self.fail,
            Verdict::NotDeterminableRemotely => &mut self.not_determinable_remotely,
            Verdict::NeedsDocument => &mut self.needs_document,
        };
        *slot += 1;
    }
}

/// Judge one device against one framework. Pure: same inputs, same verdicts.
pub fn judge(fw: &Framework, input: &JudgeInput) -> DeviceConformity {
    DeviceConformity {
        framework: fw.framework.id.clone(),
        framework_revision: fw.framework.revision,
        device: input.device.clone(),
        vendor: input.vendor.clone(),
        model: input.model.clone(),
        verdicts: fw
            .requirements
            .iter()
            .map(|r| judge_one(fw, r, input))
            .collect(),
    }
}

fn fact_holds(facts: &BTreeMap<String, String>, key: &str, want: Option<&str>) -> Option<String> {
    let value = facts.get(key)?;
    let v = value.trim();
    let ok = match want {
        Some(w) => v.eq_ignore_ascii_case(w),
        None => !v.is_empty() && !["false", "no", "0"].contains(&v.to_ascii_lowercase().as_str()),
    };
    ok.then(|| value.clone())
}

/// Evaluate a fact condition: `Ok(trail item)` when it holds, `Err(trail item)` saying why not.
fn eval_fact(
    input: &JudgeInput,
    key: &str,
    want: Option<&str>,
    credentialed: bool,
) -> Result<TrailItem, TrailItem> {
    let facts = if credentialed {
        match &input.credentialed {
            Some(f) => f,
            None => return Err(TrailItem::NoCredentialedAudit),
        }
    } else {
        &input.facts
    };
    match fact_holds(facts, key, want) {
        Some(value) => Ok(TrailItem::Fact {
            key: key.to_string(),
            value,
            credentialed,
        }),
        None => Err(TrailItem::FactMissing {
            key: key.to_string(),
            expected: want.map(str::to_string),
            credentialed,
        }),
    }
}

fn judge_one(fw: &Framework, r: &Requirement, input: &JudgeInput) -> RequirementVerdict {
    let done = |verdict, trail| RequirementVerdict {
        requirement: r.id.clone(),
        verdict,
        trail,
    };

    // 1. Fail: proven weaknesses and failing facts.
    let mut trail: Vec<TrailItem> = input
        .findings
        .iter()
        .filter(|f| r.checks.iter().any(|p| check_matches(p, &f.check)))
        .map(|f| TrailItem::Finding {
            check: f.check.clone(),
            port: f.port,
            title: f.title.clone(),
        })
        .collect();
    for text in &r.fails_when {
        let hit = match Condition::parse(text) {
            Ok(Condition::Fact { key, value }) => eval_fact(input, &key, value.as_deref(), false),
            Ok(Condition::Credentialed { key, value }) => {
                eval_fact(input, &key, value.as_deref(), true)
            }
            // Validation rejects these at load; a hand-built framework gets no failure from them.
            Ok(Condition::NoFinding(_)) | Err(_) => continue,
        };
        if let Ok(item) = hit {
            trail.push(item);
        }
    }
    if !trail.is_empty() {
        return done(Verdict::Fail, trail);
    }

    // 2. Pass from remote conditions: either set, all of it. What the first set lacked is
    // what the trail reports when neither holds.
    let mut unmet = Vec::new();
    for (n, set) in [&r.passes_when, &r.passes_also_when]
        .into_iter()
        .enumerate()
    {
        if set.is_empty() {
            continue;
        }
        let mut support = Vec::new();
        let mut missing = Vec::new();
        for text in set {
            match Condition::parse(text) {
                Ok(Condition::NoFinding(pattern)) => {
                    let ran: Vec<&String> = input
                        .checks_run
                        .iter()
                        .filter(|c| check_matches(&pattern, c))
                        .collect();
                    let found = input
                        .findings
                        .iter()
                        .any(|f| check_matches(&pattern, &f.check));
                    if ran.is_empty() || found {
                        missing.push(TrailItem::CheckNotRun { pattern });
                    } else {
                        support.extend(
                            ran.into_iter()
                                .map(|c| TrailItem::CheckRan { check: c.clone() }),
                        );
                    }
                }
                Ok(Condition::Fact { key, value }) => {
                    match eval_fact(input, &key, value.as_deref(), false) {
                        Ok(item) => support.push(item),
                        Err(item) => missing.push(item),
                    }
                }
                Ok(Condition::Credentialed { key, value }) => {
                    match eval_fact(input, &key, value.as_deref(), true) {
                        Ok(item) => support.push(item),
                        Err(item) => missing.push(item),
                    }
                }
                Err(_) => missing.push(TrailItem::Method { method: r.method }),
            }
        }
        if missing.is_empty() {
            return done(Verdict::Pass, support);
        }
        if n == 0 || unmet.is_empty() {
            unmet = missing;
        }
    }

    // 3. Pass from documents.
    let mut kinds: Vec<String> = r.documents.clone();
    if matches!(r.method, Method::Documentary | Method::Laboratory) {
        for k in &fw.framework.conformity_documents {
            if !kinds.contains(k) {
                kinds.push(k.clone());
            }
        }
    }
    let docs: Vec<TrailItem> = std::iter::once(&r.id)
        .chain(kinds.iter())
        .flat_map(|key| {
            input
                .documents
                .get(key)
                .into_iter()
                .flatten()
                .map(move |d| TrailItem::Document {
                    key: key.clone(),
                    reference: d.reference.clone(),
                    sha256: d.sha256.clone(),
                    added_by: d.added_by.clone(),
                })
        })
        .collect();
    if !docs.is_empty() {
        return done(Verdict::Pass, docs);
    }

    // 4. Undetermined: say what is missing.
    let mut trail = unmet;
    if !kinds.is_empty() {
        trail.push(TrailItem::DocumentMissing { kinds });
    }
    trail.push(TrailItem::Method { method: r.method });
    let verdict = if r.method == Method::Documentary {
        Verdict::NeedsDocument
    } else {
        Verdict::NotDeterminableRemotely
    };
    done(verdict, trail)
}

/// Judge one device against every framework given (typically [`super::builtin`]).
pub fn judge_all(frameworks: &[Framework], input: &JudgeInput) -> Vec<DeviceConformity> {
    frameworks.iter().map(|fw| judge(fw, input)).collect()
}

/// Counts for one requirement across devices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct RequirementSummary {
    pub requirement: String,
    pub counts: VerdictCounts,
}

/// The same, for the devices of one model.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ModelSummary {
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub devices: u32,
    /// Devices with at least one failed requirement.
    pub devices_failing: u32,
    pub requirements: Vec<RequirementSummary>,
}

/// A fleet judged against one framework.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct FleetSummary {
    pub framework: String,
    pub devices: u32,
    pub devices_failing: u32,
    /// In the framework's requirement order.
    pub requirements: Vec<RequirementSummary>,
    /// Sorted by vendor then model (normalised); devices of unknown model form one group.
    pub models: Vec<ModelSummary>,
}

#[derive(Default)]
struct Tally {
    /// First-seen spelling of the group's vendor and model (for the per-model rows).
    vendor: Option<String>,
    model: Option<String>,
    devices: u32,
    failing: u32,
    per_req: BTreeMap<String, VerdictCounts>,
}

impl Tally {
    fn add(&mut self, d: &DeviceConformity) {
        self.devices += 1;
        if d.verdicts.iter().any(|v| v.verdict == Verdict::Fail) {
            self.failing += 1;
        }
        for v in &d.verdicts {
            if let Some(c) = self.per_req.get_mut(&v.requirement) {
                c.add(v.verdict);
            }
        }
    }

    fn rows(&self, fw: &Framework) -> Vec<RequirementSummary> {
        fw.requirements
            .iter()
            .map(|r| RequirementSummary {
                requirement: r.id.clone(),
                counts: self.per_req.get(&r.id).copied().unwrap_or_default(),
            })
            .collect()
    }
}

/// Aggregate device verdicts per requirement and per model. Verdicts judged against another
/// framework are ignored, and so are requirement ids the framework does not have (a device judged
/// with an older revision that had more requirements).
pub fn fleet_summary(fw: &Framework, devices: &[DeviceConformity]) -> FleetSummary {
    let fresh = || Tally {
        per_req: fw
            .requirements
            .iter()
            .map(|r| (r.id.clone(), VerdictCounts::default()))
            .collect(),
        ..Tally::default()
    };
    let mut all = fresh();
    let mut models: BTreeMap<(String, String), Tally> = BTreeMap::new();
    for d in devices.iter().filter(|d| d.framework == fw.framework.id) {
        all.add(d);
        let key = (
            d.vendor.as_deref().map(normalise).unwrap_or_default(),
            d.model.as_deref().map(normalise).unwrap_or_default(),
        );
        models
            .entry(key)
            .or_insert_with(|| Tally {
                vendor: d.vendor.clone(),
                model: d.model.clone(),
                ..fresh()
            })
            .add(d);
    }
    FleetSummary {
        framework: fw.framework.id.clone(),
        devices: all.devices,
        devices_failing: all.failing,
        requirements: all.rows(fw),
        models: models
            .into_values()
            .map(|t| ModelSummary {
                requirements: t.rows(fw),
                vendor: t.vendor,
                model: t.model,
                devices: t.devices,
                devices_failing: t.failing,
            })
            .collect(),
    }
}
