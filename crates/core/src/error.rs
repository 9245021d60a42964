//! One error type for the library crates, carrying a kind. Kinds are mapped to process exit codes
//! (and, later, HTTP statuses) in exactly one place: [`ErrorKind::exit_code`].

use std::fmt;

/// What went wrong, coarsely: enough for a caller to decide what to do and what to tell the user.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorKind {
    /// The user, a file or an API client gave something malformed.
    InvalidArgument,
    /// Something asked for does not exist.
    NotFound,
    /// The operation is refused on principle (out of scope, denied range, unsafe request).
    PermissionDenied,
    /// A resource (network, database, file) is unavailable right now.
    Unavailable,
    /// Stored data is inconsistent or unreadable.
    DataLoss,
    /// A bug or an unexpected condition.
    Internal,
}

impl ErrorKind {
    /// The process exit code for an error of this kind (sysexits-like, stable).
    pub fn exit_code(self) -> i32 {
        match self {
            ErrorKind::InvalidArgument => 2,
            ErrorKind::NotFound => 3,
            ErrorKind::PermissionDenied => 4,
            ErrorKind::Unavailable => 5,
            ErrorKind::DataLoss => 6,
            ErrorKind::Internal => 70,
        }
    }

    /// The HTTP status for an error of this kind (for the API that comes later).
    pub fn http_status(self) -> u16 {
        match self {
            ErrorKind::InvalidArgument => 400,
            ErrorKind::NotFound => 404,
            ErrorKind::PermissionDenied => 403,
            ErrorKind::Unavailable => 503,
            ErrorKind::DataLoss | ErrorKind::Internal => 500,
        }
    }
}

/// An error with a kind and a message meant for people.
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
    pub fn invalid(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::InvalidArgument, msg)
    }
    pub fn denied(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::PermissionDenied, msg)
    }
    pub fn internal(msg: impl Into<String>) -> Self {
        Self::new(ErrorKind::Internal, msg)
    }
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.msg)
    }
}

impl std::error::Error for Error {}

pub type Result<T, E = Error> = std::result::Result<T, E>;
