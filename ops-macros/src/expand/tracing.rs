//! `#[charm(..., tracing(endpoint = "...", ca = "..."))]`: the charm's `TRACING`
//! declaration.

use crate::attr::TracingArgs;
use proc_macro2::{Ident, TokenStream};
use quote::quote;

/// The hidden `__OPS_TRACING` const of the charm struct (`None` without `tracing(...)`, or
/// when its endpoints did not fit), which the impl half's `Charm::TRACING` reads.
pub fn expand(charm: &Ident, args: Option<&TracingArgs>) -> TokenStream {
    let value = match args {
        None => quote!(::core::option::Option::None),
        Some(args) => {
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
