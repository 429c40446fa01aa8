# Reads the `dashboards` value given (as JSON on stdin, with the charm's name and the
# dashboards' paths relative to the charm) the way Grafana's side of the Python library
# does, with cosl 1.11.3: each template's content through LZMABase64.decompress and
# json.loads. Prints, per template id, the decoded dashboard and what the Python
# provider would have set: the Path-40 uid, the charm tag, the alternative uid.
import hashlib
import json
import sys

from cosl.grafana_dashboard import DashboardPath40UID
from cosl.utils import LZMABase64

given = json.load(sys.stdin)
data = json.loads(given["dashboards"])
charm = given["charm"]
out = {"keys": sorted(data), "templates": {}}
for template_id, template in data["templates"].items():
    rel_path = given["paths"][template_id]
    out["templates"][template_id] = {
        "keys": list(template),
        "charm": template["charm"],
        "inject_dropdowns": template["inject_dropdowns"],
        "juju_topology": template["juju_topology"],
        "dashboard": json.loads(LZMABase64.decompress(template["content"])),
        "dashboard_alt_uid": template["dashboard_alt_uid"],
        "expected_uid": DashboardPath40UID.generate(charm, rel_path),
        "expected_alt_uid": hashlib.shake_256(f"{charm}-{template_id}".encode()).hexdigest(8),
    }
print(json.dumps(out))
