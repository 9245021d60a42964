//! HTTP and RTSP reply heads from devices: lenient parsing must never panic, and what it returns
//! must be usable (header lookups, title, realms).
#![no_main]

use camwarden_scan::proto::msg::{Reply, parse_head};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    for proto in ["HTTP/", "RTSP/"] {
        if let Ok(mut r) = parse_head(data, proto) {
            let _ = r.header("www-authenticate");
            r.body = data.to_vec();
            let _ = r.title();
            let _ = r.text();
        }
    }
    let r = Reply { body: data.to_vec(), ..Reply::default() };
    let _ = r.title();
});
