//! `Charm::META`: the metadata as a `'static` `ops::meta::CharmMeta`.

use super::config::describe;
use crate::metadata::{ConfigType, Metadata, Role, SchemaType, Value};
use proc_macro2::TokenStream;
use quote::quote;

fn opt_str(s: &Option<String>) -> TokenStream {
    match s {
        Some(s) => quote!(::core::option::Option::Some(#s)),
        None => quote!(::core::option::Option::None),
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

/// The `&'static CharmMeta` expression.
pub fn expand(meta: &Metadata) -> TokenStream {
    let name = &meta.name;
    let summary = meta.summary.clone().unwrap_or_default();
    let description = meta.description.clone().unwrap_or_default();
    let subordinate = meta.subordinate;
    let containers = meta.containers.iter().map(|c| {
        let name = &c.name;
        let resource = opt_str(&c.resource);
        let mounts = c.mounts.iter().map(|m| {
            let storage = &m.storage;
            let location = m.location.clone().unwrap_or_default();
            quote!((#storage, #location))
        });
        quote!(::ops::meta::ContainerMeta { name: #name, resource: #resource, mounts: &[#(#mounts),*] })
    });
    let resources = meta.resources.iter().map(|r| {
        let name = &r.name;
        let kind = &r.kind;
        let filename = opt_str(&r.filename);
        quote!(::ops::meta::ResourceMeta { name: #name, kind: #kind, filename: #filename })
    });
    let storages = meta.storages.iter().map(|s| {
        let name = &s.name;
        let kind = &s.kind;
        let location = opt_str(&s.location);
        let multiple = s.multiple.is_some();
        quote!(::ops::meta::StorageMeta { name: #name, kind: #kind, location: #location, multiple: #multiple })
    });
    let relations = meta.relations.iter().map(|r| {
        let name = &r.name;
        let role = match r.role {
            Role::Provides => quote!(Provides),
            Role::Requires => quote!(Requires),
            Role::Peer => quote!(Peer),
        };
        let interface = &r.interface;
        let limit = match r.limit {
            Some(l) => quote!(::core::option::Option::Some(#l)),
            None => quote!(::core::option::Option::None),
        };
        let optional = r.optional;
        let container_scope = r.container_scope;
        quote!(::ops::meta::RelationMeta {
            name: #name,
            role: ::ops::meta::RelationRole::#role,
            interface: #interface,
            limit: #limit,
            optional: #optional,
            container_scope: #container_scope,
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
        quote!(::ops::meta::ConfigOptionMeta { name: #name, kind: ::ops::meta::ConfigKind::#kind, default: #default })
    });
    let actions = meta.actions.iter().map(|a| {
        let name = &a.name;
        let additional = a.additional_properties;
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
        quote!(::ops::meta::ActionMeta { name: #name, params: &[#(#params),*], additional_properties: #additional })
    });
    quote! {
        &::ops::meta::CharmMeta {
            name: #name,
            summary: #summary,
            description: #description,
            subordinate: #subordinate,
            containers: &[#(#containers),*],
            resources: &[#(#resources),*],
            storages: &[#(#storages),*],
            relations: &[#(#relations),*],
            extra_bindings: &[#(#bindings),*],
            config: &[#(#config),*],
            actions: &[#(#actions),*],
        }
    }
}
