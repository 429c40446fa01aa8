//! An in-memory Pebble (feature `sim`): the daemon's behaviour over one container's
//! state, written once for `ops::testing`'s simulated containers and for the socket
//! stand-in the client's tests talk to. Its outcomes (plans after merges, service and check
//! transitions, file errors, notices, identities) are checked against the real daemon by
//! `ops/tests/pebble_differential.rs`.

mod state;

pub use state::{CheckInfo, Container, Exec, FsEntry, Mount, Notice};

use crate::{
    ApiError, Change, ChangeState, ChangeStatus, CheckLevel, CheckRefresh, CheckStartup,
    CheckStatus, Error, ExecOptions, FileInfo, FileType, Identity, IdentityAction, Layer, LogEntry,
    MakeDirOptions, NoticeType, NoticesQuery, NotifyOptions, Plan, PushOptions, Result,
    ServiceInfo, ServiceStartup, ServiceStatus, SystemInfo,
};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::time::Duration;

const TIME: &str = "2025-01-01T00:00:00Z";

/// What a Pebble daemon keeps that is not in the [`Container`] state.
#[derive(Debug)]
pub struct Extra {
    /// The changes made so far.
    pub changes: Vec<Change>,
    /// The identities, by name.
    pub identities: BTreeMap<String, Identity>,
    /// The boot id `system-info` reports.
    pub boot_id: String,
}

impl Default for Extra {
    fn default() -> Self {
        Extra {
            changes: Vec::new(),
            identities: BTreeMap::new(),
            boot_id: "00000000-0000-4000-8000-000000000000".into(),
        }
    }
}

/// A Pebble daemon over one container: each method answers as the daemon's API does.
pub struct Daemon<'a> {
    /// The container's state.
    pub container: &'a mut Container,
    /// What the daemon keeps beside it.
    pub extra: &'a mut Extra,
}

/// An API error as Pebble answers it: `code` with its status text, and `message`.
pub fn api_error(code: u16, message: impl Into<String>) -> Error {
    let message = message.into();
    Error::Api(Box::new(ApiError {
        code,
        status: match code {
            400 => "Bad Request",
            404 => "Not Found",
            500 => "Internal Server Error",
            _ => "Error",
        }
        .into(),
        kind: None,
        message: message.clone(),
        body: serde_json::json!({"type": "error", "status-code": code, "result": {"message": message}}),
    }))
}

/// The error of an exec that ran past its timeout, as Pebble reports it: its change
/// failed with the task's deadline.
pub fn exec_timed_out(command: &[String], timeout: Duration) -> Error {
    let program = command.first().map(String::as_str).unwrap_or_default();
    let summary = format!("Execute command {program:?}");
    let err = format!(
        "cannot perform the following tasks:\n- {summary} (timed out after {}: context deadline exceeded)",
        crate::format_go_duration(timeout)
    );
    let task = crate::Task {
        id: "1".into(),
        kind: "exec".into(),
        summary: summary.clone(),
        status: ChangeStatus::Error,
        log: Vec::new(),
        progress: crate::TaskProgress::default(),
        spawn_time: TIME.into(),
        ready_time: Some(TIME.into()),
        data: serde_json::Map::new(),
    };
    Error::Change(Box::new(crate::ChangeError {
        err: err.clone(),
        change: Change {
            id: "1".into(),
            kind: "exec".into(),
            summary,
            status: ChangeStatus::Error,
            tasks: vec![task],
            ready: true,
            err: Some(err),
            spawn_time: TIME.into(),
            ready_time: Some(TIME.into()),
            data: serde_json::Map::new(),
        },
    }))
}

/// Whether `key` is a custom notice key as Pebble accepts it: a domain of lowercase
/// dash-separated words with at least one dot, then `/`-separated path words
/// (`example.com/path`).
fn is_custom_key(key: &str) -> bool {
    let word = |w: &str| {
        !w.is_empty()
            && w.split('-').all(|part| {
                !part.is_empty()
                    && part
                        .bytes()
                        .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
            })
    };
    let mut parts = key.split('/');
    let domain = parts.next().unwrap_or_default();
    let labels: Vec<&str> = domain.split('.').collect();
    let path: Vec<&str> = parts.collect();
    labels.len() >= 2
        && labels.iter().all(|l| word(l))
        && !path.is_empty()
        && path.iter().all(|p| word(p))
}

/// Whether Pebble knows the signal `name` (`SIGHUP`...; Linux's names).
fn is_signal_name(name: &str) -> bool {
    (1..=64).any(|n| crate::signal_name(n) == Some(name))
}

/// An API error with Pebble's error `kind`.
fn api_kind(code: u16, kind: &str, message: impl Into<String>) -> Error {
    let mut error = api_error(code, message);
    if let Error::Api(e) = &mut error {
        e.kind = Some(kind.to_string());
        e.body["result"]["kind"] = serde_json::json!(kind);
    }
    error
}

fn path_error(kind: &str, message: impl Into<String>) -> Error {
    Error::Path {
        kind: kind.into(),
        message: message.into(),
    }
}

fn io_path_error(path: &str, e: &std::io::Error) -> Error {
    match e.kind() {
        std::io::ErrorKind::NotFound => path_error(
            "not-found",
            format!("stat {path}: no such file or directory"),
        ),
        std::io::ErrorKind::PermissionDenied => {
            path_error("permission-denied", format!("{path}: permission denied"))
        }
        _ => path_error("generic-file-error", format!("{path}: {e}")),
    }
}

fn parent_of(path: &str) -> &str {
    match path.rfind('/') {
        Some(0) | None => "/",
        Some(i) => &path[..i],
    }
}

fn base_name(path: &str) -> &str {
    path.rsplit('/').next().unwrap_or(path)
}

fn normalise(path: &str) -> Result<String> {
    if !path.starts_with('/') {
        return Err(path_error(
            "generic-file-error",
            format!("paths must be absolute, got {path:?}"),
        ));
    }
    let trimmed = path.trim_end_matches('/');
    Ok(if trimmed.is_empty() {
        "/".into()
    } else {
        trimmed.into()
    })
}

/// One element of a glob pattern.
#[derive(Debug, Clone, PartialEq)]
enum GlobToken {
    /// `*`: any run of characters.
    Star,
    /// `?`: any one character.
    Any,
    /// A literal character (or `\x`).
    Char(char),
    /// `[...]`: one character in (or with `^`, not in) the ranges.
    Class(bool, Vec<(char, char)>),
}

/// Parses a glob pattern as Go's `path.Match` reads it (what Pebble's `pattern` is):
/// `*`, `?`, `\` escapes and `[a-z]`/`[^...]` classes; `None` if malformed.
fn parse_glob(pattern: &str) -> Option<Vec<GlobToken>> {
    let mut chars = pattern.chars();
    let mut tokens = Vec::new();
    let escaped = |chars: &mut std::str::Chars<'_>, c: char| match c {
        '\\' => chars.next(),
        c => Some(c),
    };
    while let Some(c) = chars.next() {
        tokens.push(match c {
            '*' => GlobToken::Star,
            '?' => GlobToken::Any,
            '[' => {
                let mut rest = chars.clone().peekable();
                let negated = rest.peek() == Some(&'^');
                if negated {
                    chars.next();
                }
                let mut ranges = Vec::new();
                loop {
                    let lo = match chars.next()? {
                        ']' if !ranges.is_empty() => break,
                        '-' | ']' => return None,
                        c => escaped(&mut chars, c)?,
                    };
                    let mut ahead = chars.clone();
                    let hi = if ahead.next() == Some('-') && ahead.clone().next() != Some(']') {
                        chars.next();
                        match chars.next()? {
                            '-' | ']' => return None,
                            c => escaped(&mut chars, c)?,
                        }
                    } else {
                        lo
                    };
                    ranges.push((lo, hi));
                }
                GlobToken::Class(negated, ranges)
            }
            c => GlobToken::Char(escaped(&mut chars, c)?),
        });
    }
    Some(tokens)
}

/// Whether `name` matches the parsed pattern (`/` matches only itself).
fn glob(pattern: &[GlobToken], name: &str) -> bool {
    fn rec(p: &[GlobToken], n: &[char]) -> bool {
        let Some((token, rest)) = p.split_first() else {
            return n.is_empty();
        };
        match (token, n.split_first()) {
            (GlobToken::Star, _) => {
                rec(rest, n) || n.first().is_some_and(|&c| c != '/' && rec(p, &n[1..]))
            }
            (_, None) => false,
            (GlobToken::Any, Some((&c, tail))) => c != '/' && rec(rest, tail),
            (GlobToken::Char(want), Some((&c, tail))) => *want == c && rec(rest, tail),
            (GlobToken::Class(negated, ranges), Some((&c, tail))) => {
                let inside = ranges.iter().any(|&(lo, hi)| lo <= c && c <= hi);
                c != '/' && inside != *negated && rec(rest, tail)
            }
        }
    }
    let n: Vec<char> = name.chars().collect();
    rec(pattern, &n)
}

fn file_info(path: &str, entry: &FsEntry) -> FileInfo {
    FileInfo {
        path: path.to_string(),
        name: base_name(path).to_string(),
        type_: if entry.is_dir() {
            FileType::Directory
        } else {
            FileType::File
        },
        size: entry.content.as_ref().map(|c| c.len() as u64),
        permissions: format!("{:03o}", entry.permissions),
        last_modified: TIME.into(),
        user_id: None,
        user: entry.user.clone(),
        group_id: None,
        group: entry.group.clone(),
    }
}

fn host_info(path: &str, host: &std::path::Path) -> Result<FileInfo> {
    let meta = std::fs::metadata(host).map_err(|e| io_path_error(path, &e))?;
    #[cfg(unix)]
    let mode = {
        use std::os::unix::fs::PermissionsExt;
        meta.permissions().mode() & 0o777
    };
    #[cfg(not(unix))]
    let mode = 0o644;
    Ok(FileInfo {
        path: path.to_string(),
        name: base_name(path).to_string(),
        type_: if meta.is_dir() {
            FileType::Directory
        } else {
            FileType::File
        },
        size: meta.is_file().then_some(meta.len()),
        permissions: format!("{mode:03o}"),
        last_modified: TIME.into(),
        user_id: None,
        user: None,
        group_id: None,
        group: None,
    })
}

impl Daemon<'_> {
    /// Runs `f` on the container and what the daemon keeps beside it.
    fn with<T>(&mut self, f: impl FnOnce(&mut Container, &mut Extra) -> Result<T>) -> Result<T> {
        f(self.container, self.extra)
    }

    fn plan_of(container: &Container) -> Result<Plan> {
        container.plan().map_err(|e| api_error(400, e.to_string()))
    }

    /// `list_files`, with its errors as a file operation's.
    fn list(&mut self, path: &str, pattern: Option<&str>, itself: bool) -> Result<Vec<FileInfo>> {
        if !path.starts_with('/') {
            return Err(api_error(
                400,
                format!("path must be absolute, got {path:?}"),
            ));
        }
        let path = normalise(path)?;
        let pattern = match pattern {
            Some(p) => Some(
                parse_glob(p)
                    .ok_or_else(|| path_error("generic-file-error", "syntax error in pattern"))?,
            ),
            None => None,
        };
        self.with(|c, _| {
            let matches = |name: &str| pattern.as_ref().is_none_or(|p| glob(p, name));
            if let Some(host) = c.host_path(&path) {
                let info = host_info(&path, &host)?;
                if itself || info.type_ != FileType::Directory {
                    return Ok(vec![info]);
                }
                let mut out = Vec::new();
                let dir = std::fs::read_dir(&host).map_err(|e| io_path_error(&path, &e))?;
                for entry in dir.flatten() {
                    let name = entry.file_name().to_string_lossy().into_owned();
                    if matches(&name) {
                        let child = format!("{}/{name}", path.trim_end_matches('/'));
                        out.push(host_info(&child, &entry.path())?);
                    }
                }
                out.sort_by(|a, b| a.name.cmp(&b.name));
                return Ok(out);
            }
            let is_root = path == "/";
            let entry = if is_root {
                Some(FsEntry::dir())
            } else {
                c.files.get(&path).cloned()
            };
            let Some(entry) = entry else {
                return Err(path_error(
                    "not-found",
                    format!("stat {path}: no such file or directory"),
                ));
            };
            if itself || !entry.is_dir() {
                return Ok(vec![file_info(&path, &entry)]);
            }
            let prefix = if is_root {
                "/".to_string()
            } else {
                format!("{path}/")
            };
            let mut out: Vec<FileInfo> = c
                .files
                .range(prefix.clone()..)
                .take_while(|(p, _)| p.starts_with(&prefix))
                .filter(|(p, _)| !p[prefix.len()..].contains('/'))
                .filter(|(p, _)| matches(base_name(p)))
                .map(|(p, e)| file_info(p, e))
                .collect();
            // Mount points show up as directories in their parent.
            for mount in c.mounts.values() {
                let loc = mount.location.trim_end_matches('/');
                if !loc.is_empty()
                    && parent_of(loc) == path
                    && matches(base_name(loc))
                    && !out.iter().any(|f| f.path == loc)
                {
                    out.push(file_info(loc, &FsEntry::dir()));
                }
            }
            out.sort_by(|a, b| a.name.cmp(&b.name));
            Ok(out)
        })
    }
}

/// A check's startup: the test State's, else the plan's, else enabled.
fn check_startup(c: &Container, name: &str, check: &crate::Check) -> CheckStartup {
    c.get_check_info(name)
        .and_then(|i| i.startup.clone())
        .or_else(|| check.startup.clone())
        .unwrap_or(CheckStartup::Enabled)
}

/// A check's status: the test State's, else up, or inactive when it does not start
/// by itself (`startup: disabled`).
fn check_status(c: &Container, name: &str, check: &crate::Check) -> CheckStatus {
    match c.get_check_info(name) {
        Some(info) => info.status.clone(),
        None if check_startup(c, name, check) == CheckStartup::Disabled => CheckStatus::Inactive,
        None => CheckStatus::Up,
    }
}

fn new_change(extra: &mut Extra, kind: &str, summary: String) -> String {
    let id = (extra.changes.len() + 1).to_string();
    extra.changes.push(Change {
        id: id.clone(),
        kind: kind.into(),
        summary,
        status: ChangeStatus::Done,
        tasks: Vec::new(),
        ready: true,
        err: None,
        spawn_time: TIME.into(),
        ready_time: Some(TIME.into()),
        data: serde_json::Map::new(),
    });
    id
}

impl Daemon<'_> {
    /// What [`Pebble::system_info`](crate::Pebble::system_info) answers.
    pub fn system_info(&mut self) -> Result<SystemInfo> {
        self.with(|_, extra| {
            Ok(SystemInfo {
                version: "v1.19.0".into(),
                boot_id: extra.boot_id.clone(),
                http_address: None,
                https_address: None,
            })
        })
    }

    /// What [`Pebble::health`](crate::Pebble::health) answers.
    pub fn health(&mut self, level: Option<&CheckLevel>, names: &[&str]) -> Result<bool> {
        let checks = self.get_checks(level, names)?;
        Ok(checks.iter().all(|c| c.status != CheckStatus::Down))
    }

    /// What [`Pebble::get_services`](crate::Pebble::get_services) answers.
    pub fn get_services(&mut self, names: &[&str]) -> Result<Vec<ServiceInfo>> {
        self.with(|c, _| {
            let plan = Self::plan_of(c)?;
            Ok(plan
                .services
                .iter()
                .filter(|(name, _)| names.is_empty() || names.contains(&name.as_str()))
                .map(|(name, service)| ServiceInfo {
                    name: name.clone(),
                    startup: service.startup.clone().unwrap_or(ServiceStartup::Disabled),
                    current: c.service(name),
                    current_since: None,
                })
                .collect())
        })
    }

    /// What [`Pebble::services_action`](crate::Pebble::services_action) answers.
    pub fn services_action(
        &mut self,
        action: &str,
        services: &[&str],
        _timeout: Duration,
    ) -> Result<String> {
        self.with(|c, extra| {
            let plan = Self::plan_of(c)?;
            let targets: Vec<String> = match action {
                "autostart" | "replan" => plan
                    .services
                    .iter()
                    .filter(|(_, s)| s.startup == Some(ServiceStartup::Enabled))
                    .map(|(n, _)| n.clone())
                    .collect(),
                "start" | "stop" | "restart" => {
                    if services.is_empty() {
                        return Err(api_error(
                            400,
                            format!("must specify services for {action} action"),
                        ));
                    }
                    for name in services {
                        if !plan.services.contains_key(*name) {
                            return Err(api_error(
                                400,
                                format!(
                                    "cannot {action} services: service {name:?} does not exist"
                                ),
                            ));
                        }
                    }
                    services.iter().map(|s| s.to_string()).collect()
                }
                other => return Err(api_error(400, format!("action {other:?} is unsupported"))),
            };
            if action == "autostart" && targets.is_empty() {
                return Err(api_error(400, "no default services"));
            }
            let new = match action {
                "stop" => ServiceStatus::Inactive,
                _ => ServiceStatus::Active,
            };
            if action == "replan" {
                // Replan stops services no longer in the plan.
                c.service_statuses
                    .retain(|name, _| plan.services.contains_key(name));
            }
            for name in &targets {
                c.service_statuses.insert(name.clone(), new.clone());
            }
            Ok(new_change(
                extra,
                action,
                format!("{action} {}", targets.join(", ")),
            ))
        })
    }

    /// What [`Pebble::add_layer`](crate::Pebble::add_layer) answers.
    pub fn add_layer(&mut self, label: &str, layer: &Layer, combine: bool) -> Result<()> {
        self.with(|c, _| {
            if label.starts_with("pebble-") {
                return Err(api_error(
                    400,
                    "cannot parse layer YAML: cannot use reserved label prefix \"pebble-\"",
                ));
            }
            // Pebble refuses an entry without `override` before changing anything.
            let sections = [
                (
                    "service",
                    layer
                        .services
                        .iter()
                        .map(|(n, s)| (n, s.override_.is_none()))
                        .collect::<Vec<_>>(),
                ),
                (
                    "check",
                    layer
                        .checks
                        .iter()
                        .map(|(n, c)| (n, c.override_.is_none()))
                        .collect(),
                ),
                (
                    "log target",
                    layer
                        .log_targets
                        .iter()
                        .map(|(n, t)| (n, t.override_.is_none()))
                        .collect(),
                ),
            ];
            for (what, entries) in sections {
                if let Some((name, _)) = entries.iter().find(|(_, missing)| *missing) {
                    return Err(api_error(
                        400,
                        format!("layer {label:?} must define \"override\" for {what} {name:?}"),
                    ));
                }
            }
            let mut layers = c.layers.clone();
            match layers.iter_mut().find(|(l, _)| l == label) {
                Some((_, existing)) if combine => {
                    let merged = crate::combine_layers([&*existing, layer])
                        .map_err(|e| api_error(400, e.to_string()))?;
                    *existing = merged;
                }
                Some(_) => {
                    return Err(api_error(400, format!("layer {label:?} already exists")));
                }
                None => layers.push((label.to_string(), layer.clone())),
            }
            // The new plan must be valid, or nothing changes.
            let plan = crate::Plan::from_layers(layers.iter().map(|(_, l)| l))
                .map_err(|e| api_error(400, e.to_string()))?;
            if let Some(name) = plan.services.iter().find(|(_, s)| s.command.is_empty()) {
                return Err(api_error(
                    400,
                    format!("plan must define \"command\" for service {:?}", name.0),
                ));
            }
            c.layers = layers;
            Ok(())
        })
    }

    /// What [`Pebble::get_plan`](crate::Pebble::get_plan) answers.
    pub fn get_plan(&mut self) -> Result<Plan> {
        self.with(|c, _| Self::plan_of(c))
    }

    /// What [`Pebble::get_changes`](crate::Pebble::get_changes) answers.
    pub fn get_changes(
        &mut self,
        select: ChangeState,
        _service: Option<&str>,
    ) -> Result<Vec<Change>> {
        self.with(|_, extra| {
            Ok(extra
                .changes
                .iter()
                .filter(|ch| match select {
                    ChangeState::All => true,
                    ChangeState::Ready => ch.ready,
                    ChangeState::InProgress => !ch.ready,
                })
                .cloned()
                .collect())
        })
    }

    /// What [`Pebble::get_change`](crate::Pebble::get_change) answers.
    pub fn get_change(&mut self, id: &str) -> Result<Change> {
        self.with(|_, extra| {
            extra
                .changes
                .iter()
                .find(|ch| ch.id == id)
                .cloned()
                .ok_or_else(|| api_error(404, format!("cannot find change with id {id:?}")))
        })
    }

    /// What [`Pebble::wait_change`](crate::Pebble::wait_change) answers.
    pub fn wait_change(&mut self, id: &str, _timeout: Option<Duration>) -> Result<Change> {
        self.get_change(id)
    }

    /// What [`Pebble::abort_change`](crate::Pebble::abort_change) answers.
    pub fn abort_change(&mut self, id: &str) -> Result<Change> {
        let change = self.get_change(id)?;
        if change.ready {
            return Err(api_error(
                400,
                format!("cannot abort change {} with nothing pending", change.id),
            ));
        }
        // Nothing runs in memory: the change is aborted at once.
        self.with(|_, extra| {
            let change = extra
                .changes
                .iter_mut()
                .find(|ch| ch.id == id)
                .ok_or_else(|| api_error(404, format!("cannot find change with id {id:?}")))?;
            change.status = ChangeStatus::Abort;
            change.ready = true;
            Ok(change.clone())
        })
    }

    /// What [`Pebble::get_checks`](crate::Pebble::get_checks) answers.
    pub fn get_checks(
        &mut self,
        level: Option<&CheckLevel>,
        names: &[&str],
    ) -> Result<Vec<crate::CheckInfo>> {
        self.with(|c, _| {
            let plan = Self::plan_of(c)?;
            let mut out = Vec::new();
            for (name, check) in &plan.checks {
                if !names.is_empty() && !names.contains(&name.as_str()) {
                    continue;
                }
                let info = c.get_check_info(name);
                let check_level = info
                    .and_then(|i| i.level.clone())
                    .or_else(|| check.level.clone());
                if let Some(level) = level {
                    if check_level.as_ref() != Some(level) {
                        continue;
                    }
                }
                let status = check_status(c, name, check);
                out.push(crate::CheckInfo {
                    name: name.clone(),
                    level: check_level,
                    startup: Some(check_startup(c, name, check)),
                    successes: Some(info.map_or(0, |i| i.successes)),
                    failures: info.map_or(0, |i| i.failures),
                    threshold: info
                        .map_or(u64::from(check.threshold.unwrap_or(3)), |i| i.threshold),
                    // A running check has a change (perform-check or recover-check).
                    change_id: (status != CheckStatus::Inactive).then(|| "1".into()),
                    prev_change_id: None,
                    status,
                });
            }
            Ok(out)
        })
    }

    /// What [`Pebble::checks_action`](crate::Pebble::checks_action) answers.
    pub fn checks_action(&mut self, action: &str, checks: &[&str]) -> Result<Vec<String>> {
        self.with(|c, _| {
            if checks.is_empty() {
                return Err(api_error(
                    400,
                    format!("must specify checks for {action} action"),
                ));
            }
            if action != "start" && action != "stop" {
                return Err(api_error(400, format!("invalid action {action:?}")));
            }
            let plan = Self::plan_of(c)?;
            let missing: Vec<&str> = checks
                .iter()
                .copied()
                .filter(|name| !plan.checks.contains_key(*name))
                .collect();
            if !missing.is_empty() {
                return Err(api_error(
                    400,
                    format!(
                        "cannot {action} checks: cannot find checks in plan: {}",
                        missing.join(", ")
                    ),
                ));
            }
            let mut changed = Vec::new();
            for (name, check) in &plan.checks {
                if !checks.contains(&name.as_str()) {
                    continue;
                }
                let running = check_status(c, name, check) != CheckStatus::Inactive;
                let new = match action {
                    "start" if !running => CheckStatus::Up,
                    "stop" if running => CheckStatus::Inactive,
                    _ => continue,
                };
                if c.get_check_info(name).is_none() {
                    let mut info = CheckInfo::new(name.as_str());
                    info.threshold = u64::from(check.threshold.unwrap_or(3));
                    c.check_infos.push(info);
                }
                if let Some(info) = c.check_infos.iter_mut().find(|i| i.name == *name) {
                    info.status = new;
                    if action == "start" {
                        info.failures = 0;
                    }
                }
                changed.push(name.clone());
            }
            Ok(changed)
        })
    }

    /// What [`Pebble::refresh_check`](crate::Pebble::refresh_check) answers.
    pub fn refresh_check(&mut self, name: &str) -> Result<CheckRefresh> {
        if name.is_empty() {
            return Err(api_error(400, "must specify check name"));
        }
        let info = self
            .get_checks(None, &[name])?
            .pop()
            .ok_or_else(|| api_error(404, format!("cannot find check with name {name:?}")))?;
        Ok(CheckRefresh {
            info,
            error: String::new(),
        })
    }

    /// What [`Pebble::push`](crate::Pebble::push) answers.
    pub fn push(&mut self, path: &str, source: &mut dyn Read, options: &PushOptions) -> Result<()> {
        let path = normalise(path)?;
        let mut data = Vec::new();
        source.read_to_end(&mut data).map_err(Error::Io)?;
        self.with(|c, _| {
            if let Some(host) = c.host_path(&path) {
                if options.make_dirs {
                    if let Some(parent) = host.parent() {
                        std::fs::create_dir_all(parent).map_err(|e| io_path_error(&path, &e))?;
                    }
                }
                return std::fs::write(&host, &data).map_err(|e| io_path_error(&path, &e));
            }
            let parent = parent_of(&path);
            if parent != "/" {
                match c.files.get(parent) {
                    Some(e) if e.is_dir() => {}
                    Some(_) => {
                        return Err(path_error(
                            "generic-file-error",
                            format!("{parent} is not a directory"),
                        ))
                    }
                    None if options.make_dirs => c.add_parents(&path),
                    None => {
                        return Err(path_error(
                            "not-found",
                            format!("parent directory {parent} does not exist"),
                        ))
                    }
                }
            }
            if c.files.get(&path).is_some_and(FsEntry::is_dir) {
                return Err(path_error(
                    "generic-file-error",
                    format!("{path} is a directory"),
                ));
            }
            let mut entry = FsEntry::file(data);
            if let Some(p) = options.ownership.permissions {
                entry.permissions = p;
            }
            entry.user = options.ownership.user.clone();
            entry.group = options.ownership.group.clone();
            c.files.insert(path, entry);
            Ok(())
        })
    }

    /// What [`Pebble::pull`](crate::Pebble::pull) answers.
    pub fn pull(&mut self, path: &str, sink: &mut dyn Write) -> Result<u64> {
        let path = normalise(path)?;
        let data = self.with(|c, _| {
            if let Some(host) = c.host_path(&path) {
                if host.is_dir() {
                    return Err(path_error(
                        "generic-file-error",
                        format!("can only read a regular file: {path:?}"),
                    ));
                }
                return std::fs::read(&host).map_err(|e| io_path_error(&path, &e));
            }
            match c.files.get(&path) {
                Some(FsEntry {
                    content: Some(data),
                    ..
                }) => Ok(data.clone()),
                Some(_) => Err(path_error(
                    "generic-file-error",
                    format!("can only read a regular file: {path:?}"),
                )),
                None => Err(path_error(
                    "not-found",
                    format!("stat {path}: no such file or directory"),
                )),
            }
        })?;
        sink.write_all(&data).map_err(Error::Io)?;
        Ok(data.len() as u64)
    }

    /// What [`Pebble::list_files`](crate::Pebble::list_files) answers.
    pub fn list_files(
        &mut self,
        path: &str,
        pattern: Option<&str>,
        itself: bool,
    ) -> Result<Vec<FileInfo>> {
        // Pebble answers a listing's errors as the request's: API errors with their kind.
        self.list(path, pattern, itself).map_err(|e| match e {
            Error::Path { kind, message } => {
                api_kind(if kind == "not-found" { 404 } else { 400 }, &kind, message)
            }
            other => other,
        })
    }

    /// What [`Pebble::make_dir`](crate::Pebble::make_dir) answers.
    pub fn make_dir(&mut self, path: &str, options: &MakeDirOptions) -> Result<()> {
        let path = normalise(path)?;
        self.with(|c, _| {
            if let Some(host) = c.host_path(&path) {
                let result = if options.make_parents {
                    std::fs::create_dir_all(&host)
                } else {
                    std::fs::create_dir(&host)
                };
                return result.map_err(|e| io_path_error(&path, &e));
            }
            if path == "/" {
                return Ok(());
            }
            match c.files.get(&path) {
                Some(e) if e.is_dir() && options.make_parents => return Ok(()),
                Some(_) => {
                    return Err(path_error(
                        "generic-file-error",
                        format!("mkdir {path}: file exists"),
                    ))
                }
                None => {}
            }
            let mut entry = FsEntry::dir();
            if let Some(p) = options.ownership.permissions {
                entry.permissions = p;
            }
            entry.user = options.ownership.user.clone();
            entry.group = options.ownership.group.clone();
            let parent = parent_of(&path);
            if parent != "/" && !c.files.get(parent).is_some_and(FsEntry::is_dir) {
                if !options.make_parents {
                    return Err(path_error(
                        "not-found",
                        format!("mkdir {path}: no such file or directory"),
                    ));
                }
                // Pebble makes the missing parents with the directory's mode and owner.
                for (end, _) in path.match_indices('/').filter(|(i, _)| *i > 0) {
                    c.files
                        .entry(path[..end].to_string())
                        .or_insert_with(|| entry.clone());
                }
            }
            c.files.insert(path, entry);
            Ok(())
        })
    }

    /// What [`Pebble::remove_path`](crate::Pebble::remove_path) answers.
    pub fn remove_path(&mut self, path: &str, recursive: bool) -> Result<()> {
        let path = normalise(path)?;
        self.with(|c, _| {
            if let Some(host) = c.host_path(&path) {
                let result = if host.is_dir() {
                    if recursive {
                        std::fs::remove_dir_all(&host)
                    } else {
                        std::fs::remove_dir(&host)
                    }
                } else {
                    std::fs::remove_file(&host)
                };
                return result.map_err(|e| io_path_error(&path, &e));
            }
            if !c.files.contains_key(&path) {
                if recursive {
                    return Ok(());
                }
                return Err(path_error(
                    "not-found",
                    format!("remove {path}: no such file or directory"),
                ));
            }
            let prefix = format!("{path}/");
            let children: Vec<String> = c
                .files
                .range(prefix.clone()..)
                .take_while(|(p, _)| p.starts_with(&prefix))
                .map(|(p, _)| p.clone())
                .collect();
            if !children.is_empty() && !recursive {
                return Err(path_error(
                    "generic-file-error",
                    format!("remove {path}: directory not empty"),
                ));
            }
            for child in children {
                c.files.remove(&child);
            }
            c.files.remove(&path);
            Ok(())
        })
    }

    /// What [`Pebble::send_signal`](crate::Pebble::send_signal) answers.
    pub fn send_signal(&mut self, signal: &str, services: &[&str]) -> Result<()> {
        self.with(|c, _| {
            if services.is_empty() {
                return Err(api_error(400, "must specify one or more services"));
            }
            // Pebble tries every service and reports every failure, as a server error.
            let errors: Vec<String> = services
                .iter()
                .filter_map(|name| {
                    if c.service(name) != ServiceStatus::Active {
                        Some(format!(
                            "cannot send signal to {name:?}: service is not running"
                        ))
                    } else if !is_signal_name(signal) {
                        Some(format!(
                            "cannot send signal to {name:?}: invalid signal name {signal:?}"
                        ))
                    } else {
                        None
                    }
                })
                .collect();
            if errors.is_empty() {
                Ok(())
            } else {
                Err(api_error(500, errors.join("; ")))
            }
        })
    }

    /// What [`Pebble::get_notices`](crate::Pebble::get_notices) answers.
    pub fn get_notices(&mut self, query: &NoticesQuery) -> Result<Vec<crate::Notice>> {
        self.with(|c, _| {
            Ok(c.notices
                .iter()
                .filter(|n| query.types.is_empty() || query.types.contains(&n.kind))
                .filter(|n| query.keys.is_empty() || query.keys.contains(&n.key))
                .filter(|n| {
                    query
                        .user_id
                        .is_none_or(|u| n.user_id.is_none_or(|nu| nu == u))
                })
                .map(Notice::to_pebble)
                .collect())
        })
    }

    /// What [`Pebble::get_notice`](crate::Pebble::get_notice) answers.
    pub fn get_notice(&mut self, id: &str) -> Result<crate::Notice> {
        self.with(|c, _| {
            c.notices
                .iter()
                .find(|n| n.id == id)
                .map(Notice::to_pebble)
                .ok_or_else(|| api_error(404, format!("cannot find notice with ID {id:?}")))
        })
    }

    /// What [`Pebble::notify`](crate::Pebble::notify) answers.
    pub fn notify(&mut self, key: &str, options: &NotifyOptions) -> Result<String> {
        if !is_custom_key(key) {
            return Err(api_error(
                400,
                format!("invalid key {key:?} (must be in \"example.com/path\" format)"),
            ));
        }
        if key.len() > 256 {
            return Err(api_error(400, "key must be 256 bytes or less"));
        }
        self.with(|c, _| {
            let repeat_after = options
                .repeat_after
                .filter(|r| !r.is_zero())
                .map(crate::format_go_duration);
            if let Some(i) = c
                .notices
                .iter()
                .position(|n| n.key == key && n.kind == NoticeType::Custom)
            {
                let mut notice = c.notices.remove(i);
                notice.occurrences += 1;
                notice.last_data = options.data.clone();
                notice.repeat_after = repeat_after;
                let id = notice.id.clone();
                // Without a repeat-after window (no time passes in memory) this occurrence
                // repeats the notice, which moves it to the end of the listing: Pebble
                // orders notices by last repeat.
                let at = if options.repeat_after.is_some_and(|r| !r.is_zero()) {
                    i
                } else {
                    c.notices.len()
                };
                c.notices.insert(at, notice);
                return Ok(id);
            }
            let mut notice = Notice::new(key);
            notice.last_data = options.data.clone();
            // The charm talks to Pebble as root: its notices are root's.
            notice.user_id = Some(0);
            notice.repeat_after = repeat_after;
            // Pebble's default expiry for a new notice: a week.
            notice.expire_after = Some("168h0m0s".into());
            let id = notice.id.clone();
            c.notices.push(notice);
            Ok(id)
        })
    }

    /// What [`Pebble::get_logs`](crate::Pebble::get_logs) answers.
    pub fn get_logs(&mut self, _services: &[&str], _n: Option<i64>) -> Result<Vec<LogEntry>> {
        self.with(|_, _| Ok(Vec::new()))
    }

    /// What [`Pebble::get_identities`](crate::Pebble::get_identities) answers.
    pub fn get_identities(&mut self) -> Result<BTreeMap<String, Identity>> {
        self.with(|_, extra| Ok(extra.identities.clone()))
    }

    /// What [`Pebble::post_identities`](crate::Pebble::post_identities) answers.
    pub fn post_identities(
        &mut self,
        action: IdentityAction,
        identities: &BTreeMap<String, Option<Identity>>,
    ) -> Result<()> {
        self.with(|_, extra| {
            for (name, identity) in identities {
                let exists = extra.identities.contains_key(name);
                match (action, identity) {
                    (IdentityAction::Add, Some(_)) if exists => {
                        return Err(api_error(400, format!("identity {name:?} already exists")))
                    }
                    (IdentityAction::Update, Some(_)) if !exists => {
                        return Err(api_error(400, format!("identity {name:?} does not exist")))
                    }
                    (IdentityAction::Remove, Some(_)) => {
                        return Err(api_error(
                            400,
                            format!("identity {name:?} value must be null"),
                        ))
                    }
                    (_, Some(identity)) => {
                        extra.identities.insert(name.clone(), identity.clone());
                    }
                    (IdentityAction::Add | IdentityAction::Update, None) => {
                        return Err(api_error(
                            400,
                            format!("identity {name:?} value must not be null"),
                        ))
                    }
                    (_, None) => {
                        extra.identities.remove(name);
                    }
                }
            }
            Ok(())
        })
    }

    /// What [`Pebble::get_metrics`](crate::Pebble::get_metrics) answers.
    pub fn get_metrics(&mut self) -> Result<String> {
        self.with(|c, _| {
            let plan = Self::plan_of(c)?;
            let mut text = String::from(
                "# HELP pebble_service_active Whether the service is active (1) or not (0)\n\
                 # TYPE pebble_service_active gauge\n",
            );
            for name in plan.services.keys() {
                let active = u8::from(c.service(name) == ServiceStatus::Active);
                text.push_str(&format!(
                    "pebble_service_active{{service=\"{name}\"}} {active}\n"
                ));
            }
            Ok(text)
        })
    }
}

impl Daemon<'_> {
    /// What `exec` runs: `options` with the service context's environment, working
    /// directory, user and group filling in what the command did not set, and the canned
    /// [`Exec`] with the longest prefix of the command, if any.
    pub fn resolve_exec(&mut self, options: &ExecOptions) -> Result<(ExecOptions, Option<Exec>)> {
        self.with(|c, _| {
            let mut resolved = options.clone();
            if let Some(ctx) = &options.service_context {
                let plan = Self::plan_of(c)?;
                let Some(service) = plan.services.get(ctx) else {
                    return Err(api_error(400, format!("service {ctx:?} does not exist")));
                };
                let mut environment = service.environment.clone();
                environment.extend(std::mem::take(&mut resolved.environment));
                resolved.environment = environment;
                let set = |s: &String| (!s.is_empty()).then(|| s.clone());
                resolved.working_dir = resolved.working_dir.or_else(|| set(&service.working_dir));
                resolved.user = resolved.user.or_else(|| set(&service.user));
                resolved.group = resolved.group.or_else(|| set(&service.group));
                resolved.user_id = resolved
                    .user_id
                    .or_else(|| service.user_id.and_then(|id| u32::try_from(id).ok()));
                resolved.group_id = resolved
                    .group_id
                    .or_else(|| service.group_id.and_then(|id| u32::try_from(id).ok()));
            }
            let canned = c
                .execs
                .iter()
                .filter(|e| options.command.starts_with(&e.prefix))
                .max_by_key(|e| e.prefix.len())
                .cloned();
            Ok((resolved, canned))
        })
    }
}
