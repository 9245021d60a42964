//! The model catalog: which camera models have a declared or certified conformity record, and
//! which an authority warned against. Directive 23/CT-TTg §1(c) tells agencies to use only
//! compliant cameras and none under an official warning, so every device is flagged against it.
//!
//! Why CSV: the lists come from authorities and labs as spreadsheets; an officer can paste rows in
//! without learning TOML. The parser is a small RFC 4180 reader (quoted fields, doubled quotes,
//! CRLF) plus `#` comment lines, so the data files can carry their own caveats. Columns are found
//! by header name, so extra columns are allowed and order does not matter.
//!
//! Lookups are by normalised vendor and model: lower case, letters and digits only, because the
//! same model is written `DS-2CD2032-I`, `DS2CD2032I` and `ds-2cd2032-i` by banners, labels and
//! certificates. A model ending in `*` covers a series (warnings are often issued per series).

use crate::{Error, Result};
use jiff::civil::Date;
use serde::{Deserialize, Serialize};

/// What a catalog row says about a model.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ConformityStatus {
    /// A certification body issued a certificate of conformity (chứng nhận hợp quy).
    Certified,
    /// The maker or importer registered a declaration of conformity (công bố hợp quy).
    Declared,
    /// An authority warned against using it.
    Warned,
}

/// One catalog row.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CatalogEntry {
    pub vendor: String,
    /// Exact model, or a series prefix ending in `*`.
    pub model: String,
    pub status: ConformityStatus,
    pub certificate: Option<String>,
    pub issuer: Option<String>,
    pub date: Option<Date>,
    /// Where the row comes from (URL or document number). Required: no unsourced rows.
    pub source: String,
    pub note: Option<String>,
}

/// The flag a device gets from the catalog.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "flag", content = "entries", rename_all = "kebab-case")]
pub enum CatalogFlag {
    /// At least one warning covers the model; warnings win over conformity records.
    Warned(Vec<CatalogEntry>),
    /// No row matches (also when the model is unknown).
    NoConformityRecord,
    /// Certified or declared rows for the model.
    Conforms(Vec<CatalogEntry>),
}

/// Lower-case letters and digits only (Unicode letters kept, so Vietnamese names survive).
pub fn normalise(s: &str) -> String {
    s.chars()
        .filter(|c| c.is_alphanumeric())
        .flat_map(char::to_lowercase)
        .collect()
}

/// Parse CSV text into records (without the header handling). Lines starting with `#` outside a
/// quoted field are comments; blank lines are skipped.
fn parse_csv(text: &str) -> Result<Vec<(usize, Vec<String>)>> {
    let mut records = Vec::new();
    let mut chars = text.trim_start_matches('\u{feff}').chars().peekable();
    let mut line = 1usize;
    let mut field = String::new();
    let mut record: Vec<String> = Vec::new();
    let mut at_line_start = true;
    let mut record_line = 1usize;
    while let Some(c) = chars.next() {
        if at_line_start {
            record_line = line;
            if c == '#' {
                for c in chars.by_ref() {
                    if c == '\n' {
                        break;
                    }
                }
                line += 1;
                continue;
            }
            if c == '\n' || c == '\r' {
                if c == '\n' {
                    line += 1;
                }
                continue;
            }
            at_line_start = false;
        }
        match c {
            '"' if field.is_empty() => {
                // Quoted field: read to the closing quote; `""` is a literal quote.
                loop {
                    match chars.next() {
                        Some('"') if chars.peek() == Some(&'"') => {
                            chars.next();
                            field.push('"');
                        }
                        Some('"') => break,
                        Some(ch) => {
                            if ch == '\n' {
                                line += 1;
                            }
                            field.push(ch);
                        }
                        None => {
                            return Err(Error::invalid(format!(
                                "catalog CSV line {record_line}: unterminated quoted field"
                            )));
                        }
                    }
                }
                match chars.peek() {
                    None | Some(',') | Some('\n') | Some('\r') => {}
                    Some(_) => {
                        return Err(Error::invalid(format!(
                            "catalog CSV line {line}: text after a closing quote"
                        )));
                    }
                }
            }
            ',' => record.push(std::mem::take(&mut field)),
            '\r' if chars.peek() == Some(&'\n') => {}
            '\n' | '\r' => {
                record.push(std::mem::take(&mut field));
                records.push((record_line, std::mem::take(&mut record)));
                line += 1;
                at_line_start = true;
            }
            ch => field.push(ch),
        }
    }
    if !at_line_start {
        record.push(field);
        records.push((record_line, record));
    }
    Ok(records)
}

/// A set of catalog rows.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Catalog {
    entries: Vec<CatalogEntry>,
}

impl Catalog {
    /// Import rows from CSV with a header naming at least `vendor`, `model`, `status` and
    /// `source`; `certificate`, `issuer`, `date` (YYYY-MM-DD) and `note` are optional columns.
    pub fn from_csv(text: &str) -> Result<Catalog> {
        let mut records = parse_csv(text)?.into_iter();
        let Some((_, header)) = records.next() else {
            return Ok(Catalog::default());
        };
        let header: Vec<String> = header.iter().map(|h| h.trim().to_lowercase()).collect();
        let col = |name: &str| header.iter().position(|h| h == name);
        let need = |name: &str| {
            col(name).ok_or_else(|| Error::invalid(format!("catalog CSV: no `{name}` column")))
        };
        let (vendor, model, status, source) = (
            need("vendor")?,
            need("model")?,
            need("status")?,
            need("source")?,
        );
        let (certificate, issuer, date, note) =
            (col("certificate"), col("issuer"), col("date"), col("note"));
        let mut entries = Vec::new();
        for (line, rec) in records {
            let fail = |msg: String| Error::invalid(format!("catalog CSV line {line}: {msg}"));
            if rec.len() != header.len() {
                return Err(fail(format!(
                    "{} fields, header has {}",
                    rec.len(),
                    header.len()
                )));
            }
            let get = |i: usize| rec[i].trim().to_string();
            let opt = |i: Option<usize>| i.map(get).filter(|s| !s.is_empty());
            let status = match get(status).to_lowercase().as_str() {
                "certified" => ConformityStatus::Certified,
                "declared" => ConformityStatus::Declared,
                "warned" => ConformityStatus::Warned,
                other => {
                    return Err(fail(format!(
                        "status `{other}` (certified|declared|warned)"
                    )));
                }
            };
            let date = match opt(date) {
                Some(d) => Some(
                    d.parse::<Date>()
                        .map_err(|e| fail(format!("date `{d}`: {e}")))?,
                ),
                None => None,
            };
            let entry = CatalogEntry {
                vendor: get(vendor),
                model: get(model),
                status,
                certificate: opt(certificate),
                issuer: opt(issuer),
                date,
                source: get(source),
                note: opt(note),
            };
            if normalise(&entry.vendor).is_empty() || normalise(&entry.model).is_empty() {
                return Err(fail("vendor and model are required".into()));
            }
            if entry.source.is_empty() {
                return Err(fail("source is required".into()));
            }
            if entry.model.trim_end_matches('*').contains('*') {
                return Err(fail("`*` is allowed only at the end of a model".into()));
            }
            entries.push(entry);
        }
        Ok(Catalog { entries })
    }

    /// The catalog shipped in the binary (`data/catalog/models.csv` and `warnings.csv`).
    pub fn builtin() -> Catalog {
        let mut c = Catalog::default();
        for (name, text) in [
            (
                "models.csv",
                include_str!("../../../../data/catalog/models.csv"),
            ),
            (
                "warnings.csv",
                include_str!("../../../../data/catalog/warnings.csv"),
            ),
        ] {
            let part = Catalog::from_csv(text)
                .unwrap_or_else(|e| panic!("embedded data/catalog/{name} is invalid: {e}"));
            c.extend(part);
        }
        c
    }

    /// Add another catalog's rows (e.g. a run-time file after the built-in one).
    pub fn extend(&mut self, other: Catalog) {
        self.entries.extend(other.entries);
    }

    pub fn entries(&self) -> &[CatalogEntry] {
        &self.entries
    }

    /// Rows covering this vendor and model: exact model rows and series rows whose prefix matches.
    pub fn lookup(&self, vendor: &str, model: &str) -> Vec<&CatalogEntry> {
        let (v, m) = (normalise(vendor), normalise(model));
        if v.is_empty() || m.is_empty() {
            return Vec::new();
        }
        self.entries
            .iter()
            .filter(|e| normalise(&e.vendor) == v)
            .filter(|e| match e.model.trim().strip_suffix('*') {
                Some(prefix) => m.starts_with(&normalise(prefix)),
                None => normalise(&e.model) == m,
            })
            .collect()
    }

    /// The device flag for a vendor and model.
    pub fn flag(&self, vendor: &str, model: &str) -> CatalogFlag {
        let rows = self.lookup(vendor, model);
        let of = |s: &[ConformityStatus]| -> Vec<CatalogEntry> {
            rows.iter()
                .filter(|e| s.contains(&e.status))
                .map(|e| (*e).clone())
                .collect()
        };
        let warned = of(&[ConformityStatus::Warned]);
        if !warned.is_empty() {
            return CatalogFlag::Warned(warned);
        }
        let ok = of(&[ConformityStatus::Certified, ConformityStatus::Declared]);
        if ok.is_empty() {
            CatalogFlag::NoConformityRecord
        } else {
            CatalogFlag::Conforms(ok)
        }
    }
}
