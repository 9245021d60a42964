//! Storage. PLACEHOLDER.
