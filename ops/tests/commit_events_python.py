"""The Python ops twin of ops/tests/commit_events.rs's Ledger charm.

Runs the same four events through ops.testing (Scenario 8.9) with framework and deferred
events captured, and prints, per run, the names of the events it records
(`ctx.emitted_events`) and the unit status message, as JSON.
"""

import json

import ops
from ops import testing

META = {"name": "ledger", "requires": {"db": {"interface": "pg", "limit": 1}}}
CONFIG = {"options": {"mode": {"type": "string", "default": ""}}}


class Ledger(ops.CharmBase):
    _stored = ops.StoredState()

    def __init__(self, framework):
        super().__init__(framework)
        self._stored.set_default(pre_commits=0)
        for event in (self.on.start, self.on.update_status, self.on.config_changed):
            framework.observe(event, self._on_event)
        framework.observe(self.on.db_relation_changed, self._on_db_changed)
        framework.observe(self.on.collect_app_status, self._on_collect)
        framework.observe(self.on.collect_unit_status, self._on_collect)
        framework.observe(framework.on.pre_commit, self._on_pre_commit)
        framework.observe(framework.on.commit, self._on_commit)

    def _on_event(self, event):
        if self.config["mode"] == "defer":
            event.defer()

    def _on_db_changed(self, event):
        pass

    def _on_collect(self, event):
        event.add_status(ops.ActiveStatus("collected"))

    def _on_pre_commit(self, event):
        self._stored.pre_commits += 1
        relation = self.model.get_relation("db")
        if relation is not None:
            relation.data[self.unit]["saved-at"] = str(self._stored.pre_commits)

    def _on_commit(self, event):
        self.unit.status = ops.ActiveStatus(f"committed {self._stored.pre_commits}")


def context():
    return testing.Context(
        Ledger,
        meta=META,
        config=CONFIG,
        capture_framework_events=True,
        capture_deferred_events=True,
    )


def db(**kw):
    return testing.Relation("db", id=3, remote_app_name="pg", **kw)


runs = []


def record(ctx, state):
    runs.append(([e.handle.kind for e in ctx.emitted_events], state.unit_status.message))


ctx = context()
out = ctx.run(ctx.on.update_status(), testing.State(relations={db()}, leader=True))
record(ctx, out)

ctx = context()
relation = db(remote_units_data={0: {"k": "v"}})
out = ctx.run(ctx.on.relation_changed(relation, remote_unit=0), testing.State(relations={relation}))
record(ctx, out)

ctx = context()
out = ctx.run(ctx.on.start(), testing.State(config={"mode": "defer"}))
record(ctx, out)

ctx = context()
out = ctx.run(ctx.on.update_status(), testing.State(deferred=out.deferred, stored_states=out.stored_states))
record(ctx, out)

print(json.dumps(runs))
