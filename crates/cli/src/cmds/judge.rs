//! `camwarden judge`: judge a stored scan again — after a catalog update or new documents — with
//! no new scan. Findings, the checks that ran and credentialed settings are all in the store.

use anyhow::Context as _;
use camwarden_store::Store as _;
use std::path::PathBuf;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// The scan to judge (default: the latest finished one).
    #[arg(long)]
    pub scan: Option<String>,
    #[arg(long = "framework", value_name = "ID")]
    pub frameworks: Vec<String>,
    #[arg(long, value_name = "PATH")]
    pub html: Option<PathBuf>,
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Extra model-catalog rows (CSV: vendor,model,status,certificate,issuer,date,source,note),
    /// e.g. an authority's list of certified or warned models. Repeatable.
    #[arg(long, value_name = "CSV")]
    pub catalog: Vec<std::path::PathBuf>,
    #[arg(long, default_value = "vi")]
    pub lang: String,
    #[arg(long, value_name = "PATH")]
    pub db: Option<PathBuf>,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let lang = camwarden_report::Lang::parse(&args.lang).ok_or_else(|| {
        camwarden_core::Error::invalid(format!("--lang {}: use vi or en", args.lang))
    })?;
    let fws = crate::conformity::select(&args.frameworks)?;
    let path = args.db.clone().unwrap_or_else(crate::run::default_db_path);
    let store = camwarden_store::SqliteStore::open(&path)
        .with_context(|| format!("database {}", path.display()))?;
    let scans = store.list_scans()?;
    let row = match &args.scan {
        Some(id) => scans.into_iter().find(|s| &s.meta.id == id),
        None => scans.into_iter().rev().find(|s| s.finished),
    }
    .ok_or_else(|| {
        camwarden_core::Error::new(
            camwarden_core::ErrorKind::NotFound,
            "no such scan in the database",
        )
    })?;
    let hosts = store.scan_hosts(&row.meta.id)?;
    let docs = store.documents()?;
    let catalog = crate::conformity::catalog(&args.catalog)?;
    let input = crate::conformity::build(row.meta, &hosts, fws, &docs, &catalog);
    crate::conformity::output(&input, args.html.as_deref(), args.json.as_deref(), lang)
}
