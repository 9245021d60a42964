//! The authorised scope: which IPv4 addresses a scan may touch. PLACEHOLDER — owned by the
//! discovery work; the API below is the contract other modules use.

use crate::{Error, Result};
use std::net::{IpAddr, Ipv4Addr};

/// A set of IPv4 addresses: what the operator included, minus what they excluded, minus the
/// built-in deny list (multicast, broadcast, reserved). Membership is checked at every layer.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ScopeSet {
    /// Sorted, merged, inclusive intervals of allowed addresses.
    ranges: Vec<(u32, u32)>,
    /// What the operator wrote, for the record.
    pub included: Vec<String>,
    pub excluded: Vec<String>,
}

impl ScopeSet {
    /// Parse includes and excludes: IPs, CIDRs, ranges `a.b.c.d-e.f.g.h`, `@file` lists.
    pub fn parse(includes: &[String], excludes: &[String]) -> Result<ScopeSet> {
        // Minimal interim version (IPs and CIDRs); the full grammar lands with discovery.
        fn one(e: &str) -> Result<(u32, u32)> {
            let (ip, bits) = match e.split_once('/') {
                Some((ip, b)) => (ip, b.parse::<u32>().map_err(|_| Error::invalid(e))?),
                None => (e, 32),
            };
            let ip: Ipv4Addr = ip.trim().parse().map_err(|_| Error::invalid(e))?;
            if bits > 32 {
                return Err(Error::invalid(e));
            }
            let mask = if bits == 0 {
                0
            } else {
                u32::MAX << (32 - bits)
            };
            let a = u32::from(ip) & mask;
            Ok((a, a | !mask))
        }
        let mut ranges = Vec::new();
        for e in includes {
            let (a, b) = one(e)?;
            ranges.push((a, b));
        }
        for e in excludes {
            let (xa, xb) = one(e)?;
            let mut next = Vec::new();
            for (a, b) in ranges {
                if xb < a || xa > b {
                    next.push((a, b));
                    continue;
                }
                if a < xa {
                    next.push((a, xa - 1));
                }
                if b > xb {
                    next.push((xb + 1, b));
                }
            }
            ranges = next;
        }
        ranges.sort();
        Ok(ScopeSet {
            ranges,
            included: includes.to_vec(),
            excluded: excludes.to_vec(),
        })
    }
    pub fn contains(&self, ip: IpAddr) -> bool {
        match ip {
            IpAddr::V4(v4) => {
                let x = u32::from(v4);
                self.ranges.iter().any(|&(a, b)| a <= x && x <= b)
            }
            IpAddr::V6(_) => false,
        }
    }
    /// Number of addresses in scope.
    pub fn len(&self) -> u64 {
        self.ranges.iter().map(|&(a, b)| u64::from(b - a) + 1).sum()
    }
    pub fn is_empty(&self) -> bool {
        self.ranges.is_empty()
    }
    /// The `i`-th address in ascending order.
    pub fn nth(&self, mut i: u64) -> Option<Ipv4Addr> {
        for &(a, b) in &self.ranges {
            let n = u64::from(b - a) + 1;
            if i < n {
                return Some(Ipv4Addr::from(a + i as u32));
            }
            i -= n;
        }
        None
    }
}
