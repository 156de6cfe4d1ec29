from django.conf import settings
from django.db import models


class SocialgateLink(models.Model):
    """A socialgate user (by socialgate's permanent user id) linked to a Django user.

    The socialgate id is unique: two replicas racing on one first sign-in end with one link (the
    loser's transaction rolls back and it reads the winner's link). One Django user may carry
    several links (a person who signed in again after socialgate's data was lost is linked by
    verified email to the same Django user). Users are never matched by username.
    """

    socialgate_user_id = models.CharField(max_length=64, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE,
                             related_name="socialgate_links")
    # socialgate's username when the link was made: a later sign-in under the same id but another
    # name means socialgate's ids were issued again (its data lost), never the same person.
    socialgate_username = models.CharField(max_length=150)
    provider = models.CharField(max_length=64, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "socialgate link"

    def __str__(self):
        return "socialgate user %s -> %s" % (self.socialgate_user_id, self.user_id)


class SocialgateRevocation(models.Model):
    """A socialgate session that CVAT's logout ended, seen by every CVAT server replica at once.

    In the database because it is the one store every replica surely shares (CVAT 2.4's default
    cache is LocMemCache, one per process). Keyed on sha256 of the session key, never the key.
    Kept only while a replica could still hold a cached answer for it (see revocation.py).
    """

    key_hash = models.CharField(max_length=64, unique=True)
    expires = models.DateTimeField(db_index=True)

    class Meta:
        verbose_name = "socialgate revocation"

    def __str__(self):
        return "revoked socialgate session %s... until %s" % (self.key_hash[:12], self.expires)


class SocialgateTombstone(models.Model):
    """A socialgate user whose CVAT user was deleted: its sign-ins are refused (403), never made
    into a new Django user, until an operator deletes this row (Django's admin lists them)."""

    socialgate_user_id = models.CharField(max_length=64, unique=True)
    socialgate_username = models.CharField(max_length=150)
    # The deleted Django user, for the operator: its primary key and username at deletion.
    deleted_user_pk = models.CharField(max_length=64)
    deleted_username = models.CharField(max_length=150, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = "socialgate user of a deleted CVAT user"
        verbose_name_plural = "socialgate users of deleted CVAT users"

    def __str__(self):
        return "socialgate user %s (%s), CVAT user %s deleted" % (
            self.socialgate_user_id, self.socialgate_username, self.deleted_username or self.deleted_user_pk)
