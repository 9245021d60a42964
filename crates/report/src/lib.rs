//! Reports: the JSON Lines stream of the public contract, the terminal table, and one
//! self-contained HTML file per scan, in Vietnamese (default) or English.
//!
//! Everything a device sent (banners, titles, evidence) is attacker-controlled: the HTML writer
//! escapes every such string, and the terminal table strips control characters.

pub mod conformity;
pub mod html;
pub mod i18n;
pub mod jsonl;
pub mod table;

use camwarden_core::model::{CheckDef, HostReport, ScanDiff, ScanMeta, SummaryLine};
use std::collections::HashMap;

pub use i18n::Lang;

/// Everything a report shows.
#[derive(Debug, Clone)]
pub struct ReportInput {
    pub meta: ScanMeta,
    pub hosts: Vec<HostReport>,
    pub summary: SummaryLine,
    pub checks: HashMap<String, CheckDef>,
    pub diff: Option<ScanDiff>,
}
