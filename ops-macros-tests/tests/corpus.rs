//! Every corpus charm compiled through `#[charm]` (see `build.rs`); here its generated
//! metadata is checked against the folder it came from.

use ops_macros_tests::corpus::CHARMS;
use std::path::Path;

fn corpus_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpus/charms")
}

#[test]
fn every_corpus_folder_was_compiled() {
    let dir = corpus_dir();
    let Ok(entries) = std::fs::read_dir(&dir) else {
        assert!(
            std::env::var("CI").as_deref() != Ok("true"),
            "CI=true but the corpus is missing"
        );
        eprintln!("corpus not found at {}; skipped", dir.display());
        return;
    };
    let mut folders: Vec<String> = entries
        .filter_map(|e| e.ok())
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    folders.sort();
    let compiled: Vec<&str> = CHARMS.iter().map(|(name, _)| *name).collect();
    assert_eq!(compiled, folders);
    assert!(
        compiled.len() >= 28,
        "expected the 28-charm corpus, found {}",
        compiled.len()
    );
}

#[test]
fn generated_metadata_matches_the_files() {
    for (folder, meta) in CHARMS {
        assert!(!meta.name.is_empty(), "{folder}: no name");
        let dir = corpus_dir().join(folder);
        let text: String = ["metadata.yaml", "charmcraft.yaml"]
            .iter()
            .filter_map(|f| std::fs::read_to_string(dir.join(f)).ok())
            .collect::<Vec<_>>()
            .join("\n");
        assert!(
            text.contains(&format!("name: {}", meta.name)),
            "{folder}: META.name {:?} is not the file's name",
            meta.name
        );
        // Every declared relation, container and storage appears in the files.
        for name in meta
            .relations
            .iter()
            .map(|r| r.name)
            .chain(meta.containers.iter().map(|c| c.name))
            .chain(meta.storages.iter().map(|s| s.name))
        {
            assert!(
                text.contains(&format!("{name}:")),
                "{folder}: {name} not in its files"
            );
        }
    }
    let total_relations: usize = CHARMS.iter().map(|(_, m)| m.relations.len()).sum();
    let total_actions: usize = CHARMS.iter().map(|(_, m)| m.actions.len()).sum();
    if !CHARMS.is_empty() {
        assert!(
            total_relations > 100,
            "only {total_relations} relations across the corpus"
        );
        assert!(
            total_actions > 20,
            "only {total_actions} actions across the corpus"
        );
    }
}
