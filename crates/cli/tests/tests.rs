//! The one integration-test binary (one link step, ripgrep style). Each module covers one area;
//! the end-to-end tests run the real `camwarden` binary against the emulated lab on loopback.

mod audit;
mod cli;
mod hostile;
mod lab_scan;
mod util;
