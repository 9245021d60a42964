//! Services that should not be reachable on a camera: telnet, vendor debug consoles, FTP, UPnP.
//! Decided from what identification recognised on each port; nothing more is sent.

use super::{CheckEnv, Host};
use camwarden_core::model::Finding;

const SERVICES: &[(&str, &str)] = &[
    ("telnet", "insecure-service-telnet"),
    ("debug", "insecure-service-debug"),
    ("ftp", "insecure-service-ftp"),
    ("upnp", "insecure-service-upnp"),
];

pub async fn run(host: &Host, env: &CheckEnv) -> Vec<Finding> {
    let mut out = Vec::new();
    for (_, id) in SERVICES {
        env.mark_ran(id);
    }
    for p in &host.ports {
        if let Some((svc, id)) = SERVICES.iter().find(|(s, _)| *s == p.service) {
            let banner = host
                .facts
                .iter()
                .find(|f| f.port == Some(p.port) && f.source.ends_with("banner"))
                .map(|f| format!(" ({})", f.value))
                .unwrap_or_default();
            out.push(env.finding(
                host,
                id,
                Some(p.port),
                format!("port {}/tcp answers as {svc}{banner}", p.port),
            ));
        }
    }
    out
}
