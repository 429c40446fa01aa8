# Runs the Python TLSCertificatesRequiresV4 (charmlibs-interfaces-tls-certificates, unit
# mode) once in ops.testing on the state given as JSON on stdin, and prints what it left:
# the unit databag of the relation, the secrets, the certificate_available events.
import json
import sys

import ops
from charmlibs.interfaces.tls_certificates import (
    CertificateRequestAttributes,
    Mode,
    TLSCertificatesRequiresV4,
)
from ops import testing

given = json.load(sys.stdin)


class Probe(ops.CharmBase):
    def __init__(self, framework):
        super().__init__(framework)
        request = CertificateRequestAttributes(
            common_name=given["common_name"],
            sans_dns=frozenset(given["sans_dns"]),
            is_ca=given["is_ca"],
        )
        self.certificates = TLSCertificatesRequiresV4(
            self, "certificates", certificate_requests=[request], mode=Mode.UNIT
        )
        framework.observe(self.certificates.on.certificate_available, self._on_available)
        self.available = []

    def _on_available(self, event):
        self.available.append({
            "certificate_signing_request": str(event.certificate_signing_request),
            "certificate": str(event.certificate),
            "ca": str(event.ca),
        })


META = {
    "name": "probe",
    "requires": {"certificates": {"interface": "tls-certificates", "limit": 1}},
}
relation = testing.Relation(
    "certificates",
    interface="tls-certificates",
    remote_app_name="self-signed-certificates",
    id=given["relation_id"],
    local_unit_data=given["local_unit_data"],
    remote_app_data=given["remote_app_data"],
)
secrets = [
    testing.Secret(tracked_content=s["content"], owner="unit", label=s["label"])
    for s in given["secrets"]
]
ctx = testing.Context(Probe, meta=META, unit_id=0)
state = testing.State(relations={relation}, secrets=secrets, leader=False)
event = getattr(ctx.on, given["event"])(relation)
with ctx(event, state) as manager:
    out = manager.run()
    available = manager.charm.available
print(json.dumps({
    "local_unit_data": dict(out.get_relation(relation.id).local_unit_data),
    "secrets": [
        {
            "label": s.label,
            "content": s.latest_content or s.tracked_content,
            "owner": s.owner,
            "expire": s.expire.isoformat() if s.expire else None,
        }
        for s in out.secrets
    ],
    "available": available,
}))
