//! Credentialed ONVIF reads: GetDeviceInformation, GetUsers, GetNetworkProtocols, GetNTP,
//! GetSystemDateAndTime, GetCapabilities/GetServices and GetScopes. Authentication is a
//! WS-Security UsernameToken computed against the *device's* clock (read first, unauthenticated),
//! falling back to HTTP Digest when the device demands it at the HTTP layer.

use super::{AuditFacts, OwnerCredential, user_facts};
use crate::error::Result;
use crate::proto::http::{Endpoint, Http, Request, authorization_for};
use crate::proto::onvif::{self, Soap, UsernameToken};
use rand::Rng as _;

/// Read everything the ONVIF device service tells an authenticated user.
pub async fn collect(http: &Http, ep: Endpoint, path: &str, cred: &OwnerCredential) -> AuditFacts {
    let mut out = AuditFacts::default();
    let device_time = match onvif::get_system_date_and_time(http, ep, path).await {
        Ok((_, soap, utc)) => {
            if let Some(tz) = soap.get("TZ") {
                out.push("time.tz", tz, "onvif:GetSystemDateAndTime");
            }
            if let Some(t) = soap.get("DateTimeType") {
                out.push("time.source", t, "onvif:GetSystemDateAndTime");
            }
            if let Some(utc) = &utc
                && let Ok(dev) = utc.parse::<jiff::Timestamp>()
            {
                let offset = dev.as_second() - jiff::Timestamp::now().as_second();
                out.push(
                    "time.offset_s",
                    offset.to_string(),
                    "onvif:GetSystemDateAndTime",
                );
            }
            utc
        }
        Err(e) => {
            out.errors.push(format!("GetSystemDateAndTime: {e}"));
            None
        }
    };
    let created = device_time.unwrap_or_else(|| {
        jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string()
    });

    let calls: [(&str, &str); 6] = [
        ("GetDeviceInformation", "<tds:GetDeviceInformation/>"),
        ("GetUsers", "<tds:GetUsers/>"),
        ("GetNetworkProtocols", "<tds:GetNetworkProtocols/>"),
        ("GetNTP", "<tds:GetNTP/>"),
        ("GetScopes", "<tds:GetScopes/>"),
        (
            "GetServices",
            "<tds:GetServices><tds:IncludeCapability>false</tds:IncludeCapability></tds:GetServices>",
        ),
    ];
    for (name, body) in calls {
        match call(http, ep, path, body, cred, &created).await {
            Ok(soap) => {
                out.authenticated = true;
                absorb(&mut out, name, &soap);
            }
            Err(e) => out.errors.push(format!("{name}: {e}")),
        }
    }
    out
}

/// One authenticated SOAP call: UsernameToken first, HTTP Digest if the HTTP layer asks for it.
async fn call(
    http: &Http,
    ep: Endpoint,
    path: &str,
    body: &str,
    cred: &OwnerCredential,
    created: &str,
) -> Result<Soap> {
    let nonce: [u8; 16] = rand::rng().random();
    let token = UsernameToken::new(&cred.username, cred.password(), created, &nonce);
    let env = onvif::envelope(body, Some(&token.to_xml()));
    let reply = onvif::post(http, ep, path, &env, &[]).await?;
    let reply = if reply.status == 401 {
        let req = Request::post(
            path,
            "application/soap+xml; charset=utf-8",
            env.clone().into_bytes(),
        );
        match authorization_for(&reply, &req, &cred.username, cred.password()) {
            Some(auth) => onvif::post(http, ep, path, &env, &[("Authorization", auth)]).await?,
            None => reply,
        }
    } else {
        reply
    };
    let soap = onvif::parse(&reply.body)?;
    if let Some(f) = &soap.fault {
        return Err(crate::Error::protocol(format!(
            "SOAP fault {} {}",
            f.codes.join(" "),
            f.reason
        )));
    }
    if !(200..300).contains(&reply.status) {
        return Err(crate::Error::protocol(format!("HTTP {}", reply.status)));
    }
    Ok(soap)
}

/// Turn one call's leaves into facts.
fn absorb(out: &mut AuditFacts, call: &str, soap: &Soap) {
    let src = format!("onvif:{call}");
    match call {
        "GetDeviceInformation" => {
            for (k, key) in [
                ("Manufacturer", "manufacturer"),
                ("Model", "model"),
                ("FirmwareVersion", "firmware"),
                ("SerialNumber", "serial"),
            ] {
                if let Some(v) = soap.get(k) {
                    out.push(key, v, &src);
                }
            }
        }
        "GetUsers" => {
            // Leaves arrive as Username, (Password never returned by GetUsers), UserLevel, in order.
            let mut users = Vec::new();
            let mut name: Option<String> = None;
            for (k, v) in &soap.fields {
                match k.as_str() {
                    "Username" => name = Some(v.clone()),
                    "UserLevel" => {
                        if let Some(n) = name.take() {
                            users.push((n, v.clone()));
                        }
                    }
                    _ => {}
                }
            }
            user_facts(out, &users, &src);
        }
        "GetNetworkProtocols" => {
            let mut name: Option<String> = None;
            let mut enabled: Option<String> = None;
            for (k, v) in &soap.fields {
                match k.as_str() {
                    "Name" => {
                        name = Some(v.to_ascii_lowercase());
                        enabled = None;
                    }
                    "Enabled" => enabled = Some(v.clone()),
                    "Port" => {
                        if let Some(n) = &name {
                            out.push(&format!("protocol.{n}.port"), v.clone(), &src);
                        }
                    }
                    _ => {}
                }
                if let (Some(n), Some(e)) = (&name, &enabled) {
                    out.push(&format!("protocol.{n}.enabled"), e.clone(), &src);
                }
            }
        }
        "GetNTP" => {
            if let Some(v) = soap.get("FromDHCP") {
                out.push("ntp.from_dhcp", v, &src);
            }
            let servers: Vec<&str> = soap
                .fields
                .iter()
                .filter(|(k, _)| k == "DNSname" || k == "IPv4Address")
                .map(|(_, v)| v.as_str())
                .collect();
            out.push("ntp.servers", servers.join(","), &src);
            out.push("ntp.enabled", (!servers.is_empty()).to_string(), &src);
        }
        "GetScopes" => {
            let scopes: Vec<&str> = soap
                .fields
                .iter()
                .filter(|(k, _)| k == "ScopeItem")
                .map(|(_, v)| v.as_str())
                .collect();
            out.push("onvif.scopes", scopes.join(" "), &src);
        }
        "GetServices" => {
            let ns: Vec<&str> = soap
                .fields
                .iter()
                .filter(|(k, _)| k == "Namespace")
                .map(|(_, v)| v.as_str())
                .collect();
            out.push("onvif.services", ns.join(" "), &src);
        }
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn network_protocols_become_enabled_flags() {
        let xml = br#"<s:Envelope xmlns:s="a" xmlns:tds="b" xmlns:tt="c"><s:Body><tds:GetNetworkProtocolsResponse>
<tds:NetworkProtocols><tt:Name>HTTP</tt:Name><tt:Enabled>true</tt:Enabled><tt:Port>80</tt:Port></tds:NetworkProtocols>
<tds:NetworkProtocols><tt:Name>HTTPS</tt:Name><tt:Enabled>false</tt:Enabled><tt:Port>443</tt:Port></tds:NetworkProtocols>
<tds:NetworkProtocols><tt:Name>RTSP</tt:Name><tt:Enabled>true</tt:Enabled><tt:Port>554</tt:Port></tds:NetworkProtocols>
</tds:GetNetworkProtocolsResponse></s:Body></s:Envelope>"#;
        let soap = onvif::parse(xml).unwrap();
        let mut f = AuditFacts::default();
        absorb(&mut f, "GetNetworkProtocols", &soap);
        assert_eq!(f.get("protocol.http.enabled"), Some("true"));
        assert_eq!(f.get("protocol.https.enabled"), Some("false"));
        assert_eq!(f.get("protocol.rtsp.port"), Some("554"));
    }

    #[test]
    fn get_users_keeps_names_and_levels_only() {
        let xml =
            br#"<s:Envelope xmlns:s="a" xmlns:tds="b" xmlns:tt="c"><s:Body><tds:GetUsersResponse>
<tds:User><tt:Username>admin</tt:Username><tt:UserLevel>Administrator</tt:UserLevel></tds:User>
<tds:User><tt:Username>viewer</tt:Username><tt:UserLevel>User</tt:UserLevel></tds:User>
</tds:GetUsersResponse></s:Body></s:Envelope>"#;
        let soap = onvif::parse(xml).unwrap();
        let mut f = AuditFacts::default();
        absorb(&mut f, "GetUsers", &soap);
        assert_eq!(f.get("users.names"), Some("admin,viewer"));
        assert_eq!(f.get("users.admin_count"), Some("1"));
    }
}
