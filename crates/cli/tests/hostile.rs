//! Hostile hosts (tarpit, endless header, XML bomb, garbage, floods) must cost bounded time and memory and
//! never crash the scan. The time limit here is a hang detector, not a speed measurement.

use crate::util::{RunningLab, camwarden, hosts_from_lines, lines};
use std::net::Ipv4Addr;
use std::time::Duration;

#[test]
fn hostile_hosts_end_in_bounded_time_and_memory() {
    let lab = RunningLab::start(camwarden_lab::LabSpec::builtin(Ipv4Addr::new(
        127, 82, 0, 0,
    )));
    let hostile: Vec<String> = lab
        .truth
        .iter()
        .filter(|t| t.hostile)
        .map(|t| t.ip.clone())
        .collect();
    assert!(
        hostile.len() >= 5,
        "the lab has tarpit, endless header, XML bomb, garbage and flood hosts"
    );
    let dir = tempfile::tempdir().expect("tempdir");
    let jsonl = dir.path().join("h.jsonl");
    let mut args = vec!["scan".to_string()];
    args.extend(hostile.iter().cloned());
    args.extend([
        "--jsonl".into(),
        jsonl.display().to_string(),
        "--no-db".into(),
        "-q".into(),
    ]);
    let argv: Vec<&str> = args.iter().map(String::as_str).collect();
    let run = camwarden(&argv, Duration::from_secs(180));
    lab.stop();
    assert!(
        run.status.success(),
        "scan of hostile hosts failed: {}",
        run.stderr
    );
    assert!(!run.stderr.contains("panicked"), "{}", run.stderr);
    // 256 MiB is far above what a scan of five hosts needs; unbounded buffering would exceed it.
    assert!(
        run.peak_rss_kib < 256 * 1024,
        "peak RSS {} KiB",
        run.peak_rss_kib
    );
    let text = std::fs::read_to_string(&jsonl).expect("jsonl written");
    let hosts = hosts_from_lines(&lines(&text));
    for h in &hosts {
        assert!(!h.identity.camera, "hostile host {} called a camera", h.ip);
    }
}
