//! Storage. Callers use the [`Store`] trait; [`SqliteStore`] is the embedded default.
//!
//! The SQLite store keeps one connection behind a mutex: SQLite allows one writer at a time
//! anyway, WAL mode lets other processes read meanwhile, and a scan writes in batches (one
//! transaction per batch of hosts), so a single serialised writer is both the simplest and the
//! fastest arrangement (the same choice as Moonfire NVR). A PostgreSQL implementation for
//! multi-machine sweeps implements the same trait and runs the same contract suite
//! ([`testing::contract_suite`]).
//!
//! Devices are recognised across scans by serial number, then MAC address, then ONVIF UUID, and
//! only then by IP address (with a compatible vendor), so a camera that moved keeps its history.
//! No secret is ever stored: findings' evidence is redacted before it reaches the store, and the
//! schema has no credential column.

mod schema;
mod sqlite;
pub mod testing;

use camwarden_core::model::{HostReport, ScanDiff, ScanMeta, SummaryLine};
pub use sqlite::SqliteStore;
use std::fmt;

/// Storage errors, with kinds mapped onto the core kinds.
#[derive(Debug)]
pub struct Error {
    pub kind: camwarden_core::ErrorKind,
    pub msg: String,
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "store: {}", self.msg)
    }
}

impl std::error::Error for Error {}

impl From<rusqlite::Error> for Error {
    fn from(e: rusqlite::Error) -> Self {
        use camwarden_core::ErrorKind as K;
        let kind = match &e {
            rusqlite::Error::SqliteFailure(f, _) => match f.code {
                rusqlite::ErrorCode::DatabaseBusy | rusqlite::ErrorCode::DatabaseLocked => {
                    K::Unavailable
                }
                rusqlite::ErrorCode::CannotOpen | rusqlite::ErrorCode::PermissionDenied => {
                    K::Unavailable
                }
                rusqlite::ErrorCode::DatabaseCorrupt | rusqlite::ErrorCode::NotADatabase => {
                    K::DataLoss
                }
                _ => K::Internal,
            },
            rusqlite::Error::QueryReturnedNoRows => K::NotFound,
            _ => K::Internal,
        };
        Error {
            kind,
            msg: e.to_string(),
        }
    }
}

impl From<serde_json::Error> for Error {
    fn from(e: serde_json::Error) -> Self {
        Error {
            kind: camwarden_core::ErrorKind::DataLoss,
            msg: format!("stored JSON unreadable: {e}"),
        }
    }
}

impl From<Error> for camwarden_core::Error {
    fn from(e: Error) -> Self {
        camwarden_core::Error::new(e.kind, e.to_string())
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;

/// A scan as listed.
#[derive(Debug, Clone, PartialEq)]
pub struct ScanRow {
    pub meta: ScanMeta,
    pub finished: bool,
    pub summary: Option<SummaryLine>,
}

/// A device as listed: latest identity and where it was last seen.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DeviceRow {
    pub id: i64,
    pub last_ip: String,
    pub camera: bool,
    pub vendor: Option<String>,
    pub model: Option<String>,
    pub firmware: Option<String>,
    pub serial: Option<String>,
    pub mac: Option<String>,
    pub first_seen: String,
    pub last_seen: String,
    pub org_unit: Option<String>,
    /// Findings of the latest scan that saw it.
    pub open_findings: u32,
    pub worst_severity: Option<String>,
}

/// A document attached as evidence (see `camwarden evidence add`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentRecord {
    pub id: i64,
    pub vendor: Option<String>,
    /// The model it covers, or…
    pub model: Option<String>,
    /// …the one device it covers (serial, MAC or address).
    pub device_key: Option<String>,
    /// The requirement it settles, or…
    pub requirement: Option<String>,
    /// …the kind of document, settling every requirement that accepts that kind.
    pub kind: Option<String>,
    pub reference: String,
    pub sha256: String,
    pub added_by: String,
    pub added_at: String,
}

impl DocumentRecord {
    /// Does this document cover a device of this vendor/model/key?
    pub fn covers(&self, vendor: Option<&str>, model: Option<&str>, device_key: &str) -> bool {
        let norm = |s: &str| s.trim().to_ascii_lowercase();
        if let Some(k) = &self.device_key {
            return norm(k) == norm(device_key);
        }
        let model_ok = matches!((&self.model, model), (Some(a), Some(b)) if norm(a) == norm(b));
        let vendor_ok = match (&self.vendor, vendor) {
            (Some(a), Some(b)) => norm(a) == norm(b),
            (Some(_), None) => false,
            (None, _) => true,
        };
        model_ok && vendor_ok
    }
}

/// The storage interface.
pub trait Store: Send + Sync {
    /// Record the start of a scan.
    fn begin_scan(&self, meta: &ScanMeta) -> Result<()>;
    /// Store a batch of finished hosts (one transaction); returns their device ids.
    fn record_hosts(&self, scan_id: &str, hosts: &[HostReport]) -> Result<Vec<i64>>;
    /// Record the end of a scan.
    fn finish_scan(&self, scan_id: &str, summary: &SummaryLine) -> Result<()>;
    fn list_scans(&self) -> Result<Vec<ScanRow>>;
    fn list_devices(&self) -> Result<Vec<DeviceRow>>;
    /// The hosts of a scan as they were recorded (to re-render its reports).
    fn scan_hosts(&self, scan_id: &str) -> Result<Vec<HostReport>>;
    /// What changed between two scans.
    fn compare(&self, previous: &str, current: &str) -> Result<ScanDiff>;
    /// Compare with the latest earlier finished scan of the same scope, if there is one.
    fn compare_with_previous(&self, scan_id: &str) -> Result<Option<ScanDiff>>;
    /// Attach a document (its reference and SHA-256, never its content).
    fn add_document(&self, d: &DocumentRecord) -> Result<i64>;
    fn documents(&self) -> Result<Vec<DocumentRecord>>;
}

/// A new scan record stamped now, with a time-ordered id.
pub fn new_scan_meta(
    operator: &str,
    authorization: &str,
    scope: &[String],
    excluded: &[String],
    org_unit: Option<String>,
    options_json: &str,
) -> ScanMeta {
    ScanMeta {
        id: uuid::Uuid::now_v7().to_string(),
        started_at: jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .map(|t| t.to_string())
            .unwrap_or_default(),
        operator: operator.to_string(),
        authorization: authorization.to_string(),
        scope: scope.to_vec(),
        excluded: excluded.to_vec(),
        tool_version: concat!("camwarden ", env!("CARGO_PKG_VERSION")).to_string(),
        org_unit,
        options_json: options_json.to_string(),
    }
}

/// Normalise a MAC address to lower-case colon form; None when it is not one, or when it is a
/// placeholder (all zeros, broadcast) that firmware reports when it has none — such a value would
/// merge unrelated devices.
/// A serial number usable as an identity key: not empty and not a placeholder.
pub fn usable_serial(serial: &str) -> Option<&str> {
    let s = serial.trim();
    let placeholder = s.is_empty()
        || s.chars()
            .all(|c| c == '0' || c == 'F' || c == 'f' || c == '-')
        || ["unknown", "none", "n/a", "null", "default"].contains(&s.to_ascii_lowercase().as_str());
    (!placeholder).then_some(s)
}

pub fn normalise_mac(mac: &str) -> Option<String> {
    let hex: String = mac.chars().filter(|c| c.is_ascii_hexdigit()).collect();
    if hex.len() != 12 || hex.chars().all(|c| c == '0') || hex.eq_ignore_ascii_case("ffffffffffff")
    {
        return None;
    }
    let hex = hex.to_ascii_lowercase();
    Some(
        (0..6)
            .map(|i| &hex[i * 2..i * 2 + 2])
            .collect::<Vec<_>>()
            .join(":"),
    )
}
