//! The complete small library of the README's "Charm libraries: using one, writing one"
//! (kept identical to it), with the charm that uses it, run through `ops::testing`.

use ops::event::RelationChanged;
use ops::prelude::*;
use ops::testing::{Context, Relation, State};

// --- the library (README) ---

/// The leader's address changed: the payload of `leader_address_changed`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LeaderAddressChanged {
    /// Where the leader is now.
    pub address: String,
}

/// Shares the leader's address with every unit over a peer relation.
#[library(
    interface = "leader_address",
    role = "peers",
    events(leader_address_changed = LeaderAddressChanged)
)]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct LeaderAddress {
    /// The address last reported: the library's own state, saved with the unit's.
    last: Option<String>,
}

#[library]
impl LeaderAddress {
    /// The new leader publishes its address in the peer application databag.
    #[on(leader_elected)]
    fn publish(&mut self, model: &LibModel<Self>) -> ops::Result<()> {
        let Some(relation) = model.relation(None)? else {
            return Ok(());
        };
        let network = relation.network()?;
        let address = network.bind_address().unwrap_or_default().to_string();
        relation.set(Member::ThisApp, "leader-address", address)?;
        Ok(())
    }

    /// Every unit reports a new address once.
    #[on(relation_changed)]
    fn changed(&mut self, model: &LibModel<Self>, event: &RelationChanged) -> ops::Result<()> {
        let address = event.relation.get(Member::ThisApp, "leader-address")?;
        if let Some(address) = address.filter(|a| self.last.as_ref() != Some(a)) {
            self.last = Some(address.clone());
            model.emit(LeaderAddressChanged { address })?;
        }
        Ok(())
    }
}

// --- the charm (README) ---

/// Embeds the library on its `cluster` peer endpoint.
#[charm(metadata = "tests/readme.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct App {
    #[lib(endpoint = "cluster")]
    cluster: LeaderAddress,
    /// What the charm was told (for the test).
    leader_at: Option<String>,
}

#[charm]
impl App {
    #[on(cluster.leader_address_changed)]
    fn leader_moved(&mut self, _model: &Model<Self>, event: &Custom<LeaderAddressChanged>) {
        log::info!("the leader is at {}", event.address);
        self.leader_at = Some(event.address.clone());
    }
}

// --- the tests ---

#[test]
fn the_leader_publishes_and_the_charm_hears_it_once() {
    let mut ctx = Context::<App>::new();
    let cluster = Relation::peer("cluster");
    let out = ctx
        .run(
            ctx.on.leader_elected(),
            &State::new().relation(cluster.clone()).leader(true),
        )
        .unwrap();
    let published = out.get_relation(cluster.id).unwrap().local_app_data["leader-address"].clone();
    assert_eq!(published, "192.0.2.0");

    let relation = out.get_relation(cluster.id).unwrap().clone();
    let out = ctx.run(ctx.on.relation_changed(&relation), &out).unwrap();
    let app: App = out.get_stored().unwrap();
    assert_eq!(app.leader_at.as_deref(), Some("192.0.2.0"));
    let library: LeaderAddress = out.get_library_state("cluster").unwrap();
    assert_eq!(library.last.as_deref(), Some("192.0.2.0"));

    // The same address again: the charm is not told twice.
    let mut stored = app;
    stored.leader_at = None;
    let out = ctx
        .run(ctx.on.relation_changed(&relation), &out.stored(&stored))
        .unwrap();
    let app: App = out.get_stored().unwrap();
    assert_eq!(app.leader_at, None);
}

#[test]
fn a_test_can_emit_the_library_event_itself() {
    let mut ctx = Context::<App>::new();
    let event = ctx.on.custom::<LeaderAddress, _>(
        "cluster",
        LeaderAddressChanged {
            address: "10.0.0.9".into(),
        },
    );
    let out = ctx
        .run(event, &State::new().relation(Relation::peer("cluster")))
        .unwrap();
    let app: App = out.get_stored().unwrap();
    assert_eq!(app.leader_at.as_deref(), Some("10.0.0.9"));
}
