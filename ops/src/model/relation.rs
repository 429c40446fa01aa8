//! Relations: remote applications and units, databags read once per hook, writes
//! buffered and flushed once per databag, the access rules, and typed load/save.

use super::cache::BagKey;
use super::unit::{App, Unit};
use super::{ModelCore, Relation};
use crate::backend::Databag;
use crate::error::ModelError;
use crate::meta::{RelationMeta, RelationRole};
use serde::de::DeserializeOwned;
use serde::Serialize;
use std::collections::BTreeMap;

/// Whose databag in a relation: this unit's, this application's, the remote
/// application's, or a named unit's or application's.
///
/// A [`Unit`] or [`App`] handle converts into one, so `relation.data(&event_unit)` works.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Member<'a> {
    /// This unit's databag (readable and writable).
    ThisUnit,
    /// This application's databag (the leader reads and writes it; in a peer relation
    /// every unit reads it).
    ThisApp,
    /// The remote application's databag (read only; in a peer relation, this
    /// application's).
    RemoteApp,
    /// The databag of the unit with this name.
    Unit(&'a str),
    /// The databag of the application with this name.
    App(&'a str),
}

impl<'a> From<&'a Unit<'_>> for Member<'a> {
    fn from(unit: &'a Unit<'_>) -> Self {
        Member::Unit(unit.name())
    }
}

impl<'a> From<&'a App<'_>> for Member<'a> {
    fn from(app: &'a App<'_>) -> Self {
        Member::App(app.name())
    }
}

fn access(detail: String) -> ModelError {
    ModelError::RelationDataAccess(detail)
}

impl ModelCore {
    /// The id of the relation this hook breaks (`<endpoint>-relation-broken`), if any.
    pub fn broken_relation_id(&self) -> Option<u64> {
        if self.context.hook_name.ends_with("-relation-broken") {
            self.context.relation_id
        } else {
            None
        }
    }

    /// `relation-ids`, asked once per endpoint per hook (the broken relation included).
    fn relation_ids_cached(&self, endpoint: &str) -> Result<Vec<u64>, ModelError> {
        if let Some(ids) = self.cache.borrow().relation_ids.get(endpoint) {
            return Ok(ids.clone());
        }
        let ids = self.backend.relation_ids(endpoint)?;
        self.cache
            .borrow_mut()
            .relation_ids
            .insert(endpoint.to_string(), ids.clone());
        Ok(ids)
    }

    /// The relations of `endpoint` (what `relation-ids` lists), without the one this
    /// hook breaks.
    pub fn relations_of(&self, endpoint: &str) -> Result<Vec<Relation<'_>>, ModelError> {
        let broken = self.broken_relation_id();
        Ok(self
            .relation_ids_cached(endpoint)?
            .into_iter()
            .filter(|id| Some(*id) != broken)
            .map(|id| Relation::new(self, endpoint, id))
            .collect())
    }

    /// The one relation of `endpoint`, if any; more than one is
    /// [`ModelError::TooManyRelatedApps`].
    pub fn relation_one(&self, endpoint: &str) -> Result<Option<Relation<'_>>, ModelError> {
        let mut relations = self.relations_of(endpoint)?;
        match relations.len() {
            0 | 1 => Ok(relations.pop()),
            count => Err(ModelError::TooManyRelatedApps {
                endpoint: endpoint.to_string(),
                count,
            }),
        }
    }

    /// The relation `id` of endpoint `name` (a relation Juju no longer lists comes back
    /// inactive), or without an id the endpoint's one relation ([`relation_one`]).
    ///
    /// [`relation_one`]: ModelCore::relation_one
    pub fn get_relation(
        &self,
        name: &str,
        id: Option<u64>,
    ) -> Result<Option<Relation<'_>>, ModelError> {
        if self.meta.relation(name).is_none() {
            return Err(ModelError::Invalid {
                what: "relation endpoint",
                detail: format!("{name:?} is not declared in the charm's metadata"),
            });
        }
        match id {
            Some(id) => Ok(Some(Relation::new(self, name, id))),
            None => self.relation_one(name),
        }
    }

    /// Every declared endpoint's relations, the broken one left out.
    pub fn all_relations(&self) -> Result<BTreeMap<&'static str, Vec<Relation<'_>>>, ModelError> {
        let mut out = BTreeMap::new();
        for endpoint in self.meta.relations {
            out.insert(endpoint.name, self.relations_of(endpoint.name)?);
        }
        Ok(out)
    }

    /// Sends the relation writes buffered during the hook: one `relation-set` per changed
    /// databag, only keys whose value differs from what was read. The runtime calls this
    /// after the handlers succeed and before it commits; a failure fails the hook.
    pub fn flush_relation_writes(&self) -> Result<(), ModelError> {
        let pending = std::mem::take(&mut self.cache.borrow_mut().pending);
        let mut remaining = pending.into_iter();
        while let Some((key, mut changes)) = remaining.next() {
            if let Some(known) = self.cache.borrow().databags.get(&key) {
                changes.retain(|k, v| match known.get(k) {
                    Some(old) => old != v,
                    None => !v.is_empty(),
                });
            }
            if changes.is_empty() {
                continue;
            }
            if let Err(err) =
                self.backend
                    .relation_set_on(&key.endpoint, key.relation_id, &changes, key.app)
            {
                // Keep what was not sent, so a caller may retry.
                let mut cache = self.cache.borrow_mut();
                cache.pending.insert(key, changes);
                cache.pending.extend(remaining);
                return Err(err);
            }
            if let Some(bag) = self.cache.borrow_mut().databags.get_mut(&key) {
                apply(bag, &changes);
            }
        }
        Ok(())
    }

    /// Whether relation writes are waiting for [`flush_relation_writes`].
    ///
    /// [`flush_relation_writes`]: ModelCore::flush_relation_writes
    pub fn has_pending_relation_writes(&self) -> bool {
        !self.cache.borrow().pending.is_empty()
    }
}

/// Applies `changes` (`""` deletes) to `bag`.
fn apply(bag: &mut Databag, changes: &Databag) {
    for (k, v) in changes {
        if v.is_empty() {
            bag.remove(k);
        } else {
            bag.insert(k.clone(), v.clone());
        }
    }
}

impl<'m> Relation<'m> {
    /// The endpoint's metadata, if declared.
    pub fn meta(&self) -> Option<&'static RelationMeta> {
        self.core.meta.relation(&self.name)
    }

    /// Whether this is a peer relation.
    pub fn is_peer(&self) -> bool {
        self.meta().is_some_and(|m| m.role == RelationRole::Peer)
    }

    /// The model this relation belongs to.
    pub fn model(&self) -> &'m ModelCore {
        self.core
    }

    /// Whether the relation is alive: false in its own relation-broken hook, and when
    /// Juju no longer lists it.
    pub fn active(&self) -> Result<bool, ModelError> {
        let core = self.core;
        if core.broken_relation_id() == Some(self.id) {
            return Ok(false);
        }
        if self.remote_unit_names()?.is_none() {
            return Ok(false);
        }
        if core.context.relation_id == Some(self.id) {
            return Ok(true);
        }
        Ok(core.relation_ids_cached(&self.name)?.contains(&self.id))
    }

    /// `relation-list`, once per hook; `None` when the relation is gone.
    fn remote_unit_names(&self) -> Result<Option<Vec<String>>, ModelError> {
        let core = self.core;
        if let Some(units) = core.cache.borrow().relation_units.get(&self.id) {
            return Ok(units.clone());
        }
        let units = match core.backend.relation_list_on(&self.name, self.id) {
            Ok(units) => Some(units),
            Err(ModelError::RelationNotFound(_)) => None,
            Err(err) => return Err(err),
        };
        core.cache
            .borrow_mut()
            .relation_units
            .insert(self.id, units.clone());
        Ok(units)
    }

    /// The remote units that joined (for a subordinate relation, the principal). Empty
    /// when the relation is gone.
    pub fn units(&self) -> Result<Vec<Unit<'m>>, ModelError> {
        Ok(self
            .remote_unit_names()?
            .unwrap_or_default()
            .into_iter()
            .map(|name| self.core.get_unit(&name))
            .collect())
    }

    /// The remote application: this application for a peer relation; otherwise from the
    /// remote units, the hook's `JUJU_REMOTE_APP`, or `relation-list --app`. `None` when
    /// Juju cannot tell (a dead relation).
    pub fn remote_app(&self) -> Result<Option<App<'m>>, ModelError> {
        Ok(self.remote_app_name()?.map(|name| self.core.get_app(&name)))
    }

    fn remote_app_name(&self) -> Result<Option<String>, ModelError> {
        let core = self.core;
        if self.is_peer() {
            return Ok(Some(core.context.app_name().to_string()));
        }
        if let Some(app) = core.cache.borrow().remote_apps.get(&self.id) {
            return Ok(app.clone());
        }
        let from_units = self
            .remote_unit_names()?
            .and_then(|units| units.into_iter().next())
            .map(|unit| {
                unit.split_once('/')
                    .map_or(unit.clone(), |(a, _)| a.to_string())
            });
        let app = match from_units {
            Some(app) => Some(app),
            None if core.context.relation_id == Some(self.id)
                && core.context.remote_app.is_some() =>
            {
                core.context.remote_app.clone()
            }
            None => match core.backend.relation_remote_app_on(&self.name, self.id) {
                Ok(app) => app,
                Err(ModelError::RelationNotFound(_)) => None,
                Err(err) => return Err(err),
            },
        };
        core.cache
            .borrow_mut()
            .remote_apps
            .insert(self.id, app.clone());
        Ok(app)
    }

    /// The remote model's UUID (`relation-model-get`, Juju ≥ 3.6.2), asked once per hook.
    pub fn remote_model_uuid(&self) -> Result<String, ModelError> {
        let core = self.core;
        if let Some(uuid) = core.cache.borrow().remote_models.get(&self.id) {
            return Ok(uuid.clone());
        }
        let uuid = core.backend.relation_model_uuid_on(&self.name, self.id)?;
        core.cache
            .borrow_mut()
            .remote_models
            .insert(self.id, uuid.clone());
        Ok(uuid)
    }

    /// Which databag `member` names: its unit or application name, and whether it is an
    /// application's.
    fn resolve(&self, member: Member<'_>) -> Result<(String, bool), ModelError> {
        let ctx = &self.core.context;
        Ok(match member {
            Member::ThisUnit => (ctx.unit_name.clone(), false),
            Member::ThisApp => (ctx.app_name().to_string(), true),
            Member::RemoteApp => {
                let app = self.remote_app_name()?.ok_or_else(|| {
                    access(format!(
                        "the remote application of relation {}:{} is not known",
                        self.name, self.id
                    ))
                })?;
                (app, true)
            }
            Member::Unit(name) => (name.to_string(), false),
            Member::App(name) => (name.to_string(), true),
        })
    }

    fn key(&self, member: String, app: bool) -> BagKey {
        BagKey {
            relation_id: self.id,
            member,
            app,
            endpoint: self.name.clone(),
        }
    }

    /// Reading: unit databags and remote application databags are open to all; this
    /// application's databag to the leader, and in a peer relation to every unit.
    fn check_read(&self, name: &str, app: bool) -> Result<(), ModelError> {
        let ctx = &self.core.context;
        if !app || name != ctx.app_name() || self.is_peer() || self.core.is_leader()? {
            return Ok(());
        }
        Err(access(format!(
            "{} is not leader and cannot read its own application databag in relation {}:{}",
            ctx.unit_name, self.name, self.id
        )))
    }

    /// Writing: this unit's databag, and this application's if leader; nothing remote.
    fn check_write(&self, name: &str, app: bool) -> Result<(), ModelError> {
        let ctx = &self.core.context;
        if app {
            if name != ctx.app_name() {
                return Err(access(format!(
                    "{} cannot write the databag of remote application {name} in relation {}:{}",
                    ctx.app_name(),
                    self.name,
                    self.id
                )));
            }
            if !self.core.is_leader()? {
                return Err(access(format!(
                    "{} is not leader and cannot write application data in relation {}:{}",
                    ctx.unit_name, self.name, self.id
                )));
            }
        } else if name != ctx.unit_name {
            return Err(access(format!(
                "{} cannot write the databag of unit {name} in relation {}:{}: not this unit",
                ctx.unit_name, self.name, self.id
            )));
        }
        Ok(())
    }

    /// The databag as Juju has it (`relation-get`, once per databag per hook; a dead
    /// relation reads empty).
    fn loaded(&self, key: &BagKey) -> Result<Databag, ModelError> {
        let core = self.core;
        if let Some(bag) = core.cache.borrow().databags.get(key) {
            return Ok(bag.clone());
        }
        let bag =
            match core
                .backend
                .relation_get_on(&key.endpoint, key.relation_id, &key.member, key.app)
            {
                Ok(bag) => bag,
                Err(ModelError::RelationNotFound(_)) => Databag::new(),
                Err(err) => return Err(err),
            };
        core.cache
            .borrow_mut()
            .databags
            .insert(key.clone(), bag.clone());
        Ok(bag)
    }

    /// `member`'s databag, with this hook's unsent writes applied.
    pub fn data<'a>(&self, member: impl Into<Member<'a>>) -> Result<Databag, ModelError> {
        let (name, app) = self.resolve(member.into())?;
        self.check_read(&name, app)?;
        let key = self.key(name, app);
        let mut bag = self.loaded(&key)?;
        if let Some(pending) = self.core.cache.borrow().pending.get(&key) {
            apply(&mut bag, pending);
        }
        Ok(bag)
    }

    /// One value of `member`'s databag.
    pub fn get<'a>(
        &self,
        member: impl Into<Member<'a>>,
        key: &str,
    ) -> Result<Option<String>, ModelError> {
        Ok(self.data(member)?.remove(key))
    }

    /// Sets keys of `member`'s databag (an empty value deletes the key). Checked now,
    /// sent by [`ModelCore::flush_relation_writes`] at the end of the hook.
    pub fn update<'a, K, V>(
        &self,
        member: impl Into<Member<'a>>,
        pairs: impl IntoIterator<Item = (K, V)>,
    ) -> Result<(), ModelError>
    where
        K: Into<String>,
        V: Into<String>,
    {
        let (name, app) = self.resolve(member.into())?;
        let changes: Databag = pairs
            .into_iter()
            .map(|(k, v)| (k.into(), v.into()))
            .collect();
        if changes.contains_key("") {
            return Err(ModelError::Invalid {
                what: "relation data key",
                detail: "keys must not be empty".into(),
            });
        }
        self.check_write(&name, app)?;
        if changes.is_empty() {
            return Ok(());
        }
        let key = self.key(name, app);
        let mut cache = self.core.cache.borrow_mut();
        let pending = cache.pending.entry(key).or_default();
        pending.extend(changes);
        Ok(())
    }

    /// Sets one key of `member`'s databag (an empty value deletes it).
    pub fn set<'a>(
        &self,
        member: impl Into<Member<'a>>,
        key: &str,
        value: impl Into<String>,
    ) -> Result<(), ModelError> {
        self.update(member, [(key.to_string(), value.into())])
    }

    /// Deletes one key of `member`'s databag.
    pub fn remove<'a>(&self, member: impl Into<Member<'a>>, key: &str) -> Result<(), ModelError> {
        self.set(member, key, "")
    }

    /// `member`'s databag as a `T`: each key is a field, each value JSON (as the Python
    /// `Relation.load` reads it). Keys `T` does not name are ignored unless `T` denies
    /// unknown fields.
    pub fn load<'a, T: DeserializeOwned>(
        &self,
        member: impl Into<Member<'a>>,
    ) -> Result<T, ModelError> {
        let member = member.into();
        let bag = self.data(member)?;
        let mut object = serde_json::Map::new();
        for (key, text) in bag {
            let value = crate::values::decode_str(&text).map_err(|err| ModelError::Invalid {
                what: "relation data",
                detail: format!(
                    "relation {}:{}: the value of {key:?} is not JSON ({err})",
                    self.name, self.id
                ),
            })?;
            object.insert(key, value);
        }
        // The error names the field and the expected type, never the value.
        crate::values::decode(serde_json::Value::Object(object)).map_err(|err| {
            ModelError::Invalid {
                what: "relation data",
                detail: format!(
                    "relation {}:{}: cannot load {}: {err}",
                    self.name,
                    self.id,
                    std::any::type_name::<T>()
                ),
            }
        })
    }

    /// Writes `value`'s fields into `member`'s databag: each field a key, each value its
    /// JSON (formatted as Python's `json.dumps`, so the same data writes the same bytes);
    /// a field `T` declares but did not serialize (skipped) is deleted (`""`).
    pub fn save<'a, T>(&self, value: &T, member: impl Into<Member<'a>>) -> Result<(), ModelError>
    where
        T: Serialize + DeserializeOwned,
    {
        let invalid = |detail: String| ModelError::Invalid {
            what: "relation data",
            detail,
        };
        let serialized = serde_json::to_value(value)
            .map_err(|err| invalid(format!("cannot serialize: {err}")))?;
        let serde_json::Value::Object(object) = serialized else {
            return Err(invalid(format!(
                "{} does not serialize to an object of fields",
                std::any::type_name::<T>()
            )));
        };
        let mut changes = Databag::new();
        for field in super::jsonfmt::field_names::<T>() {
            if !object.contains_key(*field) {
                changes.insert(field.to_string(), String::new());
            }
        }
        for (key, value) in &object {
            changes.insert(key.clone(), super::jsonfmt::dumps(value));
        }
        self.update(member, changes)
    }
}

#[cfg(test)]
mod tests;
