"""A recording Pebble stand-in over a unix socket: answers just enough for a client's
calls to succeed, and appends each request (method, path, query, body) to a JSONL file.

Usage: recorder.py SOCKET OUT.jsonl
"""

import http.server
import json
import os
import socketserver
import sys
import urllib.parse

import yaml

SOCKET, OUT = sys.argv[1], sys.argv[2]
CHANGE = {
    'id': '1', 'kind': 'start', 'summary': 's', 'status': 'Done', 'ready': True,
    'spawn-time': '2024-01-01T00:00:00Z',
    'tasks': [{'id': '2', 'kind': 'start', 'summary': 's', 'status': 'Done',
               'progress': {'label': '', 'done': 1, 'total': 1},
               'spawn-time': '2024-01-01T00:00:00Z', 'data': {'exit-code': 0}}],
}
NOTICE = {'id': '1', 'user-id': None, 'type': 'custom', 'key': 'example.com/x',
          'first-occurred': '2024-01-01T00:00:00Z', 'last-occurred': '2024-01-01T00:00:00Z',
          'last-repeated': '2024-01-01T00:00:00Z', 'occurrences': 1}



def entry(path, kind):
    return {'path': path, 'name': path.rsplit('/', 1)[1], 'type': kind, 'permissions': '644',
            'last-modified': '2024-01-01T00:00:00Z', 'user-id': 0, 'user': 'root',
            'group-id': 0, 'group': 'root', **({'size': 5} if kind == 'file' else {})}


# What `action=list` answers (others: nothing), for pull_path.
LISTINGS = {
    '/srv/tree': [entry('/srv/tree/d', 'directory')],
    '/srv/tree/d': [entry('/srv/tree/d/f.txt', 'file')],
}


def parse_multipart(ctype, body):
    boundary = ctype.split('boundary=')[1].strip('"').encode()
    parts = body.split(b'--' + boundary)
    out = {}
    for part in parts[1:]:
        if part.startswith(b'--'):
            break
        head, _, content = part[2:].partition(b'\r\n\r\n')
        content = content[:-2]  # the CRLF before the next boundary
        head = head.decode()
        if 'name="request"' in head:
            out['request'] = json.loads(content)
        elif 'name="files"' in head:
            out['filename'] = head.split('filename="')[1].rsplit('"', 1)[0]
            out['content'] = content.decode()
    return out


class Handler(http.server.BaseHTTPRequestHandler):
    protocol_version = 'HTTP/1.1'

    def log_message(self, *args):
        pass

    def address_string(self):
        return 'unix'

    def read_body(self):
        if 'chunked' in self.headers.get('Transfer-Encoding', ''):
            data = b''
            while True:
                size = int(self.rfile.readline().strip(), 16)
                if size == 0:
                    self.rfile.readline()
                    return data
                data += self.rfile.read(size)
                self.rfile.readline()
        n = int(self.headers.get('Content-Length', 0))
        return self.rfile.read(n) if n else b''

    def send(self, code, result, typ='sync', change=None, ctype='application/json', raw=None):
        if raw is None:
            body = {'type': typ, 'status-code': code, 'status': 'X', 'result': result}
            if change:
                body['change'] = change
            raw = json.dumps(body).encode()
        self.send_response(code)
        self.send_header('Content-Type', ctype)
        self.send_header('Content-Length', str(len(raw)))
        self.send_header('Connection', 'close')
        self.end_headers()
        self.wfile.write(raw)
        self.close_connection = True

    def handle_any(self):
        url = urllib.parse.urlsplit(self.path)
        query = urllib.parse.parse_qsl(url.query, keep_blank_values=True)
        raw = self.read_body()
        ctype = self.headers.get('Content-Type', '')
        if ctype.startswith('multipart/form-data'):
            body = parse_multipart(ctype, raw)
        elif raw:
            body = json.loads(raw)
        else:
            body = None
        if isinstance(body, dict) and isinstance(body.get('layer'), str):
            body['layer'] = yaml.safe_load(body['layer'])
        with open(OUT, 'a') as f:
            f.write(json.dumps({'method': self.command, 'path': url.path,
                                'query': sorted(query), 'body': body,
                                'accept': self.headers.get('Accept')}) + '\n')
        q = dict(query)
        m, p = self.command, url.path
        if p == '/v1/system-info':
            return self.send(200, {'version': 'v1', 'boot-id': 'b'})
        if p == '/v1/services' and m == 'POST':
            return self.send(202, None, typ='async', change='1')
        if p in ('/v1/services', '/v1/checks', '/v1/changes', '/v1/notices') and m == 'GET':
            return self.send(200, [NOTICE] if p == '/v1/notices' else [])
        if p.startswith('/v1/changes/'):
            return self.send(200, CHANGE)
        if p == '/v1/layers':
            return self.send(200, True)
        if p == '/v1/plan':
            return self.send(200, 'services: {}\n')
        if p == '/v1/checks':
            return self.send(200, {'changed': body['checks']})
        if p == '/v1/files' and m == 'GET' and q.get('action') == 'list':
            return self.send(200, LISTINGS.get(q['path'], []))
        if p == '/v1/files' and m == 'GET':
            b = '0123456789abcdef'
            path = q['path']
            resp = json.dumps({'type': 'sync', 'status-code': 200, 'status': 'OK',
                               'result': [{'path': path}]})
            data = (f'--{b}\r\nContent-Disposition: form-data; name="files"; filename="{path}"'
                    f'\r\n\r\nhello\r\n--{b}\r\nContent-Disposition: form-data; name="response"'
                    f'\r\n\r\n{resp}\r\n--{b}--\r\n').encode()
            return self.send(200, None, ctype=f'multipart/form-data; boundary={b}', raw=data)
        if p == '/v1/files':
            if 'request' in body:
                paths = [f['path'] for f in body['request']['files']]
            else:
                paths = [d['path'] for d in body.get('dirs', body.get('paths', []))]
            return self.send(200, [{'path': x} for x in paths])
        if p == '/v1/exec':
            return self.send(400, {'message': 'exec recorded, not run'}, typ='error')
        if p == '/v1/signals':
            return self.send(200, True)
        if p == '/v1/notices/1':
            return self.send(200, NOTICE)
        if p == '/v1/notices':
            return self.send(200, {'id': '1'})
        if p == '/v1/warnings':
            return self.send(200, [] if m == 'GET' else 0)
        if p == '/v1/identities':
            return self.send(200, {} if m == 'GET' else None)
        return self.send(404, {'message': 'not found'}, typ='error')

    do_GET = do_POST = handle_any


class Server(socketserver.ThreadingMixIn, socketserver.UnixStreamServer):
    daemon_threads = True


if os.path.exists(SOCKET):
    os.unlink(SOCKET)
Server(SOCKET, Handler).serve_forever()
