//! Identification. PLACEHOLDER.
