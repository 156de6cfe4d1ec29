"""CVAT's cvat/apps/iam/authentication.py TokenAuthenticationEx: a valid CVAT token also (re)makes
the Django session, so that URLs opened without the header still work."""
from django.contrib.auth import login
from rest_framework.authentication import TokenAuthentication


class TokenAuthenticationEx(TokenAuthentication):
    def authenticate(self, request):
        auth = super().authenticate(request)
        session = getattr(request, "session")
        if auth is not None and (session.session_key is None or (not session.modified and not session.load())):
            login(request, auth[0], "django.contrib.auth.backends.ModelBackend")
        return auth
