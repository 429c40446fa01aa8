//! Libraries and custom events: what `#[library]` generates (its events' names, and
//! `ops::Library` from its handlers), the `EventOf` impls of custom events, the macro that
//! forwards a library struct's attributes to its impl's macro, and the compile-time checks
//! of a charm's `#[lib(endpoint = "...")]` fields that only rustc can make.

use crate::attr::{EventDecl, LibField};
use crate::metadata::Role;
use crate::model::types::{Endpoint, Types};
use crate::model::Binding;
use proc_macro2::{Span, TokenStream};
use quote::{format_ident, quote, quote_spanned};
use syn::{Ident, LitStr, Visibility};

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

fn role_path(role: Role) -> TokenStream {
    match role {
        Role::Provides => quote!(::ops::meta::RelationRole::Provides),
        Role::Requires => quote!(::ops::meta::RelationRole::Requires),
        Role::Peer => quote!(::ops::meta::RelationRole::Peer),
    }
}

/// The checks rustc makes of each `#[lib(endpoint = "...")]` field: its library's
/// interface and role are the endpoint's (a `const`, since the library may live in another
/// crate; its panic message names the endpoint that would fit, and lands on the endpoint's
/// string). A library with an empty interface is a [`fallback`], whose own error is enough.
pub fn endpoint_checks(types: &Types, file: &str) -> TokenStream {
    let meta = types.meta;
    let mut out = TokenStream::new();
    for &Endpoint { ty, lit, relation } in &types.endpoints {
        let endpoint = &relation.name;
        let ty_text = quote!(#ty).to_string().replace(' ', "");
        // Every token at the literal (its own span, not just its location): a const
        // evaluation error is reported at the outermost macro call otherwise.
        let span = lit.span();
        let interface = &relation.interface;
        let role = role_path(relation.role);
        // Another endpoint that fits the library, if the bound one does not.
        let others = meta.relations.iter().filter(|r| r.name != *endpoint).map(|r| {
            let other_interface = &r.interface;
            let other_role = role_path(r.role);
            let message = format!(
                "`{endpoint}` is a `{}` endpoint of interface `{interface}` in {file}, which `{ty_text}` does not fit; the endpoint `{}` ({}, interface `{other_interface}`) does: `#[lib(endpoint = \"{}\")]`",
                relation.role.section(),
                r.name,
                r.role.section(),
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
                    relation.role.section(),
                    r.section()
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
                if !::ops::library::str_eq(__interface, "")
                    && (!__fits_interface || !::ops::library::role_is(__role, #role))
                {
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
pub fn forwarder(lib: &Ident, header: TokenStream) -> TokenStream {
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

/// What `#[library(...)]` adds beside its struct: the names of its events (for
/// `#[on(field.event)]`) and their `EventOf` impls.
pub fn library_struct(vis: &Visibility, lib: &Ident, events: &[EventDecl]) -> TokenStream {
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
    let event_impls = event_impls(lib, events);
    let names_doc = format!("The events of `{lib}`, for `#[on({}.<event>)]`.", "<field>");
    quote! {
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

/// The stand-in `ops::Library` of a library whose attribute could not be read (already a
/// compile error): no handlers, and an empty `INTERFACE`, which the charms embedding it do
/// not check against their endpoint (see [`endpoint_checks`]).
pub fn fallback(lib: &Ident) -> TokenStream {
    let names = format_ident!("__{}Events", lib);
    quote! {
        impl ::ops::Library for #lib {
            const INTERFACE: &'static str = "";
            const ROLE: ::ops::meta::RelationRole = ::ops::meta::RelationRole::Requires;
            type Events = #names;
            fn observers(
                _: ::ops::library::Scope<'_>,
                _: &::ops::EventData,
                _: &mut ::std::vec::Vec<::std::string::String>,
            ) {
            }
            fn dispatch(
                &mut self,
                _: &::ops::ModelCore,
                _: ::ops::library::Scope<'_>,
                _: &::ops::EventData,
                _: &str,
            ) -> ::ops::Outcome {
                ::ops::Outcome::default()
            }
        }
    }
}

/// `impl ops::Library` for `lib`, whose endpoints are `role`'s of `interface`.
pub fn library_impl(
    lib: &Ident,
    interface: &LitStr,
    role: Role,
    bindings: &[Binding],
    libs: &[LibField],
) -> TokenStream {
    let role = role_path(role);
    let names = format_ident!("__{}Events", lib);
    let observers = super::dispatch::library_observers(bindings, libs);
    let dispatch = super::dispatch::library_dispatch(bindings, libs);
    quote! {
        impl ::ops::Library for #lib {
            const INTERFACE: &'static str = #interface;
            const ROLE: ::ops::meta::RelationRole = #role;
            type Events = #names;
            #observers
            #dispatch
        }
    }
}
