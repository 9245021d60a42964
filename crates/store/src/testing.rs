//! The contract every [`Store`] implementation must pass, as a generic function so the SQLite
//! store runs it now and a PostgreSQL store can run the very same suite later.

use crate::{Store, new_scan_meta};
use camwarden_core::model::*;

fn host(ip: &str, serial: Option<&str>, mac: Option<&str>, checks: &[&str]) -> HostReport {
    HostReport {
        ip: ip.parse().expect("test ip"),
        ports: vec![PortInfo {
            port: 80,
            transport: Transport::Tcp,
            service: "http".into(),
            tls: false,
        }],
        identity: Identity {
            camera: true,
            vendor: Some("hikvision".into()),
            model: Some("DS-2CD2032-I".into()),
            serial: serial.map(str::to_string),
            mac: mac.map(str::to_string),
            ..Identity::default()
        },
        facts: vec![],
        findings: checks
            .iter()
            .map(|c| Finding {
                ip: ip.into(),
                port: Some(80),
                check: c.to_string(),
                category: Category::DefaultCredential,
                protocol: Some("http".into()),
                service: None,
                cve: vec![],
                severity: Severity::Critical,
                requirements: vec!["QCVN135:2024/2.1.1".into()],
                title: "t".into(),
                evidence: "admin / <redacted>".into(),
            })
            .collect(),
        checks_ran: vec!["default-credential-http".into()],
        credentialed: Default::default(),
    }
}

fn summary() -> SummaryLine {
    SummaryLine {
        kind: "summary".into(),
        schema: 1,
        targets: 256,
        hosts_up: 2,
        cameras: 2,
        findings: 1,
        duration_s: 1.0,
        scope: vec!["10.0.0.0/24".into()],
        excluded: vec![],
    }
}

/// Run the whole contract against stores made by `make` (each call a fresh, empty store).
pub fn contract_suite<S: Store>(make: impl Fn() -> S) {
    round_trip(&make());
    moved_device_keeps_identity(&make());
    diff_reports_new_and_fixed(&make());
    unknown_scan_is_not_found(&make());
    placeholder_keys_do_not_merge_devices(&make());
    documents_round_trip(&make());
}

fn documents_round_trip<S: Store>(s: &S) {
    let d = crate::DocumentRecord {
        id: 0,
        vendor: Some("hikvision".into()),
        model: Some("DS-2CD2386G2-IU".into()),
        device_key: None,
        requirement: Some("QCVN135:2024/2.2.1".into()),
        kind: None,
        reference: "psirt-policy.pdf".into(),
        sha256: "ab".repeat(32),
        added_by: "officer".into(),
        added_at: "2026-11-22T10:00:00Z".into(),
    };
    let id = s.add_document(&d).expect("add");
    let all = s.documents().expect("list");
    assert_eq!(all.len(), 1);
    assert_eq!(all[0].id, id);
    assert!(all[0].covers(Some("hikvision"), Some("ds-2cd2386g2-iu"), "x"));
    assert!(!all[0].covers(Some("dahua"), Some("DS-2CD2386G2-IU"), "x"));
    let bad = crate::DocumentRecord {
        model: None,
        device_key: None,
        ..d
    };
    assert_eq!(
        s.add_document(&bad).expect_err("no target").kind,
        camwarden_core::ErrorKind::InvalidArgument
    );
}

/// Regression: firmware that reports an all-zero MAC or a `0` serial must not make every such
/// camera one device (found by the store/report review).
fn placeholder_keys_do_not_merge_devices<S: Store>(s: &S) {
    let m = new_scan_meta("op", "", &scope(), &[], None, "{}");
    s.begin_scan(&m).expect("begin");
    s.record_hosts(
        &m.id,
        &[
            host("10.0.0.21", Some("0"), Some("00:00:00:00:00:00"), &[]),
            host("10.0.0.22", Some("0"), Some("00:00:00:00:00:00"), &[]),
        ],
    )
    .expect("record");
    assert_eq!(s.list_devices().expect("devices").len(), 2);
}

fn scope() -> Vec<String> {
    vec!["10.0.0.0/24".into()]
}

fn round_trip<S: Store>(s: &S) {
    let m = new_scan_meta(
        "op",
        "ticket 1",
        &scope(),
        &[],
        Some("HP-UBND".into()),
        "{}",
    );
    s.begin_scan(&m).expect("begin");
    let hosts = vec![
        host("10.0.0.5", Some("SN1"), None, &["default-credential-http"]),
        host("10.0.0.6", None, Some("AC-CC-8E-D7-8C-7B"), &[]),
    ];
    let ids = s.record_hosts(&m.id, &hosts).expect("record");
    assert_eq!(ids.len(), 2);
    assert_ne!(ids[0], ids[1]);
    s.finish_scan(&m.id, &summary()).expect("finish");
    let back = s.scan_hosts(&m.id).expect("scan hosts");
    assert_eq!(back, hosts, "hosts come back as recorded");
    let scans = s.list_scans().expect("scans");
    assert_eq!(scans.len(), 1);
    assert!(scans[0].finished);
    assert_eq!(scans[0].meta, m);
    let devices = s.list_devices().expect("devices");
    assert_eq!(devices.len(), 2);
    assert_eq!(devices[0].open_findings, 1);
    assert_eq!(devices[0].worst_severity.as_deref(), Some("critical"));
    assert_eq!(devices[1].mac.as_deref(), Some("ac:cc:8e:d7:8c:7b"));
    assert_eq!(devices[0].org_unit.as_deref(), Some("HP-UBND"));
}

fn moved_device_keeps_identity<S: Store>(s: &S) {
    let a = new_scan_meta("op", "", &scope(), &[], None, "{}");
    s.begin_scan(&a).expect("begin");
    s.record_hosts(
        &a.id,
        &[
            host("10.0.0.5", Some("SN1"), None, &[]),
            host("10.0.0.6", None, Some("ac:cc:8e:d7:8c:7b"), &[]),
        ],
    )
    .expect("record");
    s.finish_scan(&a.id, &summary()).expect("finish");
    let b = new_scan_meta("op", "", &scope(), &[], None, "{}");
    s.begin_scan(&b).expect("begin");
    // Both devices changed address; one keeps its serial, the other its MAC (other spelling).
    s.record_hosts(
        &b.id,
        &[
            host("10.0.0.50", Some("SN1"), None, &[]),
            host("10.0.0.60", None, Some("ACCC8ED78C7B"), &[]),
        ],
    )
    .expect("record");
    s.finish_scan(&b.id, &summary()).expect("finish");
    assert_eq!(
        s.list_devices().expect("devices").len(),
        2,
        "no new device for a moved one"
    );
    let diff = s
        .compare_with_previous(&b.id)
        .expect("diff")
        .expect("previous exists");
    assert_eq!(diff.previous_scan, a.id);
    assert!(diff.new_devices.is_empty(), "{diff:?}");
    let mut moved = diff.moved_devices.clone();
    moved.sort();
    assert_eq!(
        moved,
        vec![
            ("10.0.0.5".to_string(), "10.0.0.50".to_string()),
            ("10.0.0.6".to_string(), "10.0.0.60".to_string())
        ]
    );
}

fn diff_reports_new_and_fixed<S: Store>(s: &S) {
    let a = new_scan_meta("op", "", &scope(), &[], None, "{}");
    s.begin_scan(&a).expect("begin");
    s.record_hosts(
        &a.id,
        &[host(
            "10.0.0.5",
            Some("SN1"),
            None,
            &["default-credential-http"],
        )],
    )
    .expect("record");
    s.finish_scan(&a.id, &summary()).expect("finish");
    let b = new_scan_meta("op", "", &scope(), &[], None, "{}");
    s.begin_scan(&b).expect("begin");
    s.record_hosts(
        &b.id,
        &[
            host("10.0.0.5", Some("SN1"), None, &["insecure-service-telnet"]),
            host("10.0.0.9", None, None, &[]),
        ],
    )
    .expect("record");
    s.finish_scan(&b.id, &summary()).expect("finish");
    let d = s.compare(&a.id, &b.id).expect("compare");
    assert_eq!(d.new_devices, vec!["10.0.0.9".to_string()]);
    assert_eq!(
        d.fixed_findings,
        vec![("10.0.0.5".into(), "default-credential-http".into())]
    );
    assert_eq!(
        d.new_findings,
        vec![("10.0.0.5".into(), "insecure-service-telnet".into())]
    );
}

fn unknown_scan_is_not_found<S: Store>(s: &S) {
    let e = s
        .record_hosts("no-such-scan", &[])
        .expect_err("unknown scan");
    assert_eq!(e.kind, camwarden_core::ErrorKind::NotFound);
}

#[cfg(test)]
mod tests {
    #[test]
    fn sqlite_in_memory_passes_the_contract() {
        super::contract_suite(|| crate::SqliteStore::open_in_memory().expect("open"));
    }

    #[test]
    fn sqlite_file_passes_the_contract_and_reopens() {
        let dir = tempfile::tempdir().expect("tempdir");
        let n = std::sync::atomic::AtomicU32::new(0);
        super::contract_suite(|| {
            let i = n.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
            crate::SqliteStore::open(&dir.path().join(format!("t{i}.db"))).expect("open")
        });
        // Reopening an existing database keeps its data (schema upgrade is idempotent).
        let s = crate::SqliteStore::open(&dir.path().join("t0.db")).expect("reopen");
        use crate::Store as _;
        assert_eq!(s.list_scans().expect("scans").len(), 1);
    }
}
