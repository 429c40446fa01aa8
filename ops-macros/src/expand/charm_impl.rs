//! `impl ops::Charm for <Charm>`: metadata, types, accessors and the dispatch table.

use super::{dispatch, meta};
use crate::attr::LibField;
use crate::ident;
use crate::metadata::Metadata;
use crate::model::Binding;
use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// The `ops::Charm` impl for `charm`; `item` is the author's inherent impl, whose
/// `STATE_REVISION` and `migrate_state`, when present, the trait's forward to.
pub fn expand(
    charm: &Ident,
    metadata: &Metadata,
    bindings: &[Binding],
    libs: &[LibField],
    item: &syn::ItemImpl,
) -> TokenStream {
    let meta = meta::expand(metadata);
    let config = ident::config_ident(charm);
    let relations = ident::accessor_ident(charm, "Relations");
    let containers = ident::accessor_ident(charm, "Containers");
    let storages = ident::accessor_ident(charm, "Storages");
    let resources = ident::accessor_ident(charm, "Resources");
    let observers = dispatch::charm_observers(bindings, libs);
    let dispatch = dispatch::charm_dispatch(bindings, libs);
    let state_hooks = state_hooks(item);
    quote! {
        impl ::ops::Charm for #charm {
            const META: &'static ::ops::meta::CharmMeta = #meta;
            const TRACING: ::core::option::Option<::ops::tracing::TracingConfig> = #charm::__OPS_TRACING;
            type Config = #config;
            type Relations<'m> = #relations<'m>;
            type Containers<'m> = #containers<'m>;
            type Storages<'m> = #storages<'m>;
            type Resources<'m> = #resources<'m>;

            fn relations(model: &::ops::ModelCore) -> #relations<'_> {
                #relations::new(model)
            }
            fn containers(model: &::ops::ModelCore) -> #containers<'_> {
                #containers::new(model)
            }
            fn storages(model: &::ops::ModelCore) -> #storages<'_> {
                #storages::new(model)
            }
            fn resources(model: &::ops::ModelCore) -> #resources<'_> {
                #resources::new(model)
            }

            #observers
            #dispatch
            #state_hooks
        }
    }
}

/// Forwards `Charm::STATE_REVISION` and `Charm::migrate_state` to the inherent items of
/// the same names (an inherent item wins over the trait's in `Self::` paths).
fn state_hooks(item: &syn::ItemImpl) -> TokenStream {
    let mut out = TokenStream::new();
    for impl_item in &item.items {
        match impl_item {
            syn::ImplItem::Const(c) if c.ident == "STATE_REVISION" => out.extend(quote! {
                const STATE_REVISION: u32 = Self::STATE_REVISION;
            }),
            syn::ImplItem::Fn(f) if f.sig.ident == "migrate_state" => out.extend(quote! {
                fn migrate_state(
                    saved: ::ops::__private::serde_json::Value,
                    saved_revision: u32,
                ) -> ::ops::Result<::ops::__private::serde_json::Value> {
                    Self::migrate_state(saved, saved_revision)
                }
            }),
            _ => {}
        }
    }
    out
}

/// The stand-in `ops::Charm` for `charm` when its metadata could not be read (already a
/// compile error): no handlers and nothing typed, so that `ops::main::<Charm>()` or
/// `Context::<Charm>` add no "`Charm` is not implemented" errors to the one that matters
/// (as thiserror's and clap's fallback impls do).
pub fn fallback(charm: &Ident) -> TokenStream {
    let unavailable = quote!(::ops::__private::Unavailable);
    quote! {
        impl ::ops::Charm for #charm {
            const META: &'static ::ops::meta::CharmMeta = &::ops::__private::UNREADABLE_META;
            type Config = #unavailable;
            type Relations<'m> = #unavailable;
            type Containers<'m> = #unavailable;
            type Storages<'m> = #unavailable;
            type Resources<'m> = #unavailable;
            fn relations(_: &::ops::ModelCore) -> #unavailable { #unavailable }
            fn containers(_: &::ops::ModelCore) -> #unavailable { #unavailable }
            fn storages(_: &::ops::ModelCore) -> #unavailable { #unavailable }
            fn resources(_: &::ops::ModelCore) -> #unavailable { #unavailable }
            fn observers(_: &::ops::EventData) -> ::std::vec::Vec<::std::string::String> {
                ::std::vec::Vec::new()
            }
            fn dispatch(
                &mut self,
                _: &::ops::Model<Self>,
                _: &::ops::EventData,
                _: ::core::option::Option<&str>,
            ) -> ::ops::Outcome {
                ::ops::Outcome::default()
            }
        }
    }
}
