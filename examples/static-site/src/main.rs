//! The charm's executable, packed as its `dispatch`: Juju runs it for every hook and action.

fn main() {
    ops::main::<static_site::StaticSite>()
}
