#!/usr/bin/env python3
"""Writes open_redirect_corpus.jsonl: hostile `next` values, one JSON string per line.

Every value must be refused by socialgate's `next` policy when the site is
https://cvat.example.com. Run again after adding a family; the file is committed.
"""
import itertools
import json
import pathlib

hosts = [
    "evil.example", "evil.example:443", "evil.example/cvat.example.com", "cvat.example.com.evil.example",
    "cvat.example.com@evil.example", "user:pass@evil.example", "2130706433", "0x7f000001", "017700000001",
    "127.1", "[::1]", "[::ffff:7f00:1]", "evil\u3002example", "\uff45vil.example", "xn--vil-8na.example",
    "evil.example%2f", "evil.example%00.cvat.example.com",
]
prefixes = [
    "//", "///", "////", "\\\\", "/\\", "\\/", "/\\/", "\\\\\\", "/%2f", "/%2F", "%2f%2f", "%2F/", "/%5c", "/%5C",
    "%5c%5c", "/%09/", "/%0a/", "/%0d/", "/%0d%0a/", "/ /", "\t//", " //", "//\t", "/%252f", "/%252F%252F",
    "/%25252f", "https://", "http://", "HTTPS://", "https:", "https:/", "https:\\\\", "https:\\/", "//%09",
    "%09//", "/\u3000/", "/\u2215", "\u2215\u2215", "/%E2%88%95", "//\\",
]
schemes = [
    "javascript:alert(1)", "JaVaScRiPt:alert(1)", "java%0ascript:alert(1)", "java\nscript:alert(1)",
    "java\tscript:alert(1)", " javascript:alert(1)", "\x00javascript:alert(1)", "javascript%3Aalert(1)",
    "jav&#x09;ascript:alert(1)", "data:text/html,<script>alert(1)</script>",
    "data:text/html;base64,PHNjcmlwdD5hbGVydCgxKTwvc2NyaXB0Pg==", "vbscript:msgbox(1)", "file:///etc/passwd",
    "ftp://cvat.example.com/", "ws://cvat.example.com/", "blob:https://evil.example/uuid", "about:blank",
    "http://cvat.example.com/", "https://cvat.example.com:8443/", "https://cvat.example.com%40evil.example/",
    "https://cvat.example.com%2eevil.example/", "https://cvat.example.com\\@evil.example/",
    "https://cvat.example.com:443@evil.example/", "https:///evil.example",
    "https://evil.example\\.cvat.example.com", "https://evil.example?.cvat.example.com",
    "https://evil.example#.cvat.example.com", "//cvat.example.com", "///cvat.example.com/",
]
whitespace = ["/tasks\n", "/tasks\r", "\n/tasks", "/tasks\x00", "/ta\tsks", "/tasks ", " /tasks", "/tasks\x7f",
              "/tasks\x0b", "/tasks\x0c", "/%0d%0aSet-Cookie:%20a=b", "/%0aLocation:%20https://evil.example",
              "/%00", "/%", "/%zz", "/%2", "%", "", "/\u00e9", "/\ufeff/evil.example"]

values = [p + h for p, h in itertools.product(prefixes, hosts)]
values += schemes + [w for w in whitespace if w]
seen, corpus = set(), []
for v in values:
    if v not in seen:
        seen.add(v)
        corpus.append(v)
path = pathlib.Path(__file__).with_name("open_redirect_corpus.jsonl")
path.write_text("".join(json.dumps(v) + "\n" for v in corpus))
print(f"{len(corpus)} values written to {path.name}")
