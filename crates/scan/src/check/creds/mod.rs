//! Default credentials, over every protocol a device offers, under ONE failure budget per device.
//!
//! Strategy (the budget allows at most 4 failed logins per device per scan, ≤ 3 per 30 s):
//! 1. the vendor's short list (data/credentials/defaults.toml) is tried on the device's
//!    *primary* protocol — the one whose answers are unambiguous and whose lockout signal we can
//!    read (Hikvision ISAPI userCheck, Dahua RPC2 login, XiongMai Sofia, Reolink API; otherwise
//!    HTTP Basic/Digest on a page that asked for it, ONVIF, RTSP);
//! 2. a credential found valid is then tried on the device's other protocols (a success costs
//!    nothing; one finding per protocol where it works);
//! 3. a protocol that cannot judge credentials (unanswerable challenge, a stream that opens
//!    without any, an ONVIF service that answers anonymously) is skipped without cost — that is
//!    `SchemeUnsupported`, never a wrong password;
//! 4. any lockout signal stops everything on the device; every session opened is logged out.
//!
//! Telnet has its own short list (HiSilicon/XiongMai root passwords) under the same budget.

use super::budget::AuthOutcome;
use super::{CheckEnv, Host};
use crate::identify::extract_hikvision;
use crate::proto::http::{Endpoint, Request, authorization_for};
use crate::proto::rtsp::RtspConn;
use crate::proto::sofia::Sofia;
use crate::proto::telnet::Telnet;
use crate::proto::{onvif, onvif::UsernameToken};
use camwarden_core::model::Finding;
use camwarden_core::redact::secret;
use std::collections::BTreeMap;
use std::net::SocketAddrV4;
use std::time::Duration;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Proto {
    HikIsapi,
    DahuaRpc,
    ReolinkApi,
    XmWeb,
    AvtechWeb,
    HttpAuth,
    Onvif,
    Rtsp,
    /// XiongMai: credentials in the RTSP URL, proved by SETUP on an any-path server.
    RtspUrl,
    Sofia,
    Telnet,
}

impl Proto {
    fn check_id(self) -> &'static str {
        match self {
            Proto::HikIsapi
            | Proto::DahuaRpc
            | Proto::ReolinkApi
            | Proto::XmWeb
            | Proto::AvtechWeb
            | Proto::HttpAuth => "default-credential-http",
            Proto::Onvif => "default-credential-onvif",
            Proto::Rtsp | Proto::RtspUrl => "default-credential-rtsp",
            Proto::Sofia => "default-credential-sdk",
            Proto::Telnet => "default-credential-telnet",
        }
    }
}

#[derive(serde::Deserialize, Default)]
struct CredFile {
    #[serde(default)]
    vendor: BTreeMap<String, PairList>,
    #[serde(default)]
    generic: PairList,
    #[serde(default)]
    telnet: PairList,
    #[serde(default)]
    telnet_vendor: BTreeMap<String, PairList>,
}

#[derive(serde::Deserialize, Default)]
struct PairList {
    #[serde(default)]
    pairs: Vec<(String, String)>,
}

/// Per-host state shared by the attempts.
struct Ctx<'a> {
    host: &'a Host,
    env: &'a CheckEnv,
    web: Option<Endpoint>,
    /// A path on `web` that answered 401.
    protected: Option<String>,
    onvif: Option<(Endpoint, String, String)>,
    rtsp: Option<(SocketAddrV4, String)>,
    /// An RTSP server that answers 200 to DESCRIBE of any path.
    rtsp_any: Option<SocketAddrV4>,
}

fn evidence(u: &str, p: &str, how: &str) -> String {
    format!("{u} / {} {how}", secret(p))
}

async fn hik_isapi(c: &Ctx<'_>, u: &str, p: &str) -> (AuthOutcome, String) {
    let Some(ep) = c.web else {
        return (AuthOutcome::SchemeUnsupported, String::new());
    };
    let req = Request::get("/ISAPI/Security/userCheck");
    let (r, sent) = match c.env.http.send_authed(ep, &req, u, p).await {
        Ok(x) => x,
        Err(e) => return (AuthOutcome::Error(e.msg), String::new()),
    };
    if !sent {
        return (AuthOutcome::SchemeUnsupported, String::new());
    }
    let body = r.text();
    if body.contains("<lockStatus>lock</lockStatus>") || body.contains("lockedIpFailed") {
        return (
            AuthOutcome::LockedOut,
            format!("userCheck reports a lock: {}", lock_detail(&body)),
        );
    }
    if let Some(n) = tag(&body, "retryLoginTime").and_then(|v| v.parse::<u32>().ok())
        && n <= 1
        && r.status != 200
    {
        // One more failure would lock the account: treat as the lock signal it is.
        return (
            AuthOutcome::LockedOut,
            format!("userCheck says retryLoginTime={n}"),
        );
    }
    match (r.status, tag(&body, "statusValue").as_deref()) {
        (200, Some("200")) | (200, None) => (
            AuthOutcome::Valid,
            evidence(
                u,
                p,
                "accepted by Digest on GET /ISAPI/Security/userCheck (200, statusValue 200)",
            ),
        ),
        (200, Some(_)) | (401, _) => (AuthOutcome::Invalid, String::new()),
        (s, _) => (
            AuthOutcome::Error(format!("userCheck answered {s}")),
            String::new(),
        ),
    }
}

fn tag(body: &str, name: &str) -> Option<String> {
    let open = format!("<{name}>");
    let i = body.find(&open)? + open.len();
    let j = body[i..].find('<')? + i;
    Some(body[i..j].trim().to_string())
}

fn lock_detail(body: &str) -> String {
    format!(
        "lockStatus={} unlockTime={}",
        tag(body, "lockStatus").unwrap_or_default(),
        tag(body, "unlockTime").unwrap_or_default()
    )
}

/// Dahua JSON-RPC two-step login (challenge, then MD5 response), logging out on success.
async fn dahua_rpc(c: &Ctx<'_>, u: &str, p: &str) -> (AuthOutcome, String) {
    use md5::Digest as _;
    let Some(ep) = c.web else {
        return (AuthOutcome::SchemeUnsupported, String::new());
    };
    let md5u = |s: &str| hex::encode_upper(md5::Md5::digest(s.as_bytes()));
    let step1 = serde_json::json!({"method":"global.login","params":{"userName":u,"password":"","clientType":"Web3.0","loginType":"Direct"},"id":1}).to_string();
    let r1 = match c
        .env
        .http
        .send(ep, &Request::post("/RPC2_Login", "application/json", step1))
        .await
    {
        Ok(r) => r,
        Err(e) => return (AuthOutcome::Error(e.msg), String::new()),
    };
    let v1: serde_json::Value = match serde_json::from_slice(&r1.body) {
        Ok(v) => v,
        Err(_) => return (AuthOutcome::SchemeUnsupported, String::new()),
    };
    if let Some(code) = crate::check::vulns::dahua_error(&v1)
        && crate::check::vulns::dahua_locked(code)
    {
        return (AuthOutcome::LockedOut, format!("RPC2_Login error {code}"));
    }
    let (Some(realm), Some(random)) = (
        v1["params"]["realm"].as_str(),
        v1["params"]["random"].as_str(),
    ) else {
        return (AuthOutcome::SchemeUnsupported, String::new());
    };
    let hash = md5u(&format!(
        "{u}:{random}:{}",
        md5u(&format!("{u}:{realm}:{p}"))
    ));
    let step2 = serde_json::json!({"method":"global.login","params":{"userName":u,"password":hash,"clientType":"Web3.0","loginType":"Direct","authorityType":"Default","passwordType":"Default"},"id":2,"session":v1["session"]}).to_string();
    let r2 = match c
        .env
        .http
        .send(ep, &Request::post("/RPC2_Login", "application/json", step2))
        .await
    {
        Ok(r) => r,
        Err(e) => return (AuthOutcome::Error(e.msg), String::new()),
    };
    let v2: serde_json::Value = serde_json::from_slice(&r2.body).unwrap_or_default();
    if v2["result"] == serde_json::Value::Bool(true) {
        crate::check::vulns::dahua_logout(c.env, ep, &v2["session"]).await;
        return (
            AuthOutcome::Valid,
            evidence(
                u,
                p,
                "accepted by the two-step POST /RPC2_Login (result true); session logged out",
            ),
        );
    }
    match crate::check::vulns::dahua_error(&v2) {
        Some(code) if crate::check::vulns::dahua_locked(code) => {
            (AuthOutcome::LockedOut, format!("RPC2_Login error {code}"))
        }
        Some(_) => (AuthOutcome::Invalid, String::new()),
        None => (
            AuthOutcome::Error("RPC2_Login answer without result".into()),
            String::new(),
        ),
    }
}

async fn reolink_api(c: &Ctx<'_>, u: &str, p: &str) -> (AuthOutcome, String) {
    let Some(ep) = c.web else {
        return (AuthOutcome::SchemeUnsupported, String::new());
    };
    let body = serde_json::json!([{"cmd":"Login","action":0,"param":{"User":{"Version":"0","userName":u,"password":p}}}]).to_string();
    let r = match c
        .env
        .http
        .send(
            ep,
            &Request::post("/cgi-bin/api.cgi?cmd=Login", "application/json", body),
        )
        .await
    {
        Ok(r) => r,
        Err(e) => return (AuthOutcome::Error(e.msg), String::new()),
    };
    let Ok(v) = serde_json::from_slice::<serde_json::Value>(&r.body) else {
        return (AuthOutcome::SchemeUnsupported, String::new());
    };
    let first = &v[0];
    if first["code"].as_i64() == Some(0)
        && let Some(token) = first["value"]["Token"]["name"].as_str()
    {
        let logout = serde_json::json!([{"cmd":"Logout","action":0,"param":{}}]).to_string();
        let path = format!("/cgi-bin/api.cgi?cmd=Logout&token={token}");
        let _ = c
            .env
            .http
            .send(ep, &Request::post(&path, "application/json", logout))
            .await;
        return (
            AuthOutcome::Valid,
            evidence(
                u,
                p,
                "accepted by POST /cgi-bin/api.cgi?cmd=Login (code 0); token logged out",
            ),
        );
    }
    let detail = first["error"]["detail"]
        .as_str()
        .unwrap_or("")
        .to_ascii_lowercase();
    if detail.contains("lock") || detail.contains("too many") {
        return (
            AuthOutcome::LockedOut,
            format!("Reolink login error: {detail}"),
        );
    }
    if first["code"].is_i64() {
        (AuthOutcome::Invalid, String::new())
    } else {
        (AuthOutcome::SchemeUnsupported, String::new())
    }
}

/// XiongMai web login: the NETSurveillance form POSTs to /Login.htm; a logged-in page sets
/// `g_channelNumber` (Ingram's marker). The marker must be absent from the login page itself,
/// or the page proves nothing.
async fn xm_web(c: &Ctx<'_>, u: &str, p: &str) -> (AuthOutcome, String) {
    let Some(ep) = c.web else {
        return (AuthOutcome::SchemeUnsupported, String::new());
    };
    if c.host
        .page(ep, "/")
        .is_some_and(|r| r.text().contains("g_channelNumber"))
    {
        return (AuthOutcome::SchemeUnsupported, String::new());
    }
    let enc = |s: &str| {
        s.bytes()
            .map(|b| {
                if b.is_ascii_alphanumeric() {
                    (b as char).to_string()
                } else {
                    format!("%{b:02X}")
                }
            })
            .collect::<String>()
    };
    let body = format!("command=login&username={}&password={}", enc(u), enc(p));
    match c
        .env
        .http
        .send(
            ep,
            &Request::post("/Login.htm", "application/x-www-form-urlencoded", body),
        )
        .await
    {
        Ok(r) if r.status == 200 && r.text().contains("g_channelNumber") => (
            AuthOutcome::Valid,
            evidence(
                u,
                p,
                "accepted by the NETSurveillance web login (POST /Login.htm)",
            ),
        ),
        // A refused login sends the login form back; any other page (GoAhead-based OEM
        // firmware serves its index for every path) means no login was judged.
        Ok(r) if r.status == 200 && is_login_form(&r.text()) => {
            (AuthOutcome::Invalid, String::new())
        }
        Ok(r) if r.status == 401 || r.status == 403 => (AuthOutcome::Invalid, String::new()),
        Ok(_) => (AuthOutcome::SchemeUnsupported, String::new()),
        Err(e) => (AuthOutcome::Error(e.msg), String::new()),
    }
}

/// A page that asks for a password (or names the XiongMai web client).
fn is_login_form(page: &str) -> bool {
    let lower = page.to_ascii_lowercase();
    lower.contains("type=\"password\"")
        || lower.contains("type='password'")
        || lower.contains("type=password")
        || lower.contains("netsurveillance")
}

/// AVTECH web login: `VerifyCode.cgi?account=<base64 user:pass>&login=quick`; the reply's second
/// line is `OK` on success (Ingram's AVTECH module).
async fn avtech_web(c: &Ctx<'_>, u: &str, p: &str) -> (AuthOutcome, String) {
    use base64::Engine as _;
    let Some(ep) = c.web else {
        return (AuthOutcome::SchemeUnsupported, String::new());
    };
    let acct = base64::engine::general_purpose::STANDARD.encode(format!("{u}:{p}"));
    let path = format!("/cgi-bin/nobody/VerifyCode.cgi?account={acct}&login=quick");
    match c.env.http.get(ep, &path).await {
        Ok(r) if r.status == 200 => {
            let t = r.text();
            if t.lines().any(|l| l.trim() == "OK") {
                (
                    AuthOutcome::Valid,
                    evidence(u, p, "accepted by AVTECH VerifyCode.cgi (OK)"),
                )
            } else if t.to_ascii_uppercase().contains("ERROR")
                || t.to_ascii_uppercase().contains("FAIL")
            {
                (AuthOutcome::Invalid, String::new())
            } else {
                (AuthOutcome::SchemeUnsupported, String::new())
            }
        }
        Ok(_) => (AuthOutcome::SchemeUnsupported, String::new()),
        Err(e) => (AuthOutcome::Error(e.msg), String::new()),
    }
}

async fn http_auth(c: &Ctx<'_>, u: &str, p: &str) -> (AuthOutcome, String) {
    let (Some(ep), Some(path)) = (c.web, c.protected.as_deref()) else {
        return (AuthOutcome::SchemeUnsupported, String::new());
    };
    let req = Request::get(path);
    match c.env.http.send_authed(ep, &req, u, p).await {
        Ok((r, true)) if (200..300).contains(&r.status) => {
            let scheme = c
                .host
                .page(ep, path)
                .and_then(|x| x.header("www-authenticate"))
                .and_then(|w| w.split_whitespace().next())
                .unwrap_or("HTTP")
                .to_string();
            (
                AuthOutcome::Valid,
                evidence(
                    u,
                    p,
                    &format!("accepted by {scheme} on GET {path} ({})", r.status),
                ),
            )
        }
        Ok((r, true)) if r.status == 401 || r.status == 403 => {
            (AuthOutcome::Invalid, String::new())
        }
        Ok((_, false)) => (AuthOutcome::SchemeUnsupported, String::new()),
        Ok((r, true)) => (
            AuthOutcome::Error(format!("HTTP {}", r.status)),
            String::new(),
        ),
        Err(e) => (AuthOutcome::Error(e.msg), String::new()),
    }
}

async fn onvif_login(c: &Ctx<'_>, u: &str, p: &str) -> (AuthOutcome, String) {
    let Some((ep, path, created)) = &c.onvif else {
        return (AuthOutcome::SchemeUnsupported, String::new());
    };
    let nonce: [u8; 16] = rand::random();
    let token = UsernameToken::new(u, p, created, &nonce);
    let xml = onvif::envelope("<tds:GetDeviceInformation/>", Some(&token.to_xml()));
    let mut r = match onvif::post(&c.env.http, *ep, path, &xml, &[]).await {
        Ok(r) => r,
        Err(e) => return (AuthOutcome::Error(e.msg), String::new()),
    };
    let mut how = "WS-Security UsernameToken";
    if r.status == 401 {
        // Some devices demand HTTP Digest at the HTTP layer before looking at the token.
        let req = Request::post(
            path,
            "application/soap+xml; charset=utf-8",
            xml.clone().into_bytes(),
        );
        match authorization_for(&r, &req, u, p) {
            Some(auth) => {
                r = match onvif::post(&c.env.http, *ep, path, &xml, &[("Authorization", auth)])
                    .await
                {
                    Ok(r) => r,
                    Err(e) => return (AuthOutcome::Error(e.msg), String::new()),
                };
                how = "HTTP Digest";
            }
            // The token was sent, so the device may have judged it (TP-Link Tapo firmware
            // counts it as a failed login): not a wrong password, but charged to the budget.
            None => {
                return (
                    AuthOutcome::Error(
                        "ONVIF refused the token with an HTTP challenge we cannot answer".into(),
                    ),
                    String::new(),
                );
            }
        }
    }
    let Ok(s) = onvif::parse(&r.body) else {
        return (
            AuthOutcome::Error(format!("ONVIF answered {} with no SOAP", r.status)),
            String::new(),
        );
    };
    if r.status == 200 && s.fault.is_none() && s.has("Manufacturer") {
        c.env.learn(crate::identify::facts_from_device_info(
            &crate::identify::vendor_from_manufacturer(s.get("Manufacturer").unwrap_or("")).0,
            s.get("Model"),
            s.get("FirmwareVersion"),
            Some(ep.addr.port()),
        ));
        return (
            AuthOutcome::Valid,
            evidence(
                u,
                p,
                &format!(
                    "accepted by ONVIF GetDeviceInformation with {how} on {}{path}",
                    ep.base()
                ),
            ),
        );
    }
    match &s.fault {
        Some(f) if f.reason.to_ascii_lowercase().contains("lock") => {
            (AuthOutcome::LockedOut, format!("ONVIF fault: {}", f.reason))
        }
        Some(f) if f.not_authorized() || r.status == 400 || r.status == 401 => {
            (AuthOutcome::Invalid, String::new())
        }
        _ => (
            AuthOutcome::Error(format!("ONVIF answered {}", r.status)),
            String::new(),
        ),
    }
}

async fn rtsp_login(c: &Ctx<'_>, u: &str, p: &str) -> (AuthOutcome, String) {
    let Some((addr, path)) = &c.rtsp else {
        return (AuthOutcome::SchemeUnsupported, String::new());
    };
    let Ok(mut conn) = RtspConn::open(&c.env.net, *addr).await else {
        return (AuthOutcome::Error("connect".into()), String::new());
    };
    let url = conn.url(path);
    let accept = [("Accept", "application/sdp".to_string())];
    let first = match conn.request("DESCRIBE", &url, &accept).await {
        Ok(r) => r,
        Err(e) => {
            conn.close().await;
            return (AuthOutcome::Error(e.msg), String::new());
        }
    };
    if first.status != 401 {
        conn.close().await;
        return (AuthOutcome::SchemeUnsupported, String::new());
    }
    let mut builder = http_auth::PasswordClient::builder();
    for v in first.headers_named("www-authenticate") {
        builder = builder.challenges(v);
    }
    let auth = builder.build().ok().and_then(|mut cl| {
        cl.respond(&http_auth::PasswordParams {
            username: u,
            password: p,
            uri: &url,
            method: "DESCRIBE",
            body: None,
        })
        .ok()
    });
    let Some(auth) = auth else {
        conn.close().await;
        return (AuthOutcome::SchemeUnsupported, String::new());
    };
    let r = conn
        .request(
            "DESCRIBE",
            &url,
            &[
                ("Accept", "application/sdp".into()),
                ("Authorization", auth.clone()),
            ],
        )
        .await;
    conn.close().await;
    let scheme = auth.split_whitespace().next().unwrap_or("").to_string();
    match r {
        Ok(r) if r.status == 200 => (
            AuthOutcome::Valid,
            evidence(
                u,
                p,
                &format!("accepted by RTSP {scheme} on DESCRIBE {url} (200 with SDP)"),
            ),
        ),
        Ok(r) if r.status == 401 || r.status == 403 => (AuthOutcome::Invalid, String::new()),
        // The same path answered 401 without credentials and "no such stream" with them: the
        // server judged the credential first and accepted it (D-Link, TVT and HiSilicon
        // firmware authenticate before they look the path up).
        Ok(r) if r.status == 404 || r.status == 454 => (
            AuthOutcome::Valid,
            evidence(
                u,
                p,
                &format!(
                    "accepted by RTSP {scheme} on DESCRIBE {url}: 401 without credentials, {} (no such stream) with them, so the credential passed",
                    r.status
                ),
            ),
        ),
        Ok(r) => (
            AuthOutcome::Error(format!("RTSP {}", r.status)),
            String::new(),
        ),
        Err(e) => (AuthOutcome::Error(e.msg), String::new()),
    }
}

/// XiongMai `H264DVR` servers take the credential in the URL and answer 200 to DESCRIBE of any
/// path (cameradar #347), so only SETUP decides: it must succeed with the credential in the URL
/// while a SETUP without one (random path) is refused. Sessions are torn down.
async fn rtsp_url_login(c: &Ctx<'_>, u: &str, p: &str) -> (AuthOutcome, String) {
    let Some(addr) = c.rtsp_any else {
        return (AuthOutcome::SchemeUnsupported, String::new());
    };
    let random = format!("/camwarden-{:08x}", rand::random::<u32>());
    let base = super::unauth::describe_setup(c.env, addr, &random, &[]).await;
    if !matches!(base, Some((_, Some(s), _)) if s == 401 || s == 403) {
        return (AuthOutcome::SchemeUnsupported, String::new());
    }
    let path = format!("/user={u}&password={p}&channel=1&stream=0.sdp?real_stream");
    match super::unauth::describe_setup(c.env, addr, &path, &[]).await {
        Some((200, Some(200), _)) => (
            AuthOutcome::Valid,
            evidence(
                u,
                p,
                &format!(
                    "accepted in the RTSP URL on {addr}: SETUP 200 with it, 401 without (any-path server)"
                ),
            ),
        ),
        Some((_, Some(401), _)) | Some((_, Some(403), _)) => (AuthOutcome::Invalid, String::new()),
        Some(_) => (AuthOutcome::SchemeUnsupported, String::new()),
        None => (
            AuthOutcome::Error("RTSP exchange failed".into()),
            String::new(),
        ),
    }
}

async fn sofia_login(c: &Ctx<'_>, u: &str, p: &str) -> (AuthOutcome, String) {
    let addr = c.host.addr(34567);
    let mut s = match Sofia::open(&c.env.net, addr).await {
        Ok(s) => s,
        Err(e) => return (AuthOutcome::Error(e.msg), String::new()),
    };
    match s.login(u, p).await {
        Ok(r) if r.ret == 100 => {
            s.logout(r.session).await;
            (
                AuthOutcome::Valid,
                evidence(
                    u,
                    p,
                    "accepted by the Sofia (DVRIP-Web) login on 34567 (Ret 100); logged out",
                ),
            )
        }
        Ok(r) if r.ret == 106 || r.ret == 203 => {
            s.close().await;
            (AuthOutcome::Invalid, String::new())
        }
        Ok(r) if r.ret == 205 => {
            s.close().await;
            (
                AuthOutcome::LockedOut,
                "Sofia login Ret 205 (locked)".into(),
            )
        }
        Ok(r) => {
            s.close().await;
            (
                AuthOutcome::Error(format!("Sofia Ret {}", r.ret)),
                String::new(),
            )
        }
        Err(e) => {
            s.close().await;
            (AuthOutcome::Error(e.msg), String::new())
        }
    }
}

async fn telnet_login(c: &Ctx<'_>, port: u16, u: &str, p: &str) -> (AuthOutcome, String) {
    let mut t = match Telnet::open(&c.env.net, c.host.addr(port)).await {
        Ok(t) => t,
        Err(e) => return (AuthOutcome::Error(e.msg), String::new()),
    };
    let idle = Duration::from_millis(1200);
    let greet = t
        .read_until(&["login:", "username:"], 4096, idle)
        .await
        .to_ascii_lowercase();
    if !(greet.trim_end().ends_with("login:") || greet.trim_end().ends_with("username:")) {
        t.close().await;
        return (AuthOutcome::SchemeUnsupported, String::new());
    }
    let _ = t.send_line(u).await;
    let ask = t
        .read_until(&["password:"], 4096, idle)
        .await
        .to_ascii_lowercase();
    if !ask.trim_end().ends_with("password:") {
        t.close().await;
        return (AuthOutcome::SchemeUnsupported, String::new());
    }
    let _ = t.send_line(p).await;
    let after = t
        .read_until(&["#", "$", ">", "login:", "incorrect"], 4096, idle)
        .await;
    let l = after.to_ascii_lowercase();
    let tail = l.trim_end();
    let outcome = if l.contains("lock") {
        (
            AuthOutcome::LockedOut,
            "telnet says the account is locked".into(),
        )
    } else if l.contains("incorrect")
        || l.contains("failed")
        || l.contains("denied")
        || tail.ends_with("login:")
    {
        (AuthOutcome::Invalid, String::new())
    } else if tail.ends_with('#') || tail.ends_with('$') || tail.ends_with('>') {
        // Logged in: leave at once, running nothing.
        let _ = t.send_line("exit").await;
        (
            AuthOutcome::Valid,
            evidence(
                u,
                p,
                &format!(
                    "opened a telnet shell on port {port} (prompt seen; exited at once, no command run)"
                ),
            ),
        )
    } else {
        (
            AuthOutcome::Error("no recognisable answer after the password".into()),
            String::new(),
        )
    };
    t.close().await;
    outcome
}

async fn attempt(c: &Ctx<'_>, proto: Proto, port: u16, u: &str, p: &str) -> (AuthOutcome, String) {
    match proto {
        Proto::HikIsapi => hik_isapi(c, u, p).await,
        Proto::DahuaRpc => dahua_rpc(c, u, p).await,
        Proto::ReolinkApi => reolink_api(c, u, p).await,
        Proto::XmWeb => xm_web(c, u, p).await,
        Proto::AvtechWeb => avtech_web(c, u, p).await,
        Proto::HttpAuth => http_auth(c, u, p).await,
        Proto::Onvif => onvif_login(c, u, p).await,
        Proto::Rtsp => rtsp_login(c, u, p).await,
        Proto::RtspUrl => rtsp_url_login(c, u, p).await,
        Proto::Sofia => sofia_login(c, u, p).await,
        Proto::Telnet => telnet_login(c, port, u, p).await,
    }
}

fn port_of(c: &Ctx<'_>, proto: Proto) -> Option<u16> {
    match proto {
        Proto::HikIsapi
        | Proto::DahuaRpc
        | Proto::ReolinkApi
        | Proto::XmWeb
        | Proto::AvtechWeb
        | Proto::HttpAuth => c.web.map(|e| e.addr.port()),
        Proto::Onvif => c.onvif.as_ref().map(|o| o.0.addr.port()),
        Proto::Rtsp => c.rtsp.as_ref().map(|r| r.0.port()),
        Proto::RtspUrl => c.rtsp_any.map(|a| a.port()),
        Proto::Sofia => Some(34567),
        Proto::Telnet => c
            .host
            .ports
            .iter()
            .find(|p| p.service == "telnet")
            .map(|p| p.port),
    }
}

/// Protocols to try, primary first.
fn plan(c: &Ctx<'_>) -> Vec<Proto> {
    let h = c.host;
    let mut v = Vec::new();
    let web = c.web.is_some();
    match h.vendor() {
        Some("hikvision") if web => v.push(Proto::HikIsapi),
        Some("dahua") if web => v.push(Proto::DahuaRpc),
        Some("reolink") if web => v.push(Proto::ReolinkApi),
        Some("xiongmai") if h.service(34567) == Some("sdk") => v.push(Proto::Sofia),
        _ => {}
    }
    match h.vendor() {
        Some("xiongmai") if web => v.push(Proto::XmWeb),
        Some("avtech") if web => v.push(Proto::AvtechWeb),
        _ => {}
    }
    if c.protected.is_some() {
        v.push(Proto::HttpAuth);
    }
    if c.onvif.is_some() {
        v.push(Proto::Onvif);
    }
    if c.rtsp.is_some() {
        v.push(Proto::Rtsp);
    }
    if c.rtsp_any.is_some() && h.vendor() == Some("xiongmai") {
        v.push(Proto::RtspUrl);
    }
    v
}

async fn prepare<'a>(host: &'a Host, env: &'a CheckEnv) -> Ctx<'a> {
    let web = host
        .http
        .iter()
        .find(|e| !e.tls)
        .or(host.http.first())
        .copied();
    let mut protected = web.and_then(|ep| {
        host.pages
            .iter()
            .find(|(e, _, r)| *e == ep && r.status == 401)
            .map(|(_, p, _)| p.clone())
    });
    // Vendors whose first page is open but whose API asks for Digest: use the API's path.
    if protected.is_none()
        && let Some(ep) = web
    {
        let path = match host.vendor() {
            Some("uniview") => Some("/LAPI/V1.0/System/DeviceInfo"),
            Some("axis") => Some("/axis-cgi/param.cgi?action=list&group=Brand"),
            // Wisenet/Samsung SUNAPI: device information behind Digest.
            Some("hanwha") => Some("/stw-cgi/system.cgi?msubmenu=deviceinfo&action=view"),
            Some("tp-link") | Some("vivotek") | Some("other") => None,
            _ => None,
        };
        if let Some(path) = path
            && let Ok(r) = env.http.get(ep, path).await
            && r.status == 401
            && authorization_for(&r, &Request::get(path), "x", "x").is_some()
        {
            protected = Some(path.to_string());
        }
    }
    // ONVIF: only judge credentials where anonymous GetDeviceInformation is refused.
    let mut onvif_ctx = None;
    if let Some((ep, path)) = host.onvif.first()
        && let Ok((_, _, utc)) = onvif::get_system_date_and_time(&env.http, *ep, path).await
    {
        let anon = onvif::post(
            &env.http,
            *ep,
            path,
            &onvif::envelope("<tds:GetDeviceInformation/>", None),
            &[],
        )
        .await;
        let open = anon
            .ok()
            .and_then(|r| {
                onvif::parse(&r.body)
                    .ok()
                    .map(|s| r.status == 200 && s.fault.is_none() && s.has("Manufacturer"))
            })
            .unwrap_or(false);
        if !open {
            let created = utc.unwrap_or_else(|| {
                jiff::Timestamp::now()
                    .strftime("%Y-%m-%dT%H:%M:%SZ")
                    .to_string()
            });
            onvif_ctx = Some((*ep, path.clone(), created));
        }
    }
    // RTSP: a vendor stream path, unless the server answers 200 to any path (XiongMai H264DVR).
    let mut rtsp = None;
    let mut rtsp_any = None;
    if let Some(addr) = host.rtsp.first() {
        // One connection: DESCRIBE of a random path first (an any-path server answers 200),
        // then of a few known paths until one asks for credentials. Servers that check the path
        // before the credentials answer 404 to an unknown one (D-Link, TVT, Foscam firmware).
        // DESCRIBE without credentials costs nothing and opens no stream.
        let random = format!("/camwarden-{:08x}", rand::random::<u32>());
        let candidates = super::unauth::stream_paths(env, host.vendor(), 4);
        let accept = [("Accept", "application/sdp".to_string())];
        let mut any_path = true;
        let mut chosen = None;
        if let Ok(mut c) = RtspConn::open(&env.net, *addr).await {
            let url = c.url(&random);
            any_path = c
                .request("DESCRIBE", &url, &accept)
                .await
                .map(|r| r.status == 200)
                .unwrap_or(true);
            if !any_path {
                for path in &candidates {
                    let url = c.url(path);
                    match c.request("DESCRIBE", &url, &accept).await {
                        Ok(r) if r.status == 401 => {
                            chosen = Some(path.clone());
                            break;
                        }
                        Ok(_) => continue,
                        Err(_) => break,
                    }
                }
            }
            c.close().await;
        }
        if any_path {
            rtsp_any = Some(*addr);
        } else {
            let path = chosen
                .or_else(|| candidates.into_iter().next())
                .unwrap_or_else(|| "/".into());
            rtsp = Some((*addr, path));
        }
    }
    Ctx {
        host,
        env,
        web,
        protected,
        onvif: onvif_ctx,
        rtsp,
        rtsp_any,
    }
}

/// After a valid credential: read the device's own description (read-only) to sharpen identity.
async fn learn_with(c: &Ctx<'_>, u: &str, p: &str) {
    let Some(ep) = c.web else { return };
    match c.host.vendor() {
        Some("hikvision") => {
            if let Ok((r, true)) = c
                .env
                .http
                .send_authed(ep, &Request::get("/ISAPI/System/deviceInfo"), u, p)
                .await
                && r.status == 200
            {
                c.env
                    .learn(extract_hikvision(&r.body, Some(ep.addr.port())));
            }
        }
        Some("dahua") => {
            let mut model = None;
            let mut fw = None;
            if let Ok((r, true)) = c
                .env
                .http
                .send_authed(
                    ep,
                    &Request::get("/cgi-bin/magicBox.cgi?action=getSystemInfo"),
                    u,
                    p,
                )
                .await
            {
                let t = r.text();
                model = t
                    .lines()
                    .find_map(|l| l.strip_prefix("deviceType="))
                    .map(|s| s.trim().to_string());
            }
            if let Ok((r, true)) = c
                .env
                .http
                .send_authed(
                    ep,
                    &Request::get("/cgi-bin/magicBox.cgi?action=getSoftwareVersion"),
                    u,
                    p,
                )
                .await
            {
                fw = r
                    .text()
                    .lines()
                    .find_map(|l| l.strip_prefix("version="))
                    .map(|s| s.trim().to_string());
            }
            c.env.learn(crate::identify::facts_from_device_info(
                "dahua",
                model.as_deref(),
                fw.as_deref(),
                Some(ep.addr.port()),
            ));
        }
        _ => {}
    }
}

/// The vendor's own defaults first, then the generic ones it does not already hold; the
/// budget decides how far down the list a scan gets. Also returns how many leading entries
/// are the device's primary list (the vendor's, or the generic one when the vendor is unknown).
fn candidate_list(data: &CredFile, vendor: Option<&str>) -> (Vec<(String, String)>, usize) {
    let mut list: Vec<(String, String)> = vendor
        .and_then(|v| data.vendor.get(v))
        .map(|l| l.pairs.clone())
        .unwrap_or_default();
    let primary = if list.is_empty() {
        data.generic.pairs.len()
    } else {
        list.len()
    };
    for pair in &data.generic.pairs {
        if !list.contains(pair) {
            list.push(pair.clone());
        }
    }
    (list, primary)
}

pub async fn run(host: &Host, env: &CheckEnv) -> Vec<Finding> {
    let data: CredFile = env
        .kb
        .file("credentials/defaults.toml")
        .and_then(|t| toml::from_str(t).ok())
        .unwrap_or_default();
    let c = prepare(host, env).await;
    let plan = plan(&c);
    let telnet_port = port_of(&c, Proto::Telnet);
    for p in &plan {
        env.mark_ran(p.check_id());
    }
    if telnet_port.is_some() {
        env.mark_ran(Proto::Telnet.check_id());
    }
    let (list, primary) = candidate_list(&data, host.vendor());

    let mut found: BTreeMap<&'static str, Finding> = BTreeMap::new();
    let mut known: Option<(String, String)> = None;
    // A pair one protocol judged wrong is not spent again on another: the budget buys more
    // distinct guesses that way (the protocols of one device share its account store).
    let mut rejected: Vec<(String, String)> = Vec::new();
    'protocols: for proto in plan {
        if found.contains_key(proto.check_id()) {
            continue;
        }
        let port = port_of(&c, proto).unwrap_or(0);
        // Once a credential is known, other protocols get only that one; before that, the
        // vendor list goes to the first protocol able to judge it.
        let candidates: Vec<(String, String)> = match &known {
            Some(k) => vec![k.clone()],
            None => list.clone(),
        };
        for (i, (u, p)) in candidates.into_iter().enumerate() {
            // (A credential proven valid elsewhere is always tried: some web front ends of
            // XiongMai recorders refuse what their SDK and ONVIF services accept.)
            if known.is_none() && rejected.iter().any(|(ru, rp)| *ru == u && *rp == p) {
                continue;
            }
            // The vendor's own defaults may wait for the 30 s window; the generic ones after
            // them, and a known credential carried to another protocol, are tried only while
            // it has room (a hardened device costs no extra 30 s).
            let slot = if known.is_none() && i < primary {
                match env.budget.acquire().await {
                    Ok(s) => s,
                    Err(_) => break 'protocols,
                }
            } else {
                match env.budget.try_acquire().await {
                    Ok(s) => s,
                    Err(_) => break,
                }
            };
            let (outcome, ev) = attempt(&c, proto, port, &u, &p).await;
            tracing::debug!(ip = %host.ip, proto = ?proto, port, user = %u, ?outcome, "credential attempt");
            slot.finish(&outcome);
            match outcome {
                AuthOutcome::Valid => {
                    if known.is_none() {
                        learn_with(&c, &u, &p).await;
                    }
                    found.insert(
                        proto.check_id(),
                        env.finding(host, proto.check_id(), Some(port), ev),
                    );
                    known = Some((u, p));
                    continue 'protocols;
                }
                AuthOutcome::Invalid => rejected.push((u, p)),
                AuthOutcome::LockedOut => {
                    tracing::warn!(ip = %host.ip, "lockout signal: {ev}; no further credential attempts");
                    break 'protocols;
                }
                AuthOutcome::SchemeUnsupported | AuthOutcome::Error(_) => continue 'protocols,
            }
        }
    }
    if let Some(port) = telnet_port
        && !env.budget.locked()
    {
        // Telnet on these firmwares has its own root accounts: their list first, the web
        // credential last (XiongMai recorders refuse admin on telnet).
        let mut tl: Vec<(String, String)> = host
            .vendor()
            .and_then(|v| data.telnet_vendor.get(v))
            .map(|l| l.pairs.clone())
            .unwrap_or_default();
        for pair in &data.telnet.pairs {
            if !tl.contains(pair) {
                tl.push(pair.clone());
            }
        }
        if let Some(k) = &known
            && !tl.contains(k)
        {
            tl.push(k.clone());
        }
        for (u, p) in tl {
            let Ok(slot) = env.budget.acquire().await else {
                break;
            };
            let (outcome, ev) = attempt(&c, Proto::Telnet, port, &u, &p).await;
            tracing::debug!(ip = %host.ip, proto = ?Proto::Telnet, port, user = %u, ?outcome, "credential attempt");
            slot.finish(&outcome);
            match outcome {
                AuthOutcome::Valid => {
                    found.insert(
                        Proto::Telnet.check_id(),
                        env.finding(host, Proto::Telnet.check_id(), Some(port), ev),
                    );
                    break;
                }
                AuthOutcome::Invalid => continue,
                _ => break,
            }
        }
    }
    found.into_values().collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn xml_tags() {
        let b = "<userCheck><statusValue>401</statusValue><lockStatus>unlock</lockStatus><retryLoginTime>3</retryLoginTime></userCheck>";
        assert_eq!(tag(b, "statusValue").as_deref(), Some("401"));
        assert_eq!(tag(b, "retryLoginTime").as_deref(), Some("3"));
        assert_eq!(tag(b, "missing"), None);
    }

    #[test]
    fn credential_data_parses_and_every_list_is_short() {
        let kb = crate::data::Knowledge::builtin().unwrap();
        let f: CredFile = toml::from_str(kb.file("credentials/defaults.toml").unwrap()).unwrap();
        assert!(f.vendor.contains_key("hikvision"));
        for (v, l) in &f.vendor {
            assert!(!l.pairs.is_empty() && l.pairs.len() <= 4, "{v}");
            assert!(
                camwarden_core::model::VENDOR_SLUGS.contains(&v.as_str()),
                "{v}"
            );
        }
    }

    #[test]
    fn vendor_defaults_come_first_then_generic_ones_without_repeats() {
        let kb = crate::data::Knowledge::builtin().unwrap();
        let f: CredFile = toml::from_str(kb.file("credentials/defaults.toml").unwrap()).unwrap();
        let (dahua, primary) = candidate_list(&f, Some("dahua"));
        assert_eq!(primary, f.vendor["dahua"].pairs.len());
        assert_eq!(dahua[..primary], f.vendor["dahua"].pairs[..]);
        assert!(dahua.contains(&("admin".into(), "12345".into())));
        let mut dedup = dahua.clone();
        dedup.sort();
        dedup.dedup();
        assert_eq!(dedup.len(), dahua.len());
        let generic = (f.generic.pairs.clone(), f.generic.pairs.len());
        assert_eq!(candidate_list(&f, None), generic);
        assert_eq!(candidate_list(&f, Some("no-such-vendor")), generic);
    }

    #[test]
    fn xm_login_failure_is_judged_only_on_a_login_form() {
        assert!(is_login_form(
            "<form action=\"Login.htm\"><input type=\"password\" name=\"password\"/></form>"
        ));
        assert!(is_login_form("<title>NETSurveillance WEB</title>"));
        assert!(!is_login_form(
            "<html><head><title>IPCAM</title></head><body>goahead-like</body></html>"
        ));
    }

    #[test]
    fn evidence_never_shows_the_password() {
        assert_eq!(evidence("admin", "12345", "x"), "admin / <redacted> x");
        assert_eq!(evidence("admin", "", "x"), "admin / <blank> x");
    }
}
