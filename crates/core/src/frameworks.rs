//! Requirement catalogs (frameworks as versioned data) and judging. PLACEHOLDER — owned by the
//! frameworks work (issue 3).
