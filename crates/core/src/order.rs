//! Randomised target order. PLACEHOLDER — owned by the discovery work.
