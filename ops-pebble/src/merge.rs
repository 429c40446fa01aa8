//! Pebble's layer merge rules (its `CombineLayers`), so a plan can be computed from layers
//! exactly as Pebble computes it.

use crate::types::{Check, Layer, LogTarget, Override, Plan, Service};
use crate::Error;
use std::collections::BTreeMap;

/// Failures in a row before a check is down, when its layers do not say.
const DEFAULT_CHECK_THRESHOLD: u32 = 3;

/// Combines layers in order, later ones over earlier ones, as Pebble does: each entry
/// needs `override`; `replace` swaps the entry, `merge` overlays the fields the new entry
/// sets (list fields append, map fields merge key by key). Summary and description come
/// from the last layer. An entry without `override` (or with an unknown one) is
/// [`Error::Format`].
pub fn combine_layers<'a>(layers: impl IntoIterator<Item = &'a Layer>) -> Result<Layer, Error> {
    let mut combined = Layer::default();
    for (index, layer) in layers.into_iter().enumerate() {
        combined.summary = layer.summary.clone();
        combined.description = layer.description.clone();
        combine_section(
            &mut combined.services,
            &layer.services,
            index,
            "service",
            |s| &s.override_,
            merge_service,
        )?;
        combine_section(
            &mut combined.checks,
            &layer.checks,
            index,
            "check",
            |c| &c.override_,
            merge_check,
        )?;
        combine_section(
            &mut combined.log_targets,
            &layer.log_targets,
            index,
            "log target",
            |t| &t.override_,
            merge_log_target,
        )?;
    }
    Ok(combined)
}

impl Plan {
    /// The plan Pebble computes from these layers (see [`combine_layers`]), written as
    /// Pebble writes it: durations in Go's form (`1h` → `1h0m0s`), and a check's
    /// `threshold` 3 when no layer sets it (the period, timeout and backoff defaults
    /// apply without showing in the plan).
    pub fn from_layers<'a>(layers: impl IntoIterator<Item = &'a Layer>) -> Result<Plan, Error> {
        let mut layer = combine_layers(layers)?;
        for service in layer.services.values_mut() {
            for d in [
                &mut service.backoff_delay,
                &mut service.backoff_limit,
                &mut service.kill_delay,
            ] {
                normalise_duration(d);
            }
        }
        for check in layer.checks.values_mut() {
            check.threshold.get_or_insert(DEFAULT_CHECK_THRESHOLD);
            normalise_duration(&mut check.period);
            normalise_duration(&mut check.timeout);
        }
        Ok(Plan {
            services: layer.services,
            checks: layer.checks,
            log_targets: layer.log_targets,
        })
    }
}

/// Rewrites a Go duration in Go's own form (`90s` → `1m30s`); leaves what does not parse.
fn normalise_duration(duration: &mut Option<String>) {
    if let Some(d) = duration.as_deref().and_then(crate::parse_go_duration) {
        *duration = Some(crate::format_go_duration(d));
    }
}

fn combine_section<T: Clone>(
    combined: &mut BTreeMap<String, T>,
    new: &BTreeMap<String, T>,
    index: usize,
    what: &str,
    override_of: impl Fn(&T) -> &Option<Override>,
    merge: impl Fn(&mut T, &T),
) -> Result<(), Error> {
    for (name, entry) in new {
        match override_of(entry) {
            Some(Override::Merge) => match combined.get_mut(name) {
                Some(old) => merge(old, entry),
                None => {
                    combined.insert(name.clone(), entry.clone());
                }
            },
            Some(Override::Replace) => {
                combined.insert(name.clone(), entry.clone());
            }
            None => {
                return Err(Error::Format(format!(
                    "layer {} must define \"override\" for {what} {name:?}",
                    index + 1
                )))
            }
            Some(Override::Other(value)) => {
                return Err(Error::Format(format!(
                    "layer {} has invalid \"override\" value {value:?} for {what} {name:?}",
                    index + 1
                )))
            }
        }
    }
    Ok(())
}

fn set_string(old: &mut String, new: &str) {
    if !new.is_empty() {
        *old = new.to_string();
    }
}

fn set_option<T: Clone>(old: &mut Option<T>, new: &Option<T>) {
    if new.is_some() {
        old.clone_from(new);
    }
}

fn merge_map<V: Clone>(old: &mut BTreeMap<String, V>, new: &BTreeMap<String, V>) {
    for (k, v) in new {
        old.insert(k.clone(), v.clone());
    }
}

fn merge_service(old: &mut Service, new: &Service) {
    set_string(&mut old.summary, &new.summary);
    set_string(&mut old.description, &new.description);
    set_option(&mut old.startup, &new.startup);
    set_string(&mut old.command, &new.command);
    set_option(&mut old.kill_delay, &new.kill_delay);
    set_option(&mut old.user_id, &new.user_id);
    set_string(&mut old.user, &new.user);
    set_option(&mut old.group_id, &new.group_id);
    set_string(&mut old.group, &new.group);
    set_string(&mut old.working_dir, &new.working_dir);
    old.after.extend(new.after.iter().cloned());
    old.before.extend(new.before.iter().cloned());
    old.requires.extend(new.requires.iter().cloned());
    set_string(&mut old.workload, &new.workload);
    merge_map(&mut old.environment, &new.environment);
    set_option(&mut old.on_success, &new.on_success);
    set_option(&mut old.on_failure, &new.on_failure);
    merge_map(&mut old.on_check_failure, &new.on_check_failure);
    set_option(&mut old.backoff_delay, &new.backoff_delay);
    set_option(&mut old.backoff_factor, &new.backoff_factor);
    set_option(&mut old.backoff_limit, &new.backoff_limit);
}

fn merge_check(old: &mut Check, new: &Check) {
    set_option(&mut old.level, &new.level);
    set_option(&mut old.startup, &new.startup);
    set_option(&mut old.period, &new.period);
    set_option(&mut old.timeout, &new.timeout);
    if new.threshold.unwrap_or(0) != 0 {
        old.threshold = new.threshold;
    }
    if let Some(http) = &new.http {
        let o = old.http.get_or_insert_with(Default::default);
        set_string(&mut o.url, &http.url);
        merge_map(&mut o.headers, &http.headers);
    }
    if let Some(tcp) = &new.tcp {
        let o = old.tcp.get_or_insert_with(Default::default);
        if tcp.port.unwrap_or(0) != 0 {
            o.port = tcp.port;
        }
        set_string(&mut o.host, &tcp.host);
    }
    if let Some(exec) = &new.exec {
        let o = old.exec.get_or_insert_with(Default::default);
        set_string(&mut o.command, &exec.command);
        set_string(&mut o.service_context, &exec.service_context);
        merge_map(&mut o.environment, &exec.environment);
        set_option(&mut o.user_id, &exec.user_id);
        set_string(&mut o.user, &exec.user);
        set_option(&mut o.group_id, &exec.group_id);
        set_string(&mut o.group, &exec.group);
        set_string(&mut o.working_dir, &exec.working_dir);
    }
}

fn merge_log_target(old: &mut LogTarget, new: &LogTarget) {
    set_option(&mut old.type_, &new.type_);
    set_string(&mut old.location, &new.location);
    old.services.extend(new.services.iter().cloned());
    merge_map(&mut old.labels, &new.labels);
}
