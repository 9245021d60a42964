//! `camwarden demo`: the first command a newcomer runs. Starts the built-in lab on loopback,
//! scans it exactly as `camwarden scan` would (one lab camera is kept outside the scope on
//! purpose), writes the reports, and scores the result against the lab's ground truth.

use crate::cmds::scan::ScanOptions;
use crate::run::{self, Job, Outputs};
use anyhow::Context as _;
use camwarden_core::scope::ScopeSet;
use std::io::Write as _;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// Directory for the demo's report.html, scan.jsonl, truth.json and database.
    #[arg(long, default_value = "camwarden-demo")]
    pub out: PathBuf,
    /// The lab's /24 on loopback (must be inside 127.0.0.0/8).
    #[arg(long, default_value = "127.77.0.0")]
    pub base: Ipv4Addr,
    #[command(flatten)]
    pub common: ScanOptions,
}

pub async fn run(mut args: Args) -> anyhow::Result<()> {
    if !args.base.is_loopback() {
        return Err(camwarden_core::Error::invalid(
            "the demo lab runs on loopback only (127.0.0.0/8)",
        )
        .into());
    }
    std::fs::create_dir_all(&args.out)
        .with_context(|| format!("creating {}", args.out.display()))?;
    let o = &mut args.common;
    o.jsonl
        .get_or_insert_with(|| args.out.join("scan.jsonl").display().to_string());
    o.html.get_or_insert_with(|| args.out.join("report.html"));
    o.db.get_or_insert_with(|| args.out.join("camwarden.db"));
    o.authorization
        .get_or_insert_with(|| "built-in lab on loopback (camwarden demo)".to_string());

    let spec = camwarden_lab::LabSpec::builtin(args.base);
    let lab = camwarden_lab::Lab::start(spec)
        .await
        .context("starting the lab")?;
    let [a, b, c, _] = args.base.octets();
    let cidr = format!("{a}.{b}.{c}.0/24");
    let outside: Vec<String> = lab
        .truth()
        .iter()
        .filter(|t| t.label.ends_with("-out-of-scope"))
        .map(|t| t.ip.clone())
        .collect();
    let scope = ScopeSet::parse(&[cidr], &outside).context("scope")?;
    let job = Job::from_options(Arc::new(scope), &args.common)?;
    let outputs = Outputs::from_options(&args.common)?;
    let result = run::execute(job, outputs).await?;
    run::print_table(&result, &args.common)?;

    let truth_path = args.out.join("truth.json");
    std::fs::write(&truth_path, serde_json::to_string_pretty(lab.truth())?)
        .with_context(|| format!("writing {}", truth_path.display()))?;
    let score = camwarden_lab::score::score(lab.truth(), &result.hosts, &lab.stats());
    let mut out = std::io::stdout().lock();
    writeln!(out, "\n{score}")?;
    writeln!(
        out,
        "Reports: {}  {}  (ground truth: {})",
        args.common
            .html
            .as_ref()
            .map(|p| p.display().to_string())
            .unwrap_or_default(),
        args.common.jsonl.clone().unwrap_or_default(),
        truth_path.display()
    )?;
    lab.shutdown().await;
    Ok(())
}
