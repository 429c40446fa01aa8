"""Compares two recordings request by request: method, path, query (as a multiset),
body (JSON; layer YAML parsed; multipart request part and file content), Accept."""

import json
import sys


def load(path):
    with open(path) as f:
        return [json.loads(line) for line in f]


py, rs = load(sys.argv[1]), load(sys.argv[2])
failures = 0
for i in range(max(len(py), len(rs))):
    a = py[i] if i < len(py) else None
    b = rs[i] if i < len(rs) else None
    if a != b:
        failures += 1
        print(f'request {i} differs:\n  python: {json.dumps(a)}\n  rust:   {json.dumps(b)}')
print(f'{len(py)} Python requests, {len(rs)} Rust requests, {failures} differences')
sys.exit(1 if failures else 0)
