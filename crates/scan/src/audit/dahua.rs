//! Credentialed Dahua CGI reads (HTTP Digest). Only `magicBox.cgi` getters, `userManager.cgi`
//! `getUserInfoAll` and `configManager.cgi?action=getConfig` views; never `setConfig`.
//! Replies are `key=value` lines; any key that looks like a password is dropped on reading.

use super::{AuditFacts, OwnerCredential, user_facts};
use crate::proto::http::{Endpoint, Http};

const VIEWS: &[&str] = &[
    "/cgi-bin/magicBox.cgi?action=getSystemInfo",
    "/cgi-bin/magicBox.cgi?action=getSoftwareVersion",
    "/cgi-bin/userManager.cgi?action=getUserInfoAll",
    "/cgi-bin/configManager.cgi?action=getConfig&name=Telnet",
    "/cgi-bin/configManager.cgi?action=getConfig&name=SSHD",
    "/cgi-bin/configManager.cgi?action=getConfig&name=UPnP",
    "/cgi-bin/configManager.cgi?action=getConfig&name=T2UServer",
    "/cgi-bin/configManager.cgi?action=getConfig&name=NTP",
];

/// Parse `key=value` lines, dropping anything password-like.
pub fn key_values(text: &str) -> Vec<(String, String)> {
    text.lines()
        .filter_map(|l| {
            let (k, v) = l.split_once('=')?;
            let k = k.trim();
            let lk = k.to_ascii_lowercase();
            if lk.contains("password") || lk.contains("pwd") || lk.ends_with(".secret") {
                return None;
            }
            Some((k.to_string(), v.trim().to_string()))
        })
        .collect()
}

pub async fn collect(http: &Http, ep: Endpoint, cred: &OwnerCredential) -> AuditFacts {
    super::read_views(http, ep, cred, VIEWS, |out, path, reply| {
        absorb(out, path, &key_values(&reply.text()));
        Ok(())
    })
    .await
}

fn absorb(out: &mut AuditFacts, path: &str, kv: &[(String, String)]) {
    let src = format!("cgi:{path}");
    let get = |key: &str| kv.iter().find(|(k, _)| k == key).map(|(_, v)| v.as_str());
    let name = path.rsplit("name=").next().unwrap_or("");
    if path.contains("getSystemInfo") {
        if let Some(v) = get("deviceType") {
            out.push("model", v, &src);
        }
        if let Some(v) = get("serialNumber") {
            out.push("serial", v, &src);
        }
        out.push("manufacturer", "Dahua", &src);
    } else if path.contains("getSoftwareVersion") {
        if let Some(v) = get("version") {
            out.push("firmware", v, &src);
        }
    } else if path.contains("getUserInfoAll") {
        let mut users = Vec::new();
        let mut shared = 0;
        for i in 0..64 {
            let Some(n) = get(&format!("users[{i}].Name")) else {
                break;
            };
            let group = get(&format!("users[{i}].Group")).unwrap_or("");
            if get(&format!("users[{i}].Sharable")) == Some("true") {
                shared += 1;
            }
            users.push((n.to_string(), group.to_string()));
        }
        user_facts(out, &users, &src);
        out.push("users.shared_count", shared.to_string(), &src);
    } else {
        let proto = match name {
            "Telnet" => "telnet",
            "SSHD" => "ssh",
            "UPnP" => "upnp",
            "T2UServer" => "p2p",
            "NTP" => "ntp",
            _ => return,
        };
        if let Some(v) = get(&format!("table.{name}.Enable")) {
            if proto == "ntp" {
                out.push("ntp.enabled", v, &src);
            } else {
                out.push(&format!("protocol.{proto}.enabled"), v, &src);
            }
        }
        if proto == "ntp"
            && let Some(a) = get("table.NTP.Address")
        {
            out.push("ntp.servers", a, &src);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn password_like_keys_are_dropped() {
        let kv =
            key_values("users[0].Name=admin\r\nusers[0].Password=abc\r\nusers[0].Group=admin\r\n");
        assert!(kv.iter().all(|(k, _)| !k.contains("Password")));
        assert_eq!(kv.len(), 2);
    }

    #[test]
    fn user_info_all_counts_shared_accounts() {
        let text = "users[0].Group=admin\r\nusers[0].Name=admin\r\nusers[0].Sharable=true\r\nusers[1].Group=user\r\nusers[1].Name=guard\r\nusers[1].Sharable=false\r\n";
        let mut f = AuditFacts::default();
        absorb(
            &mut f,
            "/cgi-bin/userManager.cgi?action=getUserInfoAll",
            &key_values(text),
        );
        assert_eq!(f.get("users.count"), Some("2"));
        assert_eq!(f.get("users.shared_count"), Some("1"));
    }

    #[test]
    fn telnet_config_view() {
        let mut f = AuditFacts::default();
        absorb(
            &mut f,
            "/cgi-bin/configManager.cgi?action=getConfig&name=Telnet",
            &key_values("table.Telnet.Enable=false\r\n"),
        );
        assert_eq!(f.get("protocol.telnet.enabled"), Some("false"));
    }
}
