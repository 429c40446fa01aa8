# What Python (cosl 1.11.3 and the standard library the COS libraries use) makes of the
# cases given as JSON on stdin: topology identifiers and dicts, json.dumps, the
# dashboard uid hash, and LZMABase64.decompress of what the Rust side compressed.
import hashlib
import json
import sys

from cosl import JujuTopology
from cosl.grafana_dashboard import DashboardPath40UID
from cosl.utils import LZMABase64

given = json.load(sys.stdin)
out = {"topology": [], "dumps": [], "uid": [], "shake": [], "decompressed": []}
for t in given["topology"]:
    topology = JujuTopology(
        model=t["model"],
        model_uuid=t["model_uuid"],
        application=t["application"],
        unit=t["unit"],
        charm_name=t["charm_name"],
    )
    out["topology"].append({
        "identifier": topology.identifier,
        "as_dict_json": json.dumps(topology.as_dict()),
    })
for value in given["dumps"]:
    out["dumps"].append(json.dumps(value))
for charm, path in given["uid"]:
    out["uid"].append(DashboardPath40UID.generate(charm, path))
for text, length in given["shake"]:
    out["shake"].append(hashlib.shake_256(text.encode()).hexdigest(length))
for compressed in given["compressed"]:
    out["decompressed"].append(LZMABase64.decompress(compressed))
print(json.dumps(out))
