#!/usr/bin/env python3
"""Builds the issue-14 benchmark's Markdown report from the raw outputs of one run.

    issue14_report.py RUN_DIR > result.md

RUN_DIR holds what bench/issue14-benchmark.sh collected, per mode: MODE-verify.txt (wrk),
MODE-logins.txt (socialgate-loadtest), cpu-MODE-*.txt (CPU seconds of socialgate and the Redis
data nodes before and after), desc-MODE (the deployment), failed-MODE (why the mode has no
figures), note-*.txt (a driver that exited non-zero). The run's facts come in SG_META_*
environment variables.
"""
import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from report import fmt, loadtest_figures, raw_outputs, read, wrk_figures  # noqa: E402  (issue 13's parsers)

TITLES = {"standalone": "standalone", "tls": "TLS (`rediss://`)", "sentinel": "Sentinel", "cluster": "Cluster"}


def cpu(run, name):
    """(socialgate seconds, Redis data nodes seconds) spent during one measurement."""
    text = read(run, f"cpu-{name}.txt")
    if not text:
        return None
    sg0, sg1, r0, r1 = (float(x) for x in text.split())
    return sg1 - sg0, r1 - r0


def figures(run, mode):
    verify = wrk_figures(read(run, f"{mode}-verify.txt"))
    logins = loadtest_figures(read(run, f"{mode}-logins.txt"))
    if verify and not verify["requests"]:
        verify = None
    return verify, logins


def ratio(value, base):
    if value is None or not base:
        return None
    return value / base


def main():
    run = sys.argv[1]
    e = os.environ
    modes = e.get("SG_META_MODES", "standalone tls sentinel cluster").split()
    base_verify, base_logins = figures(run, "standalone") if "standalone" in modes else (None, None)
    rows, notes = [], []
    for mode in modes:
        title = TITLES.get(mode, mode)
        failed = (read(run, f"failed-{mode}") or "").strip()
        verify, logins = figures(run, mode)
        if failed and not verify and not logins:
            # "failed to start (...; see <log>): <the log's last line>": the table keeps the part
            # before the log line, the note below gives the line.
            head, _, why = failed.partition("): ")
            why = why.strip()
            rows.append([title, head + (")" if why else ""), "", "", "", ""])
            if why:
                notes.append(f"- {title}: `{why}`")
            continue
        if failed:
            notes.append(f"- {title}: {failed}")
        vs = []
        if mode != "standalone":
            rv = ratio(verify["rps"] if verify else None, base_verify["rps"] if base_verify else None)
            rl = ratio(logins["logins_per_second"] if logins else None,
                       base_logins["logins_per_second"] if base_logins else None)
            vs = [f"verify {rv:.2f}x" if rv is not None else "verify n/a",
                  f"logins {rl:.2f}x" if rl is not None else "logins n/a"]
        rows.append([
            title,
            fmt(verify["rps"]) if verify else "not measured",
            fmt(verify["p99"], 2, " ms") if verify else "",
            fmt(logins["logins_per_second"]) if logins else "not measured",
            fmt(logins["login_ms"]["p99"], 1, " ms") if logins else "",
            ", ".join(vs) if vs else "(baseline)",
        ])
        detail = []
        if verify:
            detail.append(f"verify p50 {fmt(verify['p50'], 2)} ms, p90 {fmt(verify['p90'], 2)} ms, "
                          f"non-2xx {verify['non_2xx']}, socket errors {verify['socket_errors']}")
            c = cpu(run, f"{mode}-verify")
            if c and verify["requests"]:
                detail.append(f"CPU per verify: socialgate {c[0] / verify['requests'] * 1e6:.0f} µs, "
                              f"Redis {c[1] / verify['requests'] * 1e6:.0f} µs")
        if logins:
            failures = ", ".join(f"{k}={v}" for k, v in logins["failures"].items()) or "none"
            detail.append(f"login p50 {fmt(logins['login_ms']['p50'], 1)} ms, failures {failures}")
            c = cpu(run, f"{mode}-logins")
            if c and logins["logins"]:
                detail.append(f"CPU per login: socialgate {c[0] / logins['logins'] * 1e3:.2f} ms, "
                              f"Redis {c[1] / logins['logins'] * 1e3:.2f} ms")
        for name in (f"note-{mode}-verify.txt", f"note-{mode}-logins.txt"):
            text = (read(run, name) or "").strip()
            if text:
                detail.append(text)
        if detail:
            notes.append(f"- {title}: " + "; ".join(detail))

    out = [f"# Issue 14 benchmark ({e.get('SG_META_LABEL', 'this tree')}): each Redis deployment next to standalone", "",
           f"Machine: {e.get('SG_META_MACHINE', '?')}. Everything on this one machine: the Redis processes, the dev "
           "IdP, one socialgate replica and the load generators share the cores. "
           f"{e.get('SG_META_LOAD', '')}.",
           f"Tree: commit {e.get('SG_META_COMMIT', '?')}. socialgate: `{e.get('SG_META_SG', '?')}`; "
           f"Redis {e.get('SG_META_REDIS', '?')}.",
           f"Command: `{e.get('SG_META_COMMAND', 'bash bench/issue14-benchmark.sh')}`", "",
           f"Per mode, one socialgate replica: verify is `wrk -t2 -c64 -d{e.get('SG_META_SECONDS', '10')}s --latency` "
           "on `/api/auth/verify` with a real session; logins are `socialgate-loadtest --provider github "
           f"--users {e.get('SG_META_USERS', '64')} --duration {e.get('SG_META_SECONDS', '10')} "
           "--checks-per-login 0` (start, dev IdP authorize, callback; a new account each).", "",
           "| mode | verify req/s | verify p99 | logins/s | login p99 | vs standalone |",
           "|---|---|---|---|---|---|"]
    out += ["| " + " | ".join(row) + " |" for row in rows]
    out += [""]
    if notes:
        out += ["Details (same run; CPU is user + system time from /proc during each measurement, Redis is the "
                "data nodes together):", ""] + notes + [""]
    out += ["Deployments:", ""]
    for mode in modes:
        desc = (read(run, f"desc-{mode}") or "").strip()
        if desc:
            out.append(f"- {TITLES.get(mode, mode)}: {desc}")
    out.append("")
    out += raw_outputs(run, [f"{mode}-{kind}.txt" for mode in modes for kind in ("verify", "logins")])
    print("\n".join(out))


if __name__ == "__main__":
    main()
