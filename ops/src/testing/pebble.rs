//! The in-memory Pebble of `ops::testing`: `ops_pebble::sim`'s daemon over a container of
//! the simulated unit's [`State`](super::State), reached as Pebble is (a container that
//! cannot connect fails to connect), with exec answered by the test's canned results and
//! handlers.

use super::sim::{ExecArgs, SimRef};
use ops_pebble::sim::{api_error, exec_timed_out, Daemon};
use ops_pebble::{
    Change, ChangeState, CheckInfo, CheckLevel, CheckRefresh, Error, ExecOptions, ExecOutput,
    ExecStdio, FileInfo, Identity, IdentityAction, Layer, LogEntry, MakeDirOptions, Notice,
    NoticesQuery, NotifyOptions, Pebble, Plan, PushOptions, Result, ServiceInfo, SystemInfo,
};
use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::path::PathBuf;
use std::time::Duration;

/// A [`Pebble`] over one container of a simulated unit.
pub(crate) struct SimPebble {
    pub sim: SimRef,
    pub container: String,
}

impl SimPebble {
    /// Runs `f` on the daemon of the connectable container, or fails as Pebble does when
    /// unreachable.
    fn daemon<T>(&self, f: impl FnOnce(&mut Daemon<'_>) -> Result<T>) -> Result<T> {
        let mut sim = self.sim.borrow_mut();
        let sim = &mut *sim;
        let socket = PathBuf::from(format!(
            "/charm/containers/{}/pebble.socket",
            self.container
        ));
        let container = sim
            .state
            .containers
            .iter_mut()
            .find(|c| c.name == self.container)
            .ok_or_else(|| Error::Connection {
                path: socket.clone(),
                message: format!("container {:?} is not in the test State", self.container),
            })?;
        if !container.can_connect {
            return Err(Error::Connection {
                path: socket,
                message: format!(
                    "cannot connect to Pebble in container {:?} (can_connect is false)",
                    self.container
                ),
            });
        }
        let extra = sim.pebble.entry(self.container.clone()).or_default();
        f(&mut Daemon { container, extra })
    }
}

impl Pebble for SimPebble {
    fn system_info(&self) -> Result<SystemInfo> {
        self.daemon(|d| d.system_info())
    }

    fn health(&self, level: Option<&CheckLevel>, names: &[&str]) -> Result<bool> {
        self.daemon(|d| d.health(level, names))
    }

    fn get_services(&self, names: &[&str]) -> Result<Vec<ServiceInfo>> {
        self.daemon(|d| d.get_services(names))
    }

    fn services_action(
        &self,
        action: &str,
        services: &[&str],
        timeout: Duration,
    ) -> Result<String> {
        self.daemon(|d| d.services_action(action, services, timeout))
    }

    fn add_layer(&self, label: &str, layer: &Layer, combine: bool) -> Result<()> {
        self.daemon(|d| d.add_layer(label, layer, combine))
    }

    fn get_plan(&self) -> Result<Plan> {
        self.daemon(|d| d.get_plan())
    }

    fn get_changes(&self, select: ChangeState, service: Option<&str>) -> Result<Vec<Change>> {
        self.daemon(|d| d.get_changes(select, service))
    }

    fn get_change(&self, id: &str) -> Result<Change> {
        self.daemon(|d| d.get_change(id))
    }

    fn wait_change(&self, id: &str, timeout: Option<Duration>) -> Result<Change> {
        self.daemon(|d| d.wait_change(id, timeout))
    }

    fn abort_change(&self, id: &str) -> Result<Change> {
        self.daemon(|d| d.abort_change(id))
    }

    fn get_checks(&self, level: Option<&CheckLevel>, names: &[&str]) -> Result<Vec<CheckInfo>> {
        self.daemon(|d| d.get_checks(level, names))
    }

    fn checks_action(&self, action: &str, checks: &[&str]) -> Result<Vec<String>> {
        self.daemon(|d| d.checks_action(action, checks))
    }

    fn refresh_check(&self, name: &str) -> Result<CheckRefresh> {
        self.daemon(|d| d.refresh_check(name))
    }

    fn push(&self, path: &str, source: &mut dyn Read, options: &PushOptions) -> Result<()> {
        self.daemon(|d| d.push(path, source, options))
    }

    fn pull(&self, path: &str, sink: &mut dyn Write) -> Result<u64> {
        self.daemon(|d| d.pull(path, sink))
    }

    fn list_files(&self, path: &str, pattern: Option<&str>, itself: bool) -> Result<Vec<FileInfo>> {
        self.daemon(|d| d.list_files(path, pattern, itself))
    }

    fn make_dir(&self, path: &str, options: &MakeDirOptions) -> Result<()> {
        self.daemon(|d| d.make_dir(path, options))
    }

    fn remove_path(&self, path: &str, recursive: bool) -> Result<()> {
        self.daemon(|d| d.remove_path(path, recursive))
    }

    fn send_signal(&self, signal: &str, services: &[&str]) -> Result<()> {
        self.daemon(|d| d.send_signal(signal, services))
    }

    fn get_notices(&self, query: &NoticesQuery) -> Result<Vec<Notice>> {
        self.daemon(|d| d.get_notices(query))
    }

    fn get_notice(&self, id: &str) -> Result<Notice> {
        self.daemon(|d| d.get_notice(id))
    }

    fn notify(&self, key: &str, options: &NotifyOptions) -> Result<String> {
        self.daemon(|d| d.notify(key, options))
    }

    fn get_logs(&self, services: &[&str], n: Option<i64>) -> Result<Vec<LogEntry>> {
        self.daemon(|d| d.get_logs(services, n))
    }

    fn get_identities(&self) -> Result<BTreeMap<String, Identity>> {
        self.daemon(|d| d.get_identities())
    }

    fn post_identities(
        &self,
        action: IdentityAction,
        identities: &BTreeMap<String, Option<Identity>>,
    ) -> Result<()> {
        self.daemon(|d| d.post_identities(action, identities))
    }

    fn get_metrics(&self) -> Result<String> {
        self.daemon(|d| d.get_metrics())
    }

    fn exec(&self, options: &ExecOptions, stdio: ExecStdio<'_>) -> Result<ExecOutput> {
        let mut stdin = Vec::new();
        if let Some(reader) = stdio.stdin {
            reader.read_to_end(&mut stdin).map_err(Error::Io)?;
        }
        let command = &options.command;
        let (resolved, canned) = self.daemon(|d| d.resolve_exec(options))?;
        let args = ExecArgs {
            command: resolved.command,
            environment: resolved.environment,
            working_dir: resolved.working_dir,
            user: resolved.user,
            group: resolved.group,
            stdin,
            service_context: resolved.service_context,
            timeout: resolved.timeout,
            user_id: resolved.user_id,
            group_id: resolved.group_id,
            combine_stderr: resolved.combine_stderr,
        };
        // A Harness handler with a prefix at least as long as the canned result's wins.
        let handler = {
            let sim = self.sim.borrow();
            sim.exec_handlers
                .get(&self.container)
                .and_then(|handlers| {
                    handlers
                        .iter()
                        .filter(|(prefix, _)| command.starts_with(prefix))
                        .max_by_key(|(prefix, _)| prefix.len())
                })
                .filter(|(prefix, _)| {
                    canned
                        .as_ref()
                        .is_none_or(|e| prefix.len() >= e.prefix.len())
                })
                .map(|(_, handler)| std::rc::Rc::clone(handler))
        };
        self.sim
            .borrow_mut()
            .out
            .exec_history
            .entry(self.container.clone())
            .or_default()
            .push(args.clone());
        let (code, out, err) = match (handler, canned) {
            (Some(handler), _) => {
                let result = handler(&args);
                if result.timed_out {
                    return Err(match options.timeout {
                        Some(timeout) => exec_timed_out(command, timeout),
                        None => api_error(
                            500,
                            format!(
                                "the exec handler for {command:?} timed out, but the command \
                                 has no timeout"
                            ),
                        ),
                    });
                }
                if options.combine_stderr && !result.stderr.is_empty() {
                    return Err(Error::Format(format!(
                        "the exec handler for {command:?} returned stderr, but the command \
                         combines stderr into stdout: put it in stdout"
                    )));
                }
                (result.exit_code, result.stdout, result.stderr)
            }
            (None, Some(e)) => (e.return_code, e.stdout.into_bytes(), e.stderr.into_bytes()),
            (None, None) => (
                127,
                Vec::new(),
                format!(
                    "no Exec in the test State matches {command:?} in container {:?}",
                    self.container
                )
                .into_bytes(),
            ),
        };
        let mut output = ExecOutput {
            exit_code: code,
            stdout: Vec::new(),
            stderr: Vec::new(),
        };
        match stdio.stdout {
            Some(w) => w.write_all(&out).map_err(Error::Io)?,
            None => output.stdout = out,
        }
        if options.combine_stderr {
            match &mut output.stdout {
                buf if !err.is_empty() => buf.extend_from_slice(&err),
                _ => {}
            }
        } else {
            match stdio.stderr {
                Some(w) => w.write_all(&err).map_err(Error::Io)?,
                None => output.stderr = err,
            }
        }
        Ok(output)
    }
}
