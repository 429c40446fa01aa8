//! Checks the `#[on]` handlers against the metadata and the events' signatures, collecting
//! every error.

use crate::errors::Errors;
use crate::events::{self, EventSpec, Payload, Target};
use crate::expand::actions::params_ident;
use crate::metadata::Metadata;
use crate::model::Handler;
use crate::suggest;
use proc_macro2::Span;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, PathArguments, ReturnType, Signature, Type};

/// One handler bound to one event: a row of the dispatch table.
pub struct Binding {
    /// The event.
    pub spec: &'static EventSpec,
    /// The relation, storage, container or action name, as in the metadata.
    pub name: Option<String>,
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
}

/// The names the metadata declares for `target`.
fn names(meta: &Metadata, target: Target) -> Vec<&str> {
    match target {
        Target::None => Vec::new(),
        Target::Relation => meta.relations.iter().map(|r| r.name.as_str()).collect(),
        Target::Storage => meta.storages.iter().map(|s| s.name.as_str()).collect(),
        Target::Container => meta.containers.iter().map(|c| c.name.as_str()).collect(),
        Target::Action => meta.actions.iter().map(|a| a.name.as_str()).collect(),
    }
}

const TARGETS: [Target; 4] = [
    Target::Relation,
    Target::Container,
    Target::Storage,
    Target::Action,
];

/// The last path segment of `ty` (through references), with its generic arguments.
fn last_segment(ty: &Type) -> Option<&syn::PathSegment> {
    match ty {
        Type::Path(tp) => tp.path.segments.last(),
        Type::Paren(p) => last_segment(&p.elem),
        Type::Group(g) => last_segment(&g.elem),
        _ => None,
    }
}

/// `(mutable, referent)` if `ty` is a reference.
fn reference(ty: &Type) -> Option<(bool, &Type)> {
    match ty {
        Type::Reference(r) => Some((r.mutability.is_some(), &r.elem)),
        Type::Paren(p) => reference(&p.elem),
        Type::Group(g) => reference(&g.elem),
        _ => None,
    }
}

/// What a handler's signature should look like for `spec`.
fn expected_signature(spec: &EventSpec, action: Option<&str>) -> String {
    match spec.payload {
        Payload::Event => format!(
            "fn handler(&mut self, model: &Model<Self>, event: &{}) -> ops::Result<()>",
            spec.payload_name
        ),
        Payload::Action => format!(
            "fn handler(&mut self, model: &Model<Self>, action: &mut Action<{}>) -> ops::Result<()>",
            action.map_or_else(|| "Params".to_string(), |a| params_ident(a).to_string())
        ),
        Payload::Collector => "fn handler(&self, model: &Model<Self>, status: &mut StatusCollector) -> ops::Result<()>".to_string(),
    }
}

/// Checks the parts of a handler's signature that do not depend on its event.
fn check_signature(sig: &Signature, errors: &mut Errors) -> bool {
    let mut ok = true;
    if let Some(a) = &sig.asyncness {
        errors.at(a.span(), "a handler cannot be `async`");
        ok = false;
    }
    if !sig.generics.params.is_empty() {
        errors.at(sig.generics.span(), "a handler cannot be generic");
        ok = false;
    }
    match sig.inputs.first() {
        Some(FnArg::Receiver(r)) => {
            if !matches!(r.kind, syn::ReceiverKind::Reference(..)) {
                errors.at(
                    r.span(),
                    "a handler borrows the charm: take `&self` or `&mut self`",
                );
                ok = false;
            }
        }
        _ => {
            errors.at(
                sig.ident.span(),
                format!(
                    "`{}` is a handler: its first argument is `&self` or `&mut self`",
                    sig.ident
                ),
            );
            return false;
        }
    }
    match sig.inputs.iter().nth(1) {
        Some(FnArg::Typed(pt)) => {
            let fits = reference(&pt.ty).is_some_and(|(m, inner)| {
                !m && last_segment(inner).is_some_and(|s| s.ident == "Model")
            });
            if !fits {
                errors.spanned(
                    &pt.ty,
                    "expected `&Model<Self>`: a handler's second argument is the model",
                );
                ok = false;
            }
        }
        _ => {
            errors.at(
                sig.paren_token.span.join(),
                format!(
                    "`{}` is a handler: it takes `model: &Model<Self>` after `self`",
                    sig.ident
                ),
            );
            ok = false;
        }
    }
    ok
}

/// Checks every handler and returns the dispatch table, in source order.
pub fn validate(
    handlers: &[Handler],
    meta: &Metadata,
    file: &str,
    errors: &mut Errors,
) -> Vec<Binding> {
    let mut bindings = Vec::new();
    for handler in handlers {
        let sig = &handler.sig;
        let mut sig_ok = check_signature(sig, errors);
        let (returns_unit, ret_span) = match &sig.output {
            ReturnType::Default => (true, sig.ident.span()),
            ReturnType::Type(_, ty) => {
                let unit = matches!(&**ty, Type::Tuple(t) if t.elems.is_empty());
                let result =
                    last_segment(ty).is_some_and(|s| s.ident.to_string().ends_with("Result"));
                if !unit && !result {
                    sig_ok = false;
                    errors.spanned(
                        ty,
                        "a handler returns `()`, `ops::Result<()>` or `Result<(), E>` where `E: Into<ops::Error>`",
                    );
                }
                (unit, ty.span())
            }
        };
        let mut seen: Vec<(&str, Option<String>)> = Vec::new();
        for entry in &handler.ons {
            let key = entry.key.to_string();
            let Some(spec) = events::lookup(&key) else {
                let message = match suggest::nearest(&key, events::EVENTS.iter().map(|e| e.key)) {
                    Some(near) => format!("unknown event `{key}`; did you mean `{near}`?"),
                    None => format!(
                        "unknown event `{key}`; #[on] takes a Juju event: `install`, `config_changed`, `relation_changed = \"<relation>\"`, `pebble_ready = \"<container>\"`, `action = \"<action>\"`, ..."
                    ),
                };
                errors.at(entry.key.span(), message);
                continue;
            };
            let name_ok = check_name(spec, entry, meta, file, errors);
            let name = entry.name.as_ref().map(|l| l.value());
            if seen.iter().any(|(k, n)| *k == spec.key && *n == name) {
                errors.at(
                    entry.key.span(),
                    format!("`{}` already observes this event", sig.ident),
                );
                continue;
            }
            seen.push((spec.key, name.clone()));
            if !sig_ok {
                continue;
            }
            let payload = match check_payload(spec, name.as_deref(), sig, errors) {
                Ok(p) => p,
                Err(()) => continue,
            };
            if name_ok {
                bindings.push(Binding {
                    spec,
                    name,
                    method: sig.ident.clone(),
                    payload,
                    returns_unit,
                    ret_span,
                });
            }
        }
    }
    bindings
}

/// Checks the `= "name"` part of an entry against the metadata.
fn check_name(
    spec: &EventSpec,
    entry: &crate::attr::OnEntry,
    meta: &Metadata,
    file: &str,
    errors: &mut Errors,
) -> bool {
    let key = &spec.key;
    match (spec.target, &entry.name) {
        (Target::None, None) => true,
        (Target::None, Some(lit)) => {
            errors.at(
                lit.span(),
                format!("`{key}` is not about a relation, storage, container or action, so it takes no name: write `#[on({key})]`"),
            );
            false
        }
        (target, None) => {
            let declared = names(meta, target);
            errors.at(
                entry.key.span(),
                format!(
                    "`{key}` needs the {} it is about: `#[on({key} = \"...\")]`; {} in {file}: {}",
                    target.noun(),
                    target.plural(),
                    suggest::list(declared)
                ),
            );
            false
        }
        (target, Some(lit)) => {
            let name = lit.value();
            let declared = names(meta, target);
            if declared.contains(&name.as_str()) {
                return true;
            }
            let other = TARGETS
                .iter()
                .copied()
                .find(|t| *t != target && names(meta, *t).contains(&name.as_str()));
            let message = match other {
                Some(other) => format!(
                    "`{name}` is a{} {}, not a{} {}; {} in {file}: {}",
                    article(other.noun()),
                    other.noun(),
                    article(target.noun()),
                    target.noun(),
                    target.plural(),
                    suggest::list(declared.iter().copied())
                ),
                None => format!(
                    "no {} `{name}` in {file}{} ({}: {})",
                    target.noun(),
                    suggest::did_you_mean(&name, declared.iter().copied()),
                    target.plural(),
                    suggest::list(declared.iter().copied())
                ),
            };
            errors.at(lit.span(), message);
            false
        }
    }
}

fn article(noun: &str) -> &'static str {
    if noun.starts_with(['a', 'e', 'i', 'o', 'u']) {
        "n"
    } else {
        ""
    }
}

/// Checks the third argument against the event's payload.
fn check_payload(
    spec: &'static EventSpec,
    action: Option<&str>,
    sig: &Signature,
    errors: &mut Errors,
) -> Result<Option<PayloadArg>, ()> {
    let expected = expected_signature(spec, action);
    let args: Vec<&FnArg> = sig.inputs.iter().collect();
    if args.len() > 3 {
        let extra: Vec<&FnArg> = args[3..].to_vec();
        errors.spanned(
            &quote::quote!(#(#extra),*),
            format!(
                "too many arguments for a{} `{}` handler; expected `{expected}`",
                article(spec.key),
                spec.key
            ),
        );
        return Err(());
    }
    let Some(FnArg::Typed(arg)) = args.get(2) else {
        if spec.payload == Payload::Collector {
            errors.at(
                sig.paren_token.span.join(),
                format!(
                    "a `{}` handler takes the status collector: `{expected}`",
                    spec.key
                ),
            );
            return Err(());
        }
        return Ok(None);
    };
    let ty = &*arg.ty;
    let name = spec.payload_name;
    let found = reference(ty).and_then(|(m, inner)| last_segment(inner).map(|s| (m, s)));
    match spec.payload {
        Payload::Event => match found {
            Some((_, seg)) if seg.ident == name => Ok(Some(PayloadArg::Event(ty.span()))),
            _ => {
                errors.spanned(
                    ty,
                    format!(
                        "expected `&{name}`: the payload of `{}` is `ops::event::{name}`",
                        spec.key
                    ),
                );
                Err(())
            }
        },
        Payload::Collector => match found {
            Some((true, seg)) if seg.ident == name => Ok(Some(PayloadArg::Collector)),
            _ => {
                errors.spanned(
                    ty,
                    format!(
                        "expected `&mut StatusCollector`: a `{}` handler adds statuses to it",
                        spec.key
                    ),
                );
                Err(())
            }
        },
        Payload::Action => {
            let want = action.map(params_ident);
            let want_text = want
                .as_ref()
                .map_or_else(|| "Params".to_string(), |w| w.to_string());
            let Some((true, seg)) = found.filter(|(_, s)| s.ident == "Action") else {
                errors.spanned(
                    ty,
                    format!("expected `&mut Action<{want_text}>`: an action handler takes the running action"),
                );
                return Err(());
            };
            let param_ty = match &seg.arguments {
                PathArguments::AngleBracketed(args) => args.args.iter().find_map(|a| match a {
                    GenericArgument::Type(t) => Some(t.clone()),
                    _ => None,
                }),
                _ => None,
            };
            let Some(param_ty) = param_ty else {
                errors.spanned(
                    seg,
                    format!("expected `Action<{want_text}>`: name the params type"),
                );
                return Err(());
            };
            // A generated params type of another action is a mistake we can name.
            if let (Some(want), Some(got)) = (&want, last_segment(&param_ty)) {
                let got_name = got.ident.to_string();
                if got_name.ends_with("Params") && got.ident != *want {
                    errors.spanned(
                        &param_ty,
                        format!(
                            "expected `{want}`: the params of action `{}` are `{want}`",
                            action.unwrap_or_default()
                        ),
                    );
                    return Err(());
                }
            }
            Ok(Some(PayloadArg::Action(Box::new(param_ty))))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::metadata::parse_str;
    use std::path::Path;

    fn meta() -> Metadata {
        let yaml = "name: t\nrequires:\n  database: {interface: pg, limit: 1}\ncontainers:\n  web: {}\nactions:\n  go: {}\n";
        parse_str(yaml, Path::new("charmcraft.yaml")).unwrap()
    }

    fn run(item: syn::ItemImpl) -> (Vec<Binding>, Vec<String>) {
        let mut errors = Errors::default();
        let charm = crate::model::build(item, &mut errors).unwrap();
        let bindings = validate(&charm.handlers, &meta(), "charmcraft.yaml", &mut errors);
        let messages = errors
            .combined()
            .map(|e| e.into_iter().map(|e| e.to_string()).collect())
            .unwrap_or_default();
        (bindings, messages)
    }

    #[test]
    fn binds_in_source_order() {
        let (bindings, errors) = run(syn::parse_quote! {
            impl C {
                #[on(install)]
                #[on(relation_changed = "database")]
                fn a(&mut self, model: &Model<Self>) {}
                #[on(install)]
                fn b(&self, model: &Model<Self>, e: &Install) -> ops::Result<()> { Ok(()) }
                #[on(action = "go")]
                fn c(&self, model: &Model<Self>, a: &mut Action<GoParams>) {}
                fn not_a_handler(&self) {}
            }
        });
        assert!(errors.is_empty(), "{errors:?}");
        let rows: Vec<_> = bindings
            .iter()
            .map(|b| {
                (
                    b.spec.key,
                    b.name.as_deref(),
                    b.method.to_string(),
                    b.returns_unit,
                )
            })
            .collect();
        assert_eq!(
            rows,
            [
                ("install", None, "a".to_string(), true),
                ("relation_changed", Some("database"), "a".to_string(), true),
                ("install", None, "b".to_string(), false),
                ("action", Some("go"), "c".to_string(), true),
            ]
        );
    }

    #[test]
    fn collects_every_error() {
        let (bindings, errors) = run(syn::parse_quote! {
            impl C {
                #[on(relation_changed = "databse", pebble_ready = "database", instal)]
                fn a(&mut self, model: &Model<Self>) {}
                #[on(pebble_ready = "web")]
                fn b(&mut self, model: &Model<Self>, e: &RelationChanged) {}
                #[on(action)]
                fn c(model: &Model<Self>) {}
            }
        });
        assert!(bindings.is_empty());
        assert_eq!(
            errors,
            [
                "no relation `databse` in charmcraft.yaml; did you mean `database`? (relations: database)",
                "`database` is a relation, not a container; containers in charmcraft.yaml: web",
                "unknown event `instal`; did you mean `install`?",
                "expected `&PebbleReady`: the payload of `pebble_ready` is `ops::event::PebbleReady`",
                "`c` is a handler: its first argument is `&self` or `&mut self`",
                "`action` needs the action it is about: `#[on(action = \"...\")]`; actions in charmcraft.yaml: go",
            ]
        );
    }
}
