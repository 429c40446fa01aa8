//! Compile-fail and compile-pass cases of the macros (trybuild).
//!
//! Test sources live in `tests/ui/{fail,pass}`. trybuild compiles each one in a generated
//! crate whose `CARGO_MANIFEST_DIR` is under `target/`, so these cases name their metadata
//! relative to the source file: `#[charm(metadata = "../../charms/x/charmcraft.yaml",
//! relative_to = "file")]`. Regenerate the `.stderr` files with `TRYBUILD=overwrite`.

#[test]
fn ui() {
    let t = trybuild::TestCases::new();
    t.compile_fail("tests/ui/fail/*.rs");
    t.pass("tests/ui/pass/*.rs");
}
