//! Every event kind, every accessor kind, and the generated Config and params structs,
//! exercised at run time.

#![deny(missing_docs)]

mod common;

use common::Unit;
use ops::event::*;
use ops::prelude::*;
use ops::testing::{Harness, Relation, Storage};
use ops::ValueError;
use ops::{Action, ActionParams, CharmConfig, EventData, EventKind};
use serde_json::{json, Map, Value};

/// Observes every event Juju has.
#[charm(metadata = "tests/charms/kitchen-sink/charmcraft.yaml")]
#[derive(Default, Serialize, Deserialize)]
pub struct KitchenSink {
    seen: Vec<String>,
}

#[charm]
impl KitchenSink {
    #[on(install)]
    #[on(start)]
    #[on(remove)]
    #[on(upgrade_charm)]
    #[on(leader_elected)]
    #[on(leader_settings_changed)]
    #[on(pre_series_upgrade)]
    #[on(post_series_upgrade)]
    #[on(collect_metrics)]
    fn lifecycle(&mut self, _model: &Model<Self>) {
        self.seen.push("lifecycle".into());
    }

    #[on(install)]
    fn install(&mut self, _: &Model<Self>, _: &Install) {
        self.seen.push("install".into());
    }
    #[on(stop)]
    fn stop(&mut self, _: &Model<Self>, _: &Stop) {}
    #[on(update_status)]
    fn update_status(&mut self, _: &Model<Self>, e: &UpdateStatus) {
        e.defer();
    }
    #[on(config_changed)]
    fn config_changed(&mut self, _: &Model<Self>, _: &ConfigChanged) -> ops::Result<()> {
        Ok(())
    }
    #[on(secret_changed)]
    fn secret_changed(&mut self, _: &Model<Self>, e: &SecretChanged) {
        self.seen.push(format!("secret {:?}", e.secret.id()));
    }
    #[on(secret_expired)]
    fn secret_expired(&mut self, _: &Model<Self>, _: &SecretExpired) {}
    #[on(secret_remove)]
    fn secret_remove(&mut self, _: &Model<Self>, _: &SecretRemove) {}
    #[on(secret_rotate)]
    fn secret_rotate(&mut self, _: &Model<Self>, _: &SecretRotate) {}
    #[on(relation_created = "database")]
    fn relation_created(&mut self, _: &Model<Self>, _: &RelationCreated) {}
    #[on(relation_joined = "website")]
    fn relation_joined(&mut self, _: &Model<Self>, _: &RelationJoined) {}
    #[on(relation_changed = "cluster")]
    #[on(relation_changed = "logging")]
    fn relation_changed(&mut self, _: &Model<Self>, e: &RelationChanged) {
        self.seen.push(format!("changed {}", e.relation.name()));
    }
    #[on(relation_departed = "logging")]
    fn relation_departed(&mut self, _: &Model<Self>, _: &RelationDeparted) {}
    #[on(relation_broken = "database")]
    fn relation_broken(&mut self, _: &Model<Self>, _: &RelationBroken) {}
    #[on(storage_attached = "data")]
    fn storage_attached(&mut self, _: &Model<Self>, e: &StorageAttached) {
        self.seen.push(format!("attached {}", e.storage.full_id()));
    }
    #[on(storage_detaching = "cache")]
    fn storage_detaching(&mut self, _: &Model<Self>, _: &StorageDetaching) {}
    #[on(pebble_ready = "web")]
    fn pebble_ready(&mut self, _: &Model<Self>, _: &PebbleReady<'_>) {}
    #[on(pebble_custom_notice = "sidecar")]
    fn pebble_custom_notice(&mut self, _: &Model<Self>, e: &PebbleCustomNotice) {
        self.seen.push(format!("notice {}", e.notice.key));
    }
    #[on(pebble_check_failed = "web")]
    fn pebble_check_failed(&mut self, _: &Model<Self>, e: &PebbleCheckFailed) {
        self.seen.push(format!("failed {}", e.check_name));
    }
    #[on(pebble_check_recovered = "web")]
    fn pebble_check_recovered(&mut self, _: &Model<Self>, _: &ops::event::PebbleCheckRecovered) {}
    #[on(action = "backup")]
    fn backup(&mut self, _: &Model<Self>, action: &mut Action<BackupParams>) -> ops::Result<()> {
        self.seen.push(format!("backup {}", action.params.target));
        Ok(())
    }
    #[on(action = "restart")]
    fn restart(&self, _: &Model<Self>, _: &mut Action<'_, RestartParams>) {}
    #[on(collect_unit_status)]
    fn unit_status(&self, _: &Model<Self>, status: &mut StatusCollector) {
        status.add(Status::waiting("unit"));
    }
    #[on(collect_app_status)]
    fn app_status(&self, _: &Model<Self>, status: &mut ops::StatusCollector) {
        status.add(Status::blocked("app"));
    }

    /// Not a handler: methods without `#[on]` are left alone.
    pub fn helper(&self) -> usize {
        self.seen.len()
    }
}

fn map(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

#[test]
fn every_event_has_its_observers() {
    let cases: &[(EventKind, Option<&str>, &[&str])] = &[
        (EventKind::Install, None, &["lifecycle", "install"]),
        (EventKind::Start, None, &["lifecycle"]),
        (EventKind::Stop, None, &["stop"]),
        (EventKind::Remove, None, &["lifecycle"]),
        (EventKind::UpdateStatus, None, &["update_status"]),
        (EventKind::ConfigChanged, None, &["config_changed"]),
        (EventKind::UpgradeCharm, None, &["lifecycle"]),
        (EventKind::LeaderElected, None, &["lifecycle"]),
        (EventKind::LeaderSettingsChanged, None, &["lifecycle"]),
        (EventKind::PreSeriesUpgrade, None, &["lifecycle"]),
        (EventKind::PostSeriesUpgrade, None, &["lifecycle"]),
        (EventKind::CollectMetrics, None, &["lifecycle"]),
        (EventKind::SecretChanged, None, &["secret_changed"]),
        (EventKind::SecretExpired, None, &["secret_expired"]),
        (EventKind::SecretRemove, None, &["secret_remove"]),
        (EventKind::SecretRotate, None, &["secret_rotate"]),
        (
            EventKind::RelationCreated,
            Some("database"),
            &["relation_created"],
        ),
        (EventKind::RelationCreated, Some("website"), &[]),
        (
            EventKind::RelationJoined,
            Some("website"),
            &["relation_joined"],
        ),
        (
            EventKind::RelationChanged,
            Some("cluster"),
            &["relation_changed"],
        ),
        (
            EventKind::RelationChanged,
            Some("logging"),
            &["relation_changed"],
        ),
        (
            EventKind::RelationDeparted,
            Some("logging"),
            &["relation_departed"],
        ),
        (
            EventKind::RelationBroken,
            Some("database"),
            &["relation_broken"],
        ),
        (
            EventKind::StorageAttached,
            Some("data"),
            &["storage_attached"],
        ),
        (
            EventKind::StorageDetaching,
            Some("cache"),
            &["storage_detaching"],
        ),
        (EventKind::PebbleReady, Some("web"), &["pebble_ready"]),
        (EventKind::PebbleReady, Some("sidecar"), &[]),
        (
            EventKind::PebbleCustomNotice,
            Some("sidecar"),
            &["pebble_custom_notice"],
        ),
        (
            EventKind::PebbleCheckFailed,
            Some("web"),
            &["pebble_check_failed"],
        ),
        (
            EventKind::PebbleCheckRecovered,
            Some("web"),
            &["pebble_check_recovered"],
        ),
        (EventKind::Action, Some("backup"), &["backup"]),
        (EventKind::Action, Some("restart"), &["restart"]),
        (EventKind::CollectUnitStatus, None, &["unit_status"]),
        (EventKind::CollectAppStatus, None, &["app_status"]),
    ];
    for (kind, name, expected) in cases {
        let ev = match name {
            Some(n) => EventData::named(*kind, *n),
            None => EventData::new(*kind),
        };
        assert_eq!(KitchenSink::observers(&ev), *expected, "{kind:?} {name:?}");
    }
}

#[test]
fn payloads_reach_handlers() {
    let mut unit = Unit::<KitchenSink>::new();
    unit.action_params = map(json!({"target": "s3"}));
    unit.state.storages.push(Storage::new("data").index(2));
    let mut charm = KitchenSink::default();
    let mut run = |charm: &mut KitchenSink, ev: EventData| {
        unit.dispatch(charm, &ev, None).into_result().unwrap()
    };

    assert!(run(&mut charm, EventData::new(EventKind::Install)).is_empty());
    assert_eq!(
        run(&mut charm, EventData::new(EventKind::UpdateStatus)),
        ["update_status"]
    );
    // Stop is not deferrable and its handler did not defer: nothing reported.
    assert!(run(&mut charm, EventData::new(EventKind::Stop)).is_empty());
    run(
        &mut charm,
        EventData {
            secret: Some(ops::event::SecretRef {
                id: "secret:abc".into(),
                label: None,
                revision: None,
            }),
            ..EventData::new(EventKind::SecretChanged)
        },
    );
    run(
        &mut charm,
        EventData {
            relation_id: Some(3),
            ..EventData::named(EventKind::RelationChanged, "logging")
        },
    );
    run(
        &mut charm,
        EventData {
            storage_index: Some(2),
            ..EventData::named(EventKind::StorageAttached, "data")
        },
    );
    run(
        &mut charm,
        EventData {
            notice: Some(ops::event::NoticeRef {
                id: "1".into(),
                kind: "custom".into(),
                key: "example.com/x".into(),
            }),
            ..EventData::named(EventKind::PebbleCustomNotice, "sidecar")
        },
    );
    run(
        &mut charm,
        EventData {
            check_name: Some("alive".into()),
            ..EventData::named(EventKind::PebbleCheckFailed, "web")
        },
    );
    run(&mut charm, EventData::named(EventKind::Action, "backup"));
    assert_eq!(
        charm.seen,
        [
            "lifecycle",
            "install",
            "secret Some(\"secret:abc\")",
            "changed logging",
            "attached data/2",
            "notice example.com/x",
            "failed alive",
            "backup s3",
        ]
    );
    assert_eq!(charm.helper(), 8);

    let mut collect =
        |charm: &mut KitchenSink, kind| unit.dispatch(charm, &EventData::new(kind), None).statuses;
    let unit = collect(&mut charm, EventKind::CollectUnitStatus);
    let app = collect(&mut charm, EventKind::CollectAppStatus);
    assert_eq!(unit.statuses(), &[Status::waiting("unit")]);
    assert_eq!(app.statuses(), &[Status::blocked("app")]);
}

#[test]
fn accessors_of_every_kind() {
    let mut harness = Harness::<KitchenSink>::new();
    harness.edit_state(|state| {
        for (endpoint, id) in [("database", 1), ("logging", 4), ("logging", 5)] {
            state.relations.push(Relation::new(endpoint).id(id));
        }
        state.storages = vec![Storage::new("data").index(0), Storage::new("data").index(1)];
        state
            .resources
            .insert("tarball".into(), "/res/app.tar.gz".into());
    });
    let model = harness.model();
    let relations = model.relations();
    let db: Option<ops::model::Relation> = relations.database().unwrap();
    assert_eq!(db.map(|r| r.id()), Some(1));
    let cluster: Option<ops::model::Relation> = relations.cluster().unwrap();
    assert!(cluster.is_none());
    let logging: Vec<ops::model::Relation> = relations.logging().unwrap();
    assert_eq!(logging.iter().map(|r| r.id()).collect::<Vec<_>>(), [4, 5]);
    assert!(relations.website().unwrap().is_empty());

    let containers = model.containers();
    assert_eq!(containers.web().name(), "web");
    assert_eq!(containers.sidecar().name(), "sidecar");

    let data: Vec<ops::model::Storage> = model.storages().data().unwrap();
    assert_eq!(
        data.iter().map(|s| s.full_id()).collect::<Vec<_>>(),
        ["data/0", "data/1"]
    );
    assert!(model.storages().cache().unwrap().is_empty());

    let path: std::path::PathBuf = model.resources().tarball().unwrap();
    assert_eq!(path, std::path::Path::new("/res/app.tar.gz"));
    assert!(model.resources().web_image().is_err());
}

#[test]
fn meta_carries_everything() {
    let meta = KitchenSink::META;
    assert_eq!(meta.name, "kitchen-sink");
    assert_eq!(
        meta.summary,
        "Every metadata kind the ops macros map to Rust."
    );
    let rel = |n| meta.relation(n).unwrap();
    assert_eq!(rel("website").role, ops::meta::RelationRole::Provides);
    assert_eq!(rel("database").limit, Some(1));
    assert_eq!(rel("logging").interface, "loki_push_api");
    assert_eq!(rel("cluster").role, ops::meta::RelationRole::Peer);
    assert_eq!(
        meta.container("web").unwrap().mounts,
        &[ops::meta::ContainerMount {
            storage: "data",
            location: Some("/var/data")
        }]
    );
    assert_eq!(
        meta.storage("data").unwrap().multiple,
        Some(ops::meta::StorageRange {
            min: 1,
            max: Some(3)
        })
    );
    assert!(meta.storage("cache").unwrap().multiple.is_none());
    assert_eq!(
        meta.resource("tarball").unwrap().filename,
        Some("app.tar.gz")
    );
    assert_eq!(meta.extra_bindings, &["public"]);
    let opt = |n| meta.config_option(n).unwrap();
    assert_eq!(opt("name").default, Some("\"sink\""));
    assert_eq!(opt("ratio").default, Some("0.5"));
    assert_eq!(opt("debug").default, Some("false"));
    assert_eq!(opt("password").kind, ops::meta::ConfigKind::Secret);
    assert_eq!(opt("password").default, None);
    let backup = meta.action("backup").unwrap();
    assert!(!backup.additional_properties);
    let names: Vec<_> = backup
        .params
        .iter()
        .map(|p| (p.name, p.kind, p.required))
        .collect();
    assert_eq!(
        names,
        [
            ("target", "string", true),
            ("compression", "string", false),
            ("level", "integer", false),
            ("tags", "array", false),
            ("options", "object", false),
            ("extra", "object", false),
            ("anything", "", false),
            ("type", "string", false),
        ]
    );
}

#[test]
fn config_types_defaults_and_names() {
    let config = KitchenSinkConfig::from_values(&Map::new()).unwrap();
    assert_eq!(
        config,
        KitchenSinkConfig {
            name: "sink".into(),
            port: 80,
            ratio: 0.5,
            debug: false,
            password: None,
            type_: None,
            _2fa_code: None,
            whole_float: 3.0,
        }
    );
    let config = KitchenSinkConfig::from_values(&map(json!({
        "name": "x", "port": 8080, "ratio": 2, "debug": true,
        "password": "secret:123", "type": "t", "2fa-code": 42, "whole-float": 1.25,
    })))
    .unwrap();
    assert_eq!(config.name, "x");
    assert_eq!(config.port, 8080);
    assert_eq!(config.ratio, 2.0);
    assert!(config.debug);
    assert_eq!(config.password.as_deref(), Some("secret:123"));
    assert_eq!(config.type_.as_deref(), Some("t"));
    assert_eq!(config._2fa_code, Some(42));
    assert_eq!(config.whole_float, 1.25);

    let err = KitchenSinkConfig::from_values(&map(json!({"debug": "yes"}))).unwrap_err();
    assert_eq!(err.to_string(), "debug: expected a boolean, got a string");
    let err = KitchenSinkConfig::from_values(&map(json!({"2fa-code": 1.5}))).unwrap_err();
    assert_eq!(
        err.to_string(),
        "2fa-code: expected an integer, got a number"
    );
}

#[test]
fn params_required_defaults_nested_arrays_enums() {
    let params = BackupParams::from_values(&map(json!({"target": "s3"}))).unwrap();
    assert_eq!(
        params,
        BackupParams {
            target: "s3".into(),
            compression: BackupCompression::Gzip,
            level: 6,
            tags: None,
            options: None,
            extra: None,
            anything: None,
            type_: None,
        }
    );
    let params = BackupParams::from_values(&map(json!({
        "target": "s3", "compression": "xz", "level": 9, "tags": ["daily"],
        "options": {"retries": 2, "limits": {"bandwidth": 1.5}},
        "extra": {"k": 1}, "anything": [1, "two"], "type": "full",
    })))
    .unwrap();
    assert_eq!(params.compression, BackupCompression::Xz);
    assert_eq!(params.tags, Some(vec![BackupTagsItem::Daily]));
    let options: BackupOptions = params.options.clone().unwrap();
    assert_eq!(
        options,
        BackupOptions {
            verify: true,
            retries: 2,
            limits: Some(BackupOptionsLimits { bandwidth: 1.5 }),
        }
    );
    assert_eq!(params.extra.unwrap().get("k"), Some(&json!(1)));
    assert_eq!(params.anything, Some(json!([1, "two"])));
    assert_eq!(params.type_.as_deref(), Some("full"));

    let err = |v: Value| BackupParams::from_values(&map(v)).unwrap_err();
    assert_eq!(
        err(json!({})),
        ValueError::Missing {
            path: "target".into()
        }
    );
    assert_eq!(
        err(json!({"target": "s3", "compression": "zip"})).to_string(),
        "compression: not one of \"gzip\", \"xz\", \"none\""
    );
    assert_eq!(
        err(json!({"target": "s3", "tags": ["daily", "hourly"]})).to_string(),
        "tags[1]: not one of \"daily\", \"weekly\""
    );
    assert_eq!(
        err(json!({"target": "s3", "options": {}})).to_string(),
        "options.retries: required but not given"
    );
    assert_eq!(
        err(json!({"target": "s3", "options": {"retries": 1, "limits": {"bandwidth": "x"}}}))
            .to_string(),
        "options.limits.bandwidth: expected a number, got a string"
    );
    assert_eq!(
        err(json!({"target": "s3", "options": {"retries": 1, "colour": "red"}})).to_string(),
        "options.colour: unknown key"
    );
    assert_eq!(
        err(json!({"target": "s3", "surprise": 1})).to_string(),
        "surprise: unknown key"
    );
    assert_eq!(
        err(json!({"target": "s3", "options": 3})).to_string(),
        "options: expected an object, got a number"
    );
    // An action without params takes anything (additionalProperties defaults to true).
    assert_eq!(
        RestartParams::from_values(&map(json!({"x": 1}))).unwrap(),
        RestartParams {}
    );
}
