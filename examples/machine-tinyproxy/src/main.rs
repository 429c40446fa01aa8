//! The charm's executable: Juju runs it (through `dispatch`) once per hook.

fn main() {
    ops::main::<machine_tinyproxy::TinyproxyCharm>()
}
