//! Libraries and custom events: the `#[lib]` fields and `events(...)` of a charm or
//! library struct, forwarded to its impl's macro; the `#[library]` macro's two halves; and
//! the compile-time checks of a charm's `#[lib(endpoint = "...")]` against its metadata.

use crate::attr::{EventDecl, LibField, LibraryArgs};
use crate::errors::Errors;
use crate::metadata::{Metadata, Role};
use crate::validate::LibRef;
use crate::{model, suggest, validate};
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::parse::{Parse, ParseStream};
use syn::{Ident, ItemStruct, LitStr};

/// The library fields and events of a struct, as forwarded to its impl's macro:
/// `libs [field (Type) "endpoint"; field (Type) _;] events [name (Type);]`.
pub struct Shape {
    /// The `#[lib]` fields, in order.
    pub libs: Vec<LibRef>,
    /// The declared events.
    pub events: Vec<EventDecl>,
}

impl Shape {
    /// The shape of a struct's `#[lib]` fields and `events(...)`.
    pub fn new(libs: &[LibField], events: &[EventDecl]) -> Self {
        Shape {
            libs: libs
                .iter()
                .map(|l| LibRef {
                    field: l.field.clone(),
                    ty: l.ty.clone(),
                    endpoint: l.endpoint.clone(),
                })
                .collect(),
            events: events.to_vec(),
        }
    }

    /// As tokens for the forwarding macro.
    pub fn to_tokens(&self) -> TokenStream {
        let libs = self.libs.iter().map(|l| {
            let field = &l.field;
            let ty = &l.ty;
            let endpoint = match &l.endpoint {
                Some(e) => quote!(#e),
                None => quote!(_),
            };
            quote!(#field (#ty) #endpoint;)
        });
        let events = self.events.iter().map(|e| {
            let name = &e.name;
            let ty = &e.ty;
            quote!(#name (#ty);)
        });
        quote!(libs [#(#libs)*] events [#(#events)*])
    }
}

impl Parse for Shape {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let _: Ident = input.parse()?;
        let content;
        syn::bracketed!(content in input);
        let mut libs = Vec::new();
        while !content.is_empty() {
            let field: Ident = content.parse()?;
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
            libs.push(LibRef {
                field,
                ty,
                endpoint,
            });
        }
        let _: Ident = input.parse()?;
        let content;
        syn::bracketed!(content in input);
        let mut events = Vec::new();
        while !content.is_empty() {
            let name: Ident = content.parse()?;
            let ty;
            syn::parenthesized!(ty in content);
            let ty: syn::Path = ty.parse()?;
            content.parse::<syn::Token![;]>()?;
            events.push(EventDecl { name, ty });
        }
        Ok(Shape { libs, events })
    }
}

/// `impl EventOf<owner> for Payload` for each declared event, and checks that each
/// payload can be saved (a deferred event keeps it).
pub fn event_impls(owner: &Ident, events: &[EventDecl]) -> TokenStream {
    let impls = events.iter().map(|e| {
        let name = e.name.to_string();
        let ty = &e.ty;
        let span = Span::call_site().located_at(syn::spanned::Spanned::span(ty));
        let check = quote_spanned! {span=>
            const _: fn() = || {
                fn payload<T: ::ops::__private::serde::Serialize + ::ops::__private::serde::de::DeserializeOwned>() {}
                payload::<#ty>();
            };
        };
        quote! {
            impl ::ops::EventOf<#owner> for #ty {
                const NAME: &'static str = #name;
            }
            #check
        }
    });
    quote!(#(#impls)*)
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Provides => "provides",
        Role::Requires => "requires",
        Role::Peer => "peers",
    }
}

fn role_path(role: Role) -> TokenStream {
    match role {
        Role::Provides => quote!(::ops::meta::RelationRole::Provides),
        Role::Requires => quote!(::ops::meta::RelationRole::Requires),
        Role::Peer => quote!(::ops::meta::RelationRole::Peer),
    }
}

/// The checks of a charm's `#[lib(endpoint = "...")]` fields against the metadata: the
/// endpoint exists (now, with a suggestion), and its interface and role are the library's
/// (a `const` evaluated by rustc, since the library may live in another crate; its panic
/// message names the endpoint that would fit, and lands on the endpoint's string).
pub fn endpoint_checks(
    libs: &[LibField],
    meta: &Metadata,
    file: &str,
    errors: &mut Errors,
) -> TokenStream {
    let mut out = TokenStream::new();
    let endpoints: Vec<&str> = meta.relations.iter().map(|r| r.name.as_str()).collect();
    for lib in libs {
        let Some(lit) = &lib.endpoint else {
            errors.at(
                lib.field.span(),
                format!(
                    "name the endpoint the library `{}` is bound to: `#[lib(endpoint = \"...\")]` (endpoints in {file}: {})",
                    lib.field,
                    suggest::list(endpoints.iter().copied())
                ),
            );
            continue;
        };
        let endpoint = lit.value();
        let Some(relation) = meta.relations.iter().find(|r| r.name == endpoint) else {
            errors.at(
                lit.span(),
                format!(
                    "no relation endpoint `{endpoint}` in {file}{} (endpoints: {})",
                    suggest::did_you_mean(&endpoint, endpoints.iter().copied()),
                    suggest::list(endpoints.iter().copied())
                ),
            );
            continue;
        };
        let ty = &lib.ty;
        let ty_text = quote!(#ty).to_string().replace(' ', "");
        // Every token at the literal (its own span, not just its location): a const
        // evaluation error is reported at the outermost macro call otherwise.
        let span = lit.span();
        let interface = &relation.interface;
        let role = role_path(relation.role);
        // Another endpoint that fits the library, if the bound one does not.
        let others = meta.relations.iter().filter(|r| r.name != endpoint).map(|r| {
            let other_interface = &r.interface;
            let other_role = role_path(r.role);
            let message = format!(
                "`{endpoint}` is a `{}` endpoint of interface `{interface}` in {file}, which `{ty_text}` does not fit; the endpoint `{}` ({}, interface `{other_interface}`) does: `#[lib(endpoint = \"{}\")]`",
                role_name(relation.role),
                r.name,
                role_name(r.role),
                r.name
            );
            quote_spanned! {span=>
                if ::ops::library::str_eq(__interface, #other_interface)
                    && ::ops::library::role_is(__role, #other_role)
                {
                    ::core::panic!(#message);
                }
            }
        });
        let roles = [Role::Provides, Role::Requires, Role::Peer]
            .into_iter()
            .filter(|r| *r != relation.role)
            .map(|r| {
                let path = role_path(r);
                let message = format!(
                    "`{endpoint}` is a `{}` endpoint in {file}, but `{ty_text}` is a library for `{}` endpoints (its `ops::Library::ROLE`)",
                    role_name(relation.role),
                    role_name(r)
                );
                quote_spanned! {span=>
                    if ::ops::library::role_is(__role, #path) {
                        ::core::panic!(#message);
                    }
                }
            });
        let interface_message = format!(
            "`{endpoint}` has interface `{interface}` in {file}, which `{ty_text}` does not speak (its `ops::Library::INTERFACE`), and no other endpoint there fits it"
        );
        out.extend(quote_spanned! {span=>
            const _: () = {
                let __interface = <#ty as ::ops::Library>::INTERFACE;
                let __role = <#ty as ::ops::Library>::ROLE;
                let __fits_interface = ::ops::library::str_eq(__interface, #interface);
                if !__fits_interface || !::ops::library::role_is(__role, #role) {
                    #(#others)*
                    if __fits_interface {
                        #(#roles)*
                    }
                    ::core::panic!(#interface_message);
                }
            };
        });
    }
    out
}

/// The forwarding macro of a library struct: hands its impl to `__library_impl` with the
/// library's interface, role, fields and events.
fn forwarder(lib: &Ident, header: TokenStream) -> TokenStream {
    let mac = format_ident!("__library_of_{}", lib);
    quote! {
        #[doc(hidden)]
        macro_rules! #mac {
            ($($tokens:tt)*) => {
                ::ops::__private::__library_impl! { #header $($tokens)* }
            };
        }
        #[doc(hidden)]
        #[allow(unused_imports)]
        pub(crate) use #mac;
    }
}

/// `#[library(...)]` on a struct.
pub fn library_struct(args: TokenStream, mut item: ItemStruct) -> TokenStream {
    let serde = super::use_ops_serde(&mut item);
    let lib = item.ident.clone();
    let mut errors = Errors::default();
    if !item.generics.params.is_empty() {
        errors.at(
            syn::spanned::Spanned::span(&item.generics),
            "a library struct cannot be generic",
        );
    }
    let libs = match crate::attr::take_lib_fields(&mut item, serde) {
        Ok(libs) => libs,
        Err(e) => {
            errors.darling(e);
            Vec::new()
        }
    };
    let args = match LibraryArgs::parse(args) {
        Ok(args) => args,
        Err(e) => {
            errors.darling(e);
            let errors = errors.into_tokens();
            let fwd = forwarder(&lib, quote!(failed));
            return quote!(#errors #item #fwd);
        }
    };
    let role = match args.role.value().as_str() {
        "requires" => quote!(requires),
        "provides" => quote!(provides),
        "peers" => quote!(peers),
        other => {
            errors.at(
                args.role.span(),
                format!("a library's role is `requires`, `provides` or `peers` (the metadata section of its endpoints), not `{other}`"),
            );
            quote!(requires)
        }
    };
    let events = &args.events.0;
    let shape = Shape::new(&libs, events).to_tokens();
    let interface = &args.interface;
    let fwd = forwarder(&lib, quote!(ok #interface #role #shape));
    let vis = &item.vis;
    let names = format_ident!("__{}Events", lib);
    let consts = events.iter().map(|e| {
        let name = &e.name;
        let text = name.to_string();
        let ty = &e.ty;
        let doc = format!(
            "The event `{text}`, whose payload is `{}`.",
            quote!(#ty).to_string().replace(' ', "")
        );
        quote! {
            #[doc = #doc]
            #[allow(non_upper_case_globals)]
            pub const #name: ::ops::library::EventName<#ty> = ::ops::library::EventName::new(#text);
        }
    });
    let event_impls = event_impls(&lib, events);
    let names_doc = format!("The events of `{lib}`, for `#[on({}.<event>)]`.", "<field>");
    let errors = errors.into_tokens();
    quote! {
        #errors
        #item
        #fwd
        #[doc = #names_doc]
        #[doc(hidden)]
        #[allow(non_camel_case_types)]
        #vis struct #names;
        impl #names {
            #(#consts)*
        }
        #event_impls
    }
}

/// The input of `__library_impl!`: `ok "interface" role libs [...] events [...] impl ...`
/// or `failed impl ...`.
struct ImplInput {
    header: Option<(LitStr, Ident, Shape)>,
    item: syn::ItemImpl,
}

impl Parse for ImplInput {
    fn parse(input: ParseStream) -> syn::Result<Self> {
        let marker: Ident = input.parse()?;
        let header = if marker == "ok" {
            Some((input.parse()?, input.parse()?, input.parse()?))
        } else {
            None
        };
        Ok(ImplInput {
            header,
            item: input.parse()?,
        })
    }
}

/// `#[library]` on an impl: forwards to the struct's macro.
pub fn library_forward(args: TokenStream, item: syn::ItemImpl) -> TokenStream {
    let mut errors = Errors::default();
    if !args.is_empty() {
        errors.at(
            syn::spanned::Spanned::span(&args),
            "on an impl, #[library] takes no arguments; they go on the struct",
        );
    }
    let forward = match model::self_ident(&item) {
        Ok(lib) => {
            let mac = format_ident!("__library_of_{}", lib, span = lib.span());
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
    let input = match syn::parse2::<ImplInput>(input) {
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
        let errors = errors.into_tokens();
        return quote!(#errors #item);
    };
    let owner = validate::Owner {
        name: &lib.charm,
        meta: None,
        libs: &shape.libs,
        events: &shape.events,
    };
    let bindings = validate::validate(&lib.handlers, &owner, "", &mut errors);
    let name = &lib.charm;
    let role = match role.to_string().as_str() {
        "provides" => role_path(Role::Provides),
        "peers" => role_path(Role::Peer),
        _ => role_path(Role::Requires),
    };
    let names = format_ident!("__{}Events", name);
    let observers = super::dispatch::library_observers(&bindings, &shape.libs);
    let dispatch = super::dispatch::library_dispatch(&bindings, &shape.libs);
    let errors = errors.into_tokens();
    quote! {
        #errors
        #item
        impl ::ops::Library for #name {
            const INTERFACE: &'static str = #interface;
            const ROLE: ::ops::meta::RelationRole = #role;
            type Events = #names;
            #observers
            #dispatch
        }
    }
}
