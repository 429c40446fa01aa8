//! `observers` and `dispatch`: the dispatch table of a charm (`ops::Charm`) or of a
//! library (`ops::Library`).
//!
//! Handlers are named by their path from the charm: `method` for the charm's own,
//! `db.method` for those of the library in field `db`. Libraries' handlers come first for
//! the same event (Python's observer order: a library registers in the charm's
//! constructor, before the charm's own `observe` calls).

use crate::attr::LibField;
use crate::model::{Binding, PayloadArg, Subject};
use proc_macro2::{Ident, Span, TokenStream};
use quote::{quote, quote_spanned};

/// Whose dispatch table is generated.
#[derive(Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    /// A charm: names are static, there is no scope.
    Charm,
    /// A library: its endpoint and path are in `scope` at run time.
    Library,
}

/// The `(kind, name, custom)` pattern (and guard) matching a binding's event.
fn pattern(b: &Binding, kind: Kind) -> (TokenStream, TokenStream) {
    let event_kind = Ident::new(b.spec.kind, Span::call_site());
    let k = quote!(::ops::EventKind::#event_kind);
    match (&b.subject, kind) {
        (Subject::Any, _) => (quote!(#k, _, _), quote!()),
        (Subject::Named(name), _) => (quote!(#k, ::core::option::Option::Some(#name), _), quote!()),
        (Subject::Endpoint, _) => (
            quote!(#k, ::core::option::Option::Some(__name), _),
            quote!(if __name == scope.endpoint),
        ),
        (Subject::Lib { lib, event }, Kind::Charm) => {
            let field = lib.field.to_string();
            let event = event.to_string();
            (
                quote!(#k, ::core::option::Option::Some(#field), ::core::option::Option::Some(#event)),
                quote!(),
            )
        }
        (Subject::Lib { lib, event }, Kind::Library) => {
            let field = lib.field.to_string();
            let event = event.to_string();
            (
                quote!(#k, ::core::option::Option::Some(__path), ::core::option::Option::Some(#event)),
                quote!(if scope.is_child(__path, #field)),
            )
        }
        (Subject::Own(decl), Kind::Charm) => {
            let event = decl.name.to_string();
            (
                quote!(#k, ::core::option::Option::None, ::core::option::Option::Some(#event)),
                quote!(),
            )
        }
        (Subject::Own(decl), Kind::Library) => {
            let event = decl.name.to_string();
            (
                quote!(#k, ::core::option::Option::Some(__path), ::core::option::Option::Some(#event)),
                quote!(if __path == scope.path),
            )
        }
    }
}

/// Bindings grouped by event, groups in order of first appearance, handlers in source order.
fn groups(bindings: &[Binding]) -> Vec<Vec<&Binding>> {
    let mut groups: Vec<Vec<&Binding>> = Vec::new();
    for b in bindings {
        let same = |g: &&mut Vec<&Binding>| {
            g[0].spec.key == b.spec.key && g[0].subject.same_event(&b.subject)
        };
        match groups.iter_mut().find(|g| same(g)) {
            Some(g) => g.push(b),
            None => groups.push(vec![b]),
        }
    }
    groups
}

/// The scope of the library in `lib`: a `Scope` expression, with the statements that
/// must come before it (a library's child path is built at run time).
fn lib_scope(lib: &LibField, kind: Kind) -> (TokenStream, TokenStream) {
    let field = lib.field.to_string();
    match kind {
        Kind::Charm => {
            let endpoint = lib.endpoint.as_ref().map(|e| e.value()).unwrap_or_default();
            (
                quote!(),
                quote!(::ops::library::Scope { endpoint: #endpoint, path: #field }),
            )
        }
        Kind::Library => {
            let endpoint = match &lib.endpoint {
                Some(e) => quote!(#e),
                None => quote!(scope.endpoint),
            };
            (
                quote!(let __path = scope.child_path(#field);),
                quote!(::ops::library::Scope { endpoint: #endpoint, path: &__path }),
            )
        }
    }
}

/// The observer list: nested libraries' handlers first, then the owner's own.
fn observer_body(bindings: &[Binding], libs: &[LibField], kind: Kind) -> TokenStream {
    let libs = libs.iter().map(|lib| {
        let ty = &lib.ty;
        let (pre, scope) = lib_scope(lib, kind);
        quote!({
            #pre
            <#ty as ::ops::Library>::observers(#scope, event, __out);
        })
    });
    let arms = groups(bindings).into_iter().map(|g| {
        let (pat, guard) = pattern(g[0], kind);
        let names = g.iter().map(|b| {
            let name = b.method.to_string();
            match kind {
                Kind::Charm => quote!(::std::string::String::from(#name)),
                Kind::Library => quote!(scope.child_path(#name)),
            }
        });
        quote!((#pat) #guard => { #(__out.push(#names);)* })
    });
    quote! {
        #(#libs)*
        match (event.kind, event.name.as_deref(), event.custom.as_deref()) {
            #(#arms)*
            _ => {}
        }
    }
}

/// `fn observers` of `ops::Charm`.
pub fn charm_observers(bindings: &[Binding], libs: &[LibField]) -> TokenStream {
    let body = observer_body(bindings, libs, Kind::Charm);
    quote! {
        fn observers(event: &::ops::EventData) -> ::std::vec::Vec<::std::string::String> {
            let mut __all = ::std::vec::Vec::new();
            let __out = &mut __all;
            #body
            __all
        }
    }
}

/// `fn observers` of `ops::Library`.
pub fn library_observers(bindings: &[Binding], libs: &[LibField]) -> TokenStream {
    let body = observer_body(bindings, libs, Kind::Library);
    quote! {
        fn observers(
            scope: ::ops::library::Scope<'_>,
            event: &::ops::EventData,
            __out: &mut ::std::vec::Vec<::std::string::String>,
        ) {
            #body
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

/// `&__payload`, located over the author's type (`first` to `last` token) so that a
/// mismatch underlines it.
fn payload_arg(first: Span, last: Span) -> TokenStream {
    let first = Span::call_site().located_at(first);
    let last = Span::call_site().located_at(last);
    let amp = quote_spanned!(first=> &);
    let name = quote_spanned!(last=> __payload);
    quote!(#amp #name)
}

/// `__payload`, built by `build` (an `ops::Result`), or the run's failure.
fn payload(ty: TokenStream, build: TokenStream, name: &TokenStream) -> TokenStream {
    quote! {
        let mut __payload: #ty = match #build {
            ::core::result::Result::Ok(payload) => payload,
            ::core::result::Result::Err(error) => {
                __outcome.handlers.push(::ops::HandlerRun::new(#name, ::core::result::Result::Err(error), false));
                return __outcome;
            }
        };
    }
}

/// The statements running one handler and recording its run in `__outcome`.
fn run(b: &Binding, kind: Kind) -> TokenStream {
    let method = b.method.to_string();
    let name = match kind {
        Kind::Charm => quote!(#method),
        Kind::Library => quote!(scope.child_path(#method)),
    };
    let from_event = quote!(::ops::event::FromEvent::from_event(__core, event));
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
            let payload = payload(ty, from_event, &name);
            let c = call(b, quote!(&__payload));
            quote! {
                #payload
                let __result: ::ops::Result<()> = #c;
                let __deferred = ::ops::event::Deferrable::is_deferred(&__payload);
            }
        }
        Some(PayloadArg::Custom(first, last)) => {
            let (ty, build) = match &b.subject {
                Subject::Lib { lib, event } => {
                    let lib_ty = &lib.ty;
                    (
                        quote!(_),
                        quote!(::ops::library::custom_payload(
                            <<#lib_ty as ::ops::Library>::Events>::#event,
                            event,
                        )),
                    )
                }
                Subject::Own(decl) => {
                    let ty = &decl.ty;
                    (quote!(::ops::Custom<#ty>), from_event.clone())
                }
                _ => (quote!(_), from_event.clone()),
            };
            let payload = payload(ty, build, &name);
            let c = call(b, payload_arg(*first, *last));
            quote! {
                #payload
                let __result: ::ops::Result<()> = #c;
                let __deferred = ::ops::event::Deferrable::is_deferred(&__payload);
            }
        }
        Some(PayloadArg::Any) => {
            let payload = payload(quote!(::ops::event::AnyEvent), from_event, &name);
            let c = call(b, quote!(&__payload));
            quote! {
                #payload
                let __result: ::ops::Result<()> = #c;
                let __deferred = ::ops::event::Deferrable::is_deferred(&__payload);
            }
        }
        Some(PayloadArg::Action(params)) => {
            let payload = payload(quote!(::ops::Action<'_, #params>), from_event, &name);
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
    let unused_subject = match &b.subject {
        // A custom event observed without its payload: still name the event, so a
        // misspelled one is an error.
        Subject::Lib { lib, event } if b.payload.is_none() => {
            let lib_ty = &lib.ty;
            quote!(let _ = <<#lib_ty as ::ops::Library>::Events>::#event;)
        }
        _ => quote!(),
    };
    let (pat, guard) = pattern(b, kind);
    quote! {
        (#pat, #method) #guard => {
            #unused_subject
            #body
            __outcome.handlers.push(::ops::HandlerRun::new(#name, __result, __deferred));
        }
    }
}

/// Delegation of `only` to the library that owns it (`db.on_changed` → `db`).
fn delegations(libs: &[LibField], kind: Kind) -> TokenStream {
    let core = match kind {
        Kind::Charm => quote!(model.core()),
        Kind::Library => quote!(__core),
    };
    let arms = libs.iter().map(|lib| {
        let field = &lib.field;
        let prefix = format!("{field}.");
        let (pre, scope) = lib_scope(lib, kind);
        quote! {
            if let ::core::option::Option::Some(__rest) = only.strip_prefix(#prefix) {
                #pre
                return ::ops::Library::dispatch(&mut self.#field, #core, #scope, event, __rest);
            }
        }
    });
    quote!(#(#arms)*)
}

/// The match running the handler `only` of `bindings`.
fn handler_match(bindings: &[Binding], kind: Kind) -> TokenStream {
    let arms = bindings.iter().map(|b| run(b, kind));
    quote! {
        let mut __outcome = ::ops::Outcome::default();
        match (event.kind, event.name.as_deref(), event.custom.as_deref(), only) {
            #(#arms)*
            _ => {}
        }
        __outcome
    }
}

/// `fn dispatch` of `ops::Charm`.
pub fn charm_dispatch(bindings: &[Binding], libs: &[LibField]) -> TokenStream {
    let delegations = delegations(libs, Kind::Charm);
    let run = handler_match(bindings, Kind::Charm);
    quote! {
        #[allow(unused_variables, unused_mut, clippy::needless_question_mark)]
        fn dispatch(
            &mut self,
            model: &::ops::Model<Self>,
            event: &::ops::EventData,
            only: ::core::option::Option<&str>,
        ) -> ::ops::Outcome {
            let ::core::option::Option::Some(only) = only else {
                return ::ops::library::dispatch_all(self, model, event);
            };
            #delegations
            let __core = model.core();
            #run
        }
    }
}

/// `fn dispatch` of `ops::Library`.
pub fn library_dispatch(bindings: &[Binding], libs: &[LibField]) -> TokenStream {
    let delegations = delegations(libs, Kind::Library);
    let run = handler_match(bindings, Kind::Library);
    quote! {
        #[allow(unused_variables, unused_mut, clippy::needless_question_mark)]
        fn dispatch(
            &mut self,
            __core: &::ops::ModelCore,
            scope: ::ops::library::Scope<'_>,
            event: &::ops::EventData,
            only: &str,
        ) -> ::ops::Outcome {
            #delegations
            let model = &::ops::LibModel::<Self>::new(__core, scope);
            #run
        }
    }
}
