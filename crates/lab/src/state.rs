//! Per-device state shared by all of a device's ports: failed-login accounting with the
//! Decision 724 lockout (5 failures within 30 s lock the login for 5 minutes), sessions, and the
//! record of anything a polite auditor must never do (writes, configuration downloads).
//!
//! Failures are counted per device (the statistics tests read: the most failures in any 30 s
//! window, whatever the account) and locks are kept per account, as Dahua and Decision 724
//! describe them, so an intrusive test can lock a designated test account while the
//! administrator's stays usable.

use std::sync::Mutex;
use std::time::{Duration, Instant};

pub const LOCK_AFTER: usize = 5;
pub const WINDOW: Duration = Duration::from_secs(30);
pub const LOCK_FOR: Duration = Duration::from_secs(300);

#[derive(Debug, Default)]
struct Account {
    failures: Vec<Instant>,
    locked_until: Option<Instant>,
    lockouts: u64,
}

#[derive(Debug, Default)]
struct Inner {
    connections: u64,
    accounts: std::collections::HashMap<String, Account>,
    failures: Vec<Instant>,
    failed_total: u64,
    max_in_window: u64,
    lockouts: u64,
    sessions_opened: u64,
    sessions_open: u64,
    next_session: u32,
    violations: Vec<String>,
}

#[derive(Debug)]
pub struct DevState {
    pub lockout_enabled: bool,
    lock_for: Duration,
    inner: Mutex<Inner>,
}

/// What a device's counters say (see `DeviceStats`).
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize)]
pub struct DeviceStats {
    pub connections: u64,
    pub failed_logins: u64,
    pub max_failures_in_30s: u64,
    pub lockouts: u64,
    pub sessions_opened: u64,
    pub sessions_open_now: u64,
    pub violations: Vec<String>,
    /// Lockouts per account name.
    pub lockouts_by_account: std::collections::BTreeMap<String, u64>,
}

impl DevState {
    pub fn new(lockout_enabled: bool) -> Self {
        Self::with_lock(lockout_enabled, LOCK_FOR)
    }

    pub fn with_lock(lockout_enabled: bool, lock_for: Duration) -> Self {
        DevState {
            lockout_enabled,
            lock_for,
            inner: Mutex::new(Inner {
                next_session: 0x1000,
                ..Inner::default()
            }),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        self.inner.lock().unwrap_or_else(|p| p.into_inner())
    }

    pub fn connected(&self) {
        self.lock().connections += 1;
    }

    /// Is this account's login locked right now?
    pub fn locked(&self, user: &str) -> bool {
        let s = self.lock();
        s.accounts
            .get(user)
            .and_then(|a| a.locked_until)
            .is_some_and(|t| Instant::now() < t)
    }

    /// Seconds until the account's lock ends (0 when not locked).
    pub fn unlock_in(&self, user: &str) -> u64 {
        let s = self.lock();
        s.accounts
            .get(user)
            .and_then(|a| a.locked_until)
            .and_then(|t| t.checked_duration_since(Instant::now()))
            .map(|d| d.as_secs())
            .unwrap_or(0)
    }

    /// Record a failed login for `user`; returns true when this failure locked the account.
    pub fn fail(&self, user: &str) -> bool {
        let mut s = self.lock();
        let now = Instant::now();
        s.failed_total += 1;
        s.failures.push(now);
        s.failures.retain(|t| now.duration_since(*t) <= WINDOW);
        let n = s.failures.len() as u64;
        s.max_in_window = s.max_in_window.max(n);
        let lock_for = self.lock_for;
        let enabled = self.lockout_enabled;
        let a = s.accounts.entry(user.to_string()).or_default();
        a.failures.push(now);
        a.failures.retain(|t| now.duration_since(*t) <= WINDOW);
        if enabled && a.failures.len() >= LOCK_AFTER && a.locked_until.is_none_or(|t| now >= t) {
            a.locked_until = Some(now + lock_for);
            a.lockouts += 1;
            a.failures.clear();
            s.lockouts += 1;
            return true;
        }
        false
    }

    /// Failures left before the account locks (Hikvision's retryLoginTime).
    pub fn retries_left(&self, user: &str) -> usize {
        let s = self.lock();
        let now = Instant::now();
        let recent = s
            .accounts
            .get(user)
            .map(|a| {
                a.failures
                    .iter()
                    .filter(|t| now.duration_since(**t) <= WINDOW)
                    .count()
            })
            .unwrap_or(0);
        LOCK_AFTER.saturating_sub(recent)
    }

    /// Lockouts per account.
    pub fn lockouts_by_account(&self) -> std::collections::BTreeMap<String, u64> {
        let s = self.lock();
        s.accounts
            .iter()
            .filter(|(_, a)| a.lockouts > 0)
            .map(|(u, a)| (u.clone(), a.lockouts))
            .collect()
    }

    pub fn open_session(&self) -> u32 {
        let mut s = self.lock();
        s.sessions_opened += 1;
        s.sessions_open += 1;
        s.next_session += 1;
        s.next_session
    }

    pub fn close_session(&self) {
        let mut s = self.lock();
        s.sessions_open = s.sessions_open.saturating_sub(1);
    }

    pub fn violation(&self, what: impl Into<String>) {
        let mut s = self.lock();
        if s.violations.len() < 100 {
            s.violations.push(what.into());
        }
    }

    pub fn stats(&self) -> DeviceStats {
        let s = self.lock();
        DeviceStats {
            connections: s.connections,
            failed_logins: s.failed_total,
            max_failures_in_30s: s.max_in_window,
            lockouts: s.lockouts,
            sessions_opened: s.sessions_opened,
            sessions_open_now: s.sessions_open,
            violations: s.violations.clone(),
            lockouts_by_account: s
                .accounts
                .iter()
                .filter(|(_, a)| a.lockouts > 0)
                .map(|(u, a)| (u.clone(), a.lockouts))
                .collect(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn five_failures_in_a_window_lock() {
        let d = DevState::new(true);
        for _ in 0..4 {
            assert!(!d.fail("admin"));
        }
        assert!(!d.locked("admin"));
        assert!(d.fail("admin"));
        assert!(d.locked("admin"));
        assert!(!d.locked("other"), "locks are per account");
        assert_eq!(d.stats().lockouts, 1);
        assert_eq!(d.stats().max_failures_in_30s, 5);
    }

    #[test]
    fn without_lockout_nothing_locks() {
        let d = DevState::new(false);
        for _ in 0..10 {
            d.fail("admin");
        }
        assert!(!d.locked("admin"));
    }
}
