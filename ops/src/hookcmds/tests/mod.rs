//! Every `Backend` method of [`HookTools`]: the argv it builds, how it parses the
//! tool's (real-shaped) output, and how failures map to errors.
//!
//! This module holds the shared helpers; the tests are in one module per area.

use super::fake::{Call, Fake};
use super::*;
use crate::backend::{GoalStatus, InterfaceAddress, SecretOwner};
use crate::model::Protocol;

mod errors;
mod other_tools;
mod process_runner;
mod relations;
mod secrets;
mod unexpected_output;

fn tools() -> HookTools<Fake> {
    HookTools::with_runner(Fake::default())
}

fn calls(t: &HookTools<Fake>) -> Vec<Call> {
    t.runner().calls.lock().unwrap().clone()
}

fn argv(t: &HookTools<Fake>) -> Vec<String> {
    calls(t)
        .iter()
        .map(|c| {
            format!("{} {}", c.tool, c.args.join(" "))
                .trim()
                .to_string()
        })
        .collect()
}
