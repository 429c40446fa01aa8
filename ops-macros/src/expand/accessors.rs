//! `<Charm>Relations`, `<Charm>Containers`, `<Charm>Storages` and `<Charm>Resources`: one
//! typed method per name the metadata declares.

use super::Ctx;
use crate::metadata::Role;
use proc_macro2::{Ident, TokenStream};
use quote::{format_ident, quote};

/// The four accessor structs.
pub fn expand(ctx: &mut Ctx) -> TokenStream {
    let meta = ctx.meta.clone();
    let mut out = TokenStream::new();

    let methods = meta.relations.iter().map(|rel| {
        let single = rel.role == Role::Peer || rel.limit == Some(1);
        let name = rel.name.clone();
        let role = match rel.role {
            Role::Provides => "provides",
            Role::Requires => "requires",
            Role::Peer => "peers",
        };
        if single {
            let doc = format!(
                "The `{name}` relation (`{role}`, interface `{}`), if established: it has at most one{}.",
                rel.interface,
                if rel.role == Role::Peer { " (peer relation)" } else { " (`limit: 1`)" }
            );
            method(name.clone(), move |method| quote! {
                #[doc = #doc]
                pub fn #method(&self) -> ::core::result::Result<::core::option::Option<::ops::model::Relation<'m>>, ::ops::ModelError> {
                    self.core.relation_one(#name)
                }
            })
        } else {
            let doc = format!(
                "The established `{name}` relations (`{role}`, interface `{}`).",
                rel.interface
            );
            method(name.clone(), move |method| quote! {
                #[doc = #doc]
                pub fn #method(&self) -> ::core::result::Result<::std::vec::Vec<::ops::model::Relation<'m>>, ::ops::ModelError> {
                    self.core.relations_of(#name)
                }
            })
        }
    }).collect::<Vec<_>>();
    out.extend(accessor(ctx, "Relations", "relation endpoints", methods));

    let methods = meta
        .containers
        .iter()
        .map(|c| {
            let name = c.name.clone();
            let doc = format!("The `{name}` container, reached through its Pebble.");
            method(name.clone(), move |method| {
                quote! {
                    #[doc = #doc]
                    pub fn #method(&self) -> ::ops::model::Container<'m> {
                        ::ops::model::Container::new(self.core, #name)
                    }
                }
            })
        })
        .collect();
    out.extend(accessor(ctx, "Containers", "containers", methods));

    let methods = meta
        .storages
        .iter()
        .map(|s| {
            let name = s.name.clone();
            let doc = format!("The attached instances of the `{name}` storage ({}).", s.kind.as_str());
            method(name.clone(), move |method| {
                quote! {
                    #[doc = #doc]
                    pub fn #method(&self) -> ::core::result::Result<::std::vec::Vec<::ops::model::Storage>, ::ops::ModelError> {
                        self.core.storages_of(#name)
                    }
                }
            })
        })
        .collect();
    out.extend(accessor(ctx, "Storages", "storages", methods));

    let methods = meta
        .resources
        .iter()
        .map(|r| {
            let name = r.name.clone();
            let doc = format!("The local path of the `{name}` resource ({}), fetched by Juju.", r.kind.as_str());
            method(name.clone(), move |method| {
                quote! {
                    #[doc = #doc]
                    pub fn #method(&self) -> ::core::result::Result<::std::path::PathBuf, ::ops::ModelError> {
                        self.core.resource_path(#name)
                    }
                }
            })
        })
        .collect();
    out.extend(accessor(ctx, "Resources", "resources", methods));
    out
}

/// One accessor method: the metadata name it is for, and its code given its identifier.
type Method = (String, Box<dyn Fn(&Ident) -> TokenStream>);

/// The accessor for the metadata name `name`, built by `build` once its identifier is
/// known (and checked not to clash with another's).
fn method(name: String, build: impl Fn(&Ident) -> TokenStream + 'static) -> Method {
    (name, Box::new(build))
}

/// The struct name for `kind` (`Relations` → `<Charm>Relations`).
pub fn struct_ident(charm: &Ident, kind: &str) -> Ident {
    format_ident!("{}{}", charm, kind)
}

/// One accessor struct, with `methods`.
fn accessor(ctx: &mut Ctx, kind: &str, what: &str, methods: Vec<Method>) -> TokenStream {
    let name = struct_ident(ctx.charm, kind);
    ctx.claim_type(&name.to_string(), &format!("the {what} accessors"));
    let mut seen = super::Seen::default();
    let mut items = TokenStream::new();
    for (meta_name, build) in methods {
        let ident = ctx.field_ident(&meta_name);
        if let Err(msg) = seen.claim(&ident.to_string(), &meta_name) {
            ctx.error(format!("{what} {msg}"));
            continue;
        }
        items.extend(build(&ident));
    }
    let vis = ctx.vis.clone();
    let doc = format!(
        "Typed accessors for the {what} of [`{}`], one method per name in its metadata; generated by `#[charm]`.",
        ctx.charm
    );
    quote! {
        #[doc = #doc]
        #[derive(Clone, Copy)]
        #vis struct #name<'m> {
            core: &'m ::ops::ModelCore,
        }

        impl<'m> #name<'m> {
            /// The accessors over `core` (what `Model::` accessor methods return).
            #[doc(hidden)]
            pub fn new(core: &'m ::ops::ModelCore) -> Self {
                #name { core }
            }

            #items
        }
    }
}
