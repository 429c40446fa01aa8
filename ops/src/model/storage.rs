//! Storage instances and resources.

use super::{ModelCore, Storage};
use crate::error::{ModelError, Result};
use std::path::PathBuf;

fn parse_index(id: &str) -> Option<u32> {
    id.rsplit_once('/').and_then(|(_, n)| n.parse().ok())
}

impl ModelCore {
    /// The attached instance `index` of storage `name`, with its location from
    /// `storage-get`.
    pub fn storage_instance(&self, name: &str, index: u32) -> Result<Storage> {
        let info = self.backend.storage_get(&format!("{name}/{index}"))?;
        Ok(Storage {
            name: name.to_string(),
            index,
            location: info.location,
        })
    }

    /// The attached instances of storage `name` (`storage-list`, then `storage-get` for
    /// each location). A storage the metadata does not declare is an error naming it.
    pub fn storages_of(&self, name: &str) -> Result<Vec<Storage>, ModelError> {
        self.require_storage(name)?;
        let mut out = Vec::new();
        for id in self.backend.storage_list(name)? {
            let index = parse_index(&id).ok_or_else(|| ModelError::Output {
                tool: "storage-list".into(),
                detail: format!("storage id {id:?} is not NAME/N"),
            })?;
            let info = self.backend.storage_get(&id)?;
            out.push(Storage {
                name: name.to_string(),
                index,
                location: info.location,
            });
        }
        Ok(out)
    }

    /// Asks Juju for `count` more instances of storage `name` (`storage-add`); they
    /// arrive with `storage-attached` events.
    pub fn request_storage(&self, name: &str, count: u32) -> Result<(), ModelError> {
        self.require_storage(name)?;
        if count == 0 {
            return Err(ModelError::Invalid {
                what: "storage count",
                detail: "at least one instance must be requested".into(),
            });
        }
        self.backend.storage_add(name, count)
    }

    fn require_storage(&self, name: &str) -> Result<(), ModelError> {
        match self.meta.storage(name) {
            Some(_) => Ok(()),
            None => Err(ModelError::Invalid {
                what: "storage",
                detail: format!("{name:?} is not declared in the charm's metadata"),
            }),
        }
    }

    /// The local path of resource `name`, fetched with `resource-get`. A resource the
    /// metadata does not declare, or one nobody attached, is an error naming it.
    pub fn resource_path(&self, name: &str) -> Result<PathBuf, ModelError> {
        if self.meta.resource(name).is_none() {
            return Err(ModelError::Invalid {
                what: "resource",
                detail: format!("{name:?} is not declared in the charm's metadata"),
            });
        }
        self.backend.resource_get(name).map_err(|err| match err {
            ModelError::Tool { stderr, .. } => ModelError::Other(format!(
                "resource {name:?} is not available (attach it with `juju attach-resource` \
                 or deploy with `--resource {name}=...`): {stderr}"
            )),
            other => other,
        })
    }
}

#[cfg(all(test, feature = "testing"))]
mod tests {
    use super::super::testbed::{core, over_tool_output};
    use crate::error::ModelError;
    use crate::testing::Storage;
    use std::path::PathBuf;

    #[test]
    fn storages_list_then_get_locations() {
        let (fake, model) = core();
        fake.state().storages = vec![Storage::new("data").index(0), Storage::new("data").index(3)];
        let storages = model.storages_of("data").unwrap();
        assert_eq!(storages.len(), 2);
        assert_eq!(storages[1].index, 3);
        assert_eq!(storages[1].full_id(), "data/3");
        assert_eq!(
            storages[1].location,
            PathBuf::from("/var/lib/juju/storage/data/3")
        );
        assert_eq!(
            fake.calls(),
            vec![
                "storage-list data",
                "storage-get data/0",
                "storage-get data/3"
            ]
        );
        fake.state().storages.push(Storage::new("data").index(1));
        let one = model.storage_instance("data", 1).unwrap();
        assert_eq!(one.full_id(), "data/1");
    }

    #[test]
    fn undeclared_storages_are_refused_without_a_tool_call() {
        let (fake, model) = core();
        assert!(matches!(
            model.storages_of("logs"),
            Err(ModelError::Invalid {
                what: "storage",
                ..
            })
        ));
        assert!(fake.calls().is_empty());
    }

    #[test]
    fn bad_storage_ids_are_output_errors() {
        let model = over_tool_output("storage-list", r#"["data-zero"]"#);
        assert!(matches!(
            model.storages_of("data"),
            Err(ModelError::Output { .. })
        ));
    }

    #[test]
    fn request_storage_checks_name_and_count() {
        let (fake, model) = core();
        model.request_storage("data", 2).unwrap();
        assert!(model.request_storage("logs", 1).is_err());
        assert!(model.request_storage("data", 0).is_err());
        assert_eq!(fake.calls(), vec!["storage-add data=2"]);
        fake.fail("storage-add");
        assert!(matches!(
            model.request_storage("data", 1),
            Err(ModelError::Tool { .. })
        ));
    }

    #[test]
    fn resource_path_and_clear_errors() {
        let (fake, model) = core();
        fake.state()
            .resources
            .insert("bin".into(), PathBuf::from("/res/bin.tar"));
        assert_eq!(
            model.resource_path("bin").unwrap(),
            PathBuf::from("/res/bin.tar")
        );
        fake.state().resources.clear();
        let err = model.resource_path("bin").unwrap_err();
        assert!(
            err.to_string().contains("\"bin\" is not available"),
            "{err}"
        );
        let err = model.resource_path("nope").unwrap_err();
        assert!(matches!(
            err,
            ModelError::Invalid {
                what: "resource",
                ..
            }
        ));
    }
}
