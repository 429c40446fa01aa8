//! Collecting every compile error before reporting, rather than stopping at the first.

use proc_macro2::{Span, TokenStream};
use std::fmt::Display;

/// The errors found so far.
#[derive(Default)]
pub struct Errors {
    errors: Vec<syn::Error>,
}

impl Errors {
    /// Records an error at `span`.
    pub fn at(&mut self, span: Span, message: impl Display) {
        self.errors.push(syn::Error::new(span, message));
    }

    /// Records an error covering all of `tokens` (first to last token).
    pub fn spanned(&mut self, tokens: &dyn quote::ToTokens, message: impl Display) {
        self.errors.push(syn::Error::new_spanned(tokens, message));
    }

    /// Records `error`.
    pub fn push(&mut self, error: syn::Error) {
        self.errors.push(error);
    }

    /// Records the errors in `darling_err`.
    pub fn darling(&mut self, darling_err: darling::Error) {
        self.errors.push(darling_err.into());
    }

    /// All errors as one, or `None`.
    pub fn combined(self) -> Option<syn::Error> {
        let mut iter = self.errors.into_iter();
        let mut first = iter.next()?;
        for e in iter {
            first.combine(e);
        }
        Some(first)
    }

    /// All errors as `compile_error!` invocations (empty when none).
    pub fn into_tokens(self) -> TokenStream {
        self.combined()
            .map(|e| e.to_compile_error())
            .unwrap_or_default()
    }
}
