//! The authorised scope: which IPv4 addresses a scan may touch.
//!
//! A [`ScopeSet`] is what the operator included, minus what they excluded, minus the built-in
//! deny list (0.0.0.0/8, multicast 224.0.0.0/4, reserved 240.0.0.0/4 including the broadcast
//! address). It is stored as sorted, merged, inclusive `u32` intervals, so membership is a binary
//! search and the `i`-th address is found through prefix sums — the discovery engine draws
//! targets by index from a permutation without ever materialising the address list.
//!
//! Grammar of an entry: `10.0.0.5`, `10.0.0.0/24` (host bits are ignored, as nmap does),
//! `10.0.0.1-10.0.0.50`, `10.0.0.1-50` (last octet), several of those separated by commas or
//! whitespace, or `@path` for a file of entries (one or more per line, `#` starts a comment).
//! Loopback (127.0.0.0/8) is allowed only because it is never implied: it is in scope only when
//! named.

use crate::{Error, Result};
use std::net::{IpAddr, Ipv4Addr};

/// Ranges every scan refuses, whatever the operator wrote.
const DENY: &[(u32, u32, &str)] = &[
    (0x0000_0000, 0x00FF_FFFF, "0.0.0.0/8 (this network)"),
    (0xE000_0000, 0xEFFF_FFFF, "224.0.0.0/4 (multicast)"),
    (
        0xF000_0000,
        0xFFFF_FFFF,
        "240.0.0.0/4 (reserved, broadcast)",
    ),
];

/// Why an address is always refused, if it is.
pub fn deny_reason(ip: Ipv4Addr) -> Option<&'static str> {
    let x = u32::from(ip);
    DENY.iter()
        .find(|(a, b, _)| *a <= x && x <= *b)
        .map(|(_, _, r)| *r)
}

/// A set of IPv4 addresses to scan. See the module documentation.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeSet {
    /// Sorted, merged, inclusive intervals.
    ranges: Vec<(u32, u32)>,
    /// `prefix[i]` = number of addresses in `ranges[..i]`.
    prefix: Vec<u64>,
    /// What the operator wrote, for the scan record.
    pub included: Vec<String>,
    pub excluded: Vec<String>,
    /// Included addresses dropped by the built-in deny list.
    pub denied: u64,
}

impl ScopeSet {
    /// Parse includes and excludes (see the module documentation for the grammar).
    pub fn parse(includes: &[String], excludes: &[String]) -> Result<ScopeSet> {
        let inc = merge(expand_all(includes)?);
        let exc = merge(expand_all(excludes)?);
        let after_exclude = subtract(&inc, &exc);
        let deny: Vec<(u32, u32)> = DENY.iter().map(|(a, b, _)| (*a, *b)).collect();
        let ranges = subtract(&after_exclude, &deny);
        let denied = count(&after_exclude) - count(&ranges);
        let mut set = ScopeSet {
            ranges,
            prefix: Vec::new(),
            included: includes.to_vec(),
            excluded: excludes.to_vec(),
            denied,
        };
        set.index();
        Ok(set)
    }

    fn index(&mut self) {
        let mut acc = 0u64;
        self.prefix = self
            .ranges
            .iter()
            .map(|&(a, b)| {
                let here = acc;
                acc += u64::from(b - a) + 1;
                here
            })
            .collect();
    }

    /// Is `ip` in scope? IPv6 is never in scope (not supported yet).
    pub fn contains(&self, ip: IpAddr) -> bool {
        let IpAddr::V4(v4) = ip else {
            return false;
        };
        let x = u32::from(v4);
        let i = self.ranges.partition_point(|&(_, b)| b < x);
        self.ranges.get(i).is_some_and(|&(a, _)| a <= x)
    }

    /// Number of addresses in scope.
    pub fn len(&self) -> u64 {
        count(&self.ranges)
    }

    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }

    /// The `i`-th address in ascending order.
    pub fn nth(&self, i: u64) -> Option<Ipv4Addr> {
        if i >= self.len() {
            return None;
        }
        let k = self.prefix.partition_point(|&p| p <= i) - 1;
        let (a, _) = self.ranges[k];
        Some(Ipv4Addr::from(a + (i - self.prefix[k]) as u32))
    }

    /// The merged intervals, for the record and for tests.
    pub fn ranges(&self) -> &[(u32, u32)] {
        &self.ranges
    }
}

fn count(r: &[(u32, u32)]) -> u64 {
    r.iter().map(|&(a, b)| u64::from(b - a) + 1).sum()
}

fn merge(mut r: Vec<(u32, u32)>) -> Vec<(u32, u32)> {
    r.sort_unstable();
    let mut out: Vec<(u32, u32)> = Vec::with_capacity(r.len());
    for (a, b) in r {
        match out.last_mut() {
            Some(last) if u64::from(a) <= u64::from(last.1) + 1 => last.1 = last.1.max(b),
            _ => out.push((a, b)),
        }
    }
    out
}

/// `inc` minus `exc`, both sorted and merged.
fn subtract(inc: &[(u32, u32)], exc: &[(u32, u32)]) -> Vec<(u32, u32)> {
    let mut out = Vec::new();
    for &(a, b) in inc {
        let mut start = u64::from(a);
        let end = u64::from(b);
        let first = exc.partition_point(|&(_, xb)| u64::from(xb) < start);
        for &(xa, xb) in &exc[first..] {
            let (xa, xb) = (u64::from(xa), u64::from(xb));
            if xa > end {
                break;
            }
            if xa > start {
                out.push((start as u32, (xa - 1) as u32));
            }
            start = start.max(xb + 1);
            if start > end {
                break;
            }
        }
        if start <= end {
            out.push((start as u32, end as u32));
        }
    }
    out
}

fn expand_all(entries: &[String]) -> Result<Vec<(u32, u32)>> {
    let mut out = Vec::new();
    for e in entries {
        if let Some(path) = e.trim().strip_prefix('@') {
            let text = std::fs::read_to_string(path)
                .map_err(|err| Error::invalid(format!("scope file {path}: {err}")))?;
            for (n, line) in text.lines().enumerate() {
                let line = line.split('#').next().unwrap_or("");
                for tok in tokens(line) {
                    out.push(one(tok).map_err(|err| {
                        Error::invalid(format!("scope file {path}, line {}: {}", n + 1, err.msg))
                    })?);
                }
            }
        } else {
            for tok in tokens(e) {
                out.push(one(tok)?);
            }
        }
    }
    Ok(out)
}

fn tokens(s: &str) -> impl Iterator<Item = &str> {
    s.split(|c: char| c == ',' || c.is_whitespace())
        .filter(|t| !t.is_empty())
}

fn addr(s: &str, whole: &str) -> Result<u32> {
    s.trim()
        .parse::<Ipv4Addr>()
        .map(u32::from)
        .map_err(|_| Error::invalid(format!("{whole:?} is not an IPv4 address, CIDR or range")))
}

/// One entry: address, CIDR or range.
fn one(tok: &str) -> Result<(u32, u32)> {
    if let Some((ip, bits)) = tok.split_once('/') {
        let base = addr(ip, tok)?;
        let bits: u32 = bits
            .parse()
            .ok()
            .filter(|b| *b <= 32)
            .ok_or_else(|| Error::invalid(format!("{tok:?}: prefix length must be 0 to 32")))?;
        let mask = if bits == 0 {
            0
        } else {
            u32::MAX << (32 - bits)
        };
        let a = base & mask;
        return Ok((a, a | !mask));
    }
    if let Some((lo, hi)) = tok.split_once('-') {
        let a = addr(lo, tok)?;
        let b = if hi.contains('.') {
            addr(hi, tok)?
        } else {
            let last: u8 = hi.trim().parse().map_err(|_| {
                Error::invalid(format!("{tok:?}: range end must be an address or 0-255"))
            })?;
            (a & 0xFFFF_FF00) | u32::from(last)
        };
        if b < a {
            return Err(Error::invalid(format!(
                "{tok:?}: range ends before it starts"
            )));
        }
        return Ok((a, b));
    }
    let a = addr(tok, tok)?;
    Ok((a, a))
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use std::collections::BTreeSet;

    fn s(v: &[&str]) -> Vec<String> {
        v.iter().map(|x| x.to_string()).collect()
    }

    #[test]
    fn grammar() {
        let set =
            ScopeSet::parse(&s(&["10.0.0.0/30, 10.0.1.5-7", "10.0.2.1-10.0.2.2"]), &[]).unwrap();
        assert_eq!(set.len(), 4 + 3 + 2);
        assert!(set.contains("10.0.1.6".parse().unwrap()));
        assert!(!set.contains("10.0.1.8".parse().unwrap()));
    }

    #[test]
    fn cidr_host_bits_are_ignored() {
        let set = ScopeSet::parse(&s(&["192.0.2.77/24"]), &[]).unwrap();
        assert_eq!(set.nth(0), Some("192.0.2.0".parse().unwrap()));
        assert_eq!(set.len(), 256);
    }

    #[test]
    fn excludes_cut_holes() {
        let set = ScopeSet::parse(&s(&["10.20.0.0/16"]), &s(&["10.20.99.0/24"])).unwrap();
        assert_eq!(set.len(), 65536 - 256);
        assert!(!set.contains("10.20.99.4".parse().unwrap()));
        assert!(set.contains("10.20.100.0".parse().unwrap()));
    }

    #[test]
    fn deny_list_always_applies() {
        let set =
            ScopeSet::parse(&s(&["224.0.0.0/28", "255.255.255.255", "0.0.0.1"]), &[]).unwrap();
        assert!(set.is_empty());
        assert_eq!(set.denied, 18);
        let all = ScopeSet::parse(&s(&["0.0.0.0/0"]), &[]).unwrap();
        assert!(!all.contains("239.255.255.250".parse().unwrap()));
        assert!(all.contains("127.0.0.1".parse().unwrap()));
    }

    #[test]
    fn errors_name_the_bad_entry() {
        let e = ScopeSet::parse(&s(&["10.0.0.300"]), &[]).unwrap_err();
        assert!(e.msg.contains("10.0.0.300"), "{}", e.msg);
        assert_eq!(e.kind, crate::ErrorKind::InvalidArgument);
        assert!(ScopeSet::parse(&s(&["10.0.0.0/33"]), &[]).is_err());
        assert!(ScopeSet::parse(&s(&["10.0.0.9-3"]), &[]).is_err());
    }

    #[test]
    fn scope_file_with_comments_and_line_numbers() {
        let dir = std::env::temp_dir().join(format!("cw-scope-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let f = dir.join("scope.txt");
        std::fs::write(&f, "# unit A\n10.1.0.0/30 # cams\n\n10.1.1.1\nnot-an-ip\n").unwrap();
        let e = ScopeSet::parse(&[format!("@{}", f.display())], &[]).unwrap_err();
        assert!(e.msg.contains("line 5"), "{}", e.msg);
        std::fs::write(&f, "# unit A\n10.1.0.0/30 # cams\n\n10.1.1.1\n").unwrap();
        let set = ScopeSet::parse(&[format!("@{}", f.display())], &[]).unwrap();
        assert_eq!(set.len(), 5);
        let _ = std::fs::remove_dir_all(&dir);
    }

    fn small_entry() -> impl Strategy<Value = String> {
        // Addresses in 10.0.0.0/22 so sets overlap often.
        prop_oneof![
            (0u32..1024).prop_map(|i| Ipv4Addr::from(0x0A00_0000 + i).to_string()),
            (0u32..1024, 24u32..=32)
                .prop_map(|(i, b)| format!("{}/{b}", Ipv4Addr::from(0x0A00_0000 + i))),
            (0u32..1024, 0u32..64).prop_map(|(i, n)| format!(
                "{}-{}",
                Ipv4Addr::from(0x0A00_0000 + i),
                Ipv4Addr::from(0x0A00_0000 + i + n)
            )),
        ]
    }

    fn naive(entries: &[String]) -> BTreeSet<u32> {
        let mut set = BTreeSet::new();
        for e in entries {
            let (a, b) = one(e).unwrap();
            for x in a..=b {
                set.insert(x);
            }
        }
        set
    }

    proptest! {
        #[test]
        fn matches_naive_set_model(inc in prop::collection::vec(small_entry(), 1..6),
                                   exc in prop::collection::vec(small_entry(), 0..4)) {
            let set = ScopeSet::parse(&inc, &exc).unwrap();
            let model: BTreeSet<u32> = naive(&inc).difference(&naive(&exc)).copied().collect();
            prop_assert_eq!(set.len(), model.len() as u64);
            for x in 0x0A00_0000u32 - 2..0x0A00_0000 + 1100 {
                prop_assert_eq!(set.contains(Ipv4Addr::from(x).into()), model.contains(&x));
            }
            let listed: Vec<u32> = (0..set.len()).map(|i| u32::from(set.nth(i).unwrap())).collect();
            let expected: Vec<u32> = model.iter().copied().collect();
            prop_assert_eq!(listed, expected);
            prop_assert!(set.nth(set.len()).is_none());
        }
    }
}
