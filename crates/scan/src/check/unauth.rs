//! Unauthenticated access: streams, snapshots and ONVIF operations that must need a login.
//!
//! An RTSP stream counts as open only when DESCRIBE *and* SETUP succeed without credentials.
//! A random-path DESCRIBE is sent first as a baseline: XiongMai `H264DVR` recorders answer 200 to
//! DESCRIBE of any path while still demanding credentials for SETUP (cameradar #347, #438), so a
//! DESCRIBE 200 alone proves nothing. Every session set up is torn down; PLAY is never sent.
//! Snapshots are proved from the status, the content type and the first bytes (JPEG/PNG magic):
//! at most 64 bytes are read and nothing is kept.

use super::{CheckEnv, Host};
use crate::proto::http::Request;
use crate::proto::onvif;
use crate::proto::rtsp::{RtspConn, first_track_url};
use camwarden_core::model::Finding;
use std::net::SocketAddrV4;

#[derive(serde::Deserialize, Default)]
struct Streams {
    #[serde(default)]
    rtsp: std::collections::BTreeMap<String, toml::Value>,
    #[serde(default)]
    snapshot: std::collections::BTreeMap<String, toml::Value>,
}

fn paths(
    table: &std::collections::BTreeMap<String, toml::Value>,
    vendor: Option<&str>,
    max: usize,
) -> Vec<String> {
    let list = |k: &str| -> Vec<String> {
        table
            .get(k)
            .and_then(|v| v.as_array())
            .map(|a| {
                a.iter()
                    .filter_map(|x| x.as_str().map(str::to_string))
                    .collect()
            })
            .unwrap_or_default()
    };
    let mut out = vendor.map(list).unwrap_or_default();
    for p in list("generic") {
        if !out.contains(&p) {
            out.push(p);
        }
    }
    // A path carrying a credential is a login attempt (XiongMai counts it as one): never sent
    // from here, whatever a data directory says.
    out.retain(|p| !carries_credential(p));
    out.truncate(max);
    out
}

fn carries_credential(path: &str) -> bool {
    let l = path.to_ascii_lowercase();
    [
        "user=",
        "password=",
        "pwd=",
        "usr=",
        "passwd=",
        "loginuse",
        "loginpas",
    ]
    .iter()
    .any(|k| l.contains(k))
}

fn streams(kb: &crate::data::Knowledge) -> Streams {
    kb.file("streams.toml")
        .and_then(|t| toml::from_str(t).ok())
        .unwrap_or_default()
}

/// The generic stream paths of data/streams.toml (for identifying a bare RTSP server).
pub fn generic_stream_paths(kb: &crate::data::Knowledge, max: usize) -> Vec<String> {
    paths(&streams(kb).rtsp, None, max)
}

/// Stream paths for a vendor (vendor's own first, then generic), from data/streams.toml.
pub fn stream_paths(env: &CheckEnv, vendor: Option<&str>, max: usize) -> Vec<String> {
    paths(&streams(&env.kb).rtsp, vendor, max)
}

fn snapshot_paths(env: &CheckEnv, vendor: Option<&str>, max: usize) -> Vec<String> {
    paths(&streams(&env.kb).snapshot, vendor, max)
}

fn is_sdp(r: &crate::proto::msg::Reply) -> bool {
    r.status == 200
        && (r
            .header("content-type")
            .is_some_and(|c| c.to_ascii_lowercase().contains("sdp"))
            || r.body.starts_with(b"v=0"))
}

/// DESCRIBE `path` without credentials, then SETUP its first track; TEARDOWN whatever was set up.
/// Returns (describe status, setup status) when the exchange happened.
pub async fn describe_setup(
    env: &CheckEnv,
    addr: SocketAddrV4,
    path: &str,
    auth: &[(&str, String)],
) -> Option<(u16, Option<u16>, usize)> {
    let mut c = RtspConn::open(&env.net, addr).await.ok()?;
    let url = c.url(path);
    let mut headers: Vec<(&str, String)> = vec![("Accept", "application/sdp".into())];
    headers.extend(auth.iter().cloned());
    let d = match c.request("DESCRIBE", &url, &headers).await {
        Ok(d) => d,
        Err(_) => {
            c.close().await;
            return None;
        }
    };
    if !is_sdp(&d) {
        c.close().await;
        return Some((d.status, None, 0));
    }
    let sdp = d.text();
    let media = sdp.lines().filter(|l| l.starts_with("m=")).count();
    let track = first_track_url(&url, d.header("content-base"), &sdp);
    let mut sh: Vec<(&str, String)> =
        vec![("Transport", "RTP/AVP/TCP;unicast;interleaved=0-1".into())];
    sh.extend(auth.iter().cloned());
    let setup = c.request("SETUP", &track, &sh).await.ok();
    let status = setup.as_ref().map(|s| s.status);
    c.teardown(&url).await;
    Some((d.status, status, media))
}

async fn rtsp_open(host: &Host, env: &CheckEnv) -> Option<Finding> {
    for &addr in &host.rtsp {
        let baseline = format!("/camwarden-{:08x}", rand::random::<u32>());
        let base = describe_setup(env, addr, &baseline, &[]).await;
        let base_status = base.map(|b| b.0).unwrap_or(0);
        for path in stream_paths(env, host.vendor(), 5) {
            if path.to_ascii_lowercase().contains("password=") {
                // XiongMai paths carry credentials in the URL: that is a login (the credential
                // check's business), not anonymous access.
                continue;
            }
            let Some((d, s, media)) = describe_setup(env, addr, &path, &[]).await else {
                continue;
            };
            if d == 200 && s == Some(200) {
                return Some(env.finding(
                    host,
                    "unauthenticated-rtsp-stream",
                    Some(addr.port()),
                    format!(
                        "DESCRIBE rtsp://{addr}{path} → 200 (SDP, {media} media), SETUP → 200 with a session, no credentials; baseline DESCRIBE of a random path → {base_status}; session torn down, no media read"
                    ),
                ));
            }
            if d == 401 || d == 403 {
                // The server demands credentials for real paths: no need to try more.
                break;
            }
        }
    }
    None
}

async fn snapshot(host: &Host, env: &CheckEnv) -> Option<Finding> {
    let ep = host
        .http
        .iter()
        .find(|e| !e.tls)
        .or(host.http.first())
        .copied()?;
    for path in snapshot_paths(env, host.vendor(), 6) {
        let Ok(r) = env.http.send_limited(ep, &Request::get(&path), 64).await else {
            continue;
        };
        let magic = r.body.starts_with(&[0xFF, 0xD8, 0xFF]) || r.body.starts_with(b"\x89PNG");
        // The magic bytes are the proof; the type is only reported (Hipcam-style firmware
        // serves its snapshots as application/octet-stream or with no type at all).
        if r.status == 200 && magic {
            return Some(env.finding(
                host,
                "unauthenticated-snapshot",
                Some(ep.addr.port()),
                format!(
                    "GET {}{path} → 200 {} with image magic bytes, no credentials (first 64 bytes read, nothing kept)",
                    ep.base(),
                    r.header("content-type").unwrap_or("(no content type)")
                ),
            ));
        }
    }
    None
}

async fn onvif_ops(host: &Host, env: &CheckEnv) -> Vec<Finding> {
    let mut out = Vec::new();
    for (ep, path) in &host.onvif {
        let mut exposed = Vec::new();
        for (op, body, marker) in [
            (
                "GetDeviceInformation",
                "<tds:GetDeviceInformation/>",
                "Manufacturer",
            ),
            ("GetUsers", "<tds:GetUsers/>", "Username"),
        ] {
            let env_xml = onvif::envelope(body, None);
            if let Ok(r) = onvif::post(&env.http, *ep, path, &env_xml, &[]).await
                && let Ok(s) = onvif::parse(&r.body)
                && r.status == 200
                && s.fault.is_none()
                && s.has(marker)
            {
                exposed.push(op);
            }
        }
        if !exposed.is_empty() {
            out.push(env.finding(
                host,
                "unauthenticated-onvif",
                Some(ep.addr.port()),
                format!(
                    "{} answered on {}{} without credentials",
                    exposed.join(", "),
                    ep.base(),
                    path
                ),
            ));
        }
        // XiongMai: GetSnapshotUri with an empty UsernameToken returns a URI carrying the password.
        // XiongMai firmware is sold under many names, so unknown and generic vendors are asked
        // too, and anything answering ONVIF on XiongMai's port 8899.
        let xm_like = matches!(host.vendor(), None | Some("xiongmai") | Some("other"))
            || ep.addr.port() == 8899;
        if xm_like && let Some((media, uri)) = xm_snapshot_uri(env, *ep).await {
            let l = uri.to_ascii_lowercase();
            if l.contains("user=") && l.contains("password=") {
                out.push(env.finding(
                    host,
                    "unauthenticated-onvif",
                    Some(ep.addr.port()),
                    format!(
                        "GetSnapshotUri answered an empty UsernameToken on {}{media} (authentication bypass)",
                        ep.base()
                    ),
                ));
                out.push(env.finding(
                    host,
                    "onvif-credential-leak",
                    Some(ep.addr.port()),
                    format!(
                        "GetSnapshotUri with an empty UsernameToken on {}{media} returned a URI with user=<redacted>&password=<redacted>",
                        ep.base()
                    ),
                ));
            }
        }
    }
    out
}

/// Media service paths and profile tokens seen on XiongMai-based firmware (`/onvif/Media` with
/// token `000` is the original shape; OEM builds move the service and name profiles otherwise).
const XM_MEDIA_PATHS: [&str; 3] = ["/onvif/Media", "/onvif/media_service", "/onvif/media"];
const XM_PROFILE_TOKENS: [&str; 3] = ["000", "001", "Profile_1"];

/// GetSnapshotUri with an empty UsernameToken: the media path and the URI, if one answered.
/// At most 9 small read-only requests; a path that is not a SOAP service is abandoned at once.
async fn xm_snapshot_uri(
    env: &CheckEnv,
    ep: crate::proto::http::Endpoint,
) -> Option<(String, String)> {
    for media in XM_MEDIA_PATHS {
        for profile in XM_PROFILE_TOKENS {
            let body = format!(
                "<trt:GetSnapshotUri><trt:ProfileToken>{profile}</trt:ProfileToken></trt:GetSnapshotUri>"
            );
            let xml = onvif::envelope(&body, Some(onvif::empty_token_xml()));
            let Ok(r) = onvif::post(&env.http, ep, media, &xml, &[]).await else {
                break;
            };
            let Ok(s) = onvif::parse(&r.body) else {
                break;
            };
            if let Some(uri) = s.get("Uri") {
                return Some((media.to_string(), uri.to_string()));
            }
            match &s.fault {
                // Refused for want of credentials: this device is not open, whatever the path.
                Some(f) if f.not_authorized() => return None,
                // Another fault (unknown profile, say): try the next token.
                Some(_) => continue,
                None => break,
            }
        }
    }
    None
}

pub async fn run(host: &Host, env: &CheckEnv) -> Vec<Finding> {
    let mut out = Vec::new();
    if !host.rtsp.is_empty() {
        env.mark_ran("unauthenticated-rtsp-stream");
        out.extend(rtsp_open(host, env).await);
    }
    if !host.http.is_empty() {
        env.mark_ran("unauthenticated-snapshot");
        out.extend(snapshot(host, env).await);
    }
    if !host.onvif.is_empty() {
        env.mark_ran("unauthenticated-onvif");
        env.mark_ran("onvif-credential-leak");
        out.extend(onvif_ops(host, env).await);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The bug: the XiongMai stream path `/user=admin&password=&…` was sent by the
    /// unauthenticated-stream check, outside the budget, and counted as a failed login.
    #[test]
    fn regression_credential_bearing_paths_never_leave_without_the_budget() {
        let table: std::collections::BTreeMap<String, toml::Value> = toml::from_str(
            "xiongmai = [\"/user=admin&password=&channel=1&stream=0.sdp\", \"/11\"]\ngeneric = [\"/\", \"/videostream.cgi?loginuse=admin&loginpas=\"]",
        )
        .expect("toml");
        let got = paths(&table, Some("xiongmai"), 10);
        assert_eq!(got, vec!["/11".to_string(), "/".to_string()]);
        let kb = crate::data::Knowledge::builtin().expect("builtin");
        for vendor in [None, Some("xiongmai"), Some("hikvision"), Some("other")] {
            for p in paths(&streams(&kb).rtsp, vendor, 50)
                .into_iter()
                .chain(paths(&streams(&kb).snapshot, vendor, 50))
            {
                assert!(!carries_credential(&p), "{p}");
            }
        }
    }
}
