"""DRF authentication: a socialgate key in `Authorization: Token <key>` (the `cvat-ui` flow's
answer) or `Bearer <key>`. First in DEFAULT_AUTHENTICATION_CLASSES; anything that is not a
socialgate key (CVAT's 40-hex tokens, Basic) is left to CVAT's own classes, untouched."""
from rest_framework import exceptions
from rest_framework.authentication import BaseAuthentication

from . import client
from .middleware import header_credential, resolve


class ServiceUnavailable(exceptions.APIException):
    status_code = 503
    default_detail = "The sign-in service (socialgate) is unavailable; try again shortly."
    default_code = "service_unavailable"


class SocialgateAuthentication(BaseAuthentication):
    def authenticate(self, request):
        django_request = request._request
        credential = header_credential(django_request)
        if credential is None:
            return None
        state = getattr(django_request, "_socialgate", None)
        if state is None or state.credential != credential:
            state = resolve(credential)  # the middleware is not installed (or saw another key)
        if state.status == client.UNAVAILABLE:
            raise ServiceUnavailable()
        if state.status == "refused":
            raise exceptions.AuthenticationFailed(state.detail)
        if state.status != client.OK:
            raise exceptions.AuthenticationFailed("Invalid or expired socialgate session.")
        return (state.user, credential.key)

    def authenticate_header(self, request):
        return "Token"
