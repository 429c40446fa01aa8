//! [`Container`]'s methods: a thin layer over the container's Pebble (the [`Pebble`]
//! client the backend gives), with Python ops' conveniences: named maps of services and
//! checks, `exists`/`is_dir`, restart falling back to stop+start, recursive
//! `push_path`/`pull_path`, and an exec builder that runs a command to completion or
//! spawns it as a process to talk to and signal.

use super::Container;
use crate::model::JujuVersion;
use ops_pebble::{
    CheckInfo, CheckLevel, Error, ExecError, ExecOptions, ExecOutput, ExecProcess, ExecStdio,
    FileInfo, FileType, Layer, MakeDirOptions, Notice, NoticesQuery, Pebble, Plan, PushOptions,
    Result, ServiceInfo, Signal,
};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::Path;
use std::time::Duration;

/// How long service operations wait for their change (as in Python ops).
const SERVICE_TIMEOUT: Duration = Duration::from_secs(30);

fn need_names(names: &[&str], what: &str) -> Result<()> {
    if names.is_empty() {
        return Err(Error::Format(format!("expected at least one {what} name")));
    }
    Ok(())
}

impl<'m> Container<'m> {
    /// The container's Pebble client.
    pub fn pebble(&self) -> Box<dyn Pebble> {
        self.core.backend().pebble(&self.name)
    }

    /// Whether Pebble in the container answers (`system-info` succeeds).
    pub fn can_connect(&self) -> bool {
        match self.pebble().system_info() {
            Ok(_) => true,
            Err(e) => {
                log::debug!("cannot connect to container {}: {e}", self.name);
                false
            }
        }
    }

    /// Adds a layer labelled `label`; with `combine`, merges it into an existing layer of
    /// that label.
    pub fn add_layer(&self, label: &str, layer: &Layer, combine: bool) -> Result<()> {
        self.pebble().add_layer(label, layer, combine)
    }

    /// The current plan (all layers combined).
    pub fn get_plan(&self) -> Result<Plan> {
        self.pebble().get_plan()
    }

    /// Starts the services with `startup: enabled`.
    pub fn autostart(&self) -> Result<()> {
        self.pebble().autostart_services(SERVICE_TIMEOUT).map(drop)
    }

    /// Brings the services in line with the plan (restarting changed ones).
    pub fn replan(&self) -> Result<()> {
        self.pebble().replan_services(SERVICE_TIMEOUT).map(drop)
    }

    /// Starts services (at least one name).
    pub fn start(&self, services: &[&str]) -> Result<()> {
        need_names(services, "service")?;
        self.pebble()
            .start_services(services, SERVICE_TIMEOUT)
            .map(drop)
    }

    /// Stops services (at least one name).
    pub fn stop(&self, services: &[&str]) -> Result<()> {
        need_names(services, "service")?;
        self.pebble()
            .stop_services(services, SERVICE_TIMEOUT)
            .map(drop)
    }

    /// Restarts services (at least one name); on a Pebble without `restart` (HTTP 400),
    /// stops the running ones and starts them all.
    pub fn restart(&self, services: &[&str]) -> Result<()> {
        restart(&*self.pebble(), services)
    }

    /// The services named (all if empty), by name.
    pub fn get_services(&self, names: &[&str]) -> Result<BTreeMap<String, ServiceInfo>> {
        get_services(&*self.pebble(), names)
    }

    /// The service `name`; [`Error::NotFound`] if the plan has none.
    pub fn get_service(&self, name: &str) -> Result<ServiceInfo> {
        get_service(&*self.pebble(), name)
    }

    /// The checks named (all if empty) at `level` (any if `None`), by name.
    pub fn get_checks(
        &self,
        names: &[&str],
        level: Option<CheckLevel>,
    ) -> Result<BTreeMap<String, CheckInfo>> {
        get_checks(&*self.pebble(), names, level)
    }

    /// The check `name`; [`Error::NotFound`] if the plan has none.
    pub fn get_check(&self, name: &str) -> Result<CheckInfo> {
        get_check(&*self.pebble(), name)
    }

    /// Starts checks; the names of those that were stopped.
    pub fn start_checks(&self, names: &[&str]) -> Result<Vec<String>> {
        need_names(names, "check")?;
        self.pebble().start_checks(names)
    }

    /// Stops checks; the names of those that were running. Each stopped check is logged
    /// as a `sys_monitor_disabled` security event (as Python `ops` does).
    pub fn stop_checks(&self, names: &[&str]) -> Result<Vec<String>> {
        need_names(names, "check")?;
        stop_checks(self.core, &*self.pebble(), names)
    }

    /// Writes `data` to `path` in the container.
    pub fn push(&self, path: &str, data: impl AsRef<[u8]>, options: &PushOptions) -> Result<()> {
        self.pebble().push(path, &mut data.as_ref(), options)
    }

    /// Streams `source` to `path` in the container.
    pub fn push_from(
        &self,
        path: &str,
        source: &mut dyn Read,
        options: &PushOptions,
    ) -> Result<()> {
        self.pebble().push(path, source, options)
    }

    /// The content of `path` in the container.
    pub fn pull(&self, path: &str) -> Result<Vec<u8>> {
        let mut out = Vec::new();
        self.pebble().pull(path, &mut out)?;
        Ok(out)
    }

    /// The content of `path` as text; [`Error::Format`] if it is not UTF-8.
    pub fn pull_string(&self, path: &str) -> Result<String> {
        String::from_utf8(self.pull(path)?)
            .map_err(|_| Error::Format(format!("{path} is not UTF-8")))
    }

    /// Streams `path` into `sink`; returns the bytes written.
    pub fn pull_to(&self, path: &str, sink: &mut dyn Write) -> Result<u64> {
        self.pebble().pull(path, sink)
    }

    /// The entries of directory `path` (matching the glob `pattern`), or with `itself`,
    /// the entry of `path` itself.
    pub fn list_files(
        &self,
        path: &str,
        pattern: Option<&str>,
        itself: bool,
    ) -> Result<Vec<FileInfo>> {
        self.pebble().list_files(path, pattern, itself)
    }

    /// Recursively pushes local files and directories into directory `dest_dir` of the
    /// container: a directory goes under its own name, `dir/*` copies its contents, files
    /// keep their local permissions and owner. Files are streamed. The copy goes on after
    /// a failure; [`Error::PushPull`] then lists each path that failed with its error.
    ///
    /// ```no_run
    /// # fn f(container: &ops::Container<'_>) -> ops::pebble::Result<()> {
    /// // ./files/static → /srv/static/..., and the contents of ./files/conf → /etc/app/...
    /// container.push_path(["files/static"], "/srv")?;
    /// container.push_path(["files/conf/*"], "/etc/app")?;
    /// # Ok(()) }
    /// ```
    pub fn push_path<S: AsRef<Path>>(
        &self,
        sources: impl IntoIterator<Item = S>,
        dest_dir: &str,
    ) -> Result<()> {
        ops_pebble::push_path(&*self.pebble(), sources, dest_dir)
    }

    /// Recursively pulls files and directories of the container into local directory
    /// `dest_dir` (created as needed), with the same rules as
    /// [`push_path`](Self::push_path).
    pub fn pull_path<S: AsRef<str>>(
        &self,
        sources: impl IntoIterator<Item = S>,
        dest_dir: impl AsRef<Path>,
    ) -> Result<()> {
        ops_pebble::pull_path(&*self.pebble(), sources, dest_dir)
    }

    /// Creates directory `path`.
    pub fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<()> {
        self.pebble().make_dir(path, options)
    }

    /// Removes `path` (with `recursive`, a directory and its content).
    pub fn remove_path(&self, path: &str, recursive: bool) -> Result<()> {
        self.pebble().remove_path(path, recursive)
    }

    /// Whether `path` exists in the container.
    pub fn exists(&self, path: &str) -> Result<bool> {
        Ok(stat(&*self.pebble(), path)?.is_some())
    }

    /// Whether `path` exists and is a directory.
    pub fn is_dir(&self, path: &str) -> Result<bool> {
        Ok(stat(&*self.pebble(), path)?.is_some_and(|f| f.type_ == FileType::Directory))
    }

    /// Sends a signal (`"SIGHUP"`, or a number such as `1`, sent by its name) to
    /// services (at least one name).
    pub fn send_signal(&self, signal: impl Into<Signal>, services: &[&str]) -> Result<()> {
        send_signal(&*self.pebble(), signal.into(), services)
    }

    /// The notice `id`; [`Error::NotFound`] if Pebble has none.
    pub fn get_notice(&self, id: &str) -> Result<Notice> {
        get_notice(&*self.pebble(), id)
    }

    /// The notices matching `query`.
    pub fn get_notices(&self, query: &NoticesQuery) -> Result<Vec<Notice>> {
        self.pebble().get_notices(query)
    }

    /// Starts building a command to run in the container. A service context
    /// ([`Exec::service_context`]) is refused before Juju 3.1.6 and on 3.2.0, as in
    /// Python ops.
    pub fn exec<'io, S: AsRef<str>>(&self, command: impl IntoIterator<Item = S>) -> Exec<'io> {
        let mut exec = Exec::over(self.pebble(), command);
        exec.juju_version = self
            .core
            .juju_version()
            .ok()
            .filter(|v| *v != JujuVersion::default());
        exec
    }
}

fn send_signal(pebble: &dyn Pebble, signal: Signal, services: &[&str]) -> Result<()> {
    need_names(services, "service")?;
    pebble.send_signal(&signal.name()?, services)
}

fn restart(pebble: &dyn Pebble, services: &[&str]) -> Result<()> {
    need_names(services, "service")?;
    match pebble.restart_services(services, SERVICE_TIMEOUT) {
        Ok(_) => Ok(()),
        Err(Error::Api(e)) if e.code == 400 => {
            // A Pebble without the restart action.
            let running: Vec<String> = pebble
                .get_services(services)?
                .into_iter()
                .filter(ServiceInfo::is_running)
                .map(|s| s.name)
                .collect();
            if !running.is_empty() {
                let running: Vec<&str> = running.iter().map(String::as_str).collect();
                pebble.stop_services(&running, SERVICE_TIMEOUT)?;
            }
            pebble.start_services(services, SERVICE_TIMEOUT).map(drop)
        }
        Err(e) => Err(e),
    }
}

fn get_services(pebble: &dyn Pebble, names: &[&str]) -> Result<BTreeMap<String, ServiceInfo>> {
    Ok(pebble
        .get_services(names)?
        .into_iter()
        .map(|s| (s.name.clone(), s))
        .collect())
}

fn get_service(pebble: &dyn Pebble, name: &str) -> Result<ServiceInfo> {
    get_services(pebble, &[name])?
        .remove(name)
        .ok_or_else(|| Error::NotFound {
            what: "service",
            name: name.to_string(),
        })
}

fn get_checks(
    pebble: &dyn Pebble,
    names: &[&str],
    level: Option<CheckLevel>,
) -> Result<BTreeMap<String, CheckInfo>> {
    Ok(pebble
        .get_checks(level.as_ref(), names)?
        .into_iter()
        .map(|c| (c.name.clone(), c))
        .collect())
}

fn get_check(pebble: &dyn Pebble, name: &str) -> Result<CheckInfo> {
    get_checks(pebble, &[name], None)?
        .remove(name)
        .ok_or_else(|| Error::NotFound {
            what: "check",
            name: name.to_string(),
        })
}

fn stat(pebble: &dyn Pebble, path: &str) -> Result<Option<FileInfo>> {
    match pebble.list_files(path, None, true) {
        Ok(mut files) => Ok(files.pop()),
        Err(e) if e.is_not_found() => Ok(None),
        Err(e) => Err(e),
    }
}

fn get_notice(pebble: &dyn Pebble, id: &str) -> Result<Notice> {
    match pebble.get_notice(id) {
        Err(e) if e.is_not_found() => Err(Error::NotFound {
            what: "notice",
            name: id.to_string(),
        }),
        other => other,
    }
}

/// A command to run in a container: set options, then run it to completion with
/// [`Exec::wait`] or [`Exec::wait_output`], or start it with [`Exec::spawn`] to write its
/// input, read its output or send it signals while it runs.
pub struct Exec<'io> {
    pebble: Box<dyn Pebble>,
    options: ExecOptions,
    stdin: Option<StdinSource<'io>>,
    stdout: Option<&'io mut dyn Write>,
    stderr: Option<&'io mut dyn Write>,
    /// The Juju version, when known (for the service-context check).
    juju_version: Option<JujuVersion>,
}

impl<'io> Exec<'io> {
    /// A command to run through `pebble`.
    pub fn over<S: AsRef<str>>(
        pebble: Box<dyn Pebble>,
        command: impl IntoIterator<Item = S>,
    ) -> Exec<'io> {
        Exec {
            pebble,
            options: ExecOptions {
                command: command
                    .into_iter()
                    .map(|s| s.as_ref().to_string())
                    .collect(),
                ..ExecOptions::default()
            },
            stdin: None,
            stdout: None,
            stderr: None,
            juju_version: None,
        }
    }

    /// The checks Python ops makes before running a command.
    fn check(&self) -> Result<()> {
        if self.options.combine_stderr && self.stderr.is_some() {
            return Err(Error::Format(
                "stderr can't be given when combine_stderr is set".into(),
            ));
        }
        match (&self.options.service_context, &self.juju_version) {
            (Some(_), Some(v)) if !v.supports_exec_service_context() => Err(Error::Format(
                format!("exec with service_context not supported on Juju version {v}"),
            )),
            _ => Ok(()),
        }
    }
}

enum StdinSource<'io> {
    Bytes(Vec<u8>),
    Reader(&'io mut dyn Read),
}

impl<'io> Exec<'io> {
    /// Sets an environment variable.
    pub fn env(mut self, key: impl Into<String>, value: impl Into<String>) -> Self {
        self.options.environment.insert(key.into(), value.into());
        self
    }
    /// Runs in this directory.
    pub fn working_dir(mut self, dir: impl Into<String>) -> Self {
        self.options.working_dir = Some(dir.into());
        self
    }
    /// Runs as this user.
    pub fn user(mut self, user: impl Into<String>) -> Self {
        self.options.user = Some(user.into());
        self
    }
    /// Runs as this uid.
    pub fn user_id(mut self, uid: u32) -> Self {
        self.options.user_id = Some(uid);
        self
    }
    /// Runs as this group.
    pub fn group(mut self, group: impl Into<String>) -> Self {
        self.options.group = Some(group.into());
        self
    }
    /// Runs as this gid.
    pub fn group_id(mut self, gid: u32) -> Self {
        self.options.group_id = Some(gid);
        self
    }
    /// Kills the command after `timeout`.
    pub fn timeout(mut self, timeout: Duration) -> Self {
        self.options.timeout = Some(timeout);
        self
    }
    /// Runs in a service's context (its environment, user, group and directory).
    pub fn service_context(mut self, service: impl Into<String>) -> Self {
        self.options.service_context = Some(service.into());
        self
    }
    /// Sends stderr down stdout (then [`Exec::stderr`] is refused).
    pub fn combine_stderr(mut self) -> Self {
        self.options.combine_stderr = true;
        self
    }
    /// Feeds these bytes to the command's stdin.
    pub fn stdin(mut self, data: impl Into<Vec<u8>>) -> Self {
        self.stdin = Some(StdinSource::Bytes(data.into()));
        self
    }
    /// Streams this reader to the command's stdin.
    pub fn stdin_reader(mut self, reader: &'io mut dyn Read) -> Self {
        self.stdin = Some(StdinSource::Reader(reader));
        self
    }
    /// Streams the command's stdout to `w` instead of capturing it.
    pub fn stdout(mut self, w: &'io mut dyn Write) -> Self {
        self.stdout = Some(w);
        self
    }
    /// Streams the command's stderr to `w` instead of capturing it.
    pub fn stderr(mut self, w: &'io mut dyn Write) -> Self {
        self.stderr = Some(w);
        self
    }

    /// Starts the command and returns at once with a handle on the running process
    /// (like Python ops' `ExecProcess`): write to its `stdin`, read its `stdout` and
    /// `stderr` (each there unless given to this builder), send it signals, then wait for
    /// it. Input given as bytes is fed in the background; a given reader and writers are
    /// fed and written while waiting.
    ///
    /// ```no_run
    /// # fn f(container: &ops::Container<'_>) -> ops::pebble::Result<()> {
    /// let mut server = container.exec(["/usr/bin/server", "--foreground"]).spawn()?;
    /// // ... later:
    /// server.send_signal("SIGTERM")?; // or 15
    /// let _ = server.wait();
    /// # Ok(()) }
    /// ```
    pub fn spawn(self) -> Result<ExecProcess<'io>> {
        self.check()?;
        let (reader, bytes) = match self.stdin {
            Some(StdinSource::Reader(r)) => (Some(r), None),
            Some(StdinSource::Bytes(b)) => (None, Some(b)),
            None => (None, None),
        };
        let mut process = self.pebble.exec_start(
            &self.options,
            ExecStdio {
                stdin: reader,
                stdout: self.stdout,
                stderr: self.stderr,
            },
        )?;
        if let (Some(bytes), Some(mut stdin)) = (bytes, process.stdin.take()) {
            std::thread::spawn(move || {
                if let Err(e) = stdin.write_all(&bytes).and_then(|_| stdin.close()) {
                    // The command may exit without reading its input; that is not an error.
                    log::debug!("exec stdin ended early: {e}");
                }
            });
        }
        Ok(process)
    }

    /// Runs the command to completion; the exit code and whatever was captured. A
    /// non-zero exit is not an error here.
    pub fn run(self) -> Result<ExecOutput> {
        self.check()?;
        let (has_stdout, has_stderr) = (self.stdout.is_some(), self.stderr.is_some());
        let mut bytes;
        let mut reader;
        let stdin: Option<&mut dyn Read> = match self.stdin {
            Some(StdinSource::Bytes(b)) => {
                bytes = std::io::Cursor::new(b);
                Some(&mut bytes)
            }
            Some(StdinSource::Reader(r)) => {
                reader = r;
                Some(&mut reader)
            }
            None => None,
        };
        let (mut stdout, mut stderr) = (self.stdout, self.stderr);
        let out = self.pebble.exec(
            &self.options,
            ExecStdio {
                stdin,
                stdout: stdout.as_mut().map(|w| w as &mut dyn Write),
                stderr: stderr.as_mut().map(|w| w as &mut dyn Write),
            },
        )?;
        if out.exit_code != 0 {
            return Err(Error::Exec(Box::new(ExecError {
                command: self.options.command,
                exit_code: out.exit_code,
                stdout: (!has_stdout).then_some(out.stdout),
                stderr: (!has_stderr && !self.options.combine_stderr).then_some(out.stderr),
            })));
        }
        Ok(out)
    }

    /// Runs the command; [`Error::Exec`] (with captured output) if it exits non-zero.
    pub fn wait(self) -> Result<()> {
        self.run().map(drop)
    }

    /// Runs the command and returns its stdout and stderr as text; [`Error::Exec`] if it
    /// exits non-zero. Not with [`Exec::stdout`] (its output would not be captured).
    pub fn wait_output(self) -> Result<(String, String)> {
        let (out, err) = self.wait_output_bytes()?;
        let text = |b: Vec<u8>| {
            String::from_utf8(b).map_err(|_| Error::Format("exec output is not UTF-8".into()))
        };
        Ok((text(out)?, text(err)?))
    }

    /// Like [`Exec::wait_output`], as bytes.
    pub fn wait_output_bytes(self) -> Result<(Vec<u8>, Vec<u8>)> {
        if self.stdout.is_some() {
            return Err(Error::Format(
                "can't use wait_output when stdout is passed to exec".into(),
            ));
        }
        let out = self.run()?;
        Ok((out.stdout, out.stderr))
    }
}

fn stop_checks(
    core: &super::ModelCore,
    pebble: &dyn Pebble,
    names: &[&str],
) -> Result<Vec<String>> {
    let stopped = pebble.stop_checks(names)?;
    for check in &stopped {
        // The checks are stopped; a log line that cannot be written must not say otherwise.
        let _ = core.log_security_event(
            super::SecurityLevel::Warn,
            super::SecurityEvent::SysMonitorDisabled,
            &format!("{},{check}", super::security::uid()),
            &format!("Stopped check {check}"),
        );
    }
    Ok(stopped)
}

#[cfg(test)]
mod tests;
