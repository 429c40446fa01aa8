//! The Juju context of one dispatch: what Juju put in the environment.

use crate::event::{EventData, EventKind};
use ops_events::Target;
use std::path::PathBuf;

/// Every `JUJU_*` variable `ops` reads, typed. Empty variables read as `None`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct JujuContext {
    /// `JUJU_DISPATCH_PATH` (`hooks/install`, `actions/backup`).
    pub dispatch_path: String,
    /// `JUJU_HOOK_NAME` (empty for actions).
    pub hook_name: String,
    /// `JUJU_MODEL_NAME`.
    pub model_name: String,
    /// `JUJU_MODEL_UUID`.
    pub model_uuid: String,
    /// `JUJU_UNIT_NAME` (`app/0`).
    pub unit_name: String,
    /// `JUJU_VERSION` (`0.0.0` when absent).
    pub version: String,
    /// `JUJU_CHARM_DIR` (empty when unset: `ops::main` refuses to run then, rather than
    /// keep the state in the working directory).
    pub charm_dir: PathBuf,
    /// `JUJU_AVAILABILITY_ZONE`.
    pub availability_zone: Option<String>,
    /// `JUJU_MACHINE_ID`.
    pub machine_id: Option<String>,
    /// `JUJU_PRINCIPAL_UNIT`.
    pub principal_unit: Option<String>,
    /// `JUJU_DEBUG` is set.
    pub debug: bool,
    /// `JUJU_DEBUG_AT`, split on commas.
    pub debug_at: Vec<String>,
    /// `JUJU_ACTION_NAME`.
    pub action_name: Option<String>,
    /// `JUJU_ACTION_UUID`.
    pub action_uuid: Option<String>,
    /// `JUJU_RELATION` (the endpoint).
    pub relation_name: Option<String>,
    /// `JUJU_RELATION_ID`, `endpoint:N` → N.
    pub relation_id: Option<u64>,
    /// `JUJU_REMOTE_APP` (from the remote unit's prefix when absent).
    pub remote_app: Option<String>,
    /// `JUJU_REMOTE_UNIT`.
    pub remote_unit: Option<String>,
    /// `JUJU_DEPARTING_UNIT`.
    pub departing_unit: Option<String>,
    /// `JUJU_WORKLOAD_NAME` (the container).
    pub workload_name: Option<String>,
    /// `JUJU_NOTICE_ID`.
    pub notice_id: Option<String>,
    /// `JUJU_NOTICE_TYPE`.
    pub notice_type: Option<String>,
    /// `JUJU_NOTICE_KEY`.
    pub notice_key: Option<String>,
    /// `JUJU_PEBBLE_CHECK_NAME`.
    pub pebble_check_name: Option<String>,
    /// `JUJU_SECRET_ID`.
    pub secret_id: Option<String>,
    /// `JUJU_SECRET_LABEL`.
    pub secret_label: Option<String>,
    /// `JUJU_SECRET_REVISION`.
    pub secret_revision: Option<u64>,
    /// `JUJU_STORAGE_ID` (`data/0`).
    pub storage_id: Option<String>,
}

impl JujuContext {
    /// The application's name: the unit name before `/`.
    pub fn app_name(&self) -> &str {
        self.unit_name
            .split_once('/')
            .map_or(self.unit_name.as_str(), |(app, _)| app)
    }
}

/// The variables whose name and value are UTF-8 (`std::env::vars` would panic on the
/// others); a value that is not UTF-8 reads as absent.
fn utf8_vars(
    vars: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
) -> impl Iterator<Item = (String, String)> {
    vars.into_iter()
        .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
}

/// Reads an optional variable: absent or empty → `None`.
fn non_empty(vars: &std::collections::HashMap<String, String>, key: &str) -> Option<String> {
    vars.get(key).filter(|v| !v.is_empty()).cloned()
}

impl JujuContext {
    /// The context of this process: every `JUJU_*` variable from the environment.
    ///
    /// Parsing is lenient, as in the Python `ops.main`: a missing variable is empty (or
    /// `None`), and a malformed number reads as `None`.
    pub fn from_env() -> Self {
        Self::from_vars(utf8_vars(std::env::vars_os()))
    }

    /// The context described by `vars` (name, value pairs, e.g. a test's environment).
    /// Variables other than the `JUJU_*` ones `ops` reads are ignored.
    pub fn from_vars<K, V>(vars: impl IntoIterator<Item = (K, V)>) -> Self
    where
        K: Into<String>,
        V: Into<String>,
    {
        let vars: std::collections::HashMap<String, String> = vars
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .filter(|(k, _)| k.starts_with("JUJU_"))
            .collect();
        let opt = |key: &str| non_empty(&vars, key);
        let text = |key: &str| vars.get(key).cloned().unwrap_or_default();
        let remote_unit = opt("JUJU_REMOTE_UNIT");
        let remote_app = opt("JUJU_REMOTE_APP").or_else(|| {
            remote_unit
                .as_deref()
                .and_then(|unit| unit.split_once('/'))
                .map(|(app, _)| app.to_string())
        });
        JujuContext {
            dispatch_path: text("JUJU_DISPATCH_PATH"),
            hook_name: text("JUJU_HOOK_NAME"),
            model_name: text("JUJU_MODEL_NAME"),
            model_uuid: text("JUJU_MODEL_UUID"),
            unit_name: text("JUJU_UNIT_NAME"),
            version: opt("JUJU_VERSION").unwrap_or_else(|| "0.0.0".to_string()),
            charm_dir: opt("JUJU_CHARM_DIR").map(PathBuf::from).unwrap_or_default(),
            availability_zone: opt("JUJU_AVAILABILITY_ZONE"),
            machine_id: opt("JUJU_MACHINE_ID"),
            principal_unit: opt("JUJU_PRINCIPAL_UNIT"),
            debug: vars.contains_key("JUJU_DEBUG"),
            debug_at: opt("JUJU_DEBUG_AT")
                .map(|at| {
                    at.split(',')
                        .map(str::trim)
                        .filter(|s| !s.is_empty())
                        .map(str::to_string)
                        .collect()
                })
                .unwrap_or_default(),
            action_name: opt("JUJU_ACTION_NAME"),
            action_uuid: opt("JUJU_ACTION_UUID"),
            relation_name: opt("JUJU_RELATION"),
            relation_id: opt("JUJU_RELATION_ID").and_then(|id| parse_relation_id(&id)),
            remote_app,
            remote_unit,
            departing_unit: opt("JUJU_DEPARTING_UNIT"),
            workload_name: opt("JUJU_WORKLOAD_NAME"),
            notice_id: opt("JUJU_NOTICE_ID"),
            notice_type: opt("JUJU_NOTICE_TYPE"),
            notice_key: opt("JUJU_NOTICE_KEY"),
            pebble_check_name: opt("JUJU_PEBBLE_CHECK_NAME"),
            secret_id: opt("JUJU_SECRET_ID"),
            secret_label: opt("JUJU_SECRET_LABEL"),
            secret_revision: opt("JUJU_SECRET_REVISION").and_then(|r| r.trim().parse().ok()),
            storage_id: opt("JUJU_STORAGE_ID"),
        }
    }

    /// What is wrong with this process's environment ([`JujuContext::problems_in`]).
    pub fn problems_in_env() -> Vec<String> {
        Self::problems_in(std::env::vars_os())
    }

    /// Every malformed `JUJU_*` variable `ops` reads, each named with its value: a
    /// relation id that is not `ENDPOINT:N` or `N`, a unit name that is not `APP/N`, a
    /// secret revision or storage index that is not a number, a Juju version that is not
    /// `MAJOR.MINOR...`, and any value that is not UTF-8. [`JujuContext::from_vars`]
    /// reads these as absent, which would hide the cause; `ops::main` reports them at
    /// start. No `JUJU_*` variable carries secret content (`JUJU_SECRET_ID` is an id), so
    /// values are quoted whole.
    pub fn problems_in(
        vars: impl IntoIterator<Item = (std::ffi::OsString, std::ffi::OsString)>,
    ) -> Vec<String> {
        let mut problems = Vec::new();
        for (key, value) in vars {
            let Some(key) = key.to_str().filter(|k| READ.contains(k)) else {
                continue;
            };
            let Some(text) = value.to_str() else {
                problems.push(format!("{key}={value:?} is not UTF-8"));
                continue;
            };
            if text.is_empty() {
                continue;
            }
            let expected = match key {
                "JUJU_RELATION_ID" if parse_relation_id(text).is_none() => {
                    "a relation id (ENDPOINT:N or N)"
                }
                "JUJU_SECRET_REVISION" if text.trim().parse::<u64>().is_err() => {
                    "a secret revision (a number)"
                }
                "JUJU_STORAGE_ID" if parse_storage_id(text).is_none() => "a storage id (NAME/N)",
                "JUJU_UNIT_NAME"
                | "JUJU_REMOTE_UNIT"
                | "JUJU_DEPARTING_UNIT"
                | "JUJU_PRINCIPAL_UNIT"
                    if !is_unit_name(text) =>
                {
                    "a unit name (APP/N)"
                }
                "JUJU_VERSION" if !is_juju_version(text) => "a Juju version (MAJOR.MINOR...)",
                _ => continue,
            };
            problems.push(format!("{key}={text:?} is not {expected}"));
        }
        problems.sort();
        problems
    }

    /// What the event `event` (selected from this context) needs from the environment
    /// and does not get: each variable Juju sets for its kind that is missing, or that
    /// names another relation, storage or container than the hook does.
    ///
    /// A problem is [`ContextProblem::fatal`] when the event's payload cannot be built
    /// without the variable (a relation event's id, a secret event's id, a storage
    /// event's index, a Pebble notice or check), or when Python `ops` fails on it too (a
    /// relation or workload event without `JUJU_RELATION` / `JUJU_WORKLOAD_NAME`, which
    /// its `ops.main` asserts): `ops::main` then reports every problem and fails the
    /// hook before any handler runs, rather than a handler failing later on a half-built
    /// event. The others are warnings, where Python `ops` goes on with `None` (a
    /// relation event's remote app or unit, a departing unit, a secret revision, an
    /// action's name or id). Checks presence only: malformed values are
    /// [`JujuContext::problems_in`]'s.
    pub fn problems_for(&self, event: &EventData) -> Vec<ContextProblem> {
        let hook = self.dispatch_path.rsplit('/').next().unwrap_or_default();
        let mut problems: Vec<ContextProblem> = needs(event.kind)
            .iter()
            .filter(|need| !self.is_set(need.variable))
            .map(|need| ContextProblem {
                variable: need.variable,
                fatal: need.fatal,
                message: if need.fatal {
                    format!("{} is not set: {hook} needs {}", need.variable, need.what)
                } else {
                    format!("{} is not set for {hook}: {}", need.variable, need.what)
                },
            })
            .collect();
        // The name Juju passed must be the one the hook is named after.
        let (variable, given, fatal) = match event.kind.def().target {
            Target::Relation => ("JUJU_RELATION", self.relation_name.as_deref(), true),
            Target::Storage => ("JUJU_STORAGE_ID", self.storage().map(|(n, _)| n), true),
            Target::Container => ("JUJU_WORKLOAD_NAME", self.workload_name.as_deref(), true),
            Target::Action => ("JUJU_ACTION_NAME", self.action_name.as_deref(), false),
            Target::None => return problems,
        };
        if let (Some(given), Some(name)) = (given, event.name.as_deref()) {
            if given != name {
                problems.push(ContextProblem {
                    variable,
                    fatal,
                    message: format!(
                        "{variable} names {given:?}, but {} is about {name:?}",
                        if hook.is_empty() { name } else { hook }
                    ),
                });
            }
        }
        problems
    }

    /// Whether the variable `name` was set (and, for a number, well-formed).
    fn is_set(&self, name: &str) -> bool {
        match name {
            "JUJU_RELATION" => self.relation_name.is_some(),
            "JUJU_RELATION_ID" => self.relation_id.is_some(),
            "JUJU_REMOTE_APP" => self.remote_app.is_some(),
            "JUJU_REMOTE_UNIT" => self.remote_unit.is_some(),
            "JUJU_DEPARTING_UNIT" => self.departing_unit.is_some(),
            "JUJU_SECRET_ID" => self.secret_id.is_some(),
            "JUJU_SECRET_REVISION" => self.secret_revision.is_some(),
            "JUJU_STORAGE_ID" => self.storage().is_some(),
            "JUJU_WORKLOAD_NAME" => self.workload_name.is_some(),
            "JUJU_NOTICE_ID" => self.notice_id.is_some(),
            "JUJU_NOTICE_TYPE" => self.notice_type.is_some(),
            "JUJU_NOTICE_KEY" => self.notice_key.is_some(),
            "JUJU_PEBBLE_CHECK_NAME" => self.pebble_check_name.is_some(),
            "JUJU_ACTION_NAME" => self.action_name.is_some(),
            "JUJU_ACTION_UUID" => self.action_uuid.is_some(),
            _ => false,
        }
    }

    /// The storage's name and index from `JUJU_STORAGE_ID` (`data/3` → `("data", 3)`).
    pub fn storage(&self) -> Option<(&str, u32)> {
        parse_storage_id(self.storage_id.as_deref()?)
    }
}

/// A variable the event being dispatched needs that the environment lacks (see
/// [`JujuContext::problems_for`]).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ContextProblem {
    /// The variable (`JUJU_RELATION_ID`).
    pub variable: &'static str,
    /// Whether the hook cannot run without it (else a warning).
    pub fatal: bool,
    /// What is wrong, naming the variable and the hook.
    pub message: String,
}

/// A variable an event kind needs: whether it is fatal to miss it, and what for.
struct Need {
    variable: &'static str,
    fatal: bool,
    what: &'static str,
}

const fn need(variable: &'static str, fatal: bool, what: &'static str) -> Need {
    Need {
        variable,
        fatal,
        what,
    }
}

const RELATION: Need = need("JUJU_RELATION", true, "the relation's endpoint");
const RELATION_ID: Need = need("JUJU_RELATION_ID", true, "the relation's id");
const REMOTE_APP: Need = need(
    "JUJU_REMOTE_APP",
    false,
    "the remote application is unknown (the event's app is None)",
);
const REMOTE_UNIT: Need = need(
    "JUJU_REMOTE_UNIT",
    false,
    "the remote unit is unknown (the event's unit is None)",
);
const SECRET_ID: Need = need("JUJU_SECRET_ID", true, "the secret's id");
const SECRET_REVISION: Need = need(
    "JUJU_SECRET_REVISION",
    false,
    "the revision is unknown (remove_revision() will fail)",
);
const WORKLOAD: Need = need("JUJU_WORKLOAD_NAME", true, "the container's name");

const DEPARTING_UNIT: Need = need(
    "JUJU_DEPARTING_UNIT",
    false,
    "the departing unit is unknown (the event's departing unit is None)",
);
const STORAGE_ID: Need = need("JUJU_STORAGE_ID", true, "the storage's id (NAME/N)");
const NOTICE_ID: Need = need("JUJU_NOTICE_ID", true, "the notice's id");
const NOTICE_TYPE: Need = need("JUJU_NOTICE_TYPE", true, "the notice's type");
const NOTICE_KEY: Need = need("JUJU_NOTICE_KEY", true, "the notice's key");
const CHECK_NAME: Need = need("JUJU_PEBBLE_CHECK_NAME", true, "the check's name");
const ACTION_NAME: Need = need(
    "JUJU_ACTION_NAME",
    false,
    "the action is known from JUJU_DISPATCH_PATH only",
);
const ACTION_UUID: Need = need(
    "JUJU_ACTION_UUID",
    false,
    "the action's id is unknown (Action::id is empty)",
);

/// What each kind of event needs from the environment: Juju's hook contexts, as Python
/// `ops.JujuContext.from_environ` lists them.
fn needs(kind: EventKind) -> &'static [Need] {
    use EventKind::*;
    match kind {
        // An application databag change has no remote unit.
        RelationCreated | RelationChanged | RelationBroken => &[RELATION, RELATION_ID, REMOTE_APP],
        RelationJoined => &[RELATION, RELATION_ID, REMOTE_APP, REMOTE_UNIT],
        RelationDeparted => &[
            RELATION,
            RELATION_ID,
            REMOTE_APP,
            REMOTE_UNIT,
            DEPARTING_UNIT,
        ],
        SecretChanged | SecretRotate => &[SECRET_ID],
        SecretRemove | SecretExpired => &[SECRET_ID, SECRET_REVISION],
        StorageAttached | StorageDetaching => &[STORAGE_ID],
        PebbleReady => &[WORKLOAD],
        PebbleCustomNotice => &[WORKLOAD, NOTICE_ID, NOTICE_TYPE, NOTICE_KEY],
        PebbleCheckFailed | PebbleCheckRecovered => &[WORKLOAD, CHECK_NAME],
        Action => &[ACTION_NAME, ACTION_UUID],
        _ => &[],
    }
}

/// The `JUJU_*` variables `ops` reads and checks.
const READ: &[&str] = &[
    "JUJU_DISPATCH_PATH",
    "JUJU_HOOK_NAME",
    "JUJU_MODEL_NAME",
    "JUJU_MODEL_UUID",
    "JUJU_UNIT_NAME",
    "JUJU_VERSION",
    "JUJU_CHARM_DIR",
    "JUJU_AVAILABILITY_ZONE",
    "JUJU_MACHINE_ID",
    "JUJU_PRINCIPAL_UNIT",
    "JUJU_DEBUG_AT",
    "JUJU_ACTION_NAME",
    "JUJU_ACTION_UUID",
    "JUJU_RELATION",
    "JUJU_RELATION_ID",
    "JUJU_REMOTE_APP",
    "JUJU_REMOTE_UNIT",
    "JUJU_DEPARTING_UNIT",
    "JUJU_WORKLOAD_NAME",
    "JUJU_NOTICE_ID",
    "JUJU_NOTICE_TYPE",
    "JUJU_NOTICE_KEY",
    "JUJU_PEBBLE_CHECK_NAME",
    "JUJU_SECRET_ID",
    "JUJU_SECRET_LABEL",
    "JUJU_SECRET_REVISION",
    "JUJU_STORAGE_ID",
];

/// `endpoint:N` or `N` → N.
fn parse_relation_id(id: &str) -> Option<u64> {
    id.rsplit(':').next()?.trim().parse().ok()
}

/// `name/N` → (name, N).
fn parse_storage_id(id: &str) -> Option<(&str, u32)> {
    let (name, index) = id.rsplit_once('/')?;
    Some((name, index.parse().ok()?))
}

/// `app/N`, the app part non-empty.
fn is_unit_name(name: &str) -> bool {
    name.split_once('/').is_some_and(|(app, n)| {
        !app.is_empty()
            && !app.contains('/')
            && !n.is_empty()
            && n.bytes().all(|b| b.is_ascii_digit())
    })
}

/// `MAJOR.MINOR` then anything (`3.6.1`, `3.6-beta2`, `2.9.42.1`).
fn is_juju_version(version: &str) -> bool {
    let digits = |part: &str| !part.is_empty() && part.bytes().all(|b| b.is_ascii_digit());
    let mut parts = version.splitn(2, '.');
    let major = parts.next().unwrap_or_default();
    let minor: String = parts
        .next()
        .unwrap_or_default()
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    digits(major) && digits(&minor)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx(vars: &[(&str, &str)]) -> JujuContext {
        JujuContext::from_vars(vars.iter().map(|(k, v)| (k.to_string(), v.to_string())))
    }

    #[test]
    fn reads_every_variable() {
        let c = ctx(&[
            ("JUJU_DISPATCH_PATH", "hooks/db-relation-departed"),
            ("JUJU_HOOK_NAME", "db-relation-departed"),
            ("JUJU_MODEL_NAME", "dev"),
            ("JUJU_MODEL_UUID", "a1b2"),
            ("JUJU_UNIT_NAME", "demo/3"),
            ("JUJU_VERSION", "3.6.1"),
            ("JUJU_CHARM_DIR", "/var/lib/juju/agents/unit-demo-3/charm"),
            ("JUJU_AVAILABILITY_ZONE", "zone-a"),
            ("JUJU_MACHINE_ID", "7"),
            ("JUJU_PRINCIPAL_UNIT", "main/0"),
            ("JUJU_DEBUG", ""),
            ("JUJU_DEBUG_AT", "all, hook ,"),
            ("JUJU_ACTION_NAME", "backup"),
            ("JUJU_ACTION_UUID", "42"),
            ("JUJU_RELATION", "db"),
            ("JUJU_RELATION_ID", "db:12"),
            ("JUJU_REMOTE_APP", "postgresql"),
            ("JUJU_REMOTE_UNIT", "postgresql/1"),
            ("JUJU_DEPARTING_UNIT", "postgresql/2"),
            ("JUJU_WORKLOAD_NAME", "workload"),
            ("JUJU_NOTICE_ID", "123"),
            ("JUJU_NOTICE_TYPE", "custom"),
            ("JUJU_NOTICE_KEY", "example.com/a"),
            ("JUJU_PEBBLE_CHECK_NAME", "http-ready"),
            ("JUJU_SECRET_ID", "secret:abc"),
            ("JUJU_SECRET_LABEL", "db-pass"),
            ("JUJU_SECRET_REVISION", "5"),
            ("JUJU_STORAGE_ID", "data/4"),
            ("PATH", "/usr/bin"),
        ]);
        assert_eq!(c.dispatch_path, "hooks/db-relation-departed");
        assert_eq!(c.hook_name, "db-relation-departed");
        assert_eq!(c.model_name, "dev");
        assert_eq!(c.model_uuid, "a1b2");
        assert_eq!(c.unit_name, "demo/3");
        assert_eq!(c.app_name(), "demo");
        assert_eq!(c.version, "3.6.1");
        assert_eq!(
            c.charm_dir,
            PathBuf::from("/var/lib/juju/agents/unit-demo-3/charm")
        );
        assert_eq!(c.availability_zone.as_deref(), Some("zone-a"));
        assert_eq!(c.machine_id.as_deref(), Some("7"));
        assert_eq!(c.principal_unit.as_deref(), Some("main/0"));
        assert!(c.debug);
        assert_eq!(c.debug_at, vec!["all".to_string(), "hook".to_string()]);
        assert_eq!(c.action_name.as_deref(), Some("backup"));
        assert_eq!(c.action_uuid.as_deref(), Some("42"));
        assert_eq!(c.relation_name.as_deref(), Some("db"));
        assert_eq!(c.relation_id, Some(12));
        assert_eq!(c.remote_app.as_deref(), Some("postgresql"));
        assert_eq!(c.remote_unit.as_deref(), Some("postgresql/1"));
        assert_eq!(c.departing_unit.as_deref(), Some("postgresql/2"));
        assert_eq!(c.workload_name.as_deref(), Some("workload"));
        assert_eq!(c.notice_id.as_deref(), Some("123"));
        assert_eq!(c.notice_type.as_deref(), Some("custom"));
        assert_eq!(c.notice_key.as_deref(), Some("example.com/a"));
        assert_eq!(c.pebble_check_name.as_deref(), Some("http-ready"));
        assert_eq!(c.secret_id.as_deref(), Some("secret:abc"));
        assert_eq!(c.secret_label.as_deref(), Some("db-pass"));
        assert_eq!(c.secret_revision, Some(5));
        assert_eq!(c.storage_id.as_deref(), Some("data/4"));
        assert_eq!(c.storage(), Some(("data", 4)));
    }

    #[test]
    fn empty_and_absent_variables_are_none() {
        let c = ctx(&[
            ("JUJU_DISPATCH_PATH", "hooks/install"),
            ("JUJU_RELATION", ""),
            ("JUJU_RELATION_ID", ""),
            ("JUJU_REMOTE_APP", ""),
            ("JUJU_SECRET_REVISION", ""),
            ("JUJU_DEBUG_AT", ""),
            ("JUJU_VERSION", ""),
            ("JUJU_ACTION_UUID", ""),
        ]);
        assert_eq!(c.relation_name, None);
        assert_eq!(c.relation_id, None);
        assert_eq!(c.remote_app, None);
        assert_eq!(c.remote_unit, None);
        assert_eq!(c.secret_revision, None);
        assert_eq!(c.action_uuid, None);
        assert!(c.debug_at.is_empty());
        assert!(!c.debug);
        assert_eq!(c.version, "0.0.0");
        assert_eq!(c.hook_name, "");
        assert_eq!(c.storage(), None);
    }

    #[test]
    fn relation_id_forms_and_bad_numbers() {
        assert_eq!(ctx(&[("JUJU_RELATION_ID", "7")]).relation_id, Some(7));
        assert_eq!(ctx(&[("JUJU_RELATION_ID", "peers:0")]).relation_id, Some(0));
        assert_eq!(ctx(&[("JUJU_RELATION_ID", "db:x")]).relation_id, None);
        assert_eq!(ctx(&[("JUJU_SECRET_REVISION", "-1")]).secret_revision, None);
        assert_eq!(ctx(&[("JUJU_STORAGE_ID", "data/x")]).storage(), None);
    }

    #[test]
    fn garbage_values_read_as_absent_never_panic() {
        let ids = [
            "db:-1",
            "-1",
            "db:18446744073709551616",
            "db:",
            ":",
            "db:0x10",
            "db:1.5",
            "db:１２",
            "",
            " ",
        ];
        for id in ids {
            assert_eq!(ctx(&[("JUJU_RELATION_ID", id)]).relation_id, None, "{id:?}");
        }
        assert_eq!(
            ctx(&[("JUJU_RELATION_ID", "a:b:c: 18446744073709551615 ")]).relation_id,
            Some(u64::MAX)
        );
        for revision in ["-1", "18446744073709551616", "1e3", "x", "٣"] {
            let c = ctx(&[("JUJU_SECRET_REVISION", revision)]);
            assert_eq!(c.secret_revision, None, "{revision:?}");
        }
        for storage in [
            "data/-1",
            "data/4294967296",
            "data/",
            "/",
            "data",
            "data/1/x",
        ] {
            let c = ctx(&[("JUJU_STORAGE_ID", storage)]);
            assert_eq!(c.storage(), None, "{storage:?}");
        }
        assert_eq!(
            ctx(&[("JUJU_STORAGE_ID", "a/b/7")]).storage(),
            Some(("a/b", 7))
        );
        for unit in ["", "/", "app", "/0", "app/0/1", "é/ü"] {
            let c = ctx(&[("JUJU_UNIT_NAME", unit), ("JUJU_REMOTE_UNIT", unit)]);
            let app = unit.split_once('/').map_or(unit, |(a, _)| a);
            assert_eq!(c.app_name(), app, "{unit:?}");
        }
        let c = ctx(&[("JUJU_DEBUG_AT", ",,, ,"), ("JUJU_VERSION", "\u{0}")]);
        assert!(c.debug_at.is_empty());
        assert_eq!(c.version, "\u{0}");
    }

    #[test]
    fn variables_that_are_not_utf8_read_as_absent() {
        use std::ffi::OsString;
        use std::os::unix::ffi::OsStringExt;
        let bytes = |b: &[u8]| OsString::from_vec(b.to_vec());
        let vars = vec![
            (bytes(b"JUJU_DISPATCH_PATH"), bytes(b"hooks/\xff\xfe")),
            (bytes(b"JUJU_UNIT_NAME"), bytes(b"demo/0")),
            (bytes(b"JUJU_RELATION_ID"), bytes(b"db:\x80")),
            (bytes(b"JUJU_\xffODD"), bytes(b"x")),
        ];
        let c = JujuContext::from_vars(utf8_vars(vars));
        assert_eq!(c.dispatch_path, "");
        assert_eq!(c.unit_name, "demo/0");
        assert_eq!(c.relation_id, None);
    }

    #[test]
    fn remote_app_defaults_to_the_remote_units_prefix() {
        let c = ctx(&[("JUJU_REMOTE_UNIT", "mysql/2")]);
        assert_eq!(c.remote_app.as_deref(), Some("mysql"));
        let c = ctx(&[
            ("JUJU_REMOTE_UNIT", "mysql/2"),
            ("JUJU_REMOTE_APP", "other"),
        ]);
        assert_eq!(c.remote_app.as_deref(), Some("other"));
    }

    #[test]
    fn an_unset_charm_dir_is_empty_not_the_working_directory() {
        assert_eq!(ctx(&[]).charm_dir, PathBuf::new());
    }

    fn problems(vars: &[(&str, &[u8])]) -> Vec<String> {
        use std::os::unix::ffi::OsStringExt;
        JujuContext::problems_in(vars.iter().map(|(k, v)| {
            (
                std::ffi::OsString::from(k),
                std::ffi::OsString::from_vec(v.to_vec()),
            )
        }))
    }

    #[test]
    fn malformed_values_are_reported_with_the_variable_and_the_value() {
        assert_eq!(
            problems(&[("JUJU_RELATION_ID", b"abc")]),
            ["JUJU_RELATION_ID=\"abc\" is not a relation id (ENDPOINT:N or N)"]
        );
        assert_eq!(
            problems(&[
                ("JUJU_UNIT_NAME", b"demo"),
                ("JUJU_REMOTE_UNIT", b"db/x"),
                ("JUJU_SECRET_REVISION", b"-1"),
                ("JUJU_STORAGE_ID", b"data"),
                ("JUJU_VERSION", b"three"),
                ("JUJU_MODEL_NAME", b"\xff"),
                ("JUJU_UNRELATED", b"\xff"),
                ("PATH", b"\xff"),
            ]),
            [
                "JUJU_MODEL_NAME=\"\\xFF\" is not UTF-8",
                "JUJU_REMOTE_UNIT=\"db/x\" is not a unit name (APP/N)",
                "JUJU_SECRET_REVISION=\"-1\" is not a secret revision (a number)",
                "JUJU_STORAGE_ID=\"data\" is not a storage id (NAME/N)",
                "JUJU_UNIT_NAME=\"demo\" is not a unit name (APP/N)",
                "JUJU_VERSION=\"three\" is not a Juju version (MAJOR.MINOR...)",
            ]
        );
        let good: &[(&str, &[u8])] = &[
            ("JUJU_RELATION_ID", b"db:12"),
            ("JUJU_RELATION_ID", b"7"),
            ("JUJU_UNIT_NAME", b"demo/0"),
            ("JUJU_VERSION", b"3.6.1"),
            ("JUJU_VERSION", b"3.6-beta2"),
            ("JUJU_VERSION", b"2.9.42.1"),
            ("JUJU_STORAGE_ID", b"data/4"),
            ("JUJU_SECRET_REVISION", b"5"),
            ("JUJU_RELATION_ID", b""),
        ];
        for var in good {
            assert_eq!(problems(&[*var]), Vec::<String>::new(), "{var:?}");
        }
    }
}
