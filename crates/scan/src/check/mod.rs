//! Non-destructive checks. PLACEHOLDER.
