//! The charm's executable: Juju runs it (through `dispatch`) for every hook and action.

fn main() {
    ops::main::<k8s_5_observe::FastApiDemo>()
}
