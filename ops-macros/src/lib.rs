//! The `#[charm]` and `#[on]` macros of `ops`. See the `ops` crate for their documentation.

use proc_macro::TokenStream;

mod metadata;

/// Declares a charm: on a struct, reads its metadata; on its impl, builds the dispatch table.
#[proc_macro_attribute]
pub fn charm(_args: TokenStream, input: TokenStream) -> TokenStream {
    input
}

/// Marks a method of a `#[charm]` impl as the handler of a Juju event.
#[proc_macro_attribute]
pub fn on(_args: TokenStream, input: TokenStream) -> TokenStream {
    input
}
