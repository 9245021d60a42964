//! The terminal table of cameras and recorders.

use crate::i18n::{Lang, severity, t};
use camwarden_core::model::{CheckDef, HostReport};
use camwarden_core::redact::{clip, printable};
use comfy_table::{ContentArrangement, Table, presets::UTF8_FULL_CONDENSED};
use std::collections::HashMap;

/// Cameras (and recorders) with vendor, model, firmware and worst finding.
pub fn render(hosts: &[HostReport], checks: &HashMap<String, CheckDef>, lang: Lang) -> String {
    let cams: Vec<&HostReport> = hosts.iter().filter(|h| h.identity.camera).collect();
    if cams.is_empty() {
        return t(lang, "no_cameras").to_string();
    }
    let mut table = Table::new();
    table
        .load_preset(UTF8_FULL_CONDENSED)
        .set_content_arrangement(ContentArrangement::Dynamic)
        .set_header(vec![
            t(lang, "ip"),
            t(lang, "vendor"),
            t(lang, "model"),
            t(lang, "firmware"),
            t(lang, "findings"),
            t(lang, "worst"),
        ]);
    let cell = |v: &Option<String>| {
        v.as_deref()
            .map(|s| clip(&printable(s), 32))
            .unwrap_or_else(|| "-".into())
    };
    for h in cams {
        let id = &h.identity;
        let vendor = match (&id.vendor, &id.brand) {
            (Some(v), Some(b)) if b != v => format!("{v} ({b})"),
            (Some(v), _) => v.clone(),
            (None, Some(b)) => b.clone(),
            (None, None) => "-".into(),
        };
        let worst = h
            .worst()
            .map(|f| {
                let title = match (checks.get(&f.check), lang) {
                    (Some(d), Lang::Vi) => d.title_vi.as_str(),
                    (Some(d), Lang::En) => d.title_en.as_str(),
                    (None, _) => f.title.as_str(),
                };
                format!("{}: {}", severity(lang, f.severity), clip(title, 48))
            })
            .unwrap_or_else(|| t(lang, "no_finding").to_string());
        table.add_row(vec![
            h.ip.to_string(),
            vendor,
            cell(&id.model),
            cell(&id.firmware),
            h.findings.len().to_string(),
            worst,
        ]);
    }
    table.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use camwarden_core::model::*;

    #[test]
    fn lists_cameras_and_strips_control_characters() {
        let h = HostReport {
            ip: "127.0.0.9".parse().unwrap(),
            ports: vec![],
            identity: Identity {
                camera: true,
                vendor: Some("dahua".into()),
                model: Some("IPC\x1b[31m-HDW".into()),
                ..Identity::default()
            },
            facts: vec![],
            findings: vec![],
            checks_ran: vec![],
            credentialed: Default::default(),
        };
        let s = render(&[h], &HashMap::new(), Lang::En);
        assert!(s.contains("127.0.0.9"));
        assert!(s.contains("dahua"));
        assert!(!s.contains('\x1b'));
        assert!(s.contains("No weakness found"));
    }

    #[test]
    fn no_cameras_message() {
        assert_eq!(
            render(&[], &HashMap::new(), Lang::Vi),
            "Không tìm thấy camera hoặc đầu ghi nào."
        );
    }
}
