"""socialgate identity -> Django user: find the link, or make the user (or link an existing one by
a verified email) once, safely when two CVAT replicas race on the same first sign-in."""
import logging
import re
import time

from django.apps import apps
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.db import IntegrityError, OperationalError, transaction

from . import client, conf
from .models import SocialgateLink, SocialgateTombstone

log = logging.getLogger("socialgate_cvat")

_USERNAME_CHARS = re.compile(r"[^\w.@+-]", re.ASCII)
_ATTEMPTS = 8


class Refused(Exception):
    """The sign-in cannot map to a Django user (a disabled or deleted CVAT user, or a link that no
    longer matches): 403 with the message."""


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


def _cvat_email_addresses():
    """allauth's EmailAddress model where CVAT has it (CVAT 2.x installs allauth.account), else
    None: then CVAT keeps no record of which addresses it verified."""
    if not apps.is_installed("allauth.account"):
        return None
    try:
        return apps.get_model("account", "EmailAddress")
    except LookupError:
        return None


def _email_match(identity):
    """(user, why_not): the one Django user this first sign-in links to by email, or None and,
    when some CVAT user has the address, why it is not linked (for the log).

    socialgate's word that the address is verified is not enough: CVAT lets anyone register any
    address without verifying it, so linking on it would hand the address's owner to whoever
    registered it first. Only an address CVAT verified (allauth's EmailAddress.verified) links,
    or any address when the operator sets SOCIALGATE_TRUST_CVAT_EMAILS."""
    if not identity.email or not identity.email_verified:
        return None, None
    User = get_user_model()
    holders = set(User.objects.filter(email__iexact=identity.email).values_list("pk", flat=True)[:10])
    EmailAddress = _cvat_email_addresses()
    verified = set()
    if EmailAddress is not None:
        rows = EmailAddress.objects.filter(email__iexact=identity.email).values_list("user_id", "verified")[:10]
        for user_pk, is_verified in rows:
            holders.add(user_pk)
            if is_verified:
                verified.add(user_pk)
    if not holders:
        return None, None
    if conf.trust_cvat_emails():
        trusted, basis = holders, "SOCIALGATE_TRUST_CVAT_EMAILS"
    elif EmailAddress is None:
        return None, ("CVAT keeps no record of verified addresses (no allauth.account) and "
                      "SOCIALGATE_TRUST_CVAT_EMAILS is off", sorted(holders))
    else:
        trusted, basis = verified, "verified in CVAT"
    if not trusted:
        return None, ("CVAT has not verified that address", sorted(holders))
    if len(trusted) > 1:
        return None, ("the address (%s) belongs to more than one CVAT user" % basis, sorted(trusted))
    return User.objects.get(pk=next(iter(trusted))), None


def _usable(user, identity):
    """Every path ends here: a disabled CVAT user is never logged in nor returned."""
    if not user.is_active:
        log.warning("socialgate user %s: Django user %s is disabled: refused", identity.user_id, user.pk)
        raise Refused("This CVAT account is disabled.")
    return user


def _refuse_if_deleted(identity):
    tombstone = SocialgateTombstone.objects.filter(socialgate_user_id=identity.user_id).first()
    if tombstone is not None:
        log.warning("socialgate user %s: its CVAT user %s was deleted: refused (an operator lifts this by "
                    "deleting its tombstone in Django's admin)", identity.user_id, tombstone.deleted_user_pk)
        raise Refused("The CVAT account of this sign-in was deleted; ask an administrator.")


def _checked(link, identity):
    if link.socialgate_username != identity.username:
        log.warning("socialgate user %s is now %r, linked as %r: refusing (socialgate's data was reset?)",
                    identity.user_id, identity.username, link.socialgate_username)
        raise Refused("This socialgate account does not match the CVAT account it was linked to; "
                      "ask an administrator.")
    return link.user


def user_for(identity, credential):
    """The Django user of this socialgate identity, made on its first sign-in."""
    for attempt in range(_ATTEMPTS):
        link = SocialgateLink.objects.select_related("user").filter(socialgate_user_id=identity.user_id).first()
        if link is not None:
            return _usable(_checked(link, identity), identity)
        _refuse_if_deleted(identity)
        existing, why_not = _email_match(identity)
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
            if why_not is not None:
                log.warning("socialgate user %s: made Django user %s instead of linking Django user(s) %s by "
                            "email: %s", identity.user_id, user.pk, ", ".join(map(str, why_not[1])), why_not[0])
            else:
                log.info("socialgate user %s %s Django user %s", identity.user_id,
                         "made" if created else "linked by verified email to", user.pk)
            return _usable(user, identity)
        except IntegrityError:
            log.info("socialgate user %s was linked meanwhile by another request; reading its link",
                     identity.user_id)
            continue
        except OperationalError as error:  # SQLite "database is locked" under concurrent writers
            if "locked" not in str(error):
                raise
            time.sleep(0.05 * (attempt + 1))
    raise Refused("Could not link this sign-in; try again.")
