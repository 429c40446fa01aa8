//! Top-level keys: name, assumes, containers, resources, storage, relations, extra
//! bindings, links and devices.

use super::*;

#[test]
fn reads_name_summary_description_subordinate_and_charm_user() {
    let m = parse(
        "name: demo\ntype: charm\nsummary: A demo.\ndescription: |\n  Long\n  text.\n\
         subordinate: true\ncharm-user: non-root\n",
    );
    assert_eq!(m.name, "demo");
    assert_eq!(m.summary.as_deref(), Some("A demo."));
    assert_eq!(m.description.as_deref(), Some("Long\ntext.\n"));
    assert!(m.subordinate);
    assert_eq!(m.charm_user, Some(CharmUser::NonRoot));
    assert!(m.sources.is_empty());

    let m = parse("name: demo\nsubordinate: False\n");
    assert!(!m.subordinate);
    assert_eq!(m.charm_user, None);
}

#[test]
fn ignores_keys_it_does_not_model() {
    let m = parse(
        "name: demo\nseries: [jammy, focal]\ntags: [misc]\nmaintainer: Me <me@x>\n\
         maintainers:\n  - A\n  - B\nparts:\n  charm:\n    plugin: charm\nbases:\n  - name: ubuntu\n\
         platforms:\n  ubuntu@24.04:amd64:\ndisplay-name: Demo\nterms: [x]\ndocs: https://x\n",
    );
    assert_eq!(m.name, "demo");
}

#[test]
fn reads_nested_assumes() {
    let m = parse(
        "name: c\nassumes:\n  - k8s-api\n  - any-of:\n      - all-of:\n          - juju >= 2.9.44\n\
         \x20         - juju < 3\n      - juju >= 3.4.3\n",
    );
    assert_eq!(
        m.assumes,
        vec![
            Assumption::Feature("k8s-api".into()),
            Assumption::AnyOf(vec![
                Assumption::AllOf(vec![
                    Assumption::Feature("juju >= 2.9.44".into()),
                    Assumption::Feature("juju < 3".into()),
                ]),
                Assumption::Feature("juju >= 3.4.3".into()),
            ]),
        ]
    );
    assert_eq!(
        parse("name: c\nassumes: juju\n").assumes,
        vec![Assumption::Feature("juju".into())]
    );
}

#[test]
fn reads_containers_with_mounts() {
    let m = parse(
        "name: c\ncontainers:\n  demo-server:\n    resource: demo-image\n    mounts:\n\
         \x20     - storage: data\n        location: /var/data\n      - storage: logs\n\
         \x20 sidecar:\n    bases: [{name: ubuntu, channel: '22.04'}]\n    uid: 584792\n",
    );
    assert_eq!(
        m.containers,
        vec![
            Container {
                name: "demo-server".into(),
                resource: Some("demo-image".into()),
                mounts: vec![
                    Mount {
                        storage: "data".into(),
                        location: Some("/var/data".into())
                    },
                    Mount {
                        storage: "logs".into(),
                        location: None
                    },
                ],
                bases: vec![],
                uid: None,
                gid: None,
            },
            Container {
                name: "sidecar".into(),
                resource: None,
                mounts: vec![],
                bases: vec![ContainerBase {
                    name: "ubuntu".into(),
                    channel: "22.04".into(),
                    architectures: vec![],
                }],
                uid: Some(584792),
                gid: None,
            },
        ]
    );
}

#[test]
fn reads_resources() {
    let m = parse(
        "name: c\nresources:\n  image:\n    type: oci-image\n    description: The image\n\
         \x20   upstream-source: x/y:1\n    auto-fetch: true\n  bin:\n    type: file\n\
         \x20   filename: kratos.tar\n  plain:\n",
    );
    assert_eq!(
        m.resources,
        vec![
            Resource {
                name: "image".into(),
                kind: ResourceType::OciImage,
                filename: None,
                description: Some("The image".into())
            },
            Resource {
                name: "bin".into(),
                kind: ResourceType::File,
                filename: Some("kratos.tar".into()),
                description: None
            },
            Resource {
                name: "plain".into(),
                kind: ResourceType::File,
                filename: None,
                description: None
            },
        ]
    );
}

#[test]
fn reads_storage_with_every_multiple_form() {
    let m = parse(
        "name: c\nstorage:\n\
         \x20 a:\n    type: filesystem\n    location: /data\n    multiple:\n      range: 0-\n\
         \x20   minimum-size: 5M\n    shared: true\n    read-only: True\n    properties: [transient]\n\
         \x20   description: Data\n\
         \x20 b:\n    type: block\n    multiple: {range: 1-}\n\
         \x20 c:\n    type: block\n    multiple: {range: 2-5}\n    minimum-size: 1024\n\
         \x20 d:\n    type: block\n    multiple: {range: 3}\n    properties: transient\n\
         \x20 e:\n    type: block\n    multiple: {range: 4+}\n\
         \x20 f:\n    type: filesystem\n    multiple: {range: '2'}\n\
         \x20 g:\n    type: filesystem\n",
    );
    let s = &m.storages;
    assert_eq!(s.len(), 7);
    assert_eq!(
        s[0],
        Storage {
            name: "a".into(),
            kind: StorageType::Filesystem,
            location: Some("/data".into()),
            multiple: Some((0, None)),
            minimum_size: Some("5M".into()),
            shared: true,
            read_only: true,
            properties: vec!["transient".into()],
            description: Some("Data".into()),
        }
    );
    assert_eq!(s[1].multiple, Some((1, None)));
    assert_eq!(s[2].multiple, Some((2, Some(5))));
    assert_eq!(s[2].minimum_size.as_deref(), Some("1024"));
    assert_eq!(s[3].multiple, Some((3, Some(3))));
    assert_eq!(s[3].properties, vec!["transient".to_string()]);
    assert_eq!(s[4].multiple, Some((4, None)));
    assert_eq!(s[5].multiple, Some((2, Some(2))));
    assert_eq!(s[6].multiple, None);
    assert!(!s[6].shared && !s[6].read_only);
}

#[test]
fn reads_relations_in_section_order() {
    let m = parse(
        "name: c\npeers:\n  cluster:\n    interface: cluster\n\
         requires:\n  database:\n    interface: postgresql_client\n    limit: 1\n    optional: true\n\
         \x20 juju-info:\n    interface: juju-info\n    scope: container\n\
         \x20 ingress:\n    interface: ingress\n    limit: \"1\"\n    schema:\n      v1: {type: object}\n\
         \x20   versions: [v1]\n    __schema_source: https://x\n\
         provides:\n  website: http\n  metrics:\n    interface: prometheus_scrape\n    scope: global\n",
    );
    let names: Vec<(&str, Role)> = m
        .relations
        .iter()
        .map(|r| (r.name.as_str(), r.role))
        .collect();
    assert_eq!(
        names,
        vec![
            ("website", Role::Provides),
            ("metrics", Role::Provides),
            ("database", Role::Requires),
            ("juju-info", Role::Requires),
            ("ingress", Role::Requires),
            ("cluster", Role::Peer),
        ]
    );
    assert_eq!(m.relations[0].interface, "http");
    assert_eq!(
        m.relations[2],
        Relation {
            name: "database".into(),
            role: Role::Requires,
            interface: "postgresql_client".into(),
            limit: Some(1),
            optional: true,
            container_scope: false,
        }
    );
    assert!(m.relations[3].container_scope);
    assert!(!m.relations[1].container_scope);
    assert_eq!(m.relations[4].limit, Some(1));
    assert_eq!(m.relations[5].limit, None);
}

#[test]
fn reads_extra_bindings_links_and_devices() {
    let m = parse(
        "name: c\nextra-bindings:\n  public:\n  cluster:\n\
         links:\n  documentation: https://docs\n  issues: https://issues\n\
         \x20 source:\n    - https://a\n    - https://b\n  website: [https://w]\n\
         devices:\n  gpu:\n    type: nvidia.com/gpu\n    countmin: 1\n    countmax: 2\n    description: A GPU\n",
    );
    assert_eq!(
        m.extra_bindings,
        vec!["public".to_string(), "cluster".to_string()]
    );
    assert_eq!(
        m.links,
        Links {
            documentation: Some("https://docs".into()),
            issues: vec!["https://issues".into()],
            source: vec!["https://a".into(), "https://b".into()],
            contact: vec![],
            website: vec!["https://w".into()],
        }
    );
    assert_eq!(
        m.devices,
        vec![Device {
            name: "gpu".into(),
            kind: "nvidia.com/gpu".into(),
            description: Some("A GPU".into()),
            count_min: Some(1),
            count_max: Some(2),
        }]
    );
    assert_eq!(
        parse("name: c\nextra-bindings: [a, b]\n").extra_bindings,
        vec!["a".to_string(), "b".to_string()]
    );
}
