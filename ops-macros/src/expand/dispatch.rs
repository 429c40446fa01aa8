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
        quote!(#pat => ::std::vec![#(::std::string::String::from(#names)),*],)
    });
    quote! {
        fn observers(event: &::ops::EventData) -> ::std::vec::Vec<::std::string::String> {
            match (event.kind, event.name.as_deref()) {
                #(#arms)*
                _ => ::std::vec::Vec::new(),
            }
        }
    }
}

/// The call of one handler, as an `ops::Result<()>`.
fn call(b: &Binding, arg: TokenStream) -> TokenStream {
    let method = &b.method;
    let call = quote!(self.#method(model, #arg));
    if b.returns_unit {
        quote!({ #call; ::core::result::Result::Ok(()) })
    } else {
        quote_spanned! {b.ret_span=>
            ::core::result::Result::map_err(#call, ::core::convert::Into::<::ops::Error>::into)
        }
    }
}

/// The payload `__payload` of type `ty` for `event`, or the run's failure.
fn payload(ty: TokenStream, name: &str) -> TokenStream {
    quote! {
        let mut __payload: #ty = match ::ops::event::FromEvent::from_event(model.core(), event) {
            ::core::result::Result::Ok(payload) => payload,
            ::core::result::Result::Err(error) => {
                __outcome.handlers.push(::ops::HandlerRun::new(#name, ::core::result::Result::Err(error), false));
                return __outcome;
            }
        };
    }
}

/// The statements running one handler and recording its run in `__outcome`.
fn run(b: &Binding) -> TokenStream {
    let name = b.method.to_string();
    let body = match &b.payload {
        None => {
            let c = call(b, TokenStream::new());
            quote!(let __result: ::ops::Result<()> = #c; let __deferred = false;)
        }
        Some(PayloadArg::Event(span)) => {
            let ty_name = Ident::new(b.spec.payload_name, *span);
            let ty = if b.spec.lifetime {
                quote!(::ops::event::#ty_name<'_>)
            } else {
                quote!(::ops::event::#ty_name)
            };
            let payload = payload(ty, &name);
            let c = call(b, quote!(&__payload));
            quote! {
                #payload
                let __result: ::ops::Result<()> = #c;
                let __deferred = ::ops::event::Deferrable::is_deferred(&__payload);
            }
        }
        Some(PayloadArg::Action(params)) => {
            let payload = payload(quote!(::ops::Action<'_, #params>), &name);
            let c = call(b, quote!(&mut __payload));
            quote! {
                #payload
                let __result: ::ops::Result<()> = #c;
                __outcome.action_failed |= __payload.is_failed();
                let __deferred = false;
            }
        }
        Some(PayloadArg::Collector) => {
            let c = call(b, quote!(&mut __outcome.statuses));
            quote!(let __result: ::ops::Result<()> = #c; let __deferred = false;)
        }
    };
    quote! {
        if only.is_none_or(|only| only == #name) {
            #body
            let __failed = __result.is_err();
            __outcome.handlers.push(::ops::HandlerRun::new(#name, __result, __deferred));
            if __failed {
                return __outcome;
            }
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
        ) -> ::ops::Outcome {
            let mut __outcome = ::ops::Outcome::default();
            match (event.kind, event.name.as_deref()) {
                #(#arms)*
                _ => {}
            }
            __outcome
        }
    }
}
