//! The real [`Backend`]: Juju's hook tools, run as processes found on `PATH`.
//!
//! Each method builds the tool's argv as Python `ops` does (`_ModelBackend` in its
//! `ops/model.py`), runs the tool through a [`Runner`], and parses its JSON. A tool that fails becomes a typed
//! [`ModelError`] keeping its stderr; output of an unexpected shape becomes
//! [`ModelError::Output`] naming the tool. Secret content goes through temporary files
//! (`key#file=path`, mode 0600, removed afterwards), never through argv.

#[cfg(test)]
pub(crate) mod fake;
mod parse;
mod process;
mod pystr;
#[cfg(test)]
mod tests;

use crate::backend::{
    Backend, CloudSpec, Databag, GoalState, LogLevel, NetworkInfo, Port, SecretInfo, SecretLookup,
    SecretOptions, SecretOwner, SecretRead, StatusInfo, StorageInfo,
};
use crate::error::{shown, ModelError, ToolCall};
use crate::status::Status;
use serde_json::{Map, Value};
use std::collections::BTreeMap;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

pub use process::{limit_error, LimitExceeded, ToolLimits};
#[cfg(test)]
pub(crate) use process::{OUTPUT_LIMIT_ENV, TIMEOUT_ENV};
pub(crate) use pystr::python_str;

/// The longest message one `juju-log` call carries; longer ones are split.
pub const MAX_LOG_LINE_LEN: usize = 131071;

/// What a hook tool did.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ToolOutput {
    /// Its exit code (`None` if killed by a signal).
    pub code: Option<i32>,
    /// The signal that killed it, if one did.
    pub signal: Option<i32>,
    /// Its standard output.
    pub stdout: Vec<u8>,
    /// Its standard error.
    pub stderr: Vec<u8>,
}

/// Runs one hook tool. The real one spawns a process; tests record the argv and answer
/// with canned output.
pub trait Runner: Send + Sync {
    /// Runs `tool` with `args`, feeding it `stdin` if given.
    fn run(&self, tool: &str, args: &[String], stdin: Option<&[u8]>)
        -> std::io::Result<ToolOutput>;

    /// Starts `tool` without waiting for it to finish (for `juju-log`): tools started
    /// this way run one at a time, in order. By default it runs to completion at once,
    /// and a non-zero exit is reported.
    fn start(&self, tool: &str, args: &[String]) -> std::io::Result<Option<ToolOutput>> {
        self.run(tool, args, None).map(Some)
    }

    /// Waits for every tool [`Runner::start`] started.
    fn wait_started(&self) {}
}

/// Spawns hook tools found on `PATH` (or in a given directory), each call within
/// [`ToolLimits`]: a deadline and an output cap.
///
/// `juju-log` calls do not wait: each is started while the charm goes on, after the
/// previous one finished (so lines stay in order), and the last one is waited for before
/// the runtime exits ([`Runner::wait_started`]). Its stderr is the charm's. A `juju-log`
/// still running at the deadline (counted from its start) is killed when waited for, and
/// the process's later lines go to stderr instead: a hung `juju-log` costs the hook one
/// deadline, not one per line.
#[derive(Debug, Clone)]
pub struct ProcessRunner {
    dir: Option<PathBuf>,
    limits: ToolLimits,
}

impl Default for ProcessRunner {
    /// Tools from `PATH`, within the process's limits ([`ToolLimits::process`]).
    fn default() -> Self {
        ProcessRunner {
            dir: None,
            limits: ToolLimits::process(),
        }
    }
}

/// Set once a `juju-log` missed its deadline: the process's later lines go to stderr.
static LOG_HUNG: std::sync::atomic::AtomicBool = std::sync::atomic::AtomicBool::new(false);

/// The `juju-log` still running, shared by every runner in the process (the model's and
/// the `log` crate's logger), so all lines keep their order.
/// It is waited for until its deadline (its start plus the starting runner's timeout).
static PENDING_LOG: std::sync::Mutex<Option<(std::process::Child, std::time::Instant)>> =
    std::sync::Mutex::new(None);

impl ProcessRunner {
    /// Runs tools found in `dir` instead of on `PATH`.
    pub fn in_dir(dir: impl Into<PathBuf>) -> Self {
        ProcessRunner {
            dir: Some(dir.into()),
            ..ProcessRunner::default()
        }
    }

    /// This runner with other limits on each call.
    #[cfg(test)]
    pub fn with_limits(self, limits: ToolLimits) -> Self {
        ProcessRunner { limits, ..self }
    }

    fn command(&self, tool: &str) -> Command {
        match &self.dir {
            Some(dir) => Command::new(dir.join(tool)),
            None => Command::new(tool),
        }
    }

    fn wait_pending(&self) {
        let mut pending = PENDING_LOG.lock().unwrap_or_else(|e| e.into_inner());
        self.finish_log(pending.take());
    }

    /// Waits for a started `juju-log` until its deadline; kills it past that, saying so
    /// on stderr (the line it carried is lost, the hook goes on), and sends the later
    /// lines to stderr.
    fn finish_log(&self, pending: Option<(std::process::Child, std::time::Instant)>) {
        let Some((mut child, deadline)) = pending else {
            return;
        };
        if process::wait_until(&mut child, deadline, self.limits.timeout).is_err() {
            let _ = child.kill();
            let _ = child.wait();
            LOG_HUNG.store(true, std::sync::atomic::Ordering::Relaxed);
            let error = run_error("juju-log", process::timed_out(self.limits.timeout));
            let _ = writeln!(
                std::io::stderr(),
                "{error}; the next log lines go to stderr"
            );
        }
    }
}

impl Runner for ProcessRunner {
    fn run(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> std::io::Result<ToolOutput> {
        process::run(self.command(tool).args(args), stdin, self.limits)
    }

    fn start(&self, tool: &str, args: &[String]) -> std::io::Result<Option<ToolOutput>> {
        let mut pending = PENDING_LOG.lock().unwrap_or_else(|e| e.into_inner());
        self.finish_log(pending.take());
        if LOG_HUNG.load(std::sync::atomic::Ordering::Relaxed) {
            // `--log-level LEVEL -- MESSAGE`, as `LEVEL: MESSAGE`.
            let (level, message) = (args.get(1), args.last());
            let line = format!(
                "{}: {}",
                level.map_or("", String::as_str),
                message.map_or("", String::as_str)
            );
            let _ = writeln!(std::io::stderr(), "{line}");
            return Ok(None);
        }
        let child = self
            .command(tool)
            .args(args)
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()?;
        *pending = Some((child, std::time::Instant::now() + self.limits.timeout));
        Ok(None)
    }

    fn wait_started(&self) {
        self.wait_pending();
    }
}

/// The [`Backend`] over Juju's hook tools.
#[derive(Debug, Clone, Default)]
pub struct HookTools<R = ProcessRunner> {
    runner: R,
}

impl HookTools<ProcessRunner> {
    /// Hook tools from `PATH`, as Juju sets it for a hook.
    pub fn new() -> Self {
        HookTools::default()
    }
}

impl<R: Runner> HookTools<R> {
    /// Hook tools run through `runner`.
    #[cfg(test)]
    pub fn with_runner(runner: R) -> Self {
        HookTools { runner }
    }

    /// The runner.
    #[cfg(test)]
    pub fn runner(&self) -> &R {
        &self.runner
    }

    /// Runs `tool`; a non-zero exit becomes a typed error.
    fn run(&self, tool: &str, args: &[String], stdin: Option<&[u8]>) -> Result<String, ModelError> {
        let span = crate::tracing::span(tool);
        span.attr("call", || "subprocess.run".into());
        span.attr("args", || {
            crate::tracing::AttrValue::StrList(safe_args(tool, args))
        });
        let result = self.run_untraced(tool, args, stdin);
        if let Err(e) = &result {
            span.error(|| e.to_string());
        }
        result
    }

    fn run_untraced(
        &self,
        tool: &str,
        args: &[String],
        stdin: Option<&[u8]>,
    ) -> Result<String, ModelError> {
        let output = self
            .runner
            .run(tool, args, stdin)
            .map_err(|source| run_error(tool, source))?;
        if output.code != Some(0) {
            return Err(failed(tool, args, &output));
        }
        String::from_utf8(output.stdout).map_err(|_| ModelError::Output {
            tool: tool.to_string(),
            detail: "output is not UTF-8".into(),
        })
    }

    /// Runs `tool` and parses its JSON output as `T`.
    fn json<T: serde::de::DeserializeOwned>(
        &self,
        tool: &str,
        args: &[String],
    ) -> Result<T, ModelError> {
        parse::json(tool, &self.run(tool, args, None)?)
    }

    /// `relation-list --format=json -r REF`.
    fn relation_list_ref(&self, reference: String) -> Result<Vec<String>, ModelError> {
        let args = [s("--format=json"), s("-r"), reference];
        let units: Option<Vec<String>> = self.json("relation-list", &args)?;
        Ok(units.unwrap_or_default())
    }

    /// `relation-list --format=json --app -r REF`.
    fn relation_remote_app_ref(&self, reference: String) -> Result<Option<String>, ModelError> {
        let args = [s("--format=json"), s("--app"), s("-r"), reference];
        let app: Option<String> = self.json("relation-list", &args)?;
        Ok(app.filter(|a| !a.is_empty()))
    }

    /// `relation-get --format=json -r REF [--app] - MEMBER`.
    fn relation_get_ref(
        &self,
        reference: String,
        member: &str,
        app: bool,
    ) -> Result<Databag, ModelError> {
        let mut args = vec![s("--format=json"), s("-r"), reference];
        app_flag(&mut args, app);
        args.extend([s("-"), s(member)]);
        let bag: Option<Databag> = self.json("relation-get", &args)?;
        Ok(bag.unwrap_or_default())
    }

    /// `relation-set -r REF [--app] --file -`, the changes as JSON on stdin.
    fn relation_set_ref(
        &self,
        reference: String,
        changes: &Databag,
        app: bool,
    ) -> Result<(), ModelError> {
        if changes.is_empty() {
            return Ok(());
        }
        let mut args = vec![s("-r"), reference];
        app_flag(&mut args, app);
        args.extend([s("--file"), s("-")]);
        let input = serde_json::to_vec(changes).map_err(|e| ModelError::Other(e.to_string()))?;
        self.run("relation-set", &args, Some(&input)).map(drop)
    }

    /// `relation-model-get --format=json -r REF`.
    fn relation_model_uuid_ref(&self, reference: String) -> Result<String, ModelError> {
        let args = [s("--format=json"), s("-r"), reference];
        let model: parse::RelationModel = self.json("relation-model-get", &args)?;
        Ok(model.uuid)
    }

    /// Runs a secret tool with `content` in temporary files appended as `key#file=path`.
    fn run_with_secret_files(
        &self,
        tool: &str,
        mut args: Vec<String>,
        content: Option<&BTreeMap<String, String>>,
    ) -> Result<String, ModelError> {
        let Some(content) = content else {
            return self.run(tool, &args, None);
        };
        let dir = SecretDir::create().map_err(|source| ModelError::Spawn {
            tool: tool.to_string(),
            source,
        })?;
        for (key, value) in content {
            let path = dir.write(key, value).map_err(|source| ModelError::Spawn {
                tool: tool.to_string(),
                source,
            })?;
            args.push(format!("{key}#file={}", path.display()));
        }
        self.run(tool, &args, None)
    }
}

/// A private temporary directory for secret content, removed when dropped.
struct SecretDir {
    path: PathBuf,
}

impl SecretDir {
    fn create() -> std::io::Result<Self> {
        use std::sync::atomic::{AtomicU32, Ordering};
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        let path = std::env::temp_dir().join(format!(
            "ops-secret-{}-{}-{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        ));
        let mut builder = std::fs::DirBuilder::new();
        #[cfg(unix)]
        std::os::unix::fs::DirBuilderExt::mode(&mut builder, 0o700);
        builder.create(&path)?;
        Ok(SecretDir { path })
    }

    fn write(&self, key: &str, value: &str) -> std::io::Result<PathBuf> {
        if key.contains('/') || key.contains('\0') || key == ".." || key == "." {
            return Err(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                format!("secret key {key:?} cannot be a file name"),
            ));
        }
        let path = self.path.join(key);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create_new(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&path)?;
        file.write_all(value.as_bytes())?;
        Ok(path)
    }
}

impl Drop for SecretDir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.path);
    }
}

/// The error of a call that did not end with an exit status: a limit it broke, or a
/// spawn that failed.
fn run_error(tool: &str, source: std::io::Error) -> ModelError {
    let tool = tool.to_string();
    match limit_error(&source) {
        Some(LimitExceeded::Timeout(timeout)) => ModelError::ToolTimeout { tool, timeout },
        Some(LimitExceeded::Output(limit)) => ModelError::ToolOutputTooLarge { tool, limit },
        None => ModelError::Spawn { tool, source },
    }
}

/// The error of a tool that exited non-zero or was killed by a signal, with the call
/// (`tool` `args`, redacted) and what it printed.
fn failed(tool: &str, args: &[String], output: &ToolOutput) -> ModelError {
    let stderr = String::from_utf8_lossy(&output.stderr).trim().to_string();
    let call = || Some(Box::new(tool_call(tool, args, &output.stdout)));
    match (output.code, output.signal) {
        (None, Some(signal)) => ModelError::ToolKilled {
            tool: tool.to_string(),
            signal,
            stderr: shown(&stderr),
            call: call(),
        },
        (code, _) => match tool_error(tool, code, stderr) {
            ModelError::Tool {
                tool, code, stderr, ..
            } => ModelError::Tool {
                tool,
                code,
                stderr,
                call: call(),
            },
            other => other,
        },
    }
}

/// Maps a failed tool to the error its stderr describes (the stderr kept is cut to
/// [`ToolCall::MAX_SHOWN`] bytes).
pub fn tool_error(tool: &str, code: Option<i32>, stderr: String) -> ModelError {
    let lower = stderr.to_ascii_lowercase();
    if (tool.starts_with("relation-") || tool == "network-get")
        && (relation_not_found(&lower) || lower.contains("permission denied"))
    {
        return ModelError::RelationNotFound(shown(&stderr));
    }
    if tool.starts_with("secret-") && lower.contains("not found") {
        return ModelError::SecretNotFound(shown(&stderr));
    }
    ModelError::Tool {
        tool: tool.to_string(),
        code,
        stderr: shown(&stderr),
        call: None,
    }
}

/// The tools whose arguments after `--` are a message that may quote anything
/// (`juju-log`, `action-log`).
const MESSAGE_TOOLS: &[&str] = &["juju-log", "action-log"];

/// The tools whose `KEY=VALUE` arguments may carry secrets: action results, secret
/// content (`KEY#file=PATH` here, but never shown), relation and state values.
const PAIR_TOOLS: &[&str] = &[
    "action-set",
    "secret-add",
    "secret-set",
    "relation-set",
    "state-set",
];

/// The tools whose standard output may hold secrets.
const SECRET_OUTPUT_TOOLS: &[&str] = &[
    "secret-get",
    "credential-get",
    "config-get",
    "relation-get",
    "action-get",
    "state-get",
];

/// `args` safe to show in an error or a trace span: a message after `--` of `juju-log`
/// and `action-log`, and the value of each `KEY=VALUE` argument of the tools that take
/// secrets that way, become `<redacted>` (as Python's `hookcmds` passes `redacted_cmd`).
fn safe_args(tool: &str, args: &[String]) -> Vec<String> {
    const REDACTED: &str = "<redacted>";
    if MESSAGE_TOOLS.contains(&tool) {
        let mut after_dashes = false;
        return args
            .iter()
            .map(|arg| {
                if after_dashes {
                    return REDACTED.to_string();
                }
                after_dashes = arg == "--";
                arg.clone()
            })
            .collect();
    }
    if PAIR_TOOLS.contains(&tool) {
        return args
            .iter()
            .map(|arg| match arg.split_once('=') {
                Some((key, _)) if !arg.starts_with('-') => format!("{key}={REDACTED}"),
                _ => arg.clone(),
            })
            .collect();
    }
    args.to_vec()
}

/// The call as an error shows it: the command redacted ([`safe_args`]) and the stdout
/// cut, or redacted whole for the tools whose output may hold secrets.
fn tool_call(tool: &str, args: &[String], stdout: &[u8]) -> ToolCall {
    let mut command = Vec::with_capacity(args.len() + 1);
    command.push(tool.to_string());
    command.extend(safe_args(tool, args));
    let text = String::from_utf8_lossy(stdout);
    let text = text.trim();
    let stdout = if text.is_empty() {
        String::new()
    } else if SECRET_OUTPUT_TOOLS.contains(&tool) {
        format!("<redacted: {} bytes>", text.len())
    } else {
        shown(text)
    };
    ToolCall { command, stdout }
}

/// `relation not found` or `relation 12 not found`.
fn relation_not_found(stderr: &str) -> bool {
    stderr.match_indices("relation ").any(|(at, m)| {
        let rest = &stderr[at + m.len()..];
        let rest = rest.trim_start_matches(|c: char| c.is_ascii_digit());
        let rest = rest.strip_prefix(' ').unwrap_or(rest);
        rest.starts_with("not found")
    })
}

/// How `-r` names a relation of a known endpoint: `ENDPOINT:ID`, which Juju checks.
fn relation_ref(endpoint: &str, relation_id: u64) -> String {
    format!("{endpoint}:{relation_id}")
}

fn s(text: impl Into<String>) -> String {
    text.into()
}

fn app_flag(args: &mut Vec<String>, app: bool) {
    if app {
        args.push(s("--app"));
    }
}

fn secret_option_args(args: &mut Vec<String>, options: &SecretOptions) {
    for (flag, value) in [
        ("--label", &options.label),
        ("--description", &options.description),
        ("--expire", &options.expire),
        ("--rotate", &options.rotate),
    ] {
        if let Some(value) = value {
            args.push(s(flag));
            args.push(value.clone());
        }
    }
}

/// Splits `message` into `juju-log` sized chunks (on character boundaries), preceded by
/// a notice line when it is split at all.
pub fn split_log_message(message: &str, max_len: usize) -> Vec<String> {
    if message.chars().count() <= max_len {
        return vec![message.to_string()];
    }
    let mut chunks = vec![format!(
        "Log string greater than {max_len}. Splitting into multiple chunks: "
    )];
    let chars: Vec<char> = message.chars().collect();
    for chunk in chars.chunks(max_len.max(1)) {
        chunks.push(chunk.iter().collect());
    }
    chunks
}

impl<R: Runner> Backend for HookTools<R> {
    fn juju_log(&self, level: LogLevel, message: &str) -> Result<(), ModelError> {
        for chunk in split_log_message(message, MAX_LOG_LINE_LEN) {
            let args = [s("--log-level"), s(level.as_str()), s("--"), chunk];
            let started = self.runner.start("juju-log", &args);
            match started.map_err(|source| run_error("juju-log", source))? {
                Some(output) if output.code != Some(0) => {
                    return Err(failed("juju-log", &args, &output));
                }
                _ => {}
            }
        }
        Ok(())
    }

    fn flush(&self) {
        self.runner.wait_started();
    }

    fn config_get(&self) -> Result<Map<String, Value>, ModelError> {
        let map: Option<Map<String, Value>> = self.json("config-get", &[s("--format=json")])?;
        Ok(map.unwrap_or_default())
    }

    fn is_leader(&self) -> Result<bool, ModelError> {
        self.json("is-leader", &[s("--format=json")])
    }

    fn relation_ids(&self, endpoint: &str) -> Result<Vec<u64>, ModelError> {
        let ids: Option<Vec<String>> =
            self.json("relation-ids", &[s(endpoint), s("--format=json")])?;
        ids.unwrap_or_default()
            .iter()
            .map(|id| parse::relation_id("relation-ids", id))
            .collect()
    }

    fn relation_list(&self, relation_id: u64) -> Result<Vec<String>, ModelError> {
        self.relation_list_ref(relation_id.to_string())
    }

    fn relation_remote_app(&self, relation_id: u64) -> Result<Option<String>, ModelError> {
        self.relation_remote_app_ref(relation_id.to_string())
    }

    fn relation_get(
        &self,
        relation_id: u64,
        member: &str,
        app: bool,
    ) -> Result<Databag, ModelError> {
        self.relation_get_ref(relation_id.to_string(), member, app)
    }

    fn relation_set(
        &self,
        relation_id: u64,
        changes: &Databag,
        app: bool,
    ) -> Result<(), ModelError> {
        self.relation_set_ref(relation_id.to_string(), changes, app)
    }

    fn relation_model_uuid(&self, relation_id: u64) -> Result<String, ModelError> {
        self.relation_model_uuid_ref(relation_id.to_string())
    }

    fn relation_list_on(
        &self,
        endpoint: &str,
        relation_id: u64,
    ) -> Result<Vec<String>, ModelError> {
        self.relation_list_ref(relation_ref(endpoint, relation_id))
    }

    fn relation_remote_app_on(
        &self,
        endpoint: &str,
        relation_id: u64,
    ) -> Result<Option<String>, ModelError> {
        self.relation_remote_app_ref(relation_ref(endpoint, relation_id))
    }

    fn relation_get_on(
        &self,
        endpoint: &str,
        relation_id: u64,
        member: &str,
        app: bool,
    ) -> Result<Databag, ModelError> {
        self.relation_get_ref(relation_ref(endpoint, relation_id), member, app)
    }

    fn relation_set_on(
        &self,
        endpoint: &str,
        relation_id: u64,
        changes: &Databag,
        app: bool,
    ) -> Result<(), ModelError> {
        self.relation_set_ref(relation_ref(endpoint, relation_id), changes, app)
    }

    fn relation_model_uuid_on(
        &self,
        endpoint: &str,
        relation_id: u64,
    ) -> Result<String, ModelError> {
        self.relation_model_uuid_ref(relation_ref(endpoint, relation_id))
    }

    fn status_get(&self, app: bool) -> Result<StatusInfo, ModelError> {
        let args = [
            s("--include-data"),
            s("--format=json"),
            format!("--application={app}"),
        ];
        let value: Value = self.json("status-get", &args)?;
        parse::status("status-get", &value, app)
    }

    fn status_set(&self, status: &Status, app: bool) -> Result<(), ModelError> {
        if !status.name.is_settable() {
            return Err(ModelError::Invalid {
                what: "status",
                detail: format!("{} cannot be set by a charm", status.name.as_str()),
            });
        }
        let args = [
            format!("--application={}", if app { "True" } else { "False" }),
            s(status.name.as_str()),
            s("--"),
            status.message.clone(),
        ];
        self.run("status-set", &args, None).map(drop)
    }

    fn application_version_set(&self, version: &str) -> Result<(), ModelError> {
        self.run("application-version-set", &[s("--"), s(version)], None)
            .map(drop)
    }

    fn resource_get(&self, name: &str) -> Result<PathBuf, ModelError> {
        let out = self.run("resource-get", &[s(name)], None)?;
        let path = out.trim();
        if path.is_empty() {
            return Err(ModelError::Output {
                tool: s("resource-get"),
                detail: "no path printed".into(),
            });
        }
        Ok(PathBuf::from(path))
    }

    fn storage_list(&self, name: &str) -> Result<Vec<String>, ModelError> {
        let ids: Option<Vec<String>> = self.json("storage-list", &[s("--format=json"), s(name)])?;
        Ok(ids.unwrap_or_default())
    }

    fn storage_get(&self, id: &str) -> Result<StorageInfo, ModelError> {
        let info: parse::Storage =
            self.json("storage-get", &[s("--format=json"), s("-s"), s(id)])?;
        Ok(StorageInfo {
            kind: info.kind,
            location: PathBuf::from(info.location),
        })
    }

    fn storage_add(&self, name: &str, count: u32) -> Result<(), ModelError> {
        self.run("storage-add", &[format!("{name}={count}")], None)
            .map(drop)
    }

    fn action_get(&self) -> Result<Map<String, Value>, ModelError> {
        let params: Option<Map<String, Value>> = self.json("action-get", &[s("--format=json")])?;
        Ok(params.unwrap_or_default())
    }

    fn action_set(&self, results: &BTreeMap<String, String>) -> Result<(), ModelError> {
        if results.is_empty() {
            return Ok(());
        }
        let args: Vec<String> = results.iter().map(|(k, v)| format!("{k}={v}")).collect();
        self.run("action-set", &args, None).map(drop)
    }

    fn action_log(&self, message: &str) -> Result<(), ModelError> {
        self.run("action-log", &[s("--"), s(message)], None)
            .map(drop)
    }

    fn action_fail(&self, message: &str) -> Result<(), ModelError> {
        self.run("action-fail", &[s("--"), s(message)], None)
            .map(drop)
    }

    fn network_get(
        &self,
        binding: &str,
        relation_id: Option<u64>,
    ) -> Result<NetworkInfo, ModelError> {
        let mut args = vec![s("--format=json")];
        if let Some(id) = relation_id {
            args.extend([s("-r"), id.to_string()]);
        }
        args.push(s(binding));
        let raw: parse::Network = self.json("network-get", &args)?;
        Ok(raw.into_info())
    }

    fn goal_state(&self) -> Result<GoalState, ModelError> {
        let raw: parse::Goal = self.json("goal-state", &[s("--format=json")])?;
        Ok(raw.into_state())
    }

    fn secret_add(
        &self,
        content: &BTreeMap<String, String>,
        options: &SecretOptions,
        owner: SecretOwner,
    ) -> Result<String, ModelError> {
        let mut args = Vec::new();
        secret_option_args(&mut args, options);
        args.push(s("--owner"));
        args.push(s(match owner {
            SecretOwner::Application => "application",
            SecretOwner::Unit => "unit",
        }));
        let out = self.run_with_secret_files("secret-add", args, Some(content))?;
        let uri = out.trim();
        if uri.is_empty() {
            return Err(ModelError::Output {
                tool: s("secret-add"),
                detail: "no secret URI printed".into(),
            });
        }
        Ok(uri.to_string())
    }

    fn secret_get(
        &self,
        lookup: SecretLookup<'_>,
        read: SecretRead,
    ) -> Result<BTreeMap<String, String>, ModelError> {
        let mut args = vec![s("--format=json")];
        match lookup {
            SecretLookup::Id(id) => args.push(s(id)),
            SecretLookup::Label(label) => args.extend([s("--label"), s(label)]),
            SecretLookup::IdAndLabel(id, label) => args.extend([s(id), s("--label"), s(label)]),
        }
        match read {
            SecretRead::Tracked => {}
            SecretRead::Refresh => args.push(s("--refresh")),
            SecretRead::Peek => args.push(s("--peek")),
        }
        let content: Option<BTreeMap<String, String>> = self.json("secret-get", &args)?;
        Ok(content.unwrap_or_default())
    }

    fn secret_info_get(&self, lookup: SecretLookup<'_>) -> Result<SecretInfo, ModelError> {
        let mut args = vec![s("--format=json")];
        match lookup {
            SecretLookup::Id(id) | SecretLookup::IdAndLabel(id, _) => args.push(s(id)),
            SecretLookup::Label(label) => args.extend([s("--label"), s(label)]),
        }
        let raw: BTreeMap<String, parse::SecretInfoRaw> = self.json("secret-info-get", &args)?;
        parse::secret_info(raw)
    }

    fn secret_set(
        &self,
        id: &str,
        content: Option<&BTreeMap<String, String>>,
        options: &SecretOptions,
    ) -> Result<(), ModelError> {
        let mut args = Vec::new();
        secret_option_args(&mut args, options);
        args.extend([s("--owner"), s("application"), s(id)]);
        self.run_with_secret_files("secret-set", args, content)
            .map(drop)
    }

    fn secret_grant(
        &self,
        id: &str,
        relation_id: u64,
        unit: Option<&str>,
    ) -> Result<(), ModelError> {
        let mut args = vec![s("--relation"), relation_id.to_string()];
        if let Some(unit) = unit {
            args.extend([s("--unit"), s(unit)]);
        }
        args.push(s(id));
        self.run("secret-grant", &args, None).map(drop)
    }

    fn secret_revoke(
        &self,
        id: &str,
        relation_id: u64,
        unit: Option<&str>,
    ) -> Result<(), ModelError> {
        let mut args = vec![s("--relation"), relation_id.to_string()];
        if let Some(unit) = unit {
            args.extend([s("--unit"), s(unit)]);
        }
        args.push(s(id));
        self.run("secret-revoke", &args, None).map(drop)
    }

    fn secret_revoke_app(&self, id: &str, relation_id: u64, app: &str) -> Result<(), ModelError> {
        let args = [
            s("--relation"),
            relation_id.to_string(),
            s("--app"),
            s(app),
            s(id),
        ];
        self.run("secret-revoke", &args, None).map(drop)
    }

    fn secret_remove(&self, id: &str, revision: Option<u64>) -> Result<(), ModelError> {
        let mut args = vec![s(id)];
        if let Some(revision) = revision {
            args.extend([s("--revision"), revision.to_string()]);
        }
        self.run("secret-remove", &args, None).map(drop)
    }

    fn secret_ids(&self) -> Result<Vec<String>, ModelError> {
        let ids: Option<Vec<String>> = self.json("secret-ids", &[s("--format=json")])?;
        Ok(ids.unwrap_or_default())
    }

    fn open_port(&self, port: Port) -> Result<(), ModelError> {
        port.validate()?;
        self.run("open-port", &[port.to_string()], None).map(drop)
    }

    fn close_port(&self, port: Port) -> Result<(), ModelError> {
        port.validate()?;
        self.run("close-port", &[port.to_string()], None).map(drop)
    }

    fn opened_ports(&self) -> Result<Vec<Port>, ModelError> {
        let raw: Option<Vec<String>> = self.json("opened-ports", &[s("--format=json")])?;
        let mut ports = Vec::new();
        for text in raw.unwrap_or_default() {
            match text.parse::<Port>() {
                Ok(port) => ports.push(port),
                Err(e) => log::warn!("opened-ports: skipping {text:?}: {e}"),
            }
        }
        Ok(ports)
    }

    fn opened_ports_endpoints(&self) -> Result<Vec<(Port, Vec<String>)>, ModelError> {
        let args = [s("--endpoints"), s("--format=json")];
        let raw: Option<Vec<String>> = self.json("opened-ports", &args)?;
        let mut ports = Vec::new();
        // Each entry is `PORT (ENDPOINT,...)`: `80/tcp (*)`, `8080/tcp (website,metrics)`
        // (split at ` (`, so a space after a comma is no matter).
        for text in raw.unwrap_or_default() {
            let (port, endpoints) = text.split_once(" (").unwrap_or((text.as_str(), ""));
            let endpoints = endpoints
                .trim_start_matches('(')
                .trim_end_matches(')')
                .split(',')
                .map(str::trim)
                .filter(|e| !e.is_empty())
                .map(str::to_string)
                .collect();
            match port.parse::<Port>() {
                Ok(port) => ports.push((port, endpoints)),
                Err(e) => log::warn!("opened-ports: skipping {text:?}: {e}"),
            }
        }
        Ok(ports)
    }

    fn credential_get(&self) -> Result<CloudSpec, ModelError> {
        let raw: parse::Credential = self.json("credential-get", &[s("--format=json")])?;
        Ok(raw.into_spec())
    }

    fn juju_reboot(&self, now: bool) -> Result<(), ModelError> {
        let args: Vec<String> = if now { vec![s("--now")] } else { vec![] };
        self.run("juju-reboot", &args, None).map(drop)
    }

    fn planned_units(&self) -> Result<u32, ModelError> {
        let goal = self.goal_state()?;
        let count = goal.units.values().filter(|u| u.status != "dying").count();
        u32::try_from(count).map_err(|_| ModelError::Output {
            tool: s("goal-state"),
            detail: "too many units".into(),
        })
    }

    fn state_get(&self, key: &str) -> Result<Option<String>, ModelError> {
        let out = self.run("state-get", &[s(key)], None)?;
        let value = out.strip_suffix('\n').unwrap_or(&out);
        Ok((!value.is_empty()).then(|| value.to_string()))
    }

    fn state_get_all(&self) -> Result<BTreeMap<String, String>, ModelError> {
        let all: Option<BTreeMap<String, String>> =
            self.json("state-get", &[s("--format=json")])?;
        Ok(all.unwrap_or_default())
    }

    fn state_set(&self, key: &str, value: &str) -> Result<(), ModelError> {
        let mut doc = Map::new();
        doc.insert(key.to_string(), Value::String(value.to_string()));
        // JSON is YAML: state-set reads `{key: value}` from the file.
        let input = serde_json::to_vec(&doc).map_err(|e| ModelError::Other(e.to_string()))?;
        self.run("state-set", &[s("--file"), s("-")], Some(&input))
            .map(drop)
    }

    fn state_delete(&self, key: &str) -> Result<(), ModelError> {
        self.run("state-delete", &[s(key)], None).map(drop)
    }

    fn add_metrics(
        &self,
        metrics: &BTreeMap<String, f64>,
        labels: &BTreeMap<String, String>,
    ) -> Result<(), ModelError> {
        let mut args = Vec::new();
        if !labels.is_empty() {
            args.push(s("--labels"));
            args.push(
                labels
                    .iter()
                    .map(|(k, v)| format!("{k}={v}"))
                    .collect::<Vec<_>>()
                    .join(","),
            );
        }
        args.extend(metrics.iter().map(|(k, v)| format!("{k}={v}")));
        self.run("add-metric", &args, None).map(drop)
    }

    fn pebble(&self, container: &str) -> Box<dyn ops_pebble::Pebble> {
        Box::new(ops_pebble::Client::new(container_socket(container)))
    }
}

/// The variable naming another directory than `/charm/containers` for the containers'
/// Pebble sockets (`<dir>/<container>/pebble.socket`): for running a charm binary against
/// real Pebble daemons outside Kubernetes, as the end-to-end tests do. Juju never sets it.
pub const CONTAINERS_DIR_VAR: &str = "OPS_CONTAINERS_DIR";

/// The Pebble socket of `container`: `/charm/containers/<container>/pebble.socket`, or
/// under `$OPS_CONTAINERS_DIR` when that is set.
pub fn container_socket(container: &str) -> PathBuf {
    match std::env::var_os(CONTAINERS_DIR_VAR) {
        Some(dir) if !dir.is_empty() => Path::new(&dir).join(container).join("pebble.socket"),
        _ => ops_pebble::Client::container_socket(container),
    }
}
