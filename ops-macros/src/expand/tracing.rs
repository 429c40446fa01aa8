//! `#[charm(..., tracing(endpoint = "...", ca = "..."))]`: the endpoints checked against
//! the metadata, and the charm's `TRACING` declaration.

use super::Ctx;
use crate::attr::TracingArgs;
use crate::metadata::Role;
use crate::suggest;
use quote::quote;
use syn::LitStr;

/// Checks that `lit` names a `requires` endpoint of interface `interface`.
fn check(ctx: &mut Ctx<'_>, lit: &LitStr, interface: &str, errors: &mut Vec<syn::Error>) {
    let name = lit.value();
    match ctx.meta.relations.iter().find(|r| r.name == name) {
        None => {
            let requires = ctx
                .meta
                .relations
                .iter()
                .filter(|r| r.role == Role::Requires && r.interface == interface)
                .map(|r| r.name.as_str());
            let hint =
                match suggest::nearest(&name, ctx.meta.relations.iter().map(|r| r.name.as_str())) {
                    Some(c) => format!("; did you mean `{c}`?"),
                    None => format!(
                        " (`requires` endpoints of interface `{interface}`: {})",
                        suggest::list(requires)
                    ),
                };
            errors.push(syn::Error::new(
                lit.span(),
                format!("{}: no relation `{name}` is declared{hint}", ctx.file),
            ));
        }
        Some(r) if r.role != Role::Requires || r.interface != interface => {
            let role = match r.role {
                Role::Provides => "provides",
                Role::Requires => "requires",
                Role::Peer => "peers",
            };
            errors.push(syn::Error::new(
                lit.span(),
                format!(
                    "{}: tracing needs a `requires` endpoint of interface `{interface}`; `{name}` is a `{role}` endpoint of interface `{}`",
                    ctx.file, r.interface
                ),
            ));
        }
        Some(_) => {}
    }
}

/// The hidden `__OPS_TRACING` const of the charm struct (`None` without `tracing(...)`),
/// which the impl half's `Charm::TRACING` reads.
pub fn expand(ctx: &mut Ctx<'_>, args: Option<&TracingArgs>) -> proc_macro2::TokenStream {
    let charm = ctx.charm;
    let value = match args {
        None => quote!(::core::option::Option::None),
        Some(args) => {
            let mut errors = Vec::new();
            check(ctx, &args.endpoint, "tracing", &mut errors);
            if let Some(ca) = &args.ca {
                check(ctx, ca, "certificate_transfer", &mut errors);
            }
            if !errors.is_empty() {
                let errors = errors.iter().map(syn::Error::to_compile_error);
                return quote! {
                    #(#errors)*
                    impl #charm {
                        #[doc(hidden)]
                        pub const __OPS_TRACING: ::core::option::Option<::ops::tracing::TracingConfig> =
                            ::core::option::Option::None;
                    }
                };
            }
            let endpoint = args.endpoint.value();
            let ca = match &args.ca {
                Some(ca) => {
                    let ca = ca.value();
                    quote!(::core::option::Option::Some(#ca))
                }
                None => quote!(::core::option::Option::None),
            };
            quote!(::core::option::Option::Some(::ops::tracing::TracingConfig {
                endpoint: #endpoint,
                ca_endpoint: #ca,
            }))
        }
    };
    quote! {
        impl #charm {
            #[doc(hidden)]
            pub const __OPS_TRACING: ::core::option::Option<::ops::tracing::TracingConfig> = #value;
        }
    }
}
