# Runs a database provider built on dpcharmlibs-interfaces (the data-platform library
# that replaced data_interfaces v0 and answers v0 requirers in the v0 format) in
# ops.testing, on the requirer's application databag given as JSON on stdin. On
# resource_requested it answers with the given endpoints and credentials. Prints the
# provider's application databag, the secrets it made (label, content, grants) and the
# requests it saw.
import json
import sys

import ops
from dpcharmlibs.interfaces import (
    RequirerCommonModel,
    ResourceProviderEventHandler,
    ResourceProviderModel,
)
from ops import testing

given = json.load(sys.stdin)


class Provider(ops.CharmBase):
    def __init__(self, framework):
        super().__init__(framework)
        self.database = ResourceProviderEventHandler(self, "database", RequirerCommonModel)
        framework.observe(self.database.on.resource_requested, self._on_requested)
        self.requests = []

    def _on_requested(self, event):
        self.requests.append({
            "database": event.request.resource,
            "extra_user_roles": event.request.extra_user_roles,
        })
        answer = given["answer"]
        self.database.set_response(
            event.relation.id,
            ResourceProviderModel(
                salt=event.request.salt,
                request_id=event.request.request_id,
                resource=event.request.resource,
                username=answer["username"],
                password=answer["password"],
                endpoints=answer["endpoints"],
            ),
        )


META = {"name": "postgresql-k8s", "provides": {"database": {"interface": "postgresql_client"}}}
relation = testing.Relation(
    "database",
    interface="postgresql_client",
    remote_app_name="probe",
    id=given["relation_id"],
    remote_app_data=given["remote_app_data"],
)
ctx = testing.Context(Provider, meta=META, unit_id=0)
state = testing.State(relations={relation}, leader=True)
with ctx(ctx.on.relation_changed(relation), state) as manager:
    out = manager.run()
    requests = manager.charm.requests
print(json.dumps({
    "local_app_data": dict(out.get_relation(relation.id).local_app_data),
    "secrets": [
        {
            "id": s.id,
            "label": s.label,
            "content": s.latest_content or s.tracked_content,
            "owner": s.owner,
            "granted": sorted(s.remote_grants.get(relation.id, [])),
        }
        for s in out.secrets
    ],
    "requests": requests,
}))
