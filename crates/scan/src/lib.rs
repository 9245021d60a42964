//! Discovery, protocol probes, identification and non-destructive checks.
//!
//! Every byte this crate sends goes through [`net::Net`], which refuses any address outside the
//! declared scope and bounds every exchange in time and bytes: a hostile device (tarpit, endless
//! header, XML bomb, garbage) costs a bounded amount and never a panic.

pub mod audit;
pub mod check;
pub mod data;
pub mod discover;
pub mod error;
pub mod identify;
pub mod net;
pub mod pipeline;
pub mod proto;

pub use error::{Error, ErrorKind, Result};
