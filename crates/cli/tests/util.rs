//! Helpers: a lab running on its own runtime thread, the binary, JSON Lines parsing.

use camwarden_core::model::{
    Category, Finding, HostReport, Identity, PortInfo, Severity, Transport,
};
use std::net::Ipv4Addr;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

/// A lab started on a dedicated thread with its own runtime, so the test can run the binary
/// (a blocking child process) while the lab serves.
pub struct RunningLab {
    pub truth: Vec<camwarden_lab::Truth>,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    stats_rx: std::sync::mpsc::Receiver<camwarden_lab::LabStats>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl RunningLab {
    pub fn start(spec: camwarden_lab::LabSpec) -> RunningLab {
        let (truth_tx, truth_rx) = std::sync::mpsc::channel();
        let (stats_tx, stats_rx) = std::sync::mpsc::channel();
        let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
        let thread = std::thread::spawn(move || {
            let rt = tokio::runtime::Builder::new_multi_thread()
                .worker_threads(2)
                .enable_all()
                .build()
                .expect("runtime");
            rt.block_on(async move {
                let lab = camwarden_lab::Lab::start(spec).await.expect("lab starts");
                truth_tx.send(lab.truth().to_vec()).expect("send truth");
                let _ = stop_rx.await;
                stats_tx.send(lab.stats()).expect("send stats");
                lab.shutdown().await;
            });
        });
        let truth = truth_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("lab started within 30 s");
        RunningLab {
            truth,
            stop: Some(stop_tx),
            stats_rx,
            thread: Some(thread),
        }
    }

    /// Stop the lab and return its counters.
    pub fn stop(mut self) -> camwarden_lab::LabStats {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let stats = self
            .stats_rx
            .recv_timeout(Duration::from_secs(30))
            .expect("lab stats");
        if let Some(t) = self.thread.take() {
            let _ = t.join();
        }
        stats
    }
}

/// What running the binary produced.
pub struct Run {
    pub status: std::process::ExitStatus,
    pub stdout: String,
    pub stderr: String,
    pub peak_rss_kib: u64,
}

/// Run the binary with `args`, killing it after `limit` (a hang detector, not a timing test).
pub fn camwarden(args: &[&str], limit: Duration) -> Run {
    camwarden_env(args, &[], limit)
}

/// The same, with extra environment variables.
pub fn camwarden_env(args: &[&str], envs: &[(&str, &str)], limit: Duration) -> Run {
    let bin = assert_cmd::cargo::cargo_bin("camwarden");
    let started = Instant::now();
    let mut child = Command::new(bin)
        .args(args)
        .envs(envs.iter().copied())
        .env("CAMWARDEN_LOG", "warn")
        .stdin(Stdio::null())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("spawn camwarden");
    let pid = child.id();
    let out_handle = {
        let mut so = child.stdout.take().expect("stdout");
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut so, &mut s);
            s
        })
    };
    let err_handle = {
        let mut se = child.stderr.take().expect("stderr");
        std::thread::spawn(move || {
            let mut s = String::new();
            let _ = std::io::Read::read_to_string(&mut se, &mut s);
            s
        })
    };
    let mut peak = 0u64;
    let status = loop {
        if let Some(st) = child.try_wait().expect("wait") {
            break st;
        }
        if let Ok(text) = std::fs::read_to_string(format!("/proc/{pid}/status"))
            && let Some(kb) = text
                .lines()
                .find(|l| l.starts_with("VmRSS:"))
                .and_then(|l| l.split_whitespace().nth(1))
                .and_then(|v| v.parse::<u64>().ok())
        {
            peak = peak.max(kb);
        }
        if started.elapsed() > limit {
            let _ = child.kill();
            let st = child.wait().expect("wait after kill");
            panic!(
                "camwarden {args:?} did not finish within {limit:?} (killed, status {st:?}); stderr: {}",
                err_handle.join().unwrap_or_default()
            );
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    Run {
        status,
        stdout: out_handle.join().unwrap_or_default(),
        stderr: err_handle.join().unwrap_or_default(),
        peak_rss_kib: peak,
    }
}

/// Parse a JSON Lines stream into values, failing on any malformed line.
pub fn lines(text: &str) -> Vec<serde_json::Value> {
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap_or_else(|e| panic!("bad JSON line {l:?}: {e}")))
        .collect()
}

fn opt(v: &serde_json::Value, k: &str) -> Option<String> {
    v.get(k).and_then(|x| x.as_str()).map(str::to_string)
}

/// Rebuild host reports from the contract lines (as any consumer of the stream would).
pub fn hosts_from_lines(lines: &[serde_json::Value]) -> Vec<HostReport> {
    let mut hosts: Vec<HostReport> = Vec::new();
    for l in lines.iter().filter(|l| l["type"] == "device") {
        let ports = l["ports"]
            .as_array()
            .map(|a| {
                a.iter()
                    .map(|p| PortInfo {
                        port: p["port"].as_u64().unwrap_or(0) as u16,
                        transport: Transport::Tcp,
                        service: opt(p, "service").unwrap_or_default(),
                        tls: p["tls"].as_bool().unwrap_or(false),
                    })
                    .collect()
            })
            .unwrap_or_default();
        hosts.push(HostReport {
            ip: l["ip"]
                .as_str()
                .and_then(|s| s.parse().ok())
                .unwrap_or(Ipv4Addr::UNSPECIFIED),
            ports,
            identity: Identity {
                camera: l["camera"].as_bool().unwrap_or(false),
                vendor: opt(l, "vendor"),
                brand: opt(l, "brand"),
                model: opt(l, "model"),
                firmware: opt(l, "firmware"),
                serial: opt(l, "serial"),
                mac: opt(l, "mac"),
                ..Identity::default()
            },
            facts: Vec::new(),
            findings: Vec::new(),
            checks_ran: Vec::new(),
            credentialed: Default::default(),
        });
    }
    for l in lines.iter().filter(|l| l["type"] == "finding") {
        let f: Finding = Finding {
            ip: opt(l, "ip").unwrap_or_default(),
            port: l["port"].as_u64().map(|p| p as u16),
            check: opt(l, "check").unwrap_or_default(),
            category: serde_json::from_value::<Category>(l["category"].clone())
                .expect("contract category"),
            protocol: opt(l, "protocol"),
            service: opt(l, "service"),
            cve: serde_json::from_value(l["cve"].clone()).unwrap_or_default(),
            severity: serde_json::from_value::<Severity>(l["severity"].clone())
                .expect("contract severity"),
            requirements: serde_json::from_value(l["requirements"].clone()).unwrap_or_default(),
            title: opt(l, "title").unwrap_or_default(),
            evidence: opt(l, "evidence").unwrap_or_default(),
        };
        if let Some(h) = hosts.iter_mut().find(|h| h.ip.to_string() == f.ip) {
            h.findings.push(f);
        } else {
            panic!("finding for {} without a device line", f.ip);
        }
    }
    hosts
}
