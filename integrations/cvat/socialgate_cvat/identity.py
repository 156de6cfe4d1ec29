"""socialgate identity -> Django user: find the link, or make the user (or link an existing one by
a verified email) once, safely when two CVAT replicas race on the same first sign-in."""
import logging
import re
import time

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, OperationalError, transaction

from . import client, conf
from .models import SocialgateLink

log = logging.getLogger("socialgate_cvat")

_USERNAME_CHARS = re.compile(r"[^\w.@+-]", re.ASCII)
_ATTEMPTS = 8


class Refused(Exception):
    """The sign-in cannot map to a Django user (inactive user, or a link that no longer matches)."""


def _username_base(name):
    base = _USERNAME_CHARS.sub("", name or "")[:140]
    return base or "user"


def _create_user(identity, details):
    """A new Django user named after socialgate's username, with a numeric suffix when taken."""
    User = get_user_model()
    first = str(details.get("first_name") or "")[:150]
    last = str(details.get("last_name") or "")[:150]
    base = _username_base(identity.username)
    for n in range(0, 1000):
        candidate = base if n == 0 else "%s%d" % (base, n)
        if User.objects.filter(username__iexact=candidate).exists():
            continue
        try:
            with transaction.atomic():
                user = User(username=candidate, email=identity.email, first_name=first, last_name=last)
                user.set_unusable_password()
                user.save()
                return user
        except IntegrityError:
            continue  # taken meanwhile by another replica: next suffix
    raise Refused("no free username for %r" % base)


def _join_default_roles(user):
    for role in conf.default_roles():
        group, _ = Group.objects.get_or_create(name=role)
        user.groups.add(group)


def _existing_user_by_email(identity):
    """The one Django user with this address, when socialgate says it is verified; else None."""
    if not identity.email or not identity.email_verified:
        return None
    User = get_user_model()
    matches = list(User.objects.filter(email__iexact=identity.email)[:2])
    if len(matches) != 1:
        return None
    return matches[0]


def _checked(link, identity):
    if link.socialgate_username != identity.username:
        log.warning("socialgate user %s is now %r, linked as %r: refusing (socialgate's data was reset?)",
                    identity.user_id, identity.username, link.socialgate_username)
        raise Refused("This socialgate account does not match the CVAT account it was linked to; "
                      "ask an administrator.")
    if not link.user.is_active:
        raise Refused("This CVAT account is disabled.")
    return link.user


def user_for(identity, credential):
    """The Django user of this socialgate identity, made on its first sign-in."""
    for attempt in range(_ATTEMPTS):
        link = SocialgateLink.objects.select_related("user").filter(socialgate_user_id=identity.user_id).first()
        if link is not None:
            return _checked(link, identity)
        existing = _existing_user_by_email(identity)
        # socialgate's profile (first and last name), read once, outside the transaction.
        details = client.profile(credential) if existing is None else {}
        try:
            with transaction.atomic():
                user = existing
                created = user is None
                if created:
                    user = _create_user(identity, details)
                    _join_default_roles(user)
                SocialgateLink.objects.create(socialgate_user_id=identity.user_id, user=user,
                                              socialgate_username=identity.username,
                                              provider=identity.provider)
            log.info("socialgate user %s %s Django user %s", identity.user_id,
                     "made" if created else "linked by verified email to", user.pk)
            return user
        except IntegrityError:
            log.info("socialgate user %s was linked meanwhile by another request; reading its link",
                     identity.user_id)
            continue
        except OperationalError as error:  # SQLite "database is locked" under concurrent writers
            if "locked" not in str(error):
                raise
            time.sleep(0.05 * (attempt + 1))
    raise Refused("Could not link this sign-in; try again.")
