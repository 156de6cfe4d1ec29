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
