//! The intrusive brute-force protection test (QCVN 135 2.1.5, Decision 724 2.2), run only with
//! `camwarden audit --intrusive`, a recorded authorisation, and a *designated test account* —
//! never the administrator's. Five wrong passwords are sent for the test account within a few
//! seconds; the correct password must then be refused (locked or delayed). The test then waits
//! the lock out, polling sparsely with the correct password, so the account is usable again.
//!
//! Spoken over the vendor API where the lock signal is explicit (Hikvision ISAPI userCheck), else
//! ONVIF (UsernameToken), else not run.

use super::{CheckEnv, Host};
use crate::proto::http::{Endpoint, Request};
use crate::proto::onvif::{self, UsernameToken};
use camwarden_core::model::Finding;
use std::time::{Duration, Instant};

/// A failed login's reply reduced to what could distinguish accounts: the status and the body
/// with digits removed (nonces, counters and timestamps differ on every reply anyway).
pub fn failure_shape(status: u16, body: &str) -> String {
    let cleaned: String = body.chars().filter(|c| !c.is_ascii_digit()).collect();
    format!(
        "{status} {}",
        cleaned.split_whitespace().collect::<Vec<_>>().join(" ")
    )
}

async fn failure_reply(
    env: &CheckEnv,
    host: &Host,
    web: Option<Endpoint>,
    user: &str,
    pass: &str,
) -> Option<String> {
    match (host.vendor(), web, host.onvif.first()) {
        (Some("hikvision"), Some(ep), _) => {
            let (r, _) = env
                .http
                .send_authed(ep, &Request::get("/ISAPI/Security/userCheck"), user, pass)
                .await
                .ok()?;
            Some(failure_shape(r.status, &r.text()))
        }
        (_, _, Some((ep, path))) => {
            let token = UsernameToken::new(
                user,
                pass,
                &jiff::Timestamp::now()
                    .strftime("%Y-%m-%dT%H:%M:%SZ")
                    .to_string(),
                &rand::random::<[u8; 16]>(),
            );
            let xml = onvif::envelope("<tds:GetDeviceInformation/>", Some(&token.to_xml()));
            let r = onvif::post(&env.http, *ep, path, &xml, &[]).await.ok()?;
            Some(failure_shape(r.status, &r.text()))
        }
        _ => None,
    }
}

/// Decision 724 2.3: a failed login must not tell an unknown account from a wrong password.
/// Compares the replies to a wrong password for the test account and to an account that cannot
/// exist. Costs one failed login on each; intrusive mode only.
pub async fn account_enumeration(host: &Host, env: &CheckEnv, test_user: &str) -> Option<Finding> {
    let web = host
        .http
        .iter()
        .copied()
        .find(|e| e.tls)
        .or(host.http.first().copied());
    let wrong = format!("camwarden-wrong-{:04x}", rand::random::<u16>());
    let ghost = format!("cw{:08x}", rand::random::<u32>());
    let a = failure_reply(env, host, web, test_user, &wrong).await?;
    let b = failure_reply(env, host, web, &ghost, &wrong).await?;
    env.mark_ran("login-reveals-account");
    (a != b).then(|| {
        env.finding(
            host,
            "login-reveals-account",
            web.map(|e| e.addr.port()),
            format!("a wrong password for an existing account and a login for a non-existent account get different replies ({a:.60} / {b:.60})"),
        )
    })
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Login {
    Valid,
    Refused,
    Locked,
    Unusable,
}

async fn isapi(env: &CheckEnv, ep: Endpoint, u: &str, p: &str) -> Login {
    match env
        .http
        .send_authed(ep, &Request::get("/ISAPI/Security/userCheck"), u, p)
        .await
    {
        Ok((r, true)) => {
            let body = r.text();
            if body.contains("<lockStatus>lock</lockStatus>") || body.contains("lockedIpFailed") {
                Login::Locked
            } else if r.status == 200 && !body.contains("<statusValue>401") {
                Login::Valid
            } else {
                Login::Refused
            }
        }
        _ => Login::Unusable,
    }
}

async fn onvif_login(env: &CheckEnv, ep: Endpoint, path: &str, u: &str, p: &str) -> Login {
    let created = match onvif::get_system_date_and_time(&env.http, ep, path).await {
        Ok((_, _, Some(t))) => t,
        _ => jiff::Timestamp::now()
            .strftime("%Y-%m-%dT%H:%M:%SZ")
            .to_string(),
    };
    let token = UsernameToken::new(u, p, &created, &rand::random::<[u8; 16]>());
    let xml = onvif::envelope("<tds:GetDeviceInformation/>", Some(&token.to_xml()));
    match onvif::post(&env.http, ep, path, &xml, &[]).await {
        Ok(r) => match onvif::parse(&r.body) {
            Ok(s) if r.status == 200 && s.fault.is_none() && s.has("Manufacturer") => Login::Valid,
            Ok(s)
                if s.fault
                    .as_ref()
                    .is_some_and(|f| f.reason.to_ascii_lowercase().contains("lock")) =>
            {
                Login::Locked
            }
            Ok(_) => Login::Refused,
            Err(_) => Login::Unusable,
        },
        Err(_) => Login::Unusable,
    }
}

/// Run the test with `test` = (user, password). Returns a finding when no protection was seen.
pub async fn run(host: &Host, env: &CheckEnv, test: (&str, &str)) -> Option<Finding> {
    let (user, pass) = test;
    let web = host
        .http
        .iter()
        .copied()
        .find(|e| e.tls)
        .or(host.http.first().copied());
    let onvif_ep = host.onvif.first().cloned();
    let login = |p: String| {
        let p2 = p;
        let onvif_ep = onvif_ep.clone();
        async move {
            match (host.vendor(), web, &onvif_ep) {
                (Some("hikvision"), Some(ep), _) => isapi(env, ep, user, &p2).await,
                (_, _, Some((ep, path))) => onvif_login(env, *ep, path, user, &p2).await,
                _ => Login::Unusable,
            }
        }
    };
    if login(pass.to_string()).await != Login::Valid {
        tracing::warn!(ip = %host.ip, "intrusive test skipped: the test account does not log in");
        return None;
    }
    env.mark_ran("no-brute-force-protection");
    let started = Instant::now();
    let mut locked_early = false;
    for i in 0..5 {
        match login(format!("camwarden-wrong-{i}-{:04x}", rand::random::<u16>())).await {
            Login::Locked => {
                locked_early = true;
                break;
            }
            Login::Unusable => return None,
            _ => {}
        }
    }
    let burst = started.elapsed();
    let after = login(pass.to_string()).await;
    let finding = if after == Login::Valid && !locked_early {
        Some(env.finding(
            host,
            "no-brute-force-protection",
            web.map(|e| e.addr.port()),
            format!(
                "5 wrong passwords for the test account {user:?} within {:.1} s, then the correct password was accepted at once: no lock-out or delay",
                burst.as_secs_f64()
            ),
        ))
    } else {
        None
    };
    if finding.is_none() {
        // Wait the lock out so the test account is usable again (Decision 724: 5 minutes).
        let deadline = Instant::now() + Duration::from_secs(390);
        let mut wait = Duration::from_secs(5);
        loop {
            tokio::time::sleep(wait).await;
            if login(pass.to_string()).await == Login::Valid {
                tracing::info!(ip = %host.ip, after_s = started.elapsed().as_secs(), "test account unlocked");
                break;
            }
            if Instant::now() >= deadline {
                tracing::warn!(ip = %host.ip, "test account still locked after 6.5 minutes");
                break;
            }
            wait = Duration::from_secs(15);
        }
    }
    finding
}

#[cfg(test)]
mod tests {
    use super::failure_shape;

    #[test]
    fn dahua_style_codes_reveal_accounts_hikvision_style_does_not() {
        // Dahua distinguishes "user not exist" (268632070) from "password wrong" (268632071);
        // digits are stripped, so such codes need the message text to differ — as it does.
        let a = failure_shape(
            200,
            r#"{"error":{"code":268632071,"message":"Password is wrong!"}}"#,
        );
        let b = failure_shape(
            200,
            r#"{"error":{"code":268632070,"message":"User not exist!"}}"#,
        );
        assert_ne!(a, b);
        // Hikvision: the same 401 body apart from counters.
        let c = failure_shape(
            401,
            "<statusValue>401</statusValue><retryLoginTime>4</retryLoginTime>",
        );
        let d = failure_shape(
            401,
            "<statusValue>401</statusValue><retryLoginTime>3</retryLoginTime>",
        );
        assert_eq!(c, d);
    }
}
