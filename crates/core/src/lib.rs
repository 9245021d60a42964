//! Domain types shared by every camwarden crate: the scope an operator authorised, the order
//! targets are visited in, what a scan learns about a device (identity facts with evidence), what
//! it proves (findings), and the requirement catalogs findings are judged against.
//!
//! This crate does no I/O, so everything in it is tested fast and exactly; the network, the clock
//! and storage come in through traits defined where they are used.

pub mod error;
pub mod frameworks;
pub mod model;
pub mod order;
pub mod redact;
pub mod scope;

pub use error::{Error, ErrorKind, Result};
