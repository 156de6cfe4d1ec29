"""Marks of socialgate sessions that CVAT's logout ended, shared by every CVAT server replica
through the database, so that no replica accepts such a session from its verify cache.

A mark must outlive every cached answer that says the session is valid. Once socialgate has
confirmed the logout, no replica can fetch such an answer any more, and the last one fetched
expires SOCIALGATE_RECHECK_SECONDS later: the mark is kept that long, plus a margin for the clocks
of the CVAT hosts (each compares the writer's expiry with its own clock). When socialgate did not
confirm (down, slow), the session may still be valid there, so the mark stays for as long as a
socialgate session can live (SOCIALGATE_SESSION_ABSOLUTE_AGE). Expired marks are deleted whenever
a mark is written, so the table holds about one row per logout of the last recheck interval.
"""
import datetime
import hashlib
import logging

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from . import conf
from .models import SocialgateRevocation

log = logging.getLogger("socialgate_cvat")

CLOCK_MARGIN_SECONDS = 60


def key_hash(key):
    return hashlib.sha256(key.encode()).hexdigest()


def _expiry(confirmed):
    seconds = conf.recheck_seconds() + CLOCK_MARGIN_SECONDS if confirmed else conf.session_absolute_age_seconds()
    return timezone.now() + datetime.timedelta(seconds=seconds)


def mark(key, confirmed):
    """Marks this session key as logged out, until a cached answer for it can no longer exist."""
    digest, expires = key_hash(key), _expiry(confirmed)
    try:
        with transaction.atomic():
            SocialgateRevocation.objects.filter(expires__lte=timezone.now()).delete()
            if not SocialgateRevocation.objects.filter(key_hash=digest).update(expires=expires):
                SocialgateRevocation.objects.create(key_hash=digest, expires=expires)
    except IntegrityError:  # another replica marked the same key meanwhile
        SocialgateRevocation.objects.filter(key_hash=digest).update(expires=expires)
    except DatabaseError as error:
        log.error("could not record the logout of a socialgate session for the other replicas: %s", error)


def is_revoked(key):
    """One indexed read per request that carries a socialgate credential."""
    return SocialgateRevocation.objects.filter(key_hash=key_hash(key), expires__gt=timezone.now()).exists()
