//! The macros' attribute arguments: `#[charm(metadata = "...")]` and `#[on(...)]`.

use darling::ast::NestedMeta;
use darling::FromMeta;
use proc_macro2::TokenStream;
use syn::{Expr, Lit, LitStr, Meta};

/// `#[charm(metadata = "charmcraft.yaml", relative_to = "manifest" | "file")]` on a struct.
#[derive(Debug, FromMeta)]
pub struct CharmArgs {
    /// Where the metadata is: relative to the crate's `Cargo.toml` directory (by default),
    /// to the source file (`relative_to = "file"`), or absolute.
    pub metadata: LitStr,
    /// `"manifest"` (the default) or `"file"`.
    #[darling(default)]
    pub relative_to: Option<LitStr>,
    /// `tracing(endpoint = "...", ca = "...")`: spans sent to the tracing relation.
    #[darling(default)]
    pub tracing: Option<TracingArgs>,
}

/// `tracing(endpoint = "charm-tracing", ca = "receive-ca-cert")` in `#[charm(...)]`.
#[derive(Debug, FromMeta)]
pub struct TracingArgs {
    /// The `requires` endpoint of interface `tracing`.
    pub endpoint: LitStr,
    /// The `requires` endpoint of interface `certificate_transfer`, if any.
    #[darling(default)]
    pub ca: Option<LitStr>,
}

impl CharmArgs {
    /// Parses the attribute's arguments.
    pub fn parse(args: TokenStream) -> darling::Result<Self> {
        let items = NestedMeta::parse_meta_list(args)?;
        CharmArgs::from_list(&items)
    }
}

/// One entry of `#[on(...)]`: `key` or `key = "name"`, unchecked.
#[derive(Debug, Clone)]
pub struct OnEntry {
    /// The event key as written (`relation_changed`).
    pub key: syn::Ident,
    /// The name, if given.
    pub name: Option<LitStr>,
}

/// The entries of one `#[on(...)]` attribute.
#[derive(Debug, Clone)]
pub struct OnArgs {
    /// In written order.
    pub entries: Vec<OnEntry>,
}

impl FromMeta for OnArgs {
    fn from_list(items: &[NestedMeta]) -> darling::Result<Self> {
        let mut errors = darling::Error::accumulator();
        let mut entries = Vec::new();
        for item in items {
            let entry = match item {
                NestedMeta::Meta(Meta::Path(path)) => path
                    .get_ident()
                    .cloned()
                    .map(|key| OnEntry { key, name: None }),
                NestedMeta::Meta(Meta::NameValue(nv)) => match (&nv.value, nv.path.get_ident()) {
                    (Expr::Lit(lit), Some(key)) => match &lit.lit {
                        Lit::Str(s) => Some(OnEntry {
                            key: key.clone(),
                            name: Some(s.clone()),
                        }),
                        other => {
                            errors.push(
                                darling::Error::custom("the name must be a string literal, as in the metadata: `key = \"name\"`")
                                    .with_span(other),
                            );
                            continue;
                        }
                    },
                    (value, Some(key)) => {
                        errors.push(
                            darling::Error::custom(format!(
                                "the name is a string, as written in the metadata: `{key} = \"...\"`"
                            ))
                            .with_span(value),
                        );
                        continue;
                    }
                    _ => None,
                },
                _ => None,
            };
            match entry {
                Some(entry) => entries.push(entry),
                None => errors.push(
                    darling::Error::custom(
                        "expected an event, as in `#[on(install)]` or `#[on(relation_changed = \"database\")]`",
                    )
                    .with_span(item),
                ),
            }
        }
        if entries.is_empty() && items.is_empty() {
            errors.push(darling::Error::custom(
                "name the event: `#[on(install)]`, `#[on(relation_changed = \"database\")]`, ...",
            ));
        }
        errors.finish_with(OnArgs { entries })
    }
}

/// Whether `attr` is an `#[on(...)]` (or `#[ops::on(...)]`).
pub fn is_on(attr: &syn::Attribute) -> bool {
    attr.path()
        .segments
        .last()
        .is_some_and(|seg| seg.ident == "on")
}

/// Parses an `#[on(...)]` attribute.
pub fn parse_on(attr: &syn::Attribute) -> darling::Result<OnArgs> {
    match &attr.meta {
        Meta::List(list) => {
            let items = NestedMeta::parse_meta_list(list.tokens.clone())?;
            OnArgs::from_list(&items).map_err(|e| e.with_span(&attr.meta))
        }
        other => Err(darling::Error::custom(
            "name the event: `#[on(install)]`, `#[on(relation_changed = \"database\")]`, ...",
        )
        .with_span(other)),
    }
}
