"""The package's settings, read from Django's settings (which the settings wrapper fills from the
environment). One place, so that every module sees the same values and defaults."""
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

DEFAULT_SESSION_COOKIE_NAME = "sg_sessionid"
DJANGO_COOKIE_NAMES = ("sessionid", "csrftoken")


def internal_url():
    url = getattr(settings, "SOCIALGATE_INTERNAL_URL", "") or ""
    return url.rstrip("/")


def session_cookie_name():
    return getattr(settings, "SOCIALGATE_SESSION_COOKIE_NAME", DEFAULT_SESSION_COOKIE_NAME) or DEFAULT_SESSION_COOKIE_NAME


HOST_PREFIX = "__Host-"


def session_cookie_names():
    """The names socialgate's session cookie may have, most specific first: on an https site
    socialgate names it `__Host-<name>` (only that very host can set it), on http `<name>`. The
    cookie is passed on to socialgate under the name it came with, and socialgate on https reads
    only the prefixed one, so a cookie planted under the plain name authenticates nobody."""
    name = session_cookie_name()
    if name.startswith(HOST_PREFIX):
        return (name,)
    return (HOST_PREFIX + name, name)


def recheck_seconds():
    return float(getattr(settings, "SOCIALGATE_RECHECK_SECONDS", 30))


def timeout_seconds():
    return float(getattr(settings, "SOCIALGATE_TIMEOUT_SECONDS", 3))


def trust_cvat_emails():
    """True when the operator says every address CVAT holds is its owner's (CVAT lets anyone
    register any address unverified, so the default is False)."""
    return bool(getattr(settings, "SOCIALGATE_TRUST_CVAT_EMAILS", False))


def session_absolute_age_seconds():
    """socialgate's SOCIAL_AUTH_SESSION_ABSOLUTE_AGE: no session outlives it, so neither need the
    marks of sessions CVAT logged out without socialgate confirming it."""
    return float(getattr(settings, "SOCIALGATE_SESSION_ABSOLUTE_AGE", 2592000))


def default_roles():
    """CVAT's default role group(s): IAM_DEFAULT_ROLE (newer CVAT) or IAM_DEFAULT_ROLES (2.x)."""
    role = getattr(settings, "IAM_DEFAULT_ROLE", None)
    if role:
        return [role]
    roles = getattr(settings, "IAM_DEFAULT_ROLES", None)
    if roles:
        return list(roles)
    return ["user"]


def check():
    """Refuses settings that cannot work, with one line that names the setting."""
    url = internal_url()
    if not url.startswith(("http://", "https://")):
        raise ImproperlyConfigured(
            "SOCIALGATE_INTERNAL_URL: set it to socialgate's address as the CVAT server reaches it, "
            "e.g. http://socialgate:8080 (got %r)" % url)
    name = session_cookie_name()
    if name in DJANGO_COOKIE_NAMES or name in (getattr(settings, "SESSION_COOKIE_NAME", "sessionid"),
                                               getattr(settings, "CSRF_COOKIE_NAME", "csrftoken")):
        raise ImproperlyConfigured(
            "SOCIALGATE_SESSION_COOKIE_NAME: %r is Django's own cookie; use socialgate's "
            "SOCIAL_AUTH_SESSION_COOKIE_NAME (default sg_sessionid)" % name)
    if recheck_seconds() < 0 or timeout_seconds() <= 0 or session_absolute_age_seconds() <= 0:
        raise ImproperlyConfigured("SOCIALGATE_RECHECK_SECONDS must be >= 0, SOCIALGATE_TIMEOUT_SECONDS > 0 "
                                   "and SOCIALGATE_SESSION_ABSOLUTE_AGE > 0")
