//! Credentialed audit and conformity (issue 3): verdicts follow the lab devices' configured
//! settings, documents re-judge a stored scan without a new scan, and the owner's password
//! appears nowhere — not in the database, the reports, the stream or the program's output.

use crate::util::{RunningLab, camwarden_env};
use std::net::Ipv4Addr;
use std::time::Duration;

const PASSPHRASE: &str = "integration passphrase 2026";
/// The hardened lab camera's password (see the lab's HikvisionNew profile).
const STRONG: &str = "Hk!v7-Strong#2026";

fn verdict(json: &serde_json::Value, ip: &str, req: &str) -> (String, Vec<serde_json::Value>) {
    let dev = json["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .find(|d| d["ip"] == ip)
        .unwrap_or_else(|| panic!("device {ip} in the report"));
    let fw = req.split('/').next().expect("framework prefix");
    let c = dev["conformity"]
        .as_array()
        .expect("conformity")
        .iter()
        .find(|c| c["framework"] == fw)
        .unwrap_or_else(|| panic!("{fw} judged"));
    let v = c["verdicts"]
        .as_array()
        .expect("verdicts")
        .iter()
        .find(|v| v["requirement"] == req)
        .unwrap_or_else(|| panic!("{req} judged"));
    (
        v["verdict"].as_str().unwrap_or("").to_string(),
        v["trail"].as_array().cloned().unwrap_or_default(),
    )
}

#[test]
fn audit_verdicts_follow_settings_and_no_credential_leaks() {
    let lab = RunningLab::start(camwarden_lab::LabSpec::builtin(Ipv4Addr::new(
        127, 84, 0, 0,
    )));
    let dir = tempfile::tempdir().expect("tempdir");
    let p = |n: &str| dir.path().join(n).display().to_string();
    let env = [("CAMWARDEN_PASSPHRASE", PASSPHRASE)];
    let limit = Duration::from_secs(180);
    std::fs::write(
        p("plain.toml"),
        format!("[[device]]\ntarget = \"127.84.0.10\"\nusername = \"admin\"\npassword = \"12345\"\n\n[[device]]\ntarget = \"127.84.0.11\"\nusername = \"admin\"\npassword = \"{STRONG}\"\n"),
    )
    .expect("write creds");
    let seal = camwarden_env(
        &[
            "creds",
            "seal",
            &p("plain.toml"),
            "--out",
            &p("creds.sealed"),
        ],
        &env,
        limit,
    );
    assert!(seal.status.success(), "{}", seal.stderr);
    std::fs::remove_file(p("plain.toml")).expect("remove plain");

    // An authority's warning list, imported from CSV (a test fixture, not a real warning).
    std::fs::write(
        p("warned.csv"),
        "vendor,model,status,certificate,issuer,date,source,note\nhikvision,DS-2CD2032-I,warned,,test authority,2021-09-01,integration test fixture,not a real warning\n",
    )
    .expect("write catalog");
    let audit = camwarden_env(
        &[
            "audit",
            "127.84.0.10",
            "127.84.0.11",
            "--credentials",
            &p("creds.sealed"),
            "--db",
            &p("a.db"),
            "--html",
            &p("conf.html"),
            "--json",
            &p("conf.json"),
            "--jsonl",
            &p("scan.jsonl"),
            "--lang",
            "en",
            "--catalog",
            &p("warned.csv"),
            "-q",
        ],
        &env,
        limit,
    );
    assert!(audit.status.success(), "audit failed: {}", audit.stderr);
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("conf.json")).expect("json"))
            .expect("parse");

    // The catalog flags the warned model, and the other one as having no conformity record.
    let flag = |ip: &str| {
        json["devices"]
            .as_array()
            .expect("devices")
            .iter()
            .find(|d| d["ip"] == ip)
            .map(|d| d["catalog"]["flag"].clone())
    };
    assert_eq!(flag("127.84.0.10"), Some(serde_json::json!("warned")));
    assert_eq!(
        flag("127.84.0.11"),
        Some(serde_json::json!("no-conformity-record"))
    );
    // Old camera, left as installed: default password, UPnP and cloud P2P on (read with creds).
    assert_eq!(
        verdict(&json, "127.84.0.10", "QCVN135:2024/2.1.1").0,
        "fail"
    );
    let (v, trail) = verdict(&json, "127.84.0.10", "QCVN135:2024/2.6.1");
    assert_eq!(v, "fail", "{trail:?}");
    assert!(
        trail
            .iter()
            .any(|t| t["key"] == "upnp-enabled" && t["value"] == "true"),
        "{trail:?}"
    );
    assert_eq!(verdict(&json, "127.84.0.10", "QCVN11:2026/2.6.1").0, "fail");
    // Hardened camera: unique password, unused services off, HTTPS only.
    assert_eq!(
        verdict(&json, "127.84.0.11", "QCVN135:2024/2.1.1").0,
        "pass"
    );
    assert_eq!(
        verdict(&json, "127.84.0.11", "QCVN135:2024/2.6.1").0,
        "pass"
    );
    assert_eq!(
        verdict(&json, "127.84.0.11", "QCVN135:2024/2.1.4").0,
        "pass"
    );
    assert_eq!(
        verdict(&json, "127.84.0.11", "QCVN135:2024/2.2.1").0,
        "needs-document"
    );
    // Every QCVN 135 requirement, for both devices, as their settings imply. Old camera:
    // admin/12345, HTTP only, UPnP and P2P on, lock-out after 7, firmware V5.4.0 (CVE-2017-7921,
    // CVE-2021-36260). Hardened camera: unique password, HTTPS only, services off, lock-out after
    // 5, current firmware. `D` needs a document, `N` cannot be settled remotely (laboratory,
    // or a fact no read-only interface exposes).
    const EXPECTED: [(&str, char, char); 36] = [
        ("2.1.1", 'F', 'P'),
        ("2.1.2", 'D', 'D'),
        ("2.1.3", 'F', 'P'),
        ("2.1.4", 'P', 'P'),
        ("2.1.5", 'P', 'P'),
        ("2.2.1", 'D', 'D'),
        ("2.3.1", 'N', 'N'),
        ("2.3.2", 'D', 'D'),
        ("2.3.3", 'D', 'D'),
        ("2.3.4", 'F', 'P'),
        ("2.3.5", 'N', 'N'),
        ("2.3.6", 'D', 'D'),
        ("2.3.7", 'D', 'D'),
        ("2.4.1", 'D', 'D'),
        ("2.4.2", 'N', 'N'),
        ("2.4.3", 'N', 'N'),
        ("2.4.4", 'N', 'N'),
        ("2.5.1", 'F', 'P'),
        ("2.5.2", 'F', 'N'),
        ("2.5.3", 'F', 'P'),
        ("2.5.4", 'D', 'D'),
        ("2.6.1", 'F', 'P'),
        ("2.6.2", 'F', 'N'),
        ("2.6.3", 'N', 'N'),
        ("2.7.1", 'N', 'N'),
        ("2.7.2", 'D', 'D'),
        ("2.8.1", 'N', 'N'),
        ("2.8.2", 'N', 'N'),
        ("2.8.3", 'N', 'N'),
        ("2.9.1", 'N', 'N'),
        ("2.10.1", 'N', 'N'),
        ("2.11.1", 'D', 'D'),
        ("2.11.2", 'D', 'D'),
        ("2.11.3", 'D', 'D'),
        ("2.11.4", 'D', 'D'),
        ("2.11.5", 'D', 'D'),
    ];
    let word = |c: char| match c {
        'P' => "pass",
        'F' => "fail",
        'D' => "needs-document",
        _ => "not-determinable-remotely",
    };
    for (req, old, hardened) in EXPECTED {
        let id = format!("QCVN135:2024/{req}");
        for (ip, want) in [("127.84.0.10", old), ("127.84.0.11", hardened)] {
            let (got, trail) = verdict(&json, ip, &id);
            assert_eq!(got, word(want), "{ip} {id}: {trail:?}");
        }
    }

    // The fleet view carries both regulations.
    let fleet: Vec<&str> = json["fleet"]
        .as_array()
        .expect("fleet")
        .iter()
        .filter_map(|f| f["framework"].as_str())
        .collect();
    assert!(
        fleet.contains(&"QCVN135:2024") && fleet.contains(&"QCVN11:2026"),
        "{fleet:?}"
    );
    let html = std::fs::read_to_string(p("conf.html")).expect("html");
    assert!(html.contains("QCVN 135:2024/BTTTT") && html.contains("QCVN 11:2026/BCA"));

    // A vulnerability-disclosure policy for the model settles 2.2.1 at the next judgement,
    // with no new scan.
    std::fs::write(p("psirt-policy.pdf"), b"%PDF-1.4 vendor disclosure policy").expect("write doc");
    let add = camwarden_env(
        &[
            "evidence",
            "add",
            "--vendor",
            "hikvision",
            "--model",
            "DS-2CD2386G2-IU",
            "--requirement",
            "QCVN135:2024/2.2.1",
            "--file",
            &p("psirt-policy.pdf"),
            "--by",
            "officer",
            "--db",
            &p("a.db"),
        ],
        &env,
        limit,
    );
    assert!(add.status.success(), "{}", add.stderr);
    let judge = camwarden_env(
        &["judge", "--db", &p("a.db"), "--json", &p("rejudged.json")],
        &env,
        limit,
    );
    assert!(judge.status.success(), "{}", judge.stderr);
    let rejudged: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("rejudged.json")).expect("json"))
            .expect("parse");
    let (v, trail) = verdict(&rejudged, "127.84.0.11", "QCVN135:2024/2.2.1");
    assert_eq!(v, "pass", "{trail:?}");
    assert!(
        trail
            .iter()
            .any(|t| t["kind"] == "document" && t["added_by"] == "officer")
    );
    lab.stop();

    // A catalog update (the new camera's model declared conformant) re-judges without a scan:
    // the lab is already stopped.
    std::fs::write(
        p("declared.csv"),
        "vendor,model,status,certificate,issuer,date,source,note\nhikvision,DS-2CD2386G2-IU,declared,TEST-0001,test vendor,2026-01-15,integration test fixture,not a real declaration\n",
    )
    .expect("write catalog");
    let rejudge = camwarden_env(
        &[
            "judge",
            "--db",
            &p("a.db"),
            "--json",
            &p("recatalogued.json"),
            "--catalog",
            &p("declared.csv"),
        ],
        &env,
        limit,
    );
    assert!(rejudge.status.success(), "{}", rejudge.stderr);
    let recatalogued: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("recatalogued.json")).expect("json"))
            .expect("parse");
    let new_flag = recatalogued["devices"]
        .as_array()
        .expect("devices")
        .iter()
        .find(|d| d["ip"] == "127.84.0.11")
        .map(|d| d["catalog"]["flag"].clone());
    assert_eq!(
        new_flag,
        Some(serde_json::json!("conforms")),
        "{recatalogued}"
    );

    // The owner's password is nowhere.
    for f in [
        "a.db",
        "a.db-wal",
        "conf.html",
        "conf.json",
        "scan.jsonl",
        "rejudged.json",
        "creds.sealed",
    ] {
        if let Ok(bytes) = std::fs::read(dir.path().join(f)) {
            assert!(
                !String::from_utf8_lossy(&bytes).contains(STRONG),
                "password found in {f}"
            );
        }
    }
    for out in [
        &audit.stdout,
        &audit.stderr,
        &judge.stdout,
        &judge.stderr,
        &seal.stdout,
        &seal.stderr,
    ] {
        assert!(!out.contains(STRONG), "password in output");
    }
}

#[test]
fn wrong_passphrase_is_refused_without_contacting_anything() {
    let dir = tempfile::tempdir().expect("tempdir");
    let plain = dir.path().join("p.toml");
    let sealed = dir.path().join("s.sealed");
    std::fs::write(
        &plain,
        "[[device]]\ntarget = \"127.85.0.1\"\nusername = \"u\"\npassword = \"Secret-Value-123\"\n",
    )
    .expect("write");
    let seal = camwarden_env(
        &[
            "creds",
            "seal",
            &plain.display().to_string(),
            "--out",
            &sealed.display().to_string(),
        ],
        &[("CAMWARDEN_PASSPHRASE", PASSPHRASE)],
        Duration::from_secs(60),
    );
    assert!(seal.status.success(), "{}", seal.stderr);
    let r = camwarden_env(
        &[
            "audit",
            "127.85.0.1",
            "-p",
            "9",
            "--credentials",
            &sealed.display().to_string(),
            "--no-db",
            "-q",
        ],
        &[("CAMWARDEN_PASSPHRASE", "not the passphrase")],
        Duration::from_secs(60),
    );
    assert_eq!(r.status.code(), Some(4), "stderr: {}", r.stderr);
    assert!(r.stderr.contains("wrong passphrase"), "{}", r.stderr);
    assert!(!r.stderr.contains("Secret-Value-123"));
}

#[test]
fn intrusive_test_locks_the_test_account_never_the_admin() {
    let mut spec = camwarden_lab::LabSpec::builtin(Ipv4Addr::new(127, 86, 0, 0));
    // Shorter lock than Decision 724's 5 minutes, so the test can wait it out.
    spec.lock_for = Some(Duration::from_secs(3));
    let lab = RunningLab::start(spec);
    let dir = tempfile::tempdir().expect("tempdir");
    let p = |n: &str| dir.path().join(n).display().to_string();
    std::fs::write(
        p("creds.toml"),
        format!(
            "[[device]]\ntarget = \"127.86.0.11\"\nusername = \"admin\"\npassword = \"{STRONG}\"\ntest_username = \"camtest\"\ntest_password = \"Test!Acct-2026\"\n\n[[device]]\ntarget = \"127.86.0.19\"\nusername = \"admin\"\npassword = \"admin\"\ntest_username = \"camtest\"\ntest_password = \"Test!Acct-2026\"\n"
        ),
    )
    .expect("creds");
    let limit = Duration::from_secs(240);
    let refused = camwarden_env(
        &[
            "audit",
            "127.86.0.11",
            "--credentials",
            &p("creds.toml"),
            "--intrusive",
            "--no-db",
            "-q",
        ],
        &[],
        limit,
    );
    assert_eq!(
        refused.status.code(),
        Some(2),
        "intrusive without an authorisation: {}",
        refused.stderr
    );
    let run = camwarden_env(
        &[
            "audit",
            "127.86.0.11",
            "127.86.0.19",
            "--credentials",
            &p("creds.toml"),
            "--intrusive",
            "--authorization",
            "lab test 2026-11",
            "--no-db",
            "--json",
            &p("c.json"),
            "-q",
        ],
        &[],
        limit,
    );
    let stats = lab.stop();
    assert!(run.status.success(), "{}", run.stderr);
    assert!(
        run.stderr.contains("WARNING: intrusive"),
        "a clear warning: {}",
        run.stderr
    );
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(p("c.json")).expect("json")).expect("parse");
    // Hardened camera: the lock works, the requirement passes on a check that ran.
    let (v, trail) = verdict(&json, "127.86.0.11", "QCVN135:2024/2.1.5");
    assert_eq!(v, "pass", "{trail:?}");
    // Failed logins do not tell accounts apart on the hardened camera (Decision 724 2.3).
    assert_eq!(verdict(&json, "127.86.0.11", "QD724:2024/2.3").0, "pass");
    // Camera without any lock-out: the test proves it.
    let (v, trail) = verdict(&json, "127.86.0.19", "QCVN135:2024/2.1.5");
    assert_eq!(v, "fail", "{trail:?}");
    let hik = &stats.per_device[&Ipv4Addr::new(127, 86, 0, 11)];
    assert!(
        hik.lockouts_by_account.get("camtest").copied().unwrap_or(0) >= 1,
        "{hik:?}"
    );
    assert_eq!(
        hik.lockouts_by_account.get("admin"),
        None,
        "the administrator was never locked: {hik:?}"
    );
}
