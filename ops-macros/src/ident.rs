//! How metadata names become Rust identifiers.
//!
//! The rule (documented for charm authors in the `ops` crate): hyphens (and any other
//! character not allowed in an identifier) become underscores; a name starting with a digit
//! gets a leading underscore; a Rust keyword gets a trailing underscore (`type` → `type_`).
//! Type names are the PascalCase of the same words (`get-db-info` → `GetDbInfo`).
//! Enum variants (from a string param's `enum` values) follow [`variant`].

/// Rust's strict and reserved keywords (2021 edition), which cannot name a field or method.
const KEYWORDS: &[&str] = &[
    "as", "break", "const", "continue", "crate", "else", "enum", "extern", "false", "fn", "for",
    "if", "impl", "in", "let", "loop", "match", "mod", "move", "mut", "pub", "ref", "return",
    "self", "Self", "static", "struct", "super", "trait", "true", "type", "unsafe", "use", "where",
    "while", "async", "await", "dyn", "abstract", "become", "box", "do", "final", "macro",
    "override", "priv", "typeof", "unsized", "virtual", "yield", "try", "gen",
];

/// The snake_case identifier for a metadata name (`demo-server` → `demo_server`).
pub fn snake(name: &str) -> String {
    let mut out: String = name
        .chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() || c == '_' {
                c.to_ascii_lowercase()
            } else {
                '_'
            }
        })
        .collect();
    if out.is_empty() {
        out.push('_');
    }
    if out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    if KEYWORDS.contains(&out.as_str()) || out == "_" {
        out.push('_');
    }
    out
}

/// The PascalCase type-name part for a metadata name (`get-db-info` → `GetDbInfo`).
pub fn pascal(name: &str) -> String {
    let mut out = String::new();
    for word in name.split(|c: char| !c.is_ascii_alphanumeric()) {
        let mut chars = word.chars();
        if let Some(first) = chars.next() {
            out.push(first.to_ascii_uppercase());
            out.extend(chars);
        }
    }
    if out.is_empty() || out.starts_with(|c: char| c.is_ascii_digit()) {
        out.insert(0, '_');
    }
    out
}

/// The enum variant for a string `enum` value: the PascalCase words of [`pascal`]
/// (`lookup_secret` → `LookupSecret`, `app-admin` → `AppAdmin`, `TLS` stays `TLS`); a
/// leading digit gets a `_` prefix (`3des` → `_3des`); `self` gives `Self_` (`Self` is a
/// keyword); the empty string gives `Empty`; a value with no ASCII letter or digit is named
/// by its characters' code points in hex (`+` → `U2B`, `名前` → `U540D_524D`).
pub fn variant(value: &str) -> String {
    if value.is_empty() {
        return "Empty".into();
    }
    if !value.chars().any(|c| c.is_ascii_alphanumeric()) {
        let points: Vec<String> = value.chars().map(|c| format!("{:X}", c as u32)).collect();
        return format!("U{}", points.join("_"));
    }
    let out = pascal(value);
    if KEYWORDS.contains(&out.as_str()) {
        return out + "_";
    }
    out
}

/// The params struct name for `action` (`get-db-info` → `GetDbInfoParams`).
pub fn params_ident(action: &str) -> proc_macro2::Ident {
    quote::format_ident!("{}Params", pascal(action))
}

/// The config struct's name for `charm` (`Demo` → `DemoConfig`).
pub fn config_ident(charm: &proc_macro2::Ident) -> proc_macro2::Ident {
    quote::format_ident!("{}Config", charm)
}

/// The accessor struct's name for `charm` and `kind` (`Relations` → `DemoRelations`).
pub fn accessor_ident(charm: &proc_macro2::Ident, kind: &str) -> proc_macro2::Ident {
    quote::format_ident!("{}{}", charm, kind)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn snake_rule() {
        assert_eq!(snake("demo-server"), "demo_server");
        assert_eq!(snake("type"), "type_");
        assert_eq!(snake("self"), "self_");
        assert_eq!(snake("2fa"), "_2fa");
        assert_eq!(snake("a.b/c"), "a_b_c");
        assert_eq!(snake("Server-Port"), "server_port");
        assert_eq!(snake("_"), "__");
    }

    #[test]
    fn pascal_rule() {
        assert_eq!(pascal("get-db-info"), "GetDbInfo");
        assert_eq!(pascal("set_password"), "SetPassword");
        assert_eq!(pascal("3rd-party"), "_3rdParty");
        assert_eq!(pascal("fooBar"), "FooBar");
    }

    #[test]
    fn variant_rule() {
        // Corpus values: words split at non-identifier characters, each capitalised.
        assert_eq!(variant("full"), "Full");
        assert_eq!(variant("app-admin"), "AppAdmin");
        assert_eq!(variant("lookup_secret"), "LookupSecret");
        assert_eq!(variant("unit-http"), "UnitHttp");
        // The rest of each word is kept as written.
        assert_eq!(variant("TLS"), "TLS");
        assert_eq!(variant("fooBar"), "FooBar");
        assert_eq!(variant("x.509 v3"), "X509V3");
        // Leading digits, keywords, empty and symbol-only values.
        assert_eq!(variant("3des"), "_3des");
        assert_eq!(variant("1.5"), "_15");
        assert_eq!(variant("self"), "Self_");
        assert_eq!(variant("type"), "Type");
        assert_eq!(variant(""), "Empty");
        assert_eq!(variant("+"), "U2B");
        assert_eq!(variant("名前"), "U540D_524D");
        assert_eq!(variant("-_"), "U2D_5F");
        // Non-ASCII letters beside ASCII ones are dropped like other separators.
        assert_eq!(variant("café-noir"), "CafNoir");
        // Each is an identifier Rust accepts as a variant.
        for value in ["full", "3des", "self", "", "+", "名前", "a b", "_x"] {
            let name = variant(value);
            let parsed = syn::parse_str::<syn::Variant>(&name);
            assert!(parsed.is_ok(), "{value:?} gave {name:?}");
        }
    }
}
