//! The corpus of real charms: the documented counts and details worth knowing.

use super::*;

/// One row of the table in `corpus/README.md`.
#[derive(Debug)]
struct Expected {
    charm: String,
    layout: String,
    containers: usize,
    relations: usize,
    actions: usize,
    options: usize,
}

fn parse_table(readme: &str) -> Vec<Expected> {
    readme
        .lines()
        .filter(|l| l.starts_with("| ") && !l.starts_with("| charm ") && !l.starts_with("|---"))
        .map(|l| {
            let cells: Vec<&str> = l.trim_matches('|').split('|').map(str::trim).collect();
            assert_eq!(cells.len(), 6, "bad row: {l}");
            let containers = match cells[2] {
                "no" => 0,
                yes => yes
                    .trim_start_matches("yes (")
                    .trim_end_matches(')')
                    .parse()
                    .unwrap_or_else(|_| panic!("bad containers cell: {l}")),
            };
            let num = |s: &str| {
                s.parse::<usize>()
                    .unwrap_or_else(|_| panic!("bad row: {l}"))
            };
            Expected {
                charm: cells[0].to_string(),
                layout: cells[1].to_string(),
                containers,
                relations: num(cells[3]),
                actions: num(cells[4]),
                options: num(cells[5]),
            }
        })
        .collect()
}

/// The corpus's `charms` folder, if present. Missing, it fails the test under CI
/// (`ci`), and skips it with a note otherwise.
fn corpus_charms(root: &Path, ci: bool) -> Option<PathBuf> {
    let charms = root.join("charms");
    if charms.is_dir() {
        return Some(charms);
    }
    if ci {
        panic!(
            "the corpus folder {} is missing (CI=true)",
            charms.display()
        );
    }
    eprintln!(
        "note: skipping a corpus test: {} is missing",
        charms.display()
    );
    None
}

fn corpus_root() -> &'static Path {
    Path::new(concat!(env!("CARGO_MANIFEST_DIR"), "/../../shared/corpus"))
}

fn in_ci() -> bool {
    std::env::var("CI").as_deref() == Ok("true")
}

#[test]
#[should_panic(expected = "is missing (CI=true)")]
fn a_missing_corpus_fails_under_ci() {
    corpus_charms(Path::new("/nonexistent/corpus"), true);
}

#[test]
fn a_missing_corpus_is_skipped_outside_ci() {
    assert_eq!(corpus_charms(Path::new("/nonexistent/corpus"), false), None);
}

#[test]
fn corpus_charms_load_with_the_documented_counts() {
    let root = corpus_root();
    let Some(charms) = corpus_charms(root, in_ci()) else {
        return;
    };
    let readme = std::fs::read_to_string(root.join("README.md")).expect("corpus README.md");
    let table = parse_table(&readme);
    assert_eq!(table.len(), 28, "rows in the corpus table");

    let mut folders: Vec<String> = std::fs::read_dir(&charms)
        .unwrap()
        .map(|e| e.unwrap())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let mut charted: Vec<String> = table.iter().map(|r| r.charm.clone()).collect();
    charted.sort();
    assert_eq!(folders, charted, "corpus folders vs. table rows");

    let mut failures = Vec::new();
    for row in &table {
        let dir = charms.join(&row.charm);
        let entry = dir.join("charmcraft.yaml");
        let m = match load(&entry) {
            Ok(m) => m,
            Err(e) => {
                failures.push(format!("{}: {}", row.charm, e.message));
                continue;
            }
        };
        let got = (
            m.name.as_str(),
            m.containers.len(),
            m.relations.len(),
            m.actions.len(),
            m.config.len(),
        );
        let want = (
            row.charm.as_str(),
            row.containers,
            row.relations,
            row.actions,
            row.options,
        );
        if got != want {
            failures.push(format!("{}: got {got:?}, want {want:?}", row.charm));
        }
        // The legacy ones read the same from metadata.yaml, and list every file read.
        let legacy = dir.join("metadata.yaml").is_file();
        assert_eq!(legacy, row.layout == "legacy", "{}: layout", row.charm);
        if legacy {
            match load(&dir.join("metadata.yaml")) {
                Ok(again) => assert_eq!(again, m, "{}: loaded from metadata.yaml", row.charm),
                Err(e) => failures.push(format!("{} (metadata.yaml): {}", row.charm, e.message)),
            }
        }
        let expected_sources = [
            "charmcraft.yaml",
            "metadata.yaml",
            "config.yaml",
            "actions.yaml",
        ]
        .iter()
        .map(|f| dir.join(f))
        .filter(|p| p.is_file())
        .map(|p| std::fs::canonicalize(p).unwrap())
        .collect::<Vec<_>>();
        assert_eq!(m.sources, expected_sources, "{}: sources", row.charm);
    }
    assert!(
        failures.is_empty(),
        "corpus failures:\n{}",
        failures.join("\n")
    );
}

#[test]
fn corpus_details_worth_knowing_are_read() {
    let Some(charms) = corpus_charms(corpus_root(), in_ci()) else {
        return;
    };
    let load_charm = |name: &str| load(&charms.join(name).join("charmcraft.yaml")).unwrap();

    let ceph = load_charm("ceph-osd");
    assert!(!ceph.extra_bindings.is_empty());
    let blocks: Vec<&Storage> = ceph
        .storages
        .iter()
        .filter(|s| s.kind == StorageType::Block)
        .collect();
    assert_eq!(blocks.len(), 5);
    assert!(blocks.iter().all(|s| s.multiple == Some((0, None))));

    let kafka = load_charm("kafka");
    assert!(kafka.actions.iter().any(|a| !a.additional_properties));
    let data = kafka.storages.iter().find(|s| s.name == "data").unwrap();
    assert_eq!(data.multiple, Some((1, None)));
    assert!(data.location.is_some());

    let kubeflow = load_charm("kubeflow-dashboard");
    assert_eq!(kubeflow.charm_user, Some(CharmUser::NonRoot));

    for name in ["postgresql", "mysql", "mysql-k8s"] {
        let m = load_charm(name);
        assert!(
            m.assumes.iter().any(|a| matches!(a, Assumption::AnyOf(_))),
            "{name}: nested assumes"
        );
    }
    for name in ["grafana-agent", "pgbouncer"] {
        let m = load_charm(name);
        assert!(m.subordinate, "{name}: subordinate");
        assert!(
            m.relations.iter().any(|r| r.container_scope),
            "{name}: scope container"
        );
    }
    let etcd = load_charm("charmed-etcd");
    assert!(etcd
        .config
        .iter()
        .any(|o| o.kind == ConfigType::Secret && o.default.is_none()));

    let kratos = load_charm("kratos");
    assert!(kratos
        .resources
        .iter()
        .any(|r| r.kind == ResourceType::OciImage));
    assert!(kratos
        .resources
        .iter()
        .any(|r| r.kind == ResourceType::File && r.filename.is_some()));

    let loki = load_charm("loki-k8s");
    assert_eq!(loki.containers.len(), 2);
    assert!(
        loki.containers
            .iter()
            .map(|c| c.mounts.len())
            .sum::<usize>()
            >= 2
    );

    // Quoted numbers for string options stay strings.
    let flush = kafka
        .config
        .iter()
        .find(|o| o.name == "log-flush-interval-messages")
        .unwrap();
    assert_eq!(flush.kind, ConfigType::String);
    assert_eq!(
        flush.default,
        Some(Value::String("9223372036854775807".into()))
    );
    // Capitalised booleans in action params.
    let mysql = load_charm("mysql");
    assert!(mysql
        .actions
        .iter()
        .flat_map(|a| &a.params)
        .any(|p| p.schema.default == Some(Value::Bool(false))));
}
