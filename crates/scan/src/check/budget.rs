//! The per-device credential budget. Every attempt that could count as a failed login on the
//! device — a default-credential guess over any protocol, or a CVE probe that is shaped like a
//! login (Dahua CVE-2021-33044/33045) — draws from ONE budget per device, because cameras count
//! failures per device (or per client address), not per protocol.
//!
//! Decision 724/QĐ-BTTTT's reference setting locks a login for 5 minutes after 5 failures within
//! 30 s; Hikvision firmware locks after a handful of failures regardless of spacing. So the
//! default policy never lets a scan cause more than 4 failures on one device in total, and at
//! most 3 inside any 30 s window: no window can reach 5 whatever the device counts. A lockout
//! signal from the device stops every further attempt at once.
//!
//! Attempts are *reserved* before they are sent, so concurrent checks cannot overshoot.

use std::sync::Mutex;
use std::time::Duration;
use tokio::time::Instant;

/// The typed result of one credential attempt. An unanswerable challenge is not a wrong
/// password: only `Invalid` (and `Error`, conservatively) counts as a failure.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum AuthOutcome {
    /// The credential logged in.
    Valid,
    /// The device said the credential is wrong.
    Invalid,
    /// The device demands a scheme we cannot answer (e.g. only Basic over TLS, a proprietary
    /// challenge): nothing was learned about the credential.
    SchemeUnsupported,
    /// The device says it is locked: stop everything on this device.
    LockedOut,
    /// The exchange failed (timeout, reset, garbage). Counted as a failure, because the device
    /// may have counted it.
    Error(String),
}

/// Limits of the budget.
#[derive(Debug, Clone, Copy)]
pub struct BudgetPolicy {
    /// Failures allowed per device per scan, in total (must stay below the lockout threshold).
    pub max_failures: u32,
    /// Failures allowed inside any `window`.
    pub max_in_window: u32,
    pub window: Duration,
    /// Longest a check waits for the window to free a slot before giving up.
    pub max_wait: Duration,
}

impl Default for BudgetPolicy {
    fn default() -> Self {
        BudgetPolicy {
            max_failures: 4,
            max_in_window: 3,
            window: Duration::from_secs(30),
            max_wait: Duration::from_secs(35),
        }
    }
}

/// Why an attempt was not allowed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetStop {
    /// The device signalled a lockout earlier in this scan.
    LockedOut,
    /// The scan's failure allowance for this device is spent.
    Exhausted,
}

#[derive(Debug, Default)]
struct State {
    failures: Vec<Instant>,
    reserved: u32,
    locked: bool,
    valid: u32,
}

/// One device's budget, shared by all its checks.
#[derive(Debug)]
pub struct CredentialBudget {
    policy: BudgetPolicy,
    state: Mutex<State>,
}

/// A reserved attempt. Report what happened with [`Attempt::finish`]; dropping it unfinished
/// counts as a failure (the safe assumption).
#[must_use = "report the outcome with finish()"]
pub struct Attempt<'a> {
    budget: &'a CredentialBudget,
    done: bool,
}

impl CredentialBudget {
    pub fn new(policy: BudgetPolicy) -> Self {
        CredentialBudget {
            policy,
            state: Mutex::new(State::default()),
        }
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, State> {
        self.state.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Reserve one attempt, waiting (at most `max_wait`) for the window to allow it.
    pub async fn acquire(&self) -> Result<Attempt<'_>, BudgetStop> {
        self.acquire_within(self.policy.max_wait).await
    }

    /// Reserve one attempt only if the window allows it now: for guesses not worth a wait.
    pub async fn try_acquire(&self) -> Result<Attempt<'_>, BudgetStop> {
        self.acquire_within(Duration::ZERO).await
    }

    async fn acquire_within(&self, max_wait: Duration) -> Result<Attempt<'_>, BudgetStop> {
        let give_up = Instant::now() + max_wait;
        loop {
            let wait_until = {
                let mut s = self.lock();
                if s.locked {
                    return Err(BudgetStop::LockedOut);
                }
                let used = s.failures.len() as u32 + s.reserved;
                if used >= self.policy.max_failures {
                    return Err(BudgetStop::Exhausted);
                }
                let now = Instant::now();
                let window_start = now.checked_sub(self.policy.window);
                let in_window = s
                    .failures
                    .iter()
                    .filter(|t| window_start.is_none_or(|ws| **t > ws))
                    .count() as u32
                    + s.reserved;
                if in_window < self.policy.max_in_window {
                    s.reserved += 1;
                    return Ok(Attempt {
                        budget: self,
                        done: false,
                    });
                }
                // The oldest failure inside the window frees a slot when it leaves it.
                let oldest = s
                    .failures
                    .iter()
                    .filter(|t| window_start.is_none_or(|ws| **t > ws))
                    .min()
                    .copied();
                match oldest {
                    Some(t) => t + self.policy.window + Duration::from_millis(10),
                    // Only reservations fill the window: poll again shortly.
                    None => now + Duration::from_millis(50),
                }
            };
            if wait_until > give_up {
                return Err(BudgetStop::Exhausted);
            }
            tokio::time::sleep_until(wait_until).await;
        }
    }

    /// True once the device signalled a lockout.
    pub fn locked(&self) -> bool {
        self.lock().locked
    }

    /// Failures caused so far.
    pub fn failures(&self) -> u32 {
        self.lock().failures.len() as u32
    }

    /// Successful logins so far.
    pub fn successes(&self) -> u32 {
        self.lock().valid
    }

    /// Record that the device is locked, seen outside a reserved attempt.
    pub fn mark_locked(&self) {
        self.lock().locked = true;
    }

    fn settle(&self, outcome: Option<&AuthOutcome>) {
        let mut s = self.lock();
        s.reserved = s.reserved.saturating_sub(1);
        match outcome {
            Some(AuthOutcome::Valid) => s.valid += 1,
            Some(AuthOutcome::SchemeUnsupported) => {}
            Some(AuthOutcome::LockedOut) => {
                s.locked = true;
            }
            Some(AuthOutcome::Invalid) | Some(AuthOutcome::Error(_)) | None => {
                s.failures.push(Instant::now());
            }
        }
    }
}

impl Attempt<'_> {
    /// Report the outcome of the attempt.
    pub fn finish(mut self, outcome: &AuthOutcome) {
        self.done = true;
        self.budget.settle(Some(outcome));
    }
}

impl Drop for Attempt<'_> {
    fn drop(&mut self) {
        if !self.done {
            self.budget.settle(None);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(start_paused = true)]
    async fn never_more_than_policy_failures() {
        let b = CredentialBudget::new(BudgetPolicy::default());
        let start = Instant::now();
        let mut n = 0;
        while let Ok(a) = b.acquire().await {
            a.finish(&AuthOutcome::Invalid);
            n += 1;
        }
        assert_eq!(n, 4);
        assert_eq!(b.failures(), 4);
        // The fourth failure had to wait for the 30 s window to slide.
        assert!(Instant::now() - start >= Duration::from_secs(30));
    }

    #[tokio::test(start_paused = true)]
    async fn no_window_holds_more_than_three_failures() {
        let b = CredentialBudget::new(BudgetPolicy::default());
        let mut times = Vec::new();
        while let Ok(a) = b.acquire().await {
            times.push(Instant::now());
            a.finish(&AuthOutcome::Invalid);
        }
        for (i, t) in times.iter().enumerate() {
            let in_window = times[i..]
                .iter()
                .filter(|u| **u - *t < Duration::from_secs(30))
                .count();
            assert!(
                in_window <= 3,
                "window starting at attempt {i} holds {in_window}"
            );
        }
    }

    #[tokio::test(start_paused = true)]
    async fn successes_and_unsupported_schemes_cost_nothing() {
        let b = CredentialBudget::new(BudgetPolicy::default());
        for _ in 0..20 {
            b.acquire().await.unwrap().finish(&AuthOutcome::Valid);
            b.acquire()
                .await
                .unwrap()
                .finish(&AuthOutcome::SchemeUnsupported);
        }
        assert_eq!(b.failures(), 0);
        assert_eq!(b.successes(), 20);
    }

    #[tokio::test(start_paused = true)]
    async fn try_acquire_never_waits_for_the_window() {
        let b = CredentialBudget::new(BudgetPolicy::default());
        for _ in 0..3 {
            b.try_acquire().await.unwrap().finish(&AuthOutcome::Invalid);
        }
        let start = Instant::now();
        assert_eq!(b.try_acquire().await.err(), Some(BudgetStop::Exhausted));
        assert_eq!(Instant::now(), start);
        // The waiting kind still gets the fourth attempt once the window slides.
        assert!(b.acquire().await.is_ok());
    }

    #[tokio::test(start_paused = true)]
    async fn lockout_stops_everything() {
        let b = CredentialBudget::new(BudgetPolicy::default());
        b.acquire().await.unwrap().finish(&AuthOutcome::LockedOut);
        assert_eq!(b.acquire().await.err(), Some(BudgetStop::LockedOut));
    }

    #[tokio::test(start_paused = true)]
    async fn dropped_attempt_counts_as_failure() {
        let b = CredentialBudget::new(BudgetPolicy::default());
        drop(b.acquire().await.unwrap());
        assert_eq!(b.failures(), 1);
    }

    #[tokio::test(start_paused = true)]
    async fn concurrent_reservations_cannot_overshoot() {
        let b = std::sync::Arc::new(CredentialBudget::new(BudgetPolicy {
            max_wait: Duration::ZERO,
            ..BudgetPolicy::default()
        }));
        let mut held = Vec::new();
        for _ in 0..10 {
            if let Ok(a) = b.acquire().await {
                held.push(a);
            }
        }
        assert_eq!(held.len(), 3);
    }
}
