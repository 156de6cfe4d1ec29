#!/usr/bin/env python3
"""Builds the issue-13 benchmark's Markdown report from the raw outputs of one run.

    report.py RUN_DIR > result.md

RUN_DIR holds what bench/issue13-benchmark.sh collected: meta.json (machine, binaries, command
lines), wrk outputs (a-nginx.txt, a-socialgate.txt), socialgate-loadtest outputs (b-idp.txt,
b-socialgate.txt, c-idp.txt, c-socialgate.txt), the idle-connection client's JSON (d-idle.json),
CPU and context-switch counts (cpu-*.txt, perf-*.txt) and the profiles (profile-*.txt).
"""
import json
import os
import re
import sys

TARGETS = {"verify_ratio": 0.25, "verify_p99_ms": 5.0, "github_ratio": 0.5, "oidc_ratio": 0.8,
           "idle_connections": 10000, "idle_rss_mb": 150.0}


def read(run, name):
    path = os.path.join(run, name)
    if not os.path.exists(path):
        return None
    with open(path, errors="replace") as f:
        return f.read()


def raw_outputs(run, names):
    """The "Raw outputs" section: each file of the run that exists, verbatim."""
    out = ["## Raw outputs", ""]
    for name in names:
        text = read(run, name)
        if text is not None:
            out += [f"`{name}`:", "```", text.rstrip(), "```", ""]
    return out


def wrk_figures(text):
    """Requests/s, latency percentiles (ms) and errors from wrk's --latency output."""
    if not text:
        return None
    unit = {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60000.0}

    def ms(value):
        number, suffix = re.match(r"([\d.]+)(us|ms|s|m)", value).groups()
        return float(number) * unit[suffix]

    rps = re.search(r"Requests/sec:\s+([\d.]+)", text)
    figures = {"rps": float(rps.group(1)) if rps else 0.0}
    for p in ("50", "90", "99"):
        m = re.search(rf"^\s+{p}(?:\.000)?%\s+(\S+)", text, re.M)
        figures[f"p{p}"] = ms(m.group(1)) if m else None
    non2xx = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", text)
    socket = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)", text)
    figures["non_2xx"] = int(non2xx.group(1)) if non2xx else 0
    figures["socket_errors"] = sum(int(x) for x in socket.groups()) if socket else 0
    requests = re.search(r"(\d+) requests in", text)
    figures["requests"] = int(requests.group(1)) if requests else 0
    return figures


def loadtest_figures(text):
    """The RESULT JSON line socialgate-loadtest prints last."""
    if not text:
        return None
    for line in reversed(text.splitlines()):
        if line.startswith("RESULT "):
            return json.loads(line[len("RESULT "):])
    return None


def fmt(value, digits=0, suffix=""):
    if value is None:
        return "n/a"
    return f"{value:,.{digits}f}{suffix}"


def met(condition):
    if condition is None:
        return "not measured"
    return "**met**" if condition else "**not met**"


def verify_row(run):
    nginx, sg = wrk_figures(read(run, "a-nginx.txt")), wrk_figures(read(run, "a-socialgate.txt"))
    if not nginx or not sg or not nginx["rps"]:
        return ["(a) `/api/auth/verify`, 64 connections, vs nginx", "≥ 0.25x nginx, p99 < 5 ms", "not measured", met(None)]
    ratio = sg["rps"] / nginx["rps"]
    errors = sg["non_2xx"] + sg["socket_errors"]
    measured = (f"**{ratio:.2f}x**: {fmt(sg['rps'])}/s vs nginx {fmt(nginx['rps'])}/s; "
                f"p50 {fmt(sg['p50'], 2)} ms, p90 {fmt(sg['p90'], 2)} ms, **p99 {fmt(sg['p99'], 2)} ms** "
                f"(nginx p99 {fmt(nginx['p99'], 2)} ms); non-2xx {sg['non_2xx']}, socket errors {sg['socket_errors']}")
    ok = ratio >= TARGETS["verify_ratio"] and sg["p99"] is not None and sg["p99"] < TARGETS["verify_p99_ms"] and errors == 0
    return ["(a) `/api/auth/verify`, 64 connections, vs nginx", "≥ 0.25x nginx, p99 < 5 ms", measured, met(ok)]


def login_row(run, letter, what, target):
    idp, sg = loadtest_figures(read(run, f"{letter}-idp.txt")), loadtest_figures(read(run, f"{letter}-socialgate.txt"))
    label = f"({letter}) {what}"
    if not idp or not sg or not idp["logins_per_second"]:
        return [label, f"≥ {target}x the IdP alone", "not measured", met(None)]
    ratio = sg["logins_per_second"] / idp["logins_per_second"]
    failures = sum(sg["failures"].values())
    failure_text = ", ".join(f"{k}={v}" for k, v in sg["failures"].items()) or "none"
    idp_failures = sum(idp["failures"].values())
    measured = (f"**{ratio:.2f}x**: {fmt(sg['logins_per_second'])}/s vs the IdP alone {fmt(idp['logins_per_second'])}/s; "
                f"login p50 {fmt(sg['login_ms']['p50'], 1)} ms, p99 {fmt(sg['login_ms']['p99'], 1)} ms "
                f"(IdP alone p99 {fmt(idp['login_ms']['p99'], 1)} ms); failures {failure_text}"
                + (f"; IdP-alone failures {idp_failures}" if idp_failures else ""))
    return [label, f"≥ {target}x the IdP alone", measured, met(ratio >= target and failures == 0)]


def idle_row(run):
    text = read(run, "d-idle.json")
    target = "10,000 held, RSS < 150 MB, /healthz answering"
    if not text:
        return ["(d) idle keep-alive connections held open", target, "not measured", met(None)]
    d = json.loads(text.strip().splitlines()[-1])
    label = f"(d) {d['requested']:,} idle keep-alive connections held open"
    h = d["healthz"]
    measured = (f"**{d['open_after_hold']:,} of {d['requested']:,}** still open after {d['hold_seconds']:.0f} s idle "
                f"({d['answered']:,} answered their first request, opening took {d['open_seconds']} s"
                + (f", opening stopped: {d['opening_failed']}" if d.get("opening_failed") else "") + "); "
                f"**RSS peak {fmt(d['rss_peak_mb'], 1)} MB** (before {fmt(d['rss_before_mb'], 1)}, "
                f"all open {fmt(d['rss_open_mb'], 1)}); /healthz meanwhile {h['ok']} of {h['tries']} answered, "
                f"p50 {fmt(h['p50_ms'], 1)} ms, max {fmt(h['max_ms'], 1)} ms")
    ok = (d["open_after_hold"] >= TARGETS["idle_connections"] and d["rss_peak_mb"] < TARGETS["idle_rss_mb"]
          and h["tries"] > 0 and h["ok"] == h["tries"])
    return [label, target, measured, met(ok)]


def short_symbol(name):
    """A C++ symbol made readable: std::string for the spelled-out basic_string, no ABI tags,
    template arguments of nlohmann's json and CAF's internals folded."""
    name = name.replace("std::__cxx11::basic_string<char, std::char_traits<char>, std::allocator<char> >", "std::string")
    name = name.replace("std::__cxx11::", "std::").replace("json_abi_v3_11_2::", "")
    while "basic_json<" in name:  # its template arguments nest: skip to the matching '>'
        start = name.index("basic_json<")
        depth, end = 0, start + len("basic_json")
        for end in range(start + len("basic_json"), len(name)):
            depth += {"<": 1, ">": -1}.get(name[end], 0)
            if depth == 0:
                break
        name = name[:start] + "json" + name[end + 1:]
    return name if len(name) <= 140 else name[:137] + "..."


def callgrind_top(text, count=20):
    """Total instructions and the top functions (exclusive) from callgrind_annotate's output."""
    total = re.search(r"^\s*([\d,]+)\s+(?:\([^)]*\)\s+)?PROGRAM TOTALS", text, re.M)
    rows = []
    in_table = False
    for line in text.splitlines():
        if line.startswith("Ir") and "file:function" in line:
            in_table = True
            continue
        if not in_table:
            continue
        m = re.match(r"^\s*([\d,]+)\s+\(\s*([\d.]+)%\)\s+([^:]*):(.*?)(?: \[(.*)\])?$", line)
        if m:
            library = os.path.basename(m.group(5)) if m.group(5) else ""
            rows.append(f"{float(m.group(2)):5.1f}%  {short_symbol(m.group(4))}" + (f"  ({library})" if library else ""))
        if len(rows) >= count:
            break
    return (int(total.group(1).replace(",", "")) if total else None), rows


def perf_top(text, count=25):
    """perf report's rows (percent, library, [.] or [k], symbol), without its trailing columns."""
    rows = []
    for line in text.splitlines():
        m = re.match(r"^\s+([\d.]+)%\s+(\S+)\s+\[(.)\]\s+(.*?)(?:\s+-\s+-\s*)?$", line)
        if m:
            where = "kernel" if m.group(3) == "k" else os.path.basename(m.group(2))
            rows.append(f"{float(m.group(1)):5.1f}%  {short_symbol(m.group(4).strip())}  ({where})")
    return rows[:count]


def profile_section(run, meta, name, title):
    text = read(run, f"profile-{name}.txt") or ""
    driver = read(run, f"profile-{name}-driver.txt") or ""
    lines = [f"### {title}", "", f"Driver: `{meta['profile_commands'].get(name, '')}`", ""]
    if meta["profiler_metric"].startswith("instructions"):
        total, rows = callgrind_top(text)
        served = None
        if name == "verify":
            figures = wrk_figures(driver)
            served = figures["requests"] if figures else None
            unit = "request"
        else:
            figures = loadtest_figures(driver)
            served = figures["logins"] if figures else None
            unit = "login"
        if total and served:
            lines += [f"{total:,} instructions for {served:,} {unit}s under callgrind: "
                      f"**{total // served:,} instructions per {unit}** in socialgate's user space.", ""]
    else:
        rows = perf_top(text)
    lines += ["```", "\n".join(rows) if rows else "(no profile)", "```", ""]
    clock = read(run, f"profile-{name}-clock.txt")
    if clock:
        lines += ["CPU-clock samples on the measured replica during the same driver (perf, software timer; "
                  "real time, the kernel included):", "", "```", "\n".join(perf_top(clock, 20)) or "(no samples)", "```", ""]
    return lines


def profile_row(run, meta):
    """(e) has no target: the row gives the per-request cost and the top three functions."""
    parts = []
    for name, unit in (("verify", "request"), ("logins", "login")):
        text = read(run, f"profile-{name}.txt") or ""
        if meta["profiler_metric"].startswith("instructions"):
            total, rows = callgrind_top(text, 3)
            driver = read(run, f"profile-{name}-driver.txt") or ""
            figures = wrk_figures(driver) if name == "verify" else loadtest_figures(driver)
            served = (figures or {}).get("requests" if name == "verify" else "logins")
            cost = f"{total // served:,} instructions per {unit}" if total and served else "no count"
        else:
            rows, cost = perf_top(text, 3), "CPU samples"
        top = "; ".join(" ".join(r.split()) for r in rows) or "no profile"
        parts.append(f"{'(a)' if name == 'verify' else '(b)'}: {cost}; top: {top}")
    return ["(e) where the time goes", "a profile (no target)", "<br>".join(parts), "see below"]


def table(rows):
    lines = ["| | target | measured | met? |", "|---|---|---|---|"]
    lines += ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    return "\n".join(lines)


def cpu_section(run):
    """CPU seconds each process used during each measurement, and socialgate's context switches."""
    lines = []
    for name, title in (("a", "(a) verify, socialgate's wrk run"), ("b", "(b) GitHub logins through socialgate"),
                        ("c", "(c) OIDC logins through socialgate"), ("b-idp", "(b) GitHub, IdP alone"),
                        ("c-idp", "(c) OIDC, IdP alone")):
        cpu = read(run, f"cpu-{name}.txt")
        if cpu:
            lines.append(f"- {title}: CPU seconds {cpu.strip()}")
        perf = read(run, f"perf-{name}.txt")
        if perf:
            switches = re.search(r"([\d,]+)\s+context-switches", perf)
            if switches:
                lines.append(f"  - socialgate's context switches: {switches.group(1)}")
    return "\n".join(lines)


def main():
    run = sys.argv[1]
    meta = json.loads(read(run, "meta.json"))
    rows = [verify_row(run),
            login_row(run, "b", f"full GitHub logins, {meta['users']} users, vs the dev IdP alone", 0.5),
            login_row(run, "c", f"OIDC logins (auth_config.yml IdP `corp`, ES256), {meta['users']} users, vs the dev IdP alone", 0.8),
            idle_row(run), profile_row(run, meta)]
    out = [f"# Issue 13 benchmark ({meta['label']}), {meta['when']}", "",
           f"Machine: {meta['machine']}. Everything on this one machine: Redis, the dev IdP, one socialgate replica, "
           "nginx and the load generators share the cores. " + meta.get("load", "") + ".",
           f"Tree: commit {meta['commit']}. socialgate: `{meta['socialgate']}` ({meta['server_kind']}); "
           f"dev IdP: `{meta['idp']}`; driver: `{meta['loadtest']}`.",
           f"Command: `{meta['command']}`", "",
           "## Measured against the targets", "", table(rows), ""]
    problems = [line for name in sorted(os.listdir(run)) if name == "crashes.txt" or name.startswith("failed-")
                for line in (read(run, name) or "").splitlines() if line.strip()]
    if problems:
        out += ["Crashes and failed commands in this run:", ""] + [f"- {line}" for line in problems] + [""]
    out += [
           "## Commands (same run)", ""]
    out += [f"- {k}: `{v}`" for k, v in meta["commands"].items()]
    out += ["", f"socialgate's environment: `{meta['environment']}`", "",
            "## Where the CPU went (per process, same run)", "",
            "CPU seconds are user + system time from /proc during each measurement "
            f"(`{meta['cpu_order']}`).", "", cpu_section(run), "",
            f"## Profile (e): top functions by {meta['profiler_metric']}", "",
            meta["profiler_note"], ""]
    for name, title in (("verify", "(a) `/api/auth/verify` under wrk"), ("logins", "(b) full GitHub logins")):
        out += profile_section(run, meta, name, title)
    out += raw_outputs(run, ("a-nginx.txt", "a-socialgate.txt", "b-idp.txt", "b-socialgate.txt", "c-idp.txt",
                             "c-socialgate.txt", "d-idle.json"))
    print("\n".join(out))


if __name__ == "__main__":
    main()
