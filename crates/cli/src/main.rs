//! `camwarden`: find, identify and audit the IP cameras and recorders of an authorised scope.
//!
//! One module per subcommand under `cmds/`; errors of every crate end up here and are mapped to
//! exit codes in exactly one place ([`exit_code`]).

mod cmds;
mod conformity;
mod creds;
mod run;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "camwarden", version, about = "Find, identify and audit IP cameras and recorders in an authorised scope", long_about = None)]
struct Cli {
    /// More log output (-v info, -vv debug). Logs go to stderr.
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    verbose: u8,
    #[command(subcommand)]
    cmd: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Scan a scope: discover, identify, check, store and report.
    Scan(cmds::scan::Args),
    /// Start the built-in lab, scan it, and write the reports (the first thing to try).
    Demo(cmds::demo::Args),
    /// Run the emulated lab of cameras, recorders, decoys and hostile hosts on loopback.
    Lab(cmds::lab::Args),
    /// Scan with the owner's credentials and judge conformity with QCVN 135 / QCVN 11 / QĐ 724.
    Audit(cmds::audit::Args),
    /// Judge a stored scan again (after a catalog update or new documents), without re-scanning.
    Judge(cmds::judge::Args),
    /// Attach or list documentary evidence (policies, certificates) for models or devices.
    Evidence(cmds::evidence::Args),
    /// List or show the requirement catalogs.
    Frameworks(cmds::frameworks::Args),
    /// Seal or check the owner's credentials file for credentialed audits.
    Creds(cmds::creds::Args),
}

/// The exit code for an error: the kind of a camwarden error, 1 for anything else.
fn exit_code(err: &anyhow::Error) -> i32 {
    for cause in err.chain() {
        if let Some(e) = cause.downcast_ref::<camwarden_core::Error>() {
            return e.kind.exit_code();
        }
        if let Some(e) = cause.downcast_ref::<camwarden_scan::Error>() {
            let core: camwarden_core::Error = e.clone().into();
            return core.kind.exit_code();
        }
    }
    1
}

fn main() {
    let cli = Cli::parse();
    let filter = match cli.verbose {
        0 => "warn",
        1 => "info,camwarden=info",
        _ => "debug",
    };
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_env("CAMWARDEN_LOG")
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new(filter)),
        )
        .with_writer(std::io::stderr)
        .init();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(r) => r,
        Err(e) => {
            eprintln!("camwarden: cannot start the runtime: {e}");
            std::process::exit(70);
        }
    };
    let result = runtime.block_on(async {
        match cli.cmd {
            Cmd::Scan(a) => cmds::scan::run(a).await,
            Cmd::Demo(a) => cmds::demo::run(a).await,
            Cmd::Lab(a) => cmds::lab::run(a).await,
            Cmd::Creds(a) => cmds::creds::run(a).await,
            Cmd::Audit(a) => cmds::audit::run(a).await,
            Cmd::Judge(a) => cmds::judge::run(a).await,
            Cmd::Evidence(a) => cmds::evidence::run(a).await,
            Cmd::Frameworks(a) => cmds::frameworks::run(a).await,
        }
    });
    if let Err(e) = result {
        eprintln!("camwarden: {e:#}");
        std::process::exit(exit_code(&e));
    }
}
