//! Probing one host for identification. Every exchange is bounded by the `Net` limits; a port
//! whose first exchange fails (timeout, endless header, garbage) is marked `unknown` and not
//! asked again, so a hostile host costs a bounded, small amount of time.

use super::extract;
use super::{Evidence, Rules, identity_of, resolve};
use crate::check::Host;
use crate::data::Knowledge;
use crate::error::ErrorKind;
use crate::net::{Conn, Net};
use crate::proto::http::{Endpoint, Http, Request};
use crate::proto::msg::Reply;
use crate::proto::{onvif, rtsp::RtspConn, telnet};
use camwarden_core::model::{Fact, PortInfo, Transport};
use std::net::{Ipv4Addr, SocketAddrV4};
use std::sync::Arc;
use std::time::Duration;
use tokio::time::Instant;

const RTSP_PORTS: &[u16] = &[554, 8554, 5554, 10554, 322];
const TELNET_PORTS: &[u16] = &[23, 2323];
const DEBUG_PORTS: &[u16] = &[9527, 9530];
const TLS_FIRST: &[u16] = &[443, 8443, 5001, 7443, 9443];
/// Vendor binary ports where we send nothing (a login would count as a failed attempt).
const SILENT_SDK: &[(u16, &str)] = &[(34567, "xiongmai"), (37777, "dahua"), (9000, "reolink")];
const ONVIF_PORTS: &[u16] = &[80, 8000, 8080, 8899, 2020, 8081, 5000, 8001, 81, 88];
/// Longest time spent classifying one port.
const PORT_BUDGET: Duration = Duration::from_secs(12);

/// What classifying one port produced.
#[derive(Debug)]
struct PortResult {
    port: u16,
    service: String,
    tls: bool,
    evidence: Vec<Evidence>,
    pages: Vec<(Endpoint, String, Reply)>,
}

impl PortResult {
    fn new(port: u16) -> Self {
        PortResult {
            port,
            service: "unknown".into(),
            tls: false,
            evidence: Vec::new(),
            pages: Vec::new(),
        }
    }
}

/// The realms in a reply's WWW-Authenticate headers.
pub fn realms(reply: &Reply) -> Vec<String> {
    let mut out = Vec::new();
    for v in reply.headers_named("www-authenticate") {
        let mut rest = v;
        while let Some(i) = rest.to_ascii_lowercase().find("realm=") {
            let after = &rest[i + 6..];
            let (val, tail) = if let Some(q) = after.strip_prefix('"') {
                match q.find('"') {
                    Some(e) => (&q[..e], &q[e + 1..]),
                    None => (q, ""),
                }
            } else {
                let e = after.find(',').unwrap_or(after.len());
                (&after[..e], &after[e..])
            };
            if !out.iter().any(|r: &String| r == val) {
                out.push(val.to_string());
            }
            rest = tail;
        }
    }
    out
}

/// Evidence from an HTTP reply.
pub fn http_evidence(port: u16, reply: &Reply) -> Vec<Evidence> {
    let p = Some(port);
    let mut ev = Vec::new();
    if let Some(s) = reply.header("server").filter(|s| !s.is_empty()) {
        ev.push(Evidence::new("http-server-header", s, p));
    }
    for r in realms(reply) {
        ev.push(Evidence::new("http-realm", r, p));
    }
    if let Some(t) = reply.title().filter(|t| !t.is_empty()) {
        ev.push(Evidence::new("http-title", t, p));
    }
    for c in reply.headers_named("set-cookie") {
        if let Some(name) = c.split('=').next() {
            ev.push(Evidence::new("http-cookie", name.trim(), p));
        }
    }
    if !reply.body.is_empty() {
        let text = reply.text();
        ev.push(Evidence::new(
            "http-body",
            text.chars().take(16 * 1024).collect::<String>(),
            p,
        ));
    }
    ev
}

/// Evidence from an RTSP reply.
fn rtsp_evidence(port: u16, reply: &Reply) -> Vec<Evidence> {
    let p = Some(port);
    let mut ev = Vec::new();
    if let Some(s) = reply.header("server").filter(|s| !s.is_empty()) {
        ev.push(Evidence::new("rtsp-server", s, p));
    }
    if let Some(s) = reply.header("public") {
        ev.push(Evidence::new("rtsp-public", s, p));
    }
    for r in realms(reply) {
        ev.push(Evidence::new("rtsp-realm", r, p));
    }
    ev
}

async fn probe_rtsp(net: &Net, addr: SocketAddrV4, r: &mut PortResult) -> bool {
    let Ok(mut c) = RtspConn::open(net, addr).await else {
        return false;
    };
    let url = c.url("/");
    let Ok(opt) = c.request("OPTIONS", &url, &[]).await else {
        c.close().await;
        return false;
    };
    r.service = "rtsp".into();
    r.evidence.extend(rtsp_evidence(addr.port(), &opt));
    // DESCRIBE of a path no device has: reveals the realm without touching a stream.
    let probe = c.url(&format!("/camwarden-probe-{:08x}", rand::random::<u32>()));
    if let Ok(d) = c
        .request("DESCRIBE", &probe, &[("Accept", "application/sdp".into())])
        .await
    {
        r.evidence.extend(rtsp_evidence(addr.port(), &d));
    }
    c.close().await;
    true
}

/// The session name (`s=` line) of the first stream description one of `paths` returns
/// without credentials.
async fn sdp_session_name(net: &Net, addr: SocketAddrV4, paths: &[String]) -> Option<String> {
    let mut c = RtspConn::open(net, addr).await.ok()?;
    let mut name = None;
    for path in paths {
        let url = c.url(path);
        let Ok(d) = c
            .request("DESCRIBE", &url, &[("Accept", "application/sdp".into())])
            .await
        else {
            break;
        };
        if d.status == 200 {
            name = d
                .text()
                .lines()
                .find_map(|l| l.trim().strip_prefix("s="))
                .map(|s| s.trim().chars().take(120).collect::<String>());
            if name.is_some() {
                break;
            }
        }
    }
    c.close().await;
    name
}

async fn passive_banner(net: &Net, addr: SocketAddrV4, wait: Duration) -> Option<Vec<u8>> {
    let stream = net.connect(addr).await.ok()?;
    let mut conn = Conn::new(stream, net.limits);
    let bytes = conn.read_banner(512, wait, Instant::now() + wait).await;
    conn.close().await;
    Some(bytes)
}

fn classify_banner(port: u16, bytes: &[u8], r: &mut PortResult) -> bool {
    let p = Some(port);
    let text = String::from_utf8_lossy(bytes);
    if bytes.starts_with(b"SSH-") {
        r.service = "ssh".into();
        r.evidence.push(Evidence::new(
            "ssh-banner",
            text.lines().next().unwrap_or(""),
            p,
        ));
    } else if bytes.starts_with(b"220") {
        r.service = "ftp".into();
        r.evidence.push(Evidence::new(
            "ftp-banner",
            text.lines().next().unwrap_or(""),
            p,
        ));
    } else if bytes.first() == Some(&0xFF) && bytes.len() >= 20 && bytes[1] <= 1 {
        // Sofia header: FF, version, reserved…, msg id at 14..16.
        r.service = "sdk".into();
        r.evidence.push(Evidence::new("sdk-banner", "sofia", p));
    } else if bytes.first() == Some(&0xFF) {
        // Telnet negotiation (IAC).
        let (t, _) = telnet::strip_negotiation(bytes);
        r.service = "telnet".into();
        r.evidence.push(Evidence::new(
            "telnet-banner",
            String::from_utf8_lossy(&t).trim(),
            p,
        ));
    } else if bytes.starts_with(&[0, 0, 0, 0x10]) {
        r.service = "sdk".into();
        r.evidence
            .push(Evidence::new("sdk-banner", "hikvision-sdk", p));
    } else if bytes.starts_with(&[0xf0, 0xde, 0xbc, 0x0a]) {
        r.service = "sdk".into();
        r.evidence.push(Evidence::new("sdk-banner", "baichuan", p));
    } else {
        return false;
    }
    true
}

async fn probe_http(http: &Http, ep: Endpoint, r: &mut PortResult) -> Result<(), crate::Error> {
    let reply = http.get(ep, "/").await?;
    r.service = "http".into();
    r.tls = ep.tls;
    r.evidence.extend(http_evidence(ep.addr.port(), &reply));
    let follow = http.follow(ep, &reply).ok().flatten();
    r.pages.push((ep, "/".into(), reply));
    if let Some((ep2, path)) = follow
        && ep2.addr.ip() == ep.addr.ip()
        && path != "/"
        && let Ok(rep2) = http.get(ep2, &path).await
    {
        r.evidence.extend(http_evidence(ep2.addr.port(), &rep2));
        r.pages.push((ep2, path, rep2));
    }
    Ok(())
}

async fn classify(net: Net, ip: Ipv4Addr, port: u16) -> PortResult {
    let addr = SocketAddrV4::new(ip, port);
    let mut r = PortResult::new(port);
    let http = Http::new(net.clone());
    if RTSP_PORTS.contains(&port) {
        if probe_rtsp(&net, addr, &mut r).await {
            return r;
        }
        let _ = probe_http(&http, Endpoint::new(addr, false), &mut r).await;
        return r;
    }
    if TELNET_PORTS.contains(&port) || DEBUG_PORTS.contains(&port) {
        if let Ok(text) = telnet::banner(&net, addr).await {
            let text = text.trim().to_string();
            if !text.is_empty() {
                r.service = if DEBUG_PORTS.contains(&port) {
                    "debug"
                } else {
                    "telnet"
                }
                .into();
                r.evidence
                    .push(Evidence::new("telnet-banner", text, Some(port)));
            }
        }
        return r;
    }
    if TLS_FIRST.contains(&port) {
        if probe_http(&http, Endpoint::new(addr, true), &mut r)
            .await
            .is_ok()
        {
            return r;
        }
        let _ = probe_http(&http, Endpoint::new(addr, false), &mut r).await;
        return r;
    }
    // Anything else: listen first (SSH, FTP, telnet and some SDK ports speak first).
    let Some(bytes) = passive_banner(&net, addr, Duration::from_millis(350)).await else {
        return r;
    };
    if !bytes.is_empty() {
        if !classify_banner(port, &bytes, &mut r) && bytes.starts_with(b"RTSP/") {
            r.service = "rtsp".into();
        }
        return r;
    }
    if SILENT_SDK.iter().any(|(p, _)| *p == port) {
        // Never send to vendor binary ports here; the service is settled after identification.
        return r;
    }
    match probe_http(&http, Endpoint::new(addr, false), &mut r).await {
        Ok(()) => {}
        Err(e) if e.kind == ErrorKind::Protocol => {
            // Not HTTP: an RTSP server on an odd port, or TLS.
            if !probe_rtsp(&net, addr, &mut r).await {
                let _ = probe_http(&http, Endpoint::new(addr, true), &mut r).await;
            }
        }
        Err(_) => {}
    }
    r
}

/// Identify one host: classify its open ports, collect evidence, ask vendor device-info
/// endpoints the evidence points to, probe ONVIF, and resolve the identity.
pub async fn identify_host(
    net: &Net,
    kb: &Knowledge,
    rules: &Rules,
    ip: Ipv4Addr,
    open: &[u16],
) -> Host {
    let mut host = Host::new(ip);
    let mut evidence: Vec<Evidence> = Vec::new();
    let mut extra: Vec<Fact> = Vec::new();

    // Phase 1: each port, at most 3 at a time, each within its budget.
    let slots = Arc::new(tokio::sync::Semaphore::new(3));
    let mut set = tokio::task::JoinSet::new();
    for &port in open {
        let net = net.clone();
        let slots = slots.clone();
        set.spawn(async move {
            let _permit = slots.acquire_owned().await;
            match tokio::time::timeout(PORT_BUDGET, classify(net, ip, port)).await {
                Ok(r) => r,
                Err(_) => PortResult::new(port),
            }
        });
    }
    let mut results = Vec::new();
    while let Some(r) = set.join_next().await {
        if let Ok(r) = r {
            results.push(r);
        }
    }
    results.sort_by_key(|r| r.port);
    for r in &mut results {
        evidence.push(Evidence::new(
            "port-signature",
            r.port.to_string(),
            Some(r.port),
        ));
        evidence.append(&mut r.evidence);
        for (ep, path, reply) in r.pages.drain(..) {
            if !host.http.contains(&ep) {
                host.http.push(ep);
            }
            host.pages.push((ep, path, reply));
        }
        if r.service == "rtsp" {
            host.rtsp.push(SocketAddrV4::new(ip, r.port));
        }
    }

    // Phase 2: what the evidence so far points to.
    let prelim = {
        let facts: Vec<Fact> = evidence.iter().flat_map(|e| rules.apply(e)).collect();
        resolve(&facts)
    };
    // A bare RTSP server (no banner, no realm, no challenge) says what it is only in a stream
    // description: ask for one on a few generic paths (DESCRIBE starts no stream).
    let bare_rtsp = !evidence
        .iter()
        .any(|e| e.kind == "rtsp-server" || e.kind == "rtsp-realm");
    if bare_rtsp && let Some(addr) = host.rtsp.first().copied() {
        let paths = crate::check::unauth::generic_stream_paths(kb, 3);
        if let Some(name) = sdp_session_name(net, addr, &paths).await {
            evidence.push(Evidence::new("rtsp-sdp", name, Some(addr.port())));
        }
    }
    let http = Http::new(net.clone());
    let web: Vec<Endpoint> = host.http.clone();
    for ep in web.iter().take(2) {
        if let Ok(f) = http.get(*ep, "/favicon.ico").await
            && f.status == 200
            && !f.body.is_empty()
            && !f.truncated
        {
            let (md5, mmh3) = extract::favicon_hashes(&f.body);
            evidence.push(Evidence::new("favicon-md5", md5, Some(ep.addr.port())));
            evidence.push(Evidence::new("favicon-mmh3", mmh3, Some(ep.addr.port())));
        }
    }
    if let Some(ep) = web.first().copied() {
        let port = Some(ep.addr.port());
        match prelim.vendor.as_deref() {
            Some("hikvision") => {
                if let Ok(r) = http.get(ep, "/ISAPI/System/deviceInfo").await {
                    evidence.extend(
                        http_evidence(ep.addr.port(), &r)
                            .into_iter()
                            .filter(|e| e.kind == "http-realm"),
                    );
                    if r.status == 200 {
                        extra.extend(extract::hikvision_device_info(&r.body, port));
                    }
                }
            }
            Some("dahua") => {
                if let Ok(r) = http
                    .get(ep, "/cgi-bin/magicBox.cgi?action=getSystemInfo")
                    .await
                {
                    evidence.extend(
                        http_evidence(ep.addr.port(), &r)
                            .into_iter()
                            .filter(|e| e.kind == "http-realm"),
                    );
                    if r.status == 200 {
                        extra.extend(extract::dahua_system_info(&r.text(), port));
                    }
                }
            }
            Some("avtech") => {
                if let Ok(r) = http
                    .get(ep, "/cgi-bin/nobody/Machine.cgi?action=get_capability")
                    .await
                    && r.status == 200
                {
                    extra.extend(extract::avtech_capability(&r.text(), port));
                }
            }
            Some("axis") => {
                let req = Request::post(
                    "/axis-cgi/basicdeviceinfo.cgi",
                    "application/json",
                    r#"{"apiVersion":"1.0","method":"getAllUnrestrictedProperties"}"#,
                );
                if let Ok(r) = http.send(ep, &req).await
                    && r.status == 200
                {
                    extra.extend(extract::axis_properties(&r.body, port));
                }
            }
            _ => {}
        }
    }

    // ONVIF: the device service on likely web ports.
    let mut onvif_eps: Vec<Endpoint> = web
        .iter()
        .copied()
        .filter(|e| ONVIF_PORTS.contains(&e.addr.port()) || web.len() == 1)
        .collect();
    onvif_eps.truncate(3);
    for ep in onvif_eps {
        let Ok((reply, soap, _)) =
            onvif::get_system_date_and_time(&http, ep, onvif::DEVICE_SERVICE).await
        else {
            continue;
        };
        let answered = reply.status == 200 && soap.fault.is_none() && soap.has("Year");
        let auth_fault = soap.fault.as_ref().is_some_and(|f| f.not_authorized());
        if !(answered || auth_fault) {
            continue;
        }
        host.onvif.push((ep, onvif::DEVICE_SERVICE.to_string()));
        evidence.push(Evidence::new(
            "onvif-service",
            "GetSystemDateAndTime",
            Some(ep.addr.port()),
        ));
        let env = onvif::envelope("<tds:GetDeviceInformation/>", None);
        if let Ok(r) = onvif::post(&http, ep, onvif::DEVICE_SERVICE, &env, &[]).await
            && let Ok(s) = onvif::parse(&r.body)
            && r.status == 200
            && s.fault.is_none()
            && s.has("Manufacturer")
        {
            extra.extend(extract::onvif_device_information(
                s.get("Manufacturer"),
                s.get("Model"),
                s.get("FirmwareVersion"),
                s.get("SerialNumber"),
                Some(ep.addr.port()),
            ));
        }
        break;
    }

    // TLS certificates seen on this host's connections.
    if let Ok(certs) = net.certs.lock() {
        for (addr, chain) in certs.iter().filter(|(a, _)| *a.ip() == ip) {
            if let Some(der) = chain.first()
                && let Ok((_, cert)) = x509_parser::parse_x509_certificate(der)
            {
                evidence.push(Evidence::new(
                    "tls-certificate",
                    format!("{}; issuer {}", cert.subject(), cert.issuer()),
                    Some(addr.port()),
                ));
            }
        }
    }

    host.facts = extra;
    identity_of(rules, &mut host, &evidence);

    // Settle silent ports by what the device turned out to be.
    let vendor = host.identity.vendor.clone();
    for r in &mut results {
        if r.service == "unknown" {
            if let Some((_, v)) = SILENT_SDK.iter().find(|(p, _)| *p == r.port)
                && host.identity.camera
                && (vendor.as_deref() == Some(*v) || vendor.is_none())
            {
                r.service = "sdk".into();
            }
            if DEBUG_PORTS.contains(&r.port) && vendor.as_deref() == Some("xiongmai") {
                r.service = "debug".into();
            }
        }
        let onvif_only = host.onvif.iter().any(|(e, _)| e.addr.port() == r.port)
            && [8899, 2020].contains(&r.port);
        if onvif_only {
            r.service = "onvif".into();
        }
        if r.service == "http" && r.port == 49152 {
            r.service = "upnp".into();
        }
        host.ports.push(PortInfo {
            port: r.port,
            transport: Transport::Tcp,
            service: r.service.clone(),
            tls: r.tls,
        });
    }
    host
}
