//! `camwarden audit`: a scan plus, where the owner's credentials are given, a read-only
//! credentialed audit of each camera, judged against the framework catalogs into a conformity
//! report (HTML and JSON, vi/en). Credentials come from a (preferably sealed) file or a prompt,
//! are held in memory only, and never reach a log, a report or the database.

use crate::cmds::scan::ScanOptions;
use crate::creds::Credentials;
use crate::run::{self, Job, Outputs};
use anyhow::Context as _;
use camwarden_core::scope::ScopeSet;
use camwarden_scan::audit::OwnerCredential;
use camwarden_store::Store as _;
use std::path::PathBuf;
use std::sync::Arc;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    #[arg(required = true, value_name = "TARGET")]
    pub targets: Vec<String>,
    #[arg(long, value_name = "TARGET")]
    pub exclude: Vec<String>,
    /// Owner credentials (TOML, sealed with `camwarden creds seal` or plain).
    #[arg(long, value_name = "FILE")]
    pub credentials: Option<PathBuf>,
    /// Ask for one user name and password (no echo) to use on every target.
    #[arg(long, value_name = "USER", conflicts_with = "credentials")]
    pub ask_password: Option<String>,
    /// Frameworks to judge against (repeatable): qcvn135:2024, qcvn11:2026, qd724:2024, en303645
    /// (default: the Vietnamese ones).
    #[arg(long = "framework", value_name = "ID")]
    pub frameworks: Vec<String>,
    /// Run the active brute-force protection test on each device's designated test account
    /// (`test_username`/`test_password` in the credentials file). It locks that account for up to
    /// 5 minutes; needs --authorization.
    #[arg(long)]
    pub intrusive: bool,
    /// Conformity report as JSON.
    #[arg(long, value_name = "PATH")]
    pub json: Option<PathBuf>,
    /// Extra model-catalog rows (CSV: vendor,model,status,certificate,issuer,date,source,note),
    /// e.g. an authority's list of certified or warned models. Repeatable.
    #[arg(long, value_name = "CSV")]
    pub catalog: Vec<std::path::PathBuf>,
    #[command(flatten)]
    pub common: ScanOptions,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    let fws = crate::conformity::select(&args.frameworks)?;
    // Fail on a bad catalog before any packet is sent.
    let _ = crate::conformity::catalog(&args.catalog)?;
    let scope = ScopeSet::parse(&args.targets, &args.exclude).context("scope")?;
    if scope.is_empty() {
        return Err(camwarden_core::Error::invalid(
            "the scope is empty after exclusions and the built-in deny list",
        )
        .into());
    }
    let creds: Option<Arc<Credentials>> = match (&args.credentials, &args.ask_password) {
        (Some(p), _) => Some(Arc::new(Credentials::load(p)?)),
        (None, Some(user)) => {
            let pass = rpassword::prompt_password(format!("Password for {user}: "))
                .context("reading the password")?;
            Some(Arc::new(Credentials::single(OwnerCredential::new(
                user, &pass,
            ))))
        }
        (None, None) => None,
    };
    if args.intrusive {
        let Some(auth) = &args.common.authorization else {
            return Err(camwarden_core::Error::invalid(
                "--intrusive locks test accounts: record who authorised it with --authorization",
            )
            .into());
        };
        eprintln!(
            "camwarden: WARNING: intrusive test enabled (authorised: {auth}); each device's test account will be locked for up to 5 minutes, never the administrator's"
        );
    }
    let conformity_html = args.common.html.clone();
    let mut common = args.common.clone();
    common.html = None; // --html is the conformity report here
    let mut job = Job::from_options(Arc::new(scope), &common)?;
    if let Some(c) = creds.clone() {
        job.cfg.credentials = Some(Arc::new(move |ip| c.for_ip(ip).cloned()));
    }
    if args.intrusive {
        job.cfg.checks.intrusive = true;
        job.options_json = {
            let mut v: serde_json::Value =
                serde_json::from_str(&job.options_json).unwrap_or_default();
            v["intrusive"] = serde_json::Value::Bool(true);
            v.to_string()
        };
    }
    let outputs = Outputs::from_options(&common)?;
    let lang = outputs.lang;
    let db = outputs.db.clone();
    let result = run::execute(job, outputs).await?;
    run::print_table(&result, &common)?;
    let docs = match &db {
        Some(p) => camwarden_store::SqliteStore::open(p)?.documents()?,
        None => Vec::new(),
    };
    let meta = result.meta.clone();
    let catalog = crate::conformity::catalog(&args.catalog)?;
    let input = crate::conformity::build(meta, &result.hosts, fws, &docs, &catalog);
    crate::conformity::output(
        &input,
        conformity_html.as_deref(),
        args.json.as_deref(),
        lang,
    )
}
