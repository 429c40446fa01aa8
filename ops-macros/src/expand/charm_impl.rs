//! `impl ops::Charm for <Charm>`: metadata, types, accessors and the dispatch table.

use super::accessors::struct_ident;
use super::{dispatch, meta};
use crate::metadata::Metadata;
use crate::validate::{Binding, LibRef};
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// The `ops::Charm` impl for `charm`.
pub fn expand(
    charm: &Ident,
    metadata: &Metadata,
    bindings: &[Binding],
    libs: &[LibRef],
) -> TokenStream {
    let meta = meta::expand(metadata);
    let config = format_ident!("{}Config", charm);
    let relations = struct_ident(charm, "Relations");
    let containers = struct_ident(charm, "Containers");
    let storages = struct_ident(charm, "Storages");
    let resources = struct_ident(charm, "Resources");
    let observers = dispatch::charm_observers(bindings, libs);
    let dispatch = dispatch::charm_dispatch(bindings, libs);
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
        }
    }
}
