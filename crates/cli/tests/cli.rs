//! Command-line behaviour: clear errors with the right exit codes, nothing sent on bad input.

use crate::util::camwarden;
use std::time::Duration;

const LIMIT: Duration = Duration::from_secs(60);

#[test]
fn help_lists_subcommands() {
    let r = camwarden(&["--help"], LIMIT);
    assert!(r.status.success());
    for sub in ["scan", "demo", "lab"] {
        assert!(r.stdout.contains(sub), "help mentions {sub}: {}", r.stdout);
    }
}

#[test]
fn malformed_target_is_an_invalid_argument() {
    let r = camwarden(&["scan", "10.0.0.300", "--no-db", "-q"], LIMIT);
    assert_eq!(r.status.code(), Some(2), "stderr: {}", r.stderr);
    assert!(
        r.stderr.contains("10.0.0.300"),
        "names the bad entry: {}",
        r.stderr
    );
}

#[test]
fn scope_of_only_denied_addresses_is_refused() {
    // Multicast is on the built-in deny list: nothing is left to scan, nothing is sent.
    let r = camwarden(&["scan", "224.0.0.0/28", "--no-db", "-q"], LIMIT);
    assert_eq!(r.status.code(), Some(2), "stderr: {}", r.stderr);
    assert!(r.stderr.to_lowercase().contains("empty"), "{}", r.stderr);
}

#[test]
fn unknown_language_is_refused() {
    let r = camwarden(
        &[
            "scan",
            "127.83.0.1",
            "--lang",
            "fr",
            "--no-db",
            "-q",
            "-p",
            "9",
        ],
        LIMIT,
    );
    assert_eq!(r.status.code(), Some(2), "stderr: {}", r.stderr);
}

#[test]
fn bad_port_list_is_refused() {
    let r = camwarden(
        &["scan", "127.83.0.1", "-p", "80,99999", "--no-db", "-q"],
        LIMIT,
    );
    assert_eq!(r.status.code(), Some(2), "stderr: {}", r.stderr);
}

#[test]
fn scan_of_silent_loopback_host_reports_nothing_and_summarises() {
    // 127.83.0.2 has no listener on these ports: refused connections, zero hosts up.
    let r = camwarden(
        &[
            "scan",
            "127.83.0.2",
            "-p",
            "1,7,9",
            "--jsonl",
            "-",
            "--no-db",
        ],
        LIMIT,
    );
    assert!(r.status.success(), "{}", r.stderr);
    let lines = crate::util::lines(&r.stdout);
    assert_eq!(lines.len(), 1, "only a summary: {}", r.stdout);
    assert_eq!(lines[0]["type"], "summary");
    assert_eq!(lines[0]["hosts_up"], 0);
    assert_eq!(lines[0]["targets"], 1);
}
