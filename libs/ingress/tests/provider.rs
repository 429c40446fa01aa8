//! The provider driven by a small charm through `ops::testing`, after the Traefik
//! charm's `tests/unit/test_ingress_per_app.py`. The requirer's databags are written as
//! the Python library writes them (each value `json.dumps`-ed), read off
//! `lib/charms/traefik_k8s/v2/ingress.py`: the library is not on PyPI.

use charmlib_ingress::{IngressRequest, Provider, UnitAddress};
use ops::event::RelationChanged;
use ops::prelude::*;
use ops::testing::{Context, Relation, State};

const PROVIDER: Provider = Provider::new("ingress");

/// Publishes `http://traefik/<model>-<name>` for each complete request.
#[charm(metadata = "tests/provider.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Traefik {
    /// The last request read (its Debug form) or error.
    said: Option<String>,
}

#[charm]
impl Traefik {
    #[on(relation_changed = "ingress")]
    fn changed(&mut self, _model: &Model<Self>, event: &RelationChanged) -> ops::Result<()> {
        match PROVIDER.on_relation_changed(&event.relation) {
            Ok(Some(request)) => {
                let url = format!("http://traefik/{}-{}", request.model, request.name);
                PROVIDER.publish_url(&event.relation, &url)?;
                self.said = Some(format!("{request:?}"));
            }
            Ok(None) => self.said = None,
            Err(err) => self.said = Some(format!("error: {err}")),
        }
        Ok(())
    }
}

fn requirer_relation(app: &[(&str, &str)], unit: &[(&str, &str)]) -> Relation {
    Relation::new("ingress")
        .remote_app_name("probe")
        .remote_app_data(app.iter().copied())
        .remote_unit(0, unit.iter().copied())
}

fn run(relation: &Relation) -> (State, Option<String>) {
    let mut ctx = Context::<Traefik>::new();
    let state = State::new().relation(relation.clone()).leader(true);
    let out = ctx.run(ctx.on.relation_changed(relation), &state).unwrap();
    let traefik: Traefik = out.get_stored().unwrap();
    (out, traefik.said)
}

const APP: &[(&str, &str)] = &[
    ("model", "\"coslite\""),
    ("name", "\"probe\""),
    ("port", "8080"),
    ("strip-prefix", "true"),
];
const UNIT: &[(&str, &str)] = &[
    ("host", "\"probe-0.probe-endpoints\""),
    ("ip", "\"10.1.2.3\""),
];

#[test]
fn a_complete_request_is_read_and_answered() {
    let relation = requirer_relation(APP, UNIT);
    let (out, said) = run(&relation);
    let expected = IngressRequest {
        relation_id: relation.id,
        name: "probe".into(),
        model: "coslite".into(),
        port: 8080,
        scheme: "http".into(),
        strip_prefix: true,
        redirect_https: false,
        units: vec![UnitAddress {
            host: "probe-0.probe-endpoints".into(),
            ip: Some("10.1.2.3".into()),
        }],
    };
    assert_eq!(said, Some(format!("{expected:?}")));
    // {"ingress": json.dumps({"url": ...})}, as test_io_provider_data expects.
    let bag = &out.get_relation(relation.id).unwrap().local_app_data;
    assert_eq!(
        bag.iter().collect::<Vec<_>>(),
        [(
            &"ingress".to_string(),
            &r#"{"url": "http://traefik/coslite-probe"}"#.to_string()
        )]
    );
}

#[test]
fn an_incomplete_request_waits() {
    let (_, said) = run(&requirer_relation(&APP[..2], UNIT));
    assert_eq!(said, None);
    let (_, said) = run(&requirer_relation(APP, &[]));
    assert_eq!(said, None);
}

#[test]
fn malformed_requests_are_clear_errors() {
    for (key, value, says) in [
        ("port", "\"8080\"", "\"port\" is not valid"),
        ("port", "70000", "out of TCP range"),
        ("scheme", "\"gopher\"", "invalid scheme"),
        ("name", "{", "\"name\" is not valid"),
    ] {
        let mut app: Vec<(&str, &str)> = APP.to_vec();
        app.retain(|(k, _)| *k != key);
        app.push((key, value));
        let (_, said) = run(&requirer_relation(&app, UNIT));
        let said = said.unwrap_or_default();
        assert!(
            said.starts_with("error: ") && said.contains(says),
            "{key}: {said}"
        );
    }
    let (_, said) = run(&requirer_relation(
        APP,
        &[("host", "\"h\""), ("ip", "\"nope\"")],
    ));
    assert!(said.unwrap_or_default().contains("not a valid ip address"));
}

/// The same provider through the library: the charm answers `data_provided`.
#[charm(metadata = "tests/provider.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct LibTraefik {
    #[lib(endpoint = "ingress")]
    ingress: charmlib_ingress::IngressPerAppProvider,
    removed: Vec<u64>,
}

#[charm]
impl LibTraefik {
    #[on(ingress.data_provided)]
    fn provided(&mut self, model: &Model<Self>, event: &Custom<IngressRequest>) -> ops::Result<()> {
        if let Some(relation) = model.get_relation("ingress", Some(event.relation_id))? {
            let url = format!("http://traefik/{}-{}", event.model, event.name);
            PROVIDER.publish_url(&relation, &url)?;
        }
        Ok(())
    }

    #[on(ingress.data_removed)]
    fn removed(
        &mut self,
        _model: &Model<Self>,
        event: &Custom<charmlib_ingress::IngressDataRemoved>,
    ) {
        self.removed.push(event.relation_id);
    }
}

#[test]
fn the_library_reports_requests_and_removals() {
    let relation = requirer_relation(APP, UNIT);
    let mut ctx = Context::<LibTraefik>::new();
    let state = State::new().relation(relation.clone()).leader(true);
    let out = ctx.run(ctx.on.relation_changed(&relation), &state).unwrap();
    assert_eq!(
        out.get_relation(relation.id).unwrap().local_app_data["ingress"],
        r#"{"url": "http://traefik/coslite-probe"}"#
    );
    let out = ctx.run(ctx.on.relation_broken(&relation), &out).unwrap();
    let traefik: LibTraefik = out.get_stored().unwrap();
    assert_eq!(traefik.removed, [relation.id]);
}
