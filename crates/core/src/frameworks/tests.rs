//! Tests of the framework data, the judge and the catalog. The data tests run against the real
//! embedded files, so a data edit that breaks the format or the counts fails here.

use super::*;
use crate::model::{Category, Finding, Severity};
use std::collections::{BTreeMap, BTreeSet};

fn fw(id: &str) -> Framework {
    builtin()
        .into_iter()
        .find(|f| f.id() == id)
        .unwrap_or_else(|| panic!("builtin framework {id} missing"))
}

fn finding(check: &str, category: Category) -> Finding {
    Finding {
        ip: "127.0.0.1".into(),
        port: Some(80),
        check: check.into(),
        category,
        protocol: Some("http".into()),
        service: None,
        cve: vec![],
        severity: Severity::High,
        requirements: vec![],
        title: format!("{check} proven"),
        evidence: "HTTP/1.1 200 OK after Basic admin:<redacted>".into(),
    }
}

/// Every check camwarden knows ran; identity and ports were collected; nothing was found.
fn known_good() -> JudgeInput {
    JudgeInput {
        device: "SERIAL-GOOD".into(),
        vendor: Some("hikvision".into()),
        model: Some("DS-2CD2043G2-I".into()),
        checks_run: CHECK_IDS.iter().map(|c| c.to_string()).collect(),
        facts: BTreeMap::from([
            ("firmware".into(), "V5.7.3".into()),
            ("model".into(), "DS-2CD2043G2-I".into()),
            ("open-ports".into(), "443/http,554/rtsp".into()),
        ]),
        ..JudgeInput::default()
    }
}

fn verdict_of(c: &DeviceConformity, req: &str) -> RequirementVerdict {
    c.verdict(req)
        .unwrap_or_else(|| panic!("no verdict for {req}"))
        .clone()
}

// ------------------------------------------------------------------ data

#[test]
fn builtin_frameworks_load_and_cross_validate() {
    let all = builtin();
    let ids: Vec<&str> = all.iter().map(|f| f.id()).collect();
    assert_eq!(
        ids,
        [
            "QCVN135:2024",
            "QD724:2024",
            "QCVN11:2026",
            "EN303645:2.1.1"
        ]
    );
    validate_set(&all).expect("builtin set is consistent");
}

#[test]
fn qcvn135_has_11_groups_and_36_requirements_in_the_official_counts() {
    let q = fw("QCVN135:2024");
    assert_eq!(q.groups.len(), 11);
    assert_eq!(q.requirements.len(), 36);
    let mut per_group: BTreeMap<&str, usize> = BTreeMap::new();
    for r in &q.requirements {
        *per_group.entry(r.group.as_str()).or_default() += 1;
    }
    // Table of contents of QCVN 135:2024/BTTTT (thuvienphapluat, tab=7).
    let expected = [
        ("2.1", 5),
        ("2.2", 1),
        ("2.3", 7),
        ("2.4", 4),
        ("2.5", 4),
        ("2.6", 3),
        ("2.7", 2),
        ("2.8", 3),
        ("2.9", 1),
        ("2.10", 1),
        ("2.11", 5),
    ];
    for (g, n) in expected {
        assert_eq!(per_group.get(g).copied(), Some(n), "group {g}");
    }
    assert_eq!(per_group.len(), 11);
}

#[test]
fn every_requirement_has_vietnamese_and_english_texts() {
    for f in builtin() {
        assert!(!f.requirements.is_empty(), "{} is empty", f.id());
        for r in &f.requirements {
            for t in [&r.title_vi, &r.title_en, &r.text_vi, &r.text_en] {
                assert!(!t.trim().is_empty(), "{} lacks a text", r.id);
            }
            // The two languages are separate texts, not a copy of one into the other.
            assert_ne!(r.text_vi, r.text_en, "{}", r.id);
        }
    }
}

#[test]
fn qcvn135_is_superseded_requirement_by_requirement_by_qcvn11() {
    let all = builtin();
    let q135 = &all[0];
    let q11 = &all[2];
    assert_eq!(q135.framework.superseded_by.as_deref(), Some("QCVN11:2026"));
    for r in &q135.requirements {
        assert_eq!(r.superseded_by.len(), 1, "{}", r.id);
        assert!(q11.requirement(&r.superseded_by[0]).is_some(), "{}", r.id);
    }
    // Unknown official text is marked so, everywhere.
    assert!(
        q11.requirements
            .iter()
            .all(|r| r.text_status == TextStatus::Unknown)
    );
    assert!(q11.requirement("QCVN11:2026/2.11.6").is_some());
}

#[test]
fn etsi_mapping_covers_every_qcvn135_requirement() {
    let all = builtin();
    let etsi = &all[3];
    assert_eq!(etsi.requirements.len(), 36);
    let mapped: BTreeSet<String> = all[0]
        .requirements
        .iter()
        .flat_map(|r| r.etsi.iter().map(|p| format!("EN303645:2.1.1/{p}")))
        .collect();
    let provisions: BTreeSet<String> = etsi.requirements.iter().map(|r| r.id.clone()).collect();
    assert_eq!(
        mapped, provisions,
        "QCVN 135 maps one-to-one onto the ETSI set"
    );
}

#[test]
fn qd724_keeps_its_lockout_default_and_ten_groups() {
    let q = fw("QD724:2024");
    assert_eq!(q.groups.len(), 10);
    assert_eq!(q.framework.status, FrameworkStatus::Recommendatory);
    let r = q.requirement("QD724:2024/2.2").expect("2.2");
    assert!(r.text_en.contains("5 consecutive") && r.text_en.contains("5 minutes"));
    assert_eq!(r.checks, ["no-brute-force-protection"]);
}

// ------------------------------------------------------------------ validation

const MINI: &str = r#"
[framework]
id = "TEST:1"
revision = 1
title_vi = "Thử"
title_en = "Test"
issuer = "camwarden tests"
status = "draft"
sources = ["tests"]

[[group]]
id = "1"
title_vi = "Nhóm"
title_en = "Group"

[[requirement]]
id = "TEST:1/1.1"
group = "1"
title_vi = "Mật khẩu"
title_en = "Passwords"
text_vi = "Không có mật khẩu mặc định."
text_en = "No default password."
method = "remote-unauthenticated"
checks = ["default-credential-*"]
passes_when = ["no-finding:default-credential-*"]
evidence = "I"
source = "tests"
"#;

fn mini_with(from: &str, to: &str) -> Result<Framework> {
    assert!(MINI.contains(from), "test edit `{from}` does not apply");
    Framework::from_toml(&MINI.replacen(from, to, 1))
}

#[test]
fn minimal_framework_loads() {
    let f = Framework::from_toml(MINI).expect("valid");
    assert_eq!(f.requirements[0].text_status, TextStatus::Paraphrase);
    assert_eq!(f.requirements[0].obligation, Obligation::Mandatory);
}

#[test]
fn validation_rejects_bad_data() {
    let cases = [
        // unknown check id (typo)
        (
            r#"checks = ["default-credential-*"]"#,
            r#"checks = ["default-credentials-http", "default-credential-*"]"#,
        ),
        // glob that matches no known check
        (
            r#"checks = ["default-credential-*"]"#,
            r#"checks = ["nothing-*", "default-credential-*"]"#,
        ),
        // pass condition not backed by a failing check
        (
            r#"passes_when = ["no-finding:default-credential-*"]"#,
            r#"passes_when = ["no-finding:weak-tls-protocol"]"#,
        ),
        // unknown condition kind
        (
            r#"passes_when = ["no-finding:default-credential-*"]"#,
            r#"passes_when = ["maybe:thing"]"#,
        ),
        // id outside the framework
        (r#"id = "TEST:1/1.1""#, r#"id = "OTHER:1/1.1""#),
        // undeclared group
        (r#"group = "1""#, r#"group = "9""#),
        // unknown method
        (
            r#"method = "remote-unauthenticated""#,
            r#"method = "telepathy""#,
        ),
        // unknown field (typo in the data)
        (r#"evidence = "I""#, "evidence = \"I\"\ncheck = \"x\""),
        // empty English text
        (r#"text_en = "No default password.""#, r#"text_en = " ""#),
        // documentary without documents
        (
            r#"method = "remote-unauthenticated""#,
            r#"method = "documentary""#,
        ),
    ];
    for (from, to) in cases {
        assert!(mini_with(from, to).is_err(), "accepted: {to}");
    }
    let dup = format!(
        "{MINI}\n{}",
        &MINI[MINI.find("[[requirement]]").expect("req")..]
    );
    assert!(Framework::from_toml(&dup).is_err(), "duplicate id accepted");
    assert!(Framework::from_toml("not toml [").is_err());
}

#[test]
fn validate_set_checks_superseded_by_and_etsi_targets() {
    let dangling = mini_with(
        r#"source = "tests""#,
        "source = \"tests\"\nsuperseded_by = [\"QCVN11:2026/9.9.9\"]",
    )
    .expect("file alone is valid");
    let mut set = builtin();
    set.push(dangling);
    assert!(validate_set(&set).is_err());

    let ok = mini_with(
        r#"source = "tests""#,
        "source = \"tests\"\nsuperseded_by = [\"QCVN11:2026/2.1.1\"]",
    )
    .expect("valid");
    let mut set = builtin();
    set.push(ok);
    validate_set(&set).expect("link to an existing requirement");

    // An ETSI edition that is not loaded cannot be checked, so it is an error.
    let q = fw("QCVN135:2024");
    assert!(validate_set(&[q]).is_err());
}

// ------------------------------------------------------------------ requirements_for_check

#[test]
fn requirements_for_check_fills_finding_requirements() {
    let all = builtin();
    let reqs = requirements_for_check(&all, "default-credential-rtsp");
    for want in [
        "QCVN135:2024/2.1.1",
        "QD724:2024/2.4",
        "QD724:2024/2.6",
        "QCVN11:2026/2.1.1",
        "EN303645:2.1.1/5.1-1",
    ] {
        assert!(
            reqs.iter().any(|r| r == want),
            "{want} missing from {reqs:?}"
        );
    }
    assert!(
        !reqs.iter().any(|r| r == "QCVN135:2024/2.4.3"),
        "rtsp is not telnet"
    );
    assert!(requirements_for_check(&all, "no-such-check").is_empty());
    // A request-based CVE proof reaches the update requirement through `cve-*`.
    assert!(
        requirements_for_check(&all, "cve-2017-7921")
            .iter()
            .any(|r| r == "QCVN135:2024/2.3.4")
    );
}

// ------------------------------------------------------------------ judge

#[test]
fn known_bad_device_fails_2_1_1_with_the_finding_in_the_trail() {
    let mut input = known_good();
    input.findings = vec![finding(
        "default-credential-http",
        Category::DefaultCredential,
    )];
    let c = judge(&fw("QCVN135:2024"), &input);
    let v = verdict_of(&c, "QCVN135:2024/2.1.1");
    assert_eq!(v.verdict, Verdict::Fail);
    assert_eq!(
        v.trail,
        [TrailItem::Finding {
            check: "default-credential-http".into(),
            port: Some(80),
            title: "default-credential-http proven".into(),
        }]
    );
    // Unrelated requirements still pass from the checks that ran.
    assert_eq!(verdict_of(&c, "QCVN135:2024/2.5.1").verdict, Verdict::Pass);
    // Decision 724 fails too, on both password items.
    let c = judge(&fw("QD724:2024"), &input);
    assert_eq!(verdict_of(&c, "QD724:2024/2.6").verdict, Verdict::Fail);
    assert_eq!(verdict_of(&c, "QD724:2024/2.4").verdict, Verdict::Fail);
}

#[test]
fn known_good_device_passes_remote_requirements_and_needs_documents_for_the_rest() {
    let c = judge(&fw("QCVN135:2024"), &known_good());
    assert_eq!(c.framework, "QCVN135:2024");
    assert_eq!(c.verdicts.len(), 36);
    for req in [
        "2.1.1", "2.1.3", "2.1.5", "2.3.4", "2.5.1", "2.5.3", "2.6.1",
    ] {
        let v = verdict_of(&c, &format!("QCVN135:2024/{req}"));
        assert_eq!(v.verdict, Verdict::Pass, "{req}: {:?}", v.trail);
        assert!(
            v.trail
                .iter()
                .any(|t| matches!(t, TrailItem::CheckRan { .. })),
            "{req} pass must name the checks that ran"
        );
    }
    let v = verdict_of(&c, "QCVN135:2024/2.1.1");
    assert_eq!(v.trail.len(), 7, "each default-credential check that ran");

    // Documentary requirements wait for documents, naming the kinds that settle them.
    let v = verdict_of(&c, "QCVN135:2024/2.2.1");
    assert_eq!(v.verdict, Verdict::NeedsDocument);
    assert!(v.trail.contains(&TrailItem::DocumentMissing {
        kinds: vec![
            "vulnerability-disclosure-policy".into(),
            "conformity-certificate".into(),
            "conformity-declaration".into()
        ]
    }));
    // Laboratory-only and credentialed requirements cannot be settled remotely.
    assert_eq!(
        verdict_of(&c, "QCVN135:2024/2.3.5").verdict,
        Verdict::NotDeterminableRemotely
    );
    let v = verdict_of(&c, "QCVN135:2024/2.1.4");
    assert_eq!(v.verdict, Verdict::NotDeterminableRemotely);
    assert!(v.trail.contains(&TrailItem::NoCredentialedAudit));
    // Without a stream-encryption fact, a device with no open stream still is not a pass.
    assert_eq!(
        verdict_of(&c, "QCVN135:2024/2.7.1").verdict,
        Verdict::NotDeterminableRemotely
    );
    let counts = c.counts();
    assert_eq!(counts.fail, 0);
    assert_eq!(
        counts.pass + counts.needs_document + counts.not_determinable_remotely,
        36
    );
}

#[test]
fn a_requirement_cannot_pass_from_a_check_that_did_not_run() {
    let mut input = known_good();
    input
        .checks_run
        .retain(|c| !c.starts_with("default-credential-"));
    let c = judge(&fw("QCVN135:2024"), &input);
    let v = verdict_of(&c, "QCVN135:2024/2.1.1");
    assert_eq!(v.verdict, Verdict::NotDeterminableRemotely);
    assert!(v.trail.contains(&TrailItem::CheckNotRun {
        pattern: "default-credential-*".into()
    }));
    // And a fact that was not collected blocks a pass the same way.
    let mut input = known_good();
    input.facts.remove("firmware");
    let c = judge(&fw("QCVN135:2024"), &input);
    let v = verdict_of(&c, "QCVN135:2024/2.3.4");
    assert_eq!(v.verdict, Verdict::NotDeterminableRemotely);
    assert!(v.trail.contains(&TrailItem::FactMissing {
        key: "firmware".into(),
        expected: None,
        credentialed: false
    }));
}

fn doc(reference: &str) -> DocumentRef {
    DocumentRef::new(
        reference,
        "9F86D081884C7D659A2FEAA0C55AD015A3BF4F1B2B0B822CD15D6C15B0F00A08",
        "officer-a",
    )
    .expect("well-formed document reference")
}

#[test]
fn document_refs_are_checked() {
    assert_eq!(
        doc("x").sha256,
        "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08"
    );
    assert!(DocumentRef::new("x", "abc", "officer-a").is_err());
    assert!(DocumentRef::new("x", &"g".repeat(64), "officer-a").is_err());
    assert!(DocumentRef::new(" ", &"a".repeat(64), "officer-a").is_err());
    assert!(DocumentRef::new("x", &"a".repeat(64), "").is_err());
}

#[test]
fn load_set_parses_and_cross_validates() {
    let texts: Vec<&str> = BUILTIN_TOML.iter().map(|(_, t)| *t).collect();
    let set = load_set(texts.iter().copied()).expect("builtin texts");
    assert_eq!(set, builtin());
    assert_eq!(judge_all(&set, &known_good()).len(), 4);
    // Without the QCVN 11 file, QCVN 135's superseded_by links dangle.
    assert!(load_set([texts[0], texts[1], texts[3]]).is_err());
}

#[test]
fn documents_settle_documentary_requirements_but_never_undo_a_failure() {
    let q = fw("QCVN135:2024");
    let mut input = known_good();
    input.documents.insert(
        "vulnerability-disclosure-policy".into(),
        vec![doc("https://vendor.example/psirt")],
    );
    let c = judge(&q, &input);
    let v = verdict_of(&c, "QCVN135:2024/2.2.1");
    assert_eq!(v.verdict, Verdict::Pass);
    assert!(
        matches!(&v.trail[0], TrailItem::Document { key, added_by, .. }
        if key == "vulnerability-disclosure-policy" && added_by == "officer-a")
    );
    // Other documentary requirements are untouched by an unrelated kind.
    assert_eq!(
        verdict_of(&c, "QCVN135:2024/2.3.6").verdict,
        Verdict::NeedsDocument
    );

    // A conformity certificate settles documentary and laboratory items, not remote ones…
    input.documents.insert(
        "conformity-certificate".into(),
        vec![doc("certificate.pdf")],
    );
    input.findings = vec![finding(
        "default-credential-http",
        Category::DefaultCredential,
    )];
    input.checks_run.clear();
    let c = judge(&q, &input);
    assert_eq!(verdict_of(&c, "QCVN135:2024/2.3.6").verdict, Verdict::Pass);
    assert_eq!(verdict_of(&c, "QCVN135:2024/2.8.3").verdict, Verdict::Pass);
    assert_eq!(
        verdict_of(&c, "QCVN135:2024/2.5.1").verdict,
        Verdict::NotDeterminableRemotely
    );
    // …and a proven default password still fails, certificate or not.
    assert_eq!(verdict_of(&c, "QCVN135:2024/2.1.1").verdict, Verdict::Fail);

    // A document attached to a requirement id settles exactly that requirement.
    let mut input = known_good();
    input.documents.insert(
        "QCVN135:2024/2.6.2".into(),
        vec![doc("assessment-2026.pdf")],
    );
    let c = judge(&q, &input);
    assert_eq!(verdict_of(&c, "QCVN135:2024/2.6.2").verdict, Verdict::Pass);
    assert_eq!(
        verdict_of(&c, "QCVN135:2024/2.10.1").verdict,
        Verdict::NotDeterminableRemotely
    );
}

#[test]
fn credentialed_facts_pass_or_fail_audit_requirements() {
    let q = fw("QD724:2024");
    let mut input = known_good();
    input.credentialed = Some(BTreeMap::from([("password-policy".into(), "weak".into())]));
    let v = verdict_of(&judge(&q, &input), "QD724:2024/2.5");
    assert_eq!(v.verdict, Verdict::Fail);
    assert_eq!(
        v.trail,
        [TrailItem::Fact {
            key: "password-policy".into(),
            value: "weak".into(),
            credentialed: true
        }]
    );
    input.credentialed = Some(BTreeMap::from([(
        "password-policy".into(),
        "Strong".into(),
    )]));
    assert_eq!(
        verdict_of(&judge(&q, &input), "QD724:2024/2.5").verdict,
        Verdict::Pass
    );
    // The same fact in the unauthenticated facts does not count as audited.
    input.credentialed = None;
    input
        .facts
        .insert("password-policy".into(), "strong".into());
    assert_eq!(
        verdict_of(&judge(&q, &input), "QD724:2024/2.5").verdict,
        Verdict::NotDeterminableRemotely
    );
}

#[test]
fn lockout_settings_read_with_credentials_settle_brute_force_requirements() {
    let q135 = fw("QCVN135:2024");
    let q724 = fw("QD724:2024");
    let mut input = known_good();
    // No intrusive test: the remote set cannot hold.
    input.checks_run.remove("no-brute-force-protection");
    let nd = verdict_of(&judge(&q135, &input), "QCVN135:2024/2.1.5");
    assert_eq!(nd.verdict, Verdict::NotDeterminableRemotely);
    assert!(
        nd.trail
            .iter()
            .any(|t| matches!(t, TrailItem::CheckNotRun { pattern } if pattern == "no-brute-force-protection")),
        "the first set's gap is reported: {:?}",
        nd.trail
    );

    // Locks after 7: a mechanism (QCVN 135 passes), but not Decision 724's 5.
    input.credentialed = Some(BTreeMap::from([
        ("lockout-enabled".into(), "true".into()),
        ("lockout-within-724".into(), "false".into()),
    ]));
    assert_eq!(
        verdict_of(&judge(&q135, &input), "QCVN135:2024/2.1.5").verdict,
        Verdict::Pass
    );
    assert_eq!(
        verdict_of(&judge(&q724, &input), "QD724:2024/2.2").verdict,
        Verdict::Fail
    );

    // Locks after 5: both pass.
    input.credentialed = Some(BTreeMap::from([
        ("lockout-enabled".into(), "true".into()),
        ("lockout-within-724".into(), "true".into()),
    ]));
    assert_eq!(
        verdict_of(&judge(&q724, &input), "QD724:2024/2.2").verdict,
        Verdict::Pass
    );

    // No lock at all: QCVN 135 fails.
    input.credentialed = Some(BTreeMap::from([("lockout-enabled".into(), "false".into())]));
    assert_eq!(
        verdict_of(&judge(&q135, &input), "QCVN135:2024/2.1.5").verdict,
        Verdict::Fail
    );
}

#[test]
fn rejudging_with_an_updated_framework_changes_verdicts_without_new_findings() {
    let text = BUILTIN_TOML[0].1;
    let old = Framework::from_toml(text).expect("builtin");
    let mut input = known_good();
    input.findings = vec![finding("insecure-service-upnp", Category::InsecureService)];
    let before = judge(&old, &input);
    assert_eq!(
        verdict_of(&before, "QCVN135:2024/2.6.1").verdict,
        Verdict::Fail
    );

    // The next revision decides UPnP is not an "unused interface" finding any more.
    let rev = old.framework.revision;
    let edited = text
        .replacen(
            &format!("revision = {rev}"),
            &format!("revision = {}", rev + 1),
            1,
        )
        .replacen(
            "checks = [\"insecure-service-*\"]\npasses_when = [\"no-finding:insecure-service-*\", \"fact:open-ports\"]",
            "checks = [\"insecure-service-telnet\", \"insecure-service-debug\", \"insecure-service-ftp\"]\npasses_when = [\"no-finding:insecure-service-telnet\", \"no-finding:insecure-service-debug\", \"no-finding:insecure-service-ftp\", \"fact:open-ports\"]",
            1,
        );
    assert_ne!(edited, text);
    let new = Framework::from_toml(&edited).expect("edited framework is valid");
    let after = judge(&new, &input);
    assert_eq!(after.framework_revision, rev + 1);
    assert_eq!(
        verdict_of(&after, "QCVN135:2024/2.6.1").verdict,
        Verdict::Pass
    );
    // Everything else is judged identically from the same stored input.
    for (a, b) in before.verdicts.iter().zip(&after.verdicts) {
        if a.requirement != "QCVN135:2024/2.6.1" {
            assert_eq!(a, b);
        }
    }
}

#[test]
fn judge_input_from_host_collects_identity_facts() {
    use crate::model::{HostReport, Identity, PortInfo, Transport};
    let host = HostReport {
        ip: "127.0.0.9".parse().expect("ip"),
        ports: vec![PortInfo {
            port: 554,
            transport: Transport::Tcp,
            service: "rtsp".into(),
            tls: false,
        }],
        identity: Identity {
            camera: true,
            vendor: Some("dahua".into()),
            model: Some("IPC-HFW1230S".into()),
            firmware: Some("2.800.0000000.13.R".into()),
            mac: Some("3c:ef:8c:00:00:01".into()),
            ..Identity::default()
        },
        facts: vec![],
        findings: vec![finding(
            "default-credential-rtsp",
            Category::DefaultCredential,
        )],
        checks_ran: vec!["default-credential-rtsp".into()],
        credentialed: Default::default(),
    };
    let input = JudgeInput::from_host(&host, ["default-credential-rtsp".to_string()]);
    assert_eq!(input.device, "3c:ef:8c:00:00:01");
    assert_eq!(input.facts["open-ports"], "554/rtsp");
    assert_eq!(input.facts["firmware"], "2.800.0000000.13.R");
    assert_eq!(input.findings.len(), 1);
    let c = judge(&fw("QCVN135:2024"), &input);
    assert_eq!(verdict_of(&c, "QCVN135:2024/2.1.1").verdict, Verdict::Fail);
}

#[test]
fn verdicts_serialise_as_stable_slugs() {
    let c = judge(&fw("QCVN135:2024"), &known_good());
    let json = serde_json::to_string(&c).expect("json");
    assert!(json.contains(r#""verdict":"not-determinable-remotely""#));
    assert!(json.contains(r#""kind":"check-ran""#));
    let back: DeviceConformity = serde_json::from_str(&json).expect("round trip");
    assert_eq!(back, c);
}

#[test]
fn fleet_summary_counts_per_requirement_and_per_model() {
    let q = fw("QCVN135:2024");
    let mut bad = known_good();
    bad.device = "SERIAL-BAD".into();
    bad.findings = vec![finding(
        "default-credential-http",
        Category::DefaultCredential,
    )];
    let mut other = known_good();
    other.device = "SERIAL-OTHER".into();
    other.vendor = Some("Dahua".into());
    other.model = Some("IPC-HFW1230S".into());
    let mut same_model_other_spelling = known_good();
    same_model_other_spelling.model = Some("ds2cd2043g2i".into());
    let devices = vec![
        judge(&q, &known_good()),
        judge(&q, &bad),
        judge(&q, &other),
        judge(&q, &same_model_other_spelling),
        // Judged against another framework: ignored.
        judge(&fw("QD724:2024"), &bad),
    ];
    let s = fleet_summary(&q, &devices);
    assert_eq!(s.devices, 4);
    assert_eq!(s.devices_failing, 1);
    assert_eq!(s.requirements.len(), 36);
    let r211 = &s.requirements[0];
    assert_eq!(r211.requirement, "QCVN135:2024/2.1.1");
    assert_eq!((r211.counts.pass, r211.counts.fail), (3, 1));
    assert_eq!(s.models.len(), 2);
    let dahua = &s.models[0];
    assert_eq!(dahua.vendor.as_deref(), Some("Dahua"));
    assert_eq!((dahua.devices, dahua.devices_failing), (1, 0));
    let hik = &s.models[1];
    assert_eq!((hik.devices, hik.devices_failing), (3, 1));
    assert_eq!(hik.requirements[0].counts.fail, 1);
}

#[test]
fn hostile_conditions_are_errors_not_panics() {
    for text in [
        "",
        ":",
        "fact:",
        "fact:=x",
        "fact:Key",
        "fact:a=",
        "no-finding:",
        "no-finding:*",
    ] {
        assert!(Condition::parse(text).is_err(), "accepted `{text}`");
    }
    assert_eq!(
        Condition::parse("credentialed:password-policy=strong").expect("ok"),
        Condition::Credentialed {
            key: "password-policy".into(),
            value: Some("strong".into())
        }
    );
}

// ------------------------------------------------------------------ catalog

const CATALOG: &str = "\u{feff}# comment line, ignored\r\n\
vendor,model,status,certificate,issuer,date,source,note\r\n\
Example Vision,EV-IPC-2040,certified,EX-0001,\"Lab, Hanoi\",2025-03-01,https://example.invalid/a,\"says \"\"ok\"\"\"\r\n\
\r\n\
Example Vision,EV-NVR-1*,warned,,Authority,2025-06-30,https://example.invalid/w,\r\n\
Example Vision,EV-NVR-1016,declared,,,,https://example.invalid/d,\n\
Other Brand,OB 7,declared,,,,https://example.invalid/o,last line without newline";

#[test]
fn catalog_imports_csv_with_quotes_comments_and_crlf() {
    let c = Catalog::from_csv(CATALOG).expect("valid CSV");
    assert_eq!(c.entries().len(), 4);
    let first = &c.entries()[0];
    assert_eq!(first.issuer.as_deref(), Some("Lab, Hanoi"));
    assert_eq!(first.note.as_deref(), Some("says \"ok\""));
    assert_eq!(
        first.date.map(|d| d.to_string()).as_deref(),
        Some("2025-03-01")
    );
    assert_eq!(
        c.entries()[3].note.as_deref(),
        Some("last line without newline")
    );
    assert_eq!(c.entries()[1].certificate, None);
}

#[test]
fn catalog_flags_devices() {
    let c = Catalog::from_csv(CATALOG).expect("valid CSV");
    // Normalised match: case, spaces and punctuation do not matter.
    match c.flag("example-vision", "ev ipc 2040") {
        CatalogFlag::Conforms(rows) => assert_eq!(rows[0].certificate.as_deref(), Some("EX-0001")),
        other => panic!("expected Conforms, got {other:?}"),
    }
    // A series warning covers a model that also has a declaration: the warning wins.
    match c.flag("Example Vision", "EV-NVR-1016") {
        CatalogFlag::Warned(rows) => assert_eq!(rows[0].model, "EV-NVR-1*"),
        other => panic!("expected Warned, got {other:?}"),
    }
    assert!(matches!(
        c.flag("Example Vision", "EV-NVR-1999"),
        CatalogFlag::Warned(_)
    ));
    assert_eq!(
        c.flag("Example Vision", "EV-NVR-2016"),
        CatalogFlag::NoConformityRecord
    );
    assert_eq!(
        c.flag("Other Brand", "EV-IPC-2040"),
        CatalogFlag::NoConformityRecord
    );
    assert_eq!(c.flag("", ""), CatalogFlag::NoConformityRecord);
}

#[test]
fn catalog_rejects_malformed_csv() {
    let header = "vendor,model,status,source\n";
    for bad in [
        "vendor,model,status\na,b,certified\n", // no source column
        "vendor,model,status,source\na,b,approved,s\n", // unknown status
        "vendor,model,status,source\na,b,certified\n", // short row
        "vendor,model,status,source\na,b,certified,\n", // empty source
        "vendor,model,status,source\n,b,certified,s\n", // no vendor
        "vendor,model,status,source\na,b*c,warned,s\n", // star inside a model
        "vendor,model,status,source\na,\"b,certified,s\n", // unterminated quote
        "vendor,model,status,source\na,\"b\"x,certified,s\n", // text after a quote
        "vendor,model,status,source,date\na,b,certified,s,31/12/2025\n", // bad date
    ] {
        assert!(Catalog::from_csv(bad).is_err(), "accepted: {bad}");
    }
    assert!(
        Catalog::from_csv(header)
            .expect("header only")
            .entries()
            .is_empty()
    );
    assert!(Catalog::from_csv("").expect("empty").entries().is_empty());
}

#[test]
fn builtin_catalog_is_empty_and_example_rows_parse() {
    // No public source names a certified or warned model; the shipped lists say so and stay empty.
    let c = Catalog::builtin();
    assert!(c.entries().is_empty());
    assert_eq!(
        c.flag("hikvision", "DS-2CD2032-I"),
        CatalogFlag::NoConformityRecord
    );
    let ex = Catalog::from_csv(include_str!("../../../../data/catalog/examples.csv"))
        .expect("examples parse");
    assert_eq!(ex.entries().len(), 3);
    assert!(matches!(
        ex.flag("example vision", "EV-NVR-1008"),
        CatalogFlag::Warned(_)
    ));
}

mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        #[test]
        fn csv_import_never_panics(text in "(?s).{0,400}") {
            let _ = Catalog::from_csv(&text);
        }

        #[test]
        fn csv_import_never_panics_on_csv_like_bytes(text in "[a-z,\"\\r\\n#*]{0,200}") {
            let _ = Catalog::from_csv(&format!("vendor,model,status,source\n{text}"));
        }

        #[test]
        fn condition_parse_never_panics(text in ".{0,60}") {
            let _ = Condition::parse(&text);
        }
    }
}
