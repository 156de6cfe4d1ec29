#!/usr/bin/python3
"""CVAT accepts socialgate's sign-ins (issue 10): the scenarios of its "Tests" list, through nginx
with deploy/nginx/socialgate-cvat.conf in front of two socialgate replicas and two gunicorn
replicas of a CVAT-like Django server that installs socialgate_cvat only through
DJANGO_SETTINGS_MODULE=socialgate_cvat.settings.

    /usr/bin/python3 tests/cvat/cvat_integration_test.py --build-dir build [--output DIR] [-k NAME]

Exit code 77 (CTest's SKIP_RETURN_CODE) when Debian's Django, DRF or gunicorn is not installed.
"""
import argparse
import base64
import os
import sys
import threading
import time
import traceback

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
import harness  # noqa: E402
from harness import Browser, wait_until  # noqa: E402

CVAT_TOKEN = "0123456789abcdef0123456789abcdef01234567"  # CVAT's own 40-hex token format
SELF = "/api/users/self"


def self_of(env, browser, key=None, base=None, cookies=True, headers=None):
    h = dict(headers or {})
    if key:
        h["Authorization"] = "Token " + key
    return browser.get((base or env.site) + SELF, headers=h, cookies=cookies)


def django_user(env, user_id):
    rows = env.query("SELECT id, username, email, first_name, last_name FROM auth_user WHERE id = ?", user_id)
    return rows[0] if rows else None


def groups_of(env, user_id):
    return sorted(r[0] for r in env.query(
        "SELECT g.name FROM auth_group g JOIN auth_user_groups ug ON ug.group_id = g.id WHERE ug.user_id = ?", user_id))


def links_of(env, user_id):
    return env.query("SELECT socialgate_user_id, socialgate_username, provider FROM socialgate_cvat_socialgatelink "
                     "WHERE user_id = ?", user_id)


def count(env, table):
    return env.query("SELECT COUNT(*) FROM %s" % table)[0][0]


# --- scenarios ------------------------------------------------------------------------------------

def test_nginx_routes_socialgate_paths_to_socialgate_and_the_rest_to_cvat(env):
    to_socialgate = ["/api/auth/github/login/", "/api/auth/github", "/api/auth/google/login/",
                     "/api/auth/amazon-cognito/login/", "/api/auth/oidc/select-idp/?email=a@example.com",
                     "/api/auth/social/methods/", "/api/auth/social", "/api/auth/social/github/login/",
                     "/api/server/advanced-auth"]
    to_cvat = ["/api/auth/login", "/api/auth/logout", "/api/users/self", "/api/auth/githubx",
               "/api/auth/socialx/y", "/api/server/advanced-auth/", "/api/server/advanced-auth/x", "/api/tasks",
               "/admin", "/admin/login/", "/static/x.css", "/django-rq", "/django-rq/queues/",
               "/", "/tasks/1", "/auth/login", "/auth/login-with-social-app/"]
    for path in to_socialgate:
        r = Browser().get(env.site + path)
        assert r.status != 502 and r.header("X-Served-By") == "", (path, r, r.headers)
    for path in to_cvat:
        r = Browser().get(env.site + path)
        assert r.header("X-Served-By") == "cvat-like", (path, r, r.headers)
    # nginx appends the client's address to X-Forwarded-For (the same server-level directive serves
    # socialgate, which believes it from SOCIAL_AUTH_TRUSTED_PROXIES for its rate limits).
    r = Browser().get(env.site + "/api/users/self", headers={"X-Forwarded-For": "203.0.113.9"})
    assert r.header("X-Seen-Forwarded-For") == "203.0.113.9, 127.0.0.1", r.headers


def test_github_google_cognito_sign_ins_each_make_one_django_user_in_the_default_role(env):
    for provider, login in (("github", "alicegh"), ("google", "gwendolyn"), ("amazon-cognito", "frankcog")):
        users_before = count(env, "auth_user")
        b = Browser()
        key = env.sign_in(b, provider, login)
        # The browser's socialgate cookie alone signs it in to Django, with Django's own session.
        me = self_of(env, b)
        assert me.status == 200, (provider, me)
        assert "sessionid" in b.cookies, (provider, b.cookies)
        user = me.json()
        assert user["groups"] == ["user"], user
        assert count(env, "auth_user") == users_before + 1, provider
        assert groups_of(env, user["id"]) == ["user"]
        links = links_of(env, user["id"])
        assert len(links) == 1 and links[0][2] == provider, links
        # The same Django user with the key (CVAT UI's Authorization: Token).
        assert self_of(env, Browser(), key).json()["id"] == user["id"]
        # socialgate's verify, as the package reads it: the session's public handle (never the key).
        verify = Browser().get(env.socialgate_url(0) + "/api/auth/verify", headers={"Authorization": "Token " + key})
        assert verify.status == 200, verify
        assert verify.header("X-Auth-Session") not in ("", key), verify.headers
        # GitHub and Google are trusted for email; Cognito only with SOCIAL_AUTH_AMAZON_COGNITO_TRUST_EMAIL.
        if provider != "amazon-cognito":
            assert verify.header("X-Auth-Email-Verified") == "true", verify.headers
        assert verify.header("X-Auth-Email-Verified") in ("true", "false"), verify.headers
        if provider == "github":
            row = django_user(env, user["id"])
            assert row[1] == "alicegh", row
            assert row[2] == "alice@example.org", row  # verified at GitHub
            assert (row[3], row[4]) == ("Alice", "Liddell"), row  # from socialgate's /api/users/self
        # Django's session now works on its own cookie, as CVAT's does.
        assert self_of(env, b).json()["id"] == user["id"]


def test_the_same_browser_is_the_same_user_on_both_django_replicas(env):
    b = Browser()
    key = env.sign_in(b, "github", "alicegh")
    on_a = self_of(env, b, base=env.django_urls[0])
    assert on_a.status == 200, on_a
    on_b = self_of(env, b, base=env.django_urls[1])
    assert on_b.status == 200, on_b
    assert on_a.json()["id"] == on_b.json()["id"]
    # And with the key only, on each replica (each asks its own socialgate replica).
    for base in env.django_urls:
        r = self_of(env, Browser(), key, base=base)
        assert r.status == 200 and r.json()["id"] == on_a.json()["id"], r
        # A key alone (an API client) gets no Django session.
        assert not any(c.startswith("sessionid=") for c in r.all("Set-Cookie")), r.headers


def test_a_second_sign_in_of_the_same_person_finds_the_same_django_user(env):
    first = self_of(env, Browser(), env.sign_in(Browser(), "github", "alicegh")).json()
    users, links = count(env, "auth_user"), count(env, "socialgate_cvat_socialgatelink")
    again = self_of(env, Browser(), env.sign_in(Browser(), "github", "alicegh")).json()
    assert again["id"] == first["id"]
    assert count(env, "auth_user") == users and count(env, "socialgate_cvat_socialgatelink") == links


def dev_idp_email(login):
    """The verified address the dev IdP gives a login it does not list."""
    return login + "@users.dev-idp.test"


def register(env, username, email, password, base=None):
    """CVAT's own sign-up (POST /api/auth/register): anyone, any address, unverified. The user's id."""
    r = Browser().post((base or env.site) + "/api/auth/register", json_body={
        "username": username, "email": email, "password1": password, "password2": password})
    assert r.status == 201, ("register", r)
    return self_of(env, Browser(), r.json()["key"], base=base).json()["id"]


def password_sign_in(env, username, password):
    b = Browser()
    r = b.post(env.site + "/api/auth/login", json_body={"username": username, "password": password})
    assert r.status == 200, ("password login", r)
    return b


def verify_in_cvat_admin(env, user_id):
    """The operator marks the user's address verified in CVAT's admin (allauth's own action)."""
    ids = [row[0] for row in env.query("SELECT id FROM account_emailaddress WHERE user_id = ?", user_id)]
    assert ids, "no EmailAddress for user %s" % user_id
    env.admin().action("/admin/account/emailaddress/", "make_verified", ids)
    assert env.query("SELECT verified FROM account_emailaddress WHERE user_id = ?", user_id) == [(1,)]


def gunicorn_logs(env):
    return env.log_of("gunicorn-0") + env.log_of("gunicorn-1")


def test_an_attacker_who_registered_the_victims_address_in_cvat_never_gets_the_victims_sign_in(env):
    # The attacker registers in CVAT under the victim's address (and the victim's GitHub login as
    # username), with a password: CVAT keeps the address unverified.
    attacker = register(env, "vickygh", dev_idp_email("vickygh"), "attacker-password-1")
    assert env.query("SELECT verified FROM account_emailaddress WHERE user_id = ?", attacker) == [(0,)]
    # The victim signs in with GitHub (the address verified there): a Django user of its own.
    victim_browser = Browser()
    victim_key = env.sign_in(victim_browser, "github", "vickygh")
    for me in (self_of(env, victim_browser), self_of(env, Browser(), victim_key)):
        assert me.status == 200, me
        assert me.json()["id"] != attacker, "the victim landed in the attacker's account"
        assert me.json()["username"] == "vickygh1", me.json()  # the attacker holds the name
    victim = self_of(env, Browser(), victim_key).json()["id"]
    assert links_of(env, attacker) == [] and len(links_of(env, victim)) == 1
    # The attacker's password reaches the attacker's account only.
    attacker_browser = password_sign_in(env, "vickygh", "attacker-password-1")
    assert self_of(env, attacker_browser).json()["id"] == attacker
    # The log says a new user was made instead of linking, and why; never the address itself.
    logs = gunicorn_logs(env)
    assert "made Django user %s instead of linking Django user(s) %s by email: CVAT has not verified that address" % (
        victim, attacker) in logs, logs[-3000:]
    assert dev_idp_email("vickygh") not in logs


def test_an_address_verified_in_cvat_links_the_first_sign_in_to_that_user(env):
    heidi = register(env, "heidi_cvat", dev_idp_email("heidigh").upper(), "heidi-password-1")
    verify_in_cvat_admin(env, heidi)
    me = self_of(env, Browser(), env.sign_in(Browser(), "github", "heidigh"))
    assert me.status == 200, me
    assert me.json()["id"] == heidi and me.json()["username"] == "heidi_cvat", me.json()
    assert len(links_of(env, heidi)) == 1
    # An address CVAT never verified, beside it, still makes a new user (made by CVAT's admin here).
    ivan = int(env.manage("cvat_like_user", "--username", "ivan_cvat", "--email", dev_idp_email("ivangh")))
    me = self_of(env, Browser(), env.sign_in(Browser(), "github", "ivangh"))
    assert me.status == 200 and me.json()["id"] != ivan, me


def test_without_allauth_an_address_links_only_when_the_operator_trusts_cvat_addresses(env):
    # The address verified in CVAT's allauth, but replica B runs without allauth: it cannot know.
    judy = register(env, "judy_cvat", dev_idp_email("judygh"), "judy-password-1", base=env.django_urls[0])
    verify_in_cvat_admin(env, judy)
    kate = int(env.manage("cvat_like_user", "--username", "kate_cvat", "--email", dev_idp_email("kategh")))
    try:
        env.restart_gunicorn(1, CVAT_LIKE_ALLAUTH="0")
        me = self_of(env, Browser(), env.sign_in(Browser(), "github", "judygh"), base=env.django_urls[1])
        assert me.status == 200 and me.json()["id"] != judy, me
        assert "CVAT keeps no record of verified addresses (no allauth.account)" in env.log_of("gunicorn-1")
        # SOCIALGATE_TRUST_CVAT_EMAILS: the operator says CVAT's addresses are their owners'.
        env.restart_gunicorn(1, CVAT_LIKE_ALLAUTH="0", SOCIALGATE_TRUST_CVAT_EMAILS="true")
        me = self_of(env, Browser(), env.sign_in(Browser(), "github", "kategh"), base=env.django_urls[1])
        assert me.status == 200 and me.json()["id"] == kate, me
    finally:
        env.restart_gunicorn(1)


def test_an_existing_django_user_with_the_same_unverified_email_is_not_linked(env):
    dave = int(env.manage("cvat_like_user", "--username", "dave_cvat", "--email", "dave@example.org",
                          "--password", "dave-password-1"))
    key = env.sign_in(Browser(), "github", "davegh")
    verify = Browser().get(env.socialgate_url(1) + "/api/auth/verify", headers={"Authorization": "Token " + key})
    assert verify.header("X-Auth-Email-Verified") == "false", verify.headers
    me = self_of(env, Browser(), key)
    assert me.status == 200, me
    assert me.json()["id"] != dave
    assert links_of(env, dave) == []
    assert django_user(env, me.json()["id"])[2] == "", "an unverified address is never stored"


def test_a_taken_username_gets_a_numeric_suffix(env):
    erin = int(env.manage("cvat_like_user", "--username", "erinblake", "--email", "someone-else@example.net"))
    me = self_of(env, Browser(), env.sign_in(Browser(), "github", "erinblake"))
    assert me.status == 200, me
    assert me.json()["id"] != erin
    assert me.json()["username"] == "erinblake1", me.json()


def test_the_cvat_ui_key_authenticates_token_and_bearer_on_django(env):
    key = env.sign_in(Browser(), "google", "gwendolyn")
    r = self_of(env, Browser(), key)
    assert r.status == 200, r
    bearer = Browser().get(env.site + SELF, headers={"Authorization": "Bearer " + key})
    assert bearer.status == 200 and bearer.json()["id"] == r.json()["id"], bearer
    # A key in socialgate's format that socialgate does not know: refused, never another user.
    bogus = "A" * 43
    assert self_of(env, Browser(), bogus).status == 401


def test_two_replicas_racing_on_the_same_first_sign_in_end_with_one_user(env):
    key = env.sign_in(Browser(), "github", "racer.one")
    start = threading.Barrier(6)
    results = []

    def call(base):
        start.wait()
        results.append(self_of(env, Browser(), key, base=base))
    threads = [threading.Thread(target=call, args=(env.django_urls[i % 2],)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r.status == 200 for r in results), results
    ids = {r.json()["id"] for r in results}
    assert len(ids) == 1, ids
    assert len(env.query("SELECT id FROM auth_user WHERE username LIKE 'racer.one%'")) == 1
    assert len(links_of(env, ids.pop())) == 1


def password_user(env):
    """CVAT's own user with a password and a CVAT token (made once)."""
    rows = env.query("SELECT id FROM auth_user WHERE username = 'pw_user'")
    if rows:
        return rows[0][0]
    return int(env.manage("cvat_like_user", "--username", "pw_user", "--email", "pw@example.net",
                          "--password", "pw-password-1", "--token", CVAT_TOKEN))


def socialgate_calls(env):
    return sum(p.log(1 << 24).count('"path":"/api/auth/verify"') + p.log(1 << 24).count('"path":"/api/users/self"')
               for p in env.socialgate)


def test_cvat_own_tokens_and_basic_and_password_sessions_work(env):
    user = password_user(env)
    calls = socialgate_calls(env)
    r = self_of(env, Browser(), CVAT_TOKEN)
    assert r.status == 200 and r.json()["id"] == user, r
    basic = base64.b64encode(b"pw_user:pw-password-1").decode()
    r = Browser().get(env.site + SELF, headers={"Authorization": "Basic " + basic})
    assert r.status == 200 and r.json()["id"] == user, r
    assert self_of(env, Browser(), "f" * 40).status == 401  # an unknown CVAT token: CVAT's own 401
    _check_cvat_users_without_socialgate(env, user, basic)
    # CVAT's tokens, Basic and password sessions never reach socialgate (not even the stale cookie).
    assert socialgate_calls(env) == calls


def _check_cvat_users_without_socialgate(env, user, basic):
    b = Browser()
    login = b.post(env.site + "/api/auth/login", json_body={"username": "pw_user", "password": "pw-password-1"})
    assert login.status == 200, login
    b.cookies["sg_sessionid"] = "B" * 43  # a stale socialgate cookie beside CVAT's own session
    r = self_of(env, b)
    assert r.status == 200 and r.json()["id"] == user, r
    return b


def test_socialgate_stopped_gives_503_for_socialgate_credentials_only(env):
    user = password_user(env)
    basic = base64.b64encode(b"pw_user:pw-password-1").decode()
    social = Browser()
    key = env.sign_in(social, "github", "alicegh")
    assert self_of(env, social).status == 200
    password_browser = _check_cvat_users_without_socialgate(env, user, basic)
    try:
        env.stop_socialgate(0)
        env.stop_socialgate(1)
        # Once the recheck interval has passed, socialgate's credentials get 503...
        wait_until(lambda: self_of(env, Browser(), key).status == 503, env.recheck_seconds + 15,
                   "503 for the socialgate key")
        wait_until(lambda: self_of(env, social).status == 503, env.recheck_seconds + 15,
                   "503 for the socialgate-made Django session")
        fresh = Browser()
        fresh.cookies["sg_sessionid"] = "C" * 43
        assert self_of(env, fresh).status == 503
        # ... and CVAT's own token, Basic, password login and session keep working.
        assert self_of(env, Browser(), CVAT_TOKEN).status == 200
        r = Browser().get(env.site + SELF, headers={"Authorization": "Basic " + basic})
        assert r.status == 200, r
        assert self_of(env, password_browser).status == 200
        b = Browser()
        b.cookies["sg_sessionid"] = "D" * 43  # a stale socialgate cookie does not stop a password sign-in
        r = b.post(env.site + "/api/auth/login", json_body={"username": "pw_user", "password": "pw-password-1"})
        assert r.status == 200, r
        assert self_of(env, b).status == 200
    finally:
        for i in (0, 1):
            if not env.socialgate[i].running():
                env.start_socialgate(i)
    wait_until(lambda: self_of(env, social).status == 200, env.recheck_seconds + 15, "socialgate back")


def test_cvat_logout_ends_the_socialgate_session(env):
    # The UI's logout: the key in Authorization, as CVAT's UI sends it.
    b = Browser()
    key = env.sign_in(b, "github", "alicegh")
    assert self_of(env, b).status == 200
    out = b.post(env.site + "/api/auth/logout", headers={"Authorization": "Token " + key})
    assert out.status == 200, out
    verify = Browser().get(env.socialgate_url(0) + "/api/auth/verify", headers={"Authorization": "Token " + key})
    assert verify.status == 401, verify
    # The browser drops socialgate's cookie with Django's, so no replica can sign it in again, even
    # one that still holds the session in its recheck cache.
    assert "sg_sessionid" not in b.cookies and "sessionid" not in b.cookies, b.cookies
    for base in env.django_urls:
        assert self_of(env, b, base=base).status in (401, 403)
    # The key itself: refused everywhere once the recheck interval has passed.
    wait_until(lambda: self_of(env, Browser(), key).status == 401, env.recheck_seconds + 10, "the key refused")
    # A browser with only cookies: Django's session and CSRF token, as a page would send them.
    b = Browser()
    key = env.sign_in(b, "google", "gwendolyn")
    page = b.get(env.site + "/")  # CVAT's UI sets Django's csrftoken
    assert page.status == 200 and "csrftoken" in b.cookies, (page, b.cookies)
    assert self_of(env, b).status == 200
    assert self_of(env, b, base=env.django_urls[1]).status == 200  # both replicas know the session
    out = b.post(env.site + "/api/auth/logout", headers={"X-CSRFToken": b.cookies["csrftoken"]})
    assert out.status == 200, out
    assert "sg_sessionid" not in b.cookies and "sessionid" not in b.cookies, b.cookies
    for base in env.django_urls + env.django_urls:
        assert self_of(env, b, base=base).status in (401, 403)
    verify = Browser().get(env.socialgate_url(1) + "/api/auth/verify", headers={"Authorization": "Token " + key})
    assert verify.status == 401, verify


def test_cvat_logout_on_one_replica_is_refused_at_once_on_the_other(env):
    a, b = env.django_urls
    browser = Browser()
    key = env.sign_in(browser, "github", "loganrace")
    # Replica B answers the cookie (a Django session) and the key (an API client): it caches both.
    assert self_of(env, browser, base=b).status == 200
    assert self_of(env, Browser(), key, base=b).status == 200
    stolen_cookie = browser.cookies["sg_sessionid"]  # e.g. a second tab that never saw the logout
    # CVAT's logout on replica A.
    out = browser.post(a + "/api/auth/logout", headers={"Authorization": "Token " + key})
    assert out.status == 200, out
    # At once, still inside B's recheck interval: B makes no Django session from its cached
    # answer, and the key is refused although B's cache still holds "valid".
    replay = Browser()
    replay.cookies["sg_sessionid"] = stolen_cookie
    r = self_of(env, replay, base=b)
    assert r.status in (401, 403), ("cookie after logout on the other replica", r)
    assert "sessionid" not in replay.cookies, replay.cookies
    r = self_of(env, Browser(), key, base=b)
    assert r.status == 401, ("key after logout on the other replica", r)
    assert self_of(env, Browser(), key, base=a).status == 401
    # The mark every replica reads is in the shared database, and holds no key.
    marks = env.query("SELECT key_hash FROM socialgate_cvat_socialgaterevocation")
    assert marks and all(key not in row[0] for row in marks), marks


def test_a_django_session_is_made_only_from_socialgates_answer_of_now(env):
    b = env.django_urls[1]
    browser = Browser()
    key = env.sign_in(browser, "github", "freshgh")
    assert self_of(env, browser, base=b).status == 200  # replica B caches "valid" for the cookie
    # The session ends at socialgate itself (no CVAT logout, so no mark in CVAT's database).
    r = Browser().post(env.socialgate_url(0) + "/api/auth/logout", headers={"Authorization": "Token " + key})
    assert r.status == 200, r
    # The cookie without a Django session, on B inside its recheck interval: B asks socialgate
    # again before it makes a Django session, so none is made.
    replay = Browser()
    replay.cookies["sg_sessionid"] = browser.cookies["sg_sessionid"]
    r = self_of(env, replay, base=b)
    assert r.status in (401, 403), ("a Django session from a cached answer", r)
    assert "sessionid" not in replay.cookies, replay.cookies


def test_a_deleted_cvat_user_is_refused_on_every_replica_until_an_operator_lifts_it(env):
    browser = Browser()
    key = env.sign_in(browser, "github", "deliagh")
    me = self_of(env, browser)
    assert me.status == 200, me
    delia = me.json()["id"]
    socialgate_id = links_of(env, delia)[0][0]
    for base in env.django_urls:  # both replicas hold a cached answer and the cookie's session
        assert self_of(env, Browser(), key, base=base).status == 200
        assert self_of(env, browser, base=base).status == 200
    admin = env.admin()
    assert admin.api("DELETE", "/api/users/%d" % delia).status == 204
    users = count(env, "auth_user")
    for base in env.django_urls:
        for r in (self_of(env, Browser(), key, base=base), self_of(env, browser, base=base)):
            assert r.status == 403, (base, r)
            assert "deleted" in r.json()["detail"], r.json()
    # A new socialgate session of the same person: refused too, and no Django user is made.
    again = self_of(env, Browser(), env.sign_in(Browser(), "github", "deliagh"))
    assert again.status == 403, again
    assert count(env, "auth_user") == users
    assert "its CVAT user %d was deleted: refused" % delia in gunicorn_logs(env)
    # The operator sees the tombstone in CVAT's admin, and deleting it lets the person back.
    tombstones = env.query("SELECT id, socialgate_username FROM socialgate_cvat_socialgatetombstone "
                           "WHERE socialgate_user_id = ?", socialgate_id)
    assert tombstones and tombstones[0][1] == "deliagh", tombstones
    changelist = "/admin/socialgate_cvat/socialgatetombstone/"
    assert socialgate_id in admin.page(changelist).text()
    admin.action(changelist, "delete_selected", [tombstones[0][0]], confirm=True)
    back = self_of(env, Browser(), key)
    assert back.status == 200 and back.json()["id"] != delia, back


def test_a_disabled_cvat_user_linked_by_email_is_refused_on_the_first_request(env):
    admin = env.admin()
    for login, first in (("pennygh", "token"), ("olliegh", "cookie")):
        user = register(env, login + "_cvat", dev_idp_email(login), "disabled-password-1")
        verify_in_cvat_admin(env, user)
        assert admin.api("PATCH", "/api/users/%d" % user, json_body={"is_active": False}).json()["is_active"] is False
        browser = Browser()
        key = env.sign_in(browser, "github", login)
        # The very first request links by the verified address, and is refused.
        r = self_of(env, browser) if first == "cookie" else self_of(env, Browser(), key)
        assert r.status == 403 and "disabled" in r.json()["detail"], (first, r)
        assert "sessionid" not in browser.cookies, browser.cookies
        assert len(links_of(env, user)) == 1
        for base in env.django_urls:
            assert self_of(env, Browser(), key, base=base).status == 403
            assert self_of(env, browser, base=base).status == 403


def test_socialgate_revocation_ends_django_access_within_the_recheck_interval(env):
    laptop, phone = Browser(), Browser()
    laptop_key = env.sign_in(laptop, "github", "erinblake")
    env.sign_in(phone, "github", "erinblake")
    for b in (laptop, phone):
        assert self_of(env, b).status == 200
    # One session revoked at socialgate (its own logout, called directly): that browser loses Django.
    r = Browser().post(env.socialgate_url(0) + "/api/auth/logout", headers={"Authorization": "Token " + laptop_key})
    assert r.status == 200, r
    wait_until(lambda: self_of(env, laptop).status in (401, 403), env.recheck_seconds + 10, "laptop signed out")
    assert "sessionid" not in laptop.cookies or self_of(env, laptop).status in (401, 403)
    assert self_of(env, phone).status == 200
    # "Log out everywhere" at socialgate: the phone too.
    laptop2 = Browser()
    key2 = env.sign_in(laptop2, "github", "erinblake")
    r = Browser().post(env.socialgate_url(1) + "/api/auth/logout", json_body={"all": True},
                       headers={"Authorization": "Token " + key2})
    assert r.status == 200, r
    wait_until(lambda: self_of(env, phone).status in (401, 403), env.recheck_seconds + 10, "phone signed out")
    # The socialgate cookie gone (signed out in another tab): the Django session ends at once.
    b = Browser()
    env.sign_in(b, "github", "alicegh")
    assert self_of(env, b).status == 200
    del b.cookies["sg_sessionid"]
    assert self_of(env, b).status in (401, 403)


def test_another_socialgate_session_in_the_browser_ends_the_django_one(env):
    b = Browser()
    env.sign_in(b, "github", "alicegh")
    alice = self_of(env, b)
    assert alice.status == 200 and alice.json()["username"] == "alicegh"
    old_django_session = b.cookies["sessionid"]
    env.sign_in(b, "google", "gwendolyn")  # the same browser, now someone else at socialgate
    assert b.cookies["sessionid"] == old_django_session
    for base in env.django_urls:
        r = self_of(env, b, base=base)
        assert r.status == 200 and r.json()["username"] == "gwendolyn", r
    assert b.cookies["sessionid"] != old_django_session
    # An extra Authorization header that no class accepts does not skip the recheck either.
    del b.cookies["sg_sessionid"]
    r = self_of(env, b, headers={"Authorization": "Foo bar"})
    assert r.status in (401, 403), r


def test_forged_identity_headers_authenticate_nobody(env):
    forged = {"X-Auth-User-Id": "1", "X-Auth-Username": "alicegh", "X-Auth-Email": "alice@example.org",
              "X-Auth-Email-Verified": "true", "X-Auth-Provider": "github", "X-Auth-Session": "x",
              "Remote-User": "alicegh", "X-Remote-User": "alicegh"}
    for base in [env.site] + env.django_urls:
        r = Browser().get(base + SELF, headers=forged)
        assert r.status in (401, 403), (base, r)
        r = Browser().get(base + "/admin/", headers=forged)
        assert r.status != 200 or b"alicegh" not in r.body, (base, r)


def test_redis_emptied_and_socialgate_restarted_never_hands_an_old_account_to_a_new_person(env):
    victim = self_of(env, Browser(), env.sign_in(Browser(), "github", "victimgh"))
    assert victim.status == 200
    old_ids = {row[0] for row in env.query("SELECT id FROM auth_user")}
    assert harness.redis_command(env.redis_port, "FLUSHALL") == "+OK"
    for i in (0, 1):
        env.stop_socialgate(i)
        env.start_socialgate(i)
    for login in ("newcomer1", "newcomer2", "newcomer3", "newcomer4"):
        r = self_of(env, Browser(), env.sign_in(Browser(), "github", login))
        # socialgate's ids may be issued again after its data is lost: the package either makes a
        # new Django user or refuses; it never hands over an existing account.
        assert r.status in (200, 403), r
        if r.status == 200:
            assert r.json()["id"] not in old_ids, (login, r.json())


def test_on_https_only_the_host_prefixed_socialgate_cookie_signs_in_to_cvat(env):
    # A socialgate whose public URL is https names its cookie __Host-sg_sessionid and reads no
    # other: a sg_sessionid planted by a sibling subdomain (cookie tossing) must not sign anyone
    # in to CVAT either.
    sg_env = env.socialgate_env("127.0.0.1:0")
    # The callback registered at the dev IdP is nginx's; the test takes it to this replica itself.
    sg_env.update({"CVAT_BASE_URL": "https://cvat.test", "SOCIAL_AUTH_FLOW": "direct",
                   "GITHUB_CALLBACK_URL": env.site + "/api/auth/github/login/callback/"})
    secure = harness.Process("socialgate-https", [os.path.join(env.build_dir, "app", "socialgate")], sg_env,
                             os.path.join(env.scratch, "socialgate-https.log"))
    env.processes.append(secure)
    sg = "http://127.0.0.1:%d" % secure.listening_port()
    wait_until(lambda: env._status(sg + "/readyz") == 200, 60, "socialgate-https ready")
    b = Browser()
    start = b.get(sg + "/api/auth/github/login/?next=/")
    assert start.status == 302 and "__Host-sg_binding" in b.cookies, (start, b.cookies)
    idp = b.get(start.header("Location") + "&dev_login=hostprefix", cookies=False)
    assert idp.status == 302, idp
    callback = idp.header("Location").replace(env.site, sg, 1)
    done = b.get(callback)
    assert done.status == 302, done
    key = b.cookies.get("__Host-sg_sessionid")
    assert key and "sg_sessionid" not in b.cookies, b.cookies
    try:
        env.restart_gunicorn(0, SOCIALGATE_INTERNAL_URL=sg)
        base = env.django_urls[0]
        signed_in = Browser()
        signed_in.cookies["__Host-sg_sessionid"] = key
        r = self_of(env, signed_in, base=base)
        assert r.status == 200 and r.json()["username"] == "hostprefix", r
        tossed = Browser()
        tossed.cookies["sg_sessionid"] = key
        r = self_of(env, tossed, base=base)
        assert r.status in (401, 403), ("a cookie without the prefix signed in", r)
        assert "sessionid" not in tossed.cookies, tossed.cookies
        # CVAT's logout drops the prefixed cookie too.
        out = signed_in.post(base + "/api/auth/logout", headers={"X-CSRFToken": signed_in.cookies.get("csrftoken", "")})
        assert out.status == 200, out
        assert "__Host-sg_sessionid" not in signed_in.cookies, out.all("Set-Cookie")
        assert any(c.startswith("__Host-sg_sessionid=") and "Secure" in c for c in out.all("Set-Cookie")), out.headers
    finally:
        env.restart_gunicorn(0)
        secure.stop()


SCENARIOS = [v for k, v in list(globals().items()) if k.startswith("test_")]


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--build-dir", default=os.path.join(harness.SOURCE_DIR, "build"))
    parser.add_argument("--output", default=None)
    parser.add_argument("-k", dest="filter", default="")
    args = parser.parse_args()
    if not harness.django_available():
        print("SKIP: Debian's python3-django, python3-djangorestframework and gunicorn are not installed "
              "(apt-get install python3-django python3-djangorestframework gunicorn)")
        return harness.SKIP
    if not harness.allauth_available():
        print("FAIL: Debian's python3-django-allauth is not installed (CVAT has allauth's accounts; "
              "bash deploy/install-deps.sh installs it)")
        return 1
    output = args.output or os.path.join(args.build_dir, "tests", "cvat-output", "integration")
    started = time.monotonic()
    env = harness.Deployment(args.build_dir, output)
    print("deployment up in %.1f s: %s" % (time.monotonic() - started, env.site), flush=True)
    failures = []
    try:
        for scenario in SCENARIOS:
            if args.filter and args.filter not in scenario.__name__:
                continue
            t0 = time.monotonic()
            try:
                scenario(env)
                print("PASS %s (%.1f s)" % (scenario.__name__, time.monotonic() - t0), flush=True)
            except Exception:
                failures.append(scenario.__name__)
                print("FAIL %s\n%s" % (scenario.__name__, traceback.format_exc()), flush=True)
        if failures:
            env.dump_logs()
    finally:
        env.close()
    print("%d failed: %s" % (len(failures), ", ".join(failures)) if failures else "all passed",
          "in %.1f s" % (time.monotonic() - started))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
