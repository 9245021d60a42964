//! XiongMai Sofia (DVRIP-Web) protocol on TCP 34567: a 20-byte little-endian header
//! (`FF`, version, 2 reserved, session u32, sequence u32, 2 reserved, message id u16, length u32)
//! followed by a JSON body ending in `\n\0`. Only login, logout and nothing else are ever sent.

use crate::error::{Error, Result};
use crate::net::{Conn, Net};
use md5::Digest as _;
use std::net::SocketAddrV4;
use tokio::time::Instant;

pub const LOGIN_REQ: u16 = 1000;
pub const LOGIN_RSP: u16 = 1001;
/// Logout shares its id with the login reply (LOGIN_RSP = LOGOUT_REQ = 1001, LOGOUT_RSP = 1002),
/// as the vendor's NetSDK constants and community Sofia clients have it. An earlier build sent
/// 1002 and left sessions open on real firmware.
pub const LOGOUT_REQ: u16 = 1001;

/// The password hash Sofia logins carry: MD5 folded to 8 characters of `0-9A-Za-z`.
pub fn sofia_hash(password: &str) -> String {
    let md5 = md5::Md5::digest(password.as_bytes());
    (0..8)
        .map(|n| {
            let c = (u32::from(md5[2 * n]) + u32::from(md5[2 * n + 1])) % 62;
            let b = match c {
                0..=9 => b'0' + c as u8,
                10..=35 => b'A' + (c - 10) as u8,
                _ => b'a' + (c - 36) as u8,
            };
            b as char
        })
        .collect()
}

/// Frame a message.
pub fn frame(session: u32, seq: u32, msg: u16, json: &str) -> Vec<u8> {
    let mut out = Vec::with_capacity(20 + json.len() + 2);
    out.extend_from_slice(&[0xFF, 0x00, 0x00, 0x00]);
    out.extend_from_slice(&session.to_le_bytes());
    out.extend_from_slice(&seq.to_le_bytes());
    out.extend_from_slice(&[0, 0]);
    out.extend_from_slice(&msg.to_le_bytes());
    out.extend_from_slice(&((json.len() + 2) as u32).to_le_bytes());
    out.extend_from_slice(json.as_bytes());
    out.extend_from_slice(b"\n\0");
    out
}

/// A parsed header.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Header {
    pub session: u32,
    pub seq: u32,
    pub msg: u16,
    pub len: u32,
}

pub fn parse_header(b: &[u8]) -> Option<Header> {
    if b.len() < 20 || b[0] != 0xFF {
        return None;
    }
    let u32le = |i: usize| u32::from_le_bytes([b[i], b[i + 1], b[i + 2], b[i + 3]]);
    Some(Header {
        session: u32le(4),
        seq: u32le(8),
        msg: u16::from_le_bytes([b[14], b[15]]),
        len: u32le(16),
    })
}

/// Result of a login.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoginReply {
    pub ret: i64,
    pub session: u32,
    pub device_type: Option<String>,
}

/// An open Sofia connection.
pub struct Sofia {
    conn: Conn,
    seq: u32,
}

impl Sofia {
    pub async fn open(net: &Net, addr: SocketAddrV4) -> Result<Sofia> {
        Ok(Sofia {
            conn: Conn::new(net.open(addr, false).await?, net.limits),
            seq: 0,
        })
    }

    async fn exchange(
        &mut self,
        session: u32,
        msg: u16,
        json: &str,
    ) -> Result<(Header, serde_json::Value)> {
        self.conn.send(&frame(session, self.seq, msg, json)).await?;
        self.seq += 1;
        let deadline = Instant::now() + self.conn.limits.exchange_timeout;
        self.conn
            .read_until(20, deadline, |b| (b.len() >= 20).then_some(20))
            .await?;
        let h = parse_header(self.conn.buffered())
            .ok_or_else(|| Error::protocol("not a Sofia reply"))?;
        if h.len > 64 * 1024 {
            return Err(Error::protocol("Sofia reply claims an oversized body"));
        }
        let want = 20 + h.len as usize;
        self.conn
            .read_until(want, deadline, |b| (b.len() >= want).then_some(want))
            .await?;
        let body = self.conn.buffered()[20..want].to_vec();
        self.conn.consume(want);
        let text = String::from_utf8_lossy(&body);
        let json = text.trim_end_matches(['\0', '\n']);
        let v = serde_json::from_str(json)
            .map_err(|_| Error::protocol("Sofia reply body is not JSON"))?;
        Ok((h, v))
    }

    /// Log in; the caller must [`Sofia::logout`] when `ret` is 100.
    pub async fn login(&mut self, user: &str, password: &str) -> Result<LoginReply> {
        let body = serde_json::json!({
            "EncryptType": "MD5",
            "LoginType": "DVRIP-Web",
            "PassWord": sofia_hash(password),
            "UserName": user,
        })
        .to_string();
        let (h, v) = self.exchange(0, LOGIN_REQ, &body).await?;
        let session = v["SessionID"]
            .as_str()
            .and_then(|s| u32::from_str_radix(s.trim_start_matches("0x"), 16).ok())
            .unwrap_or(h.session);
        Ok(LoginReply {
            ret: v["Ret"].as_i64().unwrap_or(-1),
            session,
            device_type: v["DeviceType "]
                .as_str()
                .or(v["DeviceType"].as_str())
                .map(|s| s.trim().to_string()),
        })
    }

    /// Log out and close.
    pub async fn logout(mut self, session: u32) {
        let body =
            serde_json::json!({"Name": "", "SessionID": format!("0x{session:08X}")}).to_string();
        let _ = self
            .conn
            .send(&frame(session, self.seq, LOGOUT_REQ, &body))
            .await;
        self.conn.close().await;
    }

    pub async fn close(self) {
        self.conn.close().await;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn hash_of_empty_password_matches_python_dvr() {
        assert_eq!(sofia_hash(""), "tlJwpbo6");
    }

    #[test]
    fn frame_and_header_round_trip() {
        let f = frame(0x1234, 7, LOGIN_REQ, "{}");
        assert_eq!(f.len(), 24);
        let h = parse_header(&f).unwrap();
        assert_eq!(
            h,
            Header {
                session: 0x1234,
                seq: 7,
                msg: LOGIN_REQ,
                len: 4
            }
        );
        assert!(parse_header(b"HTTP/1.1 200 OK\r\n\r\n").is_none());
    }
}
