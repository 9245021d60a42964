//! Connection handlers, one per kind of port.

use crate::profiles::{self, Dev, Svc};
use crate::wire::{IDLE, Reader};
use std::sync::Arc;
use std::time::Duration;
use tokio::io::{AsyncRead, AsyncReadExt, AsyncWrite, AsyncWriteExt};
use tokio::net::TcpStream;

/// Handle one accepted connection.
pub async fn handle(
    dev: Arc<Dev>,
    svc: Svc,
    port: u16,
    stream: TcpStream,
    tls: Option<tokio_rustls::TlsAcceptor>,
) {
    dev.state.connected();
    let _ = stream.set_nodelay(true);
    match svc {
        Svc::Http => http(dev, Reader::new(stream), port, false).await,
        Svc::Https => {
            if let Some(acc) = tls
                && let Ok(Ok(s)) = tokio::time::timeout(IDLE, acc.accept(stream)).await
            {
                http(dev, Reader::new(s), port, true).await;
            }
        }
        Svc::LegacyTls => legacy_tls(stream).await,
        Svc::Rtsp => rtsp(dev, Reader::new(stream)).await,
        Svc::Telnet => telnet(dev, Reader::new(stream)).await,
        Svc::Console => console(stream).await,
        Svc::Sofia => sofia(dev, Reader::new(stream)).await,
        Svc::HikSdk => {
            banner(
                stream,
                &[0, 0, 0, 0x10, 0, 0, 0, 0x1e, 0, 0, 0, 0, 0, 0, 0, 0],
            )
            .await
        }
        Svc::Ssh => banner(stream, b"SSH-2.0-OpenSSH_9.2p1 Debian-2+deb12u3\r\n").await,
        Svc::Silent => hold(stream).await,
        Svc::Tarpit => tarpit(stream).await,
        Svc::Endless => endless(stream).await,
        Svc::Garbage => garbage(stream).await,
        Svc::Flood => flood(stream, b"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA").await,
        Svc::IacFlood => {
            flood(
                stream,
                &[255, 251, 1, 255, 253, 3, 255, 251, 3, 255, 253, 24],
            )
            .await
        }
        Svc::Chunked => chunked(stream).await,
    }
}

async fn http<S: AsyncRead + AsyncWrite + Unpin>(
    dev: Arc<Dev>,
    mut r: Reader<S>,
    port: u16,
    tls: bool,
) {
    // Up to a few requests per connection, closing after each reply that says so.
    if (0..8).next().is_some() {
        let Some(req) = r.request().await else { return };
        let resp = profiles::http(&dev, &req, port, tls);
        let bytes = resp.to_bytes("HTTP/1.1", &[("Connection".into(), "close".into())]);
        if !r.write(&bytes).await {
            return;
        }
        let _ = r.stream.flush().await;
        let _ = r.stream.shutdown().await;
    }
}

async fn rtsp<S: AsyncRead + AsyncWrite + Unpin>(dev: Arc<Dev>, mut r: Reader<S>) {
    let mut session = None;
    for _ in 0..32 {
        let Some(req) = r.request().await else { break };
        let cseq = req.header("cseq").unwrap_or("0").to_string();
        let resp = profiles::rtsp(&dev, &req, &mut session);
        let mut extra = vec![("CSeq".to_string(), cseq)];
        if let Some(s) = &session
            && req.method != "SETUP"
        {
            extra.push(("Session".into(), s.clone()));
        }
        if !r.write(&resp.to_bytes("RTSP/1.0", &extra)).await {
            break;
        }
    }
}

async fn telnet<S: AsyncRead + AsyncWrite + Unpin>(dev: Arc<Dev>, mut r: Reader<S>) {
    const ROOT: &[(&str, &str)] = &[("root", "xc3511")];
    for _ in 0..3 {
        if !r.write(b"\r\nLocalHost login: ").await {
            return;
        }
        let Some(user) = r.line().await else { return };
        if !r.write(b"Password: ").await {
            return;
        }
        let Some(pass) = r.line().await else { return };
        if ROOT.iter().any(|(u, p)| *u == user && *p == pass) {
            dev.state.open_session();
            let _ = r
                .write(
                    b"\r\n\r\nBusyBox v1.12.1 (2016-05-31 10:36:45 CST) built-in shell (ash)\r\n# ",
                )
                .await;
            loop {
                match r.line().await {
                    Some(cmd) if cmd == "exit" || cmd == "logout" => break,
                    Some(cmd) if cmd.is_empty() => {
                        let _ = r.write(b"# ").await;
                    }
                    Some(cmd) => {
                        dev.state.violation(format!("telnet command run: {cmd}"));
                        let _ = r.write(b"\r\n# ").await;
                    }
                    None => break,
                }
            }
            dev.state.close_session();
            return;
        }
        dev.state.fail(&user);
        if !r.write(b"\r\nLogin incorrect\r\n").await {
            return;
        }
    }
}

async fn console(mut s: TcpStream) {
    let _ = s.write_all(b"\r\n*** XM Debug Console ***\r\n> ").await;
    drain(s).await;
}

async fn sofia<S: AsyncRead + AsyncWrite + Unpin>(dev: Arc<Dev>, mut r: Reader<S>) {
    let mut open: Option<u32> = None;
    for _ in 0..16 {
        let Some(head) = r.exact(20).await else { break };
        if head[0] != 0xFF {
            break;
        }
        let msg = u16::from_le_bytes([head[14], head[15]]);
        let len = u32::from_le_bytes([head[16], head[17], head[18], head[19]]) as usize;
        if len > 64 * 1024 {
            break;
        }
        let Some(body) = r.exact(len).await else {
            break;
        };
        let text = String::from_utf8_lossy(&body)
            .trim_end_matches(['\0', '\n'])
            .to_string();
        let v: serde_json::Value = serde_json::from_str(&text).unwrap_or_default();
        let (reply_id, reply, session) = match msg {
            1000 => {
                let user = v["UserName"].as_str().unwrap_or("");
                let hash = v["PassWord"].as_str().unwrap_or("");
                let ok = dev
                    .profile
                    .accounts()
                    .iter()
                    .any(|(u, p)| *u == user && crate::sofia_hash(p) == hash);
                if ok {
                    let s = dev.state.open_session();
                    open = Some(s);
                    (
                        1001u16,
                        serde_json::json!({"AliveInterval":21,"ChannelNum":4,"DeviceType ":"DVR","ExtraChannel":0,"Ret":100,"SessionID":format!("0x{s:08X}")}),
                        s,
                    )
                } else {
                    dev.state.fail(user);
                    (
                        1001,
                        serde_json::json!({"Ret":106,"SessionID":"0x00000000"}),
                        0,
                    )
                }
            }
            // Logout (LOGOUT_REQ = 1001, answered with LOGOUT_RSP = 1002).
            1001 => {
                if open.take().is_some() {
                    dev.state.close_session();
                }
                (
                    1002,
                    serde_json::json!({"Name":"","Ret":100,"SessionID":"0x00000000"}),
                    0,
                )
            }
            1040 | 1042 | 1044 | 1450 | 1360 => {
                if msg == 1040 || msg == 1450 {
                    dev.state
                        .violation(format!("Sofia message {msg} (configuration)"));
                }
                (msg + 1, serde_json::json!({"Ret":103}), 0)
            }
            _ => (msg + 1, serde_json::json!({"Ret":103}), 0),
        };
        let body = reply.to_string();
        let mut out = vec![0xFF, 0x01, 0, 0];
        out.extend_from_slice(&session.to_le_bytes());
        out.extend_from_slice(&0u32.to_le_bytes());
        out.extend_from_slice(&[0, 0]);
        out.extend_from_slice(&reply_id.to_le_bytes());
        out.extend_from_slice(&((body.len() + 2) as u32).to_le_bytes());
        out.extend_from_slice(body.as_bytes());
        out.extend_from_slice(b"\n\0");
        if !r.write(&out).await {
            break;
        }
    }
    // Closing the connection ends a Sofia session on the device.
    if open.is_some() {
        dev.state.close_session();
    }
}

/// A TLS-1.0-only server: answers any ClientHello with a TLS 1.0 ServerHello, its (expired,
/// 1024-bit, SHA-1) certificate and ServerHelloDone, then waits for the client to go away.
async fn legacy_tls(mut s: TcpStream) {
    let mut buf = vec![0u8; 16 * 1024];
    let n = match tokio::time::timeout(IDLE, s.read(&mut buf)).await {
        Ok(Ok(n)) if n >= 5 && buf[0] == 0x16 => n,
        _ => return,
    };
    let _ = n;
    let cert = crate::LEGACY_CERT;
    let mut hs = Vec::new();
    // ServerHello: version 3.1, random, empty session id, TLS_RSA_WITH_AES_128_CBC_SHA, null.
    let mut sh = vec![0x03, 0x01];
    sh.extend_from_slice(&rand::random::<[u8; 32]>());
    sh.extend_from_slice(&[0x00, 0x00, 0x2F, 0x00]);
    hs.push(0x02);
    hs.extend_from_slice(&(sh.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&sh);
    // Certificate.
    let mut chain = Vec::new();
    chain.extend_from_slice(&(cert.len() as u32).to_be_bytes()[1..]);
    chain.extend_from_slice(cert);
    let mut cm = Vec::new();
    cm.extend_from_slice(&(chain.len() as u32).to_be_bytes()[1..]);
    cm.extend_from_slice(&chain);
    hs.push(0x0B);
    hs.extend_from_slice(&(cm.len() as u32).to_be_bytes()[1..]);
    hs.extend_from_slice(&cm);
    // ServerHelloDone.
    hs.extend_from_slice(&[0x0E, 0, 0, 0]);
    let mut rec = vec![0x16, 0x03, 0x01];
    rec.extend_from_slice(&(hs.len() as u16).to_be_bytes());
    rec.extend_from_slice(&hs);
    let _ = s.write_all(&rec).await;
    drain(s).await;
}

async fn banner(mut s: TcpStream, bytes: &[u8]) {
    let _ = s.write_all(bytes).await;
    drain(s).await;
}

async fn hold(s: TcpStream) {
    drain(s).await;
}

/// Read and discard until the client closes or goes idle.
async fn drain(mut s: TcpStream) {
    let mut buf = [0u8; 4096];
    let mut total = 0usize;
    while let Ok(Ok(n)) = tokio::time::timeout(IDLE, s.read(&mut buf)).await {
        if n == 0 || total > 1024 * 1024 {
            break;
        }
        total += n;
    }
}

/// A tarpit: one byte every two seconds, never a complete reply.
async fn tarpit(mut s: TcpStream) {
    for b in b"HTTP/1.1 200 OK\r\nServer: ".iter().cycle().take(600) {
        if s.write_all(&[*b]).await.is_err() {
            return;
        }
        tokio::time::sleep(Duration::from_secs(2)).await;
    }
}

/// Endless headers, as fast as the client reads them (bounded at 64 MiB).
async fn endless(mut s: TcpStream) {
    let mut buf = [0u8; 2048];
    let _ = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await;
    if s.write_all(b"HTTP/1.1 200 OK\r\n").await.is_err() {
        return;
    }
    let line = format!("X-Padding: {}\r\n", "a".repeat(1000));
    for _ in 0..65536 {
        if s.write_all(line.as_bytes()).await.is_err() {
            return;
        }
    }
}

/// `unit` repeated as fast as the client reads, unasked (bounded at 256 MiB).
async fn flood(mut s: TcpStream, unit: &[u8]) {
    let block: Vec<u8> = unit.iter().copied().cycle().take(64 * 1024).collect();
    for _ in 0..4096 {
        if s.write_all(&block).await.is_err() {
            return;
        }
    }
}

/// A 200 whose chunked body never ends (bounded at 256 MiB).
async fn chunked(mut s: TcpStream) {
    let mut buf = [0u8; 2048];
    let _ = tokio::time::timeout(Duration::from_secs(2), s.read(&mut buf)).await;
    if s.write_all(
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/html\r\n\r\n",
    )
    .await
    .is_err()
    {
        return;
    }
    let mut chunk = format!("{:x}\r\n", 16 * 1024).into_bytes();
    chunk.extend(std::iter::repeat_n(b'<', 16 * 1024));
    chunk.extend(b"\r\n");
    for _ in 0..16384 {
        if s.write_all(&chunk).await.is_err() {
            return;
        }
    }
}

/// Random bytes, then silence.
async fn garbage(mut s: TcpStream) {
    let junk: Vec<u8> = (0..512).map(|_| rand::random::<u8>()).collect();
    let _ = s.write_all(&junk).await;
    let mut buf = [0u8; 2048];
    if let Ok(Ok(n)) = tokio::time::timeout(Duration::from_secs(3), s.read(&mut buf)).await
        && n > 0
    {
        let junk: Vec<u8> = (0..256).map(|_| rand::random::<u8>()).collect();
        let _ = s.write_all(&junk).await;
    }
}
