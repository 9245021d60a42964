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
            out.push(env.finding(
                host,
                id,
                Some(p.port),
                format!("port {}/tcp is open and answers as {svc}", p.port),
            ));
        }
    }
    out
}
