//! Generates `$OUT_DIR/corpus.rs`: one `#[charm]` struct and impl per real charm under
//! `../../shared/corpus/charms`, so every corpus charm goes through the macros.
//!
//! Without the corpus folder the module is empty, unless `CI=true`: then the build fails,
//! so CI can never skip the corpus silently.

use std::fmt::Write as _;
use std::path::Path;

const CORPUS: &str = "../../shared/corpus/charms";

fn pascal(name: &str) -> String {
    name.split(|c: char| !c.is_ascii_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| {
            let mut chars = w.chars();
            let first = chars.next().map(|c| c.to_ascii_uppercase());
            first.into_iter().chain(chars).collect::<String>()
        })
        .collect()
}

fn main() {
    println!("cargo:rerun-if-env-changed=CI");
    println!("cargo:rerun-if-changed={CORPUS}");
    let manifest_dir = std::env::var("CARGO_MANIFEST_DIR").expect("cargo sets CARGO_MANIFEST_DIR");
    let out_dir = std::env::var("OUT_DIR").expect("cargo sets OUT_DIR");
    let corpus = Path::new(&manifest_dir).join(CORPUS);
    let ci = std::env::var("CI").is_ok_and(|v| v == "true");

    let mut names: Vec<String> = match std::fs::read_dir(&corpus) {
        Ok(entries) => entries
            .filter_map(|e| e.ok())
            .filter(|e| e.path().is_dir())
            .map(|e| e.file_name().to_string_lossy().into_owned())
            .collect(),
        Err(err) if ci => panic!(
            "CI=true but the charm corpus is missing at {}: {err}",
            corpus.display()
        ),
        Err(_) => {
            println!(
                "cargo:warning=charm corpus not found at {}; corpus tests skipped",
                corpus.display()
            );
            Vec::new()
        }
    };
    names.sort();

    let mut out = String::new();
    let mut table = String::new();
    for name in &names {
        let dir = corpus.join(name);
        println!("cargo:rerun-if-changed={}", dir.display());
        let file = if dir.join("metadata.yaml").exists() {
            "metadata.yaml"
        } else {
            "charmcraft.yaml"
        };
        if ci && !dir.join(file).exists() {
            panic!("CI=true but {} has no metadata", dir.display());
        }
        let module = name.replace(|c: char| !c.is_ascii_alphanumeric(), "_");
        let ty = pascal(name);
        let _ = write!(
            out,
            r#"
/// The `{name}` charm of the corpus.
pub mod {module} {{
    use ops::prelude::*;

    /// `{name}`, its metadata read by `#[charm]`.
    #[charm(metadata = "{CORPUS}/{name}/{file}")]
    #[derive(Default, Serialize, Deserialize)]
    pub struct {ty};

    #[charm]
    impl {ty} {{}}
}}
"#
        );
        let _ = writeln!(
            table,
            "    (\"{name}\", <{module}::{ty} as ops::Charm>::META),"
        );
    }
    let _ = write!(
        out,
        "\n/// Every corpus charm: its folder name and its generated metadata.\n\
         pub const CHARMS: &[(&str, &ops::meta::CharmMeta)] = &[\n{table}];\n"
    );
    std::fs::write(Path::new(&out_dir).join("corpus.rs"), out).expect("write corpus.rs");
}
