//! Discovery. PLACEHOLDER.
