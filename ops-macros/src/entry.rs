//! The macros' entry points, each one pipeline: the attributes are parsed (`attr`), the
//! metadata read (`source`, `metadata`), the model built (`model`), checked with every
//! error collected (`validate`), and the code generated from what passed (`expand`).
//! Errors are emitted beside the code, never instead of it, so that one mistake is one
//! error: what `validate` refused is left out or stands in as a fallback.

use crate::attr::{CharmArgs, LibraryArgs, Shape};
use crate::errors::Errors;
use crate::expand::{self, charm_impl as charm_trait, library};
use crate::metadata::{self, Metadata, Role};
use crate::{model, source, validate};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, ToTokens};
use syn::parse::{Parse, ParseStream};
use syn::spanned::Spanned;
use syn::{Item, ItemImpl, ItemStruct, LitStr};

/// `#[charm(...)]` on a struct or an impl.
pub fn charm(args: TokenStream, input: TokenStream) -> TokenStream {
    match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Struct(item)) => charm_struct(args, item),
        Ok(Item::Impl(item)) => {
            let mut errors = Errors::default();
            if !args.is_empty() {
                errors.at(
                    args.span(),
                    "on an impl, #[charm] takes no arguments; the metadata is named on the struct",
                );
            }
            let forward = match model::self_ident(&item) {
                Ok(charm) => {
                    let mut mac = expand::forwarder_ident(&charm);
                    mac.set_span(charm.span());
                    quote!(#mac! { #item })
                }
                Err(e) => {
                    errors.push(e);
                    item.to_token_stream()
                }
            };
            let errors = errors.into_tokens();
            quote!(#errors #forward)
        }
        Ok(other) => {
            let err = syn::Error::new(
                other.span(),
                "#[charm] goes on the charm's struct (with `metadata = \"charmcraft.yaml\"`) and on its impl",
            )
            .to_compile_error();
            quote!(#err #other)
        }
        Err(e) => {
            let err = e.to_compile_error();
            quote!(#err #input)
        }
    }
}

/// `#[library(...)]` on a struct or `#[library]` on its impl.
pub fn library(args: TokenStream, input: TokenStream) -> TokenStream {
    match syn::parse2::<Item>(input.clone()) {
        Ok(Item::Struct(item)) => library_struct(args, item),
        Ok(Item::Impl(item)) => library_forward(args, item),
        Ok(other) => {
            let err = syn::Error::new(
                other.span(),
                "#[library] goes on the library's struct (with `interface = \"...\", role = \"...\"`) and on its impl",
            )
            .to_compile_error();
            quote!(#err #other)
        }
        Err(e) => {
            let err = e.to_compile_error();
            quote!(#err #input)
        }
    }
}

/// A stray `#[on]`: one outside a `#[charm]` impl (the impl's macro removes its own).
pub fn stray_on(_args: TokenStream, input: TokenStream) -> TokenStream {
    let err = syn::Error::new(
        Span::call_site(),
        "#[on] only works in a `#[charm]` impl: put `#[charm]` on the impl block holding this handler",
    )
    .to_compile_error();
    quote!(#err #input)
}

/// `#[charm(...)]` on the charm's struct.
fn charm_struct(args: TokenStream, mut item: ItemStruct) -> TokenStream {
    let serde = expand::use_ops_serde(&mut item);
    let charm = &item.ident.clone();
    let failed = expand::forwarder(charm, quote!(failed));
    if args.is_empty() {
        let err = syn::Error::new(
            Span::call_site(),
            "#[charm] on a struct names its metadata: `#[charm(metadata = \"charmcraft.yaml\")]`",
        )
        .to_compile_error();
        return quote!(#err #item #failed);
    }
    let args = match CharmArgs::parse(args) {
        Ok(args) => args,
        Err(e) => {
            let e = e.write_errors();
            return quote!(#e #item #failed);
        }
    };
    let mut errors = Errors::default();
    validate::not_generic(&item.generics, "charm", &mut errors);
    let libs = crate::attr::take_lib_fields(&mut item, serde).unwrap_or_else(|e| {
        errors.darling(e);
        Vec::new()
    });
    let (path, meta) = match load(&args) {
        Ok(loaded) => loaded,
        Err(e) => {
            errors.push(e);
            let errors = errors.into_tokens();
            return quote!(#errors #item #failed);
        }
    };
    let lit = &args.metadata;
    let abs = LitStr::new(&path.to_string_lossy(), lit.span());
    let events = &args.events.0;
    let shape = Shape::to_tokens(&libs, events);
    let fwd = expand::forwarder(charm, quote!(ok #lit #abs #shape));
    let file = file_label(lit);
    let types = validate::types(
        &meta,
        charm,
        &libs,
        args.tracing.as_ref(),
        (&file, lit.span()),
        &mut errors,
    );
    let generated = expand::charm_struct(charm, &item.vis, &types, events, &file);
    let errors = errors.into_tokens();
    quote! {
        #errors
        #item
        #fwd
        #generated
    }
}

fn file_label(lit: &LitStr) -> String {
    let written = lit.value();
    std::path::Path::new(&written)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or(written)
}

/// Reads the metadata `args` names.
fn load(args: &CharmArgs) -> syn::Result<(std::path::PathBuf, Metadata)> {
    let path = source::resolve(args)?;
    if !path.exists() {
        let base = match args.relative_to.as_ref().map(LitStr::value).as_deref() {
            _ if std::path::Path::new(&args.metadata.value()).is_absolute() => "",
            Some("file") => " (relative to this source file's directory)",
            _ => " (relative to the directory of the crate's Cargo.toml)",
        };
        return Err(syn::Error::new(
            args.metadata.span(),
            format!("metadata file not found: {}{base}", args.metadata.value()),
        ));
    }
    let meta = metadata::load(&path).map_err(|e| {
        let message = relative_message(&e, &path, &args.metadata);
        syn::Error::new(args.metadata.span(), message)
    })?;
    Ok((path, meta))
}

/// `message` with the resolved directory of the metadata replaced by the directory as the
/// author wrote it, so errors name `charmcraft.yaml:12:5`, not an absolute path.
fn relative_message(
    error: &metadata::MetadataError,
    resolved: &std::path::Path,
    written: &LitStr,
) -> String {
    let message = error.message.as_str();
    let written = written.value();
    if std::path::Path::new(&written).is_absolute() {
        return message.to_string();
    }
    let written_dir = std::path::Path::new(&written)
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    let resolved_dir = resolved
        .parent()
        .map(|p| p.to_string_lossy().into_owned())
        .unwrap_or_default();
    if resolved_dir.is_empty() {
        return message.to_string();
    }
    let from = format!("{resolved_dir}/");
    let to = if written_dir.is_empty() {
        String::new()
    } else {
        format!("{written_dir}/")
    };
    message.replace(&from, &to)
}

/// The input of `__charm_impl!`: `ok "path as written" "absolute path" libs [...]
/// events [...] impl ...`, or `failed impl ...` when the struct's metadata could not be
/// read (already reported).
struct ImplInput {
    metadata: Option<(LitStr, LitStr, Shape)>,
    item: ItemImpl,
}

impl Parse for ImplInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let marker: Ident = input.parse()?;
        let metadata = if marker == "ok" {
            Some((input.parse()?, input.parse()?, input.parse()?))
        } else {
            None
        };
        Ok(ImplInput {
            metadata,
            item: input.parse()?,
        })
    }
}

/// The impl half: checks the handlers and generates `ops::Charm`.
pub fn charm_impl(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<ImplInput>(input) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::default();
    let charm = match model::build(input.item.clone(), &mut errors) {
        Ok(charm) => charm,
        Err(e) => {
            let e = e.to_compile_error();
            let item = &input.item;
            return quote!(#e #item);
        }
    };
    let item = &charm.item;
    let Some((written, abs, shape)) = input.metadata else {
        // The struct's macro reported why; emit the impl without the handlers' attributes,
        // and a stand-in `ops::Charm` so that uses of the charm add no errors of their own.
        let errors = errors.into_tokens();
        let fallback = charm_trait::fallback(&charm.charm);
        return quote!(#errors #item #fallback);
    };
    let meta = match metadata::load(std::path::Path::new(&abs.value())) {
        Ok(meta) => meta,
        Err(e) => {
            errors.at(written.span(), e.message);
            let errors = errors.into_tokens();
            let fallback = charm_trait::fallback(&charm.charm);
            return quote!(#errors #item #fallback);
        }
    };
    let owner = validate::Owner {
        name: &charm.charm,
        meta: Some(&meta),
        libs: &shape.libs,
        events: &shape.events,
    };
    let bindings = validate::handlers(&charm.handlers, &owner, &file_label(&written), &mut errors);
    let charm_impl = charm_trait::expand(&charm.charm, &meta, &bindings, &shape.libs, &charm.item);
    let errors = errors.into_tokens();
    quote! {
        #errors
        #item
        #charm_impl
    }
}

/// `#[library(...)]` on a library's struct.
fn library_struct(args: TokenStream, mut item: ItemStruct) -> TokenStream {
    let serde = expand::use_ops_serde(&mut item);
    let lib = item.ident.clone();
    let mut errors = Errors::default();
    validate::not_generic(&item.generics, "library", &mut errors);
    let libs = crate::attr::take_lib_fields(&mut item, serde).unwrap_or_else(|e| {
        errors.darling(e);
        Vec::new()
    });
    let args = match LibraryArgs::parse(args) {
        Ok(args) => args,
        Err(e) => {
            errors.darling(e);
            let errors = errors.into_tokens();
            let fwd = library::forwarder(&lib, quote!(failed));
            // No events: what the impl's fallback `ops::Library` names.
            let generated = library::library_struct(&item.vis, &lib, &[]);
            return quote!(#errors #item #fwd #generated);
        }
    };
    validate::library_interface(&args.interface, &mut errors);
    let role = Ident::new(
        validate::library_role(&args.role, &mut errors).section(),
        Span::call_site(),
    );
    let events = &args.events.0;
    let shape = Shape::to_tokens(&libs, events);
    let interface = &args.interface;
    let fwd = library::forwarder(&lib, quote!(ok #interface #role #shape));
    let generated = library::library_struct(&item.vis, &lib, events);
    let errors = errors.into_tokens();
    quote! {
        #errors
        #item
        #fwd
        #generated
    }
}

/// The input of `__library_impl!`: `ok "interface" role libs [...] events [...] impl ...`
/// or `failed impl ...`.
struct LibraryImplInput {
    header: Option<(LitStr, Ident, Shape)>,
    item: ItemImpl,
}

impl Parse for LibraryImplInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let marker: Ident = input.parse()?;
        let header = if marker == "ok" {
            Some((input.parse()?, input.parse()?, input.parse()?))
        } else {
            None
        };
        Ok(LibraryImplInput {
            header,
            item: input.parse()?,
        })
    }
}

/// `#[library]` on an impl: forwards to the struct's macro.
fn library_forward(args: TokenStream, item: ItemImpl) -> TokenStream {
    let mut errors = Errors::default();
    if !args.is_empty() {
        errors.at(
            args.span(),
            "on an impl, #[library] takes no arguments; they go on the struct",
        );
    }
    let forward = match model::self_ident(&item) {
        Ok(lib) => {
            let mac = quote::format_ident!("__library_of_{}", lib, span = lib.span());
            quote!(#mac! { #item })
        }
        Err(e) => {
            errors.push(e);
            quote!(#item)
        }
    };
    let errors = errors.into_tokens();
    quote!(#errors #forward)
}

/// The impl half of `#[library]`: checks the handlers and generates `ops::Library`.
pub fn library_impl(input: TokenStream) -> TokenStream {
    let input = match syn::parse2::<LibraryImplInput>(input) {
        Ok(input) => input,
        Err(e) => return e.to_compile_error(),
    };
    let mut errors = Errors::default();
    let lib = match model::build(input.item.clone(), &mut errors) {
        Ok(lib) => lib,
        Err(e) => {
            let e = e.to_compile_error();
            let item = &input.item;
            return quote!(#e #item);
        }
    };
    let item = &lib.item;
    let Some((interface, role, shape)) = input.header else {
        // The struct's macro reported why; a stand-in `ops::Library` keeps the charms that
        // embed it from adding errors of their own.
        let errors = errors.into_tokens();
        let fallback = library::fallback(&lib.charm);
        return quote!(#errors #item #fallback);
    };
    let owner = validate::Owner {
        name: &lib.charm,
        meta: None,
        libs: &shape.libs,
        events: &shape.events,
    };
    let bindings = validate::handlers(&lib.handlers, &owner, "", &mut errors);
    // The role as the struct's macro forwarded it (already checked there).
    let role = match role.to_string().as_str() {
        "provides" => Role::Provides,
        "peers" => Role::Peer,
        _ => Role::Requires,
    };
    let library = library::library_impl(&lib.charm, &interface, role, &bindings, &shape.libs);
    let errors = errors.into_tokens();
    quote! {
        #errors
        #item
        #library
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Expands both halves of `#[charm]` for a charm whose metadata is `yaml`; the output
    /// of each, as text.
    fn expand_both(yaml: &str) -> (String, String) {
        static COUNTER: std::sync::atomic::AtomicUsize = std::sync::atomic::AtomicUsize::new(0);
        let dir = std::env::temp_dir().join(format!(
            "ops-macros-expand-{}-{}",
            std::process::id(),
            COUNTER.fetch_add(1, std::sync::atomic::Ordering::SeqCst)
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("odd.yaml");
        std::fs::write(&path, yaml).unwrap();
        let abs = path.to_string_lossy().into_owned();
        let strukt = charm(
            quote!(metadata = #abs),
            quote!(
                #[derive(Default)]
                pub struct Demo {}
            ),
        );
        let imp = charm_impl(quote! {
            ok #abs #abs libs [] events []
            impl Demo {
                #[on(install)]
                fn install(&mut self, model: &::ops::Model<Self>) {}
            }
        });
        let _ = std::fs::remove_dir_all(&dir);
        for out in [&strukt, &imp] {
            // Whatever the metadata, the output is Rust (with compile_error! for errors).
            if let Err(e) = syn::parse2::<syn::File>(out.clone()) {
                panic!("{yaml:?}: the expansion does not parse: {e}\n{out}");
            }
        }
        (strukt.to_string(), imp.to_string())
    }

    /// The tokens' text without the spaces `to_string` puts between tokens.
    fn squeeze(text: &str) -> String {
        text.split_whitespace().collect()
    }

    #[test]
    fn string_enum_params_become_enums() {
        let (strukt, _) = expand_both(concat!(
            "name: c\nactions:\n  back-up:\n    params:\n",
            "      mode: {type: string, description: How much., enum: [full, incremental], default: full}\n",
            "      tags: {type: array, items: {type: string, enum: [daily, app-admin]}}\n",
            "      opts: {type: object, properties: {region: {type: string, enum: [eu-west-1]}}}\n",
            "      level: {type: integer, enum: [1, 9]}\n",
            "      plain: {type: string}\n",
        ));
        let out = squeeze(&strukt);
        assert!(!out.contains("compile_error"), "{strukt}");
        // Types named `<Action><Param>` (items `...Item`, properties `<Action><Param><Prop>`).
        for decl in [
            "pubenumBackUpMode{#[doc=\"Thevalue`\\\"full\\\"`.\"]Full,#[doc=\"Thevalue`\\\"incremental\\\"`.\"]Incremental,}",
            "pubenumBackUpTagsItem{#[doc=\"Thevalue`\\\"daily\\\"`.\"]Daily,#[doc=\"Thevalue`\\\"app-admin\\\"`.\"]AppAdmin,}",
            "pubenumBackUpOptsRegion{",
            "#[derive(Debug,Clone,Copy,PartialEq,Eq,Hash)]",
            "pubmode:BackUpMode,",
            "pubtags:::core::option::Option<::std::vec::Vec<BackUpTagsItem>>,",
            "pubregion:::core::option::Option<BackUpOptsRegion>,",
            "pubplain:::core::option::Option<::std::string::String>,",
            // Integer enums keep their type and the run-time check.
            "publevel:::core::option::Option<i64>,",
            "check_enum::<i64>",
            // The default is the variant.
            "=>BackUpMode::Full,",
            "Self::Full=>\"full\",",
            "string_enum(value,path,&[(\"full\",Self::Full),(\"incremental\",Self::Incremental)])",
        ] {
            assert!(out.contains(&squeeze(decl)), "no {decl} in {strukt}");
        }
        // No run-time string check is left: converting is checking.
        assert!(!out.contains("check_enum::<&str>"), "{strukt}");
        // Field docs list the values.
        let docs = [
            "How much.\\n\\nParam `mode` (default `\\\"full\\\"`). One of `\\\"full\\\"`, `\\\"incremental\\\"`.",
            "Param `tags` (optional). Each item one of `\\\"daily\\\"`, `\\\"app-admin\\\"`.",
            "Param `level` (optional). One of `1`, `9`.",
        ];
        for doc in docs {
            assert!(out.contains(&squeeze(doc)), "no {doc} in {strukt}");
        }
    }

    #[test]
    fn odd_metadata_expands_to_code_or_errors_never_panics() {
        // (metadata, an expected compile error, or "" for none)
        let cases = [
            (
                "name: c\nprovides:\n  \"🦀\": {interface: x}\n  \"名前\": {interface: x}\n",
                "both map to the Rust name",
            ),
            (
                "name: c\nprovides:\n  type: {interface: x}\n  self: {interface: x}\n  \"2fa\": {interface: x}\n  \"\": {interface: x}\n",
                "",
            ),
            (
                "name: c\nconfig:\n  options:\n    nan: {type: float, default: .nan}\n",
                "default",
            ),
            (
                "name: c\nconfig:\n  options:\n    inf: {type: float, default: .inf}\n",
                "default",
            ),
            (
                "name: c\nconfig:\n  options:\n    min: {type: int, default: -9223372036854775808}\n    max: {type: float, default: 1.7976931348623157e308}\n    z: {type: float, default: -0.0}\n    s: {type: string, default: \"a\\\"b\\\\c\\n\\u0000\\u202e #[x] */\"}\n",
                "",
            ),
            (
                "name: c\nconfig:\n  options:\n    n: {type: int, default: \"12 monkeys\"}\n",
                "default",
            ),
            (
                "name: c\nactions:\n  \"---\":\n    params:\n      \"\": {type: number, enum: [.nan, .inf, 1]}\n",
                "enum value NaN does not fit",
            ),
            (
                "name: c\nactions:\n  go:\n    params:\n      \"!\": {type: integer, default: 1e300}\n",
                "expected an integer",
            ),
            (
                "name: c\nactions:\n  a-b: {}\n  a_b: {}\n",
                "both generate the type",
            ),
            (
                "name: c\nactions:\n  go:\n    params:\n      x: {type: object, properties: {x: {type: object, properties: {x: {type: array, items: {type: object, properties: {y: {type: uuid}}}}}}}}\n",
                "has no Rust type",
            ),
            (
                "name: c\nrequires:\n  db: {interface: pg, limit: 4294967295}\nstorage:\n  d: {type: block, multiple: {range: 4294967295-}}\n",
                "",
            ),
            ("name: \"\\u0000 */\"\nsummary: \"\\\"#\"\n", ""),
            (
                "name: c\nactions:\n  go:\n    params:\n      f: {type: string, enum: [\"名前\", \"🦀\", \"\", \"+\", \"-\", \"`\", \"*/\", self, Self, \"0\", \"0.\"]}\n",
                "both map to the variant `GoF::Self_`",
            ),
            (
                "name: c\nactions:\n  go:\n    params:\n      f: {type: string, enum: [a, b], default: c}\n",
                r#"action `go` param `f`: the default \"c\" is not one of the enum"#,
            ),
            (
                "name: c\nactions:\n  go:\n    params:\n      f: {type: array, items: {type: string, enum: [x, X]}}\n",
                "both map to the variant `GoFItem::X`",
            ),
        ];
        for (yaml, error) in cases {
            let (strukt, imp) =
                std::panic::catch_unwind(|| expand_both(yaml)).unwrap_or_else(|_| {
                    panic!("{yaml:?}: the expansion panicked");
                });
            let both = format!("{strukt}\n{imp}");
            if error.is_empty() {
                assert!(!both.contains("compile_error"), "{yaml:?}: {both}");
            } else {
                assert!(both.contains("compile_error"), "{yaml:?}: no error");
                assert!(both.contains(error), "{yaml:?}: {both}");
            }
        }
    }
}
