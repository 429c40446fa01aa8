//! The model objects events carry. The model module gives them their methods.

use super::ModelCore;

/// One relation: an endpoint of this charm and the id Juju gave it.
#[derive(Clone)]
pub struct Relation<'m> {
    pub(crate) core: &'m ModelCore,
    pub(crate) name: String,
    pub(crate) id: u64,
}

impl<'m> Relation<'m> {
    /// A handle on relation `id` of endpoint `name`.
    pub fn new(core: &'m ModelCore, name: impl Into<String>, id: u64) -> Self {
        Relation {
            core,
            name: name.into(),
            id,
        }
    }
    /// The endpoint's name, as in the metadata.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The relation's id.
    pub fn id(&self) -> u64 {
        self.id
    }
}

impl std::fmt::Debug for Relation<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Relation({}:{})", self.name, self.id)
    }
}

/// A workload container, reached through its Pebble.
#[derive(Clone)]
pub struct Container<'m> {
    pub(crate) core: &'m ModelCore,
    pub(crate) name: String,
}

impl<'m> Container<'m> {
    /// A handle on the container `name`.
    pub fn new(core: &'m ModelCore, name: impl Into<String>) -> Self {
        Container {
            core,
            name: name.into(),
        }
    }
    /// The container's name, as in the metadata.
    pub fn name(&self) -> &str {
        &self.name
    }
}

impl std::fmt::Debug for Container<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Container({})", self.name)
    }
}

/// One attached instance of a storage.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Storage {
    /// The storage's name, as in the metadata.
    pub name: String,
    /// Its index (`data/3` → 3).
    pub index: u32,
    /// Where it is mounted.
    pub location: std::path::PathBuf,
}

impl Storage {
    /// The full id Juju uses (`data/3`).
    pub fn full_id(&self) -> String {
        format!("{}/{}", self.name, self.index)
    }
}

/// A secret: looked up by id or label, its content read lazily.
#[derive(Clone)]
pub struct Secret<'m> {
    pub(crate) core: &'m ModelCore,
    pub(crate) id: Option<String>,
    pub(crate) label: Option<String>,
    /// The id found with `secret-info-get` when the handle had only a label.
    pub(crate) resolved_id: std::cell::OnceCell<String>,
}

impl<'m> Secret<'m> {
    /// A handle on the secret with `id` and/or `label`. A bare id (without `secret:`) is
    /// made canonical: `secret://<model-uuid>/<id>`.
    pub fn new(core: &'m ModelCore, id: Option<String>, label: Option<String>) -> Self {
        let id = id.map(|id| super::secret::canonical_id(&id, core.uuid()));
        Secret {
            core,
            id,
            label,
            resolved_id: std::cell::OnceCell::new(),
        }
    }
    /// The secret's URI, if known (`None` for a secret got by label only, until a
    /// method needed to look it up).
    pub fn id(&self) -> Option<&str> {
        self.id
            .as_deref()
            .or_else(|| self.resolved_id.get().map(String::as_str))
    }
    /// The secret's label, if known.
    pub fn label(&self) -> Option<&str> {
        self.label.as_deref()
    }
}

impl std::fmt::Debug for Secret<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the content.
        f.debug_struct("Secret")
            .field("id", &self.id)
            .field("label", &self.label)
            .finish()
    }
}
