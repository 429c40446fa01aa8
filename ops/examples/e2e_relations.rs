//! A charm written with the macro DSL that works its relations and secrets, used by the
//! end-to-end test `ops/tests/e2e_relations.rs` (metadata: `e2e_relations.yaml` beside
//! this file).
//!
//! - `database` (requires, limit 1): on joined, writes this unit's address and the
//!   joining unit, and as leader the typed [`DatabaseRequest`] into this application's
//!   databag; on changed, loads the remote application's [`DatabaseOffer`], reads the
//!   remote unit's address, reads the user secret the database offers, and marks this
//!   unit ready; on departed, forgets the departing unit and writes how many remain; on
//!   broken, forgets the database and blocks.
//! - `website` (provides): on joined, publishes the URL in this application's databag
//!   (no leader check: on a non-leader the framework fails the hook), adds an
//!   application secret with a password and grants it to the relation; on departed,
//!   revokes the departing unit's access (the secret found by its label).
//! - `cluster` (peers): on changed, loads the typed [`ClusterInfo`] from the application
//!   databag (every unit may read it) and, as leader, claims the primary.
//! - `secret-changed`: reads the new revision (`--refresh`); `secret-rotate`: writes a new
//!   password derived from the current one.

#![deny(missing_docs)]

use ops::event::{
    RelationBroken, RelationChanged, RelationDeparted, RelationJoined, SecretChanged, SecretRotate,
};
use ops::prelude::*;
use ops::SecretSettings;

/// What this application asks of the database (its application databag; leader only).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct DatabaseRequest {
    /// The database to create.
    pub database: String,
    /// Extra roles for the user; written as `""` (deleted) when `None`.
    #[serde(
        rename = "extra-user-roles",
        default,
        skip_serializing_if = "Option::is_none"
    )]
    pub extra_user_roles: Option<String>,
}

/// What the database offers (the remote application's databag).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct DatabaseOffer {
    /// `host:port` of the database.
    #[serde(default)]
    pub endpoints: Option<String>,
    /// The secret holding the user's credentials.
    #[serde(rename = "secret-user", default)]
    pub secret_user: Option<String>,
}

/// The peers' shared data (the application databag of `cluster`).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ClusterInfo {
    /// The unit serving as primary.
    #[serde(default)]
    pub primary: Option<String>,
}

/// The charm; its fields are the unit's persisted state.
#[charm(metadata = "examples/e2e_relations.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct WebApp {
    /// The database units that joined and have not departed.
    database_units: Vec<String>,
    /// The database's endpoints, once offered.
    database_endpoints: Option<String>,
    /// The database user name (read from the offered secret; the password is not kept).
    database_user: Option<String>,
    /// The `website` secrets this application added, by URI.
    website_secrets: Vec<String>,
    /// The primary unit, as the peers agree.
    primary: Option<String>,
}

/// The address this unit publishes (`webapp/0` → `webapp-0.webapp.local`).
fn ingress_address(model: &Model<WebApp>) -> String {
    format!("{}.webapp.local", model.unit().name().replace('/', "-"))
}

#[charm]
impl WebApp {
    #[on(relation_joined = "database")]
    fn database_joined(&mut self, model: &Model<Self>, event: &RelationJoined) -> ops::Result<()> {
        let relation = &event.relation;
        relation.set(Member::ThisUnit, "ingress-address", ingress_address(model))?;
        if let Some(unit) = &event.remote_unit {
            relation.set(Member::ThisUnit, "joined-by", unit.as_str())?;
            self.database_units.push(unit.clone());
        }
        if model.unit().is_leader()? {
            let request = DatabaseRequest {
                database: "webapp".into(),
                extra_user_roles: None,
            };
            relation.save(&request, Member::ThisApp)?;
        }
        Ok(())
    }

    #[on(relation_changed = "database")]
    fn database_changed(
        &mut self,
        model: &Model<Self>,
        event: &RelationChanged,
    ) -> ops::Result<()> {
        let relation = &event.relation;
        let offer: DatabaseOffer = relation.load(Member::RemoteApp)?;
        if let Some(unit) = &event.remote_unit {
            let address = relation.get(Member::Unit(unit), "address")?;
            log::info!(
                "database unit {unit} is at {}",
                address.as_deref().unwrap_or("an unknown address")
            );
        }
        if let Some(id) = &offer.secret_user {
            let secret = model.get_secret_by_id(id)?;
            self.database_user = secret.get_content(false)?.get("username").map(Into::into);
        }
        self.database_endpoints = offer.endpoints.clone();
        let ready = offer.endpoints.is_some() && self.database_user.is_some();
        let was_ready = relation.get(Member::ThisUnit, "ready")?;
        if was_ready.as_deref() != Some(&ready.to_string()) {
            log::info!("database ready: {ready}");
        }
        // Rewriting the unchanged address sends nothing: only changed keys go out.
        relation.update(
            Member::ThisUnit,
            [
                ("ingress-address", ingress_address(model)),
                ("ready", ready.to_string()),
            ],
        )?;
        if let Some(endpoints) = &offer.endpoints {
            model
                .unit()
                .set_status(Status::active(format!("database at {endpoints}")))?;
        }
        Ok(())
    }

    #[on(relation_departed = "database")]
    fn database_departed(
        &mut self,
        _model: &Model<Self>,
        event: &RelationDeparted,
    ) -> ops::Result<()> {
        if let Some(unit) = &event.departing_unit {
            self.database_units.retain(|u| u != unit);
        }
        let remaining = event.relation.units()?.len();
        event
            .relation
            .set(Member::ThisUnit, "database-units", remaining.to_string())?;
        Ok(())
    }

    #[on(relation_broken = "database")]
    fn database_broken(&mut self, model: &Model<Self>, event: &RelationBroken) -> ops::Result<()> {
        if event.relation.active()? {
            return Err(ops::Error::msg("a broken relation must not be active"));
        }
        // The typed accessor no longer lists the relation being broken.
        if model.relations().database()?.is_none() {
            self.database_endpoints = None;
            self.database_user = None;
            self.database_units.clear();
            model
                .unit()
                .set_status(Status::blocked("waiting for a database relation"))?;
        }
        Ok(())
    }

    #[on(relation_joined = "website")]
    fn website_joined(&mut self, model: &Model<Self>, event: &RelationJoined) -> ops::Result<()> {
        let relation = &event.relation;
        relation.set(Member::ThisUnit, "ingress-address", ingress_address(model))?;
        // No leader check on purpose: on a non-leader this fails the hook, before any
        // secret is added or anything is sent.
        relation.set(Member::ThisApp, "url", "http://webapp.local/")?;
        let label = format!("website-{}", relation.id());
        let secret = model.app().add_secret(
            [("password", format!("pw-{}", relation.id()))],
            SecretSettings::new().label(label),
        )?;
        secret.grant(relation, None)?;
        let id = secret.id().unwrap_or_default().to_string();
        relation.set(Member::ThisApp, "secret-id", id.as_str())?;
        self.website_secrets.push(id);
        Ok(())
    }

    #[on(relation_departed = "website")]
    fn website_departed(
        &mut self,
        model: &Model<Self>,
        event: &RelationDeparted,
    ) -> ops::Result<()> {
        let Some(unit) = &event.departing_unit else {
            return Ok(());
        };
        let secret = model.get_secret_by_label(&format!("website-{}", event.relation.id()))?;
        secret.revoke(&event.relation, Some(&model.get_unit(unit)))?;
        Ok(())
    }

    #[on(relation_changed = "cluster")]
    fn cluster_changed(&mut self, model: &Model<Self>, event: &RelationChanged) -> ops::Result<()> {
        let relation = &event.relation;
        // Every unit reads the peer application databag; only the leader writes it.
        let mut info: ClusterInfo = relation.load(Member::ThisApp)?;
        let me = model.unit().name().to_string();
        if info.primary.is_none() && model.unit().is_leader()? {
            info.primary = Some(me);
            relation.save(&info, Member::ThisApp)?;
        }
        self.primary = info.primary;
        Ok(())
    }

    #[on(secret_changed)]
    fn secret_changed(&mut self, _model: &Model<Self>, event: &SecretChanged) -> ops::Result<()> {
        let content = event.secret.get_content(true)?;
        self.database_user = content.get("username").map(Into::into);
        Ok(())
    }

    #[on(secret_rotate)]
    fn secret_rotate(&mut self, _model: &Model<Self>, event: &SecretRotate) -> ops::Result<()> {
        let current = event.secret.get_content(false)?;
        let next = format!("{}+", current.get("password").unwrap_or_default());
        event.secret.set_content([("password", next)])?;
        Ok(())
    }
}

#[allow(dead_code)] // unused when the end-to-end test includes this file as a module
fn main() {
    ops::main::<WebApp>()
}
