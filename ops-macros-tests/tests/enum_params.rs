//! String `enum`s in action params become Rust enums: top-level params, object properties
//! and array items; defaults, odd values, conversion errors, and a handler that matches
//! without a catch-all arm.

#![deny(missing_docs)]

mod common;

use common::Unit;
use ops::charm::{FromValue, ValueError};
use ops::prelude::*;
use ops::{Action, ActionParams, EventData, EventKind};
use serde_json::{json, Map, Value};

/// A charm whose action params are enums.
#[charm(metadata = "tests/charms/enum-params/charmcraft.yaml")]
#[derive(Default, Serialize, Deserialize)]
pub struct EnumParams {
    calls: Vec<String>,
}

#[charm]
impl EnumParams {
    #[on(action = "backup")]
    fn backup(&mut self, _: &Model<Self>, action: &mut Action<BackupParams>) {
        let p = &action.params;
        // Exhaustive: no `other =>` arm is needed.
        let what = match p.mode {
            BackupMode::Full => "everything",
            BackupMode::Incremental => "changes",
        };
        let tags: Vec<&str> = p.tags.iter().flatten().map(|t| t.as_str()).collect();
        self.calls.push(format!(
            "{what} {} {:?} {tags:?}",
            p.compression,
            p.format.as_ref().map(BackupFormat::as_str)
        ));
    }
}

fn map(v: Value) -> Map<String, Value> {
    v.as_object().cloned().unwrap_or_default()
}

fn params(v: Value) -> Result<BackupParams, ValueError> {
    BackupParams::from_values(&map(v))
}

#[test]
fn enums_parse_with_defaults_nested_and_array_items() {
    let p = params(json!({"mode": "full"})).unwrap();
    assert_eq!(
        p,
        BackupParams {
            mode: BackupMode::Full,
            compression: BackupCompression::Xz,
            format: None,
            tags: None,
            target: None,
            level: None,
            size: None,
        }
    );
    let p = params(json!({
        "mode": "incremental", "compression": "none", "format": "TLS",
        "tags": ["weekly", "daily"], "target": {"region": "eu-west-1"},
        "level": 5, "size": "large",
    }))
    .unwrap();
    assert_eq!(p.mode, BackupMode::Incremental);
    assert_eq!(p.compression, BackupCompression::None);
    assert_eq!(p.format, Some(BackupFormat::TLS));
    assert_eq!(
        p.tags,
        Some(vec![BackupTagsItem::Weekly, BackupTagsItem::Daily])
    );
    // A nested property's default is its variant too.
    assert_eq!(
        p.target,
        Some(BackupTarget {
            kind: BackupTargetKind::Local,
            region: BackupTargetRegion::EuWest1,
        })
    );
    // An integer enum keeps its base type.
    assert_eq!(p.level, Some(5i64));
    // `null` in a string enum is left out (Juju refuses null for a string anyway).
    assert_eq!(p.size, Some(BackupSize::Large));
    assert_eq!(BackupSize::all(), [BackupSize::Small, BackupSize::Large]);
}

#[test]
fn odd_values_get_predictable_variants_and_round_trip() {
    let expected = [
        (BackupFormat::AppAdmin, "app-admin"),
        (BackupFormat::LookupSecret, "lookup_secret"),
        (BackupFormat::TLS, "TLS"),
        (BackupFormat::_3des, "3des"),
        (BackupFormat::Self_, "self"),
        (BackupFormat::X509, "x.509"),
        (BackupFormat::Empty, ""),
        (BackupFormat::U2B, "+"),
    ];
    assert_eq!(
        BackupFormat::all(),
        expected.map(|(variant, _)| variant).as_slice()
    );
    for (variant, text) in expected {
        assert_eq!(variant.as_str(), text);
        assert_eq!(variant.to_string(), text);
        assert_eq!(
            BackupFormat::from_value(&json!(text), "format"),
            Ok(variant)
        );
        let p = params(json!({"mode": "full", "format": text})).unwrap();
        assert_eq!(p.format, Some(variant));
    }
    // Display honours width and alignment, like a `str`.
    assert_eq!(format!("[{:>6}]", BackupMode::Full), "[  full]");
    // Copy, Eq and Hash: usable as set members and map keys.
    let set: std::collections::HashSet<BackupMode> =
        [BackupMode::Full, BackupMode::Full].into_iter().collect();
    assert_eq!(set.len(), 1);
}

#[test]
fn bad_values_name_the_path_and_the_allowed_values() {
    let err = |v: Value| params(v).unwrap_err().to_string();
    assert_eq!(
        err(json!({"mode": "Full"})),
        "mode: not one of \"full\", \"incremental\""
    );
    assert_eq!(
        err(json!({"mode": "full", "compression": "zip"})),
        "compression: not one of \"gzip\", \"xz\", \"none\""
    );
    assert_eq!(
        err(json!({"mode": "full", "tags": ["daily", "hourly"]})),
        "tags[1]: not one of \"daily\", \"weekly\""
    );
    assert_eq!(
        err(json!({"mode": "full", "target": {"region": "mars-1"}})),
        "target.region: not one of \"eu-west-1\", \"us-east-1\""
    );
    assert_eq!(
        err(json!({"mode": "full", "target": {"region": "us-east-1", "kind": "ftp"}})),
        "target.kind: not one of \"s3\", \"local\""
    );
    assert_eq!(
        err(json!({"mode": 1})),
        "mode: expected a string, got a number"
    );
    assert_eq!(
        err(json!({"mode": "full", "level": 3})),
        "level: not one of 1, 5, 9"
    );
    assert_eq!(
        params(json!({})).unwrap_err(),
        ValueError::Missing {
            path: "mode".into()
        }
    );
    assert_eq!(
        BackupMode::from_value(&json!(null), "x").unwrap_err(),
        ValueError::WrongType {
            path: "x".into(),
            expected: "a string",
            got: "null".into(),
        }
    );
}

#[test]
fn the_metadata_keeps_each_params_enum() {
    let backup = EnumParams::META.action("backup").unwrap();
    let param = |name: &str| backup.params.iter().find(|p| p.name == name).unwrap();
    assert_eq!(param("mode").enum_values, ["\"full\"", "\"incremental\""]);
    assert_eq!(param("level").enum_values, ["1", "5", "9"]);
    assert_eq!(
        param("size").enum_values,
        ["\"small\"", "null", "\"large\""]
    );
    assert!(param("tags").enum_values.is_empty());
}

#[test]
fn handlers_get_the_enums() {
    let mut unit = Unit::<EnumParams>::new();
    let mut charm = EnumParams::default();
    let ev = EventData::named(EventKind::Action, "backup");
    unit.action_params = map(json!({"mode": "incremental", "tags": ["daily"], "format": "x.509"}));
    unit.dispatch(&mut charm, &ev, None).into_result().unwrap();
    unit.action_params = map(json!({"mode": "full", "compression": "gzip"}));
    unit.dispatch(&mut charm, &ev, None).into_result().unwrap();
    assert_eq!(
        charm.calls,
        [
            "changes xz Some(\"x.509\") [\"daily\"]",
            "everything gzip None []"
        ]
    );
    unit.action_params = map(json!({"mode": "partial"}));
    let err = unit
        .dispatch(&mut charm, &ev, None)
        .into_result()
        .unwrap_err()
        .to_string();
    assert!(
        err.contains("mode: not one of \"full\", \"incremental\""),
        "{err}"
    );
}
