//! The macros' attribute arguments: `#[charm(metadata = "...")]`, `#[library(...)]`,
//! `#[lib]`, `#[on(...)]`, and what a struct's forwarding macro hands to its impl's.

use darling::ast::NestedMeta;
use darling::FromMeta;
use proc_macro2::TokenStream;
use syn::parse::{Parse, ParseStream};
use syn::{Expr, Lit, LitStr, Meta};

/// `#[charm(metadata = "charmcraft.yaml", relative_to = "manifest" | "file",
/// events(name = Type, ...))]` on a struct.
#[derive(Debug, FromMeta)]
pub struct CharmArgs {
    /// Where the metadata is: relative to the crate's `Cargo.toml` directory (by default),
    /// to the source file (`relative_to = "file"`), or absolute.
    pub metadata: LitStr,
    /// `"manifest"` (the default) or `"file"`.
    #[darling(default)]
    pub relative_to: Option<LitStr>,
    /// The charm's own custom events.
    #[darling(default)]
    pub events: EventDecls,
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

/// `#[library(interface = "...", role = "requires" | "provides" | "peers",
/// events(name = Type, ...))]` on a struct.
#[derive(Debug, FromMeta)]
pub struct LibraryArgs {
    /// The relation interface the library speaks.
    pub interface: LitStr,
    /// The metadata section of the endpoints it binds to.
    pub role: LitStr,
    /// The library's events.
    #[darling(default)]
    pub events: EventDecls,
}

impl LibraryArgs {
    /// Parses the attribute's arguments.
    pub fn parse(args: TokenStream) -> darling::Result<Self> {
        let items = NestedMeta::parse_meta_list(args)?;
        LibraryArgs::from_list(&items)
    }
}

/// One declared custom event: `database_created = DatabaseCreated`.
#[derive(Debug, Clone)]
pub struct EventDecl {
    /// Its name.
    pub name: syn::Ident,
    /// Its payload type.
    pub ty: syn::Path,
}

/// `events(name = Type, ...)`.
#[derive(Debug, Clone, Default)]
pub struct EventDecls(pub Vec<EventDecl>);

impl FromMeta for EventDecls {
    fn from_list(items: &[NestedMeta]) -> darling::Result<Self> {
        let mut errors = darling::Error::accumulator();
        let mut decls: Vec<EventDecl> = Vec::new();
        for item in items {
            let decl = match item {
                NestedMeta::Meta(Meta::NameValue(nv)) => match (&nv.value, nv.path.get_ident()) {
                    (Expr::Path(p), Some(name)) if p.qself.is_none() => Some(EventDecl {
                        name: name.clone(),
                        ty: p.path.clone(),
                    }),
                    _ => None,
                },
                _ => None,
            };
            match decl {
                Some(d) if decls.iter().any(|o| o.name == d.name) => errors.push(
                    darling::Error::custom(format!("the event `{}` is declared twice", d.name))
                        .with_span(&d.name),
                ),
                Some(d) => decls.push(d),
                None => errors.push(
                    darling::Error::custom(
                        "declare an event as `name = PayloadType`, as in `events(database_created = DatabaseCreated)`",
                    )
                    .with_span(item),
                ),
            }
        }
        errors.finish_with(EventDecls(decls))
    }
}

/// `#[lib(endpoint = "...")]` (or bare `#[lib]` inside a library: the library's own
/// endpoint) on a field.
#[derive(Debug, Clone)]
pub struct LibField {
    /// The field.
    pub field: syn::Ident,
    /// Its type (the library).
    pub ty: syn::Type,
    /// The endpoint, if named.
    pub endpoint: Option<LitStr>,
}

/// Takes the `#[lib]` attributes off `item`'s fields: the library fields, in order. With
/// `serde` (the struct derives it), each gets `#[serde(default)]`: a library added to a
/// charm finds no state of its own in what the previous revision saved.
pub fn take_lib_fields(item: &mut syn::ItemStruct, serde: bool) -> darling::Result<Vec<LibField>> {
    let mut errors = darling::Error::accumulator();
    let mut libs = Vec::new();
    for field in item.fields.iter_mut() {
        let (ours, rest): (Vec<_>, Vec<_>) = field
            .attrs
            .drain(..)
            .partition(|a| a.path().is_ident("lib"));
        field.attrs = rest;
        let Some(attr) = ours.first() else { continue };
        if serde {
            field.attrs.push(syn::parse_quote!(#[serde(default)]));
        }
        let Some(ident) = field.ident.clone() else {
            errors.push(
                darling::Error::custom("a library field has a name: `db: DatabaseRequires`")
                    .with_span(attr),
            );
            continue;
        };
        let endpoint = match &attr.meta {
            Meta::Path(_) => None,
            Meta::List(list) => {
                #[derive(FromMeta)]
                struct Args {
                    endpoint: LitStr,
                }
                match NestedMeta::parse_meta_list(list.tokens.clone())
                    .map_err(darling::Error::from)
                    .and_then(|items| Args::from_list(&items))
                {
                    Ok(args) => Some(args.endpoint),
                    Err(e) => {
                        errors.push(e.with_span(&attr.meta));
                        continue;
                    }
                }
            }
            Meta::NameValue(_) => {
                errors.push(
                    darling::Error::custom("write `#[lib(endpoint = \"<endpoint>\")]`")
                        .with_span(attr),
                );
                continue;
            }
        };
        libs.push(LibField {
            field: ident,
            ty: field.ty.clone(),
            endpoint,
        });
    }
    errors.finish_with(libs)
}

impl CharmArgs {
    /// Parses the attribute's arguments.
    pub fn parse(args: TokenStream) -> darling::Result<Self> {
        let items = NestedMeta::parse_meta_list(args)?;
        CharmArgs::from_list(&items)
    }
}

/// The library fields and events of a struct, as its forwarding macro hands them to its
/// impl's macro: `libs [field (Type) "endpoint"; field (Type) _;] events [name (Type);]`.
pub struct Shape {
    /// The `#[lib]` fields, in order.
    pub libs: Vec<LibField>,
    /// The declared events.
    pub events: Vec<EventDecl>,
}

impl Shape {
    /// As tokens for the forwarding macro (what [`Parse`] reads back).
    pub fn to_tokens(libs: &[LibField], events: &[EventDecl]) -> TokenStream {
        let libs = libs.iter().map(|l| {
            let field = &l.field;
            let ty = &l.ty;
            let endpoint = match &l.endpoint {
                Some(e) => quote::quote!(#e),
                None => quote::quote!(_),
            };
            quote::quote!(#field (#ty) #endpoint;)
        });
        let events = events.iter().map(|e| {
            let name = &e.name;
            let ty = &e.ty;
            quote::quote!(#name (#ty);)
        });
        quote::quote!(libs [#(#libs)*] events [#(#events)*])
    }
}

impl Parse for Shape {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let _: syn::Ident = input.parse()?;
        let content;
        syn::bracketed!(content in input);
        let mut libs = Vec::new();
        while !content.is_empty() {
            let field: syn::Ident = content.parse()?;
            let ty;
            syn::parenthesized!(ty in content);
            let ty: syn::Type = ty.parse()?;
            let endpoint = if content.peek(syn::Token![_]) {
                content.parse::<syn::Token![_]>()?;
                None
            } else {
                Some(content.parse::<LitStr>()?)
            };
            content.parse::<syn::Token![;]>()?;
            libs.push(LibField {
                field,
                ty,
                endpoint,
            });
        }
        let _: syn::Ident = input.parse()?;
        let content;
        syn::bracketed!(content in input);
        let mut events = Vec::new();
        while !content.is_empty() {
            let name: syn::Ident = content.parse()?;
            let ty;
            syn::parenthesized!(ty in content);
            let ty: syn::Path = ty.parse()?;
            content.parse::<syn::Token![;]>()?;
            events.push(EventDecl { name, ty });
        }
        Ok(Shape { libs, events })
    }
}

/// One entry of `#[on(...)]`: `key`, `key = "name"` or `source.event`, unchecked.
#[derive(Debug, Clone)]
pub struct OnEntry {
    /// The event key as written (`relation_changed`), or a custom event's name.
    pub key: syn::Ident,
    /// The name, if given.
    pub name: Option<LitStr>,
    /// For a custom event, its emitter: a library field, or `self`.
    pub source: Option<syn::Ident>,
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
                NestedMeta::Meta(Meta::Path(path)) => {
                    path.get_ident().cloned().map(|key| OnEntry {
                        key,
                        name: None,
                        source: None,
                    })
                }
                NestedMeta::Meta(Meta::NameValue(nv)) => match (&nv.value, nv.path.get_ident()) {
                    (Expr::Lit(lit), Some(key)) => match &lit.lit {
                        Lit::Str(s) => Some(OnEntry {
                            key: key.clone(),
                            name: Some(s.clone()),
                            source: None,
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

/// `source.event` (`db.database_created`, `self.backup_done`), if `tokens` are that.
fn custom_entry(tokens: &TokenStream) -> Option<OnEntry> {
    use syn::ext::IdentExt;
    let parse = |input: syn::parse::ParseStream| {
        let source = input.call(syn::Ident::parse_any)?;
        input.parse::<syn::Token![.]>()?;
        let key: syn::Ident = input.parse()?;
        Ok(OnEntry {
            key,
            name: None,
            source: Some(source),
        })
    };
    syn::parse::Parser::parse2(parse, tokens.clone()).ok()
}

/// The comma-separated parts of `tokens`.
fn split_commas(tokens: TokenStream) -> Vec<TokenStream> {
    let mut parts = vec![TokenStream::new()];
    for tt in tokens {
        match &tt {
            proc_macro2::TokenTree::Punct(p) if p.as_char() == ',' => {
                parts.push(TokenStream::new())
            }
            _ => {
                if let Some(part) = parts.last_mut() {
                    part.extend([tt]);
                }
            }
        }
    }
    parts.retain(|p| !p.is_empty());
    parts
}

/// Parses an `#[on(...)]` attribute.
pub fn parse_on(attr: &syn::Attribute) -> darling::Result<OnArgs> {
    match &attr.meta {
        Meta::List(list) => {
            // Custom events (`db.ready`) are not `syn::Meta`: take them out first.
            let mut custom = Vec::new();
            let mut rest = TokenStream::new();
            for part in split_commas(list.tokens.clone()) {
                match custom_entry(&part) {
                    Some(entry) => custom.push(entry),
                    None => {
                        if !rest.is_empty() {
                            rest.extend(quote::quote!(,));
                        }
                        rest.extend(part);
                    }
                }
            }
            if rest.is_empty() && !custom.is_empty() {
                return Ok(OnArgs { entries: custom });
            }
            let items = NestedMeta::parse_meta_list(rest)?;
            let mut args = OnArgs::from_list(&items).map_err(|e| e.with_span(&attr.meta))?;
            args.entries.extend(custom);
            Ok(args)
        }
        other => Err(darling::Error::custom(
            "name the event: `#[on(install)]`, `#[on(relation_changed = \"database\")]`, ...",
        )
        .with_span(other)),
    }
}
