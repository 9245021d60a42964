//! Scope entries come from operators, inventory files and API clients: the parser must never
//! panic, and whatever it accepts must keep the invariants the scanner relies on (deny list never
//! inside, `nth` enumerates members in ascending order, `len` exact).
#![no_main]

use camwarden_core::scope::{ScopeSet, deny_reason};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(text) = std::str::from_utf8(data) else { return };
    let mut parts = text.splitn(2, '\n');
    let inc = parts.next().unwrap_or("").replace('@', "");
    let exc = parts.next().unwrap_or("").replace('@', "");
    let Ok(sc) = ScopeSet::parse(&[inc], &[exc]) else { return };
    let mut counted = 0u64;
    let mut prev: Option<u32> = None;
    for &(a, b) in sc.ranges() {
        assert!(a <= b);
        if let Some(p) = prev {
            assert!(u64::from(p) + 1 < u64::from(a), "ranges not merged");
        }
        prev = Some(b);
        counted += u64::from(b - a) + 1;
        assert!(deny_reason(a.into()).is_none() && deny_reason(b.into()).is_none());
    }
    assert_eq!(counted, sc.len());
    if sc.len() > 0 {
        let last = sc.nth(sc.len() - 1).expect("last member");
        assert!(sc.contains(last.into()));
        assert!(sc.nth(sc.len()).is_none());
    }
});
