//! Every check, each error collected rather than the first returned: the struct's
//! attributes, the types the metadata generates ([`metadata`]) and the handlers against
//! the metadata and the events ([`handlers`]). What passes is the model `expand`
//! generates from.

mod handlers;
mod metadata;

pub use handlers::{validate as handlers, Owner};
pub use metadata::types;

use crate::errors::Errors;
use crate::metadata::Role;
use syn::spanned::Spanned;
use syn::{Generics, LitStr};

/// A charm or library struct is not generic: the generated code names it bare.
pub fn not_generic(generics: &Generics, what: &str, errors: &mut Errors) {
    if !generics.params.is_empty() {
        errors.at(
            generics.span(),
            format!("a {what} struct cannot be generic"),
        );
    }
}

/// A library's `interface` names one (an empty one is what a library whose attribute
/// could not be read declares, which charms do not check against their endpoints).
pub fn library_interface(interface: &LitStr, errors: &mut Errors) {
    if interface.value().is_empty() {
        errors.at(
            interface.span(),
            "a library's interface is the relation interface of its endpoints (their `interface:` in the metadata); it cannot be empty",
        );
    }
}

/// A library's `role`: the metadata section of its endpoints (`requires` after an error).
pub fn library_role(role: &LitStr, errors: &mut Errors) -> Role {
    match role.value().as_str() {
        "requires" => Role::Requires,
        "provides" => Role::Provides,
        "peers" => Role::Peer,
        other => {
            errors.at(
                role.span(),
                format!("a library's role is `requires`, `provides` or `peers` (the metadata section of its endpoints), not `{other}`"),
            );
            Role::Requires
        }
    }
}
