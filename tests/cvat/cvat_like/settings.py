"""A CVAT-like Django project for socialgate's integration tests: CVAT's authentication settings,
taken from CVAT's own cvat/settings/base.py (v2.4.0) and cvat/apps/iam, and nothing else of CVAT.
Run as DJANGO_SETTINGS_MODULE=socialgate_cvat.settings with
SOCIALGATE_CVAT_BASE_SETTINGS=cvat_like.settings, the way a CVAT deployment installs the package.

Like CVAT 2.4 it has Django's admin and django-allauth's accounts (Debian's python3-django-allauth;
CVAT 2.4 pins >= 0.52, whose EmailAddress is the same): its registration makes an unverified
EmailAddress, as CVAT's does. CVAT_LIKE_ALLAUTH=0 (or allauth not installed) leaves allauth out,
for the package's path without it."""
import importlib.util
import os

BASE_DIR = os.path.dirname(os.path.abspath(__file__))
SECRET_KEY = os.environ.get("CVAT_LIKE_SECRET_KEY", "cvat-like-test-secret-key-not-for-production")
DEBUG = False
ALLOWED_HOSTS = ["*"]

WITH_ALLAUTH = (os.environ.get("CVAT_LIKE_ALLAUTH", "1") != "0"
                and importlib.util.find_spec("allauth") is not None)

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.contenttypes",
    "django.contrib.auth",
    "django.contrib.sessions",
    "django.contrib.messages",
    "rest_framework",
    "rest_framework.authtoken",
    "django.contrib.sites",
] + (["allauth", "allauth.account"] if WITH_ALLAUTH else []) + [
    "cvat_like",
]
SITE_ID = 1

# CVAT's MIDDLEWARE, without the parts of CVAT that this test server does not have.
MIDDLEWARE = [
    # Tests only, outermost: marks every answer of this server (also the redirects of the ones
    # below), so the routing test sees who answered.
    "cvat_like.served_by.ServedByMiddleware",
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

REST_FRAMEWORK = {
    "DEFAULT_PARSER_CLASSES": [
        "rest_framework.parsers.JSONParser",
        "rest_framework.parsers.FormParser",
    ],
    "DEFAULT_RENDERER_CLASSES": ["rest_framework.renderers.JSONRenderer"],
    "DEFAULT_PERMISSION_CLASSES": ["rest_framework.permissions.IsAuthenticated"],
    # CVAT: TokenAuthenticationEx, SignatureAuthentication, SessionAuthentication, BasicAuthentication.
    "DEFAULT_AUTHENTICATION_CLASSES": [
        "cvat_like.authentication.TokenAuthenticationEx",
        "rest_framework.authentication.SessionAuthentication",
        "rest_framework.authentication.BasicAuthentication",
    ],
}

ROOT_URLCONF = "cvat_like.urls"
WSGI_APPLICATION = "cvat_like.wsgi.application"
TEMPLATES = [{
    "BACKEND": "django.template.backends.django.DjangoTemplates",
    "DIRS": [],
    "APP_DIRS": True,
    "OPTIONS": {"context_processors": [
        "django.template.context_processors.request",
        "django.contrib.auth.context_processors.auth",
        "django.contrib.messages.context_processors.messages",
    ]},
}]

DATABASES = {
    "default": {
        "ENGINE": "django.db.backends.sqlite3",
        "NAME": os.environ.get("CVAT_LIKE_DB", os.path.join(BASE_DIR, "db.sqlite3")),
        # Two gunicorn replicas share this file: wait for the other's write lock.
        "OPTIONS": {"timeout": 30},
    }
}
DEFAULT_AUTO_FIELD = "django.db.models.AutoField"

# CVAT's IAM settings (cvat/settings/base.py): new users join the default role group.
IAM_TYPE = "BASIC"
IAM_DEFAULT_ROLE = "user"
IAM_DEFAULT_ROLES = [IAM_DEFAULT_ROLE]
IAM_ADMIN_ROLE = "admin"
IAM_ROLES = [IAM_ADMIN_ROLE, "business", "user", "worker"]

LOGIN_URL = "rest_login"  # CVAT's
AUTHENTICATION_BACKENDS = ["django.contrib.auth.backends.ModelBackend"] + (
    ["allauth.account.auth_backends.AuthenticationBackend"] if WITH_ALLAUTH else [])
# CVAT 2.4's allauth settings: anyone may register any address, unverified.
ACCOUNT_EMAIL_VERIFICATION = "none"
ACCOUNT_AUTHENTICATION_METHOD = "username_email"
ACCOUNT_USERNAME_MIN_LENGTH = 5
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
# CVAT's cookies and CSRF header.
SESSION_COOKIE_NAME = "sessionid"
CSRF_COOKIE_NAME = "csrftoken"
CSRF_HEADER_NAME = "HTTP_X_CSRFTOKEN"
USE_TZ = True
STATIC_URL = "/static/"

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler"}},
    "loggers": {
        "socialgate_cvat": {"handlers": ["console"], "level": "INFO"},
        "django": {"handlers": ["console"], "level": "WARNING"},
    },
}
