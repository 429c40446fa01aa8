//! Checks what the struct half of `#[charm]` generates from the metadata, collecting every
//! error: two names that map to one Rust name, defaults and `enum` values that do not fit
//! their type, JSON-schema types with no Rust type, and the endpoints named by
//! `tracing(...)` and `#[lib(endpoint = "...")]`. Returns the [`Types`] to generate.

use crate::attr::{LibField, TracingArgs};
use crate::errors::Errors;
use crate::ident;
use crate::metadata::{
    describe, Action, ConfigOption, ConfigType, Metadata, Param, Role, Schema, SchemaType, Value,
};
use crate::model::types::{
    ConfigField, DefaultValue, Endpoint, Enum, EnumCheck, Field, Finite, Object, ObjectKind,
    Scalar, ScalarType, Ty, Types,
};
use crate::suggest;
use proc_macro2::{Ident, Span};
use syn::LitStr;

/// The checks' state: where metadata errors go, and the generated type names so far.
struct Check<'e> {
    /// The metadata file as named in messages.
    file: &'e str,
    /// The metadata path literal: errors about the metadata point here.
    span: Span,
    errors: &'e mut Errors,
    /// Each generated type name, with what generates it.
    types: Vec<(String, String)>,
}

impl Check<'_> {
    /// Records an error about the metadata.
    fn error(&mut self, message: String) {
        self.errors
            .at(self.span, format!("{}: {message}", self.file));
    }

    /// Reserves a generated type name; `false` (and an error) if another metadata item
    /// already maps to it.
    fn claim_type(&mut self, name: &str, what: &str) -> bool {
        if let Some((_, first)) = self.types.iter().find(|(n, _)| n == name) {
            let msg = format!("{first} and {what} both generate the type `{name}`; rename one");
            self.error(msg);
            return false;
        }
        self.types.push((name.to_string(), what.to_string()));
        true
    }
}

/// Names already used in one generated struct.
#[derive(Default)]
struct Seen {
    names: Vec<(String, String)>,
}

impl Seen {
    /// Reserves the field or method name of the metadata name `from`: its identifier, or
    /// on a clash the error's text.
    fn claim(&mut self, from: &str) -> Result<Ident, String> {
        let ident = ident::snake(from);
        if let Some((_, first)) = self.names.iter().find(|(i, _)| *i == ident) {
            return Err(format!(
                "`{first}` and `{from}` both map to the Rust name `{ident}`; rename one"
            ));
        }
        self.names.push((ident.clone(), from.to_string()));
        Ok(Ident::new(&ident, Span::call_site()))
    }
}

/// Checks the types `meta` generates for `charm`, its `#[lib]` fields' endpoints and its
/// `tracing(...)`; errors about the metadata point at `span` (the path literal) and name
/// `file`.
pub fn types<'m>(
    meta: &'m Metadata,
    charm: &Ident,
    libs: &'m [LibField],
    tracing: Option<&'m TracingArgs>,
    (file, span): (&str, Span),
    errors: &mut Errors,
) -> Types<'m> {
    let mut check = Check {
        file,
        span,
        errors,
        types: Vec::new(),
    };
    let c = &mut check;
    let config = config(c, charm, &meta.config);
    let actions = meta.actions.iter().filter_map(|a| action(c, a)).collect();
    let relations = accessors(
        c,
        charm,
        "Relations",
        "relation endpoints",
        &meta.relations,
        |r| &r.name,
    );
    let containers = accessors(
        c,
        charm,
        "Containers",
        "containers",
        &meta.containers,
        |x| &x.name,
    );
    let storages = accessors(c, charm, "Storages", "storages", &meta.storages, |s| {
        &s.name
    });
    let resources = accessors(c, charm, "Resources", "resources", &meta.resources, |r| {
        &r.name
    });
    let endpoints = endpoints(libs, meta, file, c.errors);
    let tracing = tracing.filter(|args| {
        let endpoint = tracing_endpoint(meta, file, &args.endpoint, "tracing", c.errors);
        let ca = args
            .ca
            .as_ref()
            .is_none_or(|ca| tracing_endpoint(meta, file, ca, "certificate_transfer", c.errors));
        endpoint && ca
    });
    Types {
        meta,
        config,
        actions,
        relations,
        containers,
        storages,
        resources,
        tracing,
        endpoints,
    }
}

/// The fields of `<Charm>Config`.
fn config<'m>(c: &mut Check, charm: &Ident, options: &'m [ConfigOption]) -> Vec<ConfigField<'m>> {
    c.claim_type(&ident::config_ident(charm).to_string(), "the config struct");
    let mut seen = Seen::default();
    let mut fields = Vec::new();
    for option in options {
        let ident = match seen.claim(&option.name) {
            Ok(ident) => ident,
            Err(msg) => {
                c.error(format!("config options {msg}"));
                continue;
            }
        };
        let default = config_default(option).unwrap_or_else(|msg| {
            c.error(msg);
            None
        });
        fields.push(ConfigField {
            option,
            ident,
            default,
        });
    }
    fields
}

/// A config option's default as a value of its type, `Ok(None)` when there is none.
fn config_default(opt: &ConfigOption) -> Result<Option<Scalar>, String> {
    let Some(value) = &opt.default else {
        return Ok(None);
    };
    let bad = || {
        format!(
            "config option `{}`: the default {} is not a {} value",
            opt.name,
            describe(value),
            opt.kind.name()
        )
    };
    let float = |f: f64| Finite::new(f).map(Scalar::Float).ok_or_else(bad);
    let scalar = match (opt.kind, value) {
        (_, Value::Other(text)) if text == "null" => return Ok(None),
        (ConfigType::String | ConfigType::Secret, Value::String(s)) => Scalar::Str(s.clone()),
        // YAML may give a number or boolean where a string option's default was meant.
        (ConfigType::String | ConfigType::Secret, Value::Int(i)) => Scalar::Str(i.to_string()),
        (ConfigType::String | ConfigType::Secret, Value::Float(f)) => Scalar::Str(f.to_string()),
        (ConfigType::String | ConfigType::Secret, Value::Bool(b)) => Scalar::Str(b.to_string()),
        (ConfigType::Int, Value::Int(i)) => Scalar::Int(*i),
        (ConfigType::Int, Value::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
            Scalar::Int(*f as i64)
        }
        (ConfigType::Int, Value::String(s)) => {
            Scalar::Int(s.trim().parse::<i64>().map_err(|_| bad())?)
        }
        (ConfigType::Float, Value::Int(i)) => float(*i as f64)?,
        (ConfigType::Float, Value::Float(f)) => float(*f)?,
        (ConfigType::Float, Value::String(s)) => {
            float(s.trim().parse::<f64>().map_err(|_| bad())?)?
        }
        (ConfigType::Boolean, Value::Bool(b)) => Scalar::Bool(*b),
        (ConfigType::Boolean, Value::String(s)) => match s.as_str() {
            "true" | "True" => Scalar::Bool(true),
            "false" | "False" => Scalar::Bool(false),
            _ => return Err(bad()),
        },
        _ => return Err(bad()),
    };
    Ok(Some(scalar))
}

/// One accessor struct's methods: the names of `items` that map to distinct identifiers.
fn accessors<'m, T>(
    c: &mut Check,
    charm: &Ident,
    kind: &str,
    what: &str,
    items: &'m [T],
    name: impl Fn(&T) -> &String,
) -> Vec<(Ident, &'m T)> {
    let type_name = ident::accessor_ident(charm, kind).to_string();
    c.claim_type(&type_name, &format!("the {what} accessors"));
    let mut seen = Seen::default();
    let mut methods = Vec::new();
    for item in items {
        match seen.claim(name(item)) {
            Ok(ident) => methods.push((ident, item)),
            Err(msg) => c.error(format!("{what} {msg}")),
        }
    }
    methods
}

/// Where a schema sits, for messages and docs: its action and the param's dotted path
/// (`options.limits`; empty for the action's params as a whole).
#[derive(Clone, Copy)]
struct At<'a> {
    action: &'a str,
    path: &'a str,
}

impl std::fmt::Display for At<'_> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "action `{}`", self.action)?;
        if !self.path.is_empty() {
            write!(f, " param `{}`", self.path)?;
        }
        Ok(())
    }
}

/// The params struct of `action`, unless its name is taken.
fn action<'m>(c: &mut Check, action: &'m Action) -> Option<Object<'m>> {
    let name = ident::params_ident(&action.name);
    if !c.claim_type(&name.to_string(), &format!("action `{}`", action.name)) {
        return None;
    }
    let at = At {
        action: &action.name,
        path: "",
    };
    let prefix = ident::pascal(&action.name);
    Some(Object {
        name,
        kind: ObjectKind::Params(action),
        fields: fields(c, &prefix, &action.params, at),
        closed: closed(&action.params, action.additional_properties),
    })
}

/// The param names, when `additionalProperties: false`.
fn closed(params: &[Param], additional: bool) -> Option<Vec<&str>> {
    (!additional).then(|| params.iter().map(|p| p.name.as_str()).collect())
}

/// The fields for `params` (of the struct named `prefix`, at `owner`).
fn fields<'m>(c: &mut Check, prefix: &str, params: &'m [Param], owner: At) -> Vec<Field<'m>> {
    let mut seen = Seen::default();
    let mut fields = Vec::new();
    for param in params {
        let ident = match seen.claim(&param.name) {
            Ok(ident) => ident,
            Err(msg) => {
                c.error(format!("{owner}: params {msg}"));
                continue;
            }
        };
        let path = match owner.path {
            "" => param.name.clone(),
            parent => format!("{parent}.{}", param.name),
        };
        let at = At {
            action: owner.action,
            path: &path,
        };
        let where_ = at.to_string();
        let type_name = format!("{prefix}{}", ident::pascal(&param.name));
        let ty = rust_type(c, &param.schema, &type_name, at);
        let default = if param.required {
            None
        } else {
            param
                .schema
                .default
                .as_ref()
                .filter(|v| !matches!(v, Value::Other(t) if t == "null"))
                .map(|v| default_value(c, &param.schema, v, &where_))
        };
        let check = enum_check(c, &param.schema, &where_);
        fields.push(Field {
            param,
            ident,
            ty,
            default,
            check,
        });
    }
    fields
}

/// The Rust type for `schema`; an object with properties or a string `enum` is a type
/// named `type_name`.
fn rust_type<'m>(c: &mut Check, schema: &'m Schema, type_name: &str, at: At) -> Ty<'m> {
    let where_ = at.to_string();
    match &schema.kind {
        SchemaType::String => match string_enum_values(schema) {
            Some(values) => enum_type(c, &values, type_name, &where_),
            None => Ty::String,
        },
        SchemaType::Integer => Ty::Int,
        SchemaType::Number => Ty::Float,
        SchemaType::Boolean => Ty::Bool,
        SchemaType::Any => Ty::Json,
        SchemaType::Array(None) => Ty::JsonVec,
        SchemaType::Array(Some(items)) => {
            let item = rust_type(c, items, &format!("{type_name}Item"), at);
            Ty::Vec(Box::new(item))
        }
        // No properties: a map of whatever the object holds. With `additionalProperties:
        // false` only `{}` fits the schema; nothing here checks that (Juju validates the
        // parameters against the schema before the action runs).
        SchemaType::Object { properties, .. } if properties.is_empty() => Ty::JsonMap,
        SchemaType::Object {
            properties,
            additional,
        } => {
            let name = Ident::new(type_name, Span::call_site());
            let object = c.claim_type(type_name, &where_).then(|| {
                Box::new(Object {
                    name: name.clone(),
                    kind: ObjectKind::Nested {
                        at: where_.clone(),
                        schema,
                    },
                    fields: fields(c, type_name, properties, at),
                    closed: closed(properties, *additional),
                })
            });
            Ty::Object(name, object)
        }
        SchemaType::Unknown(kind) => {
            c.error(format!(
                "{where_}: JSON-schema type `{kind}` has no Rust type; use string, integer, number, boolean, array or object"
            ));
            Ty::Json
        }
    }
}

/// The values of a `type: string` schema's `enum` (duplicates and `null` left out), or
/// `None` when it has none: such a schema becomes a generated enum.
fn string_enum_values(schema: &Schema) -> Option<Vec<&str>> {
    if schema.kind != SchemaType::String {
        return None;
    }
    let mut values: Vec<&str> = Vec::new();
    for value in &schema.enum_values {
        match value {
            Value::String(s) if !values.contains(&s.as_str()) => values.push(s),
            Value::String(_) => {}
            // `null` is never a string: Juju refuses it before the enum is looked at.
            Value::Other(text) if text == "null" => {}
            _ => return None,
        }
    }
    (!values.is_empty()).then_some(values)
}

/// The enum named `type_name` for a string `enum`'s `values`: one variant per value, two
/// values with one variant name an error.
fn enum_type<'m>(c: &mut Check, values: &[&str], type_name: &str, where_: &str) -> Ty<'m> {
    let name = Ident::new(type_name, Span::call_site());
    if !c.claim_type(type_name, where_) {
        return Ty::Enum(name, None);
    }
    let mut claimed: Vec<(String, &str)> = Vec::new();
    for value in values {
        let variant = ident::variant(value);
        match claimed.iter().find(|(v, _)| *v == variant) {
            Some((_, first)) => c.error(format!(
                "{where_}: enum values {first:?} and {value:?} both map to the variant `{type_name}::{variant}`; rename one"
            )),
            None => claimed.push((variant, value)),
        }
    }
    let variants = claimed
        .into_iter()
        .map(|(v, text)| (Ident::new(&v, Span::call_site()), text.to_string()))
        .collect();
    Ty::Enum(
        name,
        Some(Enum {
            at: where_.to_string(),
            variants,
        }),
    )
}

/// A param's default: a literal for scalars, a variant for a string `enum`, else a value
/// read at run time from its JSON (one that does not fit is then a `ValueError`).
fn default_value<'m>(
    c: &mut Check,
    schema: &Schema,
    value: &'m Value,
    where_: &str,
) -> DefaultValue<'m> {
    if let Some(values) = string_enum_values(schema) {
        return match value {
            Value::String(s) if values.contains(&s.as_str()) => {
                DefaultValue::Variant(Ident::new(&ident::variant(s), Span::call_site()))
            }
            _ => {
                let allowed: Vec<String> = values.iter().map(|v| format!("{v:?}")).collect();
                c.error(format!(
                    "{where_}: the default {} is not one of the enum's values {}",
                    describe(value),
                    allowed.join(", ")
                ));
                DefaultValue::FirstVariant
            }
        };
    }
    if let Some(scalar) = scalar(&schema.kind, value) {
        return DefaultValue::Scalar(scalar);
    }
    if matches!(
        schema.kind,
        SchemaType::String | SchemaType::Integer | SchemaType::Number | SchemaType::Boolean
    ) {
        c.error(format!(
            "{where_}: the default {} does not fit the param's type",
            describe(value)
        ));
        return DefaultValue::TypeDefault;
    }
    DefaultValue::Json(value)
}

/// `value` as a literal of the schema's scalar type, if it is one.
fn scalar(kind: &SchemaType, value: &Value) -> Option<Scalar> {
    Some(match (kind, value) {
        (SchemaType::String, Value::String(s)) => Scalar::Str(s.clone()),
        (SchemaType::Integer, Value::Int(i)) => Scalar::Int(*i),
        (SchemaType::Integer, Value::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
            Scalar::Int(*f as i64)
        }
        (SchemaType::Number, Value::Int(i)) => Scalar::Float(Finite::new(*i as f64)?),
        (SchemaType::Number, Value::Float(f)) => Scalar::Float(Finite::new(*f)?),
        (SchemaType::Boolean, Value::Bool(b)) => Scalar::Bool(*b),
        _ => return None,
    })
}

/// The run-time check of an `enum` of numbers or booleans (and of array items' `enum`).
/// String enums are generated enums (converting is checking); an `enum` on an untyped or
/// compound schema is not checked.
fn enum_check(c: &mut Check, schema: &Schema, where_: &str) -> Option<EnumCheck> {
    if let SchemaType::Array(Some(items)) = &schema.kind {
        return enum_check(c, items, where_).map(|inner| EnumCheck::Items(Box::new(inner)));
    }
    if schema.enum_values.is_empty() {
        return None;
    }
    let ty = match schema.kind {
        SchemaType::Integer => ScalarType::Int,
        SchemaType::Number => ScalarType::Float,
        SchemaType::Boolean => ScalarType::Bool,
        _ => return None,
    };
    let mut values = Vec::new();
    for value in &schema.enum_values {
        match scalar(&schema.kind, value) {
            Some(lit) => values.push(lit),
            None => {
                c.error(format!(
                    "{where_}: enum value {} does not fit the param's type",
                    describe(value)
                ));
                return None;
            }
        }
    }
    Some(EnumCheck::Values { ty, values })
}

/// The `#[lib(endpoint = "...")]` fields whose endpoint the metadata declares, with it;
/// an error for each other one. (Whether the library fits the endpoint is checked by
/// rustc: the library may live in another crate.)
fn endpoints<'m>(
    libs: &'m [LibField],
    meta: &'m Metadata,
    file: &str,
    errors: &mut Errors,
) -> Vec<Endpoint<'m>> {
    let names: Vec<&str> = meta.relations.iter().map(|r| r.name.as_str()).collect();
    let mut found = Vec::new();
    for lib in libs {
        let Some(lit) = &lib.endpoint else {
            errors.at(
                lib.field.span(),
                format!(
                    "name the endpoint the library `{}` is bound to: `#[lib(endpoint = \"...\")]` (endpoints in {file}: {})",
                    lib.field,
                    suggest::list(names.iter().copied())
                ),
            );
            continue;
        };
        let endpoint = lit.value();
        match meta.relations.iter().find(|r| r.name == endpoint) {
            Some(relation) => found.push(Endpoint {
                ty: &lib.ty,
                lit,
                relation,
            }),
            None => errors.at(
                lit.span(),
                format!(
                    "no relation endpoint `{endpoint}` in {file}{} (endpoints: {})",
                    suggest::did_you_mean(&endpoint, names.iter().copied()),
                    suggest::list(names.iter().copied())
                ),
            ),
        }
    }
    found
}

/// Whether `lit` names a `requires` endpoint of interface `interface` (an error if not).
fn tracing_endpoint(
    meta: &Metadata,
    file: &str,
    lit: &LitStr,
    interface: &str,
    errors: &mut Errors,
) -> bool {
    let name = lit.value();
    match meta.relations.iter().find(|r| r.name == name) {
        None => {
            let requires = meta
                .relations
                .iter()
                .filter(|r| r.role == Role::Requires && r.interface == interface)
                .map(|r| r.name.as_str());
            let hint = match suggest::nearest(&name, meta.relations.iter().map(|r| r.name.as_str()))
            {
                Some(c) => format!("; did you mean `{c}`?"),
                None => format!(
                    " (`requires` endpoints of interface `{interface}`: {})",
                    suggest::list(requires)
                ),
            };
            errors.at(
                lit.span(),
                format!("{file}: no relation `{name}` is declared{hint}"),
            );
            false
        }
        Some(r) if r.role != Role::Requires || r.interface != interface => {
            errors.at(
                lit.span(),
                format!(
                    "{file}: tracing needs a `requires` endpoint of interface `{interface}`; `{name}` is a `{}` endpoint of interface `{}`",
                    r.role.section(),
                    r.interface
                ),
            );
            false
        }
        Some(_) => true,
    }
}
