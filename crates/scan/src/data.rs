//! Knowledge data (fingerprints, credentials, CVEs, ports) embedded at build time and
//! replaceable from a directory (`--data-dir`). PLACEHOLDER.
