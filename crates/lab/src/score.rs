//! Scoring a scan against the lab's ground truth: the numbers the acceptance criteria are
//! stated in (camera recall and precision, vendor accuracy, planted weaknesses reported, false
//! credential/unauthenticated claims, lockouts, violations, sessions left open).

use crate::{LabStats, Truth};
use camwarden_core::model::{Category, Finding, HostReport};
use std::collections::{BTreeMap, BTreeSet};
use std::fmt;

/// The score of one scan.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Score {
    /// Cameras in scope according to the truth (hostile hosts and out-of-scope devices excluded).
    pub cameras_expected: usize,
    pub cameras_found: usize,
    /// Hosts reported as cameras that are not cameras.
    pub cameras_false: usize,
    pub vendor_right: usize,
    pub weaknesses_planted: usize,
    pub weaknesses_reported: usize,
    /// default-credential / unauthenticated-access findings with no planted counterpart.
    pub false_claims: Vec<String>,
    pub missed: Vec<String>,
    pub lockouts: u64,
    pub max_failures_in_30s: u64,
    pub violations: Vec<String>,
    pub sessions_open: u64,
    pub out_of_scope_contacted: Vec<String>,
}

impl Score {
    pub fn camera_recall(&self) -> f64 {
        ratio(self.cameras_found, self.cameras_expected)
    }
    pub fn camera_precision(&self) -> f64 {
        ratio(self.cameras_found, self.cameras_found + self.cameras_false)
    }
    pub fn vendor_accuracy(&self) -> f64 {
        ratio(self.vendor_right, self.cameras_found)
    }
    pub fn weakness_recall(&self) -> f64 {
        ratio(self.weaknesses_reported, self.weaknesses_planted)
    }
}

fn ratio(a: usize, b: usize) -> f64 {
    if b == 0 { 1.0 } else { a as f64 / b as f64 }
}

fn planted_matches(p: &crate::Planted, f: &Finding) -> bool {
    if p.category != f.category.as_str() {
        return false;
    }
    if let Some(cve) = &p.cve {
        return f.cve.iter().any(|c| c.eq_ignore_ascii_case(cve));
    }
    if let Some(proto) = &p.protocol
        && f.protocol.as_deref() != Some(proto.as_str())
    {
        return false;
    }
    if let Some(svc) = &p.service
        && f.service.as_deref() != Some(svc.as_str())
    {
        return false;
    }
    true
}

/// Score `hosts` (the scan's reports) against `truth`, with the lab's counters.
pub fn score(truth: &[Truth], hosts: &[HostReport], stats: &LabStats) -> Score {
    let by_ip: BTreeMap<String, &HostReport> =
        hosts.iter().map(|h| (h.ip.to_string(), h)).collect();
    let mut s = Score::default();
    let out_of_scope: BTreeSet<&str> = truth
        .iter()
        .filter(|t| t.label.ends_with("-out-of-scope"))
        .map(|t| t.ip.as_str())
        .collect();
    for t in truth {
        if out_of_scope.contains(t.ip.as_str()) {
            continue;
        }
        let host = by_ip.get(&t.ip);
        if t.camera {
            s.cameras_expected += 1;
            if let Some(h) = host.filter(|h| h.identity.camera) {
                s.cameras_found += 1;
                if h.identity.vendor == t.vendor {
                    s.vendor_right += 1;
                }
            }
        } else if host.is_some_and(|h| h.identity.camera) {
            s.cameras_false += 1;
        }
        for p in &t.weaknesses {
            s.weaknesses_planted += 1;
            let hit = host.is_some_and(|h| h.findings.iter().any(|f| planted_matches(p, f)));
            if hit {
                s.weaknesses_reported += 1;
            } else {
                s.missed
                    .push(format!("{} {} ({})", t.ip, p.category, p.note));
            }
        }
        if let Some(h) = host {
            for f in &h.findings {
                let claim = matches!(
                    f.category,
                    Category::DefaultCredential | Category::UnauthenticatedAccess
                );
                if claim && !t.weaknesses.iter().any(|p| planted_matches(p, f)) {
                    s.false_claims
                        .push(format!("{} {} {}", t.ip, f.check, f.evidence));
                }
            }
        }
    }
    for (ip, d) in &stats.per_device {
        s.lockouts += d.lockouts;
        s.max_failures_in_30s = s.max_failures_in_30s.max(d.max_failures_in_30s);
        s.sessions_open += d.sessions_open_now;
        for v in &d.violations {
            s.violations.push(format!("{ip}: {v}"));
        }
        if out_of_scope.contains(ip.to_string().as_str()) && d.connections > 0 {
            s.out_of_scope_contacted.push(ip.to_string());
        }
    }
    s
}

impl fmt::Display for Score {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "Against the lab's ground truth: cameras found {}/{} (recall {:.0}%, precision {:.0}%), vendor right {:.0}%",
            self.cameras_found,
            self.cameras_expected,
            self.camera_recall() * 100.0,
            self.camera_precision() * 100.0,
            self.vendor_accuracy() * 100.0
        )?;
        writeln!(
            f,
            "planted weaknesses reported {}/{} ({:.0}%), false credential/unauthenticated claims {}",
            self.weaknesses_reported,
            self.weaknesses_planted,
            self.weakness_recall() * 100.0,
            self.false_claims.len()
        )?;
        write!(
            f,
            "lockouts caused {}, most failed logins in 30 s on one device {}, sessions left open {}, write/download attempts {}, out-of-scope device contacted {}",
            self.lockouts,
            self.max_failures_in_30s,
            self.sessions_open,
            self.violations.len(),
            self.out_of_scope_contacted.len()
        )
    }
}
