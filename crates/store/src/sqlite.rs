//! The embedded SQLite store.

use crate::{DeviceRow, DocumentRecord, Error, Result, ScanRow, Store, normalise_mac, schema};
use camwarden_core::model::{
    Category, Finding, HostReport, Identity, PortInfo, ScanDiff, ScanMeta, Severity, SummaryLine,
};
use rusqlite::{Connection, OptionalExtension, Transaction, params};
use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Mutex;
use std::time::Duration;

pub struct SqliteStore {
    conn: Mutex<Connection>,
}

impl SqliteStore {
    /// Open (creating if needed) a database file.
    pub fn open(path: &Path) -> Result<Self> {
        Self::setup(Connection::open(path)?)
    }

    /// A private in-memory database (tests, `--no-db` comparisons).
    pub fn open_in_memory() -> Result<Self> {
        Self::setup(Connection::open_in_memory()?)
    }

    fn setup(mut conn: Connection) -> Result<Self> {
        conn.busy_timeout(Duration::from_secs(10))?;
        // WAL: readers in other processes (the dashboard, a report run) never block the scan.
        let _: String = conn.query_row("PRAGMA journal_mode=WAL", [], |r| r.get(0))?;
        conn.pragma_update(None, "synchronous", "NORMAL")?;
        conn.pragma_update(None, "foreign_keys", "ON")?;
        schema::upgrade(&mut conn)?;
        Ok(SqliteStore {
            conn: Mutex::new(conn),
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Connection> {
        self.conn.lock().unwrap_or_else(|p| p.into_inner())
    }
}

fn org_unit_id(tx: &Transaction<'_>, code: &str) -> Result<i64> {
    tx.execute(
        "INSERT INTO org_units(code, name) VALUES (?1, ?1) ON CONFLICT(code) DO NOTHING",
        params![code],
    )?;
    Ok(tx.query_row(
        "SELECT id FROM org_units WHERE code = ?1",
        params![code],
        |r| r.get(0),
    )?)
}

/// Find the stored device a host is, by serial, MAC, ONVIF UUID, then IP (see crate docs).
fn resolve_device(tx: &Transaction<'_>, ip: &str, id: &Identity) -> Result<Option<i64>> {
    let compatible = |vendor: Option<String>| -> bool {
        match (&id.vendor, vendor) {
            (Some(a), Some(b)) => *a == b,
            _ => true,
        }
    };
    if let Some(serial) = id.serial.as_deref().and_then(crate::usable_serial) {
        let mut st = tx.prepare_cached("SELECT id, vendor FROM devices WHERE serial = ?1")?;
        let rows = st.query_map(params![serial], |r| Ok((r.get::<_, i64>(0)?, r.get(1)?)))?;
        for row in rows {
            let (did, vendor) = row?;
            if compatible(vendor) {
                return Ok(Some(did));
            }
        }
    }
    if let Some(mac) = id.mac.as_deref().and_then(normalise_mac) {
        let found: Option<i64> = tx
            .query_row("SELECT id FROM devices WHERE mac = ?1", params![mac], |r| {
                r.get(0)
            })
            .optional()?;
        if found.is_some() {
            return Ok(found);
        }
    }
    if let Some(uuid) = id.uuid.as_deref().filter(|s| !s.is_empty()) {
        let found: Option<i64> = tx
            .query_row(
                "SELECT id FROM devices WHERE uuid = ?1",
                params![uuid],
                |r| r.get(0),
            )
            .optional()?;
        if found.is_some() {
            return Ok(found);
        }
    }
    // Same address: the same device unless a stable key says otherwise.
    let mut st = tx.prepare_cached(
        "SELECT id, vendor, serial, mac FROM devices WHERE last_ip = ?1 ORDER BY last_seen DESC",
    )?;
    let rows = st.query_map(params![ip], |r| {
        Ok((
            r.get::<_, i64>(0)?,
            r.get::<_, Option<String>>(1)?,
            r.get::<_, Option<String>>(2)?,
            r.get::<_, Option<String>>(3)?,
        ))
    })?;
    for row in rows {
        let (did, vendor, serial, mac) = row?;
        let serial_conflict = matches!(
            (id.serial.as_deref().and_then(crate::usable_serial), serial.as_deref().and_then(crate::usable_serial)),
            (Some(a), Some(b)) if a != b
        );
        let mac_conflict = matches!(
            (id.mac.as_deref().and_then(normalise_mac), &mac),
            (Some(a), Some(b)) if a != *b
        );
        if !serial_conflict && !mac_conflict && compatible(vendor) {
            return Ok(Some(did));
        }
    }
    Ok(None)
}

fn write_host(
    tx: &Transaction<'_>,
    scan: &ScanMeta,
    unit: Option<i64>,
    h: &HostReport,
) -> Result<i64> {
    let ip = h.ip.to_string();
    let id = &h.identity;
    let mac = id.mac.as_deref().and_then(normalise_mac);
    let serial = id.serial.as_deref().and_then(crate::usable_serial);
    let now = &scan.started_at;
    let device = match resolve_device(tx, &ip, id)? {
        Some(did) => {
            // Newer knowledge wins; never erase a key learned before.
            tx.execute(
                "UPDATE devices SET last_seen = ?2, last_scan = ?3, last_ip = ?4, camera = ?5,
                   vendor = COALESCE(?6, vendor), brand = COALESCE(?7, brand),
                   model = COALESCE(?8, model), firmware = COALESCE(?9, firmware),
                   serial = COALESCE(?10, serial), mac = COALESCE(?11, mac),
                   uuid = COALESCE(?12, uuid), org_unit_id = COALESCE(org_unit_id, ?13)
                 WHERE id = ?1",
                params![
                    did,
                    now,
                    scan.id,
                    ip,
                    id.camera,
                    id.vendor,
                    id.brand,
                    id.model,
                    id.firmware,
                    id.serial,
                    mac,
                    id.uuid,
                    unit
                ],
            )?;
            did
        }
        None => {
            tx.execute(
                "INSERT INTO devices(org_unit_id, first_seen, last_seen, last_scan, last_ip, camera,
                   vendor, brand, model, firmware, serial, mac, uuid)
                 VALUES (?1, ?2, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
                params![
                    unit, now, scan.id, ip, id.camera, id.vendor, id.brand, id.model, id.firmware,
                    serial, mac, id.uuid
                ],
            )?;
            tx.last_insert_rowid()
        }
    };
    tx.execute(
        "INSERT OR REPLACE INTO observations(scan_id, device_id, ip, ports_json, identity_json, facts_json, checks_ran_json, credentialed_json)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
        params![
            scan.id,
            device,
            ip,
            serde_json::to_string(&h.ports)?,
            serde_json::to_string(&h.identity)?,
            serde_json::to_string(&h.facts)?,
            serde_json::to_string(&h.checks_ran)?,
            serde_json::to_string(&h.credentialed)?
        ],
    )?;
    let mut st = tx.prepare_cached(
        "INSERT INTO findings(scan_id, device_id, ip, port, check_id, category, severity, protocol,
           service, cve_json, requirements_json, title, evidence)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13)",
    )?;
    for f in &h.findings {
        st.execute(params![
            scan.id,
            device,
            f.ip,
            f.port,
            f.check,
            f.category.as_str(),
            f.severity.as_str(),
            f.protocol,
            f.service,
            serde_json::to_string(&f.cve)?,
            serde_json::to_string(&f.requirements)?,
            f.title,
            f.evidence
        ])?;
    }
    Ok(device)
}

fn meta_from_row(
    r: &rusqlite::Row<'_>,
) -> rusqlite::Result<(ScanMeta, Option<String>, Option<String>)> {
    let scope: String = r.get(4)?;
    let excluded: String = r.get(5)?;
    Ok((
        ScanMeta {
            id: r.get(0)?,
            started_at: r.get(1)?,
            operator: r.get(2)?,
            authorization: r.get(3)?,
            scope: serde_json::from_str(&scope).unwrap_or_default(),
            excluded: serde_json::from_str(&excluded).unwrap_or_default(),
            tool_version: r.get(6)?,
            org_unit: r.get(7)?,
            options_json: r.get(8)?,
        },
        r.get(9)?,
        r.get(10)?,
    ))
}

const SCAN_COLUMNS: &str =
    "s.id, s.started_at, s.operator, s.authorization, s.scope_json, s.excluded_json,
    s.tool_version, o.code, s.options_json, s.finished_at, s.summary_json";

impl Store for SqliteStore {
    fn begin_scan(&self, m: &ScanMeta) -> Result<()> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let unit = match &m.org_unit {
            Some(code) => Some(org_unit_id(&tx, code)?),
            None => None,
        };
        tx.execute(
            "INSERT INTO scans(id, started_at, operator, authorization, scope_json, excluded_json,
               tool_version, org_unit_id, options_json) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![
                m.id,
                m.started_at,
                m.operator,
                m.authorization,
                serde_json::to_string(&m.scope)?,
                serde_json::to_string(&m.excluded)?,
                m.tool_version,
                unit,
                m.options_json
            ],
        )?;
        tx.commit()?;
        Ok(())
    }

    fn record_hosts(&self, scan_id: &str, hosts: &[HostReport]) -> Result<Vec<i64>> {
        let mut conn = self.lock();
        let tx = conn.transaction_with_behavior(rusqlite::TransactionBehavior::Immediate)?;
        let (meta, _, _) = tx
            .query_row(
                &format!("SELECT {SCAN_COLUMNS} FROM scans s LEFT JOIN org_units o ON o.id = s.org_unit_id WHERE s.id = ?1"),
                params![scan_id],
                meta_from_row,
            )
            .map_err(|e| match e {
                rusqlite::Error::QueryReturnedNoRows => Error {
                    kind: camwarden_core::ErrorKind::NotFound,
                    msg: format!("no scan {scan_id}"),
                },
                e => e.into(),
            })?;
        let unit = match &meta.org_unit {
            Some(code) => Some(org_unit_id(&tx, code)?),
            None => None,
        };
        let mut ids = Vec::with_capacity(hosts.len());
        for h in hosts {
            ids.push(write_host(&tx, &meta, unit, h)?);
        }
        tx.commit()?;
        Ok(ids)
    }

    fn finish_scan(&self, scan_id: &str, summary: &SummaryLine) -> Result<()> {
        let conn = self.lock();
        let now = jiff::Timestamp::now()
            .round(jiff::Unit::Second)
            .map(|t| t.to_string())
            .unwrap_or_default();
        let n = conn.execute(
            "UPDATE scans SET finished_at = ?2, summary_json = ?3 WHERE id = ?1",
            params![scan_id, now, serde_json::to_string(summary)?],
        )?;
        if n == 0 {
            return Err(Error {
                kind: camwarden_core::ErrorKind::NotFound,
                msg: format!("no scan {scan_id}"),
            });
        }
        Ok(())
    }

    fn list_scans(&self) -> Result<Vec<ScanRow>> {
        let conn = self.lock();
        let mut st = conn.prepare(&format!(
            "SELECT {SCAN_COLUMNS} FROM scans s LEFT JOIN org_units o ON o.id = s.org_unit_id ORDER BY s.id"
        ))?;
        let rows = st.query_map([], meta_from_row)?;
        let mut out = Vec::new();
        for r in rows {
            let (meta, finished, summary) = r?;
            out.push(ScanRow {
                meta,
                finished: finished.is_some(),
                summary: summary.and_then(|s| serde_json::from_str(&s).ok()),
            });
        }
        Ok(out)
    }

    fn list_devices(&self) -> Result<Vec<DeviceRow>> {
        let conn = self.lock();
        let mut st = conn.prepare(
            "SELECT d.id, d.last_ip, d.camera, d.vendor, d.model, d.firmware, d.serial, d.mac,
                    d.first_seen, d.last_seen, o.code,
                    (SELECT COUNT(*) FROM findings f WHERE f.device_id = d.id AND f.scan_id = d.last_scan),
                    (SELECT f.severity FROM findings f WHERE f.device_id = d.id AND f.scan_id = d.last_scan
                       ORDER BY CASE f.severity WHEN 'critical' THEN 0 WHEN 'high' THEN 1 WHEN 'medium' THEN 2
                                WHEN 'low' THEN 3 ELSE 4 END LIMIT 1)
             FROM devices d LEFT JOIN org_units o ON o.id = d.org_unit_id ORDER BY d.id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(DeviceRow {
                id: r.get(0)?,
                last_ip: r.get(1)?,
                camera: r.get(2)?,
                vendor: r.get(3)?,
                model: r.get(4)?,
                firmware: r.get(5)?,
                serial: r.get(6)?,
                mac: r.get(7)?,
                first_seen: r.get(8)?,
                last_seen: r.get(9)?,
                org_unit: r.get(10)?,
                open_findings: r.get(11)?,
                worst_severity: r.get(12)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn scan_hosts(&self, scan_id: &str) -> Result<Vec<HostReport>> {
        let conn = self.lock();
        let mut st = conn.prepare(
            "SELECT device_id, ip, ports_json, identity_json, facts_json, checks_ran_json, credentialed_json FROM observations
             WHERE scan_id = ?1 ORDER BY device_id",
        )?;
        let rows = st.query_map(params![scan_id], |r| {
            Ok((
                r.get::<_, i64>(0)?,
                r.get::<_, String>(1)?,
                r.get::<_, String>(2)?,
                r.get::<_, String>(3)?,
                r.get::<_, String>(4)?,
                r.get::<_, String>(5)?,
                r.get::<_, String>(6)?,
            ))
        })?;
        let mut hosts = Vec::new();
        let mut fst = conn.prepare(
            "SELECT ip, port, check_id, category, severity, protocol, service, cve_json,
                    requirements_json, title, evidence FROM findings
             WHERE scan_id = ?1 AND device_id = ?2 ORDER BY id",
        )?;
        for row in rows {
            let (did, ip, ports, identity, facts, checks_ran, credentialed) = row?;
            let ports: Vec<PortInfo> = serde_json::from_str(&ports)?;
            let identity: Identity = serde_json::from_str(&identity)?;
            let frows = fst.query_map(params![scan_id, did], |r| {
                Ok((
                    r.get::<_, String>(0)?,
                    r.get::<_, Option<u16>>(1)?,
                    r.get::<_, String>(2)?,
                    r.get::<_, String>(3)?,
                    r.get::<_, String>(4)?,
                    r.get::<_, Option<String>>(5)?,
                    r.get::<_, Option<String>>(6)?,
                    r.get::<_, String>(7)?,
                    r.get::<_, String>(8)?,
                    r.get::<_, String>(9)?,
                    r.get::<_, String>(10)?,
                ))
            })?;
            let mut findings = Vec::new();
            for f in frows {
                let (fip, port, check, cat, sev, protocol, service, cve, reqs, title, evidence) =
                    f?;
                findings.push(Finding {
                    ip: fip,
                    port,
                    check,
                    category: serde_json::from_value::<Category>(serde_json::Value::String(cat))?,
                    severity: serde_json::from_value::<Severity>(serde_json::Value::String(sev))?,
                    protocol,
                    service,
                    cve: serde_json::from_str(&cve)?,
                    requirements: serde_json::from_str(&reqs)?,
                    title,
                    evidence,
                });
            }
            hosts.push(HostReport {
                ip: ip.parse().map_err(|_| Error {
                    kind: camwarden_core::ErrorKind::DataLoss,
                    msg: format!("stored address {ip:?} unreadable"),
                })?,
                ports,
                identity,
                facts: serde_json::from_str(&facts)?,
                findings,
                checks_ran: serde_json::from_str(&checks_ran)?,
                credentialed: serde_json::from_str(&credentialed)?,
            });
        }
        Ok(hosts)
    }

    fn compare(&self, previous: &str, current: &str) -> Result<ScanDiff> {
        let conn = self.lock();
        let devices = |scan: &str| -> Result<BTreeMap<i64, String>> {
            let mut st =
                conn.prepare("SELECT device_id, ip FROM observations WHERE scan_id = ?1")?;
            let rows = st.query_map(params![scan], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        let findings = |scan: &str| -> Result<BTreeSet<(i64, String)>> {
            let mut st =
                conn.prepare("SELECT device_id, check_id FROM findings WHERE scan_id = ?1")?;
            let rows = st.query_map(params![scan], |r| Ok((r.get(0)?, r.get(1)?)))?;
            Ok(rows.collect::<rusqlite::Result<_>>()?)
        };
        let started: String = conn
            .query_row(
                "SELECT started_at FROM scans WHERE id = ?1",
                params![previous],
                |r| r.get(0),
            )
            .optional()?
            .unwrap_or_default();
        let (pd, cd) = (devices(previous)?, devices(current)?);
        let (pf, cf) = (findings(previous)?, findings(current)?);
        let ip_of = |d: i64| {
            cd.get(&d)
                .or_else(|| pd.get(&d))
                .cloned()
                .unwrap_or_default()
        };
        Ok(ScanDiff {
            previous_scan: previous.to_string(),
            previous_started_at: started,
            new_devices: cd
                .iter()
                .filter(|(d, _)| !pd.contains_key(d))
                .map(|(_, ip)| ip.clone())
                .collect(),
            gone_devices: pd
                .iter()
                .filter(|(d, _)| !cd.contains_key(d))
                .map(|(_, ip)| ip.clone())
                .collect(),
            moved_devices: cd
                .iter()
                .filter_map(|(d, ip)| {
                    pd.get(d)
                        .filter(|old| *old != ip)
                        .map(|old| (old.clone(), ip.clone()))
                })
                .collect(),
            new_findings: cf
                .difference(&pf)
                .map(|(d, c)| (ip_of(*d), c.clone()))
                .collect(),
            fixed_findings: pf
                .difference(&cf)
                .map(|(d, c)| (ip_of(*d), c.clone()))
                .collect(),
        })
    }

    fn add_document(&self, d: &DocumentRecord) -> Result<i64> {
        let conn = self.lock();
        conn.execute(
            "INSERT INTO documents(vendor, model, device_key, requirement, kind, reference, sha256, added_by, added_at)
             VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
            params![d.vendor, d.model, d.device_key, d.requirement, d.kind, d.reference, d.sha256, d.added_by, d.added_at],
        )
        .map_err(|e| match e {
            rusqlite::Error::SqliteFailure(f, _) if f.code == rusqlite::ErrorCode::ConstraintViolation => Error {
                kind: camwarden_core::ErrorKind::InvalidArgument,
                msg: "a document needs a model or a device, and a requirement or a kind".into(),
            },
            e => e.into(),
        })?;
        Ok(conn.last_insert_rowid())
    }

    fn documents(&self) -> Result<Vec<DocumentRecord>> {
        let conn = self.lock();
        let mut st = conn.prepare(
            "SELECT id, vendor, model, device_key, requirement, kind, reference, sha256, added_by, added_at
             FROM documents ORDER BY id",
        )?;
        let rows = st.query_map([], |r| {
            Ok(DocumentRecord {
                id: r.get(0)?,
                vendor: r.get(1)?,
                model: r.get(2)?,
                device_key: r.get(3)?,
                requirement: r.get(4)?,
                kind: r.get(5)?,
                reference: r.get(6)?,
                sha256: r.get(7)?,
                added_by: r.get(8)?,
                added_at: r.get(9)?,
            })
        })?;
        Ok(rows.collect::<rusqlite::Result<Vec<_>>>()?)
    }

    fn compare_with_previous(&self, scan_id: &str) -> Result<Option<ScanDiff>> {
        let prev: Option<String> = {
            let conn = self.lock();
            conn.query_row(
                "SELECT p.id FROM scans p, scans c
                 WHERE c.id = ?1 AND p.id <> c.id AND p.finished_at IS NOT NULL
                   AND p.scope_json = c.scope_json AND p.excluded_json = c.excluded_json
                   AND p.started_at <= c.started_at
                 ORDER BY p.started_at DESC, p.id DESC LIMIT 1",
                params![scan_id],
                |r| r.get(0),
            )
            .optional()?
        };
        match prev {
            Some(p) => Ok(Some(self.compare(&p, scan_id)?)),
            None => Ok(None),
        }
    }
}
