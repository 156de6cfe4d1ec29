#!/usr/bin/python3
"""The CVAT integration in a real browser (issue 10): headless Debian chromium, driven by the npm
package playwright-core (pinned in tests/cvat/browser/package-lock.json), signs in with GitHub and
with Google through the dev IdP's pages, sees the Django user's name on the CVAT-like page (rendered
from Django's own /api/users/self), opens socialgate's account page (who is signed in, the
sessions; "sign out this one" on a second browser's session), and signs out both ways (CVAT's
button; the account page's form). Screenshots of each step go to the output folder.

    /usr/bin/python3 tests/cvat/cvat_browser_test.py --build-dir build [--output DIR]

Exit code 77 (CTest's SKIP_RETURN_CODE) only when Debian's Django is not installed.
"""
import argparse
import os
import subprocess
import sys
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402

BROWSER_DIR = os.path.join(os.path.dirname(os.path.abspath(__file__)), "browser")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", default=os.path.join(harness.SOURCE_DIR, "build"))
    parser.add_argument("--output", default=None)
    args = parser.parse_args()
    if not harness.django_available():
        print("SKIP: Debian's python3-django, python3-djangorestframework and gunicorn are not installed")
        return harness.SKIP
    problems = []
    if not os.path.exists("/usr/bin/chromium"):
        problems.append("Debian's chromium is not installed (apt-get install chromium)")
    if not os.path.isdir(os.path.join(BROWSER_DIR, "node_modules", "playwright-core")):
        problems.append("playwright-core is not installed (npm ci --prefix tests/cvat/browser)")
    if problems:
        print("FAIL: " + "; ".join(problems))
        return 1
    output = os.path.abspath(args.output or os.path.join(args.build_dir, "tests", "cvat-output", "browser"))
    os.makedirs(output, exist_ok=True)
    for name in os.listdir(output):
        if name.endswith(".png"):
            os.remove(os.path.join(output, name))
    started = time.monotonic()
    env = harness.Deployment(args.build_dir, output)
    failures = []
    try:
        run = subprocess.run(["node", os.path.join(BROWSER_DIR, "cvat-browser.mjs"), env.site, output],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, timeout=300, cwd=BROWSER_DIR)
        print(run.stdout.decode("utf-8", "replace"))
        if run.returncode != 0:
            failures.append("the browser steps")
        # What the browser did, as the database and socialgate's Redis see it.
        users = {row[0]: row[1:] for row in env.query(
            "SELECT username, first_name, last_name FROM auth_user")}
        if users.get("alicegh") != ("Alice", "Liddell"):
            failures.append("GitHub's Django user: %r" % (users,))
        if not any(first == "Gwen" and last == "Stacy" for first, last in users.values()):
            failures.append("Google's Django user: %r" % (users,))
        # Live socialgate sessions (not the per-user index sets).
        sessions = [k for k in env.redis_keys("*session:*") if "user-sessions" not in k]
        if sessions:
            failures.append("socialgate sessions left after both sign-outs: %r" % sessions)
        if failures:
            env.dump_logs()
    finally:
        env.close()
    shots = sorted(n for n in os.listdir(output) if n.endswith(".png"))
    print("screenshots (%d) in %s: %s" % (len(shots), output, ", ".join(shots)))
    print(("FAIL: " + "; ".join(failures)) if failures else "all passed", "in %.1f s" % (time.monotonic() - started))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
