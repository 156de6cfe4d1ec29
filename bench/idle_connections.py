#!/usr/bin/env python3
"""Holds many idle keep-alive connections open to a server and reports what it cost the server.

    idle_connections.py --port P --pid PID [--count 10000] [--hold 10] [--addresses 10]

Each connection sends one `GET /healthz` (HTTP/1.1, keep-alive), reads the answer and then stays
idle: an idle keep-alive connection as a browser leaves it. Connections come from 127.0.0.2,
127.0.0.3, ... in turn, so that no single source address runs out of ephemeral ports. While they
are held, a fresh connection asks /healthz twice a second (is the server still answering?), the
server's resident memory (VmRSS of --pid) is sampled, and at the end every held connection is
checked for having been closed by the server. Prints one JSON line (the benchmark reads it).
"""
import argparse
import json
import resource
import selectors
import socket
import time

REQUEST = b"GET /healthz HTTP/1.1\r\nHost: bench\r\nUser-Agent: socialgate-bench-idle\r\n\r\n"


def rss_mb(pid):
    try:
        with open(f"/proc/{pid}/status") as status:
            for line in status:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1]) / 1024.0
    except OSError:
        pass
    return 0.0


def probe_healthz(port, timeout):
    """Milliseconds for one /healthz on a fresh connection, or None when it failed or timed out."""
    started = time.monotonic()
    try:
        with socket.create_connection(("127.0.0.1", port), timeout=timeout) as s:
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: bench\r\nConnection: close\r\n\r\n")
            answer = b""
            while b"\r\n\r\n" not in answer:
                chunk = s.recv(4096)
                if not chunk:
                    break
                answer += chunk
            if not answer.startswith(b"HTTP/1.1 200"):
                return None
    except OSError:
        return None
    return (time.monotonic() - started) * 1000.0


class Held:
    """One connection: connecting, then request sent, then answered (idle from then on)."""

    def __init__(self, sock):
        self.sock = sock
        self.sent = False
        self.answer = b""
        self.answered = False
        self.closed = False

    @property
    def settled(self):
        """Answered (or refused) or closed: no longer one of the connections still opening."""
        return self.closed or b"\r\n\r\n" in self.answer

    def read(self, selector):
        try:
            chunk = self.sock.recv(4096)
        except OSError:
            chunk = b""
        if not chunk:
            self.close(selector)
            return
        if not self.settled:
            self.answer += chunk
            self.answered = self.answer.startswith(b"HTTP/1.1 200") and self.settled

    def close(self, selector):
        self.closed = True
        selector.unregister(self.sock)


def open_connections(args, selector, rss_peak):
    """Opens --count connections, at most --in-flight unanswered at once (a burst of 10,000 SYNs
    would overflow the listen queue and measure SYN retransmits instead of the server)."""
    held, pending, opening_failed = [], 0, None
    deadline = time.monotonic() + args.open_timeout
    next_sample = 0.0
    while time.monotonic() < deadline:
        while len(held) < args.count and pending < args.in_flight and not opening_failed:
            i = len(held)
            s = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            s.setblocking(False)
            try:
                s.bind((f"127.0.0.{2 + i % args.addresses}", 0))
                s.connect_ex(("127.0.0.1", args.port))
            except OSError as error:  # out of descriptors or ports: report what was held
                s.close()
                opening_failed = str(error)
                break
            h = Held(s)
            held.append(h)
            pending += 1
            selector.register(s, selectors.EVENT_WRITE, h)
        if pending == 0 and (len(held) >= args.count or opening_failed):
            break
        for key, _ in selector.select(timeout=0.2):
            h = key.data
            was_pending = not h.settled
            if not h.sent:
                try:
                    h.sock.send(REQUEST)
                    h.sent = True
                    selector.modify(h.sock, selectors.EVENT_READ, h)
                except OSError:
                    h.close(selector)
            else:
                h.read(selector)
            if was_pending and h.settled:
                pending -= 1
        now = time.monotonic()
        if now >= next_sample:
            rss_peak[0] = max(rss_peak[0], rss_mb(args.pid))
            next_sample = now + 0.2
    return held, opening_failed


def hold(args, selector, held, rss_peak):
    """Keeps the connections idle for --hold seconds while probing /healthz; returns latencies."""
    latencies, failures = [], 0
    end = time.monotonic() + args.hold
    next_probe = 0.0
    while time.monotonic() < end:
        rss_peak[0] = max(rss_peak[0], rss_mb(args.pid))
        if time.monotonic() >= next_probe:
            ms = probe_healthz(args.port, args.probe_timeout)
            if ms is None:
                failures += 1
            else:
                latencies.append(ms)
            next_probe = time.monotonic() + 0.5
        # A held connection becoming readable means the server closed it (or sent something
        # unasked): either way it is no longer an idle keep-alive connection.
        for key, _ in selector.select(timeout=0.1):
            key.data.read(selector)
    return latencies, failures


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--port", type=int, required=True)
    parser.add_argument("--pid", type=int, required=True, help="the server process, for its RSS")
    parser.add_argument("--count", type=int, default=10000)
    parser.add_argument("--hold", type=float, default=10.0, help="seconds to hold them idle")
    parser.add_argument("--addresses", type=int, default=10, help="source addresses 127.0.0.2 onwards")
    parser.add_argument("--in-flight", type=int, default=256, help="connections opening at once")
    parser.add_argument("--open-timeout", type=float, default=120.0, help="give up opening after this")
    parser.add_argument("--probe-timeout", type=float, default=5.0)
    args = parser.parse_args()

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < args.count + 100:
        resource.setrlimit(resource.RLIMIT_NOFILE, (min(hard, args.count + 1000), hard))

    rss_before = rss_mb(args.pid)
    rss_peak = [rss_before]
    selector = selectors.DefaultSelector()
    opened_at = time.monotonic()
    held, opening_failed = open_connections(args, selector, rss_peak)
    open_seconds = time.monotonic() - opened_at
    answered = sum(1 for h in held if h.answered)
    rss_open = rss_mb(args.pid)
    latencies, failures = hold(args, selector, held, rss_peak)
    still_open = sum(1 for h in held if h.answered and not h.closed)
    rss_end = rss_mb(args.pid)
    for h in held:
        h.sock.close()
    latencies.sort()
    print(json.dumps({
        "requested": args.count,
        "opened": len(held),
        "answered": answered,
        "open_seconds": round(open_seconds, 2),
        "opening_failed": opening_failed,
        "hold_seconds": args.hold,
        "open_after_hold": still_open,
        "rss_before_mb": round(rss_before, 1),
        "rss_open_mb": round(rss_open, 1),
        "rss_peak_mb": round(rss_peak[0], 1),
        "rss_end_mb": round(rss_end, 1),
        "healthz": {
            "tries": len(latencies) + failures,
            "ok": len(latencies),
            "p50_ms": round(latencies[len(latencies) // 2], 2) if latencies else None,
            "max_ms": round(latencies[-1], 2) if latencies else None,
        },
    }))


if __name__ == "__main__":
    main()
