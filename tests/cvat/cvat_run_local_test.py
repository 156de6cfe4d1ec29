#!/usr/bin/python3
"""deploy/run-local.sh as a newcomer runs it (issue 10 point 7): it starts, prints its URLs, the
whole CVAT path works through them (a GitHub sign-in through nginx ends as a Django user that
CVAT's /api/users/self knows, socialgate's account page shows that person, Google, Cognito and
the auth_config.yml IdP start at the dev IdP), and Ctrl-C stops every process it started.
Without Debian's Django (or with --no-cvat) it checks the socialgate-only deployment instead.

    /usr/bin/python3 tests/cvat/cvat_run_local_test.py --build-dir build [--output DIR]
"""
import argparse
import os
import re
import signal
import subprocess
import sys
import time
import urllib.parse

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", default=os.path.join(harness.SOURCE_DIR, "build"))
    parser.add_argument("--output", default=None)
    parser.add_argument("--no-cvat", action="store_true", help="check the socialgate-only deployment")
    args = parser.parse_args()
    output = os.path.abspath(args.output or os.path.join(args.build_dir, "tests", "cvat-output", "run_local"))
    os.makedirs(output, exist_ok=True)
    cvat = not args.no_cvat and harness.django_available() and os.path.exists("/usr/sbin/nginx")
    ports = {name: harness.free_port() for name in
             ("SG_PORT_A", "SG_PORT_B", "SG_IDP_PORT", "SG_SITE_PORT", "SG_CVAT_PORT_A", "SG_CVAT_PORT_B")}
    env = dict(os.environ, SG_BUILD="0", SG_BUILD_DIR=os.path.abspath(args.build_dir),
               SG_RUN_DIR=os.path.join(output, "run"), **{k: str(v) for k, v in ports.items()})
    if not cvat:
        env["SG_NO_CVAT"] = "1"
    stdout_path = os.path.join(output, "run-local.out")
    with open(stdout_path, "wb") as out:
        # Its own process group, as a terminal gives it: Ctrl-C goes to the whole group.
        proc = subprocess.Popen(["bash", os.path.join(harness.SOURCE_DIR, "deploy", "run-local.sh")], env=env,
                                stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
                                start_new_session=True)
    failures = []

    def printed():
        with open(stdout_path, "rb") as f:
            return f.read().decode("utf-8", "replace")

    def check(condition, message):
        print(("ok: " if condition else "FAIL: ") + message)
        if not condition:
            failures.append(message)

    site = "http://127.0.0.1:%d" % (ports["SG_SITE_PORT"] if cvat else ports["SG_PORT_A"])
    try:
        harness.wait_until(lambda: "Ctrl-C stops everything." in printed() or proc.poll() is not None, 120,
                           "run-local.sh to print its URLs")
        text = printed()
        check(proc.poll() is None, "run-local.sh is running after printing its URLs")
        check(site + "/" in text, "it prints the public URL " + site)
        b = harness.Browser()
        methods = b.get(site + "/api/auth/social/methods/").json()
        check(all(m in methods for m in ("github", "google", "amazon-cognito")), "GitHub, Google and Cognito enabled")
        for path, idp_path in (("google", "/google/authorize"), ("amazon-cognito", "/cognito/oauth2/authorize"),
                               ("oidc/corp", "/oidc/authorize")):
            start = harness.Browser().get(site + "/api/auth/%s/login/?next=/" % path)
            check(start.status == 302 and idp_path in start.header("Location"),
                  "%s starts at the dev IdP (%s)" % (path, start.header("Location")[:80]))
        # GitHub, all the way, as the browser and the UI do it.
        start = b.get(site + "/api/auth/github/login/?next=/")
        idp = b.get(start.header("Location") + "&dev_login=octocat")
        callback = b.get(idp.header("Location"))
        check(callback.status == 302, "the GitHub callback answers 302 (%r)" % callback)
        if cvat:
            location = callback.header("Location")
            check(location.startswith(site + "/auth/login-with-social-app/"), "the cvat-ui flow hands over to CVAT's UI")
            code = dict(urllib.parse.parse_qsl(urllib.parse.urlsplit(location).query)).get("code", "")
            key = b.post(site + "/api/auth/github/login/token", json_body={"code": code}).json()["key"]
            me = b.get(site + "/api/users/self", headers={"Authorization": "Token " + key})
            check(me.status == 200 and me.json().get("username") == "octocat",
                  "CVAT's /api/users/self knows the Django user (%r)" % me)
            check(b.get(site + "/").status == 200, "the CVAT-like UI answers at /")
            admin = harness.Browser().post(site + "/api/auth/login", json_body={"username": "admin", "password": "admin"})
            check(admin.status == 200, "CVAT's password user admin/admin signs in (%r)" % admin)
        account = b.get(site + "/api/auth/social/account/", headers={"Accept": "text/html"})
        check(account.status == 200 and "Mona Octocat" in account.text(), "the account page names the person")
    except AssertionError as e:
        failures.append(str(e))
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGINT)  # Ctrl-C
        try:
            proc.wait(timeout=60)  # the script gives each process 10 s, then kills it
        except subprocess.TimeoutExpired:
            failures.append("run-local.sh did not stop on Ctrl-C")
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
    # Everything it started is gone: nothing answers on its ports any more.
    try:
        harness.wait_until(lambda: all(harness.Deployment._status("http://127.0.0.1:%d/" % p) == 0
                                       for p in ports.values()), 20, "every port of run-local.sh to close")
        print("ok: Ctrl-C stopped every process")
    except AssertionError as e:
        failures.append(str(e))
    if failures:
        print(printed())
        for name in sorted(os.listdir(env["SG_RUN_DIR"])):
            if name.endswith(".log"):
                with open(os.path.join(env["SG_RUN_DIR"], name), "rb") as f:
                    sys.stderr.write("---- %s ----\n%s\n" % (name, f.read()[-3000:].decode("utf-8", "replace")))
    print(("FAIL: " + "; ".join(failures)) if failures else "all passed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
