//! End to end: the real binary scans the built-in lab (one scan, shared by the tests below, each
//! asserting one property the scan issue demands).

use crate::util::{RunningLab, camwarden, hosts_from_lines, lines};
use camwarden_lab::score::Score;
use std::net::Ipv4Addr;
use std::sync::OnceLock;
use std::time::Duration;

struct Outcome {
    run_ok: bool,
    stderr: String,
    lines: Vec<serde_json::Value>,
    score: Score,
    truth: Vec<camwarden_lab::Truth>,
    html: String,
}

/// The lab block these tests own.
const BASE: Ipv4Addr = Ipv4Addr::new(127, 81, 0, 0);

fn outcome() -> &'static Outcome {
    static OUTCOME: OnceLock<Outcome> = OnceLock::new();
    OUTCOME.get_or_init(|| {
        let lab = RunningLab::start(camwarden_lab::LabSpec::builtin(BASE));
        let outside: Vec<String> = lab
            .truth
            .iter()
            .filter(|t| t.label.ends_with("-out-of-scope"))
            .map(|t| t.ip.clone())
            .collect();
        assert!(
            !outside.is_empty(),
            "the lab keeps one camera outside the scope"
        );
        let dir = tempfile::tempdir().expect("tempdir");
        let jsonl = dir.path().join("scan.jsonl");
        let html = dir.path().join("report.html");
        let db = dir.path().join("scan.db");
        let mut args: Vec<String> = vec![
            "scan".into(),
            "127.81.0.0/24".into(),
            "--jsonl".into(),
            jsonl.display().to_string(),
            "--html".into(),
            html.display().to_string(),
            "--db".into(),
            db.display().to_string(),
            "--authorization".into(),
            "integration test lab".into(),
            "-q".into(),
        ];
        for o in &outside {
            args.push("--exclude".into());
            args.push(o.clone());
        }
        let argv: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = camwarden(&argv, Duration::from_secs(240));
        let truth = lab.truth.clone();
        let stats = lab.stop();
        let text = std::fs::read_to_string(&jsonl).unwrap_or_default();
        let lines = lines(&text);
        let hosts = hosts_from_lines(&lines);
        Outcome {
            run_ok: run.status.success(),
            stderr: run.stderr,
            score: camwarden_lab::score::score(&truth, &hosts, &stats),
            lines,
            truth,
            html: std::fs::read_to_string(&html).unwrap_or_default(),
        }
    })
}

fn ok() -> &'static Outcome {
    let o = outcome();
    assert!(o.run_ok, "scan failed: {}", o.stderr);
    o
}

#[test]
fn lab_scan_finds_cameras_with_high_recall_and_precision() {
    let s = &ok().score;
    assert!(s.cameras_expected >= 10, "lab has cameras: {s:?}");
    assert!(s.camera_recall() >= 0.95, "{s}");
    assert!(s.camera_precision() >= 0.95, "{s}");
    assert!(s.vendor_accuracy() >= 0.90, "{s}");
}

#[test]
fn lab_scan_reports_planted_weaknesses_without_false_claims() {
    let s = &ok().score;
    assert!(s.weakness_recall() >= 0.80, "{s}\nmissed: {:#?}", s.missed);
    assert!(
        s.false_claims.is_empty(),
        "false claims: {:#?}",
        s.false_claims
    );
}

#[test]
fn lab_scan_never_locks_lockout_enabled_devices() {
    let s = &ok().score;
    assert_eq!(s.lockouts, 0, "{s}");
    assert!(s.max_failures_in_30s < 5, "{s}");
}

#[test]
fn lab_scan_contacts_nothing_outside_scope() {
    let o = ok();
    assert!(
        o.score.out_of_scope_contacted.is_empty(),
        "{:?}",
        o.score.out_of_scope_contacted
    );
    let outside: Vec<&str> = o
        .truth
        .iter()
        .filter(|t| t.label.ends_with("-out-of-scope"))
        .map(|t| t.ip.as_str())
        .collect();
    for l in &o.lines {
        if let Some(ip) = l.get("ip").and_then(|v| v.as_str()) {
            assert!(!outside.contains(&ip), "out-of-scope {ip} reported");
        }
    }
}

#[test]
fn lab_scan_writes_nothing_and_leaves_no_session_open() {
    let s = &ok().score;
    assert!(s.violations.is_empty(), "violations: {:#?}", s.violations);
    assert_eq!(s.sessions_open, 0, "{s}");
}

#[test]
fn lab_scan_jsonl_follows_contract() {
    let o = ok();
    assert!(!o.lines.is_empty());
    for l in &o.lines {
        assert_eq!(l["schema"], 1, "{l}");
    }
    let last = o.lines.last().expect("lines");
    assert_eq!(last["type"], "summary");
    assert_eq!(o.lines.iter().filter(|l| l["type"] == "summary").count(), 1);
    for key in [
        "targets",
        "hosts_up",
        "cameras",
        "findings",
        "duration_s",
        "scope",
        "excluded",
    ] {
        assert!(last.get(key).is_some(), "summary lacks {key}");
    }
    for l in o.lines.iter().filter(|l| l["type"] == "device") {
        for key in [
            "ip",
            "ports",
            "camera",
            "vendor",
            "brand",
            "model",
            "firmware",
            "serial",
            "mac",
            "identified_by",
        ] {
            assert!(l.get(key).is_some(), "device line lacks {key}: {l}");
        }
        if let Some(v) = l["vendor"].as_str() {
            assert!(
                camwarden_core::model::VENDOR_SLUGS.contains(&v),
                "vendor slug {v}"
            );
        }
    }
    for l in o.lines.iter().filter(|l| l["type"] == "finding") {
        for key in [
            "ip",
            "port",
            "check",
            "category",
            "protocol",
            "service",
            "cve",
            "severity",
            "requirements",
            "title",
            "evidence",
        ] {
            assert!(l.get(key).is_some(), "finding line lacks {key}: {l}");
        }
        for c in l["cve"].as_array().expect("cve array") {
            let c = c.as_str().expect("cve string");
            assert!(c.starts_with("CVE-") && c == c.to_uppercase(), "cve {c}");
        }
        if l["category"] == "known-vulnerability" {
            assert!(!l["cve"].as_array().expect("array").is_empty(), "{l}");
        }
    }
}

#[test]
fn lab_scan_html_report_is_vietnamese_and_self_contained() {
    let o = ok();
    assert!(o.html.contains("<html"), "html written");
    assert!(o.html.contains("lang=\"vi\""), "Vietnamese by default");
    assert!(!o.html.contains("<script src"), "no external scripts");
    assert!(
        !o.html.contains("<link rel=\"stylesheet\" href=\"http"),
        "no external styles"
    );
}

/// The finding lines of the lab device with this label.
fn findings_of(label: &str) -> Vec<&'static serde_json::Value> {
    let o = ok();
    let device = o
        .truth
        .iter()
        .find(|t| t.label == label)
        .unwrap_or_else(|| panic!("the lab has {label}"));
    o.lines
        .iter()
        .filter(|l| l["type"] == "finding" && l["ip"] == device.ip.as_str())
        .collect()
}

/// The bug: a vendor's own short list was all a device got, and a XiongMai-style web login that
/// answered every path with its index page counted each guess as a failure, so the budget was
/// spent before RTSP was asked at all. The OEM recorder's admin/12345 went unreported.
#[test]
fn regression_oem_dvr_generic_default_reached_after_vendor_list_and_index_page_login() {
    let findings = findings_of("oem-goahead-dvr");
    let found: Vec<&str> = findings
        .iter()
        .filter_map(|l| l["check"].as_str())
        .collect();
    assert!(
        found.contains(&"default-credential-rtsp"),
        "OEM recorder findings: {found:?}"
    );
    assert!(
        !found.contains(&"default-credential-http"),
        "no web login exists there to claim: {found:?}"
    );
}

/// The bug: the XiongMai empty-token ONVIF leak was looked for only at `/onvif/Media` with
/// profile token `000`; OEM builds that moved the media service leaked unseen.
#[test]
fn regression_xm_onvif_leak_found_on_a_moved_media_service() {
    let leak = findings_of("oem-goahead-dvr")
        .into_iter()
        .find(|l| l["check"] == "onvif-credential-leak")
        .expect("the moved leak is reported");
    let evidence = leak["evidence"].as_str().unwrap_or_default();
    assert!(evidence.contains("/onvif/media_service"), "{evidence}");
    assert!(!evidence.contains("password=12345"), "{evidence}");
}
