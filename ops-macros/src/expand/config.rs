//! `<Charm>Config`: the typed `config.options`.

use super::Ctx;
use crate::metadata::{ConfigOption, ConfigType, Value};
use proc_macro2::{Literal, TokenStream};
use quote::{format_ident, quote};

/// The Rust type of a config option type.
fn rust_type(kind: ConfigType) -> TokenStream {
    match kind {
        ConfigType::String | ConfigType::Secret => quote!(::std::string::String),
        ConfigType::Int => quote!(i64),
        ConfigType::Float => quote!(f64),
        ConfigType::Boolean => quote!(bool),
    }
}

fn type_name(kind: ConfigType) -> &'static str {
    match kind {
        ConfigType::String => "string",
        ConfigType::Secret => "secret",
        ConfigType::Int => "int",
        ConfigType::Float => "float",
        ConfigType::Boolean => "boolean",
    }
}

/// The default as a Rust expression of the option's type, `Ok(None)` when there is none.
fn default_expr(opt: &ConfigOption) -> Result<Option<TokenStream>, String> {
    let Some(value) = &opt.default else {
        return Ok(None);
    };
    let bad = || {
        format!(
            "config option `{}`: the default {} is not a {} value",
            opt.name,
            describe(value),
            type_name(opt.kind)
        )
    };
    let tokens = match (opt.kind, value) {
        (_, Value::Other(text)) if text == "null" => return Ok(None),
        (ConfigType::String | ConfigType::Secret, Value::String(s)) => {
            quote!(::std::string::String::from(#s))
        }
        // YAML may give a number or boolean where a string option's default was meant.
        (ConfigType::String | ConfigType::Secret, Value::Int(i)) => {
            let s = i.to_string();
            quote!(::std::string::String::from(#s))
        }
        (ConfigType::String | ConfigType::Secret, Value::Float(f)) => {
            let s = f.to_string();
            quote!(::std::string::String::from(#s))
        }
        (ConfigType::String | ConfigType::Secret, Value::Bool(b)) => {
            let s = b.to_string();
            quote!(::std::string::String::from(#s))
        }
        (ConfigType::Int, Value::Int(i)) => int_lit(*i),
        (ConfigType::Int, Value::Float(f)) if f.fract() == 0.0 && f.abs() < 9.0e15 => {
            int_lit(*f as i64)
        }
        (ConfigType::Int, Value::String(s)) => int_lit(s.trim().parse::<i64>().map_err(|_| bad())?),
        (ConfigType::Float, Value::Int(i)) => float_lit(*i as f64).ok_or_else(bad)?,
        (ConfigType::Float, Value::Float(f)) => float_lit(*f).ok_or_else(bad)?,
        (ConfigType::Float, Value::String(s)) => {
            float_lit(s.trim().parse::<f64>().map_err(|_| bad())?).ok_or_else(bad)?
        }
        (ConfigType::Boolean, Value::Bool(b)) => quote!(#b),
        (ConfigType::Boolean, Value::String(s)) => match s.as_str() {
            "true" | "True" => quote!(true),
            "false" | "False" => quote!(false),
            _ => return Err(bad()),
        },
        _ => return Err(bad()),
    };
    Ok(Some(tokens))
}

/// A brief description of a metadata value, for messages and docs.
pub fn describe(value: &Value) -> String {
    match value {
        Value::String(s) => format!("{s:?}"),
        Value::Int(i) => i.to_string(),
        Value::Float(f) => f.to_string(),
        Value::Bool(b) => b.to_string(),
        Value::Other(text) => text.clone(),
    }
}

/// `i64` literal.
pub fn int_lit(i: i64) -> TokenStream {
    let lit = Literal::i64_suffixed(i);
    quote!(#lit)
}

/// `f64` literal, or `None` for NaN and infinities (not Rust literals).
pub fn float_lit(f: f64) -> Option<TokenStream> {
    if !f.is_finite() {
        return None;
    }
    let lit = Literal::f64_suffixed(f);
    Some(quote!(#lit))
}

/// The `<Charm>Config` struct and its `ops::CharmConfig` impl.
pub fn expand(ctx: &mut Ctx) -> TokenStream {
    let name = format_ident!("{}Config", ctx.charm);
    ctx.claim_type(&name.to_string(), "the config struct");
    let vis = ctx.vis.clone();
    let mut fields = Vec::new();
    let mut reads = Vec::new();
    let mut seen = super::Seen::default();
    let options = ctx.meta.config.clone();
    for opt in &options {
        let field = ctx.field_ident(&opt.name);
        if let Err(msg) = seen.claim(&field.to_string(), &opt.name) {
            ctx.error(format!("config options {msg}"));
            continue;
        }
        let ty = rust_type(opt.kind);
        let key = &opt.name;
        let default = match default_expr(opt) {
            Ok(d) => d,
            Err(msg) => {
                ctx.error(msg);
                None
            }
        };
        let mut doc = opt
            .description
            .clone()
            .unwrap_or_default()
            .trim()
            .to_string();
        if !doc.is_empty() {
            doc.push_str("\n\n");
        }
        doc.push_str(&format!("Option `{}` ({}", opt.name, type_name(opt.kind)));
        match &opt.default {
            Some(v) if !matches!(v, Value::Other(t) if t == "null") => {
                doc.push_str(&format!(", default `{}`).", describe(v)))
            }
            _ => doc.push_str(", no default: `None` until set)."),
        }
        match default {
            Some(default) => {
                fields.push(quote!(#[doc = #doc] pub #field: #ty,));
                reads.push(quote! {
                    #field: match ::ops::values::field::<#ty>(values, "", #key)? {
                        ::core::option::Option::Some(value) => value,
                        ::core::option::Option::None => #default,
                    },
                });
            }
            None => {
                fields.push(quote!(#[doc = #doc] pub #field: ::core::option::Option<#ty>,));
                reads.push(quote!(#field: ::ops::values::field::<#ty>(values, "", #key)?,));
            }
        }
    }
    let struct_doc = format!(
        "The config options of [`{}`] (`config.options` in its metadata), typed; generated by `#[charm]`.",
        ctx.charm
    );
    quote! {
        #[doc = #struct_doc]
        #[derive(Debug, Clone, PartialEq)]
        #[allow(non_snake_case)]
        #vis struct #name {
            #(#fields)*
        }

        impl ::ops::CharmConfig for #name {
            fn from_values(
                values: &::ops::__private::serde_json::Map<::std::string::String, ::ops::__private::serde_json::Value>,
            ) -> ::core::result::Result<Self, ::ops::values::ValueError> {
                ::core::result::Result::Ok(#name { #(#reads)* })
            }
        }
    }
}
