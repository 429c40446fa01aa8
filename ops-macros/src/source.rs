//! Finding the metadata file a `#[charm(metadata = "...")]` names.

use crate::attr::CharmArgs;
use std::path::{Path, PathBuf};

/// The absolute path of the metadata file `args` names.
///
/// A relative path is taken relative to the directory of the crate's `Cargo.toml`
/// (`CARGO_MANIFEST_DIR`), or, with `relative_to = "file"`, to the directory of the source
/// file holding the attribute (like `include_str!`).
pub fn resolve(args: &CharmArgs) -> syn::Result<PathBuf> {
    let written = args.metadata.value();
    let path = Path::new(&written);
    if written.is_empty() {
        return Err(syn::Error::new(
            args.metadata.span(),
            "the metadata path is empty; write `metadata = \"charmcraft.yaml\"`",
        ));
    }
    if path.is_absolute() {
        return Ok(path.to_path_buf());
    }
    let relative_to = args.relative_to.as_ref().map(|l| (l.value(), l.span()));
    let base = match relative_to {
        None => manifest_dir(args)?,
        Some((kind, _)) if kind == "manifest" => manifest_dir(args)?,
        Some((kind, _)) if kind == "file" => source_dir(args)?,
        Some((other, span)) => {
            return Err(syn::Error::new(
                span,
                format!("`relative_to` is \"manifest\" (the default) or \"file\", not {other:?}"),
            ))
        }
    };
    Ok(base.join(path))
}

fn manifest_dir(args: &CharmArgs) -> syn::Result<PathBuf> {
    std::env::var_os("CARGO_MANIFEST_DIR")
        .map(PathBuf::from)
        .ok_or_else(|| {
            syn::Error::new(
                args.metadata.span(),
                "CARGO_MANIFEST_DIR is not set (is this built by cargo?); give an absolute path",
            )
        })
}

// `Span::local_file` is stable since Rust 1.88, the workspace's `rust-version`.
fn source_dir(args: &CharmArgs) -> syn::Result<PathBuf> {
    // `Span::unwrap` panics outside a procedural macro (a unit test of this function).
    if !proc_macro::is_available() {
        return Err(syn::Error::new(
            args.metadata.span(),
            "`relative_to = \"file\"` needs the compiler's spans (only inside a macro)",
        ));
    }
    let span = args.metadata.span().unwrap();
    let file = span.local_file().ok_or_else(|| {
        syn::Error::new(
            args.metadata.span(),
            "cannot tell which file this attribute is in; use a path relative to Cargo.toml",
        )
    })?;
    let file = if file.is_absolute() {
        file
    } else {
        std::env::current_dir()
            .map_err(|e| {
                syn::Error::new(
                    args.metadata.span(),
                    format!("cannot read the current directory: {e}"),
                )
            })?
            .join(file)
    };
    Ok(file.parent().map(Path::to_path_buf).unwrap_or_default())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn args(tokens: proc_macro2::TokenStream) -> CharmArgs {
        CharmArgs::parse(tokens).unwrap()
    }

    #[test]
    fn odd_paths_are_errors_not_panics() {
        let err = resolve(&args(quote::quote!(metadata = ""))).unwrap_err();
        assert!(err.to_string().contains("empty"), "{err}");
        let err = resolve(&args(quote::quote!(
            metadata = "m.yaml",
            relative_to = "disk"
        )))
        .unwrap_err();
        assert!(err.to_string().contains("not \"disk\""), "{err}");
        // Outside the compiler there is no source file to be relative to.
        let err = resolve(&args(quote::quote!(
            metadata = "m.yaml",
            relative_to = "file"
        )))
        .unwrap_err();
        assert!(err.to_string().contains("only inside a macro"), "{err}");
        let abs = resolve(&args(quote::quote!(metadata = "/x/\u{0}/m.yaml"))).unwrap();
        assert_eq!(abs, PathBuf::from("/x/\u{0}/m.yaml"));
    }
}
