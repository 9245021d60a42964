//! Judging hosts against framework catalogs with the documents on record, shared by
//! `camwarden audit` (fresh scan) and `camwarden judge` (stored scan, no re-scan).

use camwarden_core::frameworks::{self, Catalog, DocumentRef, Framework, JudgeInput};
use camwarden_core::model::{HostReport, ScanMeta};
use camwarden_report::conformity::{ConformityInput, DeviceSheet};
use camwarden_store::DocumentRecord;
use std::collections::BTreeMap;

/// Frameworks named on the command line (`qcvn135:2024`, `QCVN11`, `qd724`…); all Vietnamese
/// instruments when none is named.
pub fn select(names: &[String]) -> anyhow::Result<Vec<Framework>> {
    let all = frameworks::builtin();
    if names.is_empty() {
        return Ok(all
            .into_iter()
            .filter(|f| !f.id().starts_with("EN303645"))
            .collect());
    }
    let norm = |s: &str| s.to_ascii_lowercase().replace([' ', '/', '-'], "");
    let mut out = Vec::new();
    for n in names {
        let want = norm(n);
        let found: Vec<&Framework> = all
            .iter()
            .filter(|f| {
                let id = norm(f.id());
                id == want || id.split(':').next() == Some(want.as_str())
            })
            .collect();
        match found.as_slice() {
            [one] => out.push((*one).clone()),
            _ => {
                let ids: Vec<&str> = all.iter().map(|f| f.id()).collect();
                return Err(camwarden_core::Error::invalid(format!(
                    "unknown framework {n:?}; known: {}",
                    ids.join(", ")
                ))
                .into());
            }
        }
    }
    Ok(out)
}

/// Build the conformity report input for `hosts` (cameras only).
/// The built-in model catalog, extended with the operator's CSV files (same columns as
/// `data/catalog/models.csv`).
pub fn catalog(extra: &[std::path::PathBuf]) -> anyhow::Result<Catalog> {
    use anyhow::Context as _;
    let mut c = Catalog::builtin();
    for p in extra {
        let text =
            std::fs::read_to_string(p).with_context(|| format!("reading {}", p.display()))?;
        c.extend(Catalog::from_csv(&text).with_context(|| format!("catalog {}", p.display()))?);
    }
    Ok(c)
}

/// Build the conformity report input for `hosts` (cameras only).
pub fn build(
    meta: ScanMeta,
    hosts: &[HostReport],
    fws: Vec<Framework>,
    docs: &[DocumentRecord],
    catalog: &Catalog,
) -> ConformityInput {
    let mut devices = Vec::new();
    for h in hosts.iter().filter(|h| h.identity.camera) {
        let mut input = JudgeInput::from_host(h, h.checks_ran.iter().cloned());
        let audited = h.credentialed.get("authenticated").map(String::as_str) == Some("true");
        if audited {
            input.credentialed = Some(h.credentialed.clone());
        }
        let mut by_key: BTreeMap<String, Vec<DocumentRef>> = BTreeMap::new();
        for d in docs.iter().filter(|d| {
            d.covers(
                h.identity.vendor.as_deref(),
                h.identity.model.as_deref(),
                &input.device,
            )
        }) {
            let key = d
                .requirement
                .clone()
                .or_else(|| d.kind.clone())
                .unwrap_or_default();
            if let Ok(r) = DocumentRef::new(&d.reference, &d.sha256, &d.added_by) {
                by_key.entry(key).or_default().push(r);
            }
        }
        input.documents = by_key;
        let conformity = fws.iter().map(|f| frameworks::judge(f, &input)).collect();
        let flag = catalog.flag(
            h.identity.vendor.as_deref().unwrap_or(""),
            h.identity.model.as_deref().unwrap_or(""),
        );
        devices.push(DeviceSheet {
            host: h.clone(),
            audited,
            catalog: flag,
            conformity,
        });
    }
    let fleet = fws
        .iter()
        .map(|f| {
            let per: Vec<_> = devices
                .iter()
                .filter_map(|d| d.conformity.iter().find(|c| c.framework == f.id()).cloned())
                .collect();
            frameworks::fleet_summary(f, &per)
        })
        .collect();
    ConformityInput {
        meta,
        frameworks: fws,
        devices,
        fleet,
    }
}

/// Write the HTML and JSON reports and print a short summary.
pub fn output(
    input: &ConformityInput,
    html: Option<&std::path::Path>,
    json: Option<&std::path::Path>,
    lang: camwarden_report::Lang,
) -> anyhow::Result<()> {
    use anyhow::Context as _;
    use std::io::Write as _;
    if let Some(p) = html {
        std::fs::write(p, camwarden_report::conformity::render_html(input, lang))
            .with_context(|| format!("writing {}", p.display()))?;
    }
    if let Some(p) = json {
        std::fs::write(
            p,
            serde_json::to_string_pretty(&camwarden_report::conformity::to_json(input))?,
        )
        .with_context(|| format!("writing {}", p.display()))?;
    }
    let mut out = std::io::stdout().lock();
    for f in &input.fleet {
        let (mut pass, mut fail, mut nd, mut doc) = (0, 0, 0, 0);
        for r in &f.requirements {
            pass += r.counts.pass;
            fail += r.counts.fail;
            nd += r.counts.not_determinable_remotely;
            doc += r.counts.needs_document;
        }
        writeln!(
            out,
            "{:<14} {} devices, {} failing at least one requirement; verdicts: {pass} pass, {fail} fail, {nd} not determinable remotely, {doc} need a document",
            f.framework, f.devices, f.devices_failing
        )?;
    }
    Ok(())
}
