//! The requirer driven by a small charm through `ops::testing`, after the Traefik
//! charm's `tests/unit/test_ingress_lib.py` and `tests/scenario/
//! test_ingress_per_app_requirer.py`. The databag values are written as the Python
//! library's `DatabagModel.dump` writes them (each `json.dumps`-ed, defaults left out),
//! read off `lib/charms/traefik_k8s/v2/ingress.py`: the library is not on PyPI.

use charmlib_ingress::{IngressEvent, Requirer, RequirerState};
use ops::prelude::*;
use ops::testing::{Context, Relation, State};

/// Asks for ingress to port 8080; records what the library reported.
#[charm(metadata = "tests/requirer.yaml")]
#[derive(Debug, Default, Serialize, Deserialize)]
pub struct Probe {
    ingress: RequirerState,
    events: Vec<IngressEvent>,
}

fn requirer(model: &Model<Probe>) -> ops::Result<Requirer<'static>> {
    let config = model.config()?;
    let mut requirer = Requirer::new("ingress", 8080);
    requirer.strip_prefix = config.strip_prefix;
    requirer.scheme = if config.scheme == "https" {
        "https"
    } else {
        "http"
    };
    requirer.host = Some("probe-0.probe-endpoints");
    Ok(requirer)
}

#[charm]
impl Probe {
    #[on(relation_changed = "ingress")]
    #[on(relation_departed = "ingress")]
    fn changed(&mut self, model: &Model<Self>) -> ops::Result<()> {
        match requirer(model)?.on_relation_changed(model, &mut self.ingress) {
            Ok(Some(event)) => self.events.push(event),
            Ok(None) => {}
            Err(err) => model.unit().set_status(Status::blocked(err.to_string()))?,
        }
        Ok(())
    }

    #[on(relation_broken = "ingress")]
    fn broken(&mut self, model: &Model<Self>) -> ops::Result<()> {
        let event = requirer(model)?.on_relation_broken(&mut self.ingress);
        self.events.push(event);
        Ok(())
    }
}

fn ingress() -> Relation {
    Relation::new("ingress").remote_app_name("traefik")
}

fn run(state: &State, relation: &Relation) -> State {
    let mut ctx = Context::<Probe>::new();
    ctx.run(ctx.on.relation_changed(relation), state).unwrap()
}

#[test]
fn leader_publishes_the_request_json_encoded_without_defaults() {
    let relation = ingress().local_unit_data([("kaboom", "\"boom\"")]);
    let state = State::new()
        .relation(relation.clone())
        .leader(true)
        .model(ops::testing::ModelInfo::new("coslite"))
        .config("strip-prefix", true);
    let out = run(&state, &relation);
    let out = out.get_relation(relation.id).unwrap();
    let app: Vec<(&str, &str)> = out
        .local_app_data
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    assert_eq!(
        app,
        [
            ("model", "\"coslite\""),
            ("name", "\"probe\""),
            ("port", "8080"),
            ("strip-prefix", "true"),
        ]
    );
    // The unit databag is replaced, as Python's dump(clear=True) does.
    assert_eq!(out.local_unit_data["host"], "\"probe-0.probe-endpoints\"");
    assert!(out.local_unit_data["ip"].starts_with('"'));
    assert!(!out.local_unit_data.contains_key("kaboom"));
}

#[test]
fn is_port_open_and_scheme_when_not_default() {
    let relation = ingress();
    let state = State::new()
        .relation(relation.clone())
        .leader(true)
        .config("scheme", "https")
        .opened_port(ops::Port::tcp(8080));
    let out = run(&state, &relation);
    let app = &out.get_relation(relation.id).unwrap().local_app_data;
    assert_eq!(app["is_port_open"], "true");
    assert_eq!(app["scheme"], "\"https\"");
}

#[test]
fn non_leader_publishes_only_its_unit_data() {
    let relation = ingress();
    let out = run(&State::new().relation(relation.clone()), &relation);
    let out = out.get_relation(relation.id).unwrap();
    assert!(out.local_app_data.is_empty());
    assert_eq!(out.local_unit_data["host"], "\"probe-0.probe-endpoints\"");
}

#[test]
fn ready_once_per_new_url_then_revoked() {
    let relation =
        ingress().remote_app_data([("ingress", r#"{"url": "http://foo.bar/model-probe"}"#)]);
    let out = run(&State::new().relation(relation.clone()), &relation);
    let probe: Probe = out.get_stored().unwrap();
    let ready = IngressEvent::Ready {
        url: "http://foo.bar/model-probe".into(),
    };
    assert_eq!(probe.events, [ready]);

    // The same URL again: nothing new.
    let again = run(&out, out.get_relation(relation.id).unwrap());
    let probe: Probe = again.get_stored().unwrap();
    assert_eq!(probe.events.len(), 1);

    // A new URL: ready again.
    let mut moved = again.get_relation(relation.id).unwrap().clone();
    moved.remote_app_data.insert(
        "ingress".into(),
        r#"{"url": "https://foo.bar/other"}"#.into(),
    );
    let mut state = again.clone();
    state.relations = vec![moved.clone()];
    let out = run(&state, &moved);
    let probe: Probe = out.get_stored().unwrap();
    assert_eq!(
        probe.events[1],
        IngressEvent::Ready {
            url: "https://foo.bar/other".into()
        }
    );

    let mut ctx = Context::<Probe>::new();
    let out = ctx.run(ctx.on.relation_broken(&moved), &out).unwrap();
    let probe: Probe = out.get_stored().unwrap();
    assert_eq!(probe.events[2], IngressEvent::Revoked);
    assert_eq!(probe.ingress.current_url, None);
}

#[test]
fn no_url_yet_is_not_ready() {
    for bag in [vec![], vec![("ingress", "null")]] {
        let relation = ingress().remote_app_data(bag);
        let out = run(&State::new().relation(relation.clone()), &relation);
        let probe: Probe = out.get_stored().unwrap();
        assert!(probe.events.is_empty());
    }
}

#[test]
fn malformed_provider_data_blocks_the_unit() {
    for (bad, says) in [
        ("not json", "\"ingress\" is not valid"),
        (r#"{"url": 5}"#, "\"ingress\" is not valid"),
        (r#"{"url": "ftp://foo"}"#, "is not an http(s) URL"),
    ] {
        let relation = ingress().remote_app_data([("ingress", bad)]);
        let out = run(&State::new().relation(relation.clone()), &relation);
        assert_eq!(out.unit_status.name, ops::StatusName::Blocked);
        assert!(
            out.unit_status.message.contains(says),
            "{}",
            out.unit_status.message
        );
        let probe: Probe = out.get_stored().unwrap();
        assert!(probe.events.is_empty());
    }
}
