//! A new charm crate, as `cargo charm new` writes it: `charmcraft.yaml` (metadata, config,
//! an action, and the part that builds the charm with cargo), `Cargo.toml` (a lib for the
//! tests and a bin for Juju, depending on `juju-ops`), `src/lib.rs` (the charm),
//! `src/main.rs`, `tests/charm.rs` (unit tests on `ops::testing`) and `.gitignore`. The
//! new crate's tests pass as it is created.

use std::fmt;
use std::path::PathBuf;

/// What the charm runs on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A Kubernetes charm with one workload container, managed through Pebble.
    Kubernetes,
    /// A machine charm.
    Machine,
}

/// Where the new crate gets `juju-ops` from.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum OpsSource {
    /// crates.io (`juju-ops = "0.1"`).
    CratesIo,
    /// A local checkout: the path of its `ops/` folder (made absolute).
    Path(PathBuf),
}

/// Why a charm could not be created.
#[derive(Debug)]
pub enum Error {
    /// The name is not a valid charm (and crate) name.
    BadName(String),
    /// The target directory exists and is not empty.
    NotEmpty(PathBuf),
    /// Writing a file failed.
    Io(PathBuf, std::io::Error),
}

impl fmt::Display for Error {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Error::BadName(name) => write!(
                f,
                "{name:?} is not a charm name: lowercase letters, digits and '-', starting \
                 with a letter, not ending with '-'"
            ),
            Error::NotEmpty(dir) => write!(f, "{} exists and is not empty", dir.display()),
            Error::Io(path, e) => write!(f, "cannot write {}: {e}", path.display()),
        }
    }
}

impl std::error::Error for Error {}

/// A charm crate to create.
#[derive(Debug, Clone)]
pub struct NewCharm {
    name: String,
    kind: Kind,
    ops: OpsSource,
    dir: PathBuf,
}

impl NewCharm {
    /// The charm `name` of `kind`, depending on `ops`, to be written into `dir`. The
    /// name is Juju's charm name and the crate's name.
    pub fn new(name: &str, kind: Kind, ops: OpsSource, dir: PathBuf) -> Result<Self, String> {
        if !valid_name(name) {
            return Err(Error::BadName(name.into()).to_string());
        }
        let ops = match ops {
            OpsSource::Path(path) => OpsSource::Path(
                std::path::absolute(&path)
                    .map_err(|e| format!("cannot resolve {}: {e}", path.display()))?,
            ),
            other => other,
        };
        Ok(NewCharm {
            name: name.into(),
            kind,
            ops,
            dir,
        })
    }

    /// Writes the crate; returns its directory. Refuses a directory that is not empty.
    pub fn create(&self) -> Result<PathBuf, Error> {
        let dir = &self.dir;
        if std::fs::read_dir(dir).is_ok_and(|mut entries| entries.next().is_some()) {
            return Err(Error::NotEmpty(dir.clone()));
        }
        for (path, text) in self.files() {
            let path = dir.join(path);
            if let Some(parent) = path.parent() {
                std::fs::create_dir_all(parent).map_err(|e| Error::Io(parent.into(), e))?;
            }
            std::fs::write(&path, text).map_err(|e| Error::Io(path.clone(), e))?;
        }
        Ok(dir.clone())
    }

    /// The files of the new crate: paths relative to its directory, and their text.
    pub fn files(&self) -> Vec<(&'static str, String)> {
        let (metadata, lib, test) = match self.kind {
            Kind::Kubernetes => (
                include_str!("../templates/k8s-charmcraft.yaml"),
                include_str!("../templates/k8s-lib.rs"),
                include_str!("../templates/k8s-test.rs"),
            ),
            Kind::Machine => (
                include_str!("../templates/machine-charmcraft.yaml"),
                include_str!("../templates/machine-lib.rs"),
                include_str!("../templates/machine-test.rs"),
            ),
        };
        vec![
            ("charmcraft.yaml", self.fill(metadata)),
            (
                "Cargo.toml",
                self.fill(include_str!("../templates/Cargo.toml")),
            ),
            ("src/lib.rs", self.fill(lib)),
            (
                "src/main.rs",
                self.fill(include_str!("../templates/main.rs")),
            ),
            ("tests/charm.rs", self.fill(test)),
            (
                ".gitignore",
                include_str!("../templates/gitignore").to_string(),
            ),
        ]
    }

    /// A template with this charm's names in place of `{{name}}`, `{{crate}}`,
    /// `{{Struct}}`, `{{ops}}` and `{{ops_testing}}`.
    fn fill(&self, template: &str) -> String {
        let (ops, ops_testing) = match &self.ops {
            OpsSource::CratesIo => (
                r#"juju-ops = "0.1""#.to_string(),
                r#"juju-ops = { version = "0.1", features = ["testing"] }"#.to_string(),
            ),
            OpsSource::Path(path) => {
                let path = toml_string(&path.display().to_string());
                (
                    format!("juju-ops = {{ path = {path} }}"),
                    format!("juju-ops = {{ path = {path}, features = [\"testing\"] }}"),
                )
            }
        };
        template
            .replace("{{name}}", &self.name)
            .replace("{{crate}}", &self.name.replace('-', "_"))
            .replace("{{Struct}}", &struct_name(&self.name))
            .replace("{{ops_testing}}", &ops_testing)
            .replace("{{ops}}", &ops)
    }
}

/// Juju's charm names, which are also valid crate names: `[a-z][a-z0-9-]*`, not ending
/// with `-` and without `--`.
fn valid_name(name: &str) -> bool {
    name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-')
        && !name.contains("--")
        && name
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
}

/// The charm struct's name: `my-app` → `MyAppCharm`.
fn struct_name(name: &str) -> String {
    let mut out: String = name
        .split('-')
        .map(|part| {
            let mut chars = part.chars();
            chars
                .next()
                .map(|first| first.to_ascii_uppercase().to_string() + chars.as_str())
                .unwrap_or_default()
        })
        .collect();
    out.push_str("Charm");
    out
}

/// `text` as a TOML basic string.
fn toml_string(text: &str) -> String {
    let mut out = String::from("\"");
    for c in text.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            c if c.is_control() => out.push_str(&format!("\\u{:04X}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names() {
        for good in ["a", "my-app", "app2", "x-1-y"] {
            assert!(valid_name(good), "{good}");
        }
        for bad in ["", "1a", "-a", "a-", "a--b", "My", "a_b", "a b"] {
            assert!(!valid_name(bad), "{bad}");
        }
        assert_eq!(struct_name("my-app"), "MyAppCharm");
        assert_eq!(struct_name("x-1-y"), "X1YCharm");
    }

    #[test]
    fn templates_are_filled() {
        let new = NewCharm::new(
            "my-app",
            Kind::Machine,
            OpsSource::Path("/src/ops \"x\"".into()),
            "out".into(),
        )
        .unwrap();
        for (path, text) in new.files() {
            assert!(!text.contains("{{"), "{path} keeps a placeholder");
        }
        let files = new.files();
        let cargo = &files.iter().find(|(p, _)| *p == "Cargo.toml").unwrap().1;
        assert!(
            cargo.contains(r#"juju-ops = { path = "/src/ops \"x\"" }"#),
            "{cargo}"
        );
        let main = &files.iter().find(|(p, _)| *p == "src/main.rs").unwrap().1;
        assert!(main.contains("ops::main::<my_app::MyAppCharm>()"), "{main}");
        let meta = &files
            .iter()
            .find(|(p, _)| *p == "charmcraft.yaml")
            .unwrap()
            .1;
        assert!(meta.contains("bin/my-app: dispatch"), "{meta}");
    }

    #[test]
    fn a_bad_name_or_a_full_directory_is_refused() {
        let err = NewCharm::new("My", Kind::Kubernetes, OpsSource::CratesIo, "x".into());
        assert!(err.unwrap_err().contains("not a charm name"));
        let dir = std::env::temp_dir().join(format!("cargo-charm-full-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        std::fs::write(dir.join("keep"), "").unwrap();
        let new = NewCharm::new("a", Kind::Kubernetes, OpsSource::CratesIo, dir.clone()).unwrap();
        assert!(matches!(new.create(), Err(Error::NotEmpty(_))));
        std::fs::remove_dir_all(&dir).unwrap();
    }
}
