//! Device text through every fingerprint rule and the identity resolution.
#![no_main]

use camwarden_scan::data::Knowledge;
use camwarden_scan::identify::{Evidence, Rules, identify_offline};
use libfuzzer_sys::fuzz_target;
use std::sync::OnceLock;

fn rules() -> &'static Rules {
    static R: OnceLock<Rules> = OnceLock::new();
    R.get_or_init(|| Rules::load(&Knowledge::builtin().expect("knowledge")).expect("rules"))
}

const KINDS: [&str; 10] = [
    "http-server-header", "http-title", "http-realm", "http-body", "rtsp-server", "rtsp-realm",
    "telnet-banner", "tls-certificate", "sdk-banner", "onvif-scopes",
];

fuzz_target!(|data: &[u8]| {
    let Some((&k, rest)) = data.split_first() else { return };
    let text = String::from_utf8_lossy(rest).into_owned();
    let ev = vec![Evidence::new(KINDS[k as usize % KINDS.len()], text, Some(80))];
    let _ = identify_offline(rules(), "127.0.0.1".parse().unwrap(), &ev, vec![]);
});
