//! The JSON Lines stream of `shared/contracts/scan-jsonl.md` (schema 1): per host a `device`
//! line then its `finding` lines, and one closing `summary` line.

use camwarden_core::model::{Finding, HostReport, SCHEMA, SummaryLine};
use serde::Serialize;
use std::io::Write;

/// A finding as a contract line: the finding's fields plus `type` and `schema`.
#[derive(Serialize)]
struct FindingLine<'a> {
    #[serde(rename = "type")]
    kind: &'static str,
    schema: u32,
    #[serde(flatten)]
    finding: &'a Finding,
}

/// Streaming writer.
pub struct Writer<W: Write> {
    out: W,
}

impl<W: Write> Writer<W> {
    pub fn new(out: W) -> Self {
        Writer { out }
    }

    fn line<T: Serialize>(&mut self, v: &T) -> std::io::Result<()> {
        serde_json::to_writer(&mut self.out, v)?;
        self.out.write_all(b"\n")
    }

    /// The `device` line of a host, then its findings.
    pub fn host(&mut self, h: &HostReport) -> std::io::Result<()> {
        self.line(&h.device_line())?;
        for f in &h.findings {
            self.line(&FindingLine {
                kind: "finding",
                schema: SCHEMA,
                finding: f,
            })?;
        }
        Ok(())
    }

    pub fn summary(&mut self, s: &SummaryLine) -> std::io::Result<()> {
        self.line(s)
    }

    pub fn flush(&mut self) -> std::io::Result<()> {
        self.out.flush()
    }

    pub fn into_inner(self) -> W {
        self.out
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use camwarden_core::model::*;

    pub fn sample() -> HostReport {
        HostReport {
            ip: "127.0.0.5".parse().unwrap(),
            ports: vec![PortInfo {
                port: 80,
                transport: Transport::Tcp,
                service: "http".into(),
                tls: false,
            }],
            identity: Identity {
                camera: true,
                vendor: Some("hikvision".into()),
                model: Some("DS-2CD2032-I".into()),
                identified_by: vec!["http-server-header".into()],
                ..Identity::default()
            },
            facts: vec![],
            findings: vec![Finding {
                ip: "127.0.0.5".into(),
                port: Some(80),
                check: "cve-2017-7921".into(),
                category: Category::KnownVulnerability,
                protocol: None,
                service: None,
                cve: vec!["CVE-2017-7921".into()],
                severity: Severity::Critical,
                requirements: vec!["QCVN135:2024/2.3.1".into()],
                title: "Hikvision authentication bypass".into(),
                evidence: "GET /system/deviceInfo?auth=… → 200 application/xml".into(),
            }],
            checks_ran: vec!["cve-2017-7921".into()],
            credentialed: Default::default(),
        }
    }

    #[test]
    fn lines_follow_the_contract() {
        let mut w = Writer::new(Vec::new());
        w.host(&sample()).unwrap();
        w.summary(&SummaryLine {
            kind: "summary".into(),
            schema: 1,
            targets: 1,
            hosts_up: 1,
            cameras: 1,
            findings: 1,
            duration_s: 0.5,
            scope: vec!["127.0.0.5".into()],
            excluded: vec![],
        })
        .unwrap();
        let text = String::from_utf8(w.into_inner()).unwrap();
        let lines: Vec<serde_json::Value> = text
            .lines()
            .map(|l| serde_json::from_str(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 3);
        assert_eq!(lines[0]["type"], "device");
        let f = &lines[1];
        assert_eq!(f["type"], "finding");
        for key in [
            "schema",
            "ip",
            "port",
            "check",
            "category",
            "protocol",
            "service",
            "cve",
            "severity",
            "requirements",
            "title",
            "evidence",
        ] {
            assert!(f.get(key).is_some(), "finding lacks {key}");
        }
        assert_eq!(f["category"], "known-vulnerability");
        assert_eq!(lines[2]["type"], "summary");
        assert!(text.lines().all(|l| !l.contains("\n")));
    }
}
