//! The scan pipeline: scope → discover → identify → check, one [`HostReport`] per host that
//! answered. Discovery streams hosts as their blocks complete, so identification and checks of
//! early hosts overlap the sweep of later ones; hosts are worked on with bounded concurrency, and
//! every device gets its own credential budget.
//!
//! Storage and reports are not here: the caller consumes [`ScanEvent`]s, which keeps this crate
//! free of output formats and lets tests assert on the stream directly.

use crate::check::budget::{BudgetPolicy, CredentialBudget};
use crate::check::{CheckEnv, CheckOptions, Host};
use crate::data::Knowledge;
use crate::discover::{DiscoverConfig, Discoverer, DiscoveryEvent};
use crate::error::Result;
use crate::identify::Rules;
use crate::net::{Dial, Limits, Net};
use camwarden_core::model::{Finding, HostReport};
use camwarden_core::scope::ScopeSet;
use std::collections::BTreeSet;
use std::net::Ipv4Addr;
use std::sync::Arc;
use std::time::{Duration, Instant};
use tokio::sync::{Semaphore, mpsc};
use tokio_util::sync::CancellationToken;

/// Maps a check id to the requirement ids it bears on (filled from the framework catalogs).
pub type RequirementMap = Arc<dyn Fn(&str) -> Vec<String> + Send + Sync>;

/// The owner's credential for an address, for a credentialed audit (`camwarden audit`).
pub type CredentialMap =
    Arc<dyn Fn(Ipv4Addr) -> Option<crate::audit::OwnerCredential> + Send + Sync>;

/// Everything a scan needs besides the scope.
#[derive(Clone)]
pub struct ScanConfig {
    pub discover: DiscoverConfig,
    pub limits: Limits,
    /// Hosts identified and checked at the same time.
    pub host_concurrency: usize,
    pub checks: CheckOptions,
    pub budget: BudgetPolicy,
    pub requirements: RequirementMap,
    /// Only find open ports: no identification, no checks.
    pub discover_only: bool,
    /// Owner credentials: when set, cameras with a credential get a read-only credentialed audit.
    pub credentials: Option<CredentialMap>,
}

/// What the pipeline reports while it runs.
#[derive(Debug)]
pub enum ScanEvent {
    /// Discovery progress: probes sent of the total, open ports so far.
    Progress { probed: u64, total: u64, open: u64 },
    /// A host answered; identification and checks start.
    HostFound { ip: Ipv4Addr, open: Vec<u16> },
    /// A host is finished.
    HostDone(Box<HostReport>),
}

/// Totals of a finished scan.
#[derive(Debug, Clone, Default)]
pub struct ScanTotals {
    pub targets: u64,
    pub probed: u64,
    pub hosts_up: u64,
    pub cameras: u64,
    pub findings: u64,
    pub duration: Duration,
    pub out_of_scope_refusals: u64,
}

/// Run a whole scan. Events go to `events`; the call returns when every host is done (or the
/// scan was cancelled and in-flight hosts finished their bounded exchanges).
pub async fn run_scan(
    scope: Arc<ScopeSet>,
    cfg: ScanConfig,
    kb: Arc<Knowledge>,
    discoverer: Arc<dyn Discoverer>,
    dial: Arc<dyn Dial>,
    events: mpsc::Sender<ScanEvent>,
    cancel: CancellationToken,
) -> Result<ScanTotals> {
    let started = Instant::now();
    // Compiling the fingerprint rules costs tens of milliseconds; an inventory sweep needs none.
    let rules = if cfg.discover_only {
        None
    } else {
        Some(Arc::new(Rules::load(&kb)?))
    };
    let net = Net::new(scope.clone(), dial, cfg.limits);
    let targets = scope.len() * cfg.discover.ports.len() as u64;

    let (dtx, mut drx) = mpsc::channel::<DiscoveryEvent>(1024);
    let disc = {
        let scope = scope.clone();
        let dcfg = cfg.discover.clone();
        let cancel = cancel.clone();
        let discoverer = discoverer.clone();
        tokio::spawn(async move { discoverer.run(&scope, &dcfg, dtx, cancel).await })
    };

    let slots = Arc::new(Semaphore::new(cfg.host_concurrency.max(1)));
    let mut workers = tokio::task::JoinSet::new();
    let mut hosts_up = 0u64;
    while let Some(ev) = drx.recv().await {
        match ev {
            DiscoveryEvent::Progress {
                probed,
                total,
                open,
            } => {
                let _ = events
                    .send(ScanEvent::Progress {
                        probed,
                        total,
                        open,
                    })
                    .await;
            }
            DiscoveryEvent::Host { ip, open } => {
                hosts_up += 1;
                let _ = events
                    .send(ScanEvent::HostFound {
                        ip,
                        open: open.clone(),
                    })
                    .await;
                let permit = slots.clone().acquire_owned().await;
                let net = net.clone();
                let kb = kb.clone();
                let rules = rules.clone();
                let cfg = cfg.clone();
                let events = events.clone();
                workers.spawn(async move {
                    let _permit = permit;
                    let report = match &rules {
                        Some(rules) => audit_host(&net, &kb, rules, &cfg, ip, &open).await,
                        None => open_ports_only(ip, &open),
                    };
                    let _ = events.send(ScanEvent::HostDone(Box::new(report))).await;
                });
            }
        }
    }
    let stats = match disc.await {
        Ok(r) => r?,
        Err(e) => {
            return Err(crate::Error::new(
                crate::ErrorKind::Io,
                format!("discovery task: {e}"),
            ));
        }
    };
    while workers.join_next().await.is_some() {}
    Ok(ScanTotals {
        targets,
        probed: stats.probed,
        hosts_up,
        cameras: 0,
        findings: 0,
        duration: started.elapsed(),
        out_of_scope_refusals: net
            .stats
            .refused_out_of_scope
            .load(std::sync::atomic::Ordering::Relaxed),
    })
}

/// A report with open ports only (`--discover-only`).
fn open_ports_only(ip: Ipv4Addr, open: &[u16]) -> HostReport {
    HostReport {
        ip,
        ports: open
            .iter()
            .map(|&port| camwarden_core::model::PortInfo {
                port,
                transport: camwarden_core::model::Transport::Tcp,
                service: "unknown".into(),
                tls: false,
            })
            .collect(),
        identity: Default::default(),
        facts: Vec::new(),
        findings: Vec::new(),
        checks_ran: Vec::new(),
        credentialed: Default::default(),
    }
}

/// Identify and check one host. Checks run only on cameras and recorders: camwarden audits
/// cameras, and a non-camera host is reported (its device line) but not probed further.
pub async fn audit_host(
    net: &Net,
    kb: &Arc<Knowledge>,
    rules: &Rules,
    cfg: &ScanConfig,
    ip: Ipv4Addr,
    open: &[u16],
) -> HostReport {
    let mut host = crate::identify::identify_host(net, kb, rules, ip, open).await;
    let budget = Arc::new(CredentialBudget::new(cfg.budget));
    let env = CheckEnv::new(net.clone(), kb.clone(), budget, cfg.checks);
    let mut findings = Vec::new();
    let mut credentialed = std::collections::BTreeMap::new();
    if host.identity.camera {
        findings = run_checks(&host, &env).await;
        // A credentialed audit (owner's credentials) reads the device's own settings.
        if let Some(cred) = cfg.credentials.as_ref().and_then(|c| c(ip)) {
            let probe = HostReport {
                ip,
                ports: host.ports.clone(),
                identity: host.identity.clone(),
                facts: Vec::new(),
                findings: Vec::new(),
                checks_ran: Vec::new(),
                credentialed: Default::default(),
            };
            let facts = crate::audit::collect_host(net, &probe, &cred).await;
            if !facts.errors.is_empty() {
                tracing::info!(%ip, errors = facts.errors.len(), "credentialed audit: some views could not be read");
            }
            credentialed = crate::audit::judge_facts(&facts);
            credentialed.insert("authenticated".into(), facts.authenticated.to_string());
            if let Some(test) = cred.test_account().filter(|_| cfg.checks.intrusive) {
                findings.extend(
                    crate::check::bruteforce::account_enumeration(&host, &env, test.0).await,
                );
                findings.extend(crate::check::bruteforce::run(&host, &env, test).await);
            }
            let vendor = host.identity.vendor.clone().unwrap_or_default();
            env.learn(crate::identify::facts_from_device_info(
                &vendor,
                facts.get("model"),
                facts
                    .get("firmware")
                    .map(|f| match facts.get("firmware.build") {
                        Some(b) if !f.contains("build") => format!("{f} {b}"),
                        _ => f.to_string(),
                    })
                    .as_deref(),
                None,
            ));
        }
        // What the checks and the audit learned (device info read through a weakness, a
        // default credential or the owner's account) sharpens the identity; version-based
        // CVEs use the final identity.
        let learned = env.learned.lock().map(|l| l.clone()).unwrap_or_default();
        if !learned.is_empty() {
            host.facts.extend(learned);
            host.identity = crate::identify::resolve(&host.facts);
        }
        let by_version = crate::check::vulns::firmware_findings(&host, &env, &findings);
        findings.extend(by_version);
    }
    let mut findings = dedupe(findings);
    for f in &mut findings {
        f.requirements = (cfg.requirements)(&f.check);
    }
    findings.sort_by(|a, b| b.severity.cmp(&a.severity).then(a.check.cmp(&b.check)));
    HostReport {
        ip,
        ports: host.ports.clone(),
        identity: host.identity.clone(),
        facts: host.facts.clone(),
        findings,
        checks_ran: env.checks_ran(),
        credentialed,
    }
}

/// The checks, in the order that keeps devices safe: read-only checks first (they cannot count
/// as failed logins), then login-shaped CVE probes and default credentials, which share the
/// device's budget.
async fn run_checks(host: &Host, env: &CheckEnv) -> Vec<Finding> {
    use crate::check::{creds, services, tls, unauth, vulns, web};
    let (a, b, c, d) = tokio::join!(
        services::run(host, env),
        web::run(host, env),
        tls::run(host, env),
        unauth::run(host, env),
    );
    let mut out: Vec<Finding> = [a, b, c, d].into_iter().flatten().collect();
    out.extend(vulns::run(host, env).await);
    if env.opts.credentials {
        out.extend(creds::run(host, env).await);
    }
    out
}

/// One finding per (check, port, cve set): a weakness proven twice is reported once.
fn dedupe(findings: Vec<Finding>) -> Vec<Finding> {
    let mut seen = BTreeSet::new();
    findings
        .into_iter()
        .filter(|f| seen.insert((f.check.clone(), f.port, f.cve.clone())))
        .collect()
}
