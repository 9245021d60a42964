//! Protocol clients, each bounded in time and bytes. Hand-written where no crate fits a scanner
//! that must survive malformed and hostile peers (see docs/design/probes.md).

pub mod http;
pub mod msg;
pub mod onvif;
pub mod rtsp;
pub mod sofia;
pub mod telnet;
pub mod tls;
