# The alert_rules cosl's AlertRules builds from a folder, as MetricsEndpointProvider
# calls it: stdin {"dir", "topology", "query_type", "generic"}, prints the JSON.
import json
import sys

from cosl import JujuTopology
from cosl.rules import AlertRules, generic_alert_groups

data = json.load(sys.stdin)
topology = JujuTopology(**data["topology"])
rules = AlertRules(query_type=data["query_type"], topology=topology)
rules.add_path(data["dir"], recursive=True)
if data["generic"]:
    rules.add(generic_alert_groups.application_rules, group_name_prefix=topology.identifier)
print(json.dumps(rules.as_dict()))
