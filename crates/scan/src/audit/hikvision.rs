//! Credentialed Hikvision ISAPI reads (HTTP Digest; every request a GET of a configuration view).
//! ISAPI never returns passwords in these views; user lists carry names and levels.

use super::{AuditFacts, OwnerCredential, user_facts};
use crate::proto::http::{Endpoint, Http};
use crate::proto::onvif::{Soap, parse};

/// The views read, with the fact prefix each feeds.
const VIEWS: &[&str] = &[
    "/ISAPI/System/deviceInfo",
    "/ISAPI/Security/users",
    "/ISAPI/Security/adminAccesses",
    "/ISAPI/System/Network/telnetd",
    "/ISAPI/System/Network/ssh",
    "/ISAPI/System/Network/UPnP",
    "/ISAPI/System/Network/EZVIZ",
    "/ISAPI/System/time",
    "/ISAPI/System/time/ntpServers",
    "/ISAPI/Security/illegalLoginLock",
];

pub async fn collect(http: &Http, ep: Endpoint, cred: &OwnerCredential) -> AuditFacts {
    super::read_views(http, ep, cred, VIEWS, |out, path, reply| {
        let xml = parse(&reply.body).map_err(|e| e.to_string())?;
        absorb(out, path, &xml);
        Ok(())
    })
    .await
}

fn absorb(out: &mut AuditFacts, path: &str, xml: &Soap) {
    let src = format!("isapi:{path}");
    let flag = |out: &mut AuditFacts, key: &str| {
        if let Some(v) = xml.get("enabled") {
            out.push(key, v, &src);
        }
    };
    match path {
        "/ISAPI/System/deviceInfo" => {
            for (k, key) in [
                ("model", "model"),
                ("firmwareVersion", "firmware"),
                ("firmwareReleasedDate", "firmware.build"),
                ("serialNumber", "serial"),
                ("macAddress", "mac"),
            ] {
                if let Some(v) = xml.get(k) {
                    out.push(key, v, &src);
                }
            }
            out.push("manufacturer", "Hikvision", &src);
        }
        "/ISAPI/Security/users" => {
            let mut users = Vec::new();
            let mut name = None;
            for (k, v) in &xml.fields {
                match k.as_str() {
                    "userName" => name = Some(v.clone()),
                    "userLevel" => {
                        if let Some(n) = name.take() {
                            users.push((n, v.clone()));
                        }
                    }
                    _ => {}
                }
            }
            user_facts(out, &users, &src);
        }
        "/ISAPI/Security/adminAccesses" => {
            let mut proto: Option<String> = None;
            let mut enabled: Option<String> = None;
            for (k, v) in &xml.fields {
                match k.as_str() {
                    "id" => {
                        proto = None;
                        enabled = None;
                    }
                    "enabled" => enabled = Some(v.clone()),
                    "protocol" => proto = Some(v.to_ascii_lowercase()),
                    "portNo" => {
                        if let Some(p) = &proto {
                            out.push(&format!("protocol.{p}.port"), v.clone(), &src);
                        }
                    }
                    _ => {}
                }
                if let (Some(p), Some(e)) = (&proto, &enabled) {
                    out.push(&format!("protocol.{p}.enabled"), e.clone(), &src);
                }
            }
        }
        "/ISAPI/System/Network/telnetd" => flag(out, "protocol.telnet.enabled"),
        "/ISAPI/System/Network/ssh" => flag(out, "protocol.ssh.enabled"),
        "/ISAPI/System/Network/UPnP" => flag(out, "protocol.upnp.enabled"),
        "/ISAPI/System/Network/EZVIZ" => flag(out, "protocol.p2p.enabled"),
        "/ISAPI/System/time" => {
            if let Some(m) = xml.get("timeMode") {
                out.push("time.source", m, &src);
                out.push(
                    "ntp.enabled",
                    m.eq_ignore_ascii_case("ntp").to_string(),
                    &src,
                );
            }
            if let Some(tz) = xml.get("timeZone") {
                out.push("time.tz", tz, &src);
            }
        }
        "/ISAPI/System/time/ntpServers" => {
            let servers: Vec<&str> = xml
                .fields
                .iter()
                .filter(|(k, _)| k == "hostName" || k == "ipAddress")
                .map(|(_, v)| v.as_str())
                .collect();
            out.push("ntp.servers", servers.join(","), &src);
        }
        "/ISAPI/Security/illegalLoginLock" => {
            flag(out, "lockout.enabled");
            if let Some(v) = xml.get("maxIllegalLoginTimes") {
                out.push("lockout.max_attempts", v, &src);
            }
            if let Some(v) = xml.get("lockDuration") {
                out.push("lockout.duration", v, &src);
            }
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn admin_accesses_give_protocol_flags() {
        let xml = br#"<?xml version="1.0" encoding="UTF-8"?>
<AdminAccessProtocolList version="2.0" xmlns="http://www.hikvision.com/ver20/XMLSchema">
<AdminAccessProtocol><id>1</id><enabled>true</enabled><protocol>HTTP</protocol><portNo>80</portNo></AdminAccessProtocol>
<AdminAccessProtocol><id>2</id><enabled>false</enabled><protocol>HTTPS</protocol><portNo>443</portNo></AdminAccessProtocol>
<AdminAccessProtocol><id>3</id><enabled>true</enabled><protocol>DEV_MANAGE</protocol><portNo>8000</portNo></AdminAccessProtocol>
</AdminAccessProtocolList>"#;
        let mut f = AuditFacts::default();
        absorb(
            &mut f,
            "/ISAPI/Security/adminAccesses",
            &parse(xml).unwrap(),
        );
        assert_eq!(f.get("protocol.http.enabled"), Some("true"));
        assert_eq!(f.get("protocol.https.enabled"), Some("false"));
        assert_eq!(f.get("protocol.dev_manage.port"), Some("8000"));
    }

    #[test]
    fn illegal_login_lock_settings() {
        let xml = br#"<IllegalLoginLock version="2.0" xmlns="http://www.isapi.org/ver20/XMLSchema"><enabled>true</enabled><maxIllegalLoginTimes>5</maxIllegalLoginTimes></IllegalLoginLock>"#;
        let mut f = AuditFacts::default();
        absorb(
            &mut f,
            "/ISAPI/Security/illegalLoginLock",
            &parse(xml).unwrap(),
        );
        assert_eq!(f.get("lockout.enabled"), Some("true"));
        assert_eq!(f.get("lockout.max_attempts"), Some("5"));
    }
}
