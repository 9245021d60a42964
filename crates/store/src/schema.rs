//! Schema and its versioned upgrades (`PRAGMA user_version`). Each step is a function of the
//! previous version, applied in a transaction; a database newer than this build is refused.

use rusqlite::Connection;

pub const VERSION: i64 = 1;

const V1: &str = r#"
CREATE TABLE org_units (
    id INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES org_units(id),
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    level TEXT            -- 'province', 'commune', 'agency', 'isp'...
);
CREATE TABLE scans (
    id TEXT PRIMARY KEY,
    started_at TEXT NOT NULL,
    finished_at TEXT,
    operator TEXT NOT NULL,
    authorization TEXT NOT NULL,
    scope_json TEXT NOT NULL,
    excluded_json TEXT NOT NULL,
    tool_version TEXT NOT NULL,
    org_unit_id INTEGER REFERENCES org_units(id),
    options_json TEXT NOT NULL,
    summary_json TEXT
);
CREATE TABLE devices (
    id INTEGER PRIMARY KEY,
    org_unit_id INTEGER REFERENCES org_units(id),
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    last_scan TEXT NOT NULL REFERENCES scans(id),
    last_ip TEXT NOT NULL,
    camera INTEGER NOT NULL,
    vendor TEXT, brand TEXT, model TEXT, firmware TEXT,
    serial TEXT, mac TEXT, uuid TEXT
);
CREATE INDEX devices_serial ON devices(serial);
CREATE INDEX devices_mac ON devices(mac);
CREATE INDEX devices_uuid ON devices(uuid);
CREATE INDEX devices_last_ip ON devices(last_ip);
CREATE TABLE observations (
    scan_id TEXT NOT NULL REFERENCES scans(id),
    device_id INTEGER NOT NULL REFERENCES devices(id),
    ip TEXT NOT NULL,
    ports_json TEXT NOT NULL,
    identity_json TEXT NOT NULL,
    facts_json TEXT NOT NULL,
    checks_ran_json TEXT NOT NULL DEFAULT '[]',
    credentialed_json TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (scan_id, device_id)
);
CREATE TABLE findings (
    id INTEGER PRIMARY KEY,
    scan_id TEXT NOT NULL REFERENCES scans(id),
    device_id INTEGER NOT NULL REFERENCES devices(id),
    ip TEXT NOT NULL,
    port INTEGER,
    check_id TEXT NOT NULL,
    category TEXT NOT NULL,
    severity TEXT NOT NULL,
    protocol TEXT,
    service TEXT,
    cve_json TEXT NOT NULL,
    requirements_json TEXT NOT NULL,
    title TEXT NOT NULL,
    evidence TEXT NOT NULL
);
CREATE INDEX findings_scan ON findings(scan_id);
-- Documentary evidence: a reference and its digest, attached to a model or a device, for one
-- requirement or for every requirement that accepts its kind. The document itself stays with
-- the organisation's records.
CREATE TABLE documents (
    id INTEGER PRIMARY KEY,
    vendor TEXT,
    model TEXT,
    device_key TEXT,
    requirement TEXT,
    kind TEXT,
    reference TEXT NOT NULL,
    sha256 TEXT NOT NULL,
    added_by TEXT NOT NULL,
    added_at TEXT NOT NULL,
    CHECK (model IS NOT NULL OR device_key IS NOT NULL),
    CHECK (requirement IS NOT NULL OR kind IS NOT NULL)
);
CREATE INDEX findings_device ON findings(device_id);
"#;

/// Bring the database to [`VERSION`].
pub fn upgrade(conn: &mut Connection) -> Result<(), crate::Error> {
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    if v > VERSION {
        return Err(crate::Error {
            kind: camwarden_core::ErrorKind::DataLoss,
            msg: format!("database schema version {v} is newer than this camwarden ({VERSION})"),
        });
    }
    if v < 1 {
        let tx = conn.transaction()?;
        tx.execute_batch(V1)?;
        tx.pragma_update(None, "user_version", 1)?;
        tx.commit()?;
    }
    Ok(())
}
