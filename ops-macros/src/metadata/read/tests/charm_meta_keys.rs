//! The keys read for `ops::meta::CharmMeta` beyond what code generation needs: storage
//! `multiple` ranges and `assumes` features (every form real charms and Juju accept, bad
//! input as an error at its position, never a panic), container bases, links and
//! maintainers in both layouts.

use super::*;

fn storage_multiple(range: &str) -> String {
    format!("name: c\nstorage:\n  d:\n    type: block\n    multiple:\n      range: {range}\n")
}

fn assumes(feature: &str) -> String {
    format!("name: c\nassumes:\n  - {feature}\n")
}

#[test]
fn storage_ranges_read_as_python_ops_reads_them() {
    let cases: &[(&str, (u32, Option<u32>))] = &[
        ("0-", (0, None)),
        ("1-", (1, None)),
        ("2+", (2, None)),
        ("2-5", (2, Some(5))),
        ("1 - 3", (1, Some(3))),
        ("3", (3, Some(3))),
        ("'4'", (4, Some(4))),
        ("0-0", (0, Some(0))),
        ("4294967295-", (u32::MAX, None)),
    ];
    for (range, expected) in cases {
        let m = parse(&storage_multiple(range));
        assert_eq!(m.storages[0].multiple, Some(*expected), "range: {range}");
    }
    // A bare count, without `range:`.
    let m = parse("name: c\nstorage:\n  d:\n    type: block\n    multiple: 2\n");
    assert_eq!(m.storages[0].multiple, Some((2, Some(2))));
}

#[test]
fn bad_storage_ranges_are_errors_at_their_position() {
    let expected = "(expected N, N-, N+ or N-M)";
    let cases: &[(&str, String)] = &[
        ("lots", format!("invalid storage range \"lots\" {expected}")),
        (
            "1-2-3",
            format!("invalid storage range \"1-2-3\" {expected}"),
        ),
        ("'-'", format!("invalid storage range \"-\" {expected}")),
        ("'-3'", format!("invalid storage range \"-3\" {expected}")),
        ("x-", format!("invalid storage range \"x-\" {expected}")),
        ("''", format!("invalid storage range \"\" {expected}")),
        ("'1.5'", format!("invalid storage range \"1.5\" {expected}")),
        (
            "4294967296-",
            format!("invalid storage range \"4294967296-\" {expected}"),
        ),
        (
            "5-2",
            "invalid storage range \"5-2\": the maximum is below the minimum".to_string(),
        ),
    ];
    for (range, detail) in cases {
        let e = parse_err(&storage_multiple(range));
        assert_eq!(
            e.detail,
            format!("storage.d.multiple.range: {detail}"),
            "range: {range}"
        );
        assert_eq!((e.line, e.column), (Some(6), Some(14)), "range: {range}");
    }
    for (range, found) in [("-3", "integer `-3`"), ("1.5", "floating point `1.5`")] {
        let e = parse_err(&storage_multiple(range));
        assert_eq!(
            e.detail,
            format!(
                "storage.d.multiple.range: invalid type: {found}, \
                 expected a storage range such as 1, 0-, 2-5 or 3+"
            )
        );
    }
    let e = parse_err("name: c\nstorage:\n  d:\n    type: block\n    multiple: {}\n");
    assert_eq!(
        e.detail,
        "storage.d.multiple: `multiple` needs a `range` (such as `range: 0-`)"
    );
    let e = parse_err("name: c\nstorage:\n  d:\n    type: block\n    multiple: [1, 2]\n");
    assert!(
        e.detail
            .starts_with("storage.d.multiple: invalid type: sequence"),
        "{}",
        e.detail
    );
}

#[test]
fn assumes_features_read_as_juju_parses_them() {
    for feature in [
        "k8s-api",
        "a1",
        "juju >= 3.1",
        "juju>=3.1",
        "juju < 4",
        "juju >= 3",
        "juju >= 2.9.44",
        "juju >= 2.9-rc1",
        "juju >= 2.9-beta2.1",
        "juju >= 3.1.7.2",
        "'  juju  >=  3.1  '",
    ] {
        let m = parse(&assumes(feature));
        let written = feature.trim_matches('\'').trim();
        assert_eq!(
            m.assumes,
            vec![Assumption::Feature(written.to_string())],
            "feature: {feature}"
        );
    }
}

#[test]
fn malformed_features_are_errors_at_their_position() {
    let name = "a feature name is lowercase letters, digits and dashes, starting with a letter";
    let constraint = "the only version constraints are `>=` and `<`";
    let version = "the version is not a Juju version number";
    let cases: &[(&str, &str)] = &[
        ("Juju", name),
        ("k8s-", name),
        ("j", name),
        ("3juju", name),
        ("''", name),
        ("juju => 3", constraint),
        ("juju == 3", constraint),
        ("juju 3", constraint),
        ("juju > 3", constraint),
        ("juju >=", version),
        ("juju >= three", version),
        ("juju >= 3..1", version),
        ("juju >= 3.1-", version),
        ("juju >= 3.1.2.3.4", version),
        ("juju >= 3.1-rc", version),
        ("juju >= 3.é", version),
        ("juju >= 3 4", version),
    ];
    for (feature, why) in cases {
        let e = parse_err(&assumes(feature));
        let written = feature.trim_matches('\'');
        assert!(
            e.detail.starts_with(&format!(
                "assumes[0]: malformed feature expression {written:?}: {why} (expected a feature"
            )),
            "feature {feature}: {}",
            e.detail
        );
        assert_eq!((e.line, e.column), (Some(3), Some(5)), "feature: {feature}");
    }
    // Nested: the error names the path down to the feature.
    let e = parse_err("name: c\nassumes:\n  - any-of:\n      - all-of: [juju >= x]\n");
    assert!(
        e.detail
            .contains("malformed feature expression \"juju >= x\""),
        "{}",
        e.detail
    );
    assert_eq!(e.line, Some(4), "{}", e.message);
}

#[test]
fn a_container_with_a_resource_and_bases_is_an_error() {
    let e = parse_err(
        "name: c\ncontainers:\n  app:\n    resource: img\n    bases:\n      - {name: ubuntu, channel: '22.04'}\n",
    );
    assert_eq!(
        e.detail,
        "containers.app: a container takes its image from `resource` or from `bases`, not both"
    );
    assert_eq!(e.line, Some(4), "{}", e.message);
    let e = parse_err("name: c\ncontainers:\n  app:\n    bases:\n      - {name: ubuntu}\n");
    assert_eq!(e.detail, "containers.app.bases[0]: missing field `channel`");
}

#[test]
fn links_and_maintainers_in_both_layouts() {
    // charmcraft.yaml: `links`, with `contact` kept apart from `maintainers`.
    let m = parse(
        "name: c\nmaintainers: [a <a@x>]\nlinks:\n  documentation: https://d\n  \
         issues: https://i\n  source: [https://s1, https://s2]\n  contact: b <b@x>\n",
    );
    assert_eq!(m.maintainers, vec!["a <a@x>".to_string()]);
    assert_eq!(
        m.links,
        Links {
            documentation: Some("https://d".into()),
            issues: vec!["https://i".into()],
            source: vec!["https://s1".into(), "https://s2".into()],
            contact: vec!["b <b@x>".into()],
            website: vec![],
        }
    );
    // metadata.yaml v1: the top-level keys, which win over `links` as in Python ops; the
    // singular `maintainer` comes first.
    let m = parse(
        "name: c\nmaintainer: a <a@x>\nmaintainers: [b <b@x>]\ndocs: https://top\n\
         website: https://w\nlinks:\n  documentation: https://links\n  \
         website: https://ignored\n  issues: https://kept\n",
    );
    assert_eq!(
        m.maintainers,
        vec!["a <a@x>".to_string(), "b <b@x>".to_string()]
    );
    assert_eq!(m.links.documentation.as_deref(), Some("https://top"));
    assert_eq!(m.links.website, vec!["https://w".to_string()]);
    assert_eq!(m.links.issues, vec!["https://kept".to_string()]);
}

#[test]
fn the_descriptive_keys_of_metadata_v1() {
    let m = parse(
        "name: c\ntitle: C\ntags: [a, b]\nterms: t\nseries: [jammy]\nmin-juju-version: 2.9\n\
         payloads:\n  mon:\n    type: docker\ncharm-user: sudoer\n",
    );
    assert_eq!(m.title.as_deref(), Some("C"));
    assert_eq!(m.tags, vec!["a".to_string(), "b".to_string()]);
    assert_eq!(m.terms, vec!["t".to_string()]);
    assert_eq!(m.series, vec!["jammy".to_string()]);
    // An unquoted version reads as YAML's float; it means the text written.
    assert_eq!(m.min_juju_version.as_deref(), Some("2.9"));
    assert_eq!(
        m.payloads,
        vec![Payload {
            name: "mon".into(),
            kind: "docker".into()
        }]
    );
    assert_eq!(m.charm_user, Some(CharmUser::Sudoer));
    let e = parse_err("name: c\npayloads:\n  mon: {}\n");
    assert_eq!(e.detail, "payloads.mon: missing field `type`");
}

#[test]
fn the_new_keys_in_both_files_of_a_legacy_charm_are_refused() {
    let dir = TempDir::new();
    dir.write(
        "charmcraft.yaml",
        "type: charm\ndocs: https://a\ntags: [x]\n",
    );
    let path = dir.write("metadata.yaml", "name: c\ndocs: https://b\ntags: [y]\n");
    let e = load(&path).unwrap_err();
    assert!(
        e.message.ends_with(
            "`tags`, `docs` are also declared in charmcraft.yaml beside it \
             (charmcraft refuses duplicates)"
        ),
        "{}",
        e.message
    );
}
