"""Server-to-server calls to socialgate (SOCIALGATE_INTERNAL_URL): verify a credential, read the
user's profile once, end a session. Short timeouts; a small in-process cache of verify answers
that never outlives SOCIALGATE_RECHECK_SECONDS (an answer from it says so: `fresh` is False)."""
import dataclasses
import hashlib
import http.client
import json
import logging
import re
import ssl
import threading
import time
import urllib.parse
from dataclasses import dataclass
from typing import Optional

from . import conf

log = logging.getLogger("socialgate_cvat")

# socialgate's keys (session ids): 32 random bytes, base64url without padding. CVAT's own tokens
# are 40 hex characters and never match, so they never leave the CVAT server.
_KEY_RE = re.compile(r"\A[A-Za-z0-9_-]{43}\Z")
# Header values socialgate sends are plain; anything else is treated as no answer.
_VALUE_RE = re.compile(r"\A[^\x00-\x1f\x7f]*\Z")

OK, INVALID, UNAVAILABLE = "ok", "invalid", "unavailable"


def is_socialgate_key(value):
    return bool(value) and _KEY_RE.match(value) is not None


@dataclass(frozen=True)
class Credential:
    """A socialgate session key, and how the request carried it (for a cookie: its name)."""
    key: str
    via_cookie: bool
    cookie_name: str = ""

    def _cookie(self):
        return self.cookie_name or conf.session_cookie_name()

    def cache_key(self):
        # socialgate's answer depends on the cookie's name too (on https it reads only __Host-).
        kind = ("c:" + self._cookie() + ":") if self.via_cookie else "k:"
        return hashlib.sha256(kind.encode() + self.key.encode()).hexdigest()

    def headers(self):
        if self.via_cookie:
            return {"Cookie": "%s=%s" % (self._cookie(), self.key)}
        return {"Authorization": "Token " + self.key}


@dataclass(frozen=True)
class Identity:
    user_id: str
    username: str
    provider: str
    session: str           # the socialgate session's public handle
    email: str             # only when socialgate says it is verified, else ""
    email_verified: bool


@dataclass(frozen=True)
class VerifyResult:
    status: str
    identity: Optional[Identity] = None
    fresh: bool = True     # socialgate's answer of now, not one from the recheck cache


class _Cache:
    MAX_ENTRIES = 10000

    def __init__(self):
        self._lock = threading.Lock()
        self._entries = {}

    def get(self, key):
        now = time.monotonic()
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                return None
            if entry[0] <= now:
                del self._entries[key]
                return None
            return entry[1]

    def put(self, key, value):
        ttl = conf.recheck_seconds()
        if ttl <= 0:
            return
        now = time.monotonic()
        with self._lock:
            if len(self._entries) >= self.MAX_ENTRIES:
                for k in [k for k, (exp, _) in self._entries.items() if exp <= now]:
                    del self._entries[k]
                if len(self._entries) >= self.MAX_ENTRIES:
                    self._entries.clear()
            self._entries[key] = (now + ttl, value)

    def drop(self, key):
        with self._lock:
            self._entries.pop(key, None)

    def clear(self):
        with self._lock:
            self._entries.clear()


cache = _Cache()


class Unavailable(Exception):
    pass


def _request(method, path, headers, body=None):
    """One call to socialgate; returns (status, headers, body bytes). Raises Unavailable when
    socialgate cannot be reached or does not answer in time."""
    base = urllib.parse.urlsplit(conf.internal_url())
    timeout = conf.timeout_seconds()
    if base.scheme == "https":
        connection = http.client.HTTPSConnection(base.hostname, base.port or 443, timeout=timeout,
                                                 context=ssl.create_default_context())
    else:
        connection = http.client.HTTPConnection(base.hostname, base.port or 80, timeout=timeout)
    try:
        all_headers = {"Accept": "application/json", "User-Agent": "socialgate-cvat"}
        all_headers.update(headers)
        if body is not None:
            all_headers["Content-Type"] = "application/json"
        connection.request(method, base.path.rstrip("/") + path, body=body, headers=all_headers)
        response = connection.getresponse()
        data = response.read(1 << 20)
        return response.status, response, data
    except (OSError, http.client.HTTPException) as error:
        raise Unavailable(str(error)) from error
    finally:
        connection.close()


def _header(response, name):
    value = response.getheader(name, "") or ""
    if not _VALUE_RE.match(value) or value != value.strip():
        return None
    return value


def verify(credential, fresh=False):
    """Asks socialgate's /api/auth/verify who this credential is. OK with an Identity, INVALID
    (no such session), or UNAVAILABLE (socialgate down, slow, or answering nonsense). A cached
    answer may come back unless `fresh`; a fresh one refreshes the cache."""
    key = credential.cache_key()
    if not fresh:
        cached = cache.get(key)
        if cached is not None:
            return cached
    try:
        status, response, _ = _request("GET", "/api/auth/verify", credential.headers())
    except Unavailable as error:
        log.warning("socialgate unreachable at %s: %s", conf.internal_url(), error)
        return VerifyResult(UNAVAILABLE)
    if status == 401:
        result = VerifyResult(INVALID)
    elif status == 200:
        fields = {name: _header(response, "X-Auth-" + name)
                  for name in ("User-Id", "Username", "Provider", "Session", "Email", "Email-Verified")}
        if not fields["User-Id"] or not fields["Username"] or any(v is None for v in fields.values()):
            log.warning("socialgate's verify answer lacks identity headers")
            return VerifyResult(UNAVAILABLE)
        verified = fields["Email-Verified"] == "true"
        result = VerifyResult(OK, Identity(
            user_id=fields["User-Id"], username=fields["Username"], provider=fields["Provider"],
            # An older socialgate without X-Auth-Session: the user id stands in for the handle.
            session=fields["Session"] or ("user:" + fields["User-Id"]),
            email=fields["Email"] if verified else "", email_verified=verified))
    else:
        log.warning("socialgate's verify answered %s", status)
        return VerifyResult(UNAVAILABLE)
    cache.put(key, dataclasses.replace(result, fresh=False))
    return result


def profile(credential):
    """socialgate's /api/users/self for this credential (first and last name); {} when it fails."""
    try:
        status, _, data = _request("GET", "/api/users/self", credential.headers())
        if status == 200:
            doc = json.loads(data.decode("utf-8"))
            if isinstance(doc, dict):
                return doc
    except (Unavailable, ValueError) as error:
        log.warning("socialgate's /api/users/self failed: %s", error)
    return {}


def logout(credential):
    """Ends this socialgate session (POST /api/auth/logout with the key; no CSRF for key auth).
    True when socialgate confirmed it."""
    cache.drop(credential.cache_key())
    for name in conf.session_cookie_names():
        cache.drop(Credential(credential.key, True, name).cache_key())
    cache.drop(Credential(credential.key, False).cache_key())
    try:
        status, _, _ = _request("POST", "/api/auth/logout", {"Authorization": "Token " + credential.key}, body=b"{}")
        if status != 200:
            log.warning("socialgate's logout answered %s", status)
        return status == 200
    except Unavailable as error:
        log.warning("socialgate's logout failed: %s", error)
        return False
