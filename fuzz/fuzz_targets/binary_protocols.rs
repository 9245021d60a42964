//! Binary peers: telnet negotiation, the TLS server flight read after a legacy ClientHello, and
//! Sofia headers. All bounded, none may panic.
#![no_main]

use camwarden_scan::proto::{sofia, telnet, tls};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (text, reply) = telnet::strip_negotiation(data);
    assert!(text.len() <= data.len());
    assert!(reply.len() <= data.len() * 3);
    let _ = tls::parse_server_flight(data);
    let _ = sofia::parse_header(data);
});
