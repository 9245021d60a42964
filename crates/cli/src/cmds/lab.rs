//! `camwarden lab`: run the emulated lab on loopback for manual exploration or for other tools
//! (nmap, a browser) to be pointed at. Stops on Ctrl-C or after `--duration` seconds.

use anyhow::Context as _;
use std::io::Write as _;
use std::net::Ipv4Addr;
use std::path::PathBuf;
use std::time::Duration;

#[derive(clap::Args, Debug, Clone)]
pub struct Args {
    /// The lab's /24 on loopback.
    #[arg(long, default_value = "127.77.0.0")]
    pub base: Ipv4Addr,
    /// Stop after this many seconds (0 = until Ctrl-C).
    #[arg(long, default_value_t = 0)]
    pub duration: u64,
    /// Write the ground truth (JSON) here.
    #[arg(long)]
    pub truth: Option<PathBuf>,
    /// Run N emulated cameras (the benchmark fleet) instead of the built-in lab.
    #[arg(long)]
    pub fleet: Option<usize>,
}

pub async fn run(args: Args) -> anyhow::Result<()> {
    if !args.base.is_loopback() {
        return Err(
            camwarden_core::Error::invalid("the lab runs on loopback only (127.0.0.0/8)").into(),
        );
    }
    let spec = match args.fleet {
        Some(n) => camwarden_lab::LabSpec::fleet(args.base, n),
        None => camwarden_lab::LabSpec::builtin(args.base),
    };
    let lab = camwarden_lab::Lab::start(spec)
        .await
        .context("starting the lab")?;
    if let Some(p) = &args.truth {
        std::fs::write(p, serde_json::to_string_pretty(lab.truth())?)
            .with_context(|| format!("writing {}", p.display()))?;
    }
    {
        let mut out = std::io::stdout().lock();
        for t in lab.truth() {
            writeln!(
                out,
                "{:<15} {:<28} camera={:<5} ports={:?}",
                t.ip, t.label, t.camera, t.open_ports
            )?;
        }
        writeln!(out, "lab running; Ctrl-C to stop")?;
    }
    if args.duration > 0 {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(args.duration)) => {}
            _ = tokio::signal::ctrl_c() => {}
        }
    } else {
        let _ = tokio::signal::ctrl_c().await;
    }
    lab.shutdown().await;
    Ok(())
}
