"""DJANGO_SETTINGS_MODULE=socialgate_cvat.settings: CVAT's settings plus socialgate's sign-in.

Imports everything from SOCIALGATE_CVAT_BASE_SETTINGS (default cvat.settings.production), then adds
the package's app, its middleware (right after Django's AuthenticationMiddleware) and its DRF
authentication class (first in DEFAULT_AUTHENTICATION_CLASSES). Nothing in CVAT's code changes.

Environment (each may also be set in the base settings; the environment wins):
  SOCIALGATE_INTERNAL_URL         socialgate as the CVAT server reaches it, e.g. http://socialgate:8080
  SOCIALGATE_SESSION_COOKIE_NAME  socialgate's session cookie (its SOCIAL_AUTH_SESSION_COOKIE_NAME),
                                  default sg_sessionid
  SOCIALGATE_RECHECK_SECONDS      how long a socialgate answer is reused, default 30
  SOCIALGATE_TIMEOUT_SECONDS      timeout of each call to socialgate, default 3
  SOCIALGATE_TRUST_CVAT_EMAILS    link a first sign-in to the CVAT user with the same address even
                                  when CVAT has not verified it (true/false), default false
  SOCIALGATE_SESSION_ABSOLUTE_AGE socialgate's SOCIAL_AUTH_SESSION_ABSOLUTE_AGE, default 2592000
"""
import importlib as _importlib
import os as _os

from django.core.exceptions import ImproperlyConfigured as _ImproperlyConfigured

_BASE = _os.environ.get("SOCIALGATE_CVAT_BASE_SETTINGS", "cvat.settings.production")
if _BASE == __name__:
    raise _ImproperlyConfigured("SOCIALGATE_CVAT_BASE_SETTINGS must name CVAT's settings, not %s" % __name__)
_base = _importlib.import_module(_BASE)
_names = getattr(_base, "__all__", None) or [n for n in vars(_base) if not n.startswith("_")]
globals().update({n: getattr(_base, n) for n in _names})

_APP = "socialgate_cvat"
_MIDDLEWARE = "socialgate_cvat.middleware.SocialgateMiddleware"
_AUTH_MIDDLEWARE = "django.contrib.auth.middleware.AuthenticationMiddleware"
_DRF_CLASS = "socialgate_cvat.authentication.SocialgateAuthentication"

INSTALLED_APPS = list(globals().get("INSTALLED_APPS", []))
if _APP not in INSTALLED_APPS:
    INSTALLED_APPS.append(_APP)

MIDDLEWARE = [m for m in globals().get("MIDDLEWARE", []) if m != _MIDDLEWARE]
if _AUTH_MIDDLEWARE not in MIDDLEWARE:
    raise _ImproperlyConfigured("MIDDLEWARE: socialgate_cvat needs %s in the base settings" % _AUTH_MIDDLEWARE)
MIDDLEWARE.insert(MIDDLEWARE.index(_AUTH_MIDDLEWARE) + 1, _MIDDLEWARE)

REST_FRAMEWORK = dict(globals().get("REST_FRAMEWORK", {}))
REST_FRAMEWORK["DEFAULT_AUTHENTICATION_CLASSES"] = [_DRF_CLASS] + [
    c for c in REST_FRAMEWORK.get("DEFAULT_AUTHENTICATION_CLASSES",
                                  ["rest_framework.authentication.SessionAuthentication",
                                   "rest_framework.authentication.BasicAuthentication"])
    if c != _DRF_CLASS]


def _setting(name, default):
    value = _os.environ.get(name)
    if value is not None and value != "":
        return value
    return globals().get(name, default)


def _number(name, default):
    value = _setting(name, default)
    try:
        return float(value)
    except (TypeError, ValueError):
        raise _ImproperlyConfigured("%s: expected a number of seconds, got %r" % (name, value))


def _flag(name, default):
    value = _setting(name, default)
    if isinstance(value, bool):
        return value
    text = str(value).strip().lower()
    if text in ("1", "true", "yes", "on"):
        return True
    if text in ("0", "false", "no", "off"):
        return False
    raise _ImproperlyConfigured("%s: expected true or false, got %r" % (name, value))


SOCIALGATE_INTERNAL_URL = _setting("SOCIALGATE_INTERNAL_URL", "http://socialgate:8080")
SOCIALGATE_SESSION_COOKIE_NAME = _setting("SOCIALGATE_SESSION_COOKIE_NAME", "sg_sessionid")
SOCIALGATE_RECHECK_SECONDS = _number("SOCIALGATE_RECHECK_SECONDS", 30)
SOCIALGATE_TIMEOUT_SECONDS = _number("SOCIALGATE_TIMEOUT_SECONDS", 3)
SOCIALGATE_TRUST_CVAT_EMAILS = _flag("SOCIALGATE_TRUST_CVAT_EMAILS", False)
SOCIALGATE_SESSION_ABSOLUTE_AGE = _number("SOCIALGATE_SESSION_ABSOLUTE_AGE", 2592000)
