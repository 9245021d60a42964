//! Telnet: banner and line exchange with option negotiation stripped. We refuse every option the
//! server asks for (WONT/DONT), which busybox telnetd and the XiongMai/HiSilicon consoles accept,
//! and read text under the usual byte and time budgets.

use crate::error::Result;
use crate::net::{Conn, Net};
use std::net::SocketAddrV4;
use std::time::Duration;
use tokio::time::Instant;

const IAC: u8 = 255;
const DONT: u8 = 254;
const DO: u8 = 253;
const WONT: u8 = 252;
const WILL: u8 = 251;
const SB: u8 = 250;
const SE: u8 = 240;

/// Split raw telnet bytes into printable text and the refusals to send back.
pub fn strip_negotiation(raw: &[u8]) -> (Vec<u8>, Vec<u8>) {
    let mut text = Vec::with_capacity(raw.len());
    let mut reply = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        if raw[i] != IAC {
            if raw[i] != 0 {
                text.push(raw[i]);
            }
            i += 1;
            continue;
        }
        match raw.get(i + 1) {
            Some(&IAC) => {
                text.push(IAC);
                i += 2;
            }
            Some(&cmd @ (DO | DONT | WILL | WONT)) => {
                if let Some(&opt) = raw.get(i + 2) {
                    match cmd {
                        DO => reply.extend_from_slice(&[IAC, WONT, opt]),
                        WILL => reply.extend_from_slice(&[IAC, DONT, opt]),
                        _ => {}
                    }
                }
                i += 3;
            }
            Some(&SB) => {
                // Skip subnegotiation up to IAC SE.
                let mut j = i + 2;
                while j + 1 < raw.len() && !(raw[j] == IAC && raw[j + 1] == SE) {
                    j += 1;
                }
                i = j + 2;
            }
            Some(_) => i += 2,
            None => i += 1,
        }
    }
    (text, reply)
}

/// A telnet connection.
pub struct Telnet {
    conn: Conn,
}

impl Telnet {
    pub async fn open(net: &Net, addr: SocketAddrV4) -> Result<Self> {
        let stream = net.open(addr, false).await?;
        Ok(Telnet {
            conn: Conn::new(stream, net.limits),
        })
    }

    /// Read text until one of `patterns` appears at the end of what was read (case-insensitive),
    /// `max` bytes, `idle` of silence, or the exchange deadline. Returns the text read.
    pub async fn read_until(&mut self, patterns: &[&str], max: usize, idle: Duration) -> String {
        let deadline = Instant::now() + self.conn.limits.exchange_timeout;
        let mut text: Vec<u8> = Vec::new();
        loop {
            // Return as soon as a pattern ends the text, not after a quiet spell (found by the
            // credential-check review: each login step cost a full idle period).
            if self.conn.buffered().is_empty() {
                let wait = deadline.min(Instant::now() + idle);
                match self.conn.fill(wait).await {
                    Ok(0) | Err(_) => break,
                    Ok(_) => {}
                }
            }
            let raw = self.conn.buffered().to_vec();
            self.conn.consume(raw.len());
            if raw.is_empty() {
                break;
            }
            let (t, reply) = strip_negotiation(&raw);
            if !reply.is_empty() {
                let _ = self.conn.send(&reply).await;
            }
            text.extend_from_slice(&t);
            if text.len() >= max {
                text.truncate(max);
                break;
            }
            let lower = String::from_utf8_lossy(&text).to_ascii_lowercase();
            let tail = lower.trim_end();
            if patterns
                .iter()
                .any(|p| tail.ends_with(&p.to_ascii_lowercase()))
            {
                break;
            }
            if Instant::now() >= deadline {
                break;
            }
        }
        String::from_utf8_lossy(&text).into_owned()
    }

    /// Send one line (CR LF appended).
    pub async fn send_line(&mut self, line: &str) -> Result<()> {
        let mut bytes = line.as_bytes().to_vec();
        bytes.extend_from_slice(b"\r\n");
        self.conn.send(&bytes).await
    }

    pub async fn close(self) {
        self.conn.close().await;
    }
}

/// Read a telnet service's greeting (login prompt or banner), at most 2 KiB.
pub async fn banner(net: &Net, addr: SocketAddrV4) -> Result<String> {
    let mut t = Telnet::open(net, addr).await?;
    let text = t
        .read_until(
            &["login:", "username:", "password:", "#", "$", ">"],
            2048,
            Duration::from_millis(800),
        )
        .await;
    t.close().await;
    Ok(text)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_and_refuses_options() {
        // busybox telnetd opening: IAC DO ECHO? no: IAC WILL ECHO, IAC WILL SGA, IAC DO NAWS.
        let raw = [
            IAC, WILL, 1, IAC, WILL, 3, IAC, DO, 31, b'l', b'o', b'g', b'i', b'n', b':', b' ',
        ];
        let (text, reply) = strip_negotiation(&raw);
        assert_eq!(text, b"login: ");
        assert_eq!(reply, vec![IAC, DONT, 1, IAC, DONT, 3, IAC, WONT, 31]);
    }

    #[test]
    fn skips_subnegotiation_and_truncated_commands() {
        let raw = [b'a', IAC, SB, 24, 1, IAC, SE, b'b', IAC];
        let (text, _) = strip_negotiation(&raw);
        assert_eq!(text, b"ab");
    }
}
