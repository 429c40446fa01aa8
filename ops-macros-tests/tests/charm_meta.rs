//! `ops::meta::CharmMeta` as `#[charm]` generates it, key by key: for every corpus charm
//! and the `full-meta` fixture, compared with what Python ops' `CharmMeta` reads from the
//! same files (`tests/python/charm_meta.py`); and the fixture's exact values, including
//! the keys Python ops does not expose (`title`, `devices`, execution groups).

#![deny(missing_docs)]

use ops::meta::*;
use ops::prelude::*;
use ops_macros_tests::corpus::CHARMS;
use serde_json::{json, Map, Value};
use std::path::{Path, PathBuf};

/// Declares every metadata key `CharmMeta` models.
#[charm(metadata = "tests/charms/full-meta/charmcraft.yaml")]
#[derive(Default, Serialize, Deserialize)]
pub struct FullMeta;

#[charm]
impl FullMeta {}

fn fixture_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/charms/full-meta")
}

fn corpus_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/charms")
}

fn assumes(list: &[Assumption]) -> Value {
    list.iter()
        .map(|a| match a {
            Assumption::Feature(f) => json!(f),
            Assumption::AnyOf(l) => json!({ "any-of": assumes(l) }),
            Assumption::AllOf(l) => json!({ "all-of": assumes(l) }),
            other => panic!("an assumption this test does not know: {other:?}"),
        })
        .collect()
}

fn by_name<T>(items: &[T], name: impl Fn(&T) -> &str, f: impl Fn(&T) -> Value) -> Value {
    Value::Object(
        items
            .iter()
            .map(|i| (name(i).to_string(), f(i)))
            .collect::<Map<_, _>>(),
    )
}

/// The generated metadata in the shape `charm_meta.py` dumps Python's.
fn dump(m: &CharmMeta) -> Value {
    let mut extra_bindings = m.extra_bindings.to_vec();
    extra_bindings.sort_unstable();
    json!({
        "name": m.name,
        "summary": m.summary,
        "description": m.description,
        "maintainers": m.maintainers,
        "links": {
            "documentation": m.links.documentation,
            "issues": m.links.issues,
            "sources": m.links.sources,
            "websites": m.links.websites,
        },
        "tags": m.tags,
        "terms": m.terms,
        "series": m.series,
        "subordinate": m.subordinate,
        "min_juju_version": m.min_juju_version,
        "assumes": assumes(m.assumes),
        "charm_user": m.charm_user.as_str(),
        "relations": by_name(m.relations, |r| r.name, |r| json!({
            "role": r.role.as_str(),
            "interface": r.interface,
            "limit": r.limit,
            "scope": r.scope.as_str(),
            "optional": r.optional,
        })),
        "storages": by_name(m.storages, |s| s.name, |s| json!({
            "type": s.kind.as_str(),
            "description": s.description,
            "location": s.location,
            "shared": s.shared,
            "read_only": s.read_only,
            "minimum_size": s.minimum_size,
            "multiple_range": s.multiple.map(|r| json!([r.min, r.max])),
            "properties": s.properties,
        })),
        "resources": by_name(m.resources, |r| r.name, |r| json!({
            "type": r.kind.as_str(),
            "filename": r.filename,
            "description": r.description,
        })),
        "payloads": by_name(m.payloads, |p| p.name, |p| json!(p.kind)),
        "extra_bindings": extra_bindings,
        "containers": by_name(m.containers, |c| c.name, |c| {
            // Python groups the mounts by storage and leaves out those without a location.
            let mut mounts = Map::new();
            for mount in c.mounts {
                if let Some(location) = mount.location {
                    let entry = mounts.entry(mount.storage).or_insert_with(|| json!([]));
                    entry.as_array_mut().unwrap().push(json!(location));
                }
            }
            json!({
                "resource": c.resource,
                "bases": c.bases.iter().map(|b| json!({
                    "name": b.name,
                    "channel": b.channel,
                    "architectures": b.architectures,
                })).collect::<Vec<_>>(),
                "mounts": mounts,
            })
        }),
        "actions": by_name(m.actions, |a| a.name, |a| {
            let mut required: Vec<&str> =
                a.params.iter().filter(|p| p.required).map(|p| p.name).collect();
            required.sort_unstable();
            json!({
                "title": a.title,
                "description": a.description,
                "params": a.params.iter().map(|p| p.name).collect::<Vec<_>>(),
                "required": required,
                "additional_properties": a.additional_properties,
            })
        }),
        "config": by_name(m.config, |o| o.name, |o| {
            let kind = match o.kind {
                ConfigKind::String => "string",
                ConfigKind::Int => "int",
                ConfigKind::Float => "float",
                ConfigKind::Boolean => "boolean",
                ConfigKind::Secret => "secret",
            };
            let default: Option<Value> =
                o.default.map(|d| serde_json::from_str(d).expect("defaults are JSON text"));
            json!({ "type": kind, "default": default, "description": o.description })
        }),
    })
}

#[test]
fn every_key_matches_python_ops() {
    let Some(python) = charmlib_python_refs::python("CharmMeta compared with Python ops") else {
        return;
    };
    let mut charms: Vec<(String, PathBuf, &CharmMeta)> = CHARMS
        .iter()
        .map(|(folder, meta)| (folder.to_string(), corpus_dir().join(folder), *meta))
        .collect();
    charms.push(("full-meta".into(), fixture_dir(), FullMeta::META));
    let input: Value = charms
        .iter()
        .map(|(name, dir, _)| json!([name, dir]))
        .collect();
    let python_metas =
        charmlib_python_refs::run(&python, include_str!("python/charm_meta.py"), &input);
    let mut differences = Vec::new();
    for (name, _, meta) in &charms {
        let ours = dump(meta);
        let theirs = &python_metas[name.as_str()];
        for (key, value) in ours.as_object().unwrap() {
            if theirs[key] != *value {
                differences.push(format!(
                    "{name}: {key}:\n  ours:   {value}\n  Python: {}",
                    theirs[key]
                ));
            }
        }
    }
    assert!(
        differences.is_empty(),
        "{} differences from Python ops:\n{}",
        differences.len(),
        differences.join("\n")
    );
    // The corpus, when present, exercises the typed fields with real data.
    if CHARMS.len() >= 28 {
        let all = || CHARMS.iter().map(|(_, m)| *m);
        assert!(all().any(|m| !m.assumes.is_empty() && m.links.documentation.is_some()));
        assert!(all().any(|m| m.storages.iter().any(|s| s.multiple.is_some())));
        assert!(all().any(|m| m.charm_user == CharmUser::NonRoot));
        assert!(all().any(|m| m
            .relations
            .iter()
            .any(|r| r.scope == RelationScope::Container)));
    }
}

#[test]
fn the_fixture_is_read_exactly() {
    let m = FullMeta::META;
    assert_eq!(m.name, "full-meta");
    assert_eq!(m.title, Some("Full Meta"));
    assert_eq!(
        m.maintainers,
        ["Jane Doe <jane@example.com>", "Team <team@example.com>"]
    );
    assert_eq!(
        m.links,
        Links {
            documentation: Some("https://example.com/docs"),
            issues: &["https://example.com/issues"],
            sources: &["https://example.com/src", "https://example.com/mirror"],
            websites: &["https://example.com"],
        }
    );
    assert_eq!(
        (m.tags, m.terms),
        (&["database", "testing"][..], &["licence-a"][..])
    );
    assert_eq!(m.series, ["jammy", "focal"]);
    assert_eq!(m.min_juju_version, Some("2.9.0"));
    assert_eq!(
        m.assumes,
        [
            Assumption::Feature("k8s-api"),
            Assumption::Feature("juju >= 3.1"),
            Assumption::AnyOf(&[
                Assumption::AllOf(&[
                    Assumption::Feature("juju >= 2.9.44"),
                    Assumption::Feature("juju < 3"),
                ]),
                Assumption::Feature("juju>=3.1.5"),
            ]),
        ]
    );
    assert_eq!(m.charm_user, CharmUser::Sudoer);
    assert_eq!(
        m.container("builder"),
        Some(&ContainerMeta {
            bases: &[ContainerBase {
                name: "ubuntu",
                channel: "22.04",
                architectures: &["amd64", "arm64"],
            }],
            uid: Some(1000),
            gid: Some(1001),
            ..ContainerMeta::new("builder")
        })
    );
    assert_eq!(
        m.container("app").unwrap().mounts,
        [
            ContainerMount {
                storage: "data",
                location: Some("/var/data")
            },
            ContainerMount {
                storage: "data",
                location: Some("/var/data2")
            },
        ]
    );
    assert_eq!(
        m.resource("app-image"),
        Some(&ResourceMeta {
            description: "The app's image.",
            ..ResourceMeta::new("app-image", ResourceType::OciImage)
        })
    );
    assert_eq!(
        m.storage("data"),
        Some(&StorageMeta {
            description: "App data.",
            location: Some("/srv/data"),
            minimum_size: Some("10G"),
            multiple: Some(StorageRange { min: 2, max: None }),
            ..StorageMeta::new("data", StorageType::Filesystem)
        })
    );
    assert_eq!(
        m.storage("scratch"),
        Some(&StorageMeta {
            multiple: Some(StorageRange {
                min: 1,
                max: Some(3)
            }),
            properties: &["transient"],
            ..StorageMeta::new("scratch", StorageType::Block)
        })
    );
    let logs = m.storage("logs").unwrap();
    assert!(logs.shared && logs.read_only);
    assert_eq!(logs.multiple, Some(StorageRange { min: 2, max: None }));
    assert_eq!(
        m.storage("single").unwrap().multiple,
        Some(StorageRange {
            min: 4,
            max: Some(4)
        })
    );
    assert_eq!(
        m.relation("db"),
        Some(&RelationMeta {
            limit: Some(1),
            optional: true,
            ..RelationMeta::new("db", RelationRole::Requires, "postgresql_client")
        })
    );
    assert_eq!(
        m.relation("logging").unwrap().scope,
        RelationScope::Container
    );
    let peers: Vec<&str> = m
        .relations_with_role(RelationRole::Peer)
        .map(|r| r.name)
        .collect();
    assert_eq!(peers, ["cluster"]);
    assert_eq!(
        m.payloads,
        [PayloadMeta {
            name: "monitor",
            kind: "docker"
        }]
    );
    assert_eq!(
        m.devices,
        [DeviceMeta {
            name: "gpu",
            kind: "nvidia.com/gpu",
            description: "A GPU.",
            count_min: Some(1),
            count_max: Some(2),
        }]
    );
    assert_eq!(m.extra_bindings, ["public"]);
    assert_eq!(
        m.config_option("port"),
        Some(&ConfigOptionMeta {
            default: Some("8080"),
            description: Some("The port."),
            ..ConfigOptionMeta::new("port", ConfigKind::Int)
        })
    );
    let backup = m.action("backup").unwrap();
    assert_eq!(
        (backup.title, backup.description),
        ("Back up", "Backs the data up.")
    );
    assert_eq!(
        (backup.execution_group, backup.parallel),
        (Some("maintenance"), true)
    );
    assert!(!backup.additional_properties);
    assert_eq!(
        m.action("status"),
        Some(&ActionMeta::new("status")),
        "an action with no keys takes Juju's defaults"
    );
}
