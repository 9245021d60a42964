//! Cleartext web login: the login page is served over plain HTTP and HTTP is not redirected to
//! HTTPS. Uses the pages identification already fetched.

use super::{CheckEnv, Host};
use camwarden_core::model::Finding;

fn looks_like_login(status: u16, www_auth: Option<&str>, body: &str) -> Option<String> {
    if status == 401 {
        let scheme = www_auth
            .and_then(|w| w.split_whitespace().next())
            .unwrap_or("HTTP");
        return Some(format!("401 with a {scheme} challenge"));
    }
    if status == 200 {
        let l = body.to_ascii_lowercase();
        if l.contains("type=\"password\"")
            || l.contains("type='password'")
            || l.contains("type=password")
        {
            return Some("200 with a password form".into());
        }
        if l.contains("login") || l.contains("password") || l.contains("đăng nhập") {
            return Some("200 with a login page".into());
        }
        // A camera's web interface often builds its login form in script (Dahua, Uniview):
        // whatever the page shows, the login it leads to travels over the same plain HTTP.
        if l.contains("<html") || l.contains("<script") {
            return Some("200 with the web interface".into());
        }
    }
    None
}

pub async fn run(host: &Host, env: &CheckEnv) -> Vec<Finding> {
    env.mark_ran("cleartext-web-login");
    for (ep, path, reply) in &host.pages {
        if ep.tls {
            continue;
        }
        if (300..400).contains(&reply.status) {
            // Redirected: fine if it goes to HTTPS; if it stays on HTTP the followed page is
            // judged on its own.
            continue;
        }
        if let Some(how) = looks_like_login(
            reply.status,
            reply.header("www-authenticate"),
            &reply.text(),
        ) {
            let redirect_to_https = host.pages.iter().any(|(e, p, r)| {
                e == ep
                    && p == "/"
                    && (300..400).contains(&r.status)
                    && r.header("location")
                        .is_some_and(|l| l.starts_with("https://"))
            });
            if redirect_to_https {
                continue;
            }
            return vec![env.finding(
                host,
                "cleartext-web-login",
                Some(ep.addr.port()),
                format!(
                    "GET http://{}{} → {how}; HTTP is not redirected to HTTPS",
                    ep.addr, path
                ),
            )];
        }
    }
    Vec::new()
}
