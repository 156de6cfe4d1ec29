"""Signs socialgate's users in to Django: after AuthenticationMiddleware, a request with a
socialgate credential (its session cookie, or its key in `Authorization: Token|Bearer`) is checked
with socialgate and mapped to the linked Django user; a browser gets a Django session that
remembers the socialgate session handle, so CVAT's own `sessionid`/`csrftoken` carry on as usual.
"""
import logging

from django.conf import settings
from django.contrib.auth import login
from django.contrib.auth.models import AnonymousUser
from django.http import JsonResponse
from django.shortcuts import resolve_url

from . import client, conf, revocation
from .identity import Refused, user_for

log = logging.getLogger("socialgate_cvat")

SESSION_HANDLE = "_socialgate_session"
# Identity headers a client might send, hoping something downstream believes them.
_CLIENT_IDENTITY_PREFIXES = ("HTTP_X_AUTH_", "HTTP_REMOTE_USER", "HTTP_X_REMOTE_USER", "HTTP_X_FORWARDED_USER")


class State:
    """What the middleware found, for the DRF authentication class."""
    def __init__(self, credential, status, user=None, detail=""):
        self.credential = credential
        self.status = status            # client.OK, client.INVALID, client.UNAVAILABLE, or "refused"
        self.user = user
        self.detail = detail


def _authorization(request):
    """(scheme, value) of the Authorization header, scheme lowercased; (None, None) without one."""
    header = request.META.get("HTTP_AUTHORIZATION", "")
    if not header:
        return None, None
    parts = header.split(None, 1)
    if len(parts) != 2:
        return parts[0].lower() if parts else None, ""
    return parts[0].lower(), parts[1].strip()


def header_credential(request):
    scheme, value = _authorization(request)
    if scheme in ("token", "bearer") and client.is_socialgate_key(value):
        return client.Credential(value, via_cookie=False)
    return None


def cookie_credential(request):
    for name in conf.session_cookie_names():
        value = request.COOKIES.get(name, "")
        if client.is_socialgate_key(value):
            return client.Credential(value, via_cookie=True, cookie_name=name)
    return None


def carries_cvat_credential(request):
    """The request authenticates with CVAT's own means (its token, Basic, a signed URL)."""
    scheme, value = _authorization(request)
    if scheme is not None and header_credential(request) is None:
        return True
    return "sign" in request.GET


def resolve(credential, fresh=False):
    """Verify the credential and map it to a Django user: a State. A session CVAT logged out (on
    any replica) is INVALID here whatever a cache or socialgate says."""
    if revocation.is_revoked(credential.key):
        log.info("a socialgate session that CVAT logged out was presented again: refused")
        return State(credential, client.INVALID)
    result = client.verify(credential, fresh=fresh)
    if result.status != client.OK:
        return State(credential, result.status)
    try:
        user = user_for(result.identity, credential)
    except Refused as refused:
        return State(credential, "refused", detail=str(refused))
    state = State(credential, client.OK, user)
    state.identity = result.identity
    state.fresh = result.fresh
    return state


def _is_password_login(request):
    """CVAT's own sign-in endpoint (LOGIN_URL, `rest_login` in CVAT), without a socialgate key."""
    if header_credential(request) is not None:
        return False
    try:
        login_path = resolve_url(getattr(settings, "LOGIN_URL", ""))
    except Exception:  # noqa: BLE001 - an unresolvable LOGIN_URL just means "no such endpoint"
        return False
    return bool(login_path) and login_path.startswith("/") and request.path.rstrip("/") == login_path.rstrip("/")


def _backend():
    backends = list(getattr(settings, "AUTHENTICATION_BACKENDS", ["django.contrib.auth.backends.ModelBackend"]))
    model = "django.contrib.auth.backends.ModelBackend"
    return model if model in backends else backends[0]


def _end_django_session(request):
    # Not django.contrib.auth.logout: that would fire user_logged_out, which ends the socialgate
    # session the request carries, and this one may be a new, valid one.
    request.session.flush()
    request.user = AnonymousUser()


def unavailable_response():
    return JsonResponse({"detail": "The sign-in service (socialgate) is unavailable; try again shortly."},
                        status=503)


def refused_response(detail):
    return JsonResponse({"detail": detail}, status=403)


class SocialgateMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        for name in [n for n in request.META if n.startswith(_CLIENT_IDENTITY_PREFIXES)]:
            del request.META[name]
        response = self.process(request)
        if response is None:
            response = self.get_response(request)
        if getattr(request, "_socialgate_signed_out", False):
            # CVAT's logout ended the socialgate session: the browser drops its cookie too, so that
            # a replica still holding the session in its recheck cache cannot sign it in again.
            # Django marks a __Host- cookie's deletion Secure by itself.
            for name in conf.session_cookie_names():
                if name in request.COOKIES:
                    response.delete_cookie(name, path="/", samesite="Lax")
        return response

    @staticmethod
    def _is_browser(request):
        return getattr(request, "session", None) is not None and cookie_credential(request) is not None

    @staticmethod
    def _same_session(request, state):
        """The Django session was made from this very socialgate session, for this user."""
        return request.session.get(SESSION_HANDLE) == state.identity.session and request.user.pk == state.user.pk

    def _makes_session(self, request, state, made_by_us):
        return self._is_browser(request) and not (made_by_us and self._same_session(request, state))

    def process(self, request):
        request._socialgate = None
        session = getattr(request, "session", None)
        made_by_us = session is not None and session.get(SESSION_HANDLE) is not None
        credential = header_credential(request) or cookie_credential(request)

        if made_by_us:
            # Checked whatever else the request carries, so no extra header skips the recheck.
            if credential is None:
                _end_django_session(request)  # signed out of socialgate (cookie gone)
                return None
        elif request.user.is_authenticated:
            return None  # a CVAT password user: never checked against socialgate
        elif credential is None or carries_cvat_credential(request) or _is_password_login(request):
            # Nobody; CVAT's own token or Basic; or CVAT's password sign-in (a stale socialgate
            # cookie must not make it fail while socialgate is down): never a call to socialgate.
            return None

        state = resolve(credential)
        if state.status == client.OK and not state.fresh and self._makes_session(request, state, made_by_us):
            # A new Django session outlives this request and serves every replica, so it is made
            # only from socialgate's answer of now: a cached one may be of a session ended since.
            state = resolve(credential, fresh=True)
        request._socialgate = state
        if state.status == client.UNAVAILABLE:
            return unavailable_response()
        if state.status != client.OK:
            if made_by_us:
                _end_django_session(request)  # revoked or expired at socialgate
            if state.status == "refused":
                return refused_response(state.detail)
            return None

        if made_by_us:
            if self._same_session(request, state):
                return None
            _end_django_session(request)  # another socialgate session: a new Django one
        if self._is_browser(request):
            # A browser: a Django session, as CVAT's TokenAuthenticationEx makes for its tokens.
            login(request, state.user, backend=_backend())
            request.session[SESSION_HANDLE] = state.identity.session
        else:
            request.user = state.user  # an API client with the key: this request only
        return None
