//! The charm's executable, packed as its `dispatch`: Juju runs it for every hook and action.

fn main() {
    // The charm libraries' INFO lines (another crate's records go from WARNING by default).
    ops::set_crate_level("fastapi_charm_libs", ops::LogLevel::Debug);
    ops::main::<k8s_3_postgresql::FastApiDemo>()
}
