//! The `#[charm]` impl as the macros see it: its handlers and their `#[on]` entries.

use crate::attr::{self, OnEntry};
use crate::errors::Errors;
use syn::spanned::Spanned;
use syn::{ImplItem, ItemImpl, Signature};

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
