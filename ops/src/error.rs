//! Error types: [`Error`], what a handler returns, and [`ModelError`], what talking to Juju
//! can fail with.

use std::fmt;

/// What a handler returns: any error, boxed, with the message the runtime logs through
/// `juju-log` (and, for actions, passes to `action-fail`).
///
/// Every `std::error::Error` converts into it with `?`, so a handler can mix model, Pebble
/// and its own errors. Build one from a message with [`Error::msg`].
pub struct Error(Box<dyn std::error::Error + Send + Sync + 'static>);

/// `Result` with [`Error`], for handlers and charm code.
pub type Result<T, E = Error> = std::result::Result<T, E>;

impl Error {
    /// An error carrying only `message`.
    pub fn msg(message: impl fmt::Display) -> Self {
        Error(message.to_string().into())
    }

    /// The underlying error, to inspect or downcast.
    pub fn inner(&self) -> &(dyn std::error::Error + Send + Sync + 'static) {
        &*self.0
    }

    /// The underlying error as `E`, if it is one.
    pub fn downcast_ref<E: std::error::Error + 'static>(&self) -> Option<&E> {
        self.0.downcast_ref::<E>()
    }
}

impl<E: std::error::Error + Send + Sync + 'static> From<E> for Error {
    fn from(err: E) -> Self {
        Error(Box::new(err))
    }
}

impl fmt::Display for Error {
    /// The message and its causes, `: `-separated; a cause the message already ends with
    /// (errors that print their source themselves) is not repeated.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let mut text = self.0.to_string();
        let mut source = self.0.source();
        while let Some(cause) = source {
            let cause_text = cause.to_string();
            if !text.ends_with(&cause_text) {
                text.push_str(": ");
                text.push_str(&cause_text);
            }
            source = cause.source();
        }
        f.write_str(&text)
    }
}

impl fmt::Debug for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// A failure talking to Juju: a hook tool that failed, or answered in a shape we do not
/// understand, or a model rule broken before any tool ran.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum ModelError {
    /// A hook tool exited non-zero; `stderr` is what it printed. Displays as
    /// `config-get failed: exit status 1: <stderr>` (without the stderr part when it is
    /// empty); as an [`Error`] (what a hook logs), the command line and its standard
    /// output follow, from `call`.
    #[error("{tool} failed: {}", exit_detail(*code, stderr))]
    Tool {
        /// The hook tool's name (e.g. `relation-get`).
        tool: String,
        /// Its exit code, if it exited normally.
        code: Option<i32>,
        /// What it printed on standard error, trimmed (the first
        /// [`ToolCall::MAX_SHOWN`] bytes).
        stderr: String,
        /// The call itself, when a hook tool process ran (not in `ops::testing`).
        #[source]
        call: Option<Box<ToolCall>>,
    },
    /// A hook tool was killed by a signal (`config-get failed: killed by signal 9`).
    #[error("{tool} failed: killed by signal {signal}{}", with_stderr(stderr))]
    ToolKilled {
        /// The hook tool's name.
        tool: String,
        /// The signal's number.
        signal: i32,
        /// What it printed on standard error before, trimmed (the first
        /// [`ToolCall::MAX_SHOWN`] bytes).
        stderr: String,
        /// The call itself.
        #[source]
        call: Option<Box<ToolCall>>,
    },
    /// A hook tool was still running at its deadline, and was killed: the hook does not
    /// hang on a tool that never answers (see `ops::ToolLimits`).
    #[error("{tool} did not finish within {timeout:?}: killed")]
    ToolTimeout {
        /// The hook tool's name.
        tool: String,
        /// The deadline it missed.
        timeout: std::time::Duration,
    },
    /// A hook tool printed more than the output cap, and was killed: its output is not
    /// kept (see `ops::ToolLimits`).
    #[error("{tool} printed more than {limit} bytes (the hook tool output limit): killed")]
    ToolOutputTooLarge {
        /// The hook tool's name.
        tool: String,
        /// The cap, in bytes.
        limit: usize,
    },
    /// A hook tool could not be started at all.
    #[error("cannot run {tool}: {source}")]
    Spawn {
        /// The hook tool's name.
        tool: String,
        /// Why it could not run.
        #[source]
        source: std::io::Error,
    },
    /// A hook tool's output was not what Juju documents.
    #[error("unexpected output from {tool}: {detail}")]
    Output {
        /// The hook tool's name.
        tool: String,
        /// What was wrong with it.
        detail: String,
    },
    /// The relation does not exist (any more), or this unit may not see it.
    #[error("relation not found: {0}")]
    RelationNotFound(String),
    /// A `limit: 1` style lookup found more than one relation.
    #[error("too many related applications on {endpoint}: {count} relations")]
    TooManyRelatedApps {
        /// The endpoint.
        endpoint: String,
        /// How many relations it has.
        count: usize,
    },
    /// A relation databag rule was broken (e.g. a non-leader writing the app databag).
    #[error("relation data access denied: {0}")]
    RelationDataAccess(String),
    /// The secret does not exist, or this unit may not see it.
    #[error("secret not found: {0}")]
    SecretNotFound(String),
    /// A value that Juju would refuse (a bad status, action result key, port...).
    #[error("invalid {what}: {detail}")]
    Invalid {
        /// What was invalid (e.g. `status`, `action result key`).
        what: &'static str,
        /// Why.
        detail: String,
    },
    /// Something else the model refused, with its message.
    #[error("{0}")]
    Other(String),
}

/// A failed hook tool call as an error message may show it: the command line with every
/// value that may be secret replaced by `<redacted>` (secret content, action results,
/// relation and state values, log and action-log messages), and what the tool printed on
/// standard output, cut to [`ToolCall::MAX_SHOWN`] bytes (`<redacted: N bytes>` for the
/// tools whose output may hold secrets: `secret-get`, `credential-get`, `config-get`,
/// `relation-get`, `action-get`, `state-get`). Displays as
/// ``command `config-get --format=json`, stdout: `...` ``.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolCall {
    /// The tool, then its arguments, redacted.
    pub command: Vec<String>,
    /// Its standard output, trimmed, cut or redacted (empty when it printed nothing).
    pub stdout: String,
}

impl ToolCall {
    /// The most bytes of a tool's stdout or stderr an error keeps (the rest is counted).
    pub const MAX_SHOWN: usize = 2048;
}

impl fmt::Display for ToolCall {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("command `")?;
        for (i, arg) in self.command.iter().enumerate() {
            if i > 0 {
                f.write_str(" ")?;
            }
            write_shell_word(f, arg)?;
        }
        f.write_str("`")?;
        if !self.stdout.is_empty() {
            write!(f, ", stdout: `{}`", self.stdout)?;
        }
        Ok(())
    }
}

impl std::error::Error for ToolCall {}

/// `arg` as a shell would need it: bare when it is plain, else single-quoted.
fn write_shell_word(f: &mut fmt::Formatter<'_>, arg: &str) -> fmt::Result {
    let plain = !arg.is_empty()
        && arg
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-_=.,:/@%+#<>".contains(&b));
    if plain {
        f.write_str(arg)
    } else {
        write!(f, "'{}'", arg.replace('\'', r"'\''"))
    }
}

/// `text` cut to [`ToolCall::MAX_SHOWN`] bytes (at a character boundary), with how much
/// was left out.
pub(crate) fn shown(text: &str) -> String {
    if text.len() <= ToolCall::MAX_SHOWN {
        return text.to_string();
    }
    let mut end = ToolCall::MAX_SHOWN;
    while !text.is_char_boundary(end) {
        end -= 1;
    }
    format!("{}... ({} more bytes)", &text[..end], text.len() - end)
}

/// `exit status 1: <stderr>`, or what is known when there is no exit code.
fn exit_detail(code: Option<i32>, stderr: &str) -> String {
    match code {
        Some(code) => format!("exit status {code}{}", with_stderr(stderr)),
        None if stderr.is_empty() => "no exit status".to_string(),
        None => stderr.to_string(),
    }
}

/// `: <stderr>`, or nothing when the tool printed nothing.
fn with_stderr(stderr: &str) -> String {
    if stderr.is_empty() {
        String::new()
    } else {
        format!(": {stderr}")
    }
}

/// Ends the hook early, as expected rather than as a failure: return it from a handler
/// (`Err(Abort::blocked("..."))?`, or `.map_err(Abort::blocked)?` on a validation error)
/// and the runtime sets the unit's status to the one given, logs the reason at WARNING,
/// saves nothing, and exits 0, so Juju does not retry the hook. In an action handler the
/// action fails with the status message instead (the unit status is left alone).
///
/// This is Python `ops`' `load_config(..., errors="blocked")` and
/// `load_params(..., errors="fail")`: the charm cannot go on until the operator acts.
///
/// Once converted into an [`Error`], an `Abort` displays as `ended early, unit blocked:
/// <reason>`, not as the reason alone. To reuse a validation that aborts in a
/// `collect_unit_status` handler (which should report the problem in every hook, not
/// only the one that ended early), take the status back out:
/// `err.downcast_ref::<Abort>().map(Abort::status)`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Abort {
    status: crate::Status,
}

impl Abort {
    /// End the hook with the unit `blocked`, showing `reason` (what the operator must fix).
    pub fn blocked(reason: impl fmt::Display) -> Self {
        Abort::with_status(crate::Status::blocked(reason.to_string()))
    }

    /// End the hook with the unit `waiting`, showing `reason`.
    pub fn waiting(reason: impl fmt::Display) -> Self {
        Abort::with_status(crate::Status::waiting(reason.to_string()))
    }

    /// End the hook with the unit in `status` (a settable one: active, blocked,
    /// maintenance or waiting; otherwise setting it fails the hook).
    pub fn with_status(status: crate::Status) -> Self {
        Abort { status }
    }

    /// The status the unit is left in.
    pub fn status(&self) -> &crate::Status {
        &self.status
    }
}

impl fmt::Display for Abort {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "ended early, unit {}", self.status)
    }
}

impl std::error::Error for Abort {}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_chains_causes_once() {
        let io = std::io::Error::new(std::io::ErrorKind::NotFound, "no such file");
        let spawn = ModelError::Spawn {
            tool: "config-get".into(),
            source: io,
        };
        // The tool error prints its cause itself: not repeated.
        assert_eq!(
            Error::from(spawn).to_string(),
            "cannot run config-get: no such file"
        );
        // A cause the message does not show is appended.
        #[derive(Debug)]
        struct Outer(std::io::Error);
        impl fmt::Display for Outer {
            fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("reading the plan")
            }
        }
        impl std::error::Error for Outer {
            fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
                Some(&self.0)
            }
        }
        let outer = Outer(std::io::Error::other("disk gone"));
        assert_eq!(
            Error::from(outer).to_string(),
            "reading the plan: disk gone"
        );
    }
}
