//! The `#[charm]` and `#[on]` macros of `ops`. See the `ops` crate for their documentation.
//!
//! Layout: `attr` parses the attributes, `source` finds the metadata file, `metadata` reads
//! it, `model` turns the `#[charm]` impl into handlers, `validate` checks them against the
//! metadata (collecting every error), and `expand` generates the code.

use proc_macro::TokenStream;

mod attr;
mod errors;
mod events;
mod expand;
mod ident;
mod metadata;
mod model;
mod source;
mod suggest;
mod validate;

/// Declares a charm: on a struct, reads its metadata; on its impl, builds the dispatch table.
#[proc_macro_attribute]
pub fn charm(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::charm(args.into(), input.into()).into()
}

/// Marks a method of a `#[charm]` impl as the handler of a Juju event.
#[proc_macro_attribute]
pub fn on(args: TokenStream, input: TokenStream) -> TokenStream {
    expand::stray_on(args.into(), input.into()).into()
}

/// The second half of `#[charm]` on an impl, reached through the struct's forwarding macro.
#[doc(hidden)]
#[proc_macro]
pub fn __charm_impl(input: TokenStream) -> TokenStream {
    expand::charm_impl(input.into()).into()
}
