# The alert_rules Python's LogForwarder writes for a folder of rule files, as it calls
# cosl: stdin {"dir", "topology"}, prints json.dumps(..., sort_keys=True).
import json
import sys

from cosl import JujuTopology
from cosl.rules import AlertRules

data = json.load(sys.stdin)
rules = AlertRules(query_type="logql", topology=JujuTopology(**data["topology"]))
rules.add_path(data["dir"], recursive=True)
print(json.dumps(json.dumps(rules.as_dict(), sort_keys=True)))
