//! Running one hook tool process within limits: a deadline for the whole call and a cap
//! on what it prints.
//!
//! The tool's stdin is written while its stdout and stderr are read, all three through
//! one `poll(2)` loop on non-blocking pipes (no thread per call), so a tool that prints a
//! lot to stderr before reading its input cannot deadlock the charm. A tool still running
//! at the deadline, or printing more than the cap, is killed (`SIGKILL`) and reaped.

use super::ToolOutput;
use std::io::{Read, Write};
use std::os::fd::{AsRawFd, RawFd};
use std::os::unix::process::ExitStatusExt;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// The default deadline of one hook tool call: generous for a tool that asks the
/// controller (`secret-get`, `network-get`), short enough that a hung tool does not hang
/// the hook forever.
pub const DEFAULT_TOOL_TIMEOUT: Duration = Duration::from_secs(120);

/// The default cap on a hook tool's output (stdout and stderr together): 32 MiB, well
/// above any config, relation databag or secret Juju holds, and bounded memory when a
/// tool runs away.
pub const DEFAULT_TOOL_OUTPUT_LIMIT: usize = 32 << 20;

/// Overrides [`ToolLimits::timeout`], in seconds (a decimal number, e.g. `0.5`).
pub const TIMEOUT_ENV: &str = "OPS_HOOK_TOOL_TIMEOUT";

/// Overrides [`ToolLimits::max_output`], in bytes.
pub const OUTPUT_LIMIT_ENV: &str = "OPS_HOOK_TOOL_MAX_OUTPUT";

/// The limits every hook tool call runs within.
///
/// Set them with `ops::MainOptions::tool_limits`, or, without rebuilding the charm, with
/// the environment variables `OPS_HOOK_TOOL_TIMEOUT` (seconds) and
/// `OPS_HOOK_TOOL_MAX_OUTPUT` (bytes), which take precedence ([`ToolLimits::from_env`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ToolLimits {
    /// How long one call may take, from spawn to exit.
    pub timeout: Duration,
    /// How many bytes the tool may print (stdout and stderr together).
    pub max_output: usize,
}

impl Default for ToolLimits {
    fn default() -> Self {
        ToolLimits {
            timeout: DEFAULT_TOOL_TIMEOUT,
            max_output: DEFAULT_TOOL_OUTPUT_LIMIT,
        }
    }
}

/// The limits of this process's runners, set once at start by `ops::main`.
static PROCESS_LIMITS: std::sync::OnceLock<ToolLimits> = std::sync::OnceLock::new();

impl ToolLimits {
    /// The limits every [`super::ProcessRunner`] of this process starts with: those
    /// `ops::main` installed ([`ToolLimits::install`]), else the defaults with the
    /// environment's overrides (a malformed override is ignored here; `ops::main`
    /// reports it).
    pub fn process() -> Self {
        *PROCESS_LIMITS.get_or_init(|| ToolLimits::default().from_env().unwrap_or_default())
    }

    /// Makes `self` the process's limits (the first call wins), so the model's runner and
    /// the logger's agree.
    pub fn install(self) {
        let _ = PROCESS_LIMITS.set(self);
    }

    /// These limits with the environment's overrides applied; a malformed value is an
    /// error naming the variable and the value.
    pub fn from_env(self) -> Result<Self, String> {
        self.from_vars(|key| std::env::var_os(key))
    }

    /// [`ToolLimits::from_env`] over any lookup (for tests).
    pub fn from_vars(
        mut self,
        var: impl Fn(&str) -> Option<std::ffi::OsString>,
    ) -> Result<Self, String> {
        let read = |key: &str| -> Result<Option<String>, String> {
            match var(key) {
                None => Ok(None),
                Some(value) => match value.into_string() {
                    Ok(text) if text.trim().is_empty() => Ok(None),
                    Ok(text) => Ok(Some(text)),
                    Err(raw) => Err(format!("{key}={raw:?} is not UTF-8")),
                },
            }
        };
        if let Some(text) = read(TIMEOUT_ENV)? {
            self.timeout = text
                .trim()
                .parse::<f64>()
                .ok()
                .filter(|secs| secs.is_finite() && *secs > 0.0)
                .and_then(|secs| Duration::try_from_secs_f64(secs).ok())
                .ok_or_else(|| {
                    format!("{TIMEOUT_ENV}={text:?} is not a positive number of seconds")
                })?;
        }
        if let Some(text) = read(OUTPUT_LIMIT_ENV)? {
            self.max_output = text
                .trim()
                .parse::<usize>()
                .ok()
                .filter(|bytes| *bytes > 0)
                .ok_or_else(|| {
                    format!("{OUTPUT_LIMIT_ENV}={text:?} is not a positive number of bytes")
                })?;
        }
        Ok(self)
    }
}

/// Why a call ended without the tool's exit status, carried inside the `io::Error` a
/// [`super::Runner`] returns (see [`limit_error`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum LimitExceeded {
    /// Still running at the deadline.
    #[error("no answer within {0:?}")]
    Timeout(Duration),
    /// Printed more than the cap.
    #[error("printed more than {0} bytes")]
    Output(usize),
}

/// The [`LimitExceeded`] inside `err`, if the call failed on a limit.
pub fn limit_error(err: &std::io::Error) -> Option<LimitExceeded> {
    err.get_ref()?.downcast_ref::<LimitExceeded>().copied()
}

/// The error of a call that missed its deadline.
pub(super) fn timed_out(timeout: Duration) -> std::io::Error {
    exceeded(LimitExceeded::Timeout(timeout))
}

fn exceeded(limit: LimitExceeded) -> std::io::Error {
    let kind = match limit {
        LimitExceeded::Timeout(_) => std::io::ErrorKind::TimedOut,
        LimitExceeded::Output(_) => std::io::ErrorKind::OutOfMemory,
    };
    std::io::Error::new(kind, limit)
}

/// Runs `command` to completion within `limits`, feeding it `stdin`.
pub fn run(
    command: &mut Command,
    stdin: Option<&[u8]>,
    limits: ToolLimits,
) -> std::io::Result<ToolOutput> {
    let deadline = Instant::now() + limits.timeout;
    command
        .stdin(if stdin.is_some() {
            Stdio::piped()
        } else {
            Stdio::null()
        })
        .stdout(Stdio::piped())
        .stderr(Stdio::piped());
    let mut child = command.spawn()?;
    let result = exchange(&mut child, stdin, limits, deadline).and_then(|(stdout, stderr)| {
        let status = wait_until(&mut child, deadline, limits.timeout)?;
        Ok(ToolOutput {
            code: status.code(),
            signal: status.signal(),
            stdout,
            stderr,
        })
    });
    if result.is_err() {
        // Killed and reaped: no zombie, no tool left running past the hook.
        let _ = child.kill();
        let _ = child.wait();
    }
    result
}

/// Writes `input` to the child's stdin while reading its stdout and stderr, until both
/// are closed.
fn exchange(
    child: &mut Child,
    input: Option<&[u8]>,
    limits: ToolLimits,
    deadline: Instant,
) -> std::io::Result<(Vec<u8>, Vec<u8>)> {
    let mut stdin = child.stdin.take();
    let mut stdout = child.stdout.take();
    let mut stderr = child.stderr.take();
    let mut input = input.unwrap_or_default();
    if input.is_empty() {
        stdin = None;
    }
    for fd in [
        stdin.as_ref().map(|p| p.as_raw_fd()),
        stdout.as_ref().map(|p| p.as_raw_fd()),
        stderr.as_ref().map(|p| p.as_raw_fd()),
    ]
    .into_iter()
    .flatten()
    {
        set_nonblocking(fd)?;
    }
    let (mut out, mut err) = (Vec::new(), Vec::new());
    let mut buf = [0u8; 16384];
    while stdout.is_some() || stderr.is_some() || stdin.is_some() {
        let mut fds = Vec::with_capacity(3);
        for (fd, events) in [
            (stdin.as_ref().map(|p| p.as_raw_fd()), libc::POLLOUT),
            (stdout.as_ref().map(|p| p.as_raw_fd()), libc::POLLIN),
            (stderr.as_ref().map(|p| p.as_raw_fd()), libc::POLLIN),
        ] {
            if let Some(fd) = fd {
                fds.push(libc::pollfd {
                    fd,
                    events,
                    revents: 0,
                });
            }
        }
        let remaining = deadline.saturating_duration_since(Instant::now());
        if remaining.is_zero() {
            return Err(exceeded(LimitExceeded::Timeout(limits.timeout)));
        }
        let millis = remaining.as_millis().clamp(1, libc::c_int::MAX as u128) as libc::c_int;
        // SAFETY: `fds` is a valid array of `fds.len()` pollfd structs for the call.
        let ready = unsafe { libc::poll(fds.as_mut_ptr(), fds.len() as libc::nfds_t, millis) };
        if ready < 0 {
            let error = std::io::Error::last_os_error();
            if error.kind() == std::io::ErrorKind::Interrupted {
                continue;
            }
            return Err(error);
        }
        for pollfd in fds.iter().filter(|p| p.revents != 0) {
            if stdin.as_ref().map(|p| p.as_raw_fd()) == Some(pollfd.fd) {
                let pipe = stdin.as_mut().expect("polled stdin is open");
                match pipe.write(input) {
                    Ok(written) => input = &input[written..],
                    Err(e) if e.kind() == std::io::ErrorKind::WouldBlock => {}
                    // A tool that exits without reading its input is not an error here;
                    // its exit status says what happened.
                    Err(_) => input = &[],
                }
                if input.is_empty() {
                    stdin = None; // closed: the tool sees end of input
                }
                continue;
            }
            if stdout.as_ref().map(|p| p.as_raw_fd()) == Some(pollfd.fd) {
                drain(&mut stdout, &mut out, &mut buf)?;
            } else {
                drain(&mut stderr, &mut err, &mut buf)?;
            }
            if out.len() + err.len() > limits.max_output {
                return Err(exceeded(LimitExceeded::Output(limits.max_output)));
            }
        }
    }
    Ok((out, err))
}

/// Reads what `pipe` has now into `sink`; closes it at end of file.
fn drain<P: Read>(pipe: &mut Option<P>, sink: &mut Vec<u8>, buf: &mut [u8]) -> std::io::Result<()> {
    let Some(reader) = pipe.as_mut() else {
        return Ok(());
    };
    match reader.read(buf) {
        Ok(0) => *pipe = None,
        Ok(n) => sink.extend_from_slice(&buf[..n]),
        Err(e)
            if matches!(
                e.kind(),
                std::io::ErrorKind::WouldBlock | std::io::ErrorKind::Interrupted
            ) => {}
        Err(e) => return Err(e),
    }
    Ok(())
}

/// Waits for the child to exit, at most until `deadline`. It has usually closed its
/// output on the way out, so it is exiting already; the wait is a `poll` on a pidfd
/// (Linux 5.3+), with short sleeps where there is none.
pub(super) fn wait_until(
    child: &mut Child,
    deadline: Instant,
    timeout: Duration,
) -> std::io::Result<std::process::ExitStatus> {
    if let Some(status) = child.try_wait()? {
        return Ok(status);
    }
    let pidfd = PidFd::open(child.id());
    let mut pause = Duration::from_micros(50);
    loop {
        let now = Instant::now();
        if now >= deadline {
            return Err(exceeded(LimitExceeded::Timeout(timeout)));
        }
        match &pidfd {
            Some(pidfd) => pidfd.wait_readable(deadline - now),
            None => {
                std::thread::sleep(pause.min(deadline - now));
                pause = (pause * 2).min(Duration::from_millis(10));
            }
        }
        if let Some(status) = child.try_wait()? {
            return Ok(status);
        }
    }
}

/// A process's pidfd: readable once the process has exited.
struct PidFd(std::os::fd::OwnedFd);

impl PidFd {
    /// `pidfd_open(pid)`, or `None` where the kernel has none.
    fn open(pid: u32) -> Option<Self> {
        // SAFETY: a plain syscall with integer arguments; it returns a new descriptor.
        let fd = unsafe { libc::syscall(libc::SYS_pidfd_open, pid as libc::pid_t, 0) };
        let fd = RawFd::try_from(fd).ok().filter(|fd| *fd >= 0)?;
        // SAFETY: `fd` was just returned by the kernel and is owned by nothing else.
        Some(PidFd(unsafe {
            <std::os::fd::OwnedFd as std::os::fd::FromRawFd>::from_raw_fd(fd)
        }))
    }

    /// Waits until the process exits or `within` passes (or a signal interrupts).
    fn wait_readable(&self, within: Duration) {
        let mut pollfd = libc::pollfd {
            fd: self.0.as_raw_fd(),
            events: libc::POLLIN,
            revents: 0,
        };
        let millis = within.as_millis().clamp(1, libc::c_int::MAX as u128) as libc::c_int;
        // SAFETY: one valid pollfd for the call.
        unsafe { libc::poll(&mut pollfd, 1, millis) };
    }
}

fn set_nonblocking(fd: RawFd) -> std::io::Result<()> {
    // SAFETY: fcntl on a pipe descriptor this process owns, with plain integer flags.
    let flags = unsafe { libc::fcntl(fd, libc::F_GETFL) };
    if flags < 0 || unsafe { libc::fcntl(fd, libc::F_SETFL, flags | libc::O_NONBLOCK) } < 0 {
        return Err(std::io::Error::last_os_error());
    }
    Ok(())
}
