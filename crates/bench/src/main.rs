//! `camwarden-bench`: times camwarden against nmap on the same emulated fleet, in the same run,
//! and prints ratios. It drives processes exactly as an operator would (`camwarden lab --fleet`,
//! `camwarden scan`, `nmap`), so it measures the shipped binary, not an internal API.
//!
//! Everything stays on loopback: the fleet listens on 127.x addresses it chose, both scanners
//! are pointed at that block only, and port 2024 is never in a port list.
//!
//! Build and run:
//! `cargo build --release -p camwarden -p camwarden-bench && target/release/camwarden-bench`

use anyhow::{Context as _, bail};
use clap::Parser;
use std::collections::BTreeSet;
use std::io::{BufRead as _, BufReader};
use std::net::Ipv4Addr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

#[derive(Parser)]
#[command(about = "camwarden vs nmap on the same emulated camera fleet (loopback only)")]
struct Args {
    /// Emulated devices in the fleet.
    #[arg(long, default_value_t = 1000)]
    hosts: usize,
    /// First address of the fleet (must be in 127.0.0.0/8).
    #[arg(long, default_value = "127.90.0.1")]
    base: Ipv4Addr,
    /// Runs per measurement; the median is reported.
    #[arg(long, default_value_t = 3)]
    runs: usize,
    /// The camwarden binary (default: next to this program).
    #[arg(long)]
    camwarden: Option<PathBuf>,
    /// Skip nmap's version detection + camera scripts (it is the slowest part).
    #[arg(long)]
    no_nmap_scripts: bool,
    /// Longest any single tool run may take (seconds); a run killed at the cap is reported as
    /// "> cap", a lower bound.
    #[arg(long, default_value_t = 600)]
    cap: u64,
}

/// One measured run.
struct Measure {
    wall: Duration,
    /// Killed at the cap: `wall` is a lower bound.
    capped: bool,
    found: BTreeSet<(Ipv4Addr, u16)>,
    cameras: usize,
}

fn median(mut v: Vec<Duration>) -> Duration {
    v.sort();
    v[v.len() / 2]
}

fn main() -> anyhow::Result<()> {
    let args = Args::parse();
    if !args.base.is_loopback() {
        bail!("the fleet must live on loopback (127.0.0.0/8)");
    }
    let me = std::env::current_exe()?;
    let cw = args
        .camwarden
        .clone()
        .unwrap_or_else(|| me.with_file_name("camwarden"));
    if !cw.exists() {
        bail!(
            "{} not found: build it with `cargo build --release -p camwarden`",
            cw.display()
        );
    }
    let dir = tempdir()?;
    let truth_path = dir.join("truth.json");
    let (mut lab, truth) = start_lab(&cw, &args, &truth_path)?;
    let result = run_all(&cw, &args, &dir, &truth);
    let _ = lab.kill();
    let _ = lab.wait();
    let _ = std::fs::remove_dir_all(&dir);
    result
}

fn tempdir() -> anyhow::Result<PathBuf> {
    let d = std::env::temp_dir().join(format!("camwarden-bench-{}", std::process::id()));
    std::fs::create_dir_all(&d)?;
    Ok(d)
}

/// Ground truth: (ip, open ports, camera).
type Truth = Vec<(Ipv4Addr, Vec<u16>, bool)>;

fn start_lab(cw: &Path, args: &Args, truth_path: &Path) -> anyhow::Result<(Child, Truth)> {
    let mut child = Command::new(cw)
        .args([
            "lab",
            "--fleet",
            &args.hosts.to_string(),
            "--base",
            &args.base.to_string(),
            "--duration",
            "3600",
            "--truth",
        ])
        .arg(truth_path)
        .stdout(Stdio::piped())
        .stderr(Stdio::inherit())
        .spawn()
        .context("starting camwarden lab")?;
    let out = child.stdout.take().context("lab stdout")?;
    let mut ready = false;
    for line in BufReader::new(out).lines() {
        if line?.contains("lab running") {
            ready = true;
            break;
        }
    }
    if !ready {
        bail!("the lab did not start");
    }
    let v: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(truth_path)?)?;
    let truth = v
        .as_array()
        .context("truth array")?
        .iter()
        .filter_map(|t| {
            let ip: Ipv4Addr = t["ip"].as_str()?.parse().ok()?;
            let ports = t["open_ports"]
                .as_array()?
                .iter()
                .filter_map(|p| p.as_u64().map(|p| p as u16))
                .collect();
            Some((ip, ports, t["camera"].as_bool().unwrap_or(false)))
        })
        .collect();
    Ok((child, truth))
}

/// The smallest CIDR block holding every fleet address.
fn covering_cidr(truth: &Truth) -> String {
    let lo = truth.iter().map(|t| u32::from(t.0)).min().unwrap_or(0);
    let hi = truth.iter().map(|t| u32::from(t.0)).max().unwrap_or(0);
    let mut bits = 32;
    while bits > 8 && (lo >> (32 - bits)) != (hi >> (32 - bits)) {
        bits -= 1;
    }
    let mask = if bits == 0 {
        0
    } else {
        u32::MAX << (32 - bits)
    };
    format!("{}/{}", Ipv4Addr::from(lo & mask), bits)
}

fn run_all(cw: &Path, args: &Args, dir: &Path, truth: &Truth) -> anyhow::Result<()> {
    let cidr = covering_cidr(truth);
    let mut ports: BTreeSet<u16> = truth.iter().flat_map(|t| t.1.iter().copied()).collect();
    // A few closed ports too, as in any real port list.
    ports.extend([21u16, 23, 8443]);
    ports.remove(&2024);
    let port_list = ports
        .iter()
        .map(u16::to_string)
        .collect::<Vec<_>>()
        .join(",");
    let expected: BTreeSet<(Ipv4Addr, u16)> = truth
        .iter()
        .flat_map(|t| t.1.iter().map(move |p| (t.0, *p)))
        .collect();
    let cameras_expected = truth.iter().filter(|t| t.2).count();
    let addresses = 1u64
        << (32
            - cidr
                .rsplit('/')
                .next()
                .and_then(|b| b.parse::<u32>().ok())
                .unwrap_or(32));
    let total_probes = addresses * ports.len() as u64;
    println!(
        "fleet: {} devices ({} cameras) in {cidr}; {} ports each → {} probes per sweep",
        truth.len(),
        cameras_expected,
        ports.len(),
        addresses * ports.len() as u64
    );
    let nmap = which("nmap");
    if nmap.is_none() {
        println!("nmap not found on PATH: only camwarden is measured (apt-get install nmap)");
    }

    let mut rows = Vec::new();
    println!(
        "\n{:<28} {:>10} {:>12} {:>8} {:>10}",
        "tool", "wall (s)", "probes/s", "recall", "cameras"
    );
    let cap = Duration::from_secs(args.cap);
    // Discovery only.
    let cw_disc = repeat(args.runs, || {
        camwarden_scan(cw, dir, &cidr, &port_list, true, cap)
    })?;
    rows.push(row(
        "camwarden discovery",
        &cw_disc,
        &expected,
        None,
        total_probes,
    ));
    println!("{}", rows[rows.len() - 1]);
    let nmap_disc = match &nmap {
        Some(n) => {
            let m = repeat(args.runs, || {
                nmap_scan(n, dir, &cidr, &port_list, false, cap)
            })?;
            rows.push(row(
                "nmap -sT -T4 discovery",
                &m,
                &expected,
                None,
                total_probes,
            ));
            println!("{}", rows[rows.len() - 1]);
            Some(m)
        }
        None => None,
    };
    // Full audit: once (each run takes a minute or more: credential budgets wait out 30 s
    // windows on lockout-enabled devices).
    let cw_full = repeat(1, || camwarden_scan(cw, dir, &cidr, &port_list, false, cap))?;
    rows.push(row(
        "camwarden full audit",
        &cw_full,
        &expected,
        Some(cameras_expected),
        total_probes,
    ));
    println!("{}", rows[rows.len() - 1]);
    let nmap_full = match (&nmap, args.no_nmap_scripts) {
        (Some(n), false) => {
            let m = repeat(1, || nmap_scan(n, dir, &cidr, &port_list, true, cap))?;
            rows.push(row(
                "nmap -sV + camera scripts",
                &m,
                &expected,
                None,
                total_probes,
            ));
            println!("{}", rows[rows.len() - 1]);
            Some(m)
        }
        _ => None,
    };

    println!("\nsummary:");
    for r in &rows {
        println!("{r}");
    }
    let med = |m: &Vec<Measure>| median(m.iter().map(|x| x.wall).collect());
    if let Some(n) = &nmap_disc {
        println!(
            "\nratio discovery  nmap/camwarden = {:.2}x (above 1: camwarden faster)",
            med(n).as_secs_f64() / med(&cw_disc).as_secs_f64()
        );
    }
    if let Some(n) = &nmap_full {
        println!(
            "ratio full audit nmap -sV+scripts/camwarden = {:.2}x",
            med(n).as_secs_f64() / med(&cw_full).as_secs_f64()
        );
    }
    Ok(())
}

fn row(
    name: &str,
    m: &[Measure],
    expected: &BTreeSet<(Ipv4Addr, u16)>,
    cams: Option<usize>,
    probes: u64,
) -> String {
    let wall = median(m.iter().map(|x| x.wall).collect());
    let last = &m[m.len() - 1];
    let hit = last.found.intersection(expected).count();
    let recall = if expected.is_empty() {
        1.0
    } else {
        hit as f64 / expected.len() as f64
    };
    let cams = cams
        .map(|c| format!("{}/{}", last.cameras, c))
        .unwrap_or_else(|| "-".into());
    let capped = if m.iter().any(|x| x.capped) { ">" } else { "" };
    format!(
        "{:<28} {:>10} {:>12.0} {:>7.1}% {:>10}",
        name,
        format!("{capped}{:.2}", wall.as_secs_f64()),
        probes as f64 / wall.as_secs_f64(),
        recall * 100.0,
        cams
    )
}

fn repeat(
    n: usize,
    mut f: impl FnMut() -> anyhow::Result<Measure>,
) -> anyhow::Result<Vec<Measure>> {
    (0..n.max(1)).map(|_| f()).collect()
}

/// Run a command to completion or until `cap`, whichever comes first.
fn run_capped(cmd: &mut Command, cap: Duration) -> anyhow::Result<(Duration, bool, bool)> {
    let t = Instant::now();
    let mut child = cmd.spawn().context("spawning")?;
    loop {
        if let Some(st) = child.try_wait()? {
            return Ok((t.elapsed(), false, st.success()));
        }
        if t.elapsed() > cap {
            let _ = child.kill();
            let _ = child.wait();
            return Ok((t.elapsed(), true, true));
        }
        std::thread::sleep(Duration::from_millis(50));
    }
}

fn which(name: &str) -> Option<PathBuf> {
    std::env::var_os("PATH")?
        .to_str()?
        .split(':')
        .map(|d| Path::new(d).join(name))
        .find(|p| p.exists())
}

fn camwarden_scan(
    cw: &Path,
    dir: &Path,
    cidr: &str,
    ports: &str,
    discover_only: bool,
    cap: Duration,
) -> anyhow::Result<Measure> {
    let out = dir.join("cw.jsonl");
    let mut cmd = Command::new(cw);
    cmd.args(["scan", cidr, "-p", ports, "--no-db", "-q", "--jsonl"])
        .arg(&out)
        .args([
            // nmap -T4 has no rate ceiling: neither does camwarden here (loopback only).
            "--rate",
            "1000000",
            "--concurrency",
            "2048",
            "--host-concurrency",
            "256",
        ])
        .args([
            "--authorization",
            "camwarden-bench: emulated fleet on loopback",
        ])
        .stdout(Stdio::null());
    if discover_only {
        cmd.arg("--discover-only");
    }
    let (wall, capped, ok) = run_capped(&mut cmd, cap).context("running camwarden scan")?;
    if !ok {
        bail!("camwarden scan failed");
    }
    let mut found = BTreeSet::new();
    let mut cameras = 0;
    for line in std::fs::read_to_string(&out)?.lines() {
        let v: serde_json::Value = serde_json::from_str(line)?;
        if v["type"] == "device" {
            let ip: Ipv4Addr = v["ip"].as_str().unwrap_or("0.0.0.0").parse()?;
            if v["camera"].as_bool() == Some(true) {
                cameras += 1;
            }
            for p in v["ports"].as_array().into_iter().flatten() {
                if let Some(port) = p["port"].as_u64() {
                    found.insert((ip, port as u16));
                }
            }
        }
    }
    Ok(Measure {
        wall,
        capped,
        found,
        cameras,
    })
}

fn nmap_scan(
    nmap: &Path,
    dir: &Path,
    cidr: &str,
    ports: &str,
    scripts: bool,
    cap: Duration,
) -> anyhow::Result<Measure> {
    let out = dir.join("nmap.gnmap");
    let mut cmd = Command::new(nmap);
    cmd.args(["-sT", "-T4", "-Pn", "-n", "--open", "-p", ports, "-oG"])
        .arg(&out)
        .arg(cidr)
        .stdout(Stdio::null())
        .stderr(Stdio::null());
    if scripts {
        cmd.args([
            "-sV",
            "--script",
            "http-title,http-server-header,rtsp-methods,http-default-accounts",
        ]);
    }
    let (wall, capped, ok) = run_capped(&mut cmd, cap).context("running nmap")?;
    if !ok {
        bail!("nmap failed");
    }
    let mut found = BTreeSet::new();
    for line in std::fs::read_to_string(&out).unwrap_or_default().lines() {
        // Host: 127.90.0.1 ()	Ports: 80/open/tcp//http///, 554/open/tcp//rtsp///
        let Some(rest) = line.strip_prefix("Host: ") else {
            continue;
        };
        let Some(ip) = rest
            .split_whitespace()
            .next()
            .and_then(|s| s.parse::<Ipv4Addr>().ok())
        else {
            continue;
        };
        if let Some(idx) = rest.find("Ports: ") {
            for entry in rest[idx + 7..].split(", ") {
                let mut f = entry.split('/');
                if let (Some(p), Some("open")) = (f.next(), f.next())
                    && let Ok(p) = p.trim().parse::<u16>()
                {
                    found.insert((ip, p));
                }
            }
        }
    }
    Ok(Measure {
        wall,
        capped,
        found,
        cameras: 0,
    })
}
