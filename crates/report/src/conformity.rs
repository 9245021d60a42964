//! Conformity reports: each device judged requirement by requirement, and the fleet's
//! compliance per requirement with QCVN 135:2024 and QCVN 11:2026/BCA side by side. HTML (one
//! self-contained file, vi/en) and JSON (the same content, for other tools).

use crate::i18n::{Lang, t};
use camwarden_core::frameworks::{
    CatalogFlag, DeviceConformity, FleetSummary, Framework, TrailItem, Verdict,
};
use camwarden_core::model::{HostReport, ScanMeta};
use serde::Serialize;
use std::fmt::Write as _;

/// One device's sheet.
#[derive(Debug, Clone, Serialize)]
pub struct DeviceSheet {
    pub host: HostReport,
    /// A credentialed audit read the device's settings.
    pub audited: bool,
    pub catalog: CatalogFlag,
    pub conformity: Vec<DeviceConformity>,
}

/// Everything the conformity report shows.
#[derive(Debug, Clone, Serialize)]
pub struct ConformityInput {
    pub meta: ScanMeta,
    pub frameworks: Vec<Framework>,
    pub devices: Vec<DeviceSheet>,
    pub fleet: Vec<FleetSummary>,
}

fn esc(s: &str) -> String {
    html_escape::encode_text(s).into_owned()
}

fn verdict_label(lang: Lang, v: Verdict) -> (&'static str, &'static str) {
    let (key, class) = match v {
        Verdict::Pass => ("v_pass", "pass"),
        Verdict::Fail => ("v_fail", "fail"),
        Verdict::NotDeterminableRemotely => ("v_nd", "nd"),
        Verdict::NeedsDocument => ("v_doc", "doc"),
    };
    (crate::i18n::t_static(lang, key), class)
}

/// One line per trail item, for people.
pub fn describe(item: &TrailItem) -> String {
    match item {
        TrailItem::Finding { check, port, title } => format!(
            "finding {check}{}: {title}",
            port.map(|p| format!(" (port {p})")).unwrap_or_default()
        ),
        TrailItem::CheckRan { check } => format!("check {check} ran, nothing found"),
        TrailItem::CheckNotRun { pattern } => format!("no check {pattern} ran"),
        TrailItem::Fact {
            key,
            value,
            credentialed,
        } => {
            format!(
                "{}{key} = {value}",
                if *credentialed { "credentialed " } else { "" }
            )
        }
        TrailItem::FactMissing {
            key,
            expected,
            credentialed,
        } => format!(
            "{}{key} not known{}",
            if *credentialed { "credentialed " } else { "" },
            expected
                .as_ref()
                .map(|e| format!(" (needs {e})"))
                .unwrap_or_default()
        ),
        TrailItem::NoCredentialedAudit => "needs a credentialed audit".into(),
        TrailItem::Document {
            key,
            reference,
            sha256,
            added_by,
        } => {
            format!(
                "document {reference} for {key} (sha256 {}…, added by {added_by})",
                &sha256[..sha256.len().min(12)]
            )
        }
        TrailItem::DocumentMissing { kinds } => format!("document needed: {}", kinds.join(", ")),
        TrailItem::Method { method } => format!("method: {}", method.as_str()),
    }
}

/// What would settle an undetermined requirement.
fn settle(items: &[TrailItem]) -> String {
    let mut out = Vec::new();
    for i in items {
        match i {
            TrailItem::DocumentMissing { kinds } => out.push(kinds.join(" / ")),
            TrailItem::NoCredentialedAudit => out.push("credentialed audit".into()),
            TrailItem::FactMissing { key, .. } => out.push(key.clone()),
            TrailItem::CheckNotRun { pattern } => out.push(format!("check {pattern}")),
            _ => {}
        }
    }
    out.dedup();
    out.join("; ")
}

const CSS: &str = r#"
body{font-family:"Noto Sans","DejaVu Sans",Arial,sans-serif;margin:2rem auto;max-width:78rem;color:#1b1f24;line-height:1.4}
h1{font-size:1.6rem;border-bottom:3px solid #1d3557;padding-bottom:.3rem}h2{font-size:1.25rem;margin-top:2rem}
table{border-collapse:collapse;width:100%;margin:.5rem 0}th,td{border:1px solid #d0d7de;padding:.25rem .45rem;font-size:.85rem;vertical-align:top;text-align:left}
th{background:#f3f4f6}.v{display:inline-block;padding:0 .4rem;border-radius:.3rem;color:#fff;font-size:.78rem;white-space:nowrap}
.pass{background:#2a9d8f}.fail{background:#c1121f}.nd{background:#6c757d}.doc{background:#e09f3e}
.device{border:1px solid #d0d7de;border-radius:.4rem;padding:.4rem 1rem;margin:1rem 0;page-break-inside:avoid}.muted{color:#57606a}
"#;

fn req_title<'a>(fw: &'a Framework, id: &str, lang: Lang) -> &'a str {
    fw.requirement(id)
        .map(|r| match lang {
            Lang::Vi => r.title_vi.as_str(),
            Lang::En => r.title_en.as_str(),
        })
        .unwrap_or("")
}

fn counts_cell(c: &camwarden_core::frameworks::VerdictCounts) -> String {
    format!(
        "<span class=\"v pass\">{}</span> <span class=\"v fail\">{}</span> <span class=\"v nd\">{}</span> <span class=\"v doc\">{}</span>",
        c.pass, c.fail, c.not_determinable_remotely, c.needs_document
    )
}

/// The HTML report.
pub fn render_html(input: &ConformityInput, lang: Lang) -> String {
    let mut h = String::with_capacity(128 * 1024);
    let _ = write!(
        h,
        "<!DOCTYPE html>\n<html lang=\"{}\"><head><meta charset=\"utf-8\"><title>{}</title><style>{CSS}</style></head><body><h1>{}</h1>",
        lang.code(),
        esc(t(lang, "conf_title")),
        esc(t(lang, "conf_title"))
    );
    let m = &input.meta;
    let _ = write!(
        h,
        "<p class=\"muted\">{}: <code>{}</code> · {}: {} · {}: {} · {}: {}</p>",
        esc(t(lang, "scan_id")),
        esc(&m.id),
        esc(t(lang, "started")),
        esc(&m.started_at),
        esc(t(lang, "operator")),
        esc(&m.operator),
        esc(t(lang, "scope")),
        esc(&m.scope.join(", "))
    );
    // Fleet: QCVN 135 and QCVN 11 side by side, paired by requirement number.
    let _ = write!(
        h,
        "<h2>{}</h2><p class=\"muted\"><span class=\"v pass\">{}</span> <span class=\"v fail\">{}</span> <span class=\"v nd\">{}</span> <span class=\"v doc\">{}</span></p>",
        esc(t(lang, "conf_fleet")),
        esc(verdict_label(lang, Verdict::Pass).0),
        esc(verdict_label(lang, Verdict::Fail).0),
        esc(verdict_label(lang, Verdict::NotDeterminableRemotely).0),
        esc(verdict_label(lang, Verdict::NeedsDocument).0)
    );
    let by_id = |id: &str| input.fleet.iter().find(|f| f.framework == id);
    let q135 = input.frameworks.iter().find(|f| f.id() == "QCVN135:2024");
    let q11 = input.frameworks.iter().find(|f| f.id() == "QCVN11:2026");
    if let (Some(a), Some(b)) = (q135, q11) {
        let _ = write!(
            h,
            "<table><tr><th>#</th><th>{}</th><th>QCVN 135:2024/BTTTT</th><th>QCVN 11:2026/BCA</th></tr>",
            esc(t(lang, "conf_requirement"))
        );
        let mut numbers: Vec<String> = a
            .requirements
            .iter()
            .map(|r| r.id.split('/').nth(1).unwrap_or("").to_string())
            .collect();
        for r in &b.requirements {
            let n = r.id.split('/').nth(1).unwrap_or("").to_string();
            if !numbers.contains(&n) {
                numbers.push(n);
            }
        }
        for n in numbers {
            let ia = format!("{}/{n}", a.id());
            let ib = format!("{}/{n}", b.id());
            let title = if a.requirement(&ia).is_some() {
                req_title(a, &ia, lang)
            } else {
                req_title(b, &ib, lang)
            };
            let cell = |fw: &str, id: &str| {
                by_id(fw)
                    .and_then(|s| s.requirements.iter().find(|r| r.requirement == id))
                    .map(|r| counts_cell(&r.counts))
                    .unwrap_or_else(|| "–".into())
            };
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(&n),
                esc(title),
                cell(a.id(), &ia),
                cell(b.id(), &ib)
            );
        }
        h.push_str("</table>");
    }
    for f in &input.fleet {
        if f.framework == "QCVN135:2024" || f.framework == "QCVN11:2026" {
            continue;
        }
        let _ = write!(
            h,
            "<h2>{}</h2><table><tr><th>{}</th><th></th></tr>",
            esc(&f.framework),
            esc(t(lang, "conf_requirement"))
        );
        let fw = input.frameworks.iter().find(|x| x.id() == f.framework);
        for r in &f.requirements {
            let title = fw
                .map(|fw| req_title(fw, &r.requirement, lang))
                .unwrap_or("");
            let _ = write!(
                h,
                "<tr><td>{} {}</td><td>{}</td></tr>",
                esc(&r.requirement),
                esc(title),
                counts_cell(&r.counts)
            );
        }
        h.push_str("</table>");
    }
    // Per model.
    let _ = write!(
        h,
        "<h2>{}</h2><table><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
        esc(t(lang, "conf_models")),
        esc(t(lang, "vendor")),
        esc(t(lang, "model")),
        esc(t(lang, "conf_devices_count")),
        esc(t(lang, "conf_failing"))
    );
    if let Some(f) = by_id("QCVN11:2026").or(input.fleet.first()) {
        for m in &f.models {
            let _ = write!(
                h,
                "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
                esc(m.vendor.as_deref().unwrap_or("?")),
                esc(m.model.as_deref().unwrap_or("?")),
                m.devices,
                m.devices_failing
            );
        }
    }
    h.push_str("</table>");
    // Devices.
    let _ = write!(h, "<h2>{}</h2>", esc(t(lang, "conf_devices")));
    for d in &input.devices {
        let id = &d.host.identity;
        let catalog = match &d.catalog {
            CatalogFlag::Warned(_) => t(lang, "conf_warned"),
            CatalogFlag::NoConformityRecord => t(lang, "conf_no_record"),
            CatalogFlag::Conforms(_) => t(lang, "conf_conforms"),
        };
        let _ = write!(
            h,
            "<div class=\"device\"><h3>{} — {} {}</h3><p>{}: {} · {}: {} · {}: {}</p>",
            d.host.ip,
            esc(id.vendor.as_deref().unwrap_or("?")),
            esc(id.model.as_deref().unwrap_or("")),
            esc(t(lang, "firmware")),
            esc(id.firmware.as_deref().unwrap_or("?")),
            esc(t(lang, "conf_audited")),
            esc(t(lang, if d.audited { "yes" } else { "no" })),
            esc(t(lang, "conf_catalog")),
            esc(catalog)
        );
        for c in &d.conformity {
            let fw = input.frameworks.iter().find(|f| f.id() == c.framework);
            let _ = write!(
                h,
                "<table><tr><th colspan=\"4\">{} (rev. {})</th></tr><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr>",
                esc(&c.framework),
                c.framework_revision,
                esc(t(lang, "conf_requirement")),
                esc(t(lang, "conf_verdict")),
                esc(t(lang, "conf_trail")),
                esc(t(lang, "conf_settle"))
            );
            for v in &c.verdicts {
                let (label, class) = verdict_label(lang, v.verdict);
                let title = fw
                    .map(|fw| req_title(fw, &v.requirement, lang))
                    .unwrap_or("");
                let trail: Vec<String> = v.trail.iter().map(describe).collect();
                let settle = if matches!(
                    v.verdict,
                    Verdict::NeedsDocument | Verdict::NotDeterminableRemotely
                ) {
                    settle(&v.trail)
                } else {
                    String::new()
                };
                let _ = write!(
                    h,
                    "<tr><td>{} {}</td><td><span class=\"v {class}\">{}</span></td><td>{}</td><td>{}</td></tr>",
                    esc(&v.requirement),
                    esc(title),
                    esc(label),
                    esc(&trail.join("; ")),
                    esc(&settle)
                );
            }
            h.push_str("</table>");
        }
        h.push_str("</div>");
    }
    let _ = writeln!(
        h,
        "<footer class=\"muted\">{}</footer></body></html>",
        esc(t(lang, "footer"))
    );
    h
}

/// The JSON report (schema 1).
pub fn to_json(input: &ConformityInput) -> serde_json::Value {
    serde_json::json!({
        "schema": 1,
        "type": "conformity",
        "scan": input.meta,
        "frameworks": input.frameworks.iter().map(|f| serde_json::json!({"id": f.id()})).collect::<Vec<_>>(),
        "fleet": input.fleet,
        "devices": input.devices.iter().map(|d| serde_json::json!({
            "ip": d.host.ip.to_string(),
            "vendor": d.host.identity.vendor,
            "model": d.host.identity.model,
            "firmware": d.host.identity.firmware,
            "audited": d.audited,
            "catalog": d.catalog,
            "conformity": d.conformity,
        })).collect::<Vec<_>>(),
    })
}
