"""A whole CVAT-with-socialgate deployment for one test, all real processes on loopback ports:
redis-server, the dev IdP, two socialgate replicas, two gunicorn replicas of the CVAT-like Django
server (one SQLite database, the package installed only through
DJANGO_SETTINGS_MODULE=socialgate_cvat.settings) and nginx with deploy/nginx/socialgate-cvat.conf.

Synchronisation is by waiting on conditions with deadlines, never by sleeping.
"""
import base64
import http.client
import json
import os
import random
import re
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import tempfile
import time
import urllib.parse

SOURCE_DIR = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
sys.path.insert(0, os.path.join(SOURCE_DIR, "deploy"))
import cvat_nginx  # noqa: E402  (deploy/cvat_nginx.py: the nginx configuration, shared with run-local.sh)
PYTHON = "/usr/bin/python3"  # Debian's interpreter: Debian's Django imports only there
SKIP = 77

# The dev IdP's people. GitHub uses `login`; the OIDC personalities (Google, Cognito) the same list.
IDP_USERS = [
    {"login": "alicegh", "id": 101, "name": "Alice Liddell",
     "emails": [{"email": "alice@example.org", "primary": True, "verified": True}]},
    {"login": "gwendolyn", "id": 102, "name": "Gwen Stacy",
     "emails": [{"email": "gwen@example.org", "primary": True, "verified": True}]},
    {"login": "frankcog", "id": 103, "name": "Frank Cognito",
     "emails": [{"email": "frank@example.org", "primary": True, "verified": True}]},
    {"login": "carolgh", "id": 104, "name": "Carol Danvers",
     "emails": [{"email": "carol@example.org", "primary": True, "verified": True}]},
    {"login": "davegh", "id": 105, "name": "Dave Unverified",
     "emails": [{"email": "dave@example.org", "primary": True, "verified": False}]},
    {"login": "erinblake", "id": 106, "name": "Erin Blake",
     "emails": [{"email": "erin@example.org", "primary": True, "verified": True}]},
]


def django_available():
    probe = subprocess.run([PYTHON, "-c", "import django, rest_framework, gunicorn"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return probe.returncode == 0


def allauth_available():
    """CVAT 2.4 has django-allauth's accounts; the tests need Debian's python3-django-allauth."""
    probe = subprocess.run([PYTHON, "-c", "import allauth.account"], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL)
    return probe.returncode == 0


def wait_until(condition, timeout=15.0, what="condition"):
    """Polls `condition` until it is true or the deadline passes; returns its last value."""
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError("timed out after %.0f s waiting for %s" % (timeout, what))
        time.sleep(0.02)  # poll interval, not a synchronisation


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class Process:
    def __init__(self, name, argv, env, log_path, cwd=None):
        self.name, self.argv, self.env, self.log_path, self.cwd = name, argv, env, log_path, cwd
        self.proc = None
        self.start()

    def start(self):
        log = open(self.log_path, "ab")
        self.proc = subprocess.Popen(self.argv, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                                     stdin=subprocess.DEVNULL, cwd=self.cwd, start_new_session=True)
        log.close()

    def running(self):
        return self.proc is not None and self.proc.poll() is None

    def stop(self):
        if not self.running():
            return
        try:
            os.killpg(self.proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        try:
            self.proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()

    def log(self, tail=4000):
        try:
            with open(self.log_path, "rb") as f:
                return f.read().decode("utf-8", "replace")[-tail:]
        except OSError:
            return ""

    def listening_port(self, timeout=20):
        def port():
            if not self.running():
                raise AssertionError("%s exited:\n%s" % (self.name, self.log()))
            for line in self.log(1 << 20).splitlines():
                if '"listening"' in line:
                    try:
                        return json.loads(line).get("port")
                    except ValueError:
                        pass
            return None
        return wait_until(port, timeout, "%s to listen" % self.name)


class Response:
    def __init__(self, status, headers, body):
        self.status, self.headers, self.body = status, headers, body

    def header(self, name):
        for k, v in self.headers:
            if k.lower() == name.lower():
                return v
        return ""

    def all(self, name):
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self):
        return json.loads(self.body.decode("utf-8"))

    def text(self):
        return self.body.decode("utf-8", "replace")

    def __repr__(self):
        return "<%d %s>" % (self.status, self.text()[:300])


def http_request(method, url, body=None, headers=None, timeout=20):
    parts = urllib.parse.urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=timeout)
    try:
        path = parts.path or "/"
        if parts.query:
            path += "?" + parts.query
        connection.request(method, path, body=body, headers=headers or {})
        r = connection.getresponse()
        return Response(r.status, r.getheaders(), r.read())
    finally:
        connection.close()


class Browser:
    """A cookie jar that plays the browser: every server here is 127.0.0.1, where cookies ignore
    ports, so one jar (name -> value) is what a real browser would hold."""

    def __init__(self):
        self.cookies = {}

    def request(self, method, url, body=None, headers=None, json_body=None, cookies=True):
        headers = dict(headers or {})
        if json_body is not None:
            body = json.dumps(json_body).encode()
            headers["Content-Type"] = "application/json"
        if body is not None and not isinstance(body, bytes):
            body = body.encode()
        if method in ("POST", "PUT", "PATCH", "DELETE") and body is None:
            body = b""
        if cookies and self.cookies:
            headers["Cookie"] = "; ".join("%s=%s" % kv for kv in self.cookies.items())
        r = http_request(method, url, body, headers)
        for line in r.all("Set-Cookie"):
            first = line.split(";", 1)[0]
            name, _, value = first.partition("=")
            name = name.strip()
            attributes = line.lower()
            if "max-age=0" in attributes or "expires=thu, 01 jan 1970" in attributes or value == "" or value == '""':
                self.cookies.pop(name, None)
            else:
                self.cookies[name] = value
        return r

    def get(self, url, **kw):
        return self.request("GET", url, **kw)

    def post(self, url, **kw):
        return self.request("POST", url, **kw)


def redis_command(port, *args):
    """One RESP command to redis-server; returns the raw reply's first line."""
    payload = b"*%d\r\n" % len(args) + b"".join(b"$%d\r\n%s\r\n" % (len(a.encode()), a.encode()) for a in args)
    with socket.create_connection(("127.0.0.1", port), timeout=5) as s:
        s.sendall(payload)
        return s.recv(65536).split(b"\r\n", 1)[0].decode()


def redis_keys(port, pattern):
    r = subprocess.run(["redis-cli", "-p", str(port), "--scan", "--pattern", pattern],
                       stdout=subprocess.PIPE, stderr=subprocess.PIPE, timeout=10)
    return [k for k in r.stdout.decode().splitlines() if k]


def sign_in_cvat_ui(browser, site, provider, login):
    """The cvat-ui flow through nginx, as CVAT's UI does it; returns socialgate's key."""
    start = browser.get(site + "/api/auth/%s/login/?next=/" % provider)
    assert start.status == 302, ("login start", start)
    idp = browser.get(start.header("Location") + "&dev_login=" + urllib.parse.quote(login))
    assert idp.status == 302, ("IdP", idp)
    callback = browser.get(idp.header("Location"))
    assert callback.status == 302, ("callback", callback)
    location = callback.header("Location")
    assert location.startswith(site + "/auth/login-with-social-app/"), location
    query = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query))
    assert query.get("provider") == provider, query
    token = browser.post(site + "/api/auth/%s/login/token" % provider, json_body={"code": query["code"]})
    assert token.status == 200, ("token", token)
    key = token.json()["key"]
    assert browser.cookies.get("sg_sessionid") == key, browser.cookies
    # socialgate never touches Django's cookies.
    for r in (start, callback, token):
        assert not any(c.startswith(("sessionid=", "csrftoken=")) for c in r.all("Set-Cookie")), r.headers
    return key


ADMIN_PASSWORD = "cvat-admin-password-1"
_CSRF_FIELD = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


class AdminSession:
    """An operator in Django's admin (CVAT's /admin), as a browser would use it: forms with their
    CSRF token; and CVAT's REST API with Basic authentication."""

    def __init__(self, site, username, password):
        self.site, self.browser = site, Browser()
        self.basic = "Basic " + base64.b64encode(("%s:%s" % (username, password)).encode()).decode()
        page = self.browser.get(site + "/admin/login/?next=/admin/")
        r = self.browser.post(site + "/admin/login/?next=/admin/", body=urllib.parse.urlencode({
            "username": username, "password": password, "next": "/admin/", "csrfmiddlewaretoken": self._token(page)}),
            headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status == 302 and r.header("Location").endswith("/admin/"), ("admin login", r)

    @staticmethod
    def _token(page):
        match = _CSRF_FIELD.search(page.text())
        assert match, ("no CSRF field on the admin page", page)
        return match.group(1)

    def page(self, path):
        r = self.browser.get(self.site + path)
        assert r.status == 200, (path, r)
        return r

    def action(self, changelist, action, ids, confirm=False):
        """Runs a change list action (e.g. allauth's make_verified, Django's delete_selected)."""
        fields = [("action", action), ("index", "0"), ("csrfmiddlewaretoken", self._token(self.page(changelist)))]
        fields += [("_selected_action", str(i)) for i in ids]
        if confirm:
            fields.append(("post", "yes"))
        r = self.browser.post(self.site + changelist, body=urllib.parse.urlencode(fields),
                              headers={"Content-Type": "application/x-www-form-urlencoded"})
        assert r.status == 302, (changelist, action, r)
        return r

    def api(self, method, path, json_body=None):
        return Browser().request(method, self.site + path, json_body=json_body,
                                 headers={"Authorization": self.basic})


class Deployment:
    def __init__(self, build_dir, output_dir, recheck_seconds=2):
        self.build_dir = os.path.abspath(build_dir)
        self.output_dir = os.path.abspath(output_dir)
        os.makedirs(self.output_dir, exist_ok=True)
        self.scratch = tempfile.mkdtemp(prefix="sg-cvat-")
        self.recheck_seconds = recheck_seconds
        self.processes = []
        self.socialgate = []
        self.socialgate_ports = []
        self.gunicorn = []
        self.django_urls = []
        self.nginx = None
        self.db = os.path.join(self.scratch, "cvat.sqlite3")
        try:
            self._start()
        except BaseException:
            self.dump_logs()
            self.close()
            raise

    # --- start-up ---------------------------------------------------------------------------
    def _start(self):
        self._start_redis()
        self.site = None
        self.nginx_port = free_port()
        self.site = "http://127.0.0.1:%d" % self.nginx_port
        self._start_idp()
        for _ in range(2):
            self.socialgate_ports.append(None)
            self.socialgate.append(None)
        for i in range(2):
            self.start_socialgate(i)
        self._prepare_django()
        for i in range(2):
            self._start_gunicorn(i)
        self._start_nginx()

    def _start_redis(self):
        for attempt in range(20):
            port = random.randint(20000, 59999)
            p = Process("redis", ["redis-server", "--port", str(port), "--bind", "127.0.0.1", "--save", "",
                                  "--appendonly", "no", "--dir", self.scratch],
                        dict(os.environ), os.path.join(self.scratch, "redis-%d.log" % attempt))
            try:
                wait_until(lambda: not p.running() or self._redis_ping(port), 10, "redis")
            except AssertionError:
                pass
            if p.running() and self._redis_ping(port):
                self.redis, self.redis_port = p, port
                self.processes.append(p)
                return
            p.stop()
        raise AssertionError("redis-server did not start")

    @staticmethod
    def _redis_ping(port):
        try:
            return redis_command(port, "PING") == "+PONG"
        except OSError:
            return False

    def _start_idp(self):
        users = os.path.join(self.scratch, "idp-users.json")
        with open(users, "w") as f:
            json.dump(IDP_USERS, f)
        self.idp = Process("dev-idp", [os.path.join(self.build_dir, "dev-idp", "socialgate-dev-idp"),
                                       "--listen", "127.0.0.1:0", "--threads", "16",
                                       "--client", "test-client:test-secret:%s/" % self.site, "--users", users],
                           dict(os.environ), os.path.join(self.scratch, "idp.log"))
        self.processes.append(self.idp)
        self.idp_url = "http://127.0.0.1:%d" % self.idp.listening_port()

    def socialgate_env(self, listen):
        env = dict(os.environ)
        env.update({
            "USE_ALLAUTH_SOCIAL_ACCOUNTS": "True",
            "CVAT_BASE_URL": self.site,
            "SOCIAL_AUTH_FLOW": "cvat-ui",
            "SOCIAL_AUTH_TRUSTED_PROXIES": "127.0.0.1",
            "SOCIAL_AUTH_GITHUB_CLIENT_ID": "test-client",
            "SOCIAL_AUTH_GITHUB_CLIENT_SECRET": "test-secret",
            "SOCIAL_AUTH_GITHUB_URL": self.idp_url,
            "SOCIAL_AUTH_GOOGLE_CLIENT_ID": "test-client",
            "SOCIAL_AUTH_GOOGLE_CLIENT_SECRET": "test-secret",
            "SOCIAL_AUTH_GOOGLE_ISSUER": self.idp_url + "/google",
            "SOCIAL_AUTH_AMAZON_COGNITO_DOMAIN": self.idp_url + "/cognito",
            "SOCIAL_AUTH_AMAZON_COGNITO_CLIENT_ID": "test-client",
            "SOCIAL_AUTH_AMAZON_COGNITO_CLIENT_SECRET": "test-secret",
            "SOCIAL_AUTH_AMAZON_COGNITO_ISSUER": self.idp_url + "/cognito",
            "SOCIAL_AUTH_ALLOW_INSECURE_HTTP": "True",
            "SOCIALGATE_LISTEN": listen,
            "SOCIALGATE_PROVIDER_WORKERS": "2",
            "SOCIALGATE_IDP_TIMEOUT_SECONDS": "5",
            "REDIS_URL": "redis://127.0.0.1:%d/0" % self.redis_port,
        })
        return env

    def start_socialgate(self, i):
        """Starts (or restarts, on its earlier port) socialgate replica i and waits until ready."""
        port = self.socialgate_ports[i]
        listen = "127.0.0.1:%d" % port if port else "127.0.0.1:0"
        p = Process("socialgate-%d" % i, [os.path.join(self.build_dir, "app", "socialgate")],
                    self.socialgate_env(listen), os.path.join(self.scratch, "socialgate-%d.log" % i))
        self.processes.append(p)
        self.socialgate[i] = p
        if port is None:
            self.socialgate_ports[i] = p.listening_port()
        url = self.socialgate_url(i)
        wait_until(lambda: self._status(url + "/readyz") == 200 or (not p.running() and self._dead(p)),
                   60, "socialgate-%d ready" % i)

    @staticmethod
    def _dead(p):
        raise AssertionError("%s exited:\n%s" % (p.name, p.log()))

    def stop_socialgate(self, i):
        self.socialgate[i].stop()

    def socialgate_url(self, i):
        return "http://127.0.0.1:%d" % self.socialgate_ports[i]

    @staticmethod
    def _status(url, headers=None):
        try:
            return http_request("GET", url, headers=headers, timeout=5).status
        except OSError:
            return 0

    def django_env(self, socialgate_index, extra=None):
        env = dict(os.environ)
        env.update({
            "PYTHONPATH": os.pathsep.join([os.path.join(SOURCE_DIR, "integrations", "cvat"),
                                           os.path.join(SOURCE_DIR, "tests", "cvat")]),
            "DJANGO_SETTINGS_MODULE": "socialgate_cvat.settings",
            "SOCIALGATE_CVAT_BASE_SETTINGS": "cvat_like.settings",
            "CVAT_LIKE_DB": self.db,
            "SOCIALGATE_INTERNAL_URL": self.socialgate_url(socialgate_index),
            "SOCIALGATE_RECHECK_SECONDS": str(self.recheck_seconds),
            "SOCIALGATE_TIMEOUT_SECONDS": "2",
            "PYTHONDONTWRITEBYTECODE": "1",
        })
        env.update(extra or {})
        return env

    def manage(self, *args):
        r = subprocess.run([PYTHON, "-m", "django"] + list(args), env=self.django_env(0),
                           stdout=subprocess.PIPE, stderr=subprocess.PIPE, cwd=self.scratch)
        if r.returncode != 0:
            raise AssertionError("django-admin %s failed:\n%s%s" % (" ".join(args), r.stdout.decode(), r.stderr.decode()))
        return r.stdout.decode().strip()

    def _prepare_django(self):
        self.manage("migrate", "-v0")
        with sqlite3.connect(self.db) as c:
            c.execute("PRAGMA journal_mode=WAL")

    def _gunicorn(self, i, port, extra_env=None):
        """Starts Django replica i on `port`; the running Process, or None when it did not come up."""
        p = Process("gunicorn-%d" % i,
                    [PYTHON, "-m", "gunicorn.app.wsgiapp", "--bind", "127.0.0.1:%d" % port,
                     "--workers", "1", "--threads", "4", "--worker-class", "gthread", "--timeout", "60",
                     "cvat_like.wsgi:application"],
                    self.django_env(i, extra_env), os.path.join(self.scratch, "gunicorn-%d.log" % i), cwd=self.scratch)
        url = "http://127.0.0.1:%d" % port
        try:
            wait_until(lambda: not p.running() or self._status(url + "/api/users/self") in (401, 403), 60,
                       "gunicorn-%d" % i)
        except AssertionError:
            pass
        if p.running() and self._status(url + "/api/users/self") in (401, 403):
            self.processes.append(p)
            return p
        p.stop()
        return None

    def _start_gunicorn(self, i):
        for attempt in range(10):
            port = free_port()
            p = self._gunicorn(i, port)
            if p is not None:
                self.gunicorn.append(p)
                self.django_urls.append("http://127.0.0.1:%d" % port)
                return
        raise AssertionError("gunicorn did not start:\n" + self.log_of("gunicorn-%d" % i))

    def restart_gunicorn(self, i, **extra_env):
        """Django replica i again, on its port (nginx's upstream), with these extra variables."""
        self.gunicorn[i].stop()
        port = int(self.django_urls[i].rsplit(":", 1)[1])
        p = self._gunicorn(i, port, {k: str(v) for k, v in extra_env.items()})
        if p is None:
            raise AssertionError("gunicorn-%d did not restart:\n%s" % (i, self.log_of("gunicorn-%d" % i)))
        self.gunicorn[i] = p

    def log_of(self, name):
        """The whole log of the named process (a restarted one appends to the same file)."""
        named = [p for p in self.processes if p.name == name]
        return named[-1].log(1 << 24) if named else ""

    def _start_nginx(self):
        directory = os.path.join(self.scratch, "nginx")
        django_ports = [int(u.rsplit(":", 1)[1]) for u in self.django_urls]
        for attempt in range(20):
            # The operator's file with loopback upstreams (deploy/cvat_nginx.py, shared with run-local.sh).
            cvat_nginx.write_config(directory, "127.0.0.1:%d" % self.nginx_port, self.socialgate_ports,
                                    django_ports, django_ports)
            p = Process("nginx", ["/usr/sbin/nginx", "-p", directory, "-c", os.path.join(directory, "nginx.conf"),
                                  "-g", "daemon off;"], dict(os.environ), os.path.join(directory, "nginx.log"))
            try:
                wait_until(lambda: not p.running() or self._status(self.site + "/api/auth/social/methods/") == 200,
                           15, "nginx")
            except AssertionError:
                pass
            if p.running():
                self.nginx = p
                self.processes.append(p)
                return
            # The port was taken meanwhile: the site URL is baked into socialgate's and the IdP's
            # configuration, so a new port would mean starting over; the chance is small.
            raise AssertionError("nginx did not start:\n" + p.log() + self._file(directory, "nginx-error.log"))

    @staticmethod
    def _file(directory, name):
        try:
            with open(os.path.join(directory, name)) as f:
                return f.read()[-3000:]
        except OSError:
            return ""

    # --- helpers for the scenarios -------------------------------------------------------------
    def sign_in(self, browser, provider, login):
        """The cvat-ui flow through nginx, as CVAT's UI does it; returns socialgate's key."""
        return sign_in_cvat_ui(browser, self.site, provider, login)

    def query(self, sql, *params):
        with sqlite3.connect(self.db, timeout=30) as c:
            return c.execute(sql, params).fetchall()

    def redis_keys(self, pattern):
        return redis_keys(self.redis_port, pattern)

    def admin(self):
        """A CVAT superuser (made once) signed in to Django's admin at /admin, through nginx."""
        if not self.query("SELECT id FROM auth_user WHERE username = 'cvat_admin'"):
            self.manage("cvat_like_user", "--username", "cvat_admin", "--email", "admin@example.net",
                        "--password", ADMIN_PASSWORD, "--superuser")
        return AdminSession(self.site, "cvat_admin", ADMIN_PASSWORD)

    def dump_logs(self):
        for p in self.processes:
            sys.stderr.write("---- %s (%s) ----\n%s\n" % (p.name, p.log_path, p.log()))

    def close(self):
        for p in reversed(self.processes):
            p.stop()
        keep = os.environ.get("SG_KEEP_SCRATCH")
        if keep:
            sys.stderr.write("scratch kept in %s\n" % self.scratch)
        else:
            shutil.rmtree(self.scratch, ignore_errors=True)
