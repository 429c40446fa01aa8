//! The consistency checker: rejects a [`State`] (and event) that contradicts the charm's
//! metadata or Juju's rules, before the charm runs. Each message names the field.

use super::context::{Event, Settings};
use super::state::{RelationKind, State};
use crate::event::{EventData, EventKind};
use crate::meta::{ActionMeta, CharmMeta, ConfigKind, ParamMeta, RelationRole, RelationScope};
use crate::model::JujuVersion;
use serde_json::Value;
use std::collections::BTreeSet;

/// Every inconsistency between `meta`, the context `settings`, `state` and `event`.
pub(crate) fn check(
    meta: &CharmMeta,
    observers: fn(&EventData) -> Vec<String>,
    settings: &Settings,
    state: &State,
    event: &Event,
) -> Vec<String> {
    let mut errors = Vec::new();
    if settings.juju_version_text.parse::<JujuVersion>().is_err() {
        errors.push(format!(
            "Context juju_version {:?} is not a Juju version",
            settings.juju_version_text
        ));
    }
    check_config(meta, settings, state, &mut errors);
    check_containers(meta, state, &mut errors);
    check_relations(meta, settings, state, &mut errors);
    check_storages(meta, state, &mut errors);
    check_resources(meta, state, &mut errors);
    check_networks(meta, state, &mut errors);
    check_secrets(settings, state, &mut errors);
    check_event(meta, settings, state, event, &mut errors);
    check_deferred(observers, state, &mut errors);
    check_custom(observers, "event", &event.data, &mut errors);
    for (i, deferred) in state.deferred.iter().enumerate() {
        check_custom(
            observers,
            &format!("State.deferred[{i}]"),
            &deferred.event,
            &mut errors,
        );
    }
    errors
}

/// A custom event (of a library, or the charm's own) names an event the charm's code
/// observes and carries a payload: a misspelled library path or event name, or a missing
/// payload, is a test mistake, not an event nobody listens to.
fn check_custom(
    observers: fn(&EventData) -> Vec<String>,
    field: &str,
    data: &EventData,
    errors: &mut Vec<String>,
) {
    if data.kind != EventKind::Custom {
        return;
    }
    let label = crate::framework::event_label(data);
    if data.custom.is_none() {
        errors.push(format!(
            "{field}: a custom event needs its name (EventData.custom)"
        ));
    } else if data.payload.is_none() {
        errors.push(format!("{field}: the custom event {label} has no payload"));
    } else if observers(data).is_empty() {
        errors.push(format!(
            "{field}: no handler observes the custom event {label} (a library event is named by the library's field path, `db`; the charm's own by no path)"
        ));
    }
}

fn is_secret_uri(text: &str) -> bool {
    let Some(rest) = text.strip_prefix("secret:") else {
        return false;
    };
    let tail = rest.rsplit('/').next().unwrap_or(rest);
    tail.len() == 20 && tail.chars().all(|c| c.is_ascii_alphanumeric())
}

fn check_config(meta: &CharmMeta, settings: &Settings, state: &State, errors: &mut Vec<String>) {
    for (key, value) in &state.config {
        let Some(option) = meta.config_option(key) else {
            let declared: Vec<&str> = meta.config.iter().map(|o| o.name).collect();
            errors.push(format!(
                "State.config: option {key:?} is not declared in config.options (declared: {declared:?})"
            ));
            continue;
        };
        let ok = match option.kind {
            ConfigKind::String => value.is_string(),
            ConfigKind::Int => value.is_i64() || value.is_u64(),
            ConfigKind::Float => value.is_number(),
            ConfigKind::Boolean => value.is_boolean(),
            ConfigKind::Secret => value.as_str().is_some_and(is_secret_uri),
        };
        if !ok {
            let expected = match option.kind {
                ConfigKind::String => "a string",
                ConfigKind::Int => "an integer",
                ConfigKind::Float => "a number",
                ConfigKind::Boolean => "a boolean",
                ConfigKind::Secret => "a secret URI (secret:<20 alphanumerics>)",
            };
            errors.push(format!(
                "State.config: option {key:?} is declared as {:?} and needs {expected}, got {value}",
                option.kind
            ));
        }
        if option.kind == ConfigKind::Secret && settings.juju_version < JujuVersion::new(3, 4, 0) {
            errors.push(format!(
                "State.config: secret option {key:?} needs Juju >= 3.4 (Context juju_version is {})",
                settings.juju_version_text
            ));
        }
    }
}

fn check_containers(meta: &CharmMeta, state: &State, errors: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    for container in &state.containers {
        if !seen.insert(container.name.as_str()) {
            errors.push(format!(
                "State.containers: container {:?} appears twice",
                container.name
            ));
        }
        if meta.container(&container.name).is_none() {
            errors.push(format!(
                "State.containers: container {:?} is not declared in the metadata's containers",
                container.name
            ));
        }
        let mut prefixes = BTreeSet::new();
        for exec in &container.execs {
            if !prefixes.insert(exec.prefix.clone()) {
                errors.push(format!(
                    "State.containers[{:?}].execs: prefix {:?} is given twice",
                    container.name, exec.prefix
                ));
            }
        }
        let plan = match container.plan() {
            Ok(plan) => Some(plan),
            Err(e) => {
                errors.push(format!(
                    "State.containers[{:?}].layers: {e}",
                    container.name
                ));
                None
            }
        };
        if let Some(plan) = plan {
            for info in &container.check_infos {
                match plan.checks.get(&info.name) {
                    None => errors.push(format!(
                        "State.containers[{:?}].check_infos: check {:?} is not in the plan (add a layer that defines it)",
                        container.name, info.name
                    )),
                    Some(check) => {
                        if let (Some(a), Some(b)) = (&info.level, &check.level) {
                            if a != b {
                                errors.push(format!(
                                    "State.containers[{:?}].check_infos[{:?}]: level {a} differs from the plan's {b}",
                                    container.name, info.name
                                ));
                            }
                        }
                        let threshold = u64::from(check.threshold.unwrap_or(3));
                        if info.threshold != threshold {
                            errors.push(format!(
                                "State.containers[{:?}].check_infos[{:?}]: threshold {} differs from the plan's {threshold}",
                                container.name, info.name, info.threshold
                            ));
                        }
                    }
                }
            }
        }
    }
}

fn check_relations(meta: &CharmMeta, settings: &Settings, state: &State, errors: &mut Vec<String>) {
    let mut ids = BTreeSet::new();
    for rel in &state.relations {
        let what = format!("State.relations[{:?} id {}]", rel.endpoint, rel.id);
        if !ids.insert(rel.id) {
            errors.push(format!("{what}: relation id {} is used twice", rel.id));
        }
        let Some(rmeta) = meta.relation(&rel.endpoint) else {
            let declared: Vec<&str> = meta.relations.iter().map(|r| r.name).collect();
            errors.push(format!(
                "{what}: endpoint {:?} is not declared in requires, provides or peers (declared: {declared:?})",
                rel.endpoint
            ));
            continue;
        };
        let is_peer = rmeta.role == RelationRole::Peer;
        match (is_peer, rel.kind) {
            (true, RelationKind::Peer)
            | (false, RelationKind::Regular | RelationKind::Subordinate) => {}
            (true, _) => errors.push(format!(
                "{what}: endpoint {:?} is a peer endpoint: use Relation::peer",
                rel.endpoint
            )),
            (false, _) => errors.push(format!(
                "{what}: endpoint {:?} is not a peer endpoint: Relation::peer is only for `peers`",
                rel.endpoint
            )),
        }
        if !is_peer {
            match (rmeta.scope == RelationScope::Container, rel.kind) {
                (true, RelationKind::Regular) => errors.push(format!(
                    "{what}: endpoint {:?} has `scope: container`: use Relation::subordinate",
                    rel.endpoint
                )),
                (false, RelationKind::Subordinate) => errors.push(format!(
                    "{what}: endpoint {:?} is not `scope: container`: use Relation::new",
                    rel.endpoint
                )),
                _ => {}
            }
        }
        if let Some(interface) = &rel.interface {
            if interface != rmeta.interface {
                errors.push(format!(
                    "{what}: interface {interface:?} differs from the metadata's {:?}",
                    rmeta.interface
                ));
            }
        }
        if rel.kind == RelationKind::Subordinate && rel.remote_units_data.len() != 1 {
            errors.push(format!(
                "{what}: a subordinate relation has exactly one remote unit, got {}",
                rel.remote_units_data.len()
            ));
        }
        if rel.kind == RelationKind::Peer && rel.remote_units_data.contains_key(&settings.unit_id) {
            errors.push(format!(
                "{what}: peer data should only hold the other units, not this unit ({}): use local_unit_data",
                settings.unit_id
            ));
        }
        if rel.kind == RelationKind::Peer && !rel.remote_app_data.is_empty() {
            errors.push(format!(
                "{what}: a peer relation's application databag is local_app_data, not remote_app_data"
            ));
        }
    }
}

fn check_storages(meta: &CharmMeta, state: &State, errors: &mut Vec<String>) {
    let mut seen = BTreeSet::new();
    for storage in &state.storages {
        if meta.storage(&storage.name).is_none() {
            errors.push(format!(
                "State.storages: storage {:?} is not declared in the metadata's storage",
                storage.name
            ));
        }
        if !seen.insert((storage.name.as_str(), storage.index)) {
            errors.push(format!(
                "State.storages: storage {} appears twice",
                storage.full_id()
            ));
        }
    }
    for smeta in meta.storages {
        let count = state
            .storages
            .iter()
            .filter(|s| s.name == smeta.name)
            .count();
        if count > 1 && smeta.multiple.is_none() {
            errors.push(format!(
                "State.storages: storage {:?} has {count} instances but is not `multiple`",
                smeta.name
            ));
        }
    }
}

fn check_resources(meta: &CharmMeta, state: &State, errors: &mut Vec<String>) {
    for name in state.resources.keys() {
        if meta.resource(name).is_none() {
            errors.push(format!(
                "State.resources: resource {name:?} is not declared in the metadata's resources"
            ));
        }
    }
}

fn check_networks(meta: &CharmMeta, state: &State, errors: &mut Vec<String>) {
    for binding in state.networks.keys() {
        let ok = binding == "juju-info"
            || meta.extra_bindings.contains(&binding.as_str())
            || meta
                .relation(binding)
                .is_some_and(|r| r.scope != RelationScope::Container);
        if !ok {
            errors.push(format!(
                "State.networks: binding {binding:?} is not an extra binding, a non-subordinate endpoint or juju-info"
            ));
        }
    }
}

fn check_secrets(settings: &Settings, state: &State, errors: &mut Vec<String>) {
    if !state.secrets.is_empty() && settings.juju_version < JujuVersion::new(3, 0, 2) {
        errors.push(format!(
            "State.secrets: secrets need Juju >= 3.0.2 (Context juju_version is {})",
            settings.juju_version_text
        ));
    }
    let mut ids = BTreeSet::new();
    for secret in &state.secrets {
        if !ids.insert(secret.id.as_str()) {
            errors.push(format!("State.secrets: secret {} appears twice", secret.id));
        }
        if secret.latest_revision < secret.tracked_revision {
            errors.push(format!(
                "State.secrets[{}]: latest revision {} is older than the tracked {}",
                secret.id, secret.latest_revision, secret.tracked_revision
            ));
        }
    }
}

/// Checks `params` as Juju does before it runs `action`: every param it declares
/// validated against its JSON schema ([`super::schema`]), `required` ones present, and
/// no undeclared one when `additionalProperties` is false. Each error starts with
/// `prefix`.
pub(crate) fn check_action_params(
    action: &ActionMeta,
    params: &serde_json::Map<String, Value>,
    prefix: &str,
    errors: &mut Vec<String>,
) {
    let name = action.name;
    for (key, value) in params {
        match action.params.iter().find(|p| p.name == key) {
            None if !action.additional_properties => errors.push(format!(
                "{prefix}action {name:?} has no param {key:?} (and additionalProperties is false)"
            )),
            None => {}
            Some(param) => super::schema::validate(
                &param_schema(param),
                value,
                &format!("{prefix}action {name:?} param {key:?}"),
                errors,
            ),
        }
    }
    for param in action.params.iter().filter(|p| p.required) {
        if !params.contains_key(param.name) {
            errors.push(format!(
                "{prefix}action {name:?} needs param {:?} (required)",
                param.name
            ));
        }
    }
}

/// The JSON schema of `param`: the whole one the macro kept, else one from its type and
/// `enum` (metadata written by hand).
fn param_schema(param: &ParamMeta) -> Value {
    if let Ok(schema) = serde_json::from_str::<Value>(param.schema) {
        return schema;
    }
    let mut schema = serde_json::Map::new();
    if !param.kind.is_empty() {
        schema.insert("type".into(), Value::String(param.kind.into()));
    }
    if !param.enum_values.is_empty() {
        let values = param
            .enum_values
            .iter()
            .filter_map(|text| serde_json::from_str(text).ok())
            .collect();
        schema.insert("enum".into(), Value::Array(values));
    }
    Value::Object(schema)
}

fn check_event(
    meta: &CharmMeta,
    settings: &Settings,
    state: &State,
    event: &Event,
    errors: &mut Vec<String>,
) {
    let data = &event.data;
    let name = data.name.as_deref();
    match data.kind {
        EventKind::RelationCreated
        | EventKind::RelationJoined
        | EventKind::RelationChanged
        | EventKind::RelationDeparted
        | EventKind::RelationBroken => {
            let Some(name) = name else {
                errors.push("event: a relation event needs the endpoint name".into());
                return;
            };
            if meta.relation(name).is_none() {
                errors.push(format!(
                    "event: relation endpoint {name:?} is not declared in the metadata"
                ));
            }
            let rel = data.relation_id.and_then(|id| state.get_relation(id));
            match rel {
                None => errors.push(format!(
                    "event: relation {name:?} id {:?} is not in State.relations",
                    data.relation_id
                )),
                Some(rel) if rel.endpoint != name => errors.push(format!(
                    "event: relation id {} is on endpoint {:?}, not {name:?}",
                    rel.id, rel.endpoint
                )),
                Some(rel) => {
                    let needs_unit = matches!(
                        data.kind,
                        EventKind::RelationJoined | EventKind::RelationDeparted
                    );
                    if needs_unit && data.remote_unit.is_none() {
                        errors.push(format!(
                            "event: {} needs a remote unit, and relation {} has none (use .remote_unit(n))",
                            super::context::hook_name(data),
                            rel.id
                        ));
                    }
                    if let Some(unit) = &data.remote_unit {
                        let names = rel.remote_unit_names(&settings.app_name);
                        let departed = data.kind == EventKind::RelationDeparted;
                        if !names.contains(unit) && !departed {
                            errors.push(format!(
                                "event: remote unit {unit:?} is not in relation {} (units: {names:?})",
                                rel.id
                            ));
                        }
                    }
                }
            }
        }
        EventKind::StorageAttached | EventKind::StorageDetaching => {
            let Some(name) = name else {
                errors.push("event: a storage event needs the storage name".into());
                return;
            };
            if meta.storage(name).is_none() {
                errors.push(format!(
                    "event: storage {name:?} is not declared in the metadata"
                ));
            }
            let index = data.storage_index.unwrap_or(u32::MAX);
            if state.get_storage(name, index).is_none() {
                errors.push(format!(
                    "event: storage {name}/{index} is not in State.storages"
                ));
            }
        }
        EventKind::PebbleReady
        | EventKind::PebbleCustomNotice
        | EventKind::PebbleCheckFailed
        | EventKind::PebbleCheckRecovered => {
            let Some(name) = name else {
                errors.push("event: a Pebble event needs the container name".into());
                return;
            };
            if meta.container(name).is_none() {
                errors.push(format!(
                    "event: container {name:?} is not declared in the metadata"
                ));
            }
            let Some(container) = state.get_container(name) else {
                errors.push(format!(
                    "event: container {name:?} is not in State.containers"
                ));
                return;
            };
            if let Some(notice) = &data.notice {
                if !container.notices.iter().any(|n| n.id == notice.id) {
                    errors.push(format!(
                        "event: notice {:?} ({}) is not in State.containers[{name:?}].notices",
                        notice.id, notice.key
                    ));
                }
            }
            if let Some(check) = &data.check_name {
                if container.get_check_info(check).is_none() {
                    errors.push(format!(
                        "event: check {check:?} is not in State.containers[{name:?}].check_infos"
                    ));
                }
            }
        }
        EventKind::SecretChanged
        | EventKind::SecretExpired
        | EventKind::SecretRemove
        | EventKind::SecretRotate => {
            let Some(secret_ref) = &data.secret else {
                errors.push("event: a secret event needs the secret".into());
                return;
            };
            let Some(secret) = state.get_secret(Some(&secret_ref.id), None) else {
                errors.push(format!(
                    "event: secret {} is not in State.secrets (the unit cannot see it)",
                    secret_ref.id
                ));
                return;
            };
            let owned = secret.owner.is_some();
            match data.kind {
                EventKind::SecretChanged if owned => errors.push(format!(
                    "event: secret-changed is for observers, but this unit owns secret {}",
                    secret.id
                )),
                EventKind::SecretExpired | EventKind::SecretRemove | EventKind::SecretRotate
                    if !owned =>
                {
                    errors.push(format!(
                        "event: {} is for the owner, but secret {} has no owner in the State",
                        super::context::hook_name(data),
                        secret.id
                    ))
                }
                _ => {}
            }
        }
        EventKind::Action => {
            let Some(name) = name else {
                errors.push("event: an action event needs the action name".into());
                return;
            };
            let Some(action) = meta.action(name) else {
                let declared: Vec<&str> = meta.actions.iter().map(|a| a.name).collect();
                errors.push(format!(
                    "event: action {name:?} is not declared in actions (declared: {declared:?})"
                ));
                return;
            };
            check_action_params(action, &event.params, "event: ", errors);
        }
        EventKind::CollectAppStatus if !state.leader => {
            errors.push(
                "event: collect-app-status runs only on the leader (State.leader is false)".into(),
            );
        }
        _ => {}
    }
}

fn check_deferred(
    observers: fn(&EventData) -> Vec<String>,
    state: &State,
    errors: &mut Vec<String>,
) {
    for (i, deferred) in state.deferred.iter().enumerate() {
        let hook = super::context::hook_name(&deferred.event);
        if !deferred.event.kind.is_deferrable() {
            errors.push(format!(
                "State.deferred[{i}]: {hook} events cannot be deferred"
            ));
        } else if !observers(&deferred.event).contains(&deferred.handler) {
            errors.push(format!(
                "State.deferred[{i}]: no handler {} observes {hook} (handlers: {})",
                deferred.handler,
                observers(&deferred.event).join(", ")
            ));
        }
    }
}
