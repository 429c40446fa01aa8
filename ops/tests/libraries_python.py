"""The Python ops twin of ops/tests/libraries.rs's deferral-order test.

A library (an ops.Object) observes database-relation-changed and emits its custom event
database_created; the charm defers both database_created and the relation-changed. The
framework's real notice queue (Harness, one process, SQLite storage) is printed as the
deferring handlers' names, oldest first. (Scenario's State.deferred lists deferred events
by snapshot handle, alphabetically, so it does not show the queue's order.)
"""

import ops
from ops import testing


class DatabaseCreated(ops.EventBase):
    pass


class DatabaseEvents(ops.ObjectEvents):
    database_created = ops.EventSource(DatabaseCreated)


class DatabaseRequires(ops.Object):
    on = DatabaseEvents()

    def __init__(self, charm, endpoint):
        super().__init__(charm, endpoint)
        charm.framework.observe(charm.on[endpoint].relation_changed, self._changed)

    def _changed(self, event):
        self.on.database_created.emit()


class LibApp(ops.CharmBase):
    def __init__(self, framework):
        super().__init__(framework)
        self.db = DatabaseRequires(self, "database")
        framework.observe(self.on.database_relation_changed, self.charm_changed)
        framework.observe(self.db.on.database_created, self.db_created)

    def db_created(self, event):
        event.defer()

    def charm_changed(self, event):
        event.defer()


harness = testing.Harness(
    LibApp,
    meta="name: libapp\nrequires:\n  database:\n    interface: postgresql_client\n",
)
harness.begin()
relation_id = harness.add_relation("database", "postgresql")
harness.add_relation_unit(relation_id, "postgresql/0")
harness.update_relation_data(relation_id, "postgresql/0", {"endpoints": "pg:5432"})
for _event, _observer, method in harness.framework._storage.notices():
    print(method)
