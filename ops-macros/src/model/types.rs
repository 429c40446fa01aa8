//! The types the struct half of `#[charm]` generates from the metadata, as `validate`
//! resolved them: every Rust name claimed once, every default converted to a value of its
//! type. What `validate` refused is left out, or stands in as a fallback that keeps the
//! rest of the charm compiling, so `expand` generates code without checking anything.

use crate::attr::TracingArgs;
use crate::metadata::{
    Action, ConfigOption, Container, Metadata, Param, Relation, Resource, Schema, Storage, Value,
};
use proc_macro2::Ident;

/// Everything the struct half generates beyond the struct itself.
pub struct Types<'m> {
    /// The metadata they come from.
    pub meta: &'m Metadata,
    /// The fields of `<Charm>Config`, in file order.
    pub config: Vec<ConfigField<'m>>,
    /// One params struct per action, in file order.
    pub actions: Vec<Object<'m>>,
    /// The relation accessors: each method's name and its endpoint.
    pub relations: Vec<(Ident, &'m Relation)>,
    /// The container accessors.
    pub containers: Vec<(Ident, &'m Container)>,
    /// The storage accessors.
    pub storages: Vec<(Ident, &'m Storage)>,
    /// The resource accessors.
    pub resources: Vec<(Ident, &'m Resource)>,
    /// `tracing(...)`, when its endpoints fit (`None` without it).
    pub tracing: Option<&'m TracingArgs>,
    /// Each `#[lib(endpoint = "...")]` field whose endpoint is declared (rustc checks the
    /// library's interface and role against it).
    pub endpoints: Vec<Endpoint<'m>>,
}

/// A library field bound to a declared endpoint.
pub struct Endpoint<'m> {
    /// The library type.
    pub ty: &'m syn::Type,
    /// The endpoint as written, where errors about it point.
    pub lit: &'m syn::LitStr,
    /// The endpoint.
    pub relation: &'m Relation,
}

/// A field of `<Charm>Config`.
pub struct ConfigField<'m> {
    /// The option.
    pub option: &'m ConfigOption,
    /// The field's name.
    pub ident: Ident,
    /// The default, of the option's type (`None`: none, or one that did not fit).
    pub default: Option<Scalar>,
}

/// A scalar literal of a config option's or param's type.
#[derive(Clone)]
pub enum Scalar {
    /// A string.
    Str(String),
    /// An integer.
    Int(i64),
    /// A float, finite (Rust has no literal for NaN or the infinities).
    Float(Finite),
    /// A boolean.
    Bool(bool),
}

/// A finite `f64`.
#[derive(Clone, Copy)]
pub struct Finite(f64);

impl Finite {
    /// `f`, if finite.
    pub fn new(f: f64) -> Option<Finite> {
        f.is_finite().then_some(Finite(f))
    }

    /// The value.
    pub fn get(self) -> f64 {
        self.0
    }
}

/// A generated struct: an action's params, or an object param with properties.
pub struct Object<'m> {
    /// The struct's name.
    pub name: Ident,
    /// What it is, for its doc.
    pub kind: ObjectKind<'m>,
    /// Its fields, in file order.
    pub fields: Vec<Field<'m>>,
    /// Every param name, when `additionalProperties: false` refuses other keys.
    pub closed: Option<Vec<&'m str>>,
}

/// What an [`Object`] is.
pub enum ObjectKind<'m> {
    /// The params of this action.
    Params(&'m Action),
    /// The object param at `at` (`action `backup` param `options``), with its schema.
    Nested {
        /// Where it is, as messages and docs name it.
        at: String,
        /// Its schema.
        schema: &'m Schema,
    },
}

/// A field of a generated struct.
pub struct Field<'m> {
    /// The param it reads.
    pub param: &'m Param,
    /// The field's name.
    pub ident: Ident,
    /// Its type (inside `Option` when neither required nor defaulted).
    pub ty: Ty<'m>,
    /// Its default, when not required.
    pub default: Option<DefaultValue<'m>>,
    /// The run-time check of an `enum` of numbers or booleans.
    pub check: Option<EnumCheck>,
}

/// The Rust type of a param.
pub enum Ty<'m> {
    /// `String`.
    String,
    /// `i64`.
    Int,
    /// `f64`.
    Float,
    /// `bool`.
    Bool,
    /// `serde_json::Value`: no type, or one with no Rust type.
    Json,
    /// `Vec<serde_json::Value>`: an array without `items`.
    JsonVec,
    /// A JSON map: an object without `properties`.
    JsonMap,
    /// A `Vec` of the items' type.
    Vec(Box<Ty<'m>>),
    /// The enum of a string `enum`, defined here unless its name was taken.
    Enum(Ident, Option<Enum>),
    /// The struct of an object with properties, defined here unless its name was taken.
    Object(Ident, Option<Box<Object<'m>>>),
}

/// A generated enum of a string `enum`.
pub struct Enum {
    /// Where its schema is, for its doc.
    pub at: String,
    /// Each variant and the value it stands for, in file order.
    pub variants: Vec<(Ident, String)>,
}

/// A param's default.
pub enum DefaultValue<'m> {
    /// A variant of the param's enum.
    Variant(Ident),
    /// The enum's first variant (the default was not one of its values: reported).
    FirstVariant,
    /// A literal.
    Scalar(Scalar),
    /// The type's `Default` (the default did not fit the type: reported).
    TypeDefault,
    /// A compound value, converted at run time.
    Json(&'m Value),
}

/// The run-time check that a value is one of an `enum`'s.
pub enum EnumCheck {
    /// The value, of type `ty`, is one of `values`.
    Values {
        /// The param's type.
        ty: ScalarType,
        /// The allowed values, each of that type.
        values: Vec<Scalar>,
    },
    /// Each item of the array passes the inner check.
    Items(Box<EnumCheck>),
}

/// The type of an `enum` checked at run time.
#[derive(Clone, Copy)]
pub enum ScalarType {
    /// `i64`.
    Int,
    /// `f64`.
    Float,
    /// `bool`.
    Bool,
}
