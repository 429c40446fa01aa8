//! The files' shapes as serde reads them: typed intermediate structs whose leaves are
//! checked inside serde visitors, so every error carries the YAML path, line and column.
//!
//! Keys we do not model are ignored (never `deny_unknown_fields`); values that real
//! charms write in more than one way (a string or a list, `False`, `"0"`, `range: 0-`)
//! are all accepted.

use super::super::{
    Action, Assumption, CharmUser, ConfigOption, ConfigType, Container, ContainerBase, Device,
    Links, Mount, Param, Payload, Relation, Resource, ResourceType, Role, Schema, SchemaType,
    Storage, StorageType,
};
use super::value::{parse_bool_text, EnumSeed, FitSeed, Fitted, Target};
use serde::de::{self, value::MapAccessDeserializer, Deserializer, IgnoredAny};
use serde::de::{MapAccess, SeqAccess, Visitor};
use serde::Deserialize;
use std::fmt;
use std::marker::PhantomData;

// ---------------------------------------------------------------------------------------
// Lenient leaves
// ---------------------------------------------------------------------------------------

/// A boolean written as `true`, `False`, `"yes"`, ...
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct Flag(pub bool);

impl<'de> Deserialize<'de> for Flag {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Flag;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("true or false")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Flag, E> {
                Ok(Flag(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Flag, E> {
                parse_bool_text(v)
                    .map(Flag)
                    .ok_or_else(|| E::custom(format!("expected true or false, found {v:?}")))
            }
        }
        d.deserialize_any(V)
    }
}

/// A non-negative count written as `1` or `"1"`.
#[derive(Debug, Clone, Copy)]
pub(super) struct Count(pub u32);

impl<'de> Deserialize<'de> for Count {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Count;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a non-negative whole number")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Count, E> {
                u32::try_from(v)
                    .map(Count)
                    .map_err(|_| E::custom(format!("{v} is too large")))
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Count, E> {
                u32::try_from(v).map(Count).map_err(|_| {
                    E::custom(format!("expected a non-negative whole number, found {v}"))
                })
            }
            fn visit_u128<E: de::Error>(self, v: u128) -> Result<Count, E> {
                Err(E::custom(format!("{v} is too large")))
            }
            fn visit_i128<E: de::Error>(self, v: i128) -> Result<Count, E> {
                Err(E::custom(format!(
                    "expected a non-negative whole number, found {v}"
                )))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Count, E> {
                v.trim().parse().map(Count).map_err(|_| {
                    E::custom(format!("expected a non-negative whole number, found {v:?}"))
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// One value or a list of them (`website: url` or `website: [url, url]`).
#[derive(Debug, Clone)]
pub(super) struct OneOrMany<T>(pub Vec<T>);

impl<T> Default for OneOrMany<T> {
    fn default() -> Self {
        OneOrMany(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for OneOrMany<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = OneOrMany<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a value or a list of values")
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Self::Value, A::Error> {
                let mut out = Vec::new();
                while let Some(item) = seq.next_element()? {
                    out.push(item);
                }
                Ok(OneOrMany(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(OneOrMany(Vec::new()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Self::Value, E> {
                let d = de::value::StrDeserializer::<E>::new(v);
                T::deserialize(d).map(|t| OneOrMany(vec![t]))
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Self::Value, E> {
                self.visit_str(if v { "true" } else { "false" })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_i64<E: de::Error>(self, v: i64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Self::Value, E> {
                self.visit_str(&v.to_string())
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Self::Value, A::Error> {
                T::deserialize(MapAccessDeserializer::new(map)).map(|t| OneOrMany(vec![t]))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A mapping read in file order (`name: value` entries); `null` reads as empty.
#[derive(Debug, Clone)]
pub(super) struct Entries<T>(pub Vec<(String, T)>);

impl<T> Default for Entries<T> {
    fn default() -> Self {
        Entries(Vec::new())
    }
}

impl<'de, T: Deserialize<'de>> Deserialize<'de> for Entries<T> {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V<T>(PhantomData<T>);
        impl<'de, T: Deserialize<'de>> Visitor<'de> for V<T> {
            type Value = Entries<T>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of names to entries")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Self::Value, A::Error> {
                let mut out: Vec<(String, T)> = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    if out.iter().any(|(k, _)| *k == key) {
                        return Err(de::Error::custom(format!("{key:?} is declared twice")));
                    }
                    let value = map.next_value()?;
                    out.push((key, value));
                }
                Ok(Entries(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
                Ok(Entries(Vec::new()))
            }
        }
        d.deserialize_any(V(PhantomData))
    }
}

/// A string checked against a fixed set of words.
fn one_of<'de, D: Deserializer<'de>>(
    d: D,
    what: &'static str,
    allowed: &'static [&'static str],
) -> Result<String, D::Error> {
    struct V {
        what: &'static str,
        allowed: &'static [&'static str],
    }
    impl Visitor<'_> for V {
        type Value = String;
        fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
            write!(f, "{}", self.what)
        }
        fn visit_str<E: de::Error>(self, v: &str) -> Result<String, E> {
            if self.allowed.contains(&v) {
                Ok(v.to_string())
            } else {
                Err(E::custom(format!(
                    "unknown {} {v:?} (expected {})",
                    self.what,
                    humanize(self.allowed)
                )))
            }
        }
    }
    d.deserialize_str(V { what, allowed })
}

/// `a, b or c`.
fn humanize(words: &[&str]) -> String {
    match words {
        [] => String::new(),
        [one] => (*one).to_string(),
        [init @ .., last] => format!("{} or {last}", init.join(", ")),
    }
}

// ---------------------------------------------------------------------------------------
// Top level
// ---------------------------------------------------------------------------------------

/// The keys of `charmcraft.yaml` / `metadata.yaml` that we model.
#[derive(Debug, Default, Deserialize)]
#[serde(
    rename_all = "kebab-case",
    expecting = "a mapping of charm metadata keys"
)]
pub(super) struct RawMeta {
    pub name: Option<String>,
    pub title: Option<String>,
    pub summary: Option<String>,
    pub description: Option<String>,
    pub maintainer: Option<String>,
    pub maintainers: Option<OneOrMany<String>>,
    pub tags: Option<OneOrMany<String>>,
    pub terms: Option<OneOrMany<String>>,
    pub series: Option<OneOrMany<String>>,
    pub subordinate: Option<Flag>,
    pub min_juju_version: Option<Text>,
    pub assumes: Option<OneOrMany<Assumption>>,
    pub charm_user: Option<CharmUserDe>,
    pub containers: Option<Entries<Option<RawContainer>>>,
    pub resources: Option<Entries<Option<RawResource>>>,
    pub storage: Option<Entries<RawStorage>>,
    pub provides: Option<Entries<RawRelation>>,
    pub requires: Option<Entries<RawRelation>>,
    pub peers: Option<Entries<RawRelation>>,
    pub payloads: Option<Entries<RawPayload>>,
    pub extra_bindings: Option<Bindings>,
    pub devices: Option<Entries<RawDevice>>,
    pub links: Option<RawLinks>,
    pub docs: Option<String>,
    pub issues: Option<OneOrMany<String>>,
    pub source: Option<OneOrMany<String>>,
    pub website: Option<OneOrMany<String>>,
    pub config: Option<RawConfig>,
    pub actions: Option<RawActions>,
}

/// A scalar kept as text: `min-juju-version: 2.9` reads as YAML's float 2.9, but it
/// means the version written.
#[derive(Debug, Clone)]
pub(super) struct Text(pub String);

impl<'de> Deserialize<'de> for Text {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Text;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a string")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
            fn visit_f64<E: de::Error>(self, v: f64) -> Result<Text, E> {
                Ok(Text(v.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `charm-user`: `root`, `sudoer` or `non-root`.
#[derive(Debug, Clone)]
pub(super) struct CharmUserDe(pub CharmUser);

impl<'de> Deserialize<'de> for CharmUserDe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let word = one_of(d, "charm user", &["root", "sudoer", "non-root"])?;
        Ok(CharmUserDe(match word.as_str() {
            "sudoer" => CharmUser::Sudoer,
            "non-root" => CharmUser::NonRoot,
            _ => CharmUser::Root,
        }))
    }
}

/// Checks a feature expression as Juju's `assumes` parser does: a feature name
/// (`[a-z][a-z0-9-]*[a-z0-9]`), optionally `>=` or `<` and a version (`3`, `3.1`,
/// `3.1.7`, `2.9-rc1`...).
pub(super) fn check_feature(text: &str) -> Result<(), String> {
    let bad = |why: &str| {
        format!(
            "malformed feature expression {text:?}: {why} (expected a feature such as \
             `k8s-api`, or a feature, `>=` or `<`, and a version such as `juju >= 3.1`)"
        )
    };
    let t = text.trim();
    let name_end = t
        .find(|c: char| !(c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-'))
        .unwrap_or(t.len());
    let (name, rest) = t.split_at(name_end);
    let name_ok = name.len() >= 2
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && !name.ends_with('-');
    if !name_ok {
        return Err(bad(
            "a feature name is lowercase letters, digits and dashes, starting with a letter",
        ));
    }
    let rest = rest.trim_start();
    if rest.is_empty() {
        return Ok(());
    }
    let Some(version) = rest.strip_prefix(">=").or_else(|| rest.strip_prefix('<')) else {
        return Err(bad("the only version constraints are `>=` and `<`"));
    };
    if version_ok(version.trim()) {
        Ok(())
    } else {
        Err(bad("the version is not a Juju version number"))
    }
}

/// A version as Juju's non-strict parser reads it: `M`, `M.m`, `M.m.p`, `M.m-tagP`,
/// optionally with a `.build` number.
fn version_ok(v: &str) -> bool {
    let digits = |s: &str| !s.is_empty() && s.bytes().all(|b| b.is_ascii_digit());
    let (release, build) = match v.split('.').collect::<Vec<_>>()[..] {
        [major] => return digits(major),
        [major, minor] => ((major, minor, None), None),
        [major, minor, patch] => ((major, minor, Some(patch)), None),
        [major, minor, patch, build] => ((major, minor, Some(patch)), Some(build)),
        _ => return false,
    };
    let (major, minor, patch) = release;
    if !digits(major) || build.is_some_and(|b| !digits(b)) {
        return false;
    }
    // `M.m-tagP[.b]`: the tag replaces the patch.
    if let Some((minor, tag)) = minor.split_once('-') {
        let letters = tag.trim_end_matches(|c: char| c.is_ascii_digit());
        let number = &tag[letters.len()..];
        let tag_ok = !letters.is_empty()
            && letters.bytes().all(|b| b.is_ascii_lowercase())
            && digits(number);
        return digits(minor) && tag_ok && build.is_none() && patch.is_none_or(digits);
    }
    digits(minor) && patch.is_none_or(digits)
}

impl<'de> Deserialize<'de> for Assumption {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Assumption;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a feature such as `juju >= 3.1`, or `any-of:` / `all-of:` a list")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Assumption, E> {
                check_feature(v).map_err(E::custom)?;
                Ok(Assumption::Feature(v.trim().to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Assumption, A::Error> {
                let mut out = None;
                while let Some(key) = map.next_key::<String>()? {
                    let list = || "`any-of` or `all-of`";
                    if out.is_some() {
                        return Err(de::Error::custom(format!(
                            "an assumption takes one key, {} (found a second key {key:?})",
                            list()
                        )));
                    }
                    out = Some(match key.as_str() {
                        "any-of" => Assumption::AnyOf(map.next_value::<Vec<Assumption>>()?),
                        "all-of" => Assumption::AllOf(map.next_value::<Vec<Assumption>>()?),
                        _ => {
                            return Err(de::Error::custom(format!(
                                "unknown assumption key {key:?} (expected {})",
                                list()
                            )))
                        }
                    });
                }
                out.ok_or_else(|| {
                    de::Error::custom("empty assumption (expected `any-of` or `all-of`)")
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// `extra-bindings`: a mapping whose values are ignored (usually null), or a list of names.
#[derive(Debug, Clone, Default)]
pub(super) struct Bindings(pub Vec<String>);

impl<'de> Deserialize<'de> for Bindings {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Bindings;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping of binding names")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Bindings, A::Error> {
                let mut out = Vec::new();
                while let Some(key) = map.next_key::<String>()? {
                    map.next_value::<IgnoredAny>()?;
                    out.push(key);
                }
                Ok(Bindings(out))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Bindings, A::Error> {
                let mut out = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    out.push(name);
                }
                Ok(Bindings(out))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Bindings, E> {
                Ok(Bindings(Vec::new()))
            }
        }
        d.deserialize_any(V)
    }
}

// ---------------------------------------------------------------------------------------
// Containers, resources, storage, devices, links
// ---------------------------------------------------------------------------------------

/// `containers.<name>`.
#[derive(Debug, Default)]
pub(super) struct RawContainer {
    resource: Option<String>,
    bases: Vec<ContainerBase>,
    mounts: Vec<RawMount>,
    uid: Option<u32>,
    gid: Option<u32>,
}

#[derive(Deserialize)]
#[serde(expecting = "a container (a mapping with `resource` or `bases`, and `mounts`)")]
struct ContainerFields {
    resource: Option<String>,
    bases: Option<Vec<RawBase>>,
    mounts: Option<Vec<RawMount>>,
    uid: Option<Count>,
    gid: Option<Count>,
}

/// One of a container's `bases`.
#[derive(Deserialize)]
#[serde(expecting = "a base (a mapping with `name`, `channel` and `architectures`)")]
struct RawBase {
    name: String,
    channel: Text,
    architectures: Option<OneOrMany<String>>,
}

impl<'de> Deserialize<'de> for RawContainer {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawContainer;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a container (a mapping with `resource` or `bases`, and `mounts`)")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawContainer, A::Error> {
                let f = ContainerFields::deserialize(MapAccessDeserializer::new(map))?;
                let bases = f.bases.unwrap_or_default();
                if f.resource.is_some() && !bases.is_empty() {
                    return Err(de::Error::custom(
                        "a container takes its image from `resource` or from `bases`, not both",
                    ));
                }
                Ok(RawContainer {
                    resource: f.resource,
                    bases: bases
                        .into_iter()
                        .map(|b| ContainerBase {
                            name: b.name,
                            channel: b.channel.0,
                            architectures: b.architectures.unwrap_or_default().0,
                        })
                        .collect(),
                    mounts: f.mounts.unwrap_or_default(),
                    uid: f.uid.map(|c| c.0),
                    gid: f.gid.map(|c| c.0),
                })
            }
        }
        d.deserialize_map(V)
    }
}

/// One of a container's `mounts`.
#[derive(Debug, Deserialize)]
#[serde(expecting = "a mount (a mapping with `storage` and `location`)")]
struct RawMount {
    storage: String,
    location: Option<String>,
}

impl RawContainer {
    pub(super) fn into_model(self, name: String) -> Container {
        Container {
            name,
            resource: self.resource,
            bases: self.bases,
            mounts: self
                .mounts
                .into_iter()
                .map(|m| Mount {
                    storage: m.storage,
                    location: m.location,
                })
                .collect(),
            uid: self.uid,
            gid: self.gid,
        }
    }
}

/// `resources.<name>`.
#[derive(Debug, Default, Deserialize)]
#[serde(expecting = "a resource (a mapping with `type`, `filename`, `description`)")]
pub(super) struct RawResource {
    #[serde(rename = "type")]
    kind: Option<ResourceKind>,
    filename: Option<String>,
    description: Option<String>,
}

#[derive(Debug)]
struct ResourceKind(ResourceType);

impl<'de> Deserialize<'de> for ResourceKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let word = one_of(d, "resource type", &["oci-image", "file"])?;
        Ok(ResourceKind(if word == "oci-image" {
            ResourceType::OciImage
        } else {
            ResourceType::File
        }))
    }
}

impl RawResource {
    pub(super) fn into_model(self, name: String) -> Resource {
        Resource {
            name,
            // Juju's default resource type.
            kind: self.kind.map_or(ResourceType::File, |k| k.0),
            filename: self.filename,
            description: self.description,
        }
    }
}

/// `storage.<name>`.
#[derive(Debug, Deserialize)]
#[serde(
    rename_all = "kebab-case",
    expecting = "a storage (a mapping with `type`, `location`, `multiple`, ...)"
)]
pub(super) struct RawStorage {
    #[serde(rename = "type")]
    kind: StorageKind,
    location: Option<String>,
    multiple: Option<Multiple>,
    minimum_size: Option<Size>,
    shared: Option<Flag>,
    read_only: Option<Flag>,
    properties: Option<OneOrMany<String>>,
    description: Option<String>,
}

#[derive(Debug)]
struct StorageKind(StorageType);

impl<'de> Deserialize<'de> for StorageKind {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let word = one_of(d, "storage type", &["filesystem", "block"])?;
        Ok(StorageKind(if word == "block" {
            StorageType::Block
        } else {
            StorageType::Filesystem
        }))
    }
}

/// `minimum-size`, kept as written (`5M`, `1G`, `1024`).
#[derive(Debug)]
struct Size(String);

impl<'de> Deserialize<'de> for Size {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = Size;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a size such as 5M or 1G")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Size, E> {
                Ok(Size(v.to_string()))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Size, E> {
                let v = v.trim();
                let digits = v.trim_end_matches(|c: char| c.is_ascii_alphabetic());
                let suffix = &v[digits.len()..];
                let suffix_ok = matches!(
                    suffix.to_ascii_uppercase().as_str(),
                    "" | "M"
                        | "G"
                        | "T"
                        | "P"
                        | "E"
                        | "Z"
                        | "Y"
                        | "MB"
                        | "GB"
                        | "TB"
                        | "PB"
                        | "EB"
                        | "ZB"
                        | "YB"
                        | "MIB"
                        | "GIB"
                        | "TIB"
                        | "PIB"
                        | "EIB"
                        | "ZIB"
                        | "YIB"
                );
                if !digits.is_empty() && digits.parse::<f64>().is_ok() && suffix_ok {
                    Ok(Size(v.to_string()))
                } else {
                    Err(E::custom(format!(
                        "invalid size {v:?} (expected a number with an optional M, G, T, P, E, Z or Y suffix)"
                    )))
                }
            }
        }
        d.deserialize_any(V)
    }
}

/// `multiple: {range: ...}` (or a bare range): minimum and optional maximum.
#[derive(Debug, Clone, Copy)]
struct Multiple(u32, Option<u32>);

/// Parses `3`, `0-`, `1-`, `2-5` or `2+`.
fn parse_range(text: &str) -> Result<(u32, Option<u32>), String> {
    let bad = || format!("invalid storage range {text:?} (expected N, N-, N+ or N-M)");
    let t = text.trim();
    let num = |s: &str| s.trim().parse::<u32>().map_err(|_| bad());
    if let Some(min) = t.strip_suffix('-').or_else(|| t.strip_suffix('+')) {
        return Ok((num(min)?, None));
    }
    if let Some((min, max)) = t.split_once('-') {
        let (min, max) = (num(min)?, num(max)?);
        if max < min {
            return Err(format!(
                "invalid storage range {text:?}: the maximum is below the minimum"
            ));
        }
        return Ok((min, Some(max)));
    }
    let n = num(t)?;
    Ok((n, Some(n)))
}

/// The value of `range:` (or a bare `multiple:` value).
struct RangeSpec(u32, Option<u32>);

impl<'de> Deserialize<'de> for RangeSpec {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl Visitor<'_> for V {
            type Value = RangeSpec;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a storage range such as 1, 0-, 2-5 or 3+")
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<RangeSpec, E> {
                let n = u32::try_from(v).map_err(|_| E::custom(format!("{v} is too large")))?;
                Ok(RangeSpec(n, Some(n)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RangeSpec, E> {
                parse_range(v)
                    .map(|(a, b)| RangeSpec(a, b))
                    .map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for Multiple {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Multiple;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a mapping with `range` (such as `range: 0-`)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Multiple, A::Error> {
                let mut range = None;
                while let Some(key) = map.next_key::<String>()? {
                    if key == "range" {
                        range = Some(map.next_value::<RangeSpec>()?);
                    } else {
                        map.next_value::<IgnoredAny>()?;
                    }
                }
                range.map(|r| Multiple(r.0, r.1)).ok_or_else(|| {
                    de::Error::custom("`multiple` needs a `range` (such as `range: 0-`)")
                })
            }
            fn visit_u64<E: de::Error>(self, v: u64) -> Result<Multiple, E> {
                let n = u32::try_from(v).map_err(|_| E::custom(format!("{v} is too large")))?;
                Ok(Multiple(n, Some(n)))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Multiple, E> {
                parse_range(v)
                    .map(|(a, b)| Multiple(a, b))
                    .map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl RawStorage {
    pub(super) fn into_model(self, name: String) -> Storage {
        Storage {
            name,
            kind: self.kind.0,
            location: self.location,
            multiple: self.multiple.map(|m| (m.0, m.1)),
            minimum_size: self.minimum_size.map(|s| s.0),
            shared: self.shared.unwrap_or_default().0,
            read_only: self.read_only.unwrap_or_default().0,
            properties: self.properties.unwrap_or_default().0,
            description: self.description,
        }
    }
}

/// `payloads.<name>`.
#[derive(Debug, Deserialize)]
#[serde(expecting = "a payload (a mapping with `type`)")]
pub(super) struct RawPayload {
    #[serde(rename = "type")]
    kind: String,
}

impl RawPayload {
    pub(super) fn into_model(self, name: String) -> Payload {
        Payload {
            name,
            kind: self.kind,
        }
    }
}

/// `devices.<name>`.
#[derive(Debug, Deserialize)]
#[serde(expecting = "a device (a mapping with `type`, `countmin`, `countmax`)")]
pub(super) struct RawDevice {
    #[serde(rename = "type")]
    kind: String,
    description: Option<String>,
    countmin: Option<Count>,
    countmax: Option<Count>,
}

impl RawDevice {
    pub(super) fn into_model(self, name: String) -> Device {
        Device {
            name,
            kind: self.kind,
            description: self.description,
            count_min: self.countmin.map(|c| c.0),
            count_max: self.countmax.map(|c| c.0),
        }
    }
}

/// `links`.
#[derive(Debug, Default, Deserialize)]
#[serde(expecting = "a mapping of links (`documentation`, `issues`, `source`, ...)")]
pub(super) struct RawLinks {
    documentation: Option<String>,
    issues: Option<OneOrMany<String>>,
    source: Option<OneOrMany<String>>,
    contact: Option<OneOrMany<String>>,
    website: Option<OneOrMany<String>>,
}

impl RawLinks {
    pub(super) fn into_model(self) -> Links {
        Links {
            documentation: self.documentation,
            issues: self.issues.unwrap_or_default().0,
            source: self.source.unwrap_or_default().0,
            contact: self.contact.unwrap_or_default().0,
            website: self.website.unwrap_or_default().0,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Relations
// ---------------------------------------------------------------------------------------

/// A relation endpoint: a mapping, or the old shorthand `name: interface`.
#[derive(Debug)]
pub(super) struct RawRelation {
    interface: String,
    limit: Option<u32>,
    optional: bool,
    container_scope: bool,
}

#[derive(Deserialize)]
#[serde(expecting = "a relation (a mapping with `interface`, `limit`, `optional`, `scope`)")]
struct RelationFields {
    interface: String,
    limit: Option<Count>,
    optional: Option<Flag>,
    scope: Option<Scope>,
}

#[derive(Debug)]
struct Scope(bool);

impl<'de> Deserialize<'de> for Scope {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        one_of(d, "relation scope", &["global", "container"]).map(|s| Scope(s == "container"))
    }
}

impl<'de> Deserialize<'de> for RawRelation {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawRelation;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a relation (a mapping with `interface`, `limit`, `optional`, `scope`)")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawRelation, E> {
                Ok(RawRelation {
                    interface: v.to_string(),
                    limit: None,
                    optional: false,
                    container_scope: false,
                })
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawRelation, A::Error> {
                let f = RelationFields::deserialize(MapAccessDeserializer::new(map))?;
                Ok(RawRelation {
                    interface: f.interface,
                    limit: f.limit.map(|c| c.0),
                    optional: f.optional.unwrap_or_default().0,
                    container_scope: f.scope.is_some_and(|s| s.0),
                })
            }
        }
        d.deserialize_any(V)
    }
}

impl RawRelation {
    pub(super) fn into_model(self, name: String, role: Role) -> Relation {
        Relation {
            name,
            role,
            interface: self.interface,
            limit: self.limit,
            optional: self.optional,
            container_scope: self.container_scope,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Config
// ---------------------------------------------------------------------------------------

/// `config:` in charmcraft.yaml, or the whole of config.yaml.
#[derive(Debug, Default, Deserialize)]
#[serde(deny_unknown_fields, expecting = "a mapping with `options`")]
pub(super) struct RawConfig {
    pub options: Option<Entries<Option<RawOption>>>,
}

/// One config option.
#[derive(Debug, Default)]
pub(super) struct RawOption {
    kind: Option<ConfigType>,
    default: Option<Fitted>,
    description: Option<String>,
}

/// A config option's `type`, checked where it is written.
struct ConfigTypeDe(ConfigType);

impl<'de> Deserialize<'de> for ConfigTypeDe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let s = one_of(
            d,
            "option type",
            &["string", "int", "float", "boolean", "secret"],
        )?;
        Ok(ConfigTypeDe(match s.as_str() {
            "int" => ConfigType::Int,
            "float" => ConfigType::Float,
            "boolean" => ConfigType::Boolean,
            "secret" => ConfigType::Secret,
            _ => ConfigType::String,
        }))
    }
}

impl<'de> Deserialize<'de> for RawOption {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawOption;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a config option (a mapping with `type`, `default`, `description`)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawOption, A::Error> {
                let mut out = RawOption::default();
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "type" => out.kind = Some(map.next_value::<ConfigTypeDe>()?.0),
                        "default" => {
                            let target = out.kind.map(Target::of_config);
                            out.default = Some(map.next_value_seed(FitSeed { target })?);
                        }
                        "description" => out.description = map.next_value()?,
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                // Juju reads an option without `type` as a string option.
                let kind = *out.kind.get_or_insert(ConfigType::String);
                if let Some(pending) = out.default.take() {
                    let fitted = pending
                        .finish(Target::of_config(kind))
                        .map_err(|e| de::Error::custom(format!("default: {e}")))?;
                    out.default = Some(Fitted::Done(fitted));
                }
                Ok(out)
            }
        }
        d.deserialize_map(V)
    }
}

impl RawOption {
    pub(super) fn into_model(self, name: String) -> ConfigOption {
        let default = match self.default {
            Some(Fitted::Done(v)) => v,
            // Always fitted by the visitor; a pending value cannot remain.
            Some(Fitted::Pending(_)) | None => None,
        };
        ConfigOption {
            name,
            kind: self.kind.unwrap_or(ConfigType::String),
            default,
            description: self.description,
        }
    }
}

// ---------------------------------------------------------------------------------------
// Actions
// ---------------------------------------------------------------------------------------

/// `actions:` in charmcraft.yaml, or the whole of actions.yaml.
pub(super) type RawActions = Entries<Option<RawAction>>;

/// One action.
#[derive(Debug)]
pub(super) struct RawAction {
    title: Option<String>,
    description: Option<String>,
    params: Vec<Param>,
    additional_properties: bool,
    execution_group: Option<String>,
    parallel: bool,
}

#[derive(Deserialize)]
#[serde(expecting = "an action (a mapping with `description`, `params`, `required`, ...)")]
struct ActionFields {
    title: Option<String>,
    description: Option<String>,
    params: Option<Entries<Option<RawSchema>>>,
    required: Option<OneOrMany<String>>,
    #[serde(rename = "additionalProperties")]
    additional_properties: Option<Additional>,
    #[serde(rename = "execution-group")]
    execution_group: Option<String>,
    parallel: Option<Flag>,
}

impl Default for RawAction {
    fn default() -> Self {
        RawAction {
            title: None,
            description: None,
            params: Vec::new(),
            // Juju's default.
            additional_properties: true,
            execution_group: None,
            parallel: false,
        }
    }
}

impl<'de> Deserialize<'de> for RawAction {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawAction;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("an action (a mapping with `description`, `params`, `required`, ...)")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawAction, A::Error> {
                let f = ActionFields::deserialize(MapAccessDeserializer::new(map))?;
                let params = make_params(
                    f.params.unwrap_or_default(),
                    f.required.unwrap_or_default().0,
                    "params",
                )
                .map_err(de::Error::custom)?;
                Ok(RawAction {
                    title: f.title,
                    description: f.description,
                    params,
                    additional_properties: f.additional_properties.is_none_or(|a| a.0),
                    execution_group: f.execution_group,
                    parallel: f.parallel.unwrap_or_default().0,
                })
            }
        }
        d.deserialize_map(V)
    }
}

impl RawAction {
    pub(super) fn into_model(self, name: String) -> Action {
        Action {
            name,
            title: self.title,
            description: self.description,
            params: self.params,
            additional_properties: self.additional_properties,
            execution_group: self.execution_group,
            parallel: self.parallel,
        }
    }
}

/// Builds named params from `properties`-like entries and the enclosing `required` list.
fn make_params(
    entries: Entries<Option<RawSchema>>,
    required: Vec<String>,
    what: &str,
) -> Result<Vec<Param>, String> {
    if let Some(missing) = required
        .iter()
        .find(|r| !entries.0.iter().any(|(name, _)| name == *r))
    {
        return Err(format!(
            "required: {missing:?} is not one of the declared {what}"
        ));
    }
    Ok(entries
        .0
        .into_iter()
        .map(|(name, schema)| {
            let schema = schema.unwrap_or_default();
            Param {
                required: schema.required_self || required.contains(&name),
                name,
                schema: schema.schema,
            }
        })
        .collect())
}

/// `additionalProperties`: a boolean, or a schema (which allows extra properties).
struct Additional(bool);

impl<'de> Deserialize<'de> for Additional {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Additional;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("true, false or a schema")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<Additional, E> {
                Ok(Additional(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<Additional, E> {
                Flag::deserialize(de::value::StrDeserializer::<E>::new(v)).map(|f| Additional(f.0))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Additional, A::Error> {
                IgnoredAny::deserialize(MapAccessDeserializer::new(map))?;
                Ok(Additional(true))
            }
        }
        d.deserialize_any(V)
    }
}

/// A JSON schema (an action param, a property, or `items`).
#[derive(Debug)]
pub(super) struct RawSchema {
    schema: Schema,
    /// Draft-3 style `required: true` on the property itself.
    required_self: bool,
}

impl Default for RawSchema {
    fn default() -> Self {
        RawSchema {
            schema: Schema {
                kind: SchemaType::Any,
                description: None,
                default: None,
                enum_values: Vec::new(),
                assertions: Vec::new(),
            },
            required_self: false,
        }
    }
}

/// A schema's `type`: one name, or a list of them.
enum TypeName {
    One(String),
    Many,
}

impl<'de> Deserialize<'de> for TypeName {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = TypeName;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON-schema type name or a list of them")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<TypeName, E> {
                Ok(TypeName::One(v.to_string()))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<TypeName, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    names.push(name);
                }
                Ok(match <[String; 1]>::try_from(names) {
                    Ok([one]) => TypeName::One(one),
                    Err(_) => TypeName::Many,
                })
            }
        }
        d.deserialize_any(V)
    }
}

/// The scalar part of a schema type, before `items` / `properties` are attached.
fn scalar_type(name: &str) -> Option<SchemaType> {
    Some(match name {
        "string" => SchemaType::String,
        "integer" => SchemaType::Integer,
        "number" => SchemaType::Number,
        "boolean" => SchemaType::Boolean,
        _ => return None,
    })
}

/// `required` inside a schema: a list of property names, or draft-3 `true` / `false`.
enum RequiredDe {
    Names(Vec<String>),
    Flag(bool),
}

impl<'de> Deserialize<'de> for RequiredDe {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RequiredDe;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a list of required property names")
            }
            fn visit_bool<E: de::Error>(self, v: bool) -> Result<RequiredDe, E> {
                Ok(RequiredDe::Flag(v))
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RequiredDe, E> {
                Ok(RequiredDe::Names(vec![v.to_string()]))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<RequiredDe, A::Error> {
                let mut names = Vec::new();
                while let Some(name) = seq.next_element::<String>()? {
                    names.push(name);
                }
                Ok(RequiredDe::Names(names))
            }
            fn visit_unit<E: de::Error>(self) -> Result<RequiredDe, E> {
                Ok(RequiredDe::Names(Vec::new()))
            }
        }
        d.deserialize_any(V)
    }
}

/// `items`: one schema, or a list of them (tuple validation, read as any).
struct Items(Option<RawSchema>);

impl<'de> Deserialize<'de> for Items {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = Items;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a schema for the items")
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<Items, A::Error> {
                RawSchema::deserialize(MapAccessDeserializer::new(map)).map(|s| Items(Some(s)))
            }
            fn visit_seq<A: SeqAccess<'de>>(self, seq: A) -> Result<Items, A::Error> {
                IgnoredAny::deserialize(de::value::SeqAccessDeserializer::new(seq))?;
                Ok(Items(None))
            }
            fn visit_bool<E: de::Error>(self, _: bool) -> Result<Items, E> {
                Ok(Items(None))
            }
            fn visit_unit<E: de::Error>(self) -> Result<Items, E> {
                Ok(Items(None))
            }
        }
        d.deserialize_any(V)
    }
}

impl<'de> Deserialize<'de> for RawSchema {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct V;
        impl<'de> Visitor<'de> for V {
            type Value = RawSchema;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a JSON schema (a mapping with `type`, `description`, `default`, ...)")
            }
            fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<RawSchema, A::Error> {
                let mut type_name: Option<TypeName> = None;
                let mut description = None;
                let mut default: Option<Fitted> = None;
                let mut enum_values: Option<Vec<Fitted>> = None;
                let mut items: Option<Items> = None;
                let mut properties: Option<Entries<Option<RawSchema>>> = None;
                let mut required = RequiredDe::Names(Vec::new());
                let mut additional = true;
                let mut assertions = Vec::new();
                let target = |t: &Option<TypeName>| match t {
                    Some(TypeName::One(name)) => {
                        Some(scalar_type(name).map_or(Target::Natural, |k| Target::of_schema(&k)))
                    }
                    Some(TypeName::Many) => Some(Target::Natural),
                    None => None,
                };
                while let Some(key) = map.next_key::<String>()? {
                    match key.as_str() {
                        "type" => type_name = Some(map.next_value()?),
                        "description" => description = map.next_value()?,
                        "default" => {
                            let seed = FitSeed {
                                target: target(&type_name),
                            };
                            default = Some(map.next_value_seed(seed)?);
                        }
                        "enum" => {
                            let seed = EnumSeed {
                                target: target(&type_name),
                            };
                            enum_values = Some(map.next_value_seed(seed)?);
                        }
                        "items" => items = Some(map.next_value()?),
                        "properties" => properties = map.next_value()?,
                        "required" => required = map.next_value()?,
                        "additionalProperties" => {
                            additional = map.next_value::<Additional>()?.0;
                        }
                        keyword if super::super::ASSERTION_KEYWORDS.contains(&keyword) => {
                            assertions.push((key, map.next_value::<yaml_serde::Value>()?));
                        }
                        _ => {
                            map.next_value::<IgnoredAny>()?;
                        }
                    }
                }
                let fit_target = target(&type_name).unwrap_or(Target::Natural);
                let default = match default {
                    Some(d) => d
                        .finish(fit_target)
                        .map_err(|e| de::Error::custom(format!("default: {e}")))?,
                    None => None,
                };
                let enum_values = enum_values
                    .unwrap_or_default()
                    .into_iter()
                    .map(|v| {
                        v.finish(fit_target)
                            .map(|v| v.unwrap_or_else(|| super::super::Value::Other("null".into())))
                    })
                    .collect::<Result<Vec<_>, _>>()
                    .map_err(|e| de::Error::custom(format!("enum: {e}")))?;
                let (required_names, required_self) = match required {
                    RequiredDe::Names(names) => (names, false),
                    RequiredDe::Flag(b) => (Vec::new(), b),
                };
                let kind = match type_name {
                    None | Some(TypeName::Many) => SchemaType::Any,
                    Some(TypeName::One(name)) => match name.as_str() {
                        "array" => {
                            SchemaType::Array(items.and_then(|i| i.0).map(|s| Box::new(s.schema)))
                        }
                        "object" => SchemaType::Object {
                            properties: make_params(
                                properties.unwrap_or_default(),
                                required_names,
                                "properties",
                            )
                            .map_err(de::Error::custom)?,
                            additional,
                        },
                        other => scalar_type(other)
                            .unwrap_or_else(|| SchemaType::Unknown(other.to_string())),
                    },
                };
                Ok(RawSchema {
                    schema: Schema {
                        kind,
                        description,
                        default,
                        enum_values,
                        assertions,
                    },
                    required_self,
                })
            }
        }
        d.deserialize_map(V)
    }
}
