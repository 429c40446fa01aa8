//! The charm's executable, packed as its `dispatch`: Juju runs it for every hook and action.

fn main() {
    ops::main::<upki_mirror_k8s::UpkiMirror>()
}
