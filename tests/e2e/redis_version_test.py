#!/usr/bin/python3
"""socialgate refuses, at start, a Redis older than 6.2 (CVAT before 2.10 ships Redis 4 as
cvat_redis): exit code 2 and one line that says what to do. The Redis here is a stand-in that
speaks RESP and reports `redis_version:4.0.14` in `INFO server`, as Redis 4 does.
"""
import os
import socket
import subprocess
import sys
import threading

build_dir = sys.argv[1]


def serve(listener, stop):
    def handle(conn):
        with conn:
            data = b""
            while not stop.is_set():
                chunk = conn.recv(65536)
                if not chunk:
                    return
                data += chunk
                # One command per round trip is enough for the start-up checks.
                while data.startswith(b"*") and data.count(b"\r\n") >= 1 + 2 * int(data[1:data.index(b"\r\n")]):
                    n = int(data[1:data.index(b"\r\n")])
                    parts = data.split(b"\r\n")
                    args = [parts[2 + 2 * i] for i in range(n)]
                    data = b"\r\n".join(parts[1 + 2 * n:])
                    name = args[0].upper()
                    if name == b"INFO":
                        body = b"# Server\r\nredis_version:4.0.14\r\nredis_mode:standalone\r\n"
                        conn.sendall(b"$%d\r\n%s\r\n" % (len(body), body))
                    elif name == b"PING":
                        conn.sendall(b"+PONG\r\n")
                    elif name == b"SCAN":
                        conn.sendall(b"*2\r\n$1\r\n0\r\n*0\r\n")
                    else:
                        conn.sendall(b"+OK\r\n")
    while not stop.is_set():
        try:
            conn, _ = listener.accept()
        except OSError:
            return
        threading.Thread(target=handle, args=(conn,), daemon=True).start()


listener = socket.socket()
listener.bind(("127.0.0.1", 0))
listener.listen(16)
stop = threading.Event()
threading.Thread(target=serve, args=(listener, stop), daemon=True).start()
env = dict(os.environ, REDIS_URL="redis://127.0.0.1:%d/0" % listener.getsockname()[1],
           SOCIALGATE_LISTEN="127.0.0.1:0", USE_ALLAUTH_SOCIAL_ACCOUNTS="False")
r = subprocess.run([os.path.join(build_dir, "app", "socialgate")], env=env, stdout=subprocess.PIPE,
                   stderr=subprocess.PIPE, text=True, timeout=60)
stop.set()
listener.close()
print(r.stderr)
assert r.returncode == 2, (r.returncode, r.stderr)
assert "version 4.0.14" in r.stderr and "Redis 6.2 or newer" in r.stderr, r.stderr
print("PASS")
