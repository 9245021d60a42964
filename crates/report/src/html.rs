//! One self-contained HTML report per scan: inline CSS, no script, no external resource, every
//! device-supplied string escaped. It prints well (a unit files it with its yearly report).

use crate::ReportInput;
use crate::i18n::{Lang, severity, t};
use camwarden_core::model::{CheckDef, Finding, HostReport, Severity};
use std::fmt::Write as _;

fn esc(s: &str) -> String {
    html_escape::encode_text(s).into_owned()
}

const CSS: &str = r#"
body{font-family:"Noto Sans","DejaVu Sans",Arial,sans-serif;margin:2rem auto;max-width:72rem;color:#1b1f24;line-height:1.45}
h1{font-size:1.6rem;border-bottom:3px solid #a4161a;padding-bottom:.3rem}
h2{font-size:1.25rem;margin-top:2rem;border-bottom:1px solid #ccc}
h3{font-size:1.05rem;margin-bottom:.3rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}
th,td{border:1px solid #d0d7de;padding:.3rem .5rem;text-align:left;vertical-align:top;font-size:.9rem}
th{background:#f3f4f6}
.sev{display:inline-block;padding:0 .45rem;border-radius:.3rem;color:#fff;font-size:.8rem;white-space:nowrap}
.critical{background:#7b0d1e}.high{background:#c1121f}.medium{background:#e76f51}.low{background:#2a9d8f}.info{background:#6c757d}
.device{border:1px solid #d0d7de;border-radius:.4rem;padding:.5rem 1rem;margin:1rem 0;page-break-inside:avoid}
.finding{border-left:4px solid #c1121f;padding:.2rem .8rem;margin:.6rem 0;background:#fafafa}
code,.ev{font-family:"DejaVu Sans Mono",monospace;font-size:.82rem;word-break:break-all}
.muted{color:#57606a}
footer{margin-top:3rem;font-size:.8rem;color:#57606a}
"#;

fn sev_badge(lang: Lang, s: Severity) -> String {
    format!(
        "<span class=\"sev {}\">{}</span>",
        s.as_str(),
        esc(severity(lang, s))
    )
}

fn opt(lang: Lang, v: &Option<String>) -> String {
    v.as_deref()
        .map(esc)
        .unwrap_or_else(|| format!("<span class=\"muted\">{}</span>", esc(t(lang, "unknown"))))
}

/// Title / why / fix of a finding in the report's language, falling back to the finding.
fn texts<'a>(lang: Lang, f: &'a Finding, def: Option<&'a CheckDef>) -> (&'a str, &'a str, &'a str) {
    match def {
        Some(d) => match lang {
            Lang::Vi => (d.title_vi.as_str(), d.why_vi.as_str(), d.fix_vi.as_str()),
            Lang::En => (d.title_en.as_str(), d.why_en.as_str(), d.fix_en.as_str()),
        },
        None => (f.title.as_str(), "", ""),
    }
}

pub fn render(input: &ReportInput, lang: Lang) -> String {
    let mut h = String::with_capacity(64 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width\"><title>{}</title><style>{}</style></head><body>",
        lang.code(),
        esc(t(lang, "title")),
        CSS
    );
    let _ = write!(h, "<h1>{}</h1>", esc(t(lang, "title")));
    record(&mut h, input, lang);
    summary(&mut h, input, lang);
    if let Some(d) = &input.diff {
        diff(&mut h, d, lang);
    }
    let cams: Vec<&HostReport> = input.hosts.iter().filter(|x| x.identity.camera).collect();
    let others: Vec<&HostReport> = input.hosts.iter().filter(|x| !x.identity.camera).collect();
    let _ = write!(h, "<h2>{}</h2>", esc(t(lang, "camera_table")));
    if cams.is_empty() {
        let _ = write!(h, "<p>{}</p>", esc(t(lang, "no_cameras")));
    } else {
        camera_table(&mut h, &cams, input, lang);
        let _ = write!(h, "<h2>{}</h2>", esc(t(lang, "device_details")));
        for d in &cams {
            device(&mut h, d, input, lang);
        }
    }
    if !others.is_empty() {
        let _ = write!(h, "<h2>{}</h2>", esc(t(lang, "other_hosts")));
        for d in &others {
            device(&mut h, d, input, lang);
        }
    }
    let _ = writeln!(
        h,
        "<footer>{}</footer></body></html>",
        esc(t(lang, "footer"))
    );
    h
}

fn record(h: &mut String, input: &ReportInput, lang: Lang) {
    let m = &input.meta;
    let row = |h: &mut String, k: &str, v: &str| {
        let _ = write!(h, "<tr><th>{}</th><td>{}</td></tr>", esc(t(lang, k)), v);
    };
    let _ = write!(h, "<h2>{}</h2><table>", esc(t(lang, "scan_record")));
    row(h, "scan_id", &format!("<code>{}</code>", esc(&m.id)));
    row(h, "started", &esc(&m.started_at));
    row(h, "duration", &format!("{:.1} s", input.summary.duration_s));
    row(h, "operator", &esc(&m.operator));
    let auth = if m.authorization.is_empty() {
        esc(t(lang, "none_given"))
    } else {
        esc(&m.authorization)
    };
    row(h, "authorization", &auth);
    if let Some(u) = &m.org_unit {
        row(h, "org_unit", &esc(u));
    }
    row(
        h,
        "scope",
        &format!("<code>{}</code>", esc(&m.scope.join(", "))),
    );
    if !m.excluded.is_empty() {
        row(
            h,
            "excluded",
            &format!("<code>{}</code>", esc(&m.excluded.join(", "))),
        );
    }
    row(h, "tool_version", &esc(&m.tool_version));
    h.push_str("</table>");
}

fn summary(h: &mut String, input: &ReportInput, lang: Lang) {
    let s = &input.summary;
    let _ = write!(
        h,
        "<h2>{}</h2><table><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr>",
        esc(t(lang, "summary")),
        esc(t(lang, "targets")),
        s.targets,
        esc(t(lang, "hosts_up")),
        s.hosts_up,
        esc(t(lang, "cameras")),
        s.cameras,
        esc(t(lang, "findings")),
        s.findings
    );
    let mut by = String::new();
    for sev in [
        Severity::Critical,
        Severity::High,
        Severity::Medium,
        Severity::Low,
        Severity::Info,
    ] {
        let n: usize = input
            .hosts
            .iter()
            .map(|x| x.findings.iter().filter(|f| f.severity == sev).count())
            .sum();
        if n > 0 {
            let _ = write!(by, "{} {}  ", sev_badge(lang, sev), n);
        }
    }
    let _ = write!(
        h,
        "<tr><th>{}</th><td>{}</td></tr></table>",
        esc(t(lang, "by_severity")),
        by
    );
}

fn diff(h: &mut String, d: &camwarden_core::model::ScanDiff, lang: Lang) {
    let _ = write!(
        h,
        "<h2>{}</h2><p class=\"muted\">{}: <code>{}</code> ({})</p><table>",
        esc(t(lang, "changes")),
        esc(t(lang, "previous_scan")),
        esc(&d.previous_scan),
        esc(&d.previous_started_at)
    );
    let list = |v: Vec<String>| {
        if v.is_empty() {
            "–".to_string()
        } else {
            esc(&v.join(", "))
        }
    };
    let pairs = |v: &[(String, String)]| list(v.iter().map(|(a, b)| format!("{a} {b}")).collect());
    let _ = write!(
        h,
        "<tr><th>{}</th><td>{}</td></tr>",
        esc(t(lang, "new_devices")),
        list(d.new_devices.clone())
    );
    let _ = write!(
        h,
        "<tr><th>{}</th><td>{}</td></tr>",
        esc(t(lang, "gone_devices")),
        list(d.gone_devices.clone())
    );
    let _ = write!(
        h,
        "<tr><th>{}</th><td>{}</td></tr>",
        esc(t(lang, "moved_devices")),
        list(
            d.moved_devices
                .iter()
                .map(|(a, b)| format!("{a} → {b}"))
                .collect()
        )
    );
    let _ = write!(
        h,
        "<tr><th>{}</th><td>{}</td></tr>",
        esc(t(lang, "new_findings")),
        pairs(&d.new_findings)
    );
    let _ = write!(
        h,
        "<tr><th>{}</th><td>{}</td></tr></table>",
        esc(t(lang, "fixed_findings")),
        pairs(&d.fixed_findings)
    );
}

fn camera_table(h: &mut String, cams: &[&HostReport], input: &ReportInput, lang: Lang) {
    let _ = write!(
        h,
        "<table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        esc(t(lang, "ip")),
        esc(t(lang, "vendor")),
        esc(t(lang, "model")),
        esc(t(lang, "firmware")),
        esc(t(lang, "findings")),
        esc(t(lang, "worst"))
    );
    for d in cams {
        let id = &d.identity;
        let vendor = match (&id.vendor, &id.brand) {
            (Some(v), Some(b)) if v != b => format!("{} ({})", esc(v), esc(b)),
            _ => opt(lang, &id.vendor),
        };
        let worst = d
            .worst()
            .map(|f| {
                let (title, _, _) = texts(lang, f, input.checks.get(&f.check));
                format!("{} {}", sev_badge(lang, f.severity), esc(title))
            })
            .unwrap_or_else(|| esc(t(lang, "no_finding")));
        let _ = write!(
            h,
            "<tr><td><a href=\"#d-{ip}\">{ip}</a></td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            vendor,
            opt(lang, &id.model),
            opt(lang, &id.firmware),
            d.findings.len(),
            worst,
            ip = d.ip
        );
    }
    h.push_str("</table>");
}

fn device(h: &mut String, d: &HostReport, input: &ReportInput, lang: Lang) {
    let id = &d.identity;
    let _ = write!(
        h,
        "<div class=\"device\" id=\"d-{ip}\"><h3>{ip} — {} {}</h3><table>",
        opt(lang, &id.vendor),
        opt(lang, &id.model),
        ip = d.ip
    );
    for (k, v) in [
        ("brand", &id.brand),
        ("firmware", &id.firmware),
        ("serial", &id.serial),
        ("mac", &id.mac),
    ] {
        if v.is_some() {
            let _ = write!(
                h,
                "<tr><th>{}</th><td>{}</td></tr>",
                esc(t(lang, k)),
                opt(lang, v)
            );
        }
    }
    let ports: Vec<String> = d
        .ports
        .iter()
        .map(|p| {
            format!(
                "{}/{}{}",
                p.port,
                p.service,
                if p.tls { "+tls" } else { "" }
            )
        })
        .collect();
    let _ = write!(
        h,
        "<tr><th>{}</th><td>{}</td></tr><tr><th>{}</th><td>{}</td></tr></table>",
        esc(t(lang, "open_ports")),
        esc(&ports.join(", ")),
        esc(t(lang, "identified_by")),
        esc(&id.identified_by.join(", "))
    );
    for f in &d.findings {
        let (title, why, fix) = texts(lang, f, input.checks.get(&f.check));
        let _ = write!(
            h,
            "<div class=\"finding\"><p>{} <strong>{}</strong> <span class=\"muted\">({}{})</span></p>",
            sev_badge(lang, f.severity),
            esc(title),
            esc(&f.check),
            f.port
                .map(|p| format!(", {} {p}", t(lang, "port")))
                .unwrap_or_default()
        );
        let _ = write!(
            h,
            "<p><strong>{}:</strong> <span class=\"ev\">{}</span></p>",
            esc(t(lang, "evidence")),
            esc(&f.evidence)
        );
        if !why.is_empty() {
            let _ = write!(
                h,
                "<p><strong>{}:</strong> {}</p>",
                esc(t(lang, "why")),
                esc(why)
            );
        }
        if !fix.is_empty() {
            let _ = write!(
                h,
                "<p><strong>{}:</strong> {}</p>",
                esc(t(lang, "fix")),
                esc(fix)
            );
        }
        if !f.cve.is_empty() {
            let _ = write!(
                h,
                "<p><strong>{}:</strong> {}</p>",
                esc(t(lang, "cve")),
                esc(&f.cve.join(", "))
            );
        }
        if !f.requirements.is_empty() {
            let _ = write!(
                h,
                "<p><strong>{}:</strong> <code>{}</code></p>",
                esc(t(lang, "requirements")),
                esc(&f.requirements.join(", "))
            );
        }
        h.push_str("</div>");
    }
    h.push_str("</div>");
}

#[cfg(test)]
mod tests {
    use super::*;
    use camwarden_core::model::*;

    fn input(hostile_title: &str) -> ReportInput {
        let mut host = HostReport {
            ip: "127.0.0.5".parse().unwrap(),
            ports: vec![],
            identity: Identity {
                camera: true,
                vendor: Some("hikvision".into()),
                model: Some(hostile_title.into()),
                ..Identity::default()
            },
            facts: vec![],
            findings: vec![],
            checks_ran: vec![],
            credentialed: Default::default(),
        };
        host.findings.push(Finding {
            ip: "127.0.0.5".into(),
            port: Some(80),
            check: "default-credential-http".into(),
            category: Category::DefaultCredential,
            protocol: Some("http".into()),
            service: None,
            cve: vec![],
            severity: Severity::Critical,
            requirements: vec!["QCVN135:2024/2.1.1".into()],
            title: "Default credential".into(),
            evidence: format!("banner {hostile_title}"),
        });
        ReportInput {
            meta: ScanMeta {
                id: "0190-test".into(),
                started_at: "2026-11-22T10:00:00Z".into(),
                operator: "tester".into(),
                authorization: String::new(),
                scope: vec!["127.0.0.0/24".into()],
                excluded: vec![],
                tool_version: "0.1.0".into(),
                org_unit: None,
                options_json: "{}".into(),
            },
            hosts: vec![host],
            summary: SummaryLine {
                kind: "summary".into(),
                schema: 1,
                targets: 256,
                hosts_up: 1,
                cameras: 1,
                findings: 1,
                duration_s: 1.0,
                scope: vec![],
                excluded: vec![],
            },
            checks: Default::default(),
            diff: None,
        }
    }

    #[test]
    fn escapes_hostile_strings() {
        let html = render(&input("<script>alert(1)</script>"), Lang::Vi);
        assert!(!html.contains("<script>"));
        assert!(html.contains("&lt;script&gt;"));
    }

    #[test]
    fn vietnamese_by_default_english_on_request() {
        let vi = render(&input("DS-2CD2032-I"), Lang::Vi);
        assert!(vi.contains("lang=\"vi\""));
        assert!(vi.contains("Báo cáo rà soát"));
        assert!(vi.contains("Nghiêm trọng"));
        let en = render(&input("DS-2CD2032-I"), Lang::En);
        assert!(en.contains("lang=\"en\""));
        assert!(en.contains("Surveillance camera security audit report"));
    }

    #[test]
    fn self_contained() {
        let html = render(&input("DS-2CD2032-I"), Lang::En);
        assert!(!html.contains("src=\"http"));
        assert!(!html.contains("href=\"http"));
        assert!(!html.contains("<script"));
    }
}
