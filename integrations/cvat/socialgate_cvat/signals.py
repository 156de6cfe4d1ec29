"""CVAT's logout (dj-rest-auth's, or any django.contrib.auth.logout) ends the socialgate session
that the request carries, when that session signed this user in, and marks it for every replica.
Deleting a Django user leaves a tombstone for each socialgate user linked to it."""
import logging

from . import client, revocation
from .middleware import SESSION_HANDLE, cookie_credential, header_credential
from .models import SocialgateLink, SocialgateTombstone

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
            # Marked before socialgate is told, so that no replica accepts it from its cache in
            # between; shortened once socialgate confirms (revocation.py says why and how long).
            revocation.mark(credential.key, confirmed=False)
            if client.logout(credential):
                revocation.mark(credential.key, confirmed=True)
            request._socialgate_signed_out = True
            return


def bury_links(sender, instance, using=None, **kwargs):
    """pre_delete of a Django user (inside the deletion's transaction): its links go with it (on
    delete cascade), and without a tombstone the next request of one of its socialgate sessions
    would make a new Django user for it."""
    for link in SocialgateLink.objects.using(using).filter(user_id=instance.pk):
        SocialgateTombstone.objects.using(using).update_or_create(
            socialgate_user_id=link.socialgate_user_id,
            defaults={"socialgate_username": link.socialgate_username, "deleted_user_pk": str(instance.pk),
                      "deleted_username": str(instance.get_username())[:150]})
        log.warning("Django user %s deleted: socialgate user %s is refused from now on (delete its tombstone "
                    "in Django's admin to let it back)", instance.pk, link.socialgate_user_id)
