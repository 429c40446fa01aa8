# Dumps Python ops' CharmMeta of each charm given on stdin (a JSON list of
# [folder, charm directory]) as JSON, in the shape tests/charm_meta.rs builds from the
# generated META. A legacy charm (metadata.yaml) is read with CharmMeta.from_charm_root;
# a unified one (charmcraft.yaml) as Python ops' testing reads it: the whole file as the
# metadata, its `actions` and `config` keys as actions.yaml and config.yaml.
import json
import os
import pathlib
import sys

import yaml
from ops import CharmMeta, JujuAssumes


def assumes(a):
    out = []
    for f in a.features:
        if isinstance(f, JujuAssumes):
            out.append({f.condition.value: assumes(f)})
        else:
            out.append(f)
    return out


def flat(items):
    out = []
    for i in items:
        out.extend(i if isinstance(i, list) else [i])
    return out


def dump(m):
    return {
        'name': m.name,
        'summary': m.summary,
        'description': m.description,
        # links.contact is appended as written: a list stays one item in Python.
        'maintainers': flat(m.maintainers),
        'links': {
            'documentation': m.links.documentation,
            'issues': m.links.issues,
            'sources': m.links.sources,
            'websites': m.links.websites,
        },
        'tags': m.tags,
        'terms': m.terms,
        'series': m.series,
        'subordinate': m.subordinate,
        'min_juju_version': m.min_juju_version,
        'assumes': assumes(m.assumes),
        'charm_user': m.charm_user,
        'relations': {
            n: {
                'role': r.role.value,
                'interface': r.interface_name,
                'limit': r.limit,
                'scope': r.scope,
                'optional': r.optional,
            }
            for n, r in m.relations.items()
        },
        'storages': {
            n: {
                'type': s.type,
                'description': s.description,
                'location': s.location,
                'shared': s.shared,
                'read_only': s.read_only,
                'minimum_size': None if s.minimum_size is None else str(s.minimum_size),
                'multiple_range': None if s.multiple_range is None else list(s.multiple_range),
                'properties': s.properties,
            }
            for n, s in m.storages.items()
        },
        'resources': {
            n: {'type': r.type, 'filename': r.filename, 'description': r.description}
            for n, r in m.resources.items()
        },
        'payloads': {n: p.type for n, p in m.payloads.items()},
        'extra_bindings': sorted(m.extra_bindings),
        'containers': {
            n: {
                'resource': c.resource,
                'bases': [
                    {'name': b.os_name, 'channel': b.channel, 'architectures': b.architectures}
                    for b in (c.bases or [])
                ],
                'mounts': {s: mount.locations for s, mount in c.mounts.items()},
            }
            for n, c in m.containers.items()
        },
        'actions': {
            n: {
                'title': a.title,
                'description': a.description,
                'params': list(a.parameters),
                'required': sorted(a.required),
                'additional_properties': a.additional_properties,
            }
            for n, a in m.actions.items()
        },
        'config': {
            n: {'type': o.type, 'default': o.default, 'description': o.description}
            for n, o in m.config.items()
        },
    }


def load(folder):
    root = pathlib.Path(folder)
    if (root / 'metadata.yaml').exists():
        return CharmMeta.from_charm_root(root)
    raw = yaml.safe_load((root / 'charmcraft.yaml').read_text())
    return CharmMeta(raw, raw.get('actions'), raw.get('config'))


# The Juju version decides the default of additionalProperties; pin it below Juju 4.
os.environ.pop('JUJU_VERSION', None)
out = {}
for name, folder in json.load(sys.stdin):
    out[name] = dump(load(folder))
print(json.dumps(out))
