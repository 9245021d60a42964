//! RTSP/1.0 client: OPTIONS, DESCRIBE, SETUP and TEARDOWN on one connection, bounded like HTTP.
//! Hand-written rather than retina because a scanner needs the raw status codes and headers of
//! *failed* exchanges (401 challenges, any-path 200s) that a player library hides.

use crate::error::Result;
use crate::net::{Conn, Net};
use crate::proto::msg::{BodyMode, Reply, read_reply};
use std::net::SocketAddrV4;

/// One RTSP connection with its CSeq counter and session id.
pub struct RtspConn {
    conn: Conn,
    pub addr: SocketAddrV4,
    cseq: u32,
    pub session: Option<String>,
}

impl RtspConn {
    pub async fn open(net: &Net, addr: SocketAddrV4) -> Result<Self> {
        let stream = net.open(addr, false).await?;
        Ok(RtspConn {
            conn: Conn::new(stream, net.limits),
            addr,
            cseq: 0,
            session: None,
        })
    }

    /// `rtsp://ip:port/path` for a path starting with `/`.
    pub fn url(&self, path: &str) -> String {
        format!("rtsp://{}{}", self.addr, path)
    }

    /// Send one request and read its reply. `headers` are added after CSeq and User-Agent.
    pub async fn request(
        &mut self,
        method: &str,
        url: &str,
        headers: &[(&str, String)],
    ) -> Result<Reply> {
        self.cseq += 1;
        let mut out = format!(
            "{method} {url} RTSP/1.0\r\nCSeq: {}\r\nUser-Agent: camwarden/{}\r\n",
            self.cseq,
            env!("CARGO_PKG_VERSION")
        );
        for (n, v) in headers {
            out.push_str(&format!("{n}: {v}\r\n"));
        }
        if let Some(s) = &self.session
            && (method != "SETUP"
                || !headers
                    .iter()
                    .any(|(n, _)| n.eq_ignore_ascii_case("session")))
        {
            out.push_str(&format!("Session: {s}\r\n"));
        }
        out.push_str("\r\n");
        self.conn.send(out.as_bytes()).await?;
        let reply = read_reply(&mut self.conn, "RTSP/", BodyMode::Rtsp).await?;
        if let Some(s) = reply.header("session") {
            let id = s.split(';').next().unwrap_or("").trim();
            if !id.is_empty() {
                self.session = Some(id.to_string());
            }
        }
        Ok(reply)
    }

    /// TEARDOWN the session if one was set up, then close. Always call this after SETUP.
    pub async fn teardown(mut self, url: &str) {
        if self.session.is_some() {
            let _ = self.request("TEARDOWN", url, &[]).await;
        }
        self.conn.close().await;
    }

    pub async fn close(self) {
        self.conn.close().await;
    }
}

/// The first `a=control:` attribute of the first media section of an SDP, resolved against the
/// DESCRIBE URL, for SETUP.
pub fn first_track_url(describe_url: &str, content_base: Option<&str>, sdp: &str) -> String {
    let base = content_base.unwrap_or(describe_url);
    let mut in_media = false;
    for line in sdp.lines() {
        let line = line.trim();
        if line.starts_with("m=") {
            in_media = true;
        } else if in_media && let Some(c) = line.strip_prefix("a=control:") {
            let c = c.trim();
            if c.starts_with("rtsp://") {
                return c.to_string();
            }
            if c == "*" {
                return base.to_string();
            }
            let sep = if base.ends_with('/') { "" } else { "/" };
            return format!("{base}{sep}{c}");
        }
    }
    base.to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn track_url_relative_and_absolute() {
        let sdp = "v=0\r\na=control:*\r\nm=video 0 RTP/AVP 96\r\na=control:trackID=1\r\n";
        assert_eq!(
            first_track_url("rtsp://127.0.0.1:554/Streaming/Channels/101", None, sdp),
            "rtsp://127.0.0.1:554/Streaming/Channels/101/trackID=1"
        );
        let sdp2 = "m=video 0 RTP/AVP 96\na=control:rtsp://127.0.0.1:554/x/track1\n";
        assert_eq!(
            first_track_url("rtsp://127.0.0.1:554/x", None, sdp2),
            "rtsp://127.0.0.1:554/x/track1"
        );
    }
}
