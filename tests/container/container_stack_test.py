#!/usr/bin/python3
"""The images, built and run as an operator would (issue 12), with podman and no registry:

1. the base image debian:bookworm from mmdebstrap (cached in the podman scratch storage,
   tests/container/podman_env.py), then both Dockerfile targets built from this checkout with
   `podman build --format docker` (the build context is what .dockerignore lets through: the
   sources, never a build directory); the images' metadata: HEALTHCHECK on /healthz, a non-root
   user, STOPSIGNAL SIGTERM, port 8080;
2. a Compose stack run by docker-compose (v1) over podman's socket: Redis, two socialgate
   containers, the dev IdP container and nginx with deploy/nginx/socialgate-cvat.conf (CVAT's
   routing), all on the host network (loopback ports chosen here);
3. a sign-in through nginx with the browser-like client (tests/cvat/harness.py), the session
   seen on the account page and by both replicas;
4. `podman healthcheck run` on each socialgate container (podman runs no health checks by
   itself here);
5. `docker-compose stop`: each socialgate container exits with status 0 (a container still
   running at the end of the 30 s grace period is killed, status 137).

Exit 77 (CTest skip) with the reason when podman cannot run on this machine. Waits are on
conditions with deadlines, never timings.
"""
import argparse
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
SOURCE_DIR = os.path.abspath(os.path.join(HERE, "..", ".."))
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(SOURCE_DIR, "tests", "cvat"))
sys.path.insert(0, os.path.join(SOURCE_DIR, "deploy"))
import podman_env  # noqa: E402
from harness import Browser, IDP_USERS, free_port, wait_until, http_request, sign_in_cvat_ui  # noqa: E402
import cvat_nginx  # noqa: E402

SKIP = 77
IMAGE = "localhost/socialgate:ci"
IDP_IMAGE = "localhost/socialgate-dev-idp:ci"
TOOLS_IMAGE = "localhost/socialgate-test-tools:ci"
# Redis and nginx for the stack, from Debian's packages on the same base image (no registry).
TOOLS_DOCKERFILE = """FROM debian:bookworm
RUN apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y --no-install-recommends \\
      redis-server nginx-light curl && rm -rf /var/lib/apt/lists/*
"""


def log(*args):
    print("[%s]" % time.strftime("%H:%M:%S"), *args, flush=True)


def build_images(env, scratch):
    started = time.monotonic()
    jobs = os.environ.get("SG_IMAGE_BUILD_JOBS", "2")
    for target, tag in (("socialgate", IMAGE), ("dev-idp", IDP_IMAGE)):
        t = time.monotonic()
        r = subprocess.run(["podman", "build", "--format", "docker", "--network", "host", "--pull=never",
                            "--build-arg", "JOBS=" + jobs, "--target", target, "-t", tag,
                            "-f", os.path.join(SOURCE_DIR, "Dockerfile"), SOURCE_DIR],
                           env=env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, timeout=3600)
        with open(os.path.join(scratch, "build-%s.log" % target), "w") as f:
            f.write(r.stdout)
        assert r.returncode == 0, "podman build --target %s failed:\n%s" % (target, r.stdout[-6000:])
        log("built %s (%s) in %.0f s" % (tag, target, time.monotonic() - t))
    tools_dir = os.path.join(scratch, "tools")
    os.makedirs(tools_dir)
    with open(os.path.join(tools_dir, "Dockerfile"), "w") as f:
        f.write(TOOLS_DOCKERFILE)
    podman_env.podman("build", "--format", "docker", "--network", "host", "--pull=never", "-t", TOOLS_IMAGE,
                      tools_dir, env=env, timeout=1800)
    log("images ready in %.0f s" % (time.monotonic() - started))


def check_image_metadata(env):
    inspect = json.loads(podman_env.podman("image", "inspect", IMAGE, env=env).stdout)[0]
    config = inspect["Config"]
    health = config.get("Healthcheck") or inspect.get("Healthcheck")
    assert health and any("/healthz" in part for part in health["Test"]), ("HEALTHCHECK", config)
    user = config.get("User", "")
    assert user and user.split(":")[0] not in ("", "0", "root"), ("runs as root", user)
    assert config.get("StopSignal") == "SIGTERM", config.get("StopSignal")
    assert "8080/tcp" in (config.get("ExposedPorts") or {}), config.get("ExposedPorts")
    # The runtime image holds no compiler and no test binaries.
    r = podman_env.podman("run", "--rm", "--network", "host", "--entrypoint", "/bin/sh", IMAGE, "-c",
                          "command -v g++ cmake || true; ls /usr/local/bin; id -u", env=env)
    lines = r.stdout.split()
    assert "g++" not in r.stdout and "cmake" not in r.stdout, r.stdout
    assert "socialgate" in lines and lines[-1] != "0", r.stdout
    log("image metadata: healthcheck %s, user %s, stop signal SIGTERM" % (health["Test"], user))


def compose_file(scratch, ports):
    site = "http://127.0.0.1:%d" % ports["nginx"]
    idp = "http://127.0.0.1:%d" % ports["idp"]
    users = os.path.join(scratch, "idp-users.json")
    with open(users, "w") as f:
        json.dump(IDP_USERS, f)
    secrets = os.path.join(scratch, "secrets")
    os.makedirs(secrets)
    with open(os.path.join(secrets, "github_client_secret"), "w") as f:
        f.write("test-secret\n")
    os.chmod(secrets, 0o755)
    os.chmod(os.path.join(secrets, "github_client_secret"), 0o644)
    nginx_dir = os.path.join(scratch, "nginx")
    # The very routing an operator deploys, its upstream host names replaced by loopback ports.
    cvat_nginx.write_config(nginx_dir, "127.0.0.1:%d" % ports["nginx"], [ports["sg_a"], ports["sg_b"]],
                            [ports["cvat"]], [ports["cvat"]])
    socialgate_env = {
        "USE_ALLAUTH_SOCIAL_ACCOUNTS": "True",
        "CVAT_BASE_URL": site,
        "SOCIAL_AUTH_FLOW": "cvat-ui",
        "SOCIAL_AUTH_TRUSTED_PROXIES": "127.0.0.1",
        "SOCIAL_AUTH_GITHUB_CLIENT_ID": "test-client",
        "SOCIAL_AUTH_GITHUB_CLIENT_SECRET_FILE": "/run/secrets/github_client_secret",
        "SOCIAL_AUTH_GITHUB_URL": idp,
        "SOCIAL_AUTH_ALLOW_INSECURE_HTTP": "True",
        "REDIS_URL": "redis://127.0.0.1:%d/0" % ports["redis"],
        "SOCIALGATE_PROVIDER_WORKERS": "2",
    }
    services = {
        "redis": {"image": TOOLS_IMAGE, "network_mode": "host", "init": True,
                  "command": ["redis-server", "--port", str(ports["redis"]), "--bind", "127.0.0.1",
                              "--save", "", "--appendonly", "no"]},
        "idp": {"image": IDP_IMAGE, "network_mode": "host", "init": True,
                "command": ["--listen", "127.0.0.1:%d" % ports["idp"], "--threads", "8",
                            "--client", "test-client:test-secret:%s/" % site, "--users", "/idp/users.json"],
                "volumes": ["%s:/idp/users.json:ro" % users]},
        "nginx": {"image": TOOLS_IMAGE, "network_mode": "host", "init": True,
                  "command": ["nginx", "-p", nginx_dir, "-c", os.path.join(nginx_dir, "nginx.conf"),
                              "-g", "daemon off;"],
                  "volumes": ["%s:%s" % (nginx_dir, nginx_dir)]},
    }
    for name in ("sg_a", "sg_b"):
        services["socialgate_%s" % name[-1]] = {
            "image": IMAGE, "network_mode": "host", "init": True, "stop_grace_period": "30s",
            "depends_on": ["redis", "idp"],
            "environment": dict(socialgate_env, SOCIALGATE_LISTEN="127.0.0.1:%d" % ports[name]),
            "volumes": ["%s/github_client_secret:/run/secrets/github_client_secret:ro" % secrets]}
    path = os.path.join(scratch, "docker-compose.yml")
    with open(path, "w") as f:
        json.dump({"version": "2.4", "services": services}, f, indent=1)  # JSON is YAML
    return path, site


class Stack:
    def __init__(self, scratch, env):
        self.scratch = scratch
        self.env = dict(env)
        self.socket = os.path.join(scratch, "podman.sock")
        self.service = subprocess.Popen(["podman", "system", "service", "--time=0", "unix://" + self.socket],
                                        env=env, stdout=open(os.path.join(scratch, "podman-service.log"), "w"),
                                        stderr=subprocess.STDOUT)
        self.env["DOCKER_HOST"] = "unix://" + self.socket
        self.env["COMPOSE_PROJECT_NAME"] = "sgci%d" % os.getpid()
        self.file = None
        try:
            wait_until(self._ping, 60, "podman's API socket")
        except BaseException:
            self.close()
            raise

    def _ping(self):
        try:
            with socket.socket(socket.AF_UNIX) as s:
                s.settimeout(5)
                s.connect(self.socket)
                s.sendall(b"GET /_ping HTTP/1.0\r\nHost: d\r\n\r\n")
                return s.recv(4096).startswith(b"HTTP/1.0 200") or None
        except OSError:
            return None

    def compose(self, *args, check=True, timeout=300):
        argv = ["docker-compose"] + (["-f", self.file] if self.file else []) + list(args)
        r = subprocess.run(argv, env=self.env, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                           timeout=timeout, cwd=self.scratch)
        if check and r.returncode != 0:
            raise AssertionError("docker-compose %s failed (%d):\n%s" % (" ".join(args), r.returncode, r.stdout))
        return r

    def container(self, service):
        r = self.compose("ps", "-q", service)
        ids = r.stdout.split()
        assert len(ids) == 1, (service, r.stdout)
        return ids[0]

    def inspect(self, container):
        return json.loads(podman_env.podman("inspect", container, env=self.env).stdout)[0]

    def close(self):
        if self.file:
            logs = self.compose("logs", "--no-color", check=False)
            with open(os.path.join(self.scratch, "compose.log"), "w") as f:
                f.write(logs.stdout)
            self.compose("down", "-t", "1", check=False)
        self.service.terminate()
        try:
            self.service.wait(30)
        except subprocess.TimeoutExpired:
            self.service.kill()
            self.service.wait()


def status(url):
    try:
        return http_request("GET", url, timeout=5).status
    except OSError:
        return None


def run(output):
    env = podman_env.environment()
    started = time.monotonic()
    podman_env.ensure_base_image(log)
    os.makedirs(output, exist_ok=True)
    scratch = tempfile.mkdtemp(prefix="stack-", dir=output)
    os.chmod(scratch, 0o755)
    build_images(env, scratch)
    check_image_metadata(env)

    ports = {k: free_port() for k in ("redis", "idp", "nginx", "sg_a", "sg_b", "cvat")}
    stack = Stack(scratch, env)
    try:
        stack.file, site = compose_file(scratch, ports)
        stack.compose("up", "-d")
        log("stack up: docker-compose %s" % stack.compose("ps").stdout.strip().replace("\n", "\n    "))
        for name in ("sg_a", "sg_b"):
            url = "http://127.0.0.1:%d/readyz" % ports[name]
            wait_until(lambda: status(url) == 200, 60, "socialgate %s ready in its container" % name)
        wait_until(lambda: status(site + "/api/auth/social/account/") == 200, 30, "nginx in front")

        # A user signs in through nginx; the account page shows them; both replicas know the session.
        browser = Browser()
        key = sign_in_cvat_ui(browser, site, "github", "alicegh")
        page = browser.get(site + "/api/auth/social/account/", headers={"Accept": "text/html"})
        assert page.status == 200 and "alicegh" in page.text(), page
        for name in ("sg_a", "sg_b"):
            r = http_request("GET", "http://127.0.0.1:%d/api/auth/verify" % ports[name],
                             headers={"Authorization": "Token " + key})
            assert r.status == 200 and r.header("X-Auth-Username") == "alicegh", (name, r)
        log("signed in through nginx as alicegh; both replicas accept the session")

        containers = {s: stack.container(s) for s in ("socialgate_a", "socialgate_b")}
        for service, cid in containers.items():
            r = podman_env.podman("healthcheck", "run", cid, check=False, env=env)
            assert r.returncode == 0, "%s: podman healthcheck run: %s" % (service, r.stdout)
            state = stack.inspect(cid)["State"]
            health = state.get("Health") or state.get("Healthcheck") or {}
            assert health.get("Status") == "healthy", (service, health)
        log("podman healthcheck run: both socialgate containers healthy")

        stack.compose("stop", "socialgate_a", "socialgate_b", timeout=120)
        for service, cid in containers.items():
            state = stack.inspect(cid)["State"]
            assert not state["Running"], (service, state)
            assert state["ExitCode"] == 0, "%s exited %s after stop (137: killed at the grace period's end)" % (
                service, state["ExitCode"])
        log("docker-compose stop: both socialgate containers exited 0")
    finally:
        stack.close()
    # Layers unused for two weeks go (old sources' build layers); the base image, the package
    # layers and the last build stay cached for the next run.
    podman_env.podman("image", "prune", "-f", "--filter", "until=336h", check=False, env=env)
    log("PASS in %.0f s" % (time.monotonic() - started))


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--output", default=os.path.join(tempfile.gettempdir(), "sg-container-output"))
    args = parser.parse_args()
    reason = podman_env.why_podman_cannot_run()
    if reason:
        print("SKIP: podman cannot run containers on this machine: " + reason, flush=True)
        return SKIP
    if not shutil.which("docker-compose"):
        print("FAIL: docker-compose is not installed (deploy/install-deps.sh installs it)")
        return 1
    run(args.output)
    return 0


if __name__ == "__main__":
    sys.exit(main())
