//! Executing a scan job: the pipeline's events are streamed to the JSON Lines output as hosts
//! finish, collected for the table and the HTML report, and stored in batches.

use crate::cmds::scan::ScanOptions;
use anyhow::Context as _;
use camwarden_core::model::{HostReport, SCHEMA, SummaryLine};
use camwarden_core::scope::ScopeSet;
use camwarden_report::Lang;
use camwarden_scan::check::CheckOptions;
use camwarden_scan::check::budget::BudgetPolicy;
use camwarden_scan::data::Knowledge;
use camwarden_scan::discover::{ConnectDiscoverer, DiscoverConfig};
use camwarden_scan::net::{Limits, TcpDial};
use camwarden_scan::pipeline::{ScanConfig, ScanEvent, run_scan};
use camwarden_store::Store as _;
use std::io::Write;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

/// A scan to run.
pub struct Job {
    pub scope: Arc<ScopeSet>,
    pub cfg: ScanConfig,
    pub kb: Arc<Knowledge>,
    pub operator: String,
    pub authorization: String,
    pub org_unit: Option<String>,
    pub options_json: String,
}

impl Job {
    pub fn from_options(scope: Arc<ScopeSet>, o: &ScanOptions) -> anyhow::Result<Job> {
        let kb = match &o.data_dir {
            Some(d) => Knowledge::with_dir(d),
            None => Knowledge::builtin(),
        }
        .context("knowledge data")?;
        let ports = match &o.ports {
            Some(spec) => camwarden_scan::discover::parse_ports(spec).context("--ports")?,
            None => camwarden_scan::discover::default_ports(),
        };
        // Findings carry the ids of the Vietnamese instruments; the ETSI provisions they map to
        // stay in the catalogs (each requirement lists its `etsi` counterparts).
        let frameworks: Vec<_> = camwarden_core::frameworks::builtin()
            .into_iter()
            .filter(|f| !f.id().starts_with("EN303645"))
            .collect();
        let frameworks = Arc::new(frameworks);
        let requirements: camwarden_scan::pipeline::RequirementMap = {
            let fw = frameworks.clone();
            Arc::new(move |check: &str| {
                camwarden_core::frameworks::requirements_for_check(&fw, check)
            })
        };
        let seed = o.seed.unwrap_or_else(rand_seed);
        let cfg = ScanConfig {
            discover: DiscoverConfig {
                ports,
                rate: o.rate.max(1),
                concurrency: o.concurrency.clamp(1, 8192),
                per_host: 4,
                connect_timeout: Duration::from_millis(o.connect_timeout_ms.max(50)),
                seed,
            },
            limits: Limits {
                connect_timeout: Duration::from_millis(o.connect_timeout_ms.max(50)),
                ..Limits::default()
            },
            host_concurrency: o.host_concurrency.max(1),
            checks: CheckOptions {
                credentials: !o.no_credentials,
                intrusive: false,
            },
            budget: BudgetPolicy::default(),
            requirements,
            discover_only: o.discover_only,
            credentials: None,
        };
        let options_json = serde_json::json!({
            "ports": cfg.discover.ports,
            "rate": cfg.discover.rate,
            "concurrency": cfg.discover.concurrency,
            "host_concurrency": cfg.host_concurrency,
            "credentials": cfg.checks.credentials,
            "seed": seed,
            "data_dir": o.data_dir,
        })
        .to_string();
        Ok(Job {
            scope,
            cfg,
            kb: Arc::new(kb),
            operator: o.operator.clone(),
            authorization: o.authorization.clone().unwrap_or_default(),
            org_unit: o.org_unit.clone(),
            options_json,
        })
    }
}

fn rand_seed() -> u64 {
    let t = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_nanos() as u64)
        .unwrap_or(0);
    t ^ (u64::from(std::process::id()) << 32)
}

/// Where results go.
pub struct Outputs {
    pub jsonl: Option<String>,
    pub html: Option<PathBuf>,
    pub lang: Lang,
    pub db: Option<PathBuf>,
    pub progress: bool,
}

impl Outputs {
    pub fn from_options(o: &ScanOptions) -> anyhow::Result<Outputs> {
        let lang = Lang::parse(&o.lang).ok_or_else(|| {
            camwarden_core::Error::invalid(format!("--lang {}: use vi or en", o.lang))
        })?;
        let db = if o.no_db {
            None
        } else {
            Some(o.db.clone().unwrap_or_else(default_db_path))
        };
        Ok(Outputs {
            jsonl: o.jsonl.clone(),
            html: o.html.clone(),
            lang,
            db,
            progress: !o.quiet && o.jsonl.as_deref() != Some("-"),
        })
    }
}

/// `$XDG_DATA_HOME/camwarden/camwarden.db`, else `~/.local/share/camwarden/camwarden.db`.
pub fn default_db_path() -> PathBuf {
    let base = std::env::var_os("XDG_DATA_HOME")
        .map(PathBuf::from)
        .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
        .unwrap_or_else(|| PathBuf::from("."));
    base.join("camwarden").join("camwarden.db")
}

/// What a finished scan produced.
pub struct ScanResult {
    pub meta: camwarden_core::model::ScanMeta,
    pub hosts: Vec<HostReport>,
    pub summary: SummaryLine,
    pub scan_id: Option<String>,
    pub lang: Lang,
    pub checks: std::collections::HashMap<String, camwarden_core::model::CheckDef>,
}

/// Run the job, streaming to the outputs.
pub async fn execute(job: Job, out: Outputs) -> anyhow::Result<ScanResult> {
    let meta = camwarden_store::new_scan_meta(
        &job.operator,
        &job.authorization,
        &job.scope.included,
        &job.scope.excluded,
        job.org_unit.clone(),
        &job.options_json,
    );
    let store = match &out.db {
        Some(path) => {
            if let Some(dir) = path.parent() {
                std::fs::create_dir_all(dir)
                    .with_context(|| format!("creating {}", dir.display()))?;
            }
            Some(
                camwarden_store::SqliteStore::open(path)
                    .with_context(|| format!("database {}", path.display()))?,
            )
        }
        None => None,
    };
    if let Some(s) = &store {
        s.begin_scan(&meta)?;
    }
    let mut jsonl: Option<camwarden_report::jsonl::Writer<Box<dyn Write + Send>>> =
        match out.jsonl.as_deref() {
            None => None,
            Some("-") => Some(camwarden_report::jsonl::Writer::new(Box::new(
                std::io::stdout(),
            ))),
            Some(p) => {
                let f = std::fs::File::create(p).with_context(|| format!("creating {p}"))?;
                Some(camwarden_report::jsonl::Writer::new(Box::new(
                    std::io::BufWriter::new(f),
                )))
            }
        };

    let progress = if out.progress {
        let pb = indicatif::ProgressBar::new(job.scope.len() * job.cfg.discover.ports.len() as u64);
        pb.set_style(
            indicatif::ProgressStyle::with_template(
                "{spinner} {elapsed_precise} [{bar:30}] {pos}/{len} probes · {msg}",
            )
            .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        Some(pb)
    } else {
        None
    };

    let (tx, mut rx) = tokio::sync::mpsc::channel(256);
    let cancel = tokio_util::sync::CancellationToken::new();
    {
        let cancel = cancel.clone();
        tokio::spawn(async move {
            if tokio::signal::ctrl_c().await.is_ok() {
                cancel.cancel();
            }
        });
    }
    let scan = tokio::spawn(run_scan(
        job.scope.clone(),
        job.cfg.clone(),
        job.kb.clone(),
        Arc::new(ConnectDiscoverer),
        Arc::new(TcpDial),
        tx,
        cancel,
    ));

    let mut hosts: Vec<HostReport> = Vec::new();
    let mut batch: Vec<HostReport> = Vec::new();
    let (mut found, mut done) = (0u64, 0u64);
    while let Some(ev) = rx.recv().await {
        match ev {
            ScanEvent::Progress { probed, total, .. } => {
                if let Some(pb) = &progress {
                    pb.set_length(total);
                    pb.set_position(probed);
                }
            }
            ScanEvent::HostFound { .. } => found += 1,
            ScanEvent::HostDone(report) => {
                done += 1;
                if let Some(w) = jsonl.as_mut() {
                    w.host(&report).context("writing JSON Lines")?;
                }
                batch.push((*report).clone());
                if batch.len() >= 64 {
                    if let Some(s) = &store {
                        s.record_hosts(&meta.id, &batch)?;
                    }
                    batch.clear();
                }
                hosts.push(*report);
            }
        }
        if let Some(pb) = &progress {
            pb.set_message(format!("{found} hosts up, {done} audited"));
        }
    }
    let totals = scan.await.context("scan task")??;
    if let Some(pb) = &progress {
        pb.finish_and_clear();
    }
    if let Some(s) = &store
        && !batch.is_empty()
    {
        s.record_hosts(&meta.id, &batch)?;
    }
    hosts.sort_by_key(|h| h.ip);
    let summary = SummaryLine {
        kind: "summary".into(),
        schema: SCHEMA,
        targets: job.scope.len(),
        hosts_up: totals.hosts_up,
        cameras: hosts.iter().filter(|h| h.identity.camera).count() as u64,
        findings: hosts.iter().map(|h| h.findings.len() as u64).sum(),
        duration_s: (totals.duration.as_secs_f64() * 1000.0).round() / 1000.0,
        scope: job.scope.included.clone(),
        excluded: job.scope.excluded.clone(),
    };
    if let Some(w) = jsonl.as_mut() {
        w.summary(&summary).context("writing JSON Lines")?;
        w.flush().context("writing JSON Lines")?;
    }
    let mut diff = None;
    if let Some(s) = &store {
        s.finish_scan(&meta.id, &summary)?;
        diff = s.compare_with_previous(&meta.id)?;
    }
    if let Some(path) = &out.html {
        let input = camwarden_report::ReportInput {
            meta: meta.clone(),
            hosts: hosts.clone(),
            summary: summary.clone(),
            checks: job.kb.checks.clone(),
            diff,
        };
        let html = camwarden_report::html::render(&input, out.lang);
        std::fs::write(path, html).with_context(|| format!("writing {}", path.display()))?;
    }
    Ok(ScanResult {
        meta: meta.clone(),
        hosts,
        summary,
        scan_id: store.as_ref().map(|_| meta.id.clone()),
        lang: out.lang,
        checks: job.kb.checks.clone(),
    })
}

/// Print the table of cameras (and a one-line summary) to standard output, unless standard
/// output carries the JSON Lines stream.
pub fn print_table(r: &ScanResult, o: &ScanOptions) -> anyhow::Result<()> {
    if o.jsonl.as_deref() == Some("-") {
        return Ok(());
    }
    let mut out = std::io::stdout().lock();
    writeln!(
        out,
        "{}",
        camwarden_report::table::render(&r.hosts, &r.checks, r.lang)
    )?;
    writeln!(
        out,
        "{} hosts up, {} cameras, {} findings in {:.1} s{}",
        r.summary.hosts_up,
        r.summary.cameras,
        r.summary.findings,
        r.summary.duration_s,
        r.scan_id
            .as_ref()
            .map(|id| format!(" (scan {id})"))
            .unwrap_or_default()
    )?;
    Ok(())
}
