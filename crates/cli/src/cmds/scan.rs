//! `camwarden scan`: the operator's command. Parses the scope and options, then hands the job to
//! [`crate::run`], which streams results to the outputs.

use crate::run::{self, Job, Outputs};
use anyhow::Context as _;
use camwarden_core::scope::ScopeSet;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// What to scan: addresses, CIDRs (10.20.0.0/16), ranges (10.0.0.1-10.0.0.50), or @FILE.
    #[arg(required = true, value_name = "TARGET")]
    pub targets: Vec<String>,
    /// Addresses, CIDRs or ranges never to touch (repeatable, comma-separated allowed).
    #[arg(long, value_name = "TARGET")]
    pub exclude: Vec<String>,
    /// A file of exclusions, one per line (repeatable).
    #[arg(long, value_name = "FILE")]
    pub exclude_file: Vec<PathBuf>,
    #[command(flatten)]
    pub common: ScanOptions,
}

/// Options shared by `scan` and `demo`.
#[derive(clap::Args, Debug, Clone)]
pub struct ScanOptions {
    /// Ports to probe, e.g. `80,554,8000-8010` (default: the camera-ecosystem list in data/ports.toml).
    #[arg(long, short = 'p')]
    pub ports: Option<String>,
    /// Connection attempts per second, all hosts together.
    #[arg(long, default_value_t = 2000)]
    pub rate: u32,
    /// Connection attempts in flight at once.
    #[arg(long, default_value_t = 512)]
    pub concurrency: usize,
    /// Hosts identified and checked at once (each host is itself probed gently).
    #[arg(long, default_value_t = 128)]
    pub host_concurrency: usize,
    /// Connect timeout in milliseconds.
    #[arg(long, default_value_t = 1500)]
    pub connect_timeout_ms: u64,
    /// Write the JSON Lines stream (contract schema 1) here; `-` for standard output.
    #[arg(long, value_name = "PATH")]
    pub jsonl: Option<String>,
    /// Write the self-contained HTML report here.
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,
    /// Report language: vi (default) or en.
    #[arg(long, default_value = "vi")]
    pub lang: String,
    /// SQLite database (default: $XDG_DATA_HOME/camwarden/camwarden.db).
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
    /// Do not store the scan.
    #[arg(long)]
    pub no_db: bool,
    /// Directory of knowledge files replacing the built-in ones (same layout as data/).
    #[arg(long, value_name = "DIR")]
    pub data_dir: Option<PathBuf>,
    /// Who runs the scan (recorded with it).
    #[arg(long, env = "USER", default_value = "unknown")]
    pub operator: String,
    /// The authorisation for this scan (decision number, ticket, contract), recorded with it.
    #[arg(long, value_name = "TEXT")]
    pub authorization: Option<String>,
    /// Organisation unit the scope belongs to (recorded with the scan).
    #[arg(long)]
    pub org_unit: Option<String>,
    /// Only find open ports (no identification, no checks): a quick inventory sweep.
    #[arg(long)]
    pub discover_only: bool,
    /// Do not try default credentials.
    #[arg(long)]
    pub no_credentials: bool,
    /// Seed of the randomised target order (random by default).
    #[arg(long)]
    pub seed: Option<u64>,
    /// No progress bar.
    #[arg(long, short = 'q')]
    pub quiet: bool,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let mut excludes = args.exclude.clone();
    excludes.extend(
        args.exclude_file
            .iter()
            .map(|p| format!("@{}", p.display())),
    );
    let scope = ScopeSet::parse(&args.targets, &excludes).context("scope")?;
    if scope.is_empty() {
        return Err(camwarden_core::Error::invalid(
            "the scope is empty after exclusions and the built-in deny list",
        )
        .into());
    }
    if args.common.authorization.is_none() {
        eprintln!(
            "camwarden: note: no --authorization given; the scan record will say so (scan only networks you are authorised to audit)"
        );
    }
    let job = Job::from_options(Arc::new(scope), &args.common)?;
    let outputs = Outputs::from_options(&args.common)?;
    let result = run::execute(job, outputs).await?;
    run::print_table(&result, &args.common)?;
    Ok(())
}
