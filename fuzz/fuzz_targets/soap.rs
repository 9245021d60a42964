//! ONVIF SOAP and vendor XML replies: refused or parsed, never a panic or an entity expansion.
#![no_main]

use camwarden_scan::proto::onvif::{device_utc, parse};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(s) = parse(data) {
        let _ = device_utc(&s);
        if let Some(f) = &s.fault {
            let _ = f.not_authorized();
        }
    }
});
