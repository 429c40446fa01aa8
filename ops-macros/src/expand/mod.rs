//! Code generation from the validated model: the struct half of `#[charm]` (types from
//! the metadata, and the macro that forwards the metadata to the impl), the impl half
//! (`ops::Charm`), and `#[library]`'s. Nothing here checks: `validate` has.

pub mod accessors;
pub mod actions;
pub mod charm_impl;
pub mod config;
mod dispatch;
pub mod library;
mod meta;
mod param_schema;
pub mod tracing;

use crate::attr::EventDecl;
use crate::model::types::Types;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote, ToTokens};
use syn::{ItemStruct, Visibility};

/// Points serde's derives on the charm struct at the serde `ops` re-exports, so a charm
/// crate needs no `serde` dependency of its own (`#[derive(Serialize, Deserialize)]` from
/// `ops::prelude`). Left alone when the struct derives neither or names a crate itself.
pub fn use_ops_serde(item: &mut ItemStruct) -> bool {
    let derives_serde = item.attrs.iter().any(|attr| {
        attr.path().is_ident("derive")
            && attr
                .parse_args_with(
                    syn::punctuated::Punctuated::<syn::Path, syn::Token![,]>::parse_terminated,
                )
                .is_ok_and(|paths| {
                    paths.iter().any(|p| {
                        p.segments
                            .last()
                            .is_some_and(|s| s.ident == "Serialize" || s.ident == "Deserialize")
                    })
                })
    });
    let names_crate = item.attrs.iter().any(|attr| {
        attr.path().is_ident("serde") && attr.to_token_stream().to_string().contains("crate")
    });
    if derives_serde && !names_crate {
        item.attrs
            .push(syn::parse_quote!(#[serde(crate = "::ops::__private::serde")]));
    }
    derives_serde
}

/// The forwarding macro's name for `charm`.
pub fn forwarder_ident(charm: &Ident) -> Ident {
    format_ident!("__charm_metadata_of_{}", charm)
}

/// The `macro_rules!` that hands the impl to `__charm_impl` with the metadata path.
pub fn forwarder(charm: &Ident, header: TokenStream) -> TokenStream {
    let mac = forwarder_ident(charm);
    quote! {
        #[doc(hidden)]
        macro_rules! #mac {
            ($($tokens:tt)*) => {
                ::ops::__private::__charm_impl! { #header $($tokens)* }
            };
        }
        #[doc(hidden)]
        #[allow(unused_imports)]
        pub(crate) use #mac;
    }
}

/// What `#[charm(...)]` adds beside its struct, from the validated `types`; `file` is the
/// metadata file as named in messages.
pub fn charm_struct(
    charm: &Ident,
    vis: &Visibility,
    types: &Types,
    events: &[EventDecl],
    file: &str,
) -> TokenStream {
    let config = config::expand(charm, vis, &types.config);
    let params = actions::expand(vis, &types.actions);
    let accessors = accessors::expand(charm, vis, types);
    let tracing = tracing::expand(charm, types.tracing);
    let endpoint_checks = library::endpoint_checks(types, file);
    let event_impls = library::event_impls(charm, events);
    let tracked = types.meta.sources.iter().map(|p| {
        let p = p.to_string_lossy();
        quote!(
            const _: &[u8] = include_bytes!(#p);
        )
    });
    quote! {
        #(#tracked)*
        #config
        #params
        #accessors
        #tracing
        #endpoint_checks
        #event_impls
    }
}
