//! Typed errors of the Pebble client.

use crate::types::Change;
use std::path::PathBuf;

/// Everything a Pebble call can fail with. Non-exhaustive: a later version may add kinds
/// of failure, so a `match` keeps a catch-all arm.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum Error {
    /// Pebble answered with an error (HTTP status ≥ 400).
    #[error("{0}")]
    Api(Box<ApiError>),
    /// The socket could not be reached (missing, refused, reset).
    #[error("cannot connect to Pebble at {}: {message}", path.display())]
    Connection {
        /// The socket path.
        path: PathBuf,
        /// What went wrong.
        message: String,
    },
    /// A change (service operation, exec) finished with an error.
    #[error("{0}")]
    Change(Box<ChangeError>),
    /// A command run by `exec` exited non-zero.
    #[error("{0}")]
    Exec(Box<ExecError>),
    /// A file operation failed for a path (`not-found`, `permission-denied`, ...).
    #[error("{kind} - {message}")]
    Path {
        /// Pebble's error kind.
        kind: String,
        /// Pebble's message.
        message: String,
    },
    /// A call or a wait took longer than allowed.
    #[error("timed out: {0}")]
    Timeout(String),
    /// Pebble's answer did not follow the protocol (bad JSON, content type, multipart).
    #[error("Pebble protocol error: {0}")]
    Protocol(String),
    /// A layer is malformed (missing `override`, bad YAML) or a value is invalid.
    #[error("{0}")]
    Format(String),
    /// The container has no such service, check or notice.
    #[error("{what} {name:?} not found")]
    NotFound {
        /// What was looked up (`service`, `check`, `notice`).
        what: &'static str,
        /// Its name or id.
        name: String,
    },
    /// Reading the caller's source or writing to the caller's sink failed.
    #[error("I/O error: {0}")]
    Io(#[source] std::io::Error),
    /// `push_path`/`pull_path` failed for one or more paths (the others were copied).
    #[error("{0}")]
    PushPull(Box<MultiPushPullError>),
}

impl Error {
    /// The API error, if this is one.
    pub fn as_api(&self) -> Option<&ApiError> {
        match self {
            Error::Api(e) => Some(e),
            _ => None,
        }
    }

    /// Whether Pebble said "not found" (HTTP 404, or a path error of kind `not-found`).
    pub fn is_not_found(&self) -> bool {
        match self {
            Error::Api(e) => e.code == 404,
            Error::Path { kind, .. } => kind == "not-found",
            Error::NotFound { .. } => true,
            _ => false,
        }
    }

    pub(crate) fn api(code: u16, status: &str, body: &serde_json::Value) -> Error {
        let result = body.get("result");
        let message = result
            .and_then(|r| r.get("message"))
            .and_then(|m| m.as_str())
            .map(str::to_string)
            .unwrap_or_else(|| format!("HTTP {code} {status}"));
        let kind = result
            .and_then(|r| r.get("kind"))
            .and_then(|m| m.as_str())
            .map(str::to_string);
        Error::Api(Box::new(ApiError {
            code,
            status: status.to_string(),
            kind,
            message,
            body: body.clone(),
        }))
    }
}

/// An error answer from Pebble.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error("{message}")]
pub struct ApiError {
    /// The HTTP status code.
    pub code: u16,
    /// The HTTP status text.
    pub status: String,
    /// Pebble's error kind (`result.kind`), if any.
    pub kind: Option<String>,
    /// Pebble's message (`result.message`).
    pub message: String,
    /// The whole response body.
    pub body: serde_json::Value,
}

/// A change that finished with an error.
#[derive(Debug, Clone, PartialEq)]
pub struct ChangeError {
    /// The change's error text.
    pub err: String,
    /// The change.
    pub change: Change,
}

impl std::fmt::Display for ChangeError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.err)?;
        for task in &self.change.tasks {
            if task.log.is_empty() {
                continue;
            }
            write!(f, "\n----- Logs from task {} -----", task.id)?;
            for line in &task.log {
                write!(f, "\n{line}")?;
            }
        }
        if self.change.tasks.iter().any(|t| !t.log.is_empty()) {
            f.write_str("\n-----")?;
        }
        Ok(())
    }
}

impl std::error::Error for ChangeError {}

/// A command that exited non-zero.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ExecError {
    /// The command and its arguments.
    pub command: Vec<String>,
    /// Its exit code.
    pub exit_code: i32,
    /// Its stdout, when captured.
    pub stdout: Option<Vec<u8>>,
    /// Its stderr, when captured.
    pub stderr: Option<Vec<u8>>,
}

impl std::fmt::Display for ExecError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        const CAP: usize = 1024;
        write!(
            f,
            "non-zero exit code {} executing {:?}",
            self.exit_code, self.command
        )?;
        for (name, out) in [("stdout", &self.stdout), ("stderr", &self.stderr)] {
            if let Some(out) = out {
                let text = String::from_utf8_lossy(&out[..out.len().min(CAP)]);
                let more = if out.len() > CAP {
                    format!(" [truncated {} bytes]", out.len() - CAP)
                } else {
                    String::new()
                };
                write!(f, ", {name}={text:?}{more}")?;
            }
        }
        Ok(())
    }
}

impl std::error::Error for ExecError {}

/// The failures of a recursive copy ([`crate::push_path`], [`crate::pull_path`]): the copy
/// goes on after a failure, and each failed path is listed with its error.
#[derive(Debug)]
pub struct MultiPushPullError {
    /// What failed overall (`failed to push one or more files`).
    pub message: String,
    /// Each path that failed (the file, or the source path when it could not be listed)
    /// with its error, in the order met.
    pub errors: Vec<(String, Error)>,
}

impl std::fmt::Display for MultiPushPullError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({} errors)", self.message, self.errors.len())?;
        for (i, (path, err)) in self.errors.iter().enumerate() {
            let sep = if i == 0 { ": " } else { "; " };
            write!(f, "{sep}{path}: {err}")?;
        }
        Ok(())
    }
}

impl std::error::Error for MultiPushPullError {}

/// The result type of Pebble calls.
pub type Result<T, E = Error> = std::result::Result<T, E>;
