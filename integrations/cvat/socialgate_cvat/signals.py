"""CVAT's logout (dj-rest-auth's, or any django.contrib.auth.logout) ends the socialgate session
that the request carries, when that session signed this user in."""
import logging

from . import client
from .middleware import SESSION_HANDLE, cookie_credential, header_credential

log = logging.getLogger("socialgate_cvat")


def end_socialgate_session(sender, request=None, user=None, **kwargs):
    if request is None:
        return
    request = getattr(request, "_request", request)  # DRF's Request wraps Django's HttpRequest
    session = getattr(request, "session", None)
    made_by_us = session is not None and session.get(SESSION_HANDLE) is not None
    state = getattr(request, "_socialgate", None)
    authenticated_by_us = state is not None and state.status == client.OK
    if not (made_by_us or authenticated_by_us):
        return  # a CVAT password or token user: nothing of socialgate's to end
    for credential in (header_credential(request), cookie_credential(request)):
        if credential is not None:
            client.logout(credential)
            request._socialgate_signed_out = True
            return
