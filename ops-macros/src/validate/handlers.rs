//! Checks the `#[on]` handlers against the metadata and the events' signatures, collecting
//! every error; the checked handlers are the dispatch table.

use crate::attr::{EventDecl, LibField};
use crate::errors::Errors;
use crate::events::{self, EventSpec, Payload, Target};
use crate::ident::params_ident;
use crate::metadata::Metadata;
use crate::model::{Binding, Handler, PayloadArg, Subject};
use crate::suggest;
use syn::spanned::Spanned;
use syn::{FnArg, GenericArgument, PathArguments, ReturnType, Signature, Type};

/// Whose handlers these are: a charm (checked against its metadata) or a library (bound
/// to an endpoint only known at run time), with its library fields and its own events.
pub struct Owner<'a> {
    /// The type's name.
    pub name: &'a syn::Ident,
    /// The metadata, for a charm; `None` for a library.
    pub meta: Option<&'a Metadata>,
    /// Its `#[lib]` fields.
    pub libs: &'a [LibField],
    /// Its own custom events.
    pub events: &'a [EventDecl],
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
        Payload::Custom => "fn handler(&mut self, model: &Model<Self>, event: &Custom<Payload>) -> ops::Result<()>".to_string(),
    }
}

/// Checks the parts of a handler's signature that do not depend on its event; `model` is
/// the model type's name (`Model`, or `LibModel` in a library).
fn check_signature(sig: &Signature, model: &str, errors: &mut Errors) -> bool {
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
                !m && last_segment(inner).is_some_and(|s| s.ident == model)
            });
            if !fits {
                errors.spanned(
                    &pt.ty,
                    format!("expected `&{model}<Self>`: a handler's second argument is the model"),
                );
                ok = false;
            }
        }
        _ => {
            errors.at(
                sig.paren_token.span.join(),
                format!(
                    "`{}` is a handler: it takes `model: &{model}<Self>` after `self`",
                    sig.ident
                ),
            );
            ok = false;
        }
    }
    ok
}

/// Checks every handler of `owner` and returns the dispatch table, in source order.
pub fn validate(
    handlers: &[Handler],
    owner: &Owner,
    file: &str,
    errors: &mut Errors,
) -> Vec<Binding> {
    let model = if owner.meta.is_some() {
        "Model"
    } else {
        "LibModel"
    };
    let mut bindings = Vec::new();
    for handler in handlers {
        let sig = &handler.sig;
        let mut sig_ok = check_signature(sig, model, errors);
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
        if sig_ok && !shared_payload_fits(handler, errors) {
            sig_ok = false;
        }
        let mut seen: Vec<(&str, Subject)> = Vec::new();
        for entry in &handler.ons {
            let Some((spec, subject)) = resolve(entry, owner, file, errors) else {
                continue;
            };
            if seen
                .iter()
                .any(|(k, s)| *k == spec.key && s.same_event(&subject))
            {
                errors.at(
                    entry.key.span(),
                    format!("`{}` already observes this event", sig.ident),
                );
                continue;
            }
            seen.push((spec.key, subject.clone()));
            if !sig_ok {
                continue;
            }
            let name = match &subject {
                Subject::Named(name) => Some(name.as_str()),
                _ => None,
            };
            let Ok(payload) = check_payload(spec, &subject, name, sig, errors) else {
                continue;
            };
            bindings.push(Binding {
                spec,
                subject,
                method: sig.ident.clone(),
                payload,
                returns_unit,
                ret_span,
            });
        }
    }
    bindings
}

/// A handler of several events whose payloads differ takes `&AnyEvent` or none: any
/// other payload type cannot fit them all, which is said once, with what to do (rather
/// than one "expected" error per event, each naming another type). `false` after
/// reporting it.
fn shared_payload_fits(handler: &Handler, errors: &mut Errors) -> bool {
    let Some(FnArg::Typed(arg)) = handler.sig.inputs.iter().nth(2) else {
        return true;
    };
    let payloads: Vec<(String, &'static str)> = handler
        .ons
        .iter()
        .filter_map(|entry| {
            let key = entry.key.to_string();
            match &entry.source {
                Some(source) => Some((format!("{source}.{key}"), "Custom")),
                None => events::lookup(&key).map(|spec| {
                    let written = match &entry.name {
                        Some(name) => format!("{key} = {:?}", name.value()),
                        None => key,
                    };
                    (written, spec.payload_name)
                }),
            }
        })
        .collect();
    let mut names: Vec<&str> = payloads.iter().map(|(_, p)| *p).collect();
    names.sort_unstable();
    names.dedup();
    if names.len() < 2 {
        return true;
    }
    let is_any = reference(&arg.ty)
        .and_then(|(_, inner)| last_segment(inner))
        .is_some_and(|seg| seg.ident == "AnyEvent");
    if is_any
        && !names
            .iter()
            .any(|n| matches!(*n, "Action" | "StatusCollector"))
    {
        return true;
    }
    let events: Vec<String> = payloads.iter().map(|(e, _)| format!("`{e}`")).collect();
    errors.spanned(
        &arg.ty,
        format!(
            "`{}` observes {}, whose payloads differ ({}): no one payload type fits them all; take `event: &AnyEvent` (it tells which event fired, `event.kind()`, and can `defer()`), drop the payload parameter, or write one handler per event",
            handler.sig.ident,
            events.join(" and "),
            names.join(", ")
        ),
    );
    false
}

/// The event an `#[on]` entry names, checked; `None` after reporting why not.
fn resolve(
    entry: &crate::attr::OnEntry,
    owner: &Owner,
    file: &str,
    errors: &mut Errors,
) -> Option<(&'static EventSpec, Subject)> {
    let key = entry.key.to_string();
    if let Some(source) = &entry.source {
        let spec = events::EVENTS
            .iter()
            .find(|e| e.payload == Payload::Custom)?;
        if source == "self" {
            let declared = owner.events.iter().map(|e| e.name.to_string());
            let declared: Vec<String> = declared.collect();
            return match owner.events.iter().find(|e| e.name == key) {
                Some(decl) => Some((spec, Subject::Own(decl.clone()))),
                None => {
                    errors.at(
                        entry.key.span(),
                        format!(
                            "`{}` declares no event `{key}`{} (its events: {}); declare one with `events({key} = PayloadType)` in its attribute",
                            owner.name,
                            suggest::did_you_mean(&key, declared.iter().map(String::as_str)),
                            suggest::list(declared.iter().map(String::as_str))
                        ),
                    );
                    None
                }
            };
        }
        let fields: Vec<String> = owner.libs.iter().map(|l| l.field.to_string()).collect();
        let Some(lib) = owner.libs.iter().find(|l| l.field == *source) else {
            let source = source.to_string();
            errors.at(
                entry.source.as_ref()?.span(),
                format!(
                    "no library `{source}` in `{}`{} (libraries: {}); a library is a field marked `#[lib(endpoint = \"...\")]`, and `self.<event>` names the {}'s own events",
                    owner.name,
                    suggest::did_you_mean(&source, fields.iter().map(String::as_str)),
                    suggest::list(fields.iter().map(String::as_str)),
                    if owner.meta.is_some() { "charm" } else { "library" },
                ),
            );
            return None;
        };
        return Some((
            spec,
            Subject::Lib {
                lib: Box::new(lib.clone()),
                event: entry.key.clone(),
            },
        ));
    }
    let Some(spec) = events::lookup(&key) else {
        let message = match suggest::nearest(
            &key,
            events::EVENTS
                .iter()
                .filter(|e| e.payload != Payload::Custom)
                .map(|e| e.key),
        ) {
            Some(near) => format!("unknown event `{key}`; did you mean `{near}`?"),
            None => format!(
                "unknown event `{key}`; #[on] takes a Juju event: `install`, `config_changed`, `relation_changed = \"<relation>\"`, `pebble_ready = \"<container>\"`, `action = \"<action>\"`, ..."
            ),
        };
        errors.at(entry.key.span(), message);
        return None;
    };
    let Some(meta) = owner.meta else {
        return library_subject(spec, entry, errors).map(|s| (spec, s));
    };
    if !check_name(spec, entry, meta, file, errors) {
        return None;
    }
    let subject = match &entry.name {
        Some(lit) => Subject::Named(lit.value()),
        None => Subject::Any,
    };
    Some((spec, subject))
}

/// What a library's Juju event is about: its endpoint (relation events, written without
/// a name) or nothing.
fn library_subject(
    spec: &EventSpec,
    entry: &crate::attr::OnEntry,
    errors: &mut Errors,
) -> Option<Subject> {
    let key = spec.key;
    match (spec.target, &entry.name) {
        (Target::None, None) => Some(Subject::Any),
        (Target::Relation, None) => Some(Subject::Endpoint),
        (Target::Relation, Some(lit)) => {
            errors.at(
                lit.span(),
                format!("a library's relation events are about the endpoint it is bound to: write `#[on({key})]`"),
            );
            None
        }
        (Target::None, Some(lit)) => {
            errors.at(
                lit.span(),
                format!("`{key}` is not about a relation, storage, container or action, so it takes no name: write `#[on({key})]`"),
            );
            None
        }
        (target, _) => {
            errors.at(
                entry.key.span(),
                format!(
                    "a library observes the relation events of its endpoint and events that take no name; `{key}` is about a{} {} of the charm, which the charm observes",
                    article(target.noun()),
                    target.noun()
                ),
            );
            None
        }
    }
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
    subject: &Subject,
    action: Option<&str>,
    sig: &Signature,
    errors: &mut Errors,
) -> Result<Option<PayloadArg>, ()> {
    let expected = expected_signature(spec, action);
    let key = match subject {
        Subject::Lib { lib, event } => format!("{}.{event}", lib.field),
        Subject::Own(decl) => format!("self.{}", decl.name),
        _ => spec.key.to_string(),
    };
    let key = key.as_str();
    let args: Vec<&FnArg> = sig.inputs.iter().collect();
    if args.len() > 3 {
        let extra: Vec<&FnArg> = args[3..].to_vec();
        errors.spanned(
            &quote::quote!(#(#extra),*),
            format!(
                "too many arguments for a{} `{key}` handler; expected `{expected}`",
                article(key),
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
        Payload::Event | Payload::Custom
            if found.is_some_and(|(m, seg)| !m && seg.ident == "AnyEvent") =>
        {
            Ok(Some(PayloadArg::Any))
        }
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
        Payload::Custom => match found {
            Some((false, seg)) if seg.ident == "Custom" => {
                let tokens: Vec<_> = quote::ToTokens::to_token_stream(ty).into_iter().collect();
                let first = tokens.first().map_or(ty.span(), |t| t.span());
                let last = tokens.last().map_or(first, |t| t.span());
                Ok(Some(PayloadArg::Custom(first, last)))
            }
            _ => {
                let inner = match subject {
                    Subject::Own(decl) => quote::ToTokens::to_token_stream(&decl.ty)
                        .to_string()
                        .replace(' ', ""),
                    _ => "T".to_string(),
                };
                errors.spanned(
                    ty,
                    format!(
                        "expected `&Custom<{inner}>`: the payload of the custom event `{key}` is `ops::Custom<{inner}>`, {}",
                        match subject {
                            Subject::Own(_) => "the type declared in `events(...)`".to_string(),
                            _ => format!("`{inner}` the type its library declares for it"),
                        }
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
        let meta = meta();
        let owner = Owner {
            name: &charm.charm,
            meta: Some(&meta),
            libs: &[],
            events: &[],
        };
        let bindings = validate(&charm.handlers, &owner, "charmcraft.yaml", &mut errors);
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
                    match &b.subject {
                        Subject::Named(name) => Some(name.as_str()),
                        _ => None,
                    },
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
