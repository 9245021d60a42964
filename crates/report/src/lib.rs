//! Reports. PLACEHOLDER.
