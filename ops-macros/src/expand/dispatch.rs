//! `Charm::observers` and `Charm::dispatch`: the dispatch table.

use crate::events::Target;
use crate::validate::{Binding, PayloadArg};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};

/// The `(kind, name)` pattern matching a binding's event.
fn pattern(binding: &Binding) -> TokenStream {
    let kind = Ident::new(binding.spec.kind, Span::call_site());
    match (&binding.name, binding.spec.target) {
        (Some(name), t) if t != Target::None => {
            quote!((::ops::EventKind::#kind, ::core::option::Option::Some(#name)))
        }
        _ => quote!((::ops::EventKind::#kind, _)),
    }
}

/// Bindings grouped by event, groups in order of first appearance, handlers in source order.
fn groups(bindings: &[Binding]) -> Vec<Vec<&Binding>> {
    let mut groups: Vec<Vec<&Binding>> = Vec::new();
    for b in bindings {
        match groups
            .iter_mut()
            .find(|g| g[0].spec.key == b.spec.key && g[0].name == b.name)
        {
            Some(g) => g.push(b),
            None => groups.push(vec![b]),
        }
    }
    groups
}

/// `fn observers`.
pub fn observers(bindings: &[Binding]) -> TokenStream {
    let arms = groups(bindings).into_iter().map(|g| {
        let pat = pattern(g[0]);
        let names = g.iter().map(|b| b.method.to_string());
        quote!(#pat => &[#(#names),*],)
    });
    quote! {
        fn observers(event: &::ops::EventData) -> &'static [&'static str] {
            match (event.kind, event.name.as_deref()) {
                #(#arms)*
                _ => &[],
            }
        }
    }
}

/// The call of one handler, `?`-propagating its error.
fn call(b: &Binding, arg: TokenStream) -> TokenStream {
    let method = &b.method;
    let call = quote!(self.#method(model, #arg));
    if b.returns_unit {
        quote!(#call;)
    } else {
        quote_spanned! {b.ret_span=>
            ::core::result::Result::map_err(#call, ::core::convert::Into::<::ops::Error>::into)?;
        }
    }
}

/// The statements running one handler.
fn run(b: &Binding) -> TokenStream {
    let name = b.method.to_string();
    let body = match &b.payload {
        None => {
            let c = call(b, TokenStream::new());
            quote!(#c)
        }
        Some(PayloadArg::Event(span)) => {
            let ty_name = Ident::new(b.spec.payload_name, *span);
            let ty = if b.spec.lifetime {
                quote!(::ops::event::#ty_name<'_>)
            } else {
                quote!(::ops::event::#ty_name)
            };
            let c = call(b, quote!(&__payload));
            quote! {
                let __payload: #ty = ::ops::event::FromEvent::from_event(model.core(), event)?;
                #c
                if ::ops::event::Deferrable::is_deferred(&__payload) {
                    __deferred.push(#name);
                }
            }
        }
        Some(PayloadArg::Action(params)) => {
            let c = call(b, quote!(&mut __payload));
            quote! {
                let mut __payload: ::ops::Action<'_, #params> = ::ops::event::FromEvent::from_event(model.core(), event)?;
                #c
            }
        }
        Some(PayloadArg::Collector) => {
            let c = call(b, quote!(&mut __collector));
            quote! {
                let mut __collector = ::ops::StatusCollector::new();
                #c
                model.core().collect_statuses(event.kind, __collector);
            }
        }
    };
    quote! {
        if only.is_none_or(|only| only == #name) {
            #body
        }
    }
}

/// `fn dispatch`.
pub fn dispatch(bindings: &[Binding]) -> TokenStream {
    let arms = groups(bindings).into_iter().map(|g| {
        let pat = pattern(g[0]);
        let runs = g.iter().map(|b| run(b));
        quote!(#pat => { #(#runs)* })
    });
    quote! {
        #[allow(unused_variables, unused_mut, clippy::needless_question_mark)]
        fn dispatch(
            &mut self,
            model: &::ops::Model<Self>,
            event: &::ops::EventData,
            only: ::core::option::Option<&str>,
        ) -> ::ops::Result<::std::vec::Vec<&'static str>> {
            let mut __deferred: ::std::vec::Vec<&'static str> = ::std::vec::Vec::new();
            match (event.kind, event.name.as_deref()) {
                #(#arms)*
                _ => {}
            }
            ::core::result::Result::Ok(__deferred)
        }
    }
}
