#!/usr/bin/python3
"""deploy/cvat/docker-compose.override.yml merged into CVAT-like Compose files (tests/container/
cvat_like/, written from CVAT's own: 2.10 and later, plain and with its https file, and before
2.10) by `docker-compose config`, then read the way Traefik reads the labels: every router on
each entry point, its rule evaluated for a request, the highest priority winning (a router's
default priority is its rule's length). Every social path must reach socialgate, nothing else may,
and CVAT's routers must keep no ForwardAuth. Offline: `config` needs no daemon, no image.
"""
import os
import re
import shutil
import subprocess
import sys
import tempfile

import yaml

SKIP = 77
SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
OVERRIDE = os.path.join(SOURCE_DIR, "deploy", "cvat", "docker-compose.override.yml")
CVAT_LIKE = os.path.join(os.path.dirname(os.path.abspath(__file__)), "cvat_like")
HOST = "cvat.example.com"

SOCIAL = ["/api/auth/github", "/api/auth/github/", "/api/auth/github/login/",
          "/api/auth/github/login/callback/", "/api/auth/github/login/token",
          "/api/auth/google/login/", "/api/auth/google/login/callback/", "/api/auth/google",
          "/api/auth/amazon-cognito/login/", "/api/auth/amazon-cognito/login/callback/",
          "/api/auth/amazon-cognito",
          "/api/auth/oidc/corp/login/", "/api/auth/oidc/corp/login/callback/", "/api/auth/oidc",
          "/api/auth/social", "/api/auth/social/", "/api/auth/social/account/",
          "/api/auth/social/github/login/", "/api/auth/social/logout",
          "/api/server/advanced-auth", "/api/server/advanced-auth/"]
CVAT_SERVER = ["/api/auth/login", "/api/auth/logout", "/api/auth/register", "/api/auth/password/change",
               "/api/auth/rules", "/api/users/self", "/api/server/about", "/api/server/advanced-authx",
               "/api/auth/githubx", "/api/auth/github-enterprise/", "/api/auth/socialx",
               "/api/auth/oidcfoo", "/api/tasks", "/admin/", "/static/app.js", "/django-rq/",
               "/documentation/"]
CVAT_UI = ["/", "/auth/login", "/auth/login-with-social-app/", "/tasks/1", "/auth/register",
           "/auth/oidc/", "/social/"]


# --- Traefik's rule language, as far as these files use it ------------------------------------
TOKEN = re.compile(r"\s*(?:(\&\&)|(\|\|)|(\()|(\))|(!)|([A-Za-z]+)\(((?:\s*`[^`]*`\s*,?)*)\))")


def parse_rule(rule):
    """Returns (predicate, matchers): predicate(host, path) -> bool; matchers: [(name, [args])]."""
    tokens, pos, matchers = [], 0, []
    rule = rule.strip()
    while pos < len(rule):
        m = TOKEN.match(rule, pos)
        if not m or m.end() == pos:
            raise ValueError("cannot read rule at %r" % rule[pos:])
        pos = m.end()
        if m.group(6):
            args = re.findall(r"`([^`]*)`", m.group(7))
            matchers.append((m.group(6), args))
            tokens.append(("M", m.group(6), args))
        else:
            tokens.append(next(g for g in m.groups()[:5] if g))
        while pos < len(rule) and rule[pos].isspace():
            pos += 1

    def matcher(name, args):
        if name == "Host":
            return lambda h, p: h.lower() in [a.lower() for a in args]
        if name == "Path":
            return lambda h, p: p in args
        if name == "PathPrefix":
            return lambda h, p: any(p.startswith(a) for a in args)
        raise ValueError("matcher %s not modelled" % name)

    def expr(i):  # expr := term ('||' term)*
        left, i = term(i)
        while i < len(tokens) and tokens[i] == "||":
            right, i = term(i + 1)
            left = (lambda a, b: lambda h, p: a(h, p) or b(h, p))(left, right)
        return left, i

    def term(i):  # term := factor ('&&' factor)*
        left, i = factor(i)
        while i < len(tokens) and tokens[i] == "&&":
            right, i = factor(i + 1)
            left = (lambda a, b: lambda h, p: a(h, p) and b(h, p))(left, right)
        return left, i

    def factor(i):
        t = tokens[i]
        if t == "!":
            f, i = factor(i + 1)
            return (lambda h, p: not f(h, p)), i
        if t == "(":
            f, i = expr(i + 1)
            assert tokens[i] == ")", rule
            return f, i + 1
        assert isinstance(t, tuple), (rule, t)
        return matcher(t[1], t[2]), i + 1

    predicate, end = expr(0)
    assert end == len(tokens), "trailing tokens in %r" % rule
    return predicate, matchers


def routers(merged):
    """Every Traefik router of the merged Compose file: name -> dict (service, rule, ...)."""
    out = {}
    for service_name, service in merged["services"].items():
        labels = service.get("labels") or {}
        if isinstance(labels, list):
            labels = dict(label.split("=", 1) for label in labels)
        if str(labels.get("traefik.enable", "")).lower() != "true":
            continue
        defined_services = {k.split(".")[3] for k in labels if k.startswith("traefik.http.services.")}
        for key, value in labels.items():
            m = re.match(r"traefik\.http\.routers\.([^.]+)\.(.+)$", key)
            if m:
                r = out.setdefault(m.group(1), {"container": service_name, "labels": {}})
                r["labels"][m.group(2)] = str(value)
        for name, r in out.items():
            if r["container"] == service_name and "target" not in r:
                explicit = r["labels"].get("service")
                assert explicit or len(defined_services) == 1, (name, defined_services)
                r["target"] = explicit or next(iter(defined_services))
                r["backend"] = service_name
    for name, r in out.items():
        rule = r["labels"]["rule"]
        r["predicate"], r["matchers"] = parse_rule(rule)
        r["priority"] = int(r["labels"].get("priority", len(rule)))
        r["entrypoints"] = [e.strip() for e in r["labels"].get("entrypoints", "").split(",") if e.strip()]
    return out


def route(all_routers, entrypoint, host, path):
    """The router Traefik picks: the matching one with the highest priority (None: 404)."""
    candidates = [(r["priority"], name) for name, r in all_routers.items()
                  if (not r["entrypoints"] or entrypoint in r["entrypoints"]) and r["predicate"](host, path)]
    if not candidates:
        return None
    candidates.sort(reverse=True)
    assert len(candidates) == 1 or candidates[0][0] != candidates[1][0], ("tie", entrypoint, path, candidates)
    return candidates[0][1]


def compose_config(files, scratch, env_extra):
    env = dict(os.environ)
    env.update({"CVAT_HOST": HOST, "CVAT_BASE_URL": "https://" + HOST, "ACME_EMAIL": "ops@example.org",
                "SOCIAL_AUTH_GITHUB_CLIENT_ID": "github-client-id",
                "SOCIALGATE_SECRETS_DIR": os.path.join(scratch, "secrets")})
    env.update(env_extra)
    argv = ["docker-compose", "--project-directory", scratch]
    for f in files:
        argv += ["-f", f]
    r = subprocess.run(argv + ["config"], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    assert r.returncode == 0, "docker-compose config failed:\n%s" % r.stderr
    return yaml.safe_load(r.stdout)


def check_stack(title, merged, entrypoint, tls_resolver=None, redis_service="cvat_redis_inmem"):
    print("--", title)
    all_routers = routers(merged)
    social_routers = [n for n, r in all_routers.items() if r["backend"] == "socialgate"]
    on_entry = [n for n in social_routers if entrypoint in all_routers[n]["entrypoints"]]
    assert on_entry, "%s: no socialgate router on entry point %s" % (title, entrypoint)
    for name in social_routers:
        r = all_routers[name]
        assert r["priority"] == 1000, (name, r["priority"])
        assert r["target"] == "socialgate", (name, r["target"])
        for matcher, args in r["matchers"]:
            # Traefik v3 refuses PathPrefix(`/a`, `/b`): one path per matcher.
            assert len(args) == 1, "%s: %s(%s) has %d arguments" % (name, matcher, args, len(args))
        assert "middlewares" not in r["labels"], (name, r["labels"])
    for name in on_entry:
        if tls_resolver:
            assert all_routers[name]["labels"].get("tls.certresolver") == tls_resolver, (name, all_routers[name])
    for name, r in all_routers.items():
        if r["backend"] != "socialgate":
            assert "middlewares" not in r["labels"], "CVAT's router %s got middlewares %s" % (name, r["labels"])
    backend = lambda path: all_routers[route(all_routers, entrypoint, HOST, path)]["backend"] \
        if route(all_routers, entrypoint, HOST, path) else None
    for path in SOCIAL:
        assert backend(path) == "socialgate", "%s: %s goes to %s" % (title, path, backend(path))
    for path in CVAT_SERVER:
        assert backend(path) == "cvat_server", "%s: %s goes to %s" % (title, path, backend(path))
    for path in CVAT_UI:
        assert backend(path) == "cvat_ui", "%s: %s goes to %s" % (title, path, backend(path))
    # Another host name reaches none of socialgate's routers.
    assert route(all_routers, entrypoint, "other.example.org", "/api/auth/github/login/") is None
    print("   %d social paths to socialgate, %d to cvat_server, %d to cvat_ui (entry point %s)"
          % (len(SOCIAL), len(CVAT_SERVER), len(CVAT_UI), entrypoint))

    services = merged["services"]
    sg = services["socialgate"]
    assert sg["deploy"]["replicas"] == 2, sg.get("deploy")
    assert sg["stop_grace_period"] == "30s", sg.get("stop_grace_period")
    assert "cvat" in sg["networks"], sg["networks"]
    # X-Forwarded-For is believed only from the edge network that only Traefik and socialgate
    # join (issue 19): never from every private range, where any CVAT container could pose as
    # any client.
    edge = merged["networks"]["socialgate_edge"]
    subnets = [c["subnet"] for c in edge["ipam"]["config"]]
    assert sg["environment"]["SOCIAL_AUTH_TRUSTED_PROXIES"] == ",".join(subnets), (
        sg["environment"]["SOCIAL_AUTH_TRUSTED_PROXIES"], subnets)
    for broad in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"):
        assert broad not in sg["environment"]["SOCIAL_AUTH_TRUSTED_PROXIES"], broad
    on_edge = sorted(name for name, svc in services.items() if "socialgate_edge" in (svc.get("networks") or {}))
    assert on_edge == ["socialgate", "traefik"], on_edge
    assert sg["labels"]["traefik.docker.network"] == edge.get("name", "socialgate_edge"), sg["labels"]
    assert "container_name" not in sg  # two replicas
    env = sg["environment"]
    assert env["REDIS_URL"].startswith("redis://%s:" % redis_service), env["REDIS_URL"]
    assert redis_service in services, "%s: no service %s for REDIS_URL" % (title, redis_service)
    assert all(not k.endswith("_SECRET") for k in env), "secrets go through *_FILE: %s" % sorted(env)
    for k in env:
        if k.endswith("_FILE"):
            assert env[k].startswith("/run/secrets/"), (k, env[k])
    server = services["cvat_server"]
    assert server["environment"]["DJANGO_SETTINGS_MODULE"] == "socialgate_cvat.settings"
    assert server["environment"]["SOCIALGATE_INTERNAL_URL"] == "http://socialgate:8080"
    mounts = [v for v in server["volumes"] if (v if isinstance(v, str) else v.get("target", "")).find("/opt/socialgate") >= 0]
    assert mounts, server["volumes"]
    # CVAT's own settings and routers are otherwise untouched.
    assert server["environment"].get("CVAT_POSTGRES_HOST") == "cvat_db"


def main():
    if not shutil.which("docker-compose"):
        print("FAIL: docker-compose is not installed (deploy/install-deps.sh installs it)")
        return 1
    scratch = tempfile.mkdtemp(prefix="sg-compose-")
    try:
        os.makedirs(os.path.join(scratch, "secrets"))
        for s in ("github_client_secret", "google_client_secret"):
            open(os.path.join(scratch, "secrets", s), "w").close()
        new, https, old = (os.path.join(CVAT_LIKE, f) for f in
                           ("docker-compose.yml", "docker-compose.https.yml", "docker-compose.before-2.10.yml"))
        check_stack("CVAT 2.10+, http", compose_config([new, OVERRIDE], scratch, {}), "web")
        check_stack("CVAT 2.10+, https", compose_config([new, https, OVERRIDE], scratch, {}), "websecure",
                    tls_resolver="lets-encrypt")
        merged = compose_config([old, OVERRIDE], scratch, {"COMPOSE_PROFILES": "socialgate-redis",
                                                           "SOCIALGATE_REDIS_URL": "redis://socialgate_redis:6379/0"})
        check_stack("CVAT before 2.10 (Redis 4), socialgate's Redis 7", merged, "web", redis_service="socialgate_redis")
        image = merged["services"]["socialgate_redis"]["image"]
        assert re.match(r"redis:7(\.|$|-)", image), image
        # The image name comes from a variable.
        merged = compose_config([new, OVERRIDE], scratch, {"SOCIALGATE_IMAGE": "example/socialgate:1.2"})
        assert merged["services"]["socialgate"]["image"] == "example/socialgate:1.2"
        # Without CVAT_BASE_URL, Compose stops with a sentence naming it.
        env = dict(os.environ, CVAT_HOST=HOST, SOCIALGATE_SECRETS_DIR=os.path.join(scratch, "secrets"),
                   SOCIAL_AUTH_GITHUB_CLIENT_ID="github-client-id")
        env.pop("CVAT_BASE_URL", None)
        r = subprocess.run(["docker-compose", "--project-directory", scratch, "-f", new, "-f", OVERRIDE, "config"],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
        assert r.returncode != 0 and "CVAT_BASE_URL" in r.stderr, r.stderr
        # The rule matcher itself: CVAT's pre-v3 multi-path PathPrefix form, and priorities by length.
        pred, _ = parse_rule("Host(`a`) && PathPrefix(`/api/`, `/admin`)")
        assert pred("a", "/admin/x") and pred("a", "/api/") and not pred("a", "/") and not pred("b", "/api/")
        print("PASS")
        return 0
    finally:
        shutil.rmtree(scratch, ignore_errors=True)


if __name__ == "__main__":
    sys.exit(main())
