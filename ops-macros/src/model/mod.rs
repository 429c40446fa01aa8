//! What the macros generate from: the `#[charm]` (or `#[library]`) impl's handlers and
//! their `#[on]` entries, the dispatch table `validate` makes of them, and (in [`types`])
//! the types `validate` resolves from the metadata.

pub mod types;

use crate::attr::{self, EventDecl, LibField, OnEntry};
use crate::errors::Errors;
use crate::events::EventSpec;
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{ImplItem, ItemImpl, Signature, Type};

/// One method carrying `#[on]` attributes.
pub struct Handler {
    /// The method's signature.
    pub sig: Signature,
    /// Its `#[on]` entries, in source order.
    pub ons: Vec<OnEntry>,
}

/// The charm impl, its `#[on]` attributes removed, and its handlers in source order.
pub struct CharmImpl {
    /// The impl, to be emitted as the author wrote it minus the `#[on]` attributes.
    pub item: ItemImpl,
    /// The charm type's name (the impl's self type).
    pub charm: syn::Ident,
    /// The handlers, in source order.
    pub handlers: Vec<Handler>,
}

/// The name of the type an impl is for: `S` in `impl S` (or `impl path::S`).
pub fn self_ident(item: &ItemImpl) -> syn::Result<syn::Ident> {
    match &*item.self_ty {
        syn::Type::Path(tp) if tp.qself.is_none() => tp
            .path
            .segments
            .last()
            .map(|seg| seg.ident.clone())
            .ok_or_else(|| syn::Error::new(item.self_ty.span(), "expected the charm's struct")),
        other => Err(syn::Error::new(
            other.span(),
            "#[charm] goes on `impl YourCharm { ... }`, where `YourCharm` has #[charm(metadata = \"...\")]",
        )),
    }
}

/// Takes the `#[on]` attributes out of `item`'s methods.
pub fn build(mut item: ItemImpl, errors: &mut Errors) -> syn::Result<CharmImpl> {
    if let Some((path, _)) = &item.trait_ {
        return Err(syn::Error::new(
            path.span(),
            "#[charm] goes on the charm's inherent impl (`impl YourCharm { ... }`), not on a trait impl; `ops::Charm` is generated",
        ));
    }
    let charm = self_ident(&item)?;
    if !item.generics.params.is_empty() {
        errors.at(item.generics.span(), "a charm type cannot be generic");
    }
    let mut handlers = Vec::new();
    for impl_item in &mut item.items {
        let attrs = match impl_item {
            ImplItem::Fn(f) => &mut f.attrs,
            ImplItem::Const(c) => &mut c.attrs,
            ImplItem::Type(t) => &mut t.attrs,
            ImplItem::Macro(m) => &mut m.attrs,
            _ => continue,
        };
        let (ons, rest): (Vec<_>, Vec<_>) = attrs.drain(..).partition(attr::is_on);
        *attrs = rest;
        if ons.is_empty() {
            continue;
        }
        let ImplItem::Fn(f) = impl_item else {
            for on in &ons {
                errors.spanned(
                    on,
                    "#[on] goes on a method (`fn handler(&mut self, model: &Model<Self>, ...)`)",
                );
            }
            continue;
        };
        let mut entries = Vec::new();
        for on in &ons {
            match attr::parse_on(on) {
                Ok(args) => entries.extend(args.entries),
                Err(e) => errors.darling(e),
            }
        }
        handlers.push(Handler {
            sig: f.sig.clone(),
            ons: entries,
        });
    }
    Ok(CharmImpl {
        item,
        charm,
        handlers,
    })
}

/// What a binding's event is about.
#[derive(Clone)]
pub enum Subject {
    /// Nothing (a Juju event that takes no name).
    Any,
    /// The relation, storage, container or action of the metadata with this name.
    Named(String),
    /// The endpoint the owning library is bound to.
    Endpoint,
    /// The custom event `event` of the library in field `lib`.
    Lib {
        /// The library field.
        lib: Box<LibField>,
        /// The event's name, as written (its span for errors).
        event: syn::Ident,
    },
    /// The owner's own custom event.
    Own(EventDecl),
}

impl Subject {
    /// Whether two subjects are the same event.
    pub fn same_event(&self, other: &Subject) -> bool {
        match (self, other) {
            (Subject::Any, Subject::Any) | (Subject::Endpoint, Subject::Endpoint) => true,
            (Subject::Named(a), Subject::Named(b)) => a == b,
            (Subject::Lib { lib: a, event: x }, Subject::Lib { lib: b, event: y }) => {
                a.field == b.field && x == y
            }
            (Subject::Own(a), Subject::Own(b)) => a.name == b.name,
            _ => false,
        }
    }
}

/// One handler bound to one event, checked: a row of the dispatch table.
pub struct Binding {
    /// The event.
    pub spec: &'static EventSpec,
    /// What it is about.
    pub subject: Subject,
    /// The handler method.
    pub method: syn::Ident,
    /// The handler's payload argument, if it takes one.
    pub payload: Option<PayloadArg>,
    /// Whether the handler returns `()` (otherwise a `Result`).
    pub returns_unit: bool,
    /// The span of the return type (or the signature), for type errors in the call.
    pub ret_span: Span,
}

/// The payload argument, as checked.
pub enum PayloadArg {
    /// `&T` for an `ops::event` payload.
    Event(Span),
    /// `&mut Action<P>`, with `P`.
    Action(Box<Type>),
    /// `&mut StatusCollector`.
    Collector,
    /// `&AnyEvent`: a handler of several events.
    Any,
    /// `&Custom<T>`: the spans of the first and last tokens of the argument's type.
    Custom(Span, Span),
}
