"""The wire calls, made with Python ops' pebble.Client (mirrored by examples/wire_calls.rs).

Usage: calls.py SOCKET TREE PULL_DIR (TREE: one/d/f.txt and two/e/, made by run.sh)
"""

import datetime
import sys
import types

from ops import model, pebble

c = pebble.Client(socket_path=sys.argv[1])
tree, pull_dir = sys.argv[2], sys.argv[3]
c.get_system_info()
c.get_services()
c.get_services(['a', 'b'])
c.start_services(['a', 'b'])
c.stop_services(['a'])
c.restart_services(['a'])
c.replan_services()
c.autostart_services()
c.add_layer('lbl', {
    'summary': 'sum',
    'services': {'svc': {'override': 'replace', 'command': 'run --x', 'startup': 'enabled',
                         'environment': {'A': '1'}, 'after': ['db'], 'user-id': 1000}},
    'checks': {'chk': {'override': 'replace', 'level': 'alive', 'period': '10s',
                       'threshold': 3, 'http': {'url': 'http://localhost/'}}},
    'log-targets': {'loki': {'override': 'merge', 'type': 'loki',
                             'location': 'http://l/', 'services': ['all']}},
}, combine=True)
c.get_plan()
c.get_changes(select=pebble.ChangeState.ALL, service='svc')
c.get_change(pebble.ChangeID('1'))
c.abort_change(pebble.ChangeID('1'))
c.wait_change(pebble.ChangeID('1'), timeout=5)
c.get_checks(level=pebble.CheckLevel.READY, names=['c1', 'c2'])
c.start_checks(['c1'])
c.stop_checks(['c1'])
c.push('/etc/x.conf', b'data', make_dirs=True, permissions=0o600, user_id=1, user='u',
       group_id=2, group='g')
c.push('/etc/y', b'')
c.pull('/etc/x.conf', encoding=None).read()
c.list_files('/etc', pattern='*.conf')
c.list_files('/etc', itself=True)
c.make_dir('/srv/a', make_parents=True, permissions=0o750, user='u')
c.make_dir('/srv/b')
c.remove_path('/srv/a', recursive=True)
c.remove_path('/srv/b')
for kwargs in (
    dict(environment={'A': '1'}, working_dir='/tmp', timeout=10, user_id=0, group='g'),
    dict(combine_stderr=True, service_context='svc', user='u', group_id=3),
):
    try:
        c.exec(['ls', '-l'], **kwargs)
    except pebble.APIError:
        pass
c.send_signal('SIGHUP', ['svc'])
c.notify(pebble.NoticeType.CUSTOM, 'example.com/x', data={'k': 'v'},
         repeat_after=datetime.timedelta(seconds=90))
c.notify(pebble.NoticeType.CUSTOM, 'example.com/y')
c.get_notice('1')
c.get_notices(users=pebble.NoticesUsers.ALL, types=[pebble.NoticeType.CUSTOM],
              keys=['example.com/x'])
c.get_notices(user_id=1000)
c.get_identities()
c.replace_identities({'bob': {'access': 'admin', 'local': {'user-id': 42}}})
c.remove_identities(['bob'])
c.send_signal(1, ['svc'])
c.get_warnings(select=pebble.WarningState.ALL)
c.ack_warnings(datetime.datetime(2024, 1, 3, tzinfo=datetime.timezone.utc))
backend = types.SimpleNamespace(_juju_context=types.SimpleNamespace(version='3.6.0'))
container = model.Container('c', backend, c)  # type: ignore
container.push_path(f'{tree}/one/d', '/dst')
container.push_path(f'{tree}/one/*', '/dst2')
container.push_path([f'{tree}/two/*', f'{tree}/one/d/f.txt'], '/dst3')
container.pull_path('/srv/tree', pull_dir)
