"""The fault suite's Abort case under Python ops 3.9 (ops.testing): config-changed adds a
secret once (remembering its id in StoredState), writes to the relation, then
`load_config(errors="blocked")` rejects the config. Run twice, the second run on the
first's output state. Prints what each run left, as JSON, for ops/tests/faults.rs."""

import json

import ops
from ops import testing


class Config:
    def __init__(self, mode: str = ""):
        if mode == "abort":
            raise ValueError("set mode to something else")
        self.mode = mode


class Charm(ops.CharmBase):
    _stored = ops.StoredState()

    def __init__(self, framework):
        super().__init__(framework)
        self._stored.set_default(secret_id=None)
        framework.observe(self.on.config_changed, self._on_config_changed)

    def _on_config_changed(self, _event):
        if self._stored.secret_id is None:
            self._stored.secret_id = self.unit.add_secret({"token": "t0"}).id
        self.model.get_relation("db").data[self.unit]["waiting"] = "operator"
        self.load_config(Config, errors="blocked")


ctx = testing.Context(
    Charm,
    meta={"name": "faults", "requires": {"db": {"interface": "pg"}}},
    config={"options": {"mode": {"type": "string", "default": ""}}},
)
relation = testing.Relation("db")
state = testing.State(config={"mode": "abort"}, relations={relation})
runs = []
for _ in range(2):
    state = ctx.run(ctx.on.config_changed(), state)
    runs.append(
        {
            "status": [state.unit_status.name, state.unit_status.message],
            "secrets": len(state.secrets),
            "relation_write": state.get_relation(relation.id).local_unit_data.get("waiting"),
            "stored_state_committed": any(s.content for s in state.stored_states),
        }
    )
print(json.dumps(runs))
