//! The lab. PLACEHOLDER.
