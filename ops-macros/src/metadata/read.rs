//! Reads charm metadata files into [`Metadata`](super::Metadata).
//!
//! Two layouts are understood, as charmcraft understands them:
//! - unified: one `charmcraft.yaml` with the metadata, `config:` and `actions:`;
//! - legacy: `metadata.yaml`, with `config.yaml` / `actions.yaml` beside it (or the
//!   `config:` / `actions:` keys of a `charmcraft.yaml` beside it).
//!
//! Sibling files are looked up only when the given file is named `charmcraft.yaml` or
//! `metadata.yaml`; any other file name is read alone, as a unified document (handy for
//! test fixtures that keep several charms in one folder).
//!
//! Every error names the file, and the line and column when the YAML gives them:
//! `charmcraft.yaml:12:13: config.options.port.type: unknown option type "integer" (...)`.

mod raw;
#[cfg(test)]
mod tests;
mod value;

use super::{Metadata, Role};
use raw::{RawActions, RawConfig, RawMeta};
use std::fmt;
use std::path::{Path, PathBuf};

/// A metadata file that could not be read or does not have the expected shape.
#[derive(Debug, Clone, PartialEq)]
pub struct MetadataError {
    /// What went wrong, with the file, line and column where known
    /// (`path/charmcraft.yaml:12:5: config.options.port.type: unknown option type ...`).
    pub message: String,
    /// The file at fault, as it was named when read.
    pub file: PathBuf,
    /// The 1-based line, when known.
    pub line: Option<usize>,
    /// The 1-based column, when known.
    pub column: Option<usize>,
    /// The message without the file and position prefix.
    pub detail: String,
}

impl MetadataError {
    fn new(file: &Path, position: Option<(usize, usize)>, detail: impl Into<String>) -> Self {
        let detail = detail.into();
        let message = match position {
            Some((line, column)) => format!("{}:{line}:{column}: {detail}", file.display()),
            None => format!("{}: {detail}", file.display()),
        };
        MetadataError {
            message,
            file: file.to_path_buf(),
            line: position.map(|p| p.0),
            column: position.map(|p| p.1),
            detail,
        }
    }

    fn from_yaml(file: &Path, err: &yaml_serde::Error) -> Self {
        let mut detail = err.to_string();
        let position = err.location().map(|l| (l.line(), l.column()));
        if let Some((line, column)) = position {
            detail = detail.replacen(&format!(" at line {line} column {column}"), "", 1);
        }
        MetadataError::new(file, position, detail)
    }
}

impl fmt::Display for MetadataError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

impl std::error::Error for MetadataError {}

/// Reads the metadata at `path` (a `charmcraft.yaml` or a legacy `metadata.yaml`), with
/// the config and actions files beside it, merged as charmcraft merges them.
pub fn load(path: &Path) -> Result<Metadata, MetadataError> {
    let file_name = path.file_name().and_then(|n| n.to_str()).unwrap_or("");
    let dir = path.parent().unwrap_or_else(|| Path::new(""));
    match file_name {
        "charmcraft.yaml" => {
            let craft_text = read_required(path)?;
            let meta_path = dir.join("metadata.yaml");
            let meta = read_optional(&meta_path)?;
            let legacy = Legacy {
                craft: Some((path, craft_text.as_str())),
                meta: meta.as_deref().map(|t| (meta_path.as_path(), t)),
            };
            legacy.load(dir)
        }
        "metadata.yaml" => {
            let meta_text = read_required(path)?;
            let craft_path = dir.join("charmcraft.yaml");
            let craft = read_optional(&craft_path)?;
            let legacy = Legacy {
                craft: craft.as_deref().map(|t| (craft_path.as_path(), t)),
                meta: Some((path, meta_text.as_str())),
            };
            legacy.load(dir)
        }
        _ => {
            let text = read_required(path)?;
            let mut metadata = parse_str(&text, path)?;
            metadata.sources = vec![absolute(path)];
            Ok(metadata)
        }
    }
}

/// Parses one unified document (a `charmcraft.yaml`'s text) without looking at any other
/// file; `file` names it in errors. `sources` is left empty.
pub fn parse_str(text: &str, file: &Path) -> Result<Metadata, MetadataError> {
    let raw = parse_doc::<RawMeta>(text, file)?.unwrap_or_default();
    build(raw, file)
}

/// The texts of a legacy (or unified, with siblings) charm directory.
struct Legacy<'a> {
    craft: Option<(&'a Path, &'a str)>,
    meta: Option<(&'a Path, &'a str)>,
}

impl Legacy<'_> {
    fn load(self, dir: &Path) -> Result<Metadata, MetadataError> {
        let mut sources = Vec::new();
        let mut craft = RawMeta::default();
        let mut name_file = None;
        if let Some((path, text)) = self.craft {
            craft = parse_doc::<RawMeta>(text, path)?.unwrap_or_default();
            sources.push(absolute(path));
            name_file = Some(path);
        }
        if let Some((path, text)) = self.meta {
            let meta = parse_doc::<RawMeta>(text, path)?.unwrap_or_default();
            sources.push(absolute(path));
            merge_metadata(&mut craft, meta, path)?;
            name_file = Some(path);
        }
        let name_file = name_file.unwrap_or(dir);

        let config_path = dir.join("config.yaml");
        if let Some(text) = read_optional(&config_path)? {
            if let Some((path, _)) = self.craft.filter(|_| craft.config.is_some()) {
                return Err(MetadataError::new(
                    path,
                    None,
                    "`config` is declared here and config.yaml exists beside it; \
                     keep the options in one place (charmcraft refuses both)",
                ));
            }
            craft.config = Some(parse_doc::<RawConfig>(&text, &config_path)?.unwrap_or_default());
            sources.push(absolute(&config_path));
        }
        let actions_path = dir.join("actions.yaml");
        if let Some(text) = read_optional(&actions_path)? {
            if let Some((path, _)) = self.craft.filter(|_| craft.actions.is_some()) {
                return Err(MetadataError::new(
                    path,
                    None,
                    "`actions` is declared here and actions.yaml exists beside it; \
                     keep the actions in one place (charmcraft refuses both)",
                ));
            }
            craft.actions =
                Some(parse_doc::<RawActions>(&text, &actions_path)?.unwrap_or_default());
            sources.push(absolute(&actions_path));
        }
        let mut metadata = build(craft, name_file)?;
        metadata.sources = sources;
        Ok(metadata)
    }
}

/// Moves metadata.yaml's keys into the charmcraft.yaml data; a key in both is an error,
/// as in charmcraft.
fn merge_metadata(
    craft: &mut RawMeta,
    mut meta: RawMeta,
    meta_path: &Path,
) -> Result<(), MetadataError> {
    let mut duplicates = Vec::new();
    macro_rules! take {
        ($($field:ident),*) => {$(
            if meta.$field.is_some() {
                if craft.$field.is_some() {
                    duplicates.push(stringify!($field).replace('_', "-"));
                } else {
                    craft.$field = meta.$field.take();
                }
            }
        )*};
    }
    take!(
        name,
        title,
        summary,
        description,
        maintainer,
        maintainers,
        tags,
        terms,
        series,
        subordinate,
        min_juju_version,
        assumes,
        charm_user,
        containers,
        resources,
        storage,
        provides,
        requires,
        peers,
        payloads,
        extra_bindings,
        devices,
        links,
        docs,
        issues,
        source,
        website
    );
    if duplicates.is_empty() {
        Ok(())
    } else {
        Err(MetadataError::new(
            meta_path,
            None,
            format!(
                "{} also declared in charmcraft.yaml beside it (charmcraft refuses duplicates)",
                duplicates
                    .iter()
                    .map(|d| format!("`{d}`"))
                    .collect::<Vec<_>>()
                    .join(", ")
                    + if duplicates.len() == 1 { " is" } else { " are" }
            ),
        ))
    }
}

/// Deserializes one YAML document; an empty document (or only comments) reads as `None`.
fn parse_doc<T: serde::de::DeserializeOwned>(
    text: &str,
    file: &Path,
) -> Result<Option<T>, MetadataError> {
    // A byte-order mark (some editors write one) would read as a second document.
    let text = text.strip_prefix('\u{feff}').unwrap_or(text);
    yaml_serde::from_str::<Option<T>>(text).map_err(|e| MetadataError::from_yaml(file, &e))
}

/// Converts the merged raw data to the model.
fn build(raw: RawMeta, name_file: &Path) -> Result<Metadata, MetadataError> {
    let name = match raw.name {
        Some(name) if !name.trim().is_empty() => name,
        _ => {
            return Err(MetadataError::new(
                name_file,
                None,
                "the charm has no `name` (declare it in charmcraft.yaml, or in a \
                 metadata.yaml beside it)",
            ))
        }
    };
    let mut relations = Vec::new();
    for (section, role) in [
        (raw.provides, Role::Provides),
        (raw.requires, Role::Requires),
        (raw.peers, Role::Peer),
    ] {
        for (endpoint, relation) in section.unwrap_or_default().0 {
            if let Some(other) = relations
                .iter()
                .find(|r: &&super::Relation| r.name == endpoint)
            {
                return Err(MetadataError::new(
                    name_file,
                    None,
                    format!(
                        "relation endpoint {endpoint:?} is declared under both {} and {}",
                        role_key(other.role),
                        role_key(role)
                    ),
                ));
            }
            relations.push(relation.into_model(endpoint, role));
        }
    }
    let list = |l: Option<raw::OneOrMany<String>>| l.unwrap_or_default().0;
    let mut links = raw.links.unwrap_or_default().into_model();
    // metadata.yaml's top-level keys win over `links`, as in Python ops.
    links.documentation = raw.docs.or(links.documentation);
    for (top, link) in [
        (raw.issues, &mut links.issues),
        (raw.source, &mut links.source),
        (raw.website, &mut links.website),
    ] {
        let top = list(top);
        if !top.is_empty() {
            *link = top;
        }
    }
    Ok(Metadata {
        name,
        title: raw.title,
        summary: raw.summary,
        description: raw.description,
        maintainers: raw
            .maintainer
            .into_iter()
            .chain(list(raw.maintainers))
            .collect(),
        tags: list(raw.tags),
        terms: list(raw.terms),
        series: list(raw.series),
        subordinate: raw.subordinate.unwrap_or_default().0,
        min_juju_version: raw.min_juju_version.map(|v| v.0),
        assumes: raw.assumes.unwrap_or_default().0,
        charm_user: raw.charm_user.map(|u| u.0),
        containers: entries(raw.containers, |name, c| {
            c.unwrap_or_default().into_model(name)
        }),
        resources: entries(raw.resources, |name, r| {
            r.unwrap_or_default().into_model(name)
        }),
        storages: entries(raw.storage, |name, s| s.into_model(name)),
        relations,
        payloads: entries(raw.payloads, |name, p| p.into_model(name)),
        extra_bindings: raw.extra_bindings.unwrap_or_default().0,
        devices: entries(raw.devices, |name, d| d.into_model(name)),
        links,
        config: entries(raw.config.and_then(|c| c.options), |name, o| {
            o.unwrap_or_default().into_model(name)
        }),
        actions: entries(raw.actions, |name, a| {
            a.unwrap_or_default().into_model(name)
        }),
        sources: Vec::new(),
    })
}

fn role_key(role: Role) -> &'static str {
    match role {
        Role::Provides => "provides",
        Role::Requires => "requires",
        Role::Peer => "peers",
    }
}

fn entries<T, U>(section: Option<raw::Entries<T>>, f: impl Fn(String, T) -> U) -> Vec<U> {
    section
        .unwrap_or_default()
        .0
        .into_iter()
        .map(|(name, value)| f(name, value))
        .collect()
}

fn read_required(path: &Path) -> Result<String, MetadataError> {
    std::fs::read_to_string(path).map_err(|e| {
        let what = match e.kind() {
            std::io::ErrorKind::NotFound => "no such file".to_string(),
            std::io::ErrorKind::InvalidData => "not UTF-8 text".to_string(),
            _ => format!("cannot read it: {e}"),
        };
        MetadataError::new(path, None, what)
    })
}

fn read_optional(path: &Path) -> Result<Option<String>, MetadataError> {
    if !path.exists() {
        return Ok(None);
    }
    read_required(path).map(Some)
}

fn absolute(path: &Path) -> PathBuf {
    std::fs::canonicalize(path)
        .or_else(|_| std::path::absolute(path))
        .unwrap_or_else(|_| path.to_path_buf())
}
