//! Compile-pass and compile-fail tests of the `ops` macros; the tests are in `tests/`.
