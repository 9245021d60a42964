//! The scan crate's error type. Network failures are expected outcomes here, so the kinds are
//! the ones a check needs to tell apart (a timeout is not a refusal, and neither is a bad password).

use std::fmt;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The address is not in the declared scope: nothing was sent.
    OutOfScope,
    /// Connection refused (closed port).
    Refused,
    /// No answer within the time budget (filtered port, tarpit, dead host).
    Timeout,
    /// The peer sent more than the byte budget allows (endless headers, huge bodies).
    TooLarge,
    /// The peer's bytes are not the protocol expected (garbage, wrong service).
    Protocol,
    /// Resource exhaustion on our side (too many open files): back-pressure, retry later.
    Exhausted,
    /// Any other I/O failure (reset, unreachable).
    Io,
    /// TLS could not be negotiated.
    Tls,
    /// Bad input from the user or data files.
    InvalidArgument,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Error {
    pub kind: ErrorKind,
    pub msg: String,
}

impl Error {
    pub fn new(kind: ErrorKind, msg: impl Into<String>) -> Self {
        Error {
            kind,
            msg: msg.into(),
        }
    }
    pub fn protocol(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Protocol, msg)
    }
    pub fn timeout(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Timeout, msg)
    }
    pub fn is(&self, kind: ErrorKind) -> bool {
        self.kind == kind
    }
    /// Classify an I/O error from connect/read/write.
    pub fn from_io(e: &std::io::Error, what: &str) -> Self {
        use std::io::ErrorKind as K;
        let kind = match e.kind() {
            K::ConnectionRefused => ErrorKind::Refused,
            K::TimedOut | K::WouldBlock => ErrorKind::Timeout,
            _ if e.raw_os_error() == Some(24) || e.raw_os_error() == Some(23) => {
                ErrorKind::Exhausted
            }
            _ if e.raw_os_error() == Some(99) || e.raw_os_error() == Some(105) => {
                // EADDRNOTAVAIL (ephemeral ports) / ENOBUFS: our side ran out, not the peer.
                ErrorKind::Exhausted
            }
            _ => ErrorKind::Io,
        };
        Error::new(kind, format!("{what}: {e}"))
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:?}: {}", self.kind, self.msg)
    }
}

impl std::error::Error for Error {}

impl From<Error> for camwarden_core::Error {
    fn from(e: Error) -> Self {
        use camwarden_core::ErrorKind as C;
        let kind = match e.kind {
            ErrorKind::OutOfScope => C::PermissionDenied,
            ErrorKind::InvalidArgument => C::InvalidArgument,
            _ => C::Unavailable,
        };
        camwarden_core::Error::new(kind, e.msg)
    }
}

pub type Result<T, E = Error> = std::result::Result<T, E>;
