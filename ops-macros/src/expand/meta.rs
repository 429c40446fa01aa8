//! `Charm::META`: the metadata as a `'static` `ops::meta::CharmMeta`.

use super::config::describe;
use crate::metadata::{
    Assumption, CharmUser, ConfigType, Metadata, ResourceType, Role, SchemaType, StorageType, Value,
};
use proc_macro2::TokenStream;
use quote::quote;

fn opt_str(s: &Option<String>) -> TokenStream {
    match s {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
    }
}

fn opt_u32(n: Option<u32>) -> TokenStream {
    match n {
        Some(n) => quote!(::core::option::Option::Some(#n)),
        None => quote!(::core::option::Option::None),
    }
}

/// `s`, or `""` when absent (the fields Python ops defaults to an empty string).
fn or_empty(s: &Option<String>) -> &str {
    s.as_deref().unwrap_or_default()
}

fn assumption(a: &Assumption) -> TokenStream {
    match a {
        Assumption::Feature(f) => quote!(::ops::meta::Assumption::Feature(#f)),
        Assumption::AnyOf(list) => {
            let list = list.iter().map(assumption);
            quote!(::ops::meta::Assumption::AnyOf(&[#(#list),*]))
        }
        Assumption::AllOf(list) => {
            let list = list.iter().map(assumption);
            quote!(::ops::meta::Assumption::AllOf(&[#(#list),*]))
        }
    }
}

/// A value as JSON text.
pub fn json_text(value: &Value) -> String {
    match value {
        Value::String(s) => json_string(s),
        Value::Int(_) | Value::Bool(_) => describe(value),
        Value::Float(f) if f.is_finite() => {
            let s = f.to_string();
            if s.contains(['.', 'e', 'E']) {
                s
            } else {
                format!("{s}.0")
            }
        }
        Value::Float(_) => "null".to_string(),
        Value::Other(text) => text.clone(),
    }
}

/// `s` as a JSON string literal.
pub fn json_string(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            '\r' => out.push_str("\\r"),
            '\t' => out.push_str("\\t"),
            c if (c as u32) < 0x20 => out.push_str(&format!("\\u{:04x}", c as u32)),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

/// The `&'static CharmMeta` expression. Every field is written out (no `..`), so a field
/// added to `CharmMeta` fails here until the macro fills it.
pub fn expand(meta: &Metadata) -> TokenStream {
    let name = &meta.name;
    let title = opt_str(&meta.title);
    let summary = or_empty(&meta.summary);
    let description = or_empty(&meta.description);
    // Python ops counts `links.contact` among the maintainers.
    let maintainers = meta.maintainers.iter().chain(&meta.links.contact);
    let links = &meta.links;
    let documentation = opt_str(&links.documentation);
    let (issues, sources, websites) = (&links.issues, &links.source, &links.website);
    let (tags, terms, series) = (&meta.tags, &meta.terms, &meta.series);
    let subordinate = meta.subordinate;
    let min_juju_version = opt_str(&meta.min_juju_version);
    let assumes = meta.assumes.iter().map(assumption);
    let charm_user = match meta.charm_user.unwrap_or(CharmUser::Root) {
        CharmUser::Root => quote!(Root),
        CharmUser::Sudoer => quote!(Sudoer),
        CharmUser::NonRoot => quote!(NonRoot),
    };
    let containers = meta.containers.iter().map(|c| {
        let name = &c.name;
        let resource = opt_str(&c.resource);
        let bases = c.bases.iter().map(|b| {
            let (name, channel, arches) = (&b.name, &b.channel, &b.architectures);
            quote!(::ops::meta::ContainerBase { name: #name, channel: #channel, architectures: &[#(#arches),*] })
        });
        let mounts = c.mounts.iter().map(|m| {
            let storage = &m.storage;
            let location = opt_str(&m.location);
            quote!(::ops::meta::ContainerMount { storage: #storage, location: #location })
        });
        let (uid, gid) = (opt_u32(c.uid), opt_u32(c.gid));
        quote!(::ops::meta::ContainerMeta {
            name: #name,
            resource: #resource,
            bases: &[#(#bases),*],
            mounts: &[#(#mounts),*],
            uid: #uid,
            gid: #gid,
        })
    });
    let resources = meta.resources.iter().map(|r| {
        let name = &r.name;
        let kind = match r.kind {
            ResourceType::File => quote!(File),
            ResourceType::OciImage => quote!(OciImage),
        };
        let filename = opt_str(&r.filename);
        let description = or_empty(&r.description);
        quote!(::ops::meta::ResourceMeta {
            name: #name,
            kind: ::ops::meta::ResourceType::#kind,
            filename: #filename,
            description: #description,
        })
    });
    let storages = meta.storages.iter().map(|s| {
        let name = &s.name;
        let kind = match s.kind {
            StorageType::Filesystem => quote!(Filesystem),
            StorageType::Block => quote!(Block),
        };
        let description = or_empty(&s.description);
        let location = opt_str(&s.location);
        let (shared, read_only) = (s.shared, s.read_only);
        let minimum_size = opt_str(&s.minimum_size);
        let multiple = match s.multiple {
            Some((min, max)) => {
                let max = opt_u32(max);
                quote!(::core::option::Option::Some(::ops::meta::StorageRange { min: #min, max: #max }))
            }
            None => quote!(::core::option::Option::None),
        };
        let properties = &s.properties;
        quote!(::ops::meta::StorageMeta {
            name: #name,
            kind: ::ops::meta::StorageType::#kind,
            description: #description,
            location: #location,
            shared: #shared,
            read_only: #read_only,
            minimum_size: #minimum_size,
            multiple: #multiple,
            properties: &[#(#properties),*],
        })
    });
    let relations = meta.relations.iter().map(|r| {
        let name = &r.name;
        let role = match r.role {
            Role::Provides => quote!(Provides),
            Role::Requires => quote!(Requires),
            Role::Peer => quote!(Peer),
        };
        let interface = &r.interface;
        let limit = opt_u32(r.limit);
        let optional = r.optional;
        let scope = if r.container_scope {
            quote!(Container)
        } else {
            quote!(Global)
        };
        quote!(::ops::meta::RelationMeta {
            name: #name,
            role: ::ops::meta::RelationRole::#role,
            interface: #interface,
            limit: #limit,
            optional: #optional,
            scope: ::ops::meta::RelationScope::#scope,
        })
    });
    let payloads = meta.payloads.iter().map(|p| {
        let (name, kind) = (&p.name, &p.kind);
        quote!(::ops::meta::PayloadMeta { name: #name, kind: #kind })
    });
    let devices = meta.devices.iter().map(|d| {
        let (name, kind) = (&d.name, &d.kind);
        let description = or_empty(&d.description);
        let (count_min, count_max) = (opt_u32(d.count_min), opt_u32(d.count_max));
        quote!(::ops::meta::DeviceMeta {
            name: #name,
            kind: #kind,
            description: #description,
            count_min: #count_min,
            count_max: #count_max,
        })
    });
    let bindings = &meta.extra_bindings;
    let config = meta.config.iter().map(|o| {
        let name = &o.name;
        let kind = match o.kind {
            ConfigType::String => quote!(String),
            ConfigType::Int => quote!(Int),
            ConfigType::Float => quote!(Float),
            ConfigType::Boolean => quote!(Boolean),
            ConfigType::Secret => quote!(Secret),
        };
        let default = opt_str(&o.default.as_ref().map(json_text));
        let description = opt_str(&o.description);
        quote!(::ops::meta::ConfigOptionMeta {
            name: #name,
            kind: ::ops::meta::ConfigKind::#kind,
            default: #default,
            description: #description,
        })
    });
    let actions = meta.actions.iter().map(|a| {
        let name = &a.name;
        let title = or_empty(&a.title);
        let description = or_empty(&a.description);
        let additional = a.additional_properties;
        let execution_group = opt_str(&a.execution_group);
        let parallel = a.parallel;
        let params = a.params.iter().map(|p| {
            let name = &p.name;
            let kind = match &p.schema.kind {
                SchemaType::String => "string",
                SchemaType::Integer => "integer",
                SchemaType::Number => "number",
                SchemaType::Boolean => "boolean",
                SchemaType::Array(_) => "array",
                SchemaType::Object { .. } => "object",
                SchemaType::Any => "",
                SchemaType::Unknown(t) => t.as_str(),
            };
            let required = p.required;
            let enum_values = p.schema.enum_values.iter().map(json_text);
            let schema = super::param_schema::param_schema_json(&p.schema);
            quote!(::ops::meta::ParamMeta {
                name: #name,
                kind: #kind,
                required: #required,
                enum_values: &[#(#enum_values),*],
                schema: #schema,
            })
        });
        quote!(::ops::meta::ActionMeta {
            name: #name,
            title: #title,
            description: #description,
            params: &[#(#params),*],
            additional_properties: #additional,
            execution_group: #execution_group,
            parallel: #parallel,
        })
    });
    quote! {
        &::ops::meta::CharmMeta {
            name: #name,
            title: #title,
            summary: #summary,
            description: #description,
            maintainers: &[#(#maintainers),*],
            links: ::ops::meta::Links {
                documentation: #documentation,
                issues: &[#(#issues),*],
                sources: &[#(#sources),*],
                websites: &[#(#websites),*],
            },
            tags: &[#(#tags),*],
            terms: &[#(#terms),*],
            series: &[#(#series),*],
            subordinate: #subordinate,
            min_juju_version: #min_juju_version,
            assumes: &[#(#assumes),*],
            charm_user: ::ops::meta::CharmUser::#charm_user,
            containers: &[#(#containers),*],
            resources: &[#(#resources),*],
            storages: &[#(#storages),*],
            relations: &[#(#relations),*],
            payloads: &[#(#payloads),*],
            devices: &[#(#devices),*],
            extra_bindings: &[#(#bindings),*],
            config: &[#(#config),*],
            actions: &[#(#actions),*],
        }
    }
}
